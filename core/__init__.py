"""The shared core every part imports and that imports none of them.

Config (loading and typed models), errors, periods, the geography, the release store and its layout, the run
catalogue, licences, accounts and sessions, schedules. ``indicators`` builds on it; ``etl`` and ``dashboard``
build on both (tests/core/test_layering.py keeps it so).
"""
