"""HTTP hardening as an outsider probes it: every kind of response carries the security headers (a
Content-Security-Policy that still lets every page draw, without a single violation in Chromium), and
malformed requests to Dash's own routes answer 4xx, never 500."""

from __future__ import annotations

import json
import re

import pytest

from tests.dashboard.conftest import Page

pytestmark = pytest.mark.slow  # more than a few seconds: left out of the fast lane (README)

CALLBACK = {"output": "area-detail.children", "outputs": {"id": "area-detail", "property": "children"},
            "inputs": [{"id": "area-indicator", "property": "value", "value": "neet_rate"}],
            "changedPropIds": ["area-indicator.value"],
            "state": [{"id": "area-code", "property": "data", "value": "VL1"},
                      {"id": "release-id", "property": "data", "value": None}]}


def responses(client, release_id: str) -> dict:
    """One response of every kind the server gives."""
    suite = re.search(r'src="(/_dash-component-suites/[^"]+\.js[^"]*)"', client.get("/").get_data(as_text=True))
    return {
        "page": client.get("/"),
        "callback": client.post("/_dash-update-component", json=CALLBACK),
        "layout": client.get("/_dash-layout"),
        "api json": client.get("/api/v1/indicators"),
        "csv download": client.get("/api/v1/data?indicator=neet_rate&format=csv"),
        "bulk file": client.get(f"/data/releases/{release_id}/release.zip"),
        "page 404": client.get("/no-such-page"),
        "api 404": client.get("/api/v1/no-such-route"),
        "static asset": client.get("/assets/openmeasure.css"),
        "dash script": client.get(suite.group(1)),
        "boundaries": client.get(f"/boundaries/{release_id}/region.geojson"),
        "sign-in": client.get("/auth/login"),
    }


@pytest.fixture(scope="module")
def https_app(demo_config, demo_release):
    """The dashboard with manager sign-in, told that it is served over HTTPS."""
    from dashboard.app import create_app

    access = demo_config.access.model_copy(update={"mode": "accounts", "secret_key": "h" * 32, "https": True})
    return create_app(demo_config.model_copy(update={"access": access}))


def test_every_kind_of_response_carries_the_security_headers(dash_app, https_app, demo_release):
    for name, app in (("plain", dash_app), ("https", https_app)):
        for kind, r in responses(app.server.test_client(), demo_release.release_id).items():
            where = f"{name} {kind} ({r.status_code})"
            if kind == "sign-in" and name == "plain":
                assert r.status_code == 404, where  # access.mode none: no sign-in form, still the headers
            elif kind.endswith("404"):
                assert r.status_code == 404, where
            else:
                assert r.status_code == 200, where
            h = r.headers
            csp = h.get("Content-Security-Policy", "")
            assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp or "default-src 'none'" in csp, where
            assert "unsafe-eval" not in csp and "script-src 'self' 'unsafe-inline'" not in csp, where
            if r.mimetype == "text/html":
                assert "script-src 'self' 'sha256-" in csp, where
            assert h["X-Frame-Options"] == "DENY" and h["X-Content-Type-Options"] == "nosniff", where
            assert h["Referrer-Policy"] == "same-origin", where
            assert ("Strict-Transport-Security" in h) == (name == "https"), where
    assert https_app.server.config["SESSION_COOKIE_SECURE"] is True


@pytest.mark.parametrize("body", [
    "null", "[]", '"text"', "{", '{"output": 1}', '{"output": "no-such.children"}',
    "[" * 5000 + "]" * 5000,
    json.dumps({**CALLBACK, "state": [{"id": "area-code", "property": "data", "value": json.loads("[" * 40 + "]" * 40)}]}),
    json.dumps({**CALLBACK, "inputs": 5}),
    json.dumps({**CALLBACK, "outputs": "area-detail.children"}),
    json.dumps({**CALLBACK, "changedPropIds": [1]}),
    json.dumps({**CALLBACK, "state": [CALLBACK["state"][0], {"id": "release-id", "property": "data",
                                                             "value": ["20250101T000000Z-abc"]}]}),
], ids=["null", "list", "string", "truncated", "output-number", "unknown-output", "nested-5000",
        "nested-state", "inputs-number", "outputs-string", "changed-numbers", "release-id-list"])
def test_malformed_callback_bodies_are_refused_with_400(dash_app, body):
    r = dash_app.server.test_client().post("/_dash-update-component", data=body, content_type="application/json")
    assert r.status_code == 400, r.get_data(as_text=True)[:300]


def test_the_well_formed_callback_still_answers(dash_app):
    r = dash_app.server.test_client().post("/_dash-update-component", json=CALLBACK)
    assert r.status_code == 200 and "area-detail" in r.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/_dash-component-suites/dash/no-such.js", "/_dash-component-suites/nopkg/x.js",
                                  "/_dash-component-suites/dash/dcc/../../../etc/passwd.js"])
def test_unknown_dash_scripts_are_404_not_500(dash_app, path):
    assert dash_app.server.test_client().get(path).status_code == 404


@pytest.mark.browser
def test_every_page_draws_under_the_policy_without_a_violation(browser, live_server, release, tmp_path):
    """Chromium loads each page with the Content-Security-Policy on: no script, style, worker or image is
    refused (the map draws in a worker from a blob, Plotly writes styles), no console error."""
    indicator = release.indicators.sort_values(["theme", "title"])["id"].iloc[0]
    tab = Page(browser, live_server)
    try:
        for path in ("/", f"/indicator/{indicator}", "/area/VL1", "/compare?areas=VL1,VL2", "/status",
                     f"/methodology/{indicator}", "/accessibility"):
            tab.open(path)
            tab.page.wait_for_timeout(500)
            assert tab.csp_violations() == [], path
            assert not tab.errors, (path, tab.errors)
        tab.open(f"/indicator/{indicator}")
        tab.page.wait_for_selector(".js-plotly-plot .choroplethmap, .js-plotly-plot canvas", timeout=20_000)
        tab.page.wait_for_timeout(1500)
        tab.page.screenshot(path=str(tmp_path / "indicator.png"), full_page=False)
        assert tab.csp_violations() == [] and not tab.errors, tab.errors
        # an inline script the page did not come with is refused, and the refusal is seen
        tab.page.evaluate("() => { const s = document.createElement('script'); s.textContent = 'window.x = 1';"
                          " document.body.appendChild(s); }")
        tab.page.wait_for_timeout(300)
        assert any("script-src" in v for v in tab.csp_violations())
    finally:
        tab.close()
