"""Releasing a cell withheld in error: ``openmeasure disclosure release-cell``.

A cell withheld in the release now published stays withheld in the next ones (``kept``, indicators.disclosure):
comparing two releases must not reveal it. A cell withheld only because its source's status was misread as
confidential (an ``Observation status`` read letter by letter, before statuses were read through explicit maps)
would so stay withheld for good. An operator releases it here: the release is recorded in the catalogue (who,
when, why, and the release it was withheld in), and the next run does not carry it over. The run then
publishes it unless its source still flags it confidential or disclosure control withholds it again.
The cells of its indicator and period withheld only to protect it (secondary suppression, with no cell withheld
for what it is beside it) are released with it; when another cell needs them they stay withheld, and so may
the released cell, to protect that one.

Only a cell first withheld as *confidential according to its publisher* can be released. A cell withheld by
disclosure control (a small count, secondary suppression, a count and its rate withheld together) is refused:
publishing it could reveal a small count.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import pyarrow.parquet as pq
from sqlalchemy import insert, select
from sqlalchemy.engine import Engine

from core import catalogue, statuses
from core.errors import OpenMeasureError
from core.store import ReleaseStore
from indicators import disclosure

KEY = ["indicator", "area_code", "period", "breakdown"]


class ReleaseRefused(OpenMeasureError):
    """The cell cannot be released (not withheld, or withheld by disclosure control)."""


@dataclass(frozen=True)
class Cell:
    indicator: str
    area_code: str
    period: str
    breakdown: str = "total"

    def __str__(self) -> str:
        return f"{self.indicator} / {self.area_code} / {self.period} / {self.breakdown}"


def _slice(store: ReleaseStore, release_id: str, cell: Cell) -> pd.DataFrame:
    """The cells of the cell's indicator and period in a release, with their status and note."""
    return pq.read_table(store.path(release_id) / "indicator_values.parquet", columns=[*KEY, "status", "note"],
                         filters=[("indicator", "=", cell.indicator), ("period", "=", cell.period)]).to_pandas()


def _history(store: ReleaseStore, cell: Cell) -> list[tuple[str, pd.DataFrame]]:
    """The cell's indicator and period in the current release and every one before it, newest first."""
    current = store.current_id()
    return [(r["id"], _slice(store, r["id"], cell)) for r in store.list() if r["id"] <= current]


def _find(frame: pd.DataFrame, cell: Cell) -> pd.Series | None:
    hit = frame[(frame["area_code"] == cell.area_code) & (frame["breakdown"] == cell.breakdown)]
    return hit.iloc[0] if len(hit) else None


def first_withheld(history: list[tuple[str, pd.DataFrame]], cell: Cell) -> tuple[str, str]:
    """The release in which the cell was first withheld, of the unbroken run of releases up to the current one
    that withheld it, and its note there (why it was withheld)."""
    origin, note = history[0][0], ""
    for rid, frame in history:
        row = _find(frame, cell)
        if row is None or row["status"] != statuses.SUPPRESSED:
            break
        origin, note = rid, row["note"] or ""
    return origin, note


def release_cell(engine: Engine, store: ReleaseStore, cell: Cell, by: str, reason: str) -> list[dict]:
    """Record the release of a cell withheld as confidential; refused (ReleaseRefused) otherwise. The cells
    of its indicator and period withheld only to protect it (secondary suppression since it was withheld, and
    no cell withheld for what it is beside it) are released with it: they protect nothing else. Returns the
    records, the cell's first."""
    if not by.strip() or not reason.strip():
        raise ReleaseRefused("release-cell needs --by (who releases it) and --reason (why it was withheld in error)")
    current = store.current_id()
    if current is None:
        raise ReleaseRefused(f"no release has been published in {store.root} yet: no cell is withheld")
    history = _history(store, cell)
    row = _find(history[0][1], cell)
    if row is None:
        raise ReleaseRefused(f"release {current} has no cell {cell} (indicator / area / period / breakdown)")
    if row["status"] != statuses.SUPPRESSED:
        raise ReleaseRefused(f"cell {cell} is not withheld in release {current} (its status is {row['status']!r})")
    origin, note = first_withheld(history, cell)
    if note == disclosure.KEPT_REASON:  # the release that first withheld it has been pruned from the store
        raise ReleaseRefused(f"cell {cell} was withheld as in the release before {origin}, which is no longer in "
                             f"the store ({store.root}): why it was first withheld cannot be told, so it cannot be "
                             "released")
    if note != disclosure.CONFIDENTIAL_REASON:
        why = ("disclosure control (a small count, or a figure from which one could be worked out)"
               if note.startswith(disclosure.PRIMARY_NOTE_PREFIX)
               else "disclosure control, to protect another cell (secondary suppression)")
        oldest = origin == history[-1][0]
        raise ReleaseRefused(
            f"cell {cell} was withheld in release {origin} by {why}, not as confidential according to its "
            f"publisher: it cannot be released, since publishing it could reveal a small count (its note: {note!r})"
            + ("; if a release before it, no longer in the store, withheld it as confidential, that cannot be told "
               "here" if oldest else ""))
    withheld = history[0][1]
    others = [Cell(cell.indicator, r.area_code, cell.period, r.breakdown)
              for r in withheld[withheld["status"] == statuses.SUPPRESSED].itertuples()
              if (r.area_code, r.breakdown) != (cell.area_code, cell.breakdown)]
    origins = [first_withheld(history, c) for c in others]
    protecting = all(n == disclosure.SECONDARY_REASON and o >= origin for o, n in origins)
    when = catalogue.now()
    records = [{**{k: getattr(c, k) for k in KEY}, "withheld_in": current, "first_withheld_in": o,
                "released_by": by.strip(), "reason": r, "released_at": when}
               for c, o, r in [(cell, origin, reason.strip()),
                               *[(c, o, f"withheld only to protect {cell}, released with it: {reason.strip()}")
                                 for c, (o, _) in zip(others, origins, strict=True) if protecting]]]
    with engine.begin() as con:
        con.execute(insert(catalogue.released_cells), records)
    return records


def released(engine: Engine, withheld_in: str | None = None) -> pd.DataFrame:
    """The released cells, oldest first (only those released from ``withheld_in`` when given)."""
    t = catalogue.released_cells
    query = select(t).order_by(t.c.id)
    if withheld_in is not None:
        query = query.where(t.c.withheld_in == withheld_in)
    with engine.connect() as con:
        return pd.DataFrame(con.execute(query).mappings().all(), columns=[c.name for c in t.columns])


def not_released(withheld: pd.DataFrame, engine: Engine, release_id: str) -> pd.DataFrame:
    """The cells ``release_id`` withheld, less those released from it: what the next run keeps withheld."""
    done = released(engine, release_id)
    if done.empty or withheld.empty:
        return withheld
    gone = withheld[KEY].astype(str).merge(done[KEY].drop_duplicates(), on=KEY, how="left", indicator=True)
    return withheld[(gone["_merge"] == "left_only").to_numpy()].reset_index(drop=True)
