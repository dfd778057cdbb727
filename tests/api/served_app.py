"""WSGI factory for the served-app test: the open-data routes on a plain Flask server, config from
$OPENMEASURE_CONFIG (``gunicorn 'tests.api.served_app:create()'``)."""

from __future__ import annotations

import os

import flask


def create() -> flask.Flask:
    from dashboard.api import register
    from etl.config import load_config

    app = flask.Flask("openmeasure-test")
    register(app, load_config(os.environ["OPENMEASURE_CONFIG"]))
    return app
