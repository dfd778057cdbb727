"""Protection intervals: withhold more cells until no small count can be narrowed down.

The group rule of :mod:`indicators.disclosure` (no group with exactly one withheld cell) stops exact
differencing, not ranges: with a region of 5,987 whose published municipalities add up to 5,969, two withheld
municipalities add up to 18, and had the notes said "each is below 10", both were 9. Here every cell withheld by
disclosure control is checked as an attacker would (:mod:`indicators.disclosure_audit`): where its feasible
range from everything published reaches below the threshold (the count may be small), the range must be at
least as wide as the protection level (by default the whole range of a small count, 0 to the threshold minus
one). Where it is not, one more cell of a relation it is in is withheld: of the cells that would widen the range
enough, the one with the fewest people (a sibling first, then the parent, then another breakdown); where none
would, the largest; and the check runs again until every cell is protected.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from indicators.disclosure import DISCLOSURE_KINDS
from indicators.disclosure_audit import INF, feasible_ranges, relations

#: per indicator id: ``threshold, zero (1: zeros withheld too), on, rolled_up, protection`` (NaN: whole range)
RULE_COLUMNS = ("threshold", "zero", "on", "rolled_up", "protection")


def attacker_bounds(n: int) -> tuple[np.ndarray, np.ndarray]:
    """What a withheld cell's note tells of its count: nothing but that it is a count, at least 0. Every cell
    withheld by disclosure control has the same note (indicators.disclosure.DISCLOSURE_REASON), so the
    attacker cannot tell a small count from one withheld to protect it."""
    return np.zeros(n), np.full(n, INF)


def need_of(threshold: np.ndarray, zero: np.ndarray, protection: np.ndarray) -> np.ndarray:
    """The protection level of each cell: the configured one, else the whole range a small count can take
    (0 to threshold - 1; 1 to threshold - 1 where zeros are published)."""
    whole = threshold - 1 - np.where(zero > 0, 0.0, 1.0)
    return np.where(np.isnan(protection), whole, protection)


def audit_frame(df: pd.DataFrame, rules: pd.DataFrame) -> pd.DataFrame:
    """The attacker's view of ``df`` (the cells of :func:`indicators.disclosure.secondary_suppression`, with
    ``sup``, ``kind``, ``known``): one row per cell (``slice`` = indicator and period)."""
    r = rules.reindex(df["indicator"].to_numpy())
    on = r["on"].to_numpy(dtype=object)
    num = df["numerator"].fillna(df["value"]).to_numpy(dtype=float) if "numerator" in df else \
        df["size"].to_numpy(dtype=float)
    den = df["denominator"].to_numpy(dtype=float) if "denominator" in df else np.full(len(df), np.nan)
    x = np.where(on == "denominator", den, num)
    lo, hi = attacker_bounds(len(df))
    threshold = r["threshold"].to_numpy(dtype=float)
    controlled = df["sup"].to_numpy() & df["kind"].isin(DISCLOSURE_KINDS).to_numpy() & ~np.isnan(threshold)
    return pd.DataFrame({
        "slice": df["indicator"].astype("int64").to_numpy() * 1_000_003 + df["period"].astype("int64").to_numpy(),
        "breakdown": df["breakdown"].to_numpy(), "area": df["area_code"].to_numpy(),
        "parent": df["parent_code"].to_numpy(),
        "x": x, "unknown": (df["sup"] & ~df["known"]).to_numpy(), "lo": lo, "hi": hi, "check": controlled,
        "threshold": threshold,
        "need": need_of(threshold, r["zero"].to_numpy(dtype=float), r["protection"].to_numpy(dtype=float)),
        "rolled_up": r["rolled_up"].fillna(False).astype(bool).to_numpy(),
    })


def under_protected(view: pd.DataFrame, truth: bool = True, cache: dict | None = None) -> pd.DataFrame:
    """The checked cells that an attacker can narrow: a range that reaches below the threshold (the count may
    be small) and is narrower than the protection level. A range wholly at or above the threshold gives away
    no small count. ``truth``: ``x`` holds every true count (in the pipeline), so that breakdowns that add
    up are taken as relations. ``cache``: see :func:`indicators.disclosure_audit.feasible_ranges`."""
    ranges = feasible_ranges(view, relations(view, view["rolled_up"], truth=truth), cache)
    width = ranges["hi_found"] - ranges["lo_found"]
    bad = view["check"] & view["unknown"] & (ranges["lo_found"] < view["threshold"]) \
        & (width < view["need"] - 1e-9)
    return view[bad].assign(lo_found=ranges.loc[bad, "lo_found"], hi_found=ranges.loc[bad, "hi_found"])


def protect(df: pd.DataFrame, rules: pd.DataFrame, withhold, cache: dict | None = None) -> int:
    """Withhold (``withhold(df, rows)``) cells of ``df`` until every small count is protected; returns how
    many were added. Each round adds at most one cell per under-protected count, then checks again.
    ``cache``: kept by the caller between calls on the same ``df`` (a round changes a few components of the
    attacker's system: the others keep their ranges, :func:`indicators.disclosure_audit.feasible_ranges`)."""
    added = 0
    cache = {} if cache is None else cache
    for _ in range(len(df) + 1):
        view = audit_frame(df, rules)
        bad = under_protected(view, cache=cache)
        if bad.empty:
            return added
        chosen: list[int] = []
        for i, row in bad.iterrows():
            pick = _candidate(df, view, i, row, chosen)
            if pick is not None:
                chosen.append(pick)
        if not chosen:  # nothing left to withhold around them: every related cell is withheld already
            return added
        added += withhold(df, sorted(set(chosen)))
    return added


def _candidate(df: pd.DataFrame, view: pd.DataFrame, i: int, row: pd.Series, taken: list[int]) -> int | None:
    """The cell to withhold for count ``i``: among its siblings (same parent), then its parent, then its other
    breakdowns, the published and not-already-known cell with the fewest people that widens the range enough
    (its count above the deficit plus the lower bound it will get); else the largest."""
    deficit = row["need"] - (row["hi_found"] - row["lo_found"])
    same = (view["slice"] == row["slice"]).to_numpy()
    open_ = same & ~df["sup"].to_numpy() & ~df["known"].to_numpy() & ~np.isin(np.arange(len(df)), taken)
    x = view["x"].to_numpy()
    groups = [
        open_ & (view["breakdown"] == row["breakdown"]).to_numpy() & (view["parent"] == row["parent"]).to_numpy()
        & (np.arange(len(df)) != i) & view["rolled_up"].to_numpy(),
        open_ & (view["breakdown"] == row["breakdown"]).to_numpy() & (view["area"] == row["parent"]).to_numpy(),
        open_ & (view["area"] == row["area"]).to_numpy() & (np.arange(len(df)) != i),
    ]
    for group in groups:
        cand = np.flatnonzero(group & ~np.isnan(x))
        if not len(cand):
            continue
        gain = x[cand]  # withheld, it can be anything from 0: the range widens by up to its count
        enough = cand[gain >= deficit - 1e-9]
        if len(enough):
            return int(enough[np.argmin(x[enough])])
        return int(cand[np.argmax(x[cand])])
    return None
