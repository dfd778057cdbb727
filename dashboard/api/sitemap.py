"""``/sitemap.xml`` and ``/robots.txt``: so that search engines find every public page, and only those.

The sitemap lists the dashboard's public pages for the current release, as Dash's page registry has them
(dashboard/routing.py): each page with a fixed path (the overview, the indicator and area indexes, compare,
status, accessibility), then the download centre and the API guide, then each page a path template names
for each public indicator (explorer, methodology) and each area (profile). It is built from the public
reader, so an internal indicator never appears in it; an API served without the dashboard lists only its own
pages. ``robots.txt``
points at it and keeps crawlers off the sign-in, the Dash callbacks and the data API (a crawler fetching
every filter of ``/api/v1/data`` would be a load test, not indexing; the download centre links the files).
"""

from __future__ import annotations

from xml.sax.saxutils import escape

import flask

from dashboard import routing
from dashboard.api import http, params
from dashboard.api.state import limit_request, state

bp = flask.Blueprint("openmeasure_sitemap", __name__)
bp.before_request(limit_request)

#: The pages that are the open-data routes' own (not Dash's): the download centre and the API guide.
OWN_PAGES = ("data", "api/")
#: The sitemap protocol's limit on URLs in one file.
MAX_URLS = 50_000


def urls(base: str, fixed: list[str], named: list[str]) -> list[str]:
    """The sitemap's addresses: ``fixed`` and ``named`` are the pages' paths (:func:`routing.page_paths`)."""
    return [base + p for p in (*fixed, *OWN_PAGES, *named)][:MAX_URLS]


def sitemap_xml(locations: list[str], lastmod: str | None) -> bytes:
    mod = f"<lastmod>{escape(lastmod)}</lastmod>" if lastmod else ""
    body = "".join(f"<url><loc>{escape(loc)}</loc>{mod}</url>\n" for loc in locations)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
            f"{body}</urlset>\n").encode()


@bp.get("/sitemap.xml")
def sitemap():
    params.check_names(flask.request.args, set())
    st = state()
    rel = st.public.current()
    created = rel.manifest.get("created") or ""
    return http.current_document(rel.id, st.config.access.cache_seconds, lambda: flask.Response(
        sitemap_xml(urls(st.base_url(), *routing.page_paths(rel, st.pages)), created[:10] or None),
        mimetype="application/xml"))


@bp.get("/robots.txt")
def robots():
    params.check_names(flask.request.args, set())
    text = ("User-agent: *\nDisallow: /auth/\nDisallow: /_dash-\nDisallow: /api/v1/\n"
            f"Sitemap: {state().base_url()}sitemap.xml\n")
    return http.finish(flask.Response(text, mimetype="text/plain"), None, True,
                       state().config.access.cache_seconds)
