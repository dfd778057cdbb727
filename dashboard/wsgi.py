"""gunicorn entry point: ``gunicorn dashboard.wsgi:server`` with ``$OPENMEASURE_CONFIG`` naming the config.

The config is read when gunicorn loads this module (the entry point), never at import elsewhere."""

from __future__ import annotations

import os

from core.config import load_config
from dashboard.app import create_app

config = load_config(os.environ.get("OPENMEASURE_CONFIG", "config.yaml"))
app = create_app(config)
server = app.server
