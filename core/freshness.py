"""How fresh each indicator is: the run that last refreshed it, and the period its data reach.

An indicator declares ``frequency`` (annual, quarterly, monthly). Two questions, each answered fresh, due or
stale:

- **the run** (``state``): the catalogue knows when each indicator was last computed, with at least one row,
  by a run that published (``run_stats`` rows of succeeded runs):

      fresh   refreshed within one period of its frequency
      due     older than one period: the next refresh is expected now
      stale   older than ``scheduler.stale_after`` periods (default 1.5), or never refreshed

- **the data** (``data_state``): a pipeline that runs every night on figures for 2021 is up to date as a
  run, not as data. The next period is due (``next_due``) once the period after the latest one has ended
  and had one period more to be published (annual 2021: 2022 ends on 31 December 2022, so 2022's figures
  are due by 31 December 2023, whatever the date of the last run):

      fresh   before ``next_due``
      due     from ``next_due``, for ``scheduler.stale_after - 1`` periods more
      stale   after that, or no period at all

``overall`` is the worse of the two: what the status page and the overview's cards say.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.parquet as pq

from core import catalogue
from core.config_models import Config
from core.errors import StoreError
from core.periods import period_end

PERIOD = {"monthly": timedelta(days=31), "quarterly": timedelta(days=92), "annual": timedelta(days=366)}
ORDER = {"fresh": 0, "due": 1, "stale": 2}


@dataclass(frozen=True)
class Freshness:
    indicator: str
    frequency: str
    last_refreshed: datetime | None
    state: str  # of the run: fresh | due | stale
    age: timedelta | None
    latest_period: str | None = None
    next_due: datetime | None = None
    data_state: str = "stale"  # of the data's latest period

    @property
    def overall(self) -> str:
        return worse(self.state, self.data_state)


def worse(a: str, b: str) -> str:
    return a if ORDER[a] >= ORDER[b] else b


def classify(frequency: str, last: datetime | None, now: datetime, stale_after: float) -> str:
    if last is None:
        return "stale"
    age = now - last
    period = PERIOD[frequency]
    if age <= period:
        return "fresh"
    return "due" if age <= period * stale_after else "stale"


def _add(moment: datetime, frequency: str, n: int = 1) -> datetime:
    """``moment`` plus ``n`` periods of the frequency, in calendar months (a year is 12)."""
    months = {"annual": 12, "quarterly": 3, "monthly": 1}[frequency] * n
    y, m = divmod(moment.month - 1 + months, 12)
    year, month = moment.year + y, m + 1
    return moment.replace(year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1]))


def next_due(period: str | None, frequency: str) -> datetime | None:
    """When the figures of the period after ``period`` are due: the end of that period plus one period to
    publish them (annual 2021 -> 2024-01-01, the first instant after 2023)."""
    end = period_end(period) if period else None
    return None if end is None else _add(end, frequency, 2)


def classify_data(period: str | None, frequency: str, now: datetime, stale_after: float) -> tuple[str, datetime | None]:
    """The data's state by its latest period (module docstring), and when the next period is due."""
    due = next_due(period, frequency)
    if due is None:
        return "stale", None
    if now < due:
        return "fresh", due
    return ("due" if now < due + PERIOD[frequency] * (stale_after - 1) else "stale"), due


def latest_periods(store: str | Path) -> dict[str, str]:
    """Each indicator's latest period with a value in the current release of the store (every indicator,
    internal ones too: this is for the operator); empty when nothing is published."""
    from core.store import ReleaseStore

    try:
        folder = ReleaseStore(store).path()
    except StoreError:
        return {}
    ranges = folder / "level_ranges.parquet"
    if ranges.is_file():
        t = pq.read_table(ranges, columns=["indicator", "period", "n"])
        t = t.filter(pc.greater(t["n"], 0))
    else:
        t = pq.read_table(folder / "indicator_values.parquet", columns=["indicator", "period", "value"])
        t = t.filter(pc.is_valid(t["value"]))
    out: dict[str, str] = {}
    for ind, per in zip(t["indicator"].to_pylist(), t["period"].to_pylist(), strict=True):
        if ind not in out or per > out[ind]:
            out[ind] = per
    return out


def freshness(config: Config, now: datetime | None = None, latest: dict[str, str] | None = None) -> list[Freshness]:
    """Every configured indicator's freshness; ``latest``: each one's latest period (default: read from the
    store's current release)."""
    now = now or catalogue.now()
    last = catalogue.last_refreshed(catalogue.connect(config.catalogue))
    latest = latest_periods(config.store) if latest is None else latest
    stale_after = config.scheduler.stale_after
    out = []
    for ind in config.indicators:
        at = last.get(ind.id)
        period = latest.get(ind.id)
        data_state, due = classify_data(period, ind.frequency, now, stale_after)
        out.append(Freshness(ind.id, ind.frequency, at, classify(ind.frequency, at, now, stale_after),
                             now - at if at else None, period, due, data_state))
    return out
