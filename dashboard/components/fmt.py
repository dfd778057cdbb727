"""Numbers and words as people read them: units, decimals, statuses, significance, progress."""

from __future__ import annotations

import math

import pandas as pd

from core import i18n, statuses
from dashboard import language
from dashboard.components import levels, performance
from indicators import methods

#: A few words after a figure for each status, and the statuses that leave no value to show (core.statuses).
STATUS_TEXT = statuses.SHORT_TEXT
NO_VALUE = statuses.NO_VALUE

SIGNIFICANCE_TEXT = {
    "better": "better", "worse": "worse", "similar": "similar", "higher": "higher", "lower": "lower",
    "not compared": "not compared",
}

#: Each progress_status in the words of dashboard.components.performance (the one status vocabulary).
PROGRESS_TEXT = {k: performance.words(s.rag, k) for k, s in performance.STATUSES.items() if s.rag}


def missing(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def text(v) -> str | None:
    """A text field of a release table, or None when it is empty. A missing string arrives from pandas as
    NaN, which is truthy: ``if meta["denominator"]`` would take it for a value and print 'nan'."""
    if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
        return None
    v = str(v)
    return v if v.strip() else None


def number(v, decimals: int = 1) -> str:
    """A number in the reader's language (dashboard/language.py): ``1,204.5``, ``1 204,5``, ``1.204,5``."""
    if missing(v):
        return "–"
    lang = language.current()
    if lang != "en":
        return i18n.number(float(v), lang, int(decimals))
    return f"{float(v):,.{int(decimals)}f}"


def value(v, decimals: int = 1, unit: str = "") -> str:
    """``72.4%``, ``12.5 days``, ``1,204 people``; an en dash when there is no value."""
    if missing(v):
        return "–"
    text = number(v, decimals)
    if not unit:
        return text
    lang = language.current()
    if unit == "%" and lang != "en":
        return i18n.percent(float(v) / 100, lang, int(decimals))
    return f"{text}%" if unit == "%" else f"{text} {unit}"


def interval(lo, hi, decimals: int = 1) -> str:
    if missing(lo) or missing(hi):
        return ""
    return f"{number(lo, decimals)} to {number(hi, decimals)}"


def display(method: str | None) -> str:
    """How the indicator's method says its values read (indicators.methods: ``unit``, ``count``, ``index``)."""
    return methods.get(method).display if method in methods.METHODS else "unit"


def change(v, decimals: int = 1, unit: str = "", method: str | None = None) -> str:
    """A change in points where the values are shares or an index (100 in the base period), else in the unit."""
    if missing(v):
        return "–"
    sign = "+" if v > 0 else ""
    return sign + value(v, decimals, "pts" if unit == "%" or display(method) == "index" else unit)


def status(s) -> str:
    return STATUS_TEXT.get(s or "ok", str(s))


def with_status(v, s, decimals: int = 1, unit: str = "") -> str:
    """A value with its status in words: ``–  (withheld)``, ``65.2% (provisional)``."""
    words = status(s)
    text = "–" if s in NO_VALUE else value(v, decimals, unit)
    return f"{text} ({words})" if words else text


def rank(r, n) -> str:
    if missing(r) or missing(n):
        return "–"
    return f"{int(r)} of {int(n)}"


def by_performance(polarity: str | None, method: str | None = None) -> bool:
    """Whether an indicator's ranks and quartiles run from best to worst: not a neutral one (children in care:
    neither direction is better), nor a count summed over the area (employed residents), which grows with the
    area's size, not its performance (its method says: indicators.methods). The others are ranked too (1 = best
    by polarity), but worded by value."""
    return polarity != "neutral" and (method not in methods.METHODS or methods.get(method).ranked_by_performance)


def rank_ends(polarity: str | None, method: str | None = None) -> tuple[str, str]:
    """What rank 1 and the last rank hold, in words: best and worst, or (without a better direction)
    highest and lowest: the ranks follow the polarity, and a neutral indicator ranks its highest value first."""
    if by_performance(polarity, method):
        return "best", "worst"
    return ("lowest", "highest") if polarity == "lower_is_better" else ("highest", "lowest")


def quartile(q, polarity: str = "higher_is_better", method: str | None = None) -> str:
    """Quartile 1 holds the best values; for an indicator with no better direction (neutral, or a count that
    grows with the area's size) it holds the first-ranked values, and says which (highest or lowest) rather
    than calling them best."""
    if missing(q):
        return "–"
    first, last = rank_ends(polarity, method)
    return {1: f"1 ({first} quarter)", 4: f"4 ({last} quarter)"}.get(int(q), str(int(q)))


def level_name(level: str, plural: bool = False) -> str:
    """A level as words inside a sentence: ``geography.level_labels``, else from the id (``local_authority`` ->
    ``local authority``, ``nuts3`` -> ``NUTS 3``): dashboard.components.levels."""
    return levels.name(str(level), plural=plural)


def count(n: int, noun: str) -> str:
    """'1 indicator', '3 indicators'."""
    return f"{n:,} {noun}" + ("" if n == 1 else "s")


def date_words(ts) -> str:
    """'7 December 2026' from a timestamp or an ISO text; empty when there is none (or it does not parse)."""
    if ts is None or (isinstance(ts, str) and not ts.strip()):
        return ""
    try:
        t = pd.Timestamp(ts)
    except (ValueError, TypeError):
        return ""
    if pd.isna(t):
        return ""
    lang = language.current()
    return f"{t.day} {t:%B %Y}" if lang == "en" else i18n.date(t.date(), lang, "long")
