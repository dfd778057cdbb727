"""Compressed answers, files cached for good and the partial plotly.js (dashboard/compression.py, delivery.py)."""

from __future__ import annotations

import gzip
import re

import pytest

from dashboard import compression, delivery
from dashboard.components import figures

GZ = {"Accept-Encoding": "gzip, deflate, br"}


def script_urls(html: str) -> list[str]:
    return re.findall(r'src="([^"]+)"', html)




def test_page_and_layout_are_gzipped_with_security_headers(dash_app):
    client = dash_app.server.test_client()
    resp = client.get("/", headers=GZ)
    assert resp.status_code == 200
    assert resp.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in resp.headers["Vary"]
    assert b"<html" in gzip.decompress(resp.data)
    assert resp.headers["Content-Security-Policy"] and resp.headers["X-Frame-Options"] == "DENY"
    layout = client.get("/_dash-layout", headers=GZ)
    assert layout.headers.get("Content-Encoding") == "gzip"
    assert gzip.decompress(layout.data).startswith(b"{")


def test_no_gzip_unless_asked(dash_app):
    client = dash_app.server.test_client()
    for headers in ({}, {"Accept-Encoding": "identity"}, {"Accept-Encoding": "gzip;q=0"}):
        resp = client.get("/", headers=headers)
        assert "Content-Encoding" not in resp.headers, headers
        assert b"<html" in resp.data


@pytest.mark.parametrize("header,expected", [("gzip", True), ("br, gzip;q=0.5", True), ("*", True),
                                             ("gzip;q=0", False), ("deflate, br", False), ("", False)])
def test_accepts_gzip(header, expected):
    assert compression.accepts_gzip(header) is expected


def test_component_suites_cached_for_good_and_gzipped_once(dash_app):
    client = dash_app.server.test_client()
    html = client.get("/").get_data(as_text=True)
    suites = [u for u in script_urls(html) if u.startswith("/_dash-component-suites/")]
    assert suites
    first = client.get(suites[0], headers=GZ)
    assert first.headers["Cache-Control"] == delivery.FOR_GOOD
    assert first.headers["Content-Encoding"] == "gzip"
    plain = client.get(suites[0])
    assert gzip.decompress(first.data) == plain.data
    assert client.get(suites[0], headers=GZ).data == first.data


def test_assets_with_a_stamp_cached_for_good(dash_app):
    client = dash_app.server.test_client()
    html = client.get("/").get_data(as_text=True)
    css = re.search(r'href="(/assets/openmeasure\.css\?m=[^"]+)"', html).group(1)
    assert client.get(css).headers["Cache-Control"] == delivery.FOR_GOOD
    assert "immutable" not in client.get("/assets/openmeasure.css").headers.get("Cache-Control", "")


def test_the_partial_plotly_is_served_not_the_full_one(dash_app):
    client = dash_app.server.test_client()
    html = client.get("/").get_data(as_text=True)
    assert "package_data/plotly" not in html
    from dash import dcc

    plotly = [r for r in dcc._js_dist if "plotly-openmeasure" in str(r.get("relative_package_path"))]
    assert plotly and all(r["namespace"] == "dashboard" for r in plotly)
    assert not [r for r in dcc._js_dist if r.get("relative_package_path") == "package_data/plotly.min.js"]
    url = re.search(r'<meta name="openmeasure-plotly" content="([^"]+)"', html).group(1)
    assert client.get("/_dash-component-suites/plotly/package_data/plotly.min.js").status_code == 404
    resp = client.get(url, headers=GZ)
    assert resp.status_code == 200 and resp.headers["Cache-Control"] == delivery.FOR_GOOD
    body = gzip.decompress(resp.data)
    assert body.startswith(b"/*! plotly.js") and len(body) < 3_500_000


def test_revalidation_of_a_gzipped_etag_answers_304(dash_app):
    client = dash_app.server.test_client()
    resp = client.get("/assets/openmeasure.css", headers=GZ)
    if "ETag" not in resp.headers or resp.headers.get("Content-Encoding") != "gzip":
        pytest.skip("the stylesheet is served without an ETag or uncompressed")
    assert resp.headers["ETag"].endswith('-gzip"')
    again = client.get("/assets/openmeasure.css", headers={**GZ, "If-None-Match": resp.headers["ETag"]})
    assert again.status_code == 304


def test_streamed_answer_is_compressed_chunk_by_chunk():
    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/csv")])
        return (b"a,b\n" * 1000 for _ in range(3))

    mw = compression.GzipMiddleware(app)
    seen = {}
    body = mw({"HTTP_ACCEPT_ENCODING": "gzip", "REQUEST_METHOD": "GET"},
              lambda s, h, e=None: seen.update(status=s, headers=dict(h)))
    assert seen["headers"]["Content-Encoding"] == "gzip" and "Content-Length" not in seen["headers"]
    assert gzip.decompress(b"".join(body)) == b"a,b\n" * 3000


def test_already_compressed_types_pass_through():
    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "application/vnd.apache.parquet"), ("Content-Length", "4000")])
        return [b"P" * 4000]

    seen = {}
    body = compression.GzipMiddleware(app)({"HTTP_ACCEPT_ENCODING": "gzip", "REQUEST_METHOD": "GET"},
                                           lambda s, h, e=None: seen.update(headers=dict(h)))
    assert "Content-Encoding" not in seen["headers"] and b"".join(body) == b"P" * 4000


def test_file_downloads_pass_through():
    """The API sends finished downloads from its cache with their length (and sendfile): left as they are."""
    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/csv"), ("Content-Length", "4000"),
                                  ("Content-Disposition", 'attachment; filename="x.csv"')])
        return [b"a" * 4000]

    seen = {}
    body = compression.GzipMiddleware(app)({"HTTP_ACCEPT_ENCODING": "gzip", "REQUEST_METHOD": "GET"},
                                           lambda s, h, e=None: seen.update(headers=dict(h)))
    assert "Content-Encoding" not in seen["headers"] and seen["headers"]["Content-Length"] == "4000"
    assert b"".join(body) == b"a" * 4000


def test_figures_use_only_traces_of_the_partial_bundle():
    """A trace type missing from dashboard/vendor/plotly-openmeasure.min.js would not draw."""
    src = open(figures.__file__, encoding="utf-8").read()
    types = set(re.findall(r'"type": "(\w+)"', src)) - {"data", "category", "linear", "log", "date"}
    assert types and types <= delivery.PLOTLY_TRACES, types - delivery.PLOTLY_TRACES


def test_chart_pages_preload_the_partial_plotly(dash_app):
    client = dash_app.server.test_client()
    for path, preloads in (("/indicator/online_share", True), ("/area/VL101", True), ("/compare", True),
                           ("/", False), ("/status", False)):
        html = client.get(path).get_data(as_text=True)
        assert ('rel="preload" as="script"' in html) is preloads, path
