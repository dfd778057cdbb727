"""The pages' layouts and callbacks as plain functions of a release and the URL's selections.

``dashboard/pages/*`` only registers each page (Dash re-executes page modules whenever an app is built,
so page modules hold no callbacks); ``register(app)`` in each view module attaches its callbacks to one app.
Unit tests call the functions here directly with a real release.
"""
