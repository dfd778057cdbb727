"""The disclosure audit of whole releases: what an attacker works out from the published files."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from core.errors import StepFailed
from core.store import ReleaseStore
from indicators.release_audit import audit_release

ROOT = Path(__file__).resolve().parents[2]
BEFORE = ROOT / "tests/data/disclosure/release_before_protection"


def test_the_audit_finds_the_counts_the_old_group_rule_gave_away():
    [neet] = audit_release(BEFORE)
    failing = {(f["area_code"], f["period"]): (f["lo"], f["hi"]) for f in neet.failing}
    assert failing[("VL601", "2023")] == (9, 9) and failing[("VL618", "2023")] == (9, 9)
    assert neet.withheld == 125 and len(failing) == 53 and neet.narrowest == (9, 9)


def test_the_demo_release_leaves_no_withheld_count_narrowed(demo_release):
    results = {r.indicator: r for r in audit_release(demo_release.path)}
    assert results["neet_count"].withheld > 0 and results["neet_rate"].withheld > 0
    assert all(not r.failing for r in results.values())
    lo, hi = results["neet_count"].narrowest
    assert lo <= 0 and hi >= 9  # no small count narrowed, the narrowest range spans 0 to 9 at least
    notes = pq.read_table(demo_release.path / "indicator_values.parquet", columns=["note"]).column("note")
    withheld = {n for n in notes.to_pylist() if n and n.startswith("Withheld")}
    assert withheld == {"Withheld: fewer than 10 people, or a figure from which such a small count could be "
                        "worked out (disclosure control)."}  # one note: it tells no small count from another


def test_a_release_that_fails_the_audit_is_not_published(demo_config, tmp_path, monkeypatch):
    """Disclosure control without protection intervals (the group rule alone), and the old notes: the audit
    stops the run and the published release stays as it was."""
    from etl import pipeline
    from indicators import compute, disclosure

    config = demo_config.model_copy(update={"store": str(tmp_path / "store")})
    monkeypatch.setattr(compute, "protection_rules", lambda params: None)
    monkeypatch.setattr(disclosure, "DISCLOSURE_REASON", "Withheld: a count below {threshold} about people.")
    with pytest.raises(StepFailed, match="disclosure audit.*could be narrowed below their protection level"):
        pipeline.run(config)
    assert ReleaseStore(config.store).current_id() is None


def test_the_command_prints_each_indicator_and_exits_1_on_a_failing_release(tmp_path, demo_env):
    store = tmp_path / "store"
    folder = store / "releases" / "20260101T000000Z-aaaaaa"
    folder.mkdir(parents=True)
    for f in BEFORE.glob("*.parquet"):
        (folder / f.name).write_bytes(f.read_bytes())
    (store / "CURRENT").write_text(folder.name)
    env = {**demo_env, "OPENMEASURE_STORE": str(store)}
    run = subprocess.run([sys.executable, "-m", "etl.cli", "disclosure", "audit"], capture_output=True, text=True,
                         cwd=ROOT, env={**__import__("os").environ, **env}, timeout=120)
    assert run.returncode == 1, run.stderr
    assert "neet_count: 125 withheld, 125 checked, narrowest range [9, 9]" in run.stdout
    assert "  VL601 2023 total: range [9, 9], needs at least 9 wide" in run.stdout


def test_an_aggregate_root_is_a_relation_the_attacker_has():
    """Countries A (5, withheld), B and C are roots; the EU aggregate (aggregate_value on their rows) is their sum:
    EU - B - C gives A away. Without the aggregate, A is in no relation."""
    import pandas as pd

    from indicators.release_audit import _audit_indicator, _with_aggregate

    note = "Withheld: fewer than 10 people, or a figure from which such a small count could be worked out " \
           "(disclosure control)."
    df = pd.DataFrame({"indicator": "x", "area_code": ["A", "B", "C"], "parent_code": ["", "", ""],
                       "period": "2020", "breakdown": "total", "value": [float("nan"), 100.0, 200.0],
                       "numerator": [float("nan"), 100.0, 200.0], "denominator": float("nan"), "status":
                       ["suppressed", "ok", "ok"], "note": [note, None, None], "aggregate_value": 305.0})
    rule = {"threshold": 10, "suppress_zero": True, "apply_to": "numerator"}
    with_eu = _audit_indicator("x", _with_aggregate(df, "sum").reset_index(drop=True), rule, "sum", None)
    assert with_eu.failing and (with_eu.failing[0]["lo"], with_eu.failing[0]["hi"]) == (5, 5)
    without = _audit_indicator("x", df.drop(columns="aggregate_value"), rule, "sum", None)
    assert not without.failing


def test_the_audit_checks_a_linked_system_of_more_than_twelve_withheld_counts(tmp_path):
    """The release the group rule alone makes of tests/indicators/test_disclosure_audit.linked_world: 16 withheld
    small counts in one system, each of which lies in [0, 8]. Every one is checked and found."""
    import json

    import pyarrow as pa

    from indicators.disclosure import DISCLOSURE_REASON
    from tests.indicators.test_disclosure_audit import linked_world

    cells, codes = linked_world()
    names = {i: a for a, i in codes.items()}
    withheld = cells["withheld"] != 0
    values = pa.table({
        "indicator": ["count"] * len(cells), "area_code": [names[a] for a in cells["area_code"]],
        "parent_code": [names.get(p, "") for p in cells["parent_code"]], "period": ["2024"] * len(cells),
        "breakdown": ["total"] * len(cells),
        "value": [None if w else float(x) for w, x in zip(withheld, cells["value"], strict=True)],
        "numerator": [None if w else float(x) for w, x in zip(withheld, cells["value"], strict=True)],
        "denominator": pa.nulls(len(cells), pa.float64()), "status": ["ok"] * len(cells),
        "note": [DISCLOSURE_REASON.format(threshold=10) if w else None for w in withheld]})
    pq.write_table(values, tmp_path / "indicator_values.parquet")
    pq.write_table(pa.table({"id": ["count"], "method": ["sum"], "disclosure": [json.dumps({"threshold": 10})]}),
                   tmp_path / "indicators.parquet")
    [result] = audit_release(tmp_path)
    assert result.withheld == result.checked == 16
    failing = {f["area_code"]: (f["lo"], f["hi"]) for f in result.failing}
    assert len(failing) == 16 and failing["R1m2"] == pytest.approx((0, 8))
    assert result.narrowest == pytest.approx((0, 8))
