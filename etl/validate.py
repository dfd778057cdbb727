"""Checks on observations. Failing rows are quarantined with a finding, never silently dropped.

A finding says which rule, where (source, file, row, column) and what: it goes to the catalogue and into the
release as ``quality.parquet``. What a rule does is set per source (``sources[].validation.rules``):

- ``warn``: the finding is recorded and the row is kept;
- ``quarantine``: the row is left out of the computation and kept in the findings;
- ``block``: as quarantine, and the run fails and publishes nothing.

Rules found while reading (``cell_error``, ``not_a_number``, ...) concern rows without a usable value: they are
always left out; their action only decides between a recorded finding and a blocked run.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
import pandas as pd

from etl.config_models import RULE_NAMES, ValidationConfig
from etl.observations import map_unique

FINDING_COLUMNS = ["rule", "severity", "source", "file", "row", "column", "measure", "area_code", "period",
                   "message"]

#: What each rule does unless a source says otherwise.
DEFAULT_ACTIONS = {name: "quarantine" for name in RULE_NAMES} | {
    "bom": "warn", "blank_row": "warn", "metadata_mismatch": "warn", "mapping_conflict": "warn",
    "coverage_shrank": "warn", "value_jump": "warn",
}
DROPPING = ("quarantine", "block")

#: Publishers' aggregates and pseudo-regions: EU27_2020, EU28, EA19, EFTA, DE_TOT, Extra-Regio (..Z, ..ZZ,
#: ..ZZZ) and not-regionalised (..X, ..XX, ..XXX) NUTS codes.
_AGGREGATE = re.compile(r"^(EU\d*(_\d{4})?|EA\d*(_\d{4})?|EFTA|EEA\d*|[A-Z]{2}_TOT)$")
_NUTS_PSEUDO = re.compile(r"^([A-Z]{2})(Z{1,3}|X{1,3})$")

_FREQUENCY = {"annual": re.compile(r"^\d{4}$"), "quarterly": re.compile(r"^\d{4}-Q[1-4]$"),
              "monthly": re.compile(r"^\d{4}-\d{2}$")}

Message = Callable[[pd.DataFrame], pd.Series] | str


def is_pseudo_area(code: str, known: set[str] | None = None) -> bool:
    """A publisher's aggregate, or a NUTS Extra-Regio / not-regionalised code of a country. With ``known``
    (the geography's codes), ``..Z``/``..X`` codes count only when their first two letters are a known area:
    ``LUX`` is Luxembourg's ISO code, not a pseudo-region, in a geography without ``LU``."""
    if _AGGREGATE.match(code):
        return True
    m = _NUTS_PSEUDO.match(code)
    return bool(m) and (known is None or m.group(1) in known)


def action(rule: str, rules: ValidationConfig | None) -> str:
    if rules is not None and rule in rules.rules:
        return rules.rules[rule]
    return DEFAULT_ACTIONS.get(rule, "quarantine")


def empty_findings() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="Int64" if c == "row" else object) for c in FINDING_COLUMNS})


def _findings(rows: pd.DataFrame, rule: str, severity: str, file: str, column: str, message: Message
              ) -> pd.DataFrame:
    rows = rows.astype({c: object for c in rows.columns if isinstance(rows[c].dtype, pd.CategoricalDtype)})
    out = pd.DataFrame({
        "rule": rule, "severity": severity, "source": rows["source"].to_numpy(), "file": file,
        "row": pd.array(rows["row"].to_numpy(), dtype="Int64"), "column": column,
        "measure": rows["measure"].to_numpy(), "area_code": rows["area_code"].to_numpy(),
        "period": rows["period"].to_numpy(),
    })
    out["message"] = message(rows).to_numpy() if callable(message) else message
    return out[FINDING_COLUMNS]


def reader_findings(found: list[dict], source: str, file: str, rules: ValidationConfig | None) -> pd.DataFrame:
    """Findings a connector or the area-code step made while reading (rows already left out)."""
    if not found:
        return empty_findings()
    df = pd.DataFrame(found)
    df["severity"] = [action(r, rules) if action(r, rules) != "quarantine" or s != "warn" else s
                      for r, s in zip(df["rule"], df["severity"], strict=True)]
    df["source"], df["file"], df["measure"] = source, file, ""
    df["row"] = pd.array(df["row"], dtype="Int64")
    for c in ("column", "area_code", "period"):
        df[c] = df[c].fillna("").astype(object)
    return df[FINDING_COLUMNS]


