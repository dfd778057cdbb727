"""The WSGI app the download benchmark serves with gunicorn: a plain Flask server with the open-data routes
(``gunicorn 'bench.downloads_app:create()'``), configured like the API tests' Eurostat release.

``OPENMEASURE_BENCH_CSV_BLOCKS_MB`` overrides ``access.csv_blocks_mb`` (``0``: no pre-rendered CSV blocks)."""

from __future__ import annotations

import os

import flask

from bench.downloads import CONFIG


def create() -> flask.Flask:
    from core.config import load_config
    from dashboard.api import register

    app = flask.Flask("openmeasure-bench")
    config = load_config(CONFIG)
    blocks = os.environ.get("OPENMEASURE_BENCH_CSV_BLOCKS_MB")
    if blocks is not None:
        config = config.model_copy(update={"access": config.access.model_copy(update={"csv_blocks_mb": int(blocks)})})
    register(app, config)
    return app
