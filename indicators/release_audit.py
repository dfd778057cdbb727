"""The disclosure audit of a release, as an attacker would run it from the published files alone.

For every indicator with a disclosure rule, every count withheld by disclosure control gets the range an
attacker can work out from the release (:mod:`indicators.disclosure_audit`): published counts of the other
cells, parents as sums of their children, totals of breakdowns, that a count is at least 0 (the one public note
tells no more: :mod:`indicators.disclosure`), and, with ``previous``, the counts the release before published
for cells withheld now (taken as the attacker's guess). A cell whose range reaches below the threshold (it may
be small) and is narrower than the protection level fails the audit; the pipeline does not publish a release
that fails (``etl/pipeline.py``) and ``openmeasure disclosure audit`` prints the result per indicator.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from indicators import methods
from indicators.disclosure import CONFIDENTIAL_REASON
from indicators.disclosure_audit import feasible_ranges, relations
from indicators.protection import attacker_bounds, need_of

COLUMNS = ["indicator", "area_code", "parent_code", "period", "breakdown", "value", "numerator", "denominator",
           "status", "note"]


@dataclass
class IndicatorAudit:
    indicator: str
    withheld: int  # cells withheld (any reason)
    checked: int  # withheld counts whose range was worked out (every one withheld by disclosure control)
    narrowest: tuple[float, float] | None  # the narrowest range found, (lo, hi)
    narrowest_cell: str  # area / period / breakdown of it
    failing: list[dict]  # cells under their protection level: area_code, period, breakdown, lo, hi, need


def audit_release(folder: Path, previous: Path | None = None) -> list[IndicatorAudit]:
    """Audit the release in ``folder``; ``previous``: the indicator_values.parquet of the release before."""
    meta = pq.read_table(folder / "indicators.parquet", columns=["id", "method", "disclosure"]).to_pandas()
    rules = {r.id: (json.loads(r.disclosure), r.method) for r in meta.itertuples() if isinstance(r.disclosure, str) and r.disclosure}
    if not rules:
        return []
    names = pq.read_schema(folder / "indicator_values.parquet").names
    extra = ["aggregate_value"] if "aggregate_value" in names else []
    values = pq.read_table(folder / "indicator_values.parquet", columns=COLUMNS + extra,
                           filters=[("indicator", "in", list(rules))]).to_pandas()
    before = None
    if previous is not None and previous.is_file():
        before = pq.read_table(previous, columns=["indicator", "area_code", "period", "breakdown", "value",
                                                  "numerator", "denominator"],
                               filters=[("indicator", "in", list(rules))]).to_pandas()
    out = []
    for ind, part in values.groupby("indicator", sort=True, observed=True):
        rule, method = rules[str(ind)]
        part = _with_aggregate(part, method) if extra else part
        out.append(_audit_indicator(str(ind), part.reset_index(drop=True), rule, method, before))
    return out


AGGREGATE = "(aggregate root)"


def _with_aggregate(df: pd.DataFrame, method: str) -> pd.DataFrame:
    """A configured aggregate root (``aggregate_value`` on the rows of its members' areas) as one more cell per
    period and breakdown, the parent of the member roots: the EU total less the other countries would give a
    withheld country. Only where its value is a count (sums); a ratio's aggregate publishes no count."""
    if not methods.get(method).value_is_count:
        return df.drop(columns="aggregate_value")
    roots = df[df["parent_code"].fillna("").astype(str).eq("") & df["aggregate_value"].notna()]
    agg = roots.groupby(["period", "breakdown"], observed=True, as_index=False)["aggregate_value"].first()
    if agg.empty:
        return df.drop(columns="aggregate_value")
    rows = pd.DataFrame({"indicator": df["indicator"].iloc[0], "area_code": AGGREGATE, "parent_code": "",
                         "period": agg["period"], "breakdown": agg["breakdown"], "value": agg["aggregate_value"],
                         "numerator": agg["aggregate_value"], "denominator": float("nan"), "status": "ok",
                         "note": None})
    out = df.drop(columns="aggregate_value").copy()
    members = set(roots["area_code"].astype(str))
    out["parent_code"] = out["parent_code"].astype(object)
    out.loc[out["area_code"].astype(str).isin(members), "parent_code"] = AGGREGATE
    return pd.concat([out.astype({"area_code": object, "period": object, "breakdown": object}), rows],
                     ignore_index=True)


def _audit_indicator(ind: str, df: pd.DataFrame, rule: dict, method: str, before: pd.DataFrame | None):
    note = df["note"].fillna("").astype(str)
    withheld = note.str.startswith("Withheld")
    hidden = df["value"].isna() & (df["status"].astype(str) == "low_coverage")
    keep = df["value"].notna() | withheld | hidden
    cells = df[keep].reset_index(drop=True)
    note, withheld, hidden = (s[keep].reset_index(drop=True) for s in (note, withheld, hidden))
    controlled = (withheld & ~note.str.startswith(CONFIDENTIAL_REASON)).to_numpy()
    t = float(rule.get("threshold", 10))
    zero = 1.0 if rule.get("suppress_zero", True) else 0.0
    on = rule.get("apply_to", "numerator")
    n = len(cells)
    lo, hi = _bounds(note, t, zero)
    protection = float(rule["protection"]) if rule.get("protection") is not None else np.nan
    need = need_of(np.full(n, t), np.full(n, zero), np.full(n, protection))
    x = (cells["denominator"] if on == "denominator" else cells["numerator"].fillna(cells["value"])) \
        .to_numpy(dtype=float)
    unknown = withheld.to_numpy() | hidden.to_numpy()
    x = np.where(unknown, np.nan, x)
    if before is not None:
        x, unknown = _guesses(ind, cells, x, unknown, before, on)
    view = pd.DataFrame({
        "slice": cells["period"].astype(str).to_numpy(), "breakdown": cells["breakdown"].astype(str).to_numpy(),
        "area": cells["area_code"].astype(str).to_numpy(),
        "parent": cells["parent_code"].fillna("").astype(str).to_numpy(),
        "x": x, "unknown": unknown, "lo": lo, "hi": hi, "check": controlled, "need": need})
    rolled = pd.Series(np.full(n, methods.get(method).rolled_up))
    ranges = feasible_ranges(view, relations(view, rolled))
    checked = view["check"] & view["unknown"]
    width = ranges["hi_found"] - ranges["lo_found"]
    failing_mask = checked & (ranges["lo_found"] < t) & (width < view["need"] - 1e-9)
    narrowest, where = None, ""
    if checked.any():
        i = int(width[checked].idxmin())
        narrowest = (float(ranges.at[i, "lo_found"]), float(ranges.at[i, "hi_found"]))
        where = f"{view.at[i, 'area']} / {view.at[i, 'slice']} / {view.at[i, 'breakdown']}"
    failing = [{"area_code": view.at[i, "area"], "period": view.at[i, "slice"], "breakdown": view.at[i, "breakdown"],
                "lo": float(ranges.at[i, "lo_found"]), "hi": float(ranges.at[i, "hi_found"]),
                "need": float(view.at[i, "need"])} for i in np.flatnonzero(failing_mask.to_numpy())]
    return IndicatorAudit(ind, int(withheld.sum()), int(checked.sum()), narrowest, where,
                          failing)


#: Notes of releases published before every withheld cell had one note: they told a small count (below the
#: threshold) from a cell withheld to protect one (so not small), and an attacker reads them so.
LEGACY_SMALL = ("Withheld: a count below",)
LEGACY_NOT_SMALL = ("Withheld so that a small count", "Withheld as in")


def _bounds(note: pd.Series, t: float, zero: float) -> tuple[np.ndarray, np.ndarray]:
    """What each note tells the attacker of the count (indicators.protection.attacker_bounds for this
    version's one note; more for the notes of older releases)."""
    lo, hi = attacker_bounds(len(note))
    small = note.str.startswith(LEGACY_SMALL).to_numpy()
    not_small = note.str.startswith(LEGACY_NOT_SMALL).to_numpy()
    lo = np.where(small, 0.0 if zero else 1.0, np.where(not_small & (zero > 0), t, lo))
    hi = np.where(small, t - 1, hi)
    return lo, hi


def _guesses(ind, cells, x, unknown, before, on):
    """Counts the release before published for cells withheld now: the attacker takes them as still true
    (a withheld cell is then known). Such a cell is only possible where the pipeline could not avoid it."""
    b = before[before["indicator"].astype(str) == ind]
    if b.empty:
        return x, unknown
    count = (b["denominator"] if on == "denominator" else b["numerator"].fillna(b["value"])).to_numpy(dtype=float)
    key = b["area_code"].astype(str) + "|" + b["period"].astype(str) + "|" + b["breakdown"].astype(str)
    old = dict(zip(key, count, strict=True))
    now = cells["area_code"].astype(str) + "|" + cells["period"].astype(str) + "|" + cells["breakdown"].astype(str)
    guess = now.map(old).to_numpy(dtype=float)
    use = unknown & ~np.isnan(guess)
    return np.where(use, guess, x), unknown & ~use


def format_report(results: list[IndicatorAudit]) -> list[str]:
    """One line per indicator, then one per failing cell."""
    lines = []
    for r in results:
        rng = f"[{r.narrowest[0]:g}, {r.narrowest[1]:g}] at {r.narrowest_cell}" if r.narrowest else "-"
        lines.append(f"{r.indicator}: {r.withheld} withheld, {r.checked} checked, narrowest range {rng}, "
                     f"{len(r.failing)} under the protection level")
        lines += [f"  {f['area_code']} {f['period']} {f['breakdown']}: range [{f['lo']:g}, {f['hi']:g}], "
                  f"needs at least {f['need']:g} wide" for f in r.failing]
    return lines
