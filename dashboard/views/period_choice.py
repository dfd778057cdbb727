"""Which period the explorer's map opens on, and the sentence that says why.

An indicator's latest period may reach only a few areas of a level (Eurostat's GDP for 2021: 107 of 334
NUTS 2 regions), so opening on it would leave most of the map grey. Without a period in the address the map
opens on the latest period in which at least ``dashboard.map_min_coverage`` of the level's areas have a
value (the share of the level's areas, not of those with a row), and a sentence under the controls says so.
"""

from __future__ import annotations

import numpy as np
from dash import html

from dashboard import context, data
from dashboard.components import fmt
from dashboard.language import _, ngettext
from dashboard.release_reader import Release
from dashboard.views.common import level_words, period_words

NOTE_ID = "explorer-period-note"


def min_coverage() -> float:
    """``dashboard.map_min_coverage`` of the app's config (0.5 outside an app, as the config's default)."""
    try:
        return float(context.config().dashboard.map_min_coverage)
    except (RuntimeError, KeyError, AttributeError):
        return 0.5


def coverage(release: Release, indicator: str, level: str) -> tuple[list[str], list[int], int]:
    """The periods of the indicator at the level (oldest first), how many of the level's areas have a value
    in each, and how many areas the level has. Read from the level slice the map draws from."""
    sl = data.level_slice(release, indicator, level, detail=False)
    filled = (~np.isnan(sl.numbers["value"])).sum(axis=1).tolist() if sl.periods else []
    return list(sl.periods), [int(n) for n in filled], len(sl.codes)


def default_period(release: Release, indicator: str, level: str, threshold: float | None = None) -> str | None:
    """The latest period in which at least ``threshold`` of the level's areas have a value; when none does,
    the period with the most values (the latest of equals); None when the indicator has no period."""
    threshold = min_coverage() if threshold is None else threshold
    pers, filled, total = coverage(release, indicator, level)
    if not pers or total == 0 or not any(filled):
        every = data.periods(release, indicator)
        return every[-1] if every else None
    for p, n in zip(reversed(pers), reversed(filled), strict=True):
        if n / total >= threshold:
            return p
    best = max(filled)
    return max(p for p, n in zip(pers, filled, strict=True) if n == best)


def share_words(threshold: float) -> str:
    """0.5 -> 'at least half of', 0.75 -> 'at least 75% of'."""
    if threshold == 0.5:
        return _("at least half of")
    return _("at least {share} of").format(share=fmt.value(threshold * 100, 0, "%"))


def note(release: Release, indicator: str, level: str, period: str | None, threshold: float | None = None):
    """The sentence under the controls: how many of the level's areas the shown period covers and, when a
    later period exists, how many that one has. None when the shown period is the latest and covers every
    area (nothing to explain)."""
    if period is None:
        return None
    threshold = min_coverage() if threshold is None else threshold
    pers, filled, total = coverage(release, indicator, level)
    if period not in pers or total == 0:
        return None
    counts = dict(zip(pers, filled, strict=True))
    later = [p for p in pers if p > period]
    shown = counts[period]
    if not later and shown == total:
        return None
    areas = fmt.level_name(level, plural=True)
    n = fmt.number
    if later and period == default_period(release, indicator, level, threshold):
        text = ngettext("Showing {period}, the latest period with values for {share} the {total} {areas} ({shown} "
                        "has one)", "Showing {period}, the latest period with values for {share} the {total} "
                        "{areas} ({shown} have one)", shown).format(
                            period=period_words(period), share=share_words(threshold), total=n(total, 0), areas=areas,
                            level=level_words(level), shown=n(shown, 0))
    else:
        text = ngettext("Showing {period}: {shown} of the {total} {areas} has a value",
                        "Showing {period}: {shown} of the {total} {areas} have a value", shown).format(
                            period=period_words(period), shown=n(shown, 0), total=n(total, 0), areas=areas,
                            level=level_words(level))
    if later:
        text = _("{shown}; {later}. Choose a period to see it.").format(shown=text, later=", ".join(
            _("{period} has values for {n} of {total}").format(period=period_words(p), n=n(counts[p], 0), total=n(total, 0))
            for p in reversed(later)))
    else:
        text += "."
    return html.P(text, className="period-note")
