"""The last pipeline run's data-quality findings, summarised for people: counts by rule and by source, and each
rule in plain words.

The findings themselves are written by the run (etl/findings.py collects them, :func:`core.catalogue.finish_run`
stores them in the catalogue's ``findings`` table, the release has them in ``quality.parquet``); this module
reads them back for the dashboard's status page (which may not import ``etl``) and for ``openmeasure etl report``.
The counts are made by the database (``GROUP BY``), so a run with a million findings costs the page a few rows.

What the public reads of a finding is its rule (in :data:`RULES`' words), what was done with the data
(:data:`ACTIONS`) and its source (the source's configured ``title``): never a file, a row, a message or a
database's text, which can name paths on the server, hosts, SQL, or the raw figure of a small area that
disclosure control withholds from the published release. A manager may read the findings themselves
(:func:`first_findings`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from core import catalogue

#: Each rule (core.config_models.RULE_NAMES, and the findings that belong to no source's rules: the geography's
#: boundaries, neighbour ties, base periods) as (short name, what it looks for), in words for anyone.
RULES: dict[str, tuple[str, str]] = {
    "missing_required": ("Missing area or period", "a row without an area code, a period or another value it must have"),
    "bad_period": ("Unreadable period", "a period that is not a year, a quarter or a month"),
    "wrong_frequency": ("Period of the wrong kind", "a period that does not match how often the figure is published "
                        "(a quarter in yearly data)"),
    "unknown_area": ("Unknown area", "an area code or name that is not one of the areas the site covers"),
    "pseudo_area": ("Group of areas in the data", "a total for a group of areas (such as the EU) or a region "
                    "'not elsewhere classified', which is not an area of the site"),
    "ambiguous_area": ("Ambiguous area name", "an area name that fits more than one area"),
    "duplicate_key": ("Duplicate rows", "two rows for the same figure, area and period"),
    "negative_count": ("Negative count", "a count below zero"),
    "numerator_above_denominator": ("Part larger than the whole", "a number of people or events larger than the "
                                    "total it is a share of"),
    "not_a_number": ("Value not a number", "a value that is not a number"),
    "type_error": ("Value of the wrong type", "a value that does not fit what the column should hold"),
    "cell_error": ("Spreadsheet error", "a spreadsheet error in a cell (such as #REF! or #N/A)"),
    "merged_cells": ("Merged cells", "merged cells in a spreadsheet's data"),
    "blank_row": ("Blank row", "an empty row inside a spreadsheet's table"),
    "bom": ("Byte-order mark", "an invisible mark at the start of a text file, removed before reading"),
    "metadata_mismatch": ("Description of another indicator", "a data file whose description belongs to another "
                          "indicator"),
    "mapping_conflict": ("Old and new area codes", "a figure given under a current area code and under an old code "
                         "of the same area (the current one is used)"),
    "coverage_shrank": ("Area no longer reported", "an area that had figures in the previous release and has none now"),
    "value_jump": ("Large change", "a value more than ten times (or under a tenth of) the previous release's, unless "
                   "configured otherwise"),
    "no_observations": ("No data for a measure", "a measure the figures need with no data this time (its figures "
                        "keep the previously published values)"),
    "unknown_status": ("Unknown status note", "a note on a value (such as 'provisional') that is not recognised"),
    "no_total": ("No total", "an area with figures only for groups (such as men and women) and no total"),
    "area_in_breakdown": ("Areas in a breakdown column", "a column read as a breakdown whose values are mostly area "
                          "names"),
    "base_period_without_data": ("No data in a target's base period", "an indicator whose target is measured from a "
                                 "period without data, so progress towards it cannot be worked out"),
    "neighbour_ties": ("Neighbours that cannot be told apart", "areas too alike on the features that pick each "
                       "area's most similar areas"),
    "boundary_missing": ("No boundary", "an area without a boundary on the map"),
    "boundary_unmatched": ("Boundary of no area", "a boundary that matches none of the areas"),
    "boundary_no_code": ("Boundary without a code", "a boundary without an area code"),
    "boundary_no_match": ("Boundaries of other areas", "a boundary file none of whose codes matches an area"),
    "boundary_code_padding": ("Boundary codes padded", "boundary codes that match areas only once padded with zeros"),
    "boundary_code_split": ("Boundary codes split", "boundary codes that hold more than the area code"),
}

#: What was done with the data a finding concerns (the rule's action: etl/findings.py), in words.
ACTIONS = {"warn": "noted (the data were used)",
           "quarantine": "left out of the figures",
           "block": "stopped publication"}


def rule_words(rule: str) -> tuple[str, str]:
    """The rule's short name and what it looks for; a rule this module does not know, by its id in words."""
    return RULES.get(rule, (str(rule).replace("_", " ").capitalize(), "a check of the source data"))


