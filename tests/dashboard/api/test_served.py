"""The routes served by a real gunicorn process over 127.0.0.1: streamed bodies, the cache's sendfile path,
conditional requests, and the same bytes as the in-process app."""

from __future__ import annotations

import pytest
import requests

from tests.conftest import ROOT
from tests.dashboard.api.served_app import gunicorn

pytestmark = pytest.mark.slow  # more than a few seconds: left out of the fast lane (README)


@pytest.fixture(scope="module")
def served(api_store):
    env = {"OPENMEASURE_CONFIG": str(ROOT / "config.yaml"), "OPENMEASURE_STORE": api_store["store"],
           "OPENMEASURE_CATALOGUE": api_store["catalogue"]}
    with gunicorn(env) as base:
        yield base


def test_served_download_streams_then_comes_from_the_cache(served, client):
    url = "/api/v1/data?indicator=neet_rate,neet_count&format=csv&bom=true"
    first = requests.get(served + url, timeout=60)
    second = requests.get(served + url, timeout=60)
    assert first.status_code == second.status_code == 200
    assert "Content-Length" not in first.headers  # streamed
    assert second.headers["X-OpenMeasure-Cache"] == "hit" and int(second.headers["Content-Length"]) > 0
    assert first.content == second.content == client.get(url).data
    again = requests.get(served + url, headers={"If-None-Match": first.headers["ETag"]}, timeout=60)
    assert again.status_code == 304 and again.content == b""


def test_served_zip_and_errors(served):
    r = requests.get(served + "/data/releases/current/release.zip", timeout=120)
    assert r.status_code == 200 and r.content[:2] == b"PK"
    bad = requests.get(served + "/data/releases/%2e%2e%2f%2e%2e%2fetc/passwd", timeout=10)
    assert bad.status_code == 404 and bad.json()["error"]["status"] == 404