class Checker:
    """Collects findings over one table; a row whose finding drops it is not checked by later rules."""

    def __init__(self, obs: pd.DataFrame, file: str, rules: ValidationConfig | None):
        self.obs, self.file, self.rules = obs, file, rules
        self.dropped = np.zeros(len(obs), dtype=bool)
        self.found: list[pd.DataFrame] = []

    def flag(self, mask, rule: str, column: str, message: Message) -> None:
        mask = np.asarray(mask, dtype=bool) & ~self.dropped
        if not mask.any():
            return
        what = action(rule, self.rules)
        self.found.append(_findings(self.obs[mask], rule, what, self.file, column, message))
        if what in DROPPING:
            self.dropped |= mask

    def result(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        found = pd.concat(self.found, ignore_index=True) if self.found else empty_findings()
        return self.obs[~self.dropped].reset_index(drop=True), found


def validate_observations(obs: pd.DataFrame, known_areas: set[str], file: str, count_measures: set[str], *,
                          frequencies: dict[str, str] | None = None, rules: ValidationConfig | None = None
                          ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return (clean observations, findings) for one source. Missing values are kept (they are observations
    of absence)."""
    obs = obs.reset_index(drop=True)
    c = Checker(obs, file, rules)
    area, period = obs["area_code"], obs["period"]  # may be categoricals: no conversion of 650k strings
    c.flag(area == "", "missing_required", "area_code", "the area code is blank")
    c.flag(period == "", "missing_required", "period", "the period is blank")
    bad_period = (period != "") & ~obs.get("period_ok", pd.Series(True, index=obs.index)).to_numpy()
    c.flag(bad_period, "bad_period", "period", lambda r: "period " + r["period"].map(repr)
           + " is not a year, quarter or month")
    unknown = ~area.isin(known_areas) & (area != "")
    pseudo = unknown & map_unique(area, lambda a: is_pseudo_area(a, known_areas)).astype(bool)
    c.flag(pseudo, "pseudo_area", "area_code", lambda r: "aggregate or pseudo-region " + r["area_code"]
           + " is not an area of the geography; kept out of the roll-up")
    c.flag(unknown & ~pseudo, "unknown_area", "area_code",
           lambda r: "area code " + r["area_code"] + " is not in the geography")
    for measure, freq in (frequencies or {}).items():
        fits = map_unique(period, lambda p, f=freq: bool(_FREQUENCY[f].match(p))).astype(bool)
        wrong = (obs["measure"] == measure) & (period != "") & ~fits
        c.flag(wrong, "wrong_frequency", "period",
               lambda r, f=freq: "period " + r["period"] + f" is not {f} (the measure's declared frequency)")
    dup = duplicated_key(obs) & ~c.dropped
    c.flag(dup, "duplicate_key", "area_code", lambda r: "duplicate observation for " + r["measure"] + " "
           + r["area_code"] + " " + r["period"] + " " + r["breakdown"] + "; all copies quarantined")
    negative = obs["measure"].isin(count_measures) & (obs["value"] < 0)
    c.flag(negative, "negative_count", "value",
           lambda r: "negative count " + r["value"].map("{:g}".format) + " for " + r["measure"])
    return c.result()


def duplicated_key(obs: pd.DataFrame) -> np.ndarray:
    """Rows whose (measure, area_code, period, breakdown) occurs more than once, all copies marked."""
    key = np.zeros(len(obs), dtype=np.int64)
    for col in ("measure", "area_code", "period", "breakdown"):
        codes, uniques = pd.factorize(obs[col], use_na_sentinel=False)
        key = key * max(len(uniques), 1) + codes
    return pd.Series(key).duplicated(keep=False).to_numpy()


def check_proportions(obs: pd.DataFrame, pairs: list[tuple[str, str]], files: dict[str, str],
                      rules: dict[str, ValidationConfig]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A proportion's numerator must not exceed its denominator for the same area, period and breakdown.
    The numerator's row is flagged (under the numerator's source)."""
    if not pairs or obs.empty:
        return obs, empty_findings()
    key = ["area_code", "period", "breakdown"]
    drop = np.zeros(len(obs), dtype=bool)
    found = []
    for num, den in pairs:
        n = obs[obs["measure"] == num]
        d = obs[obs["measure"] == den][[*key, "value"]].rename(columns={"value": "den"})
        if n.empty or d.empty:
            continue
        joined = n.reset_index().merge(d, on=key, how="inner")
        over = joined[joined["value"] > joined["den"]]
        for source, rows in over.groupby("source"):
            what = action("numerator_above_denominator", rules.get(source))
            found.append(_findings(rows, "numerator_above_denominator", what, files.get(source, ""), "value",
                                   lambda r, den_id=den: r["measure"] + " " + r["value"].map("{:g}".format)
                                   + " is above " + den_id + " " + r["den"].map("{:g}".format)))
            if what in DROPPING:
                drop[rows["index"].to_numpy()] = True
    if not found:
        return obs, empty_findings()
    return obs[~drop].reset_index(drop=True), pd.concat(found, ignore_index=True)


def compare_with_previous(obs: pd.DataFrame, previous: pd.DataFrame | None, file: str,
                          rules: ValidationConfig) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Against the previous release's observations of the same source: areas that reported a measure last
    time and do not now (``coverage_shrank``), and values that moved by more than ``jump_factor`` times
    (``value_jump``: a lost ×1,000 or a change of unit)."""
    if previous is None or previous.empty or obs.empty:
        return obs, empty_findings()
    found = []
    if rules.coverage:
        before = previous[previous["value"].notna()][["measure", "area_code"]].drop_duplicates()
        now = obs[obs["value"].notna()][["measure", "area_code"]].drop_duplicates()
        gone = before.merge(now, how="left", indicator=True)
        gone = gone[(gone["_merge"] == "left_only") & gone["measure"].isin(set(obs["measure"]))]
        if not gone.empty:
            last = previous.groupby(["measure", "area_code"], observed=True)["period"].max().rename(
                "period").reset_index()
            rows = gone.drop(columns="_merge").merge(last, on=["measure", "area_code"])
            rows["source"], rows["row"] = obs["source"].iat[0], pd.NA
            found.append(_findings(rows, "coverage_shrank", action("coverage_shrank", rules), file, "area_code",
                                   lambda r: r["area_code"] + " reported " + r["measure"] + " in the previous "
                                   "release (last period " + r["period"] + ") and does not now"))
    key = ["measure", "area_code", "period", "breakdown"]
    prev = previous[[*key, "value"]].rename(columns={"value": "before"})
    joined = obs.reset_index().merge(prev, on=key, how="inner")
    both = joined["value"].notna() & joined["before"].notna() & (joined["value"] != 0) & (joined["before"] != 0)
    ratio = (joined["value"] / joined["before"]).abs()
    f = rules.jump_factor
    jumps = joined[both & ((ratio > f) | (ratio < 1 / f))]
    drop = np.zeros(len(obs), dtype=bool)
    if not jumps.empty:
        what = action("value_jump", rules)
        found.append(_findings(jumps, "value_jump", what, file, "value",
                               lambda r: r["measure"] + " went from " + r["before"].map("{:g}".format) + " to "
                               + r["value"].map("{:g}".format) + f" (more than x{f:g} or /{f:g} the previous "
                               "release's value)"))
        if what in DROPPING:
            drop[jumps["index"].to_numpy()] = True
    out = pd.concat(found, ignore_index=True) if found else empty_findings()
    return obs[~drop].reset_index(drop=True), out


def blocking(findings: pd.DataFrame) -> str | None:
    """A message naming the rules that block publication, or None."""
    block = findings[findings["severity"] == "block"]
    if block.empty:
        return None
    counts = block.groupby(["source", "rule"]).size()
    first = block.iloc[0]
    parts = [f"{n} {rule} finding(s) in source {src!r}" for (src, rule), n in counts.items()]
    where = f"first: {first['file']}" + (f", row {first['row']}" if pd.notna(first["row"]) else "") \
        + (f", column {first['column']!r}" if first["column"] else "") + f": {first['message']}"
    return ("validation blocks publication: " + "; ".join(parts) + f" ({where}); see "
            "'openmeasure etl report'")
