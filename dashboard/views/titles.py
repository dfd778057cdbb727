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

from dashboard import context, data, language
from dashboard.i18n import N_
from dashboard.language import _
from dashboard.views.common import path_value

log = logging.getLogger(__name__)


#: The kinds of page a title names, and each page's title about one subject ('Venwell: overview'): one message
#: each, since a kind is not always written in lower case inside a title (German nouns keep their capital).
KINDS = {"Overview": (N_("Overview"), N_("{name}: overview")),
         "Indicator explorer": (N_("Indicator explorer"), N_("{name}: indicator explorer")),
         "Methodology": (N_("Methodology"), N_("{name}: methodology")),
         "Area profile": (N_("Area profile"), N_("{name}: area profile"))}
INDICATOR_NOT_FOUND = N_("Indicator not found")
AREA_NOT_FOUND = N_("Area not found")
#: The titles of the pages with no subject (dashboard/pages), in the reader's language.
FIXED = {"status": N_("Data status"), "accessibility": N_("Accessibility statement"),
         "not_found": N_("Page not found"), "indicators": N_("Indicators"), "areas": N_("Areas"),
         "compare": N_("Compare areas")}


def fixed(key: str):
    """A title function for a page without a subject (Dash calls it per request): its title translated."""
    def title(**_kwargs) -> str:
        return _(FIXED[key])
    title.__name__ = f"{key}_title"
    return title


def _named(kind: str, lookup, ident: str | None, missing: str) -> str:
    """'<name>: <kind>'; for a code the release does not have, what the page says ('Area not found')."""
    try:
        name = lookup(context.release(), _decoded(ident))
    except Exception:  # noqa: BLE001 (a title must never break a page)
        log.debug("title=generic kind=%s", kind, exc_info=True)
        return _(KINDS[kind][0])
    return named(name, kind) if name else _(missing)


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
    """The title of a page about ``name`` ("Venwell: overview", "Venwell : vue d’ensemble"), as the functions
    here make it, in the reader's language; ``kind`` is one of :data:`KINDS` (English, as the callers name it)."""
    if kind in KINDS:
        return _(KINDS[kind][1]).format(name=name)
    return f"{name}: {kind.lower()}"


def _query_value(name: str) -> str | None:
    """A query parameter of the page being drawn: from the router callback's ``search`` input, or from the
    request for the page's HTML (Dash names the page there too)."""
    try:
        search = dash.callback_context.inputs.get("_pages_location.search") or ""
    except Exception:  # noqa: BLE001 (not in a callback)
        return flask.request.args.get(name) if flask.has_request_context() else None
    return (parse_qs(search.lstrip("?")).get(name) or [None])[0]


def overview(**_kwargs) -> str:
    """'Venwell: overview': the area shown (the top level by default, or for a code the release lacks)."""
    def shown(rel, code):
        return data.area_name(rel, code or "") or data.area_name(rel, data.top_area(rel))
    return _named("Overview", shown, _query_value("area"), KINDS["Overview"][0])


def _indicator_title(rel, indicator_id):
    """The indicator's title in the reader's language (the config's translation, else the release's)."""
    meta = data.indicator_meta(rel, indicator_id)
    if not meta:
        return None
    title = language.indicator_text(meta["id"], "title", meta["title"])
    return title if isinstance(title, str) else meta["title"]  # a <span lang> when untranslated: its text


def indicator(indicator_id: str | None = None, **_kwargs) -> str:
    return _named("Indicator explorer", _indicator_title, indicator_id, INDICATOR_NOT_FOUND)


def methodology(indicator_id: str | None = None, **_kwargs) -> str:
    return _named("Methodology", _indicator_title, indicator_id, INDICATOR_NOT_FOUND)


def area(area_code: str | None = None, **_kwargs) -> str:
    return _named("Area profile", lambda rel, code: (data.area_row(rel, code) or {}).get("name"), area_code,
                  AREA_NOT_FOUND)
