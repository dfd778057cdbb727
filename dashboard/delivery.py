"""How the dashboard's files reach the browser: a partial plotly.js, compressed answers, files cached for good.

- plotly.js: Dash serves the whole of it (4.8 MB, every trace type); the pages draw only scatter, bar,
  scattermap and choroplethmap (dashboard/components/figures.py), so :func:`use_partial_plotly` points Dash's
  plotly resource at ``dashboard/vendor/plotly-openmeasure.min.js`` (3.0 MB, 0.9 MB gzipped; built by
  ``dashboard/vendor/plotly-build``), served from this app like every other file (no CDN).
- Compression: :class:`dashboard.compression.GzipMiddleware` around the whole WSGI app.
- Caching: Dash names its component suites with a fingerprint (version and modification time) and its assets
  with ``?m=<mtime>``; a changed file gets a new address, so those answers are cached for good
  (``public, max-age=31536000, immutable``) and a second visit fetches only the page and its data.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

import dash
import flask
from dash import dcc

from dashboard.compression import GzipMiddleware

PARTIAL_PLOTLY = "vendor/plotly-openmeasure.min.js"
#: The trace types the partial bundle holds (a figure of another type would not draw: tests check figures).
PLOTLY_TRACES = frozenset({"scatter", "bar", "scattermap", "choroplethmap"})
#: Pages that open with a chart (the overview, indexes, status and methodology pages have none).
CHART_PAGES = ("/indicator/", "/area/", "/compare")
FOR_GOOD = "public, max-age=31536000, immutable"
ASSET_PREFIX = "/assets/"
SUITE_PREFIX = "/_dash-component-suites/"


def use_partial_plotly() -> None:
    """Make Dash serve the partial plotly.js instead of plotly's full one (the resource Dash adds to
    ``dcc._js_dist`` when an app is made): the full one is then not served at all."""
    if not (Path(__file__).parent / PARTIAL_PLOTLY).is_file():  # pragma: no cover - a broken checkout
        raise FileNotFoundError(f"dashboard/{PARTIAL_PLOTLY} is missing: rebuild it with dashboard/vendor/plotly-build")
    for res in dcc._js_dist:  # noqa: SLF001 - Dash's own registry of component scripts
        if res.get("namespace") == "plotly" and res.get("relative_package_path") == "package_data/plotly.min.js":
            res["namespace"] = "dashboard"
            res["relative_package_path"] = PARTIAL_PLOTLY


def plotly_address(app: dash.Dash) -> str:
    """The partial bundle's fingerprinted address (registering it with Dash, which then serves it)."""
    return app._collect_and_register_resources(  # noqa: SLF001 - Dash's own fingerprinting
        [{"relative_package_path": PARTIAL_PLOTLY, "namespace": "dashboard"}])[0]


def name_plotly_in_pages(app: dash.Dash) -> None:
    """Every page names the partial bundle's address in ``<meta name="openmeasure-plotly">``:
    dashboard/assets/plotly-url.js points dcc.Graph at it (Dash's renderer would load the full bundle from a
    fixed address). The pages that draw a chart first thing also preload it: Dash asks for plotly.js only
    when the first chart is drawn, after the page's scripts and layout, which delayed the chart by the
    time it takes to fetch it."""
    interpolate = app.interpolate_index

    def interpolate_index(**kwargs):
        url = escape(plotly_address(app), quote=True)
        meta = f'<meta name="openmeasure-plotly" content="{url}">'
        if flask.has_request_context() and flask.request.path.startswith(CHART_PAGES):
            meta += f'<link rel="preload" as="script" href="{url}">'  # fetched with the page, not after it
        kwargs["metas"] = kwargs.get("metas", "") + meta
        return interpolate(**kwargs)

    app.interpolate_index = interpolate_index


def add_cache_headers(server: flask.Flask) -> None:
    """Fingerprinted component suites and ``?m=``-stamped assets are cached for good."""

    @server.after_request
    def _for_good(resp):
        req = flask.request
        if req.method not in ("GET", "HEAD") or resp.status_code != 200:
            return resp
        if (req.path.startswith(SUITE_PREFIX) and resp.cache_control.max_age == 31_536_000) or \
                (req.path.startswith(ASSET_PREFIX) and req.args.get("m")):
            resp.headers["Cache-Control"] = FOR_GOOD
        return resp


def install(app: dash.Dash) -> None:
    """Cache headers on ``app``'s server and compression around its WSGI app (call once per app)."""
    name_plotly_in_pages(app)
    add_cache_headers(app.server)
    app.server.wsgi_app = GzipMiddleware(app.server.wsgi_app)
