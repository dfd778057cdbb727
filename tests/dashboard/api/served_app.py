"""WSGI factory for the served-app tests: the open-data routes on a plain Flask server, config from
$OPENMEASURE_CONFIG (``gunicorn 'tests.dashboard.api.served_app:create()'``).

``$OPENMEASURE_TEST_ACCESS`` (JSON) overrides keys of the config's ``access`` section (the session tests
sign managers in), and every answer names the worker process that made it (``X-Test-Worker``), so that a
test can tell it reached every worker."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import flask


def create() -> flask.Flask:
    from core.config import load_config
    from dashboard.api import register

    config = load_config(os.environ["OPENMEASURE_CONFIG"])
    overrides = json.loads(os.environ.get("OPENMEASURE_TEST_ACCESS") or "{}")
    if overrides:
        config = config.model_copy(update={"access": config.access.model_copy(update=overrides)})
    app = flask.Flask("openmeasure-test")
    register(app, config)
    app.after_request(_worker)
    return app


def _worker(resp: flask.Response) -> flask.Response:
    resp.headers["X-Test-Worker"] = str(os.getpid())
    return resp


@contextlib.contextmanager
def gunicorn(env: dict[str, str], workers: int = 1, timeout: int = 60) -> Iterator[str]:
    """This factory served by gunicorn with ``workers`` processes on a free 127.0.0.1 port, with the request
    line limit ``openmeasure serve`` sets; yields its base URL once it answers."""
    import pytest
    import requests

    from dashboard.serve import options
    from tests.conftest import ROOT

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    line = options("127.0.0.1", port, workers)["limit_request_line"]
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "--workers", str(workers), "--bind",
                             f"127.0.0.1:{port}", "--limit-request-line", str(line), "--timeout", str(timeout),
                             "tests.dashboard.api.served_app:create()"], cwd=ROOT,
                            env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                requests.get(base + "/api/v1/", timeout=60)
                break
            except requests.ConnectionError:
                if proc.poll() is not None:
                    pytest.fail(proc.stderr.read().decode())
                time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
