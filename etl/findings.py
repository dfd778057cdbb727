"""Findings: what the checks on a source say, one row each, and what a rule does with the rows it flags.

A finding says which rule, where (source, file, row, column) and what: it goes to the catalogue and into the
release as ``quality.parquet``. What a rule does is set per source (``sources[].validation.rules``):

- ``warn``: the finding is recorded and the row is kept;
- ``quarantine``: the row is left out of the computation and kept in the findings;
- ``block``: as quarantine, and the run fails and publishes nothing.

Rules found while reading (``cell_error``, ``not_a_number``, ...) concern rows without a usable value: they are
always left out; their action only decides between a recorded finding and a blocked run.

The checks themselves: :mod:`etl.validate` (each source's rows), :mod:`etl.proportion_checks` (numerators
against denominators across sources), :mod:`etl.history_checks` (against the previous release),
:mod:`etl.coverage` (measures and base periods without data). A run collects them in :class:`Findings`.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable

import pandas as pd

from core import schema
from core.config_models import RULE_NAMES, ValidationConfig

#: The columns of a finding: those of the release's quality table (core.schema).
FINDING_COLUMNS = schema.QUALITY.names

#: What each rule does unless a source says otherwise.
DEFAULT_ACTIONS = {name: "quarantine" for name in RULE_NAMES} | {
    "bom": "warn", "blank_row": "warn", "metadata_mismatch": "warn", "mapping_conflict": "warn",
    "coverage_shrank": "warn", "value_jump": "warn", "no_observations": "warn", "unknown_status": "warn",
    "no_total": "warn", "area_in_breakdown": "warn",
}

DROPPING = ("quarantine", "block")
#: How many of a column's values a finding lists.
LISTED = 10

Message = Callable[[pd.DataFrame], pd.Series] | str


def closest(value: str, candidates: Iterable[str], *, cutoff: float = 0.6) -> str | None:
    """The candidate ``value`` was most likely meant to be: the one equal to it but for case and surrounding
    blanks, else the one spelt most like it (difflib's ratio of at least ``cutoff``, ignoring case) when no
    other is as close. None when nothing is close, or several are equally close."""
    candidates = [c for c in candidates if isinstance(c, str)]
    key = value.strip().casefold()
    same = [c for c in candidates if c.strip().casefold() == key and c != value]
    if same:
        return same[0]
    matcher = difflib.SequenceMatcher()
    matcher.set_seq2(key)
    scored = []
    for c in candidates:
        matcher.set_seq1(c.strip().casefold())
        if matcher.real_quick_ratio() >= cutoff and matcher.quick_ratio() >= cutoff and matcher.ratio() >= cutoff:
            scored.append((matcher.ratio(), c))
    best = [c for r, c in scored if r == max(scored)[0]] if scored else []
    return best[0] if len(best) == 1 else None


def header_of(headers: dict[str, str] | None, column: str) -> str:
    """The file's own header of a logical column (``period`` -> ``year``), as the connector recorded it."""
    return (headers or {}).get(column) or column


def action(rule: str, rules: ValidationConfig | None) -> str:
    if rules is not None and rule in rules.rules:
        return rules.rules[rule]
    return DEFAULT_ACTIONS.get(rule, "quarantine")


def empty_findings() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="Int64" if c == "row" else object) for c in FINDING_COLUMNS})


def finding_rows(rows: pd.DataFrame, rule: str, severity: str, file: str, column: str, message: Message
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
    # a connector may name the file of each finding (a Frictionless resource of several files); else ``file``
    own = df["file"] if "file" in df.columns else pd.Series(None, index=df.index, dtype=object)
    df["source"], df["file"] = source, own.where(own.notna() & (own != ""), file)
    df["measure"] = df["measure"].fillna("").astype(object) if "measure" in df.columns else ""
    df["row"] = pd.array(df["row"], dtype="Int64")
    for c in ("column", "area_code", "period"):
        df[c] = df[c].fillna("").astype(object)
    return df[FINDING_COLUMNS]


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


class Findings:
    """The findings a run has made so far, in the order its steps made them (``etl.pipeline.RunContext``)."""

    def __init__(self) -> None:
        self._table = empty_findings()

    def add(self, found: pd.DataFrame) -> None:
        """Append ``found`` (a frame of :data:`FINDING_COLUMNS`; an empty one is nothing to add)."""
        if not found.empty:
            self._table = pd.concat([f for f in (self._table, found) if not f.empty], ignore_index=True)

    def replace(self, table: pd.DataFrame) -> None:
        """Every finding made so far, rewritten (``table``: :meth:`table` with some messages changed)."""
        self._table = table

    def table(self) -> pd.DataFrame:
        """Every finding as one frame of :data:`FINDING_COLUMNS`, for the catalogue and ``quality.parquet``."""
        return self._table

    def blocking(self) -> str | None:
        """A message naming the rules set to ``block`` that fired, or None (:func:`blocking`)."""
        return blocking(self._table)

    def __len__(self) -> int:
        return len(self._table)
