"""The last run's findings summarised for people (core/quality_report.py): counts by rule, source and action
made by the catalogue's database, each rule in words."""

from __future__ import annotations

import pandas as pd
import pytest

from core import catalogue, quality_report
from core.config_models import RULE_NAMES
from core.schema import QUALITY


def finding(rule, severity, source, message="m", file="/home/x/data.csv", row=3):
    return {"rule": rule, "severity": severity, "source": source, "file": file, "row": row, "column": "value",
            "measure": "m1", "area_code": "A1", "period": "2024", "message": message}


def catalogue_with(tmp_path, runs: list[tuple[str, list[dict]]]):
    """A catalogue with one finished run per item: (status, findings)."""
    engine = catalogue.connect(f"sqlite:///{tmp_path / 'catalog.db'}")
    catalogue.create_tables(engine)
    for status, found in runs:
        rid = catalogue.start_run(engine, "manual", "hash")
        df = pd.DataFrame(found, columns=QUALITY.names) if found else None
        catalogue.finish_run(engine, rid, status=status, found=df)
    return engine


FOUND = ([finding("unknown_area", "quarantine", "services")] * 3 + [finding("unknown_area", "warn", "labour")]
         + [finding("value_jump", "warn", "labour")] * 2 + [finding("neighbour_ties", "warn", None)])


def test_the_last_runs_findings_are_counted_by_rule_source_and_action(tmp_path):
    old = [finding("bom", "warn", "survey")] * 5  # an earlier run's findings are not the last run's
    engine = catalogue_with(tmp_path, [("succeeded", old), ("succeeded", FOUND)])
    found = quality_report.last_run_counts(engine)
    assert found.run["id"] == 2 and found.total == len(FOUND)
    titles = {"services": "Council service records", "labour": None}
    rules = {r["rule"]: r for r in quality_report.by_rule(found.counts, titles)}
    assert set(rules) == {"unknown_area", "value_jump", "neighbour_ties"}
    assert rules["unknown_area"]["n"] == 4 and rules["unknown_area"]["name"] == "Unknown area"
    assert rules["unknown_area"]["done"] == "3 left out of the figures; 1 noted (the data were used)"
    assert rules["unknown_area"]["sources"] == "Council service records; labour"  # the title, else the id
    assert rules["value_jump"]["done"] == quality_report.ACTIONS["warn"]
    sources = {s["source"]: s for s in quality_report.by_source(found.counts, titles)}
    assert sources["labour"]["n"] == 3 and sources["labour"]["rules"] == "Large change (2); Unknown area (1)"
    assert sources["Council service records"]["n"] == 3
    assert sources["The geography (areas and their neighbours)"]["n"] == 1  # a finding of no source
    assert quality_report.by_action(found.counts) == {"quarantine": 3, "warn": 4}
    assert [r["rule"] for r in quality_report.by_rule(found.counts, titles)][0] == "unknown_area"  # most first


def test_a_run_still_running_is_not_the_last_and_no_run_is_none(tmp_path):
    engine = catalogue_with(tmp_path, [])
    assert quality_report.last_run_counts(engine).run is None
    catalogue.finish_run(engine, catalogue.start_run(engine, "manual", "h"), status="failed", found=None)
    catalogue.start_run(engine, "manual", "h")  # running
    found = quality_report.last_run_counts(engine)
    assert found.run["id"] == 1 and found.run["status"] == "failed" and found.total == 0


def test_a_manager_reads_the_findings_in_full_up_to_a_limit(tmp_path):
    engine = catalogue_with(tmp_path, [("succeeded", FOUND)])
    first = quality_report.first_findings(engine, 1, 2)
    assert len(first) == 2 and (first["file"] == "/home/x/data.csv").all()


@pytest.mark.parametrize("rule", [*RULE_NAMES, "base_period_without_data", "neighbour_ties", "boundary_missing"])
def test_every_rule_is_explained_in_plain_words(rule):
    name, looks_for = quality_report.rule_words(rule)
    assert rule in quality_report.RULES and "_" not in name + looks_for, (name, looks_for)


def test_a_source_is_named_in_words():
    assert quality_report.source_words("geography.boundaries.local_authority", {}) == \
        "Map boundaries (local authority areas)"
    assert quality_report.source_words("", {}).startswith("The geography")
    assert quality_report.rule_words("some_new_rule")[0] == "Some new rule"
