"""How fresh each indicator is: its expected update frequency against when a run last refreshed it.

An indicator declares ``frequency`` (annual, quarterly, monthly). The catalogue knows when each indicator
was last computed, with at least one row, by a run that published (``run_stats`` rows of succeeded runs).
Then:

    fresh   refreshed within one period of its frequency
    due     older than one period: the next refresh is expected now
    stale   older than ``scheduler.stale_after`` periods (default 1.5), or never refreshed
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from etl import catalogue
from etl.config_models import Config

PERIOD = {"monthly": timedelta(days=31), "quarterly": timedelta(days=92), "annual": timedelta(days=366)}


@dataclass(frozen=True)
class Freshness:
    indicator: str
    frequency: str
    last_refreshed: datetime | None
    state: str  # fresh | due | stale
    age: timedelta | None


def classify(frequency: str, last: datetime | None, now: datetime, stale_after: float) -> str:
    if last is None:
        return "stale"
    age = now - last
    period = PERIOD[frequency]
    if age <= period:
        return "fresh"
    return "due" if age <= period * stale_after else "stale"


def freshness(config: Config, now: datetime | None = None) -> list[Freshness]:
    now = now or catalogue.now()
    last = catalogue.last_refreshed(catalogue.connect(config.catalogue))
    out = []
    for ind in config.indicators:
        at = last.get(ind.id)
        out.append(Freshness(ind.id, ind.frequency, at,
                             classify(ind.frequency, at, now, config.scheduler.stale_after),
                             now - at if at else None))
    return out
