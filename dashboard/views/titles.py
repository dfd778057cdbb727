"""Page titles that name what the page is about (WCAG 2.4.2): "Employment rate: indicator explorer", not the
same "Indicator explorer" on every indicator. Dash calls these with the page's path variables, for the first
load and for every navigation; when the release cannot be read, the generic title stands."""

from __future__ import annotations

import logging

from dashboard import context, data
from dashboard.views.common import path_value

log = logging.getLogger(__name__)


def _named(kind: str, lookup, ident: str | None, missing: str) -> str:
    """'<name>: <kind>'; for a code the release does not have, what the page says ('Area not found')."""
    try:
        name = lookup(context.release(), path_value(ident))
    except Exception:  # noqa: BLE001 (a title must never break a page)
        log.debug("title=generic kind=%s", kind, exc_info=True)
        return kind
    return f"{name}: {kind.lower()}" if name else missing


def _indicator_title(rel, indicator_id):
    return (data.indicator_meta(rel, indicator_id) or {}).get("title")


def indicator(indicator_id: str | None = None, **_) -> str:
    return _named("Indicator explorer", _indicator_title, indicator_id, "Indicator not found")


def methodology(indicator_id: str | None = None, **_) -> str:
    return _named("Methodology", _indicator_title, indicator_id, "Indicator not found")


def area(area_code: str | None = None, **_) -> str:
    return _named("Area profile", lambda rel, code: (data.area_row(rel, code) or {}).get("name"), area_code,
                  "Area not found")
