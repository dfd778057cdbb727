"""Row-level checks on observations. Failing rows are quarantined with a finding, never silently dropped.

A finding says which rule, where (source, file, row, column) and what: it goes to the catalogue and into the
release as ``quality.parquet``.
"""

from __future__ import annotations

import re

import pandas as pd

FINDING_COLUMNS = ["rule", "severity", "source", "file", "row", "column", "measure", "area_code", "period",
                   "message"]

#: Publishers' aggregates and pseudo-regions: EU27_2020, EFTA, DE_TOT, Extra-Regio (..Z, ..ZZ) and
#: not-regionalised (..X, ..XX) NUTS codes.
_PSEUDO = re.compile(r"^(EU\d*(_\d{4})?|EA\d*|EFTA|[A-Z]{2}_TOT|[A-Z]{2}Z{1,3}|[A-Z]{2}X{1,3})$")


def is_pseudo_area(code: str) -> bool:
    return bool(_PSEUDO.match(code))


def empty_findings() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="int64" if c == "row" else object) for c in FINDING_COLUMNS})


def _findings(rows: pd.DataFrame, rule: str, severity: str, file: str, column: str, message) -> pd.DataFrame:
    out = pd.DataFrame({
        "rule": rule, "severity": severity, "source": rows["source"].to_numpy(), "file": file,
        "row": rows["row"].astype("int64").to_numpy(), "column": column,
        "measure": rows["measure"].to_numpy(), "area_code": rows["area_code"].to_numpy(),
        "period": rows["period"].to_numpy(),
    })
    out["message"] = message(rows).to_numpy() if callable(message) else message
    return out[FINDING_COLUMNS]


def validate_observations(obs: pd.DataFrame, known_areas: set[str], file: str,
                          count_measures: set[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return (clean observations, findings). Quarantined rows are those with a finding of severity
    'quarantine'; missing values are kept (they are observations of absence)."""
    findings = []
    bad = pd.Series(False, index=obs.index)

    unknown = ~obs["area_code"].isin(known_areas)
    if unknown.any():
        rows = obs[unknown]
        pseudo = rows["area_code"].map(is_pseudo_area)
        if pseudo.any():
            findings.append(_findings(rows[pseudo], "pseudo_area", "quarantine", file, "area_code",
                                      lambda r: "aggregate or pseudo-region " + r["area_code"]
                                      + " is not an area of the geography; kept out of the roll-up"))
        if (~pseudo).any():
            findings.append(_findings(rows[~pseudo], "unknown_area", "quarantine", file, "area_code",
                                      lambda r: "area code " + r["area_code"] + " is not in the geography"))
        bad |= unknown

    key = ["measure", "area_code", "period", "breakdown"]
    dup = obs.duplicated(key, keep=False) & ~bad
    if dup.any():
        findings.append(_findings(obs[dup], "duplicate_key", "quarantine", file, "area_code",
                                  lambda r: "duplicate observation for " + r["measure"] + " " + r["area_code"]
                                  + " " + r["period"] + "; all copies quarantined"))
        bad |= dup

    negative = obs["measure"].isin(count_measures) & (obs["value"] < 0) & ~bad
    if negative.any():
        findings.append(_findings(obs[negative], "negative_count", "quarantine", file, "value",
                                  lambda r: "negative count " + r["value"].astype(str) + " for " + r["measure"]))
        bad |= negative

    found = pd.concat(findings, ignore_index=True) if findings else empty_findings()
    return obs[~bad].reset_index(drop=True), found
