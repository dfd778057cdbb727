"""The WSGI app the download benchmark serves with gunicorn: a plain Flask server with the open-data routes
(``gunicorn 'bench.downloads_app:create()'``), configured like the API tests' Eurostat release."""

from __future__ import annotations

import flask

from bench.downloads import CONFIG


def create() -> flask.Flask:
    from dashboard.api import register
    from etl.config import load_config

    app = flask.Flask("openmeasure-bench")
    register(app, load_config(CONFIG))
    return app
