"""``/sitemap.xml`` and ``/robots.txt``: so that search engines find every public page, and only those.

The sitemap lists the dashboard's public pages for the current release: the overview, the indicator and area
indexes, compare, status, accessibility and download pages, each public indicator's explorer and methodology page and each area's
profile. It is built from the public reader, so an internal indicator never appears in it. ``robots.txt``
points at it and keeps crawlers off the sign-in, the Dash callbacks and the data API (a crawler fetching
every filter of ``/api/v1/data`` would be a load test, not indexing; the download centre links the files).
"""

from __future__ import annotations

from urllib.parse import quote
from xml.sax.saxutils import escape

import flask

from dashboard.api import http, params
from dashboard.api.state import limit_request, state

bp = flask.Blueprint("openmeasure_sitemap", __name__)
bp.before_request(limit_request)

PAGES = ("", "indicator", "area", "compare", "status", "accessibility", "data", "api/")
#: The sitemap protocol's limit on URLs in one file.
MAX_URLS = 50_000


def urls(base: str, indicator_ids: list[str], area_codes: list[str]) -> list[str]:
    out = [base + p for p in PAGES]
    for i in indicator_ids:
        out += [f"{base}indicator/{quote(i, safe='')}", f"{base}methodology/{quote(i, safe='')}"]
    out += [f"{base}area/{quote(a, safe='')}" for a in area_codes]
    return out[:MAX_URLS]


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
        sitemap_xml(urls(st.base_url(), sorted(rel.indicators["id"]), sorted(rel.areas["area_code"])),
                    created[:10] or None), mimetype="application/xml"))


@bp.get("/robots.txt")
def robots():
    params.check_names(flask.request.args, set())
    text = ("User-agent: *\nDisallow: /auth/\nDisallow: /_dash-\nDisallow: /api/v1/\n"
            f"Sitemap: {state().base_url()}sitemap.xml\n")
    return http.finish(flask.Response(text, mimetype="text/plain"), None, True,
                       state().config.access.cache_seconds)
