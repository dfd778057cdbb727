"""The pages' layouts and callbacks as plain functions of a release and the URL's selections.

``dashboard/pages/*`` only registers each page (Dash re-executes page modules whenever an app is built,
so page modules hold no callbacks), naming its view's ``register(app)``, which attaches the callbacks to one
app, and ``skeleton()``, the components they name (``callbacks=``, ``skeleton=``: dashboard/routing.py).
Unit tests call the functions here directly with a real release.
"""
