"""Page titles that name what the page is about (WCAG 2.4.2): "Employment rate: indicator explorer", not the
same "Indicator explorer" on every indicator. Dash calls these with the page's path variables, for the first
load and for every navigation; when the release cannot be read, the generic title stands.

Dash passes a title function the path's variables only: the overview, whose subject is in the query
(``/?area=VL101``), reads it from the router callback's input. A page whose subject changes without the router
(the overview's area, the explorer's indicator: the address is rewritten in place) sends the new title to
``ids.PAGE_TITLE`` (common.title_sync sets ``document.title`` from it)."""

from __future__ import annotations

import logging
from urllib.parse import parse_qs

import dash
import flask

from dashboard import context, data
from dashboard.views.common import path_value

log = logging.getLogger(__name__)


def _named(kind: str, lookup, ident: str | None, missing: str) -> str:
    """'<name>: <kind>'; for a code the release does not have, what the page says ('Area not found')."""
    try:
        name = lookup(context.release(), _decoded(ident))
    except Exception:  # noqa: BLE001 (a title must never break a page)
        log.debug("title=generic kind=%s", kind, exc_info=True)
        return kind
    return named(name, kind) if name else missing


def _decoded(ident: str | None) -> str | None:
    """A path variable as the server reads it. In the router callback it arrives as the browser's address
    has it (``VL%31``) and is decoded; for the page's HTML, Dash took it from the request's path, which the
    server has already decoded: decoding again would make ``VL10%2534`` (code ``VL10%34``) into ``VL104``."""
    try:
        dash.callback_context.inputs  # noqa: B018 (raises outside a callback)
    except Exception:  # noqa: BLE001
        return ident
    return path_value(ident)


def named(name: str, kind: str) -> str:
    """The title of a page about ``name`` ("Venwell: overview"), as the functions here make it."""
    return f"{name}: {kind.lower()}"


def _query_value(name: str) -> str | None:
    """A query parameter of the page being drawn: from the router callback's ``search`` input, or from the
    request for the page's HTML (Dash names the page there too)."""
    try:
        search = dash.callback_context.inputs.get("_pages_location.search") or ""
    except Exception:  # noqa: BLE001 (not in a callback)
        return flask.request.args.get(name) if flask.has_request_context() else None
    return (parse_qs(search.lstrip("?")).get(name) or [None])[0]


def overview(**_) -> str:
    """'Venwell: overview': the area shown (the top level by default, or for a code the release lacks)."""
    def shown(rel, code):
        return data.area_name(rel, code or "") or data.area_name(rel, data.top_area(rel))
    return _named("Overview", shown, _query_value("area"), "Overview")


def _indicator_title(rel, indicator_id):
    return (data.indicator_meta(rel, indicator_id) or {}).get("title")


def indicator(indicator_id: str | None = None, **_) -> str:
    return _named("Indicator explorer", _indicator_title, indicator_id, "Indicator not found")


def methodology(indicator_id: str | None = None, **_) -> str:
    return _named("Methodology", _indicator_title, indicator_id, "Indicator not found")


def area(area_code: str | None = None, **_) -> str:
    return _named("Area profile", lambda rel, code: (data.area_row(rel, code) or {}).get("name"), area_code,
                  "Area not found")
