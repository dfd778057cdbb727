"""CORS: a script in a browser on another site (a notebook, a newsroom's chart) can read the open data and
its headers, but never an answer made for a signed-in manager."""

from __future__ import annotations

import base64

import pytest

from tests.dashboard.api.conftest import MANAGER

ORIGIN = {"Origin": "https://notebook.example"}


@pytest.mark.parametrize("url", [
    "/api/v1/", "/api/v1/indicators", "/api/v1/data?indicator=neet_rate&limit=5",
    "/api/v1/data?indicator=neet_rate&level=region&format=csv", "/api/v1/openapi.json", "/api/v1/releases",
    "/data/releases/current/README.md", "/catalog.jsonld", "/data/revisions?from=current&to=current&format=json",
])
def test_open_data_may_be_read_from_any_origin(client, url):
    r = client.get(url, headers=ORIGIN)
    assert r.status_code == 200, url
    assert r.headers.get("Access-Control-Allow-Origin") == "*", url
    exposed = {h.strip() for h in r.headers["Access-Control-Expose-Headers"].split(",")}
    assert {"ETag", "Link", "X-Total-Count", "X-OpenMeasure-Release"} <= exposed
    assert "Access-Control-Allow-Credentials" not in r.headers


def test_errors_are_readable_too(client):
    """A script must be able to read why it was refused, not just see a network error."""
    r = client.get("/api/v1/data?indicator=neet_rat", headers=ORIGIN)
    assert r.status_code == 400 and r.headers.get("Access-Control-Allow-Origin") == "*"
    r = client.get("/api/v1/nope", headers=ORIGIN)
    assert r.status_code == 404 and r.headers.get("Access-Control-Allow-Origin") == "*"


def test_preflight_allows_conditional_requests(client):
    r = client.options("/api/v1/data?indicator=neet_rate", headers={
        **ORIGIN, "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "if-none-match"})
    assert r.status_code in (200, 204)
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    assert "GET" in r.headers["Access-Control-Allow-Methods"]
    assert "if-none-match" in r.headers["Access-Control-Allow-Headers"].lower()


def test_never_for_a_manager_or_the_sign_in(manager_app):
    client = manager_app.test_client()
    good = base64.b64encode(f"{MANAGER[0]}:{MANAGER[1]}".encode()).decode()
    r = client.get("/api/v1/indicators", headers={**ORIGIN, "Authorization": f"Basic {good}"})
    assert r.status_code == 200 and "sickness_absence" in r.get_data(as_text=True)
    assert "Access-Control-Allow-Origin" not in r.headers
    assert "Access-Control-Allow-Origin" not in client.get("/auth/login", headers=ORIGIN).headers
    public = manager_app.test_client().get("/api/v1/indicators", headers=ORIGIN)
    assert public.headers["Access-Control-Allow-Origin"] == "*"
