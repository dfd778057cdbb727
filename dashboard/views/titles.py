"""Page titles that name what the page is about (WCAG 2.4.2): "Employment rate: indicator explorer", not the
same "Indicator explorer" on every indicator. Dash calls these with the page's path variables, for the first
load and for every navigation; when the release cannot be read, the generic title stands."""

from __future__ import annotations

import logging

from dashboard import context, data

log = logging.getLogger(__name__)


def _named(kind: str, lookup) -> str:
    try:
        name = lookup(context.release())
    except Exception:  # noqa: BLE001 (a title must never break a page)
        log.debug("title=generic kind=%s", kind, exc_info=True)
        name = None
    return f"{name}: {kind.lower()}" if name else kind


def indicator(indicator_id: str | None = None, **_) -> str:
    return _named("Indicator explorer", lambda rel: (data.indicator_meta(rel, indicator_id) or {}).get("title"))


def methodology(indicator_id: str | None = None, **_) -> str:
    return _named("Methodology", lambda rel: (data.indicator_meta(rel, indicator_id) or {}).get("title"))


def area(area_code: str | None = None, **_) -> str:
    return _named("Area profile", lambda rel: (data.area_row(rel, area_code) or {}).get("name"))