def source_words(source: str | None, titles: Mapping[str, str | None]) -> str:
    """A source in words: its configured ``title`` (``titles``: source id -> title), the map's boundaries of a
    level, or the geography itself for a finding of no source (neighbour ties); else its id."""
    if not source:
        return "The geography (areas and their neighbours)"
    if source.startswith("geography.boundaries."):
        return f"Map boundaries ({source.removeprefix('geography.boundaries.').replace('_', ' ')} areas)"
    return titles.get(source) or source


@dataclass(frozen=True)
class RunFindings:
    """The last finished run (a ``runs`` row as a dict, or None before any) and its findings counted by rule,
    action (``severity``) and source: columns rule, severity, source, n."""
    run: dict | None
    counts: pd.DataFrame

    @property
    def total(self) -> int:
        return int(self.counts["n"].sum()) if not self.counts.empty else 0


def last_run_counts(engine: Engine) -> RunFindings:
    """The last finished run and its findings counted (the run ``openmeasure etl report`` reports on)."""
    f = catalogue.findings
    with engine.connect() as con:
        last = con.execute(select(catalogue.runs).where(catalogue.runs.c.status != "running")
                           .order_by(catalogue.runs.c.id.desc()).limit(1)).mappings().first()
        if last is None:
            return RunFindings(None, _counts([]))
        rows = con.execute(select(f.c.rule, f.c.severity, f.c.source, func.count().label("n"))
                           .where(f.c.run_id == last["id"]).group_by(f.c.rule, f.c.severity, f.c.source)).all()
    return RunFindings(dict(last), _counts([tuple(r) for r in rows]))


def _counts(rows: list[tuple]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=["rule", "severity", "source", "n"])
    df["source"] = df["source"].fillna("").astype(object)
    return df.astype({"n": "int64"})


def first_findings(engine: Engine, run_id: int, limit: int) -> pd.DataFrame:
    """The run's first ``limit`` findings in full (file, row, column, message...): for a manager."""
    f = catalogue.findings
    with engine.connect() as con:
        return pd.read_sql(select(f).where(f.c.run_id == run_id).order_by(f.c.rule, f.c.source).limit(limit), con)


def by_rule(counts: pd.DataFrame, titles: Mapping[str, str | None]) -> list[dict]:
    """One row per rule, most findings first: its name and what it looks for, how many findings, what was
    done (each action with its count when there were several) and the sources, in words."""
    out = []
    for rule, g in counts.groupby("rule", sort=False):
        name, looks_for = rule_words(str(rule))
        acts = g.groupby("severity")["n"].sum()
        done = (ACTIONS.get(next(iter(acts.index)), str(next(iter(acts.index)))) if len(acts) == 1 else
                "; ".join(f"{int(n):,} {ACTIONS.get(s, s)}" for s, n in acts.sort_values(ascending=False).items()))
        sources = sorted({source_words(s, titles) for s in g["source"]})
        out.append({"rule": rule, "name": name, "looks_for": looks_for, "n": int(g["n"].sum()), "done": done,
                    "sources": "; ".join(sources)})
    return sorted(out, key=lambda r: (-r["n"], r["name"]))


def by_source(counts: pd.DataFrame, titles: Mapping[str, str | None]) -> list[dict]:
    """One row per source, most findings first: how many, and by which rules (their names)."""
    out = []
    for source, g in counts.groupby("source", sort=False):
        rules = g.groupby("rule")["n"].sum().sort_values(ascending=False)
        out.append({"source": source_words(str(source), titles), "n": int(g["n"].sum()),
                    "rules": "; ".join(f"{rule_words(str(r))[0]} ({int(n):,})" for r, n in rules.items())})
    return sorted(out, key=lambda r: (-r["n"], r["source"]))


def by_action(counts: pd.DataFrame) -> dict[str, int]:
    """How many findings each action had: warn, quarantine, block (those with any)."""
    return {str(s): int(n) for s, n in counts.groupby("severity")["n"].sum().items()}
