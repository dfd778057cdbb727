"""Numbers and words as people read them: units, decimals, statuses, significance, progress."""

from __future__ import annotations

import math

import pandas as pd

STATUS_TEXT = {
    "ok": "",
    "provisional": "provisional",
    "estimated": "estimated",
    "break": "break in series",
    "missing": "no data",
    "suppressed": "withheld",
    "low_coverage": "too few areas reported",
}
#: statuses that have no value to show
NO_VALUE = {"missing", "suppressed", "low_coverage"}

SIGNIFICANCE_TEXT = {
    "better": "better", "worse": "worse", "similar": "similar", "higher": "higher", "lower": "lower",
    "not compared": "not compared",
}

PROGRESS_TEXT = {
    "achieved": "Target achieved",
    "on_track": "On track",
    "acceleration_needed": "Progress, acceleration needed",
    "limited_progress": "Limited progress",
    "deterioration": "Getting worse",
}


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
    if missing(v):
        return "–"
    return f"{float(v):,.{int(decimals)}f}"


def value(v, decimals: int = 1, unit: str = "") -> str:
    """``72.4%``, ``12.5 days``, ``1,204 people``; an en dash when there is no value."""
    if missing(v):
        return "–"
    text = number(v, decimals)
    if not unit:
        return text
    return f"{text}%" if unit == "%" else f"{text} {unit}"


def interval(lo, hi, decimals: int = 1) -> str:
    if missing(lo) or missing(hi):
        return ""
    return f"{number(lo, decimals)} to {number(hi, decimals)}"


def change(v, decimals: int = 1, unit: str = "") -> str:
    if missing(v):
        return "–"
    sign = "+" if v > 0 else ""
    return sign + value(v, decimals, "pts" if unit == "%" else unit)


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


def quartile(q, polarity: str = "higher_is_better") -> str:
    """Quartile 1 holds the best values; for a neutral indicator (neither direction is better) it holds the
    highest, and says so rather than calling them best."""
    if missing(q):
        return "–"
    if polarity == "neutral":
        return {1: "1 (highest quarter)", 4: "4 (lowest quarter)"}.get(int(q), str(int(q)))
    return {1: "1 (best quarter)", 4: "4 (worst quarter)"}.get(int(q), str(int(q)))


def count(n: int, noun: str) -> str:
    """'1 indicator', '3 indicators'."""
    return f"{n:,} {noun}" + ("" if n == 1 else "s")
