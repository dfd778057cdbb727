"""Periods as OpenMeasure writes them, ISO 8601: a year ``2021``, a quarter ``2021-Q3``, a month ``2021-07``.

Every part reads and orders periods with these helpers: sources normalise the publishers' spellings, the
computation turns periods into time for growth rates, freshness asks when a period ends.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

_YEAR = re.compile(r"^(\d{4})$")
_QUARTER = re.compile(r"^(\d{4})-?Q([1-4])$")
_MONTH = re.compile(r"^(\d{4})-?M?(\d{2})$")


def normalise_period(raw: str) -> str | None:
    raw = raw.strip().upper()
    if m := _YEAR.match(raw):
        return m.group(1)
    if m := _QUARTER.match(raw):
        return f"{m.group(1)}-Q{m.group(2)}"
    if (m := _MONTH.match(raw)) and 1 <= int(m.group(2)) <= 12:
        return f"{m.group(1)}-{m.group(2)}"
    return None


def period_time(period: str) -> float:
    """Years as a number, for growth rates: 2021 -> 2021.0, 2021-Q3 -> 2021.5, 2021-07 -> 2021.5."""
    if "-Q" in period:
        y, q = period.split("-Q")
        return int(y) + (int(q) - 1) / 4
    if "-" in period:
        y, m = period.split("-")
        return int(y) + (int(m) - 1) / 12
    return float(period)


def period_end(period: str) -> datetime | None:
    """The first instant after a period ('2021' -> 2022-01-01, '2021-Q3' -> 2021-10-01, '2021-07' ->
    2021-08-01, UTC); None for a period written otherwise."""
    if normalise_period(period) != period:
        return None
    if m := _YEAR.match(period):
        return datetime(int(m.group(1)) + 1, 1, 1, tzinfo=UTC)
    if m := _QUARTER.match(period):
        y, q = int(m.group(1)), int(m.group(2))
        return datetime(y + (q == 4), 1 if q == 4 else 3 * q + 1, 1, tzinfo=UTC)
    y, mo = int(period[:4]), int(period[5:])
    return datetime(y + (mo == 12), 1 if mo == 12 else mo + 1, 1, tzinfo=UTC)
