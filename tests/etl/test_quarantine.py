"""Rule actions per source (warn / quarantine / block), checks against the previous release, and where the
findings end up: the catalogue, the release's quality.parquet and `openmeasure etl report`."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from core import catalogue
from core.errors import StepFailed
from core.store import ReleaseStore
from etl.pipeline import run
from tests.etl.bad_inputs_helpers import BAD, deployment, messages, read
from tests.etl.test_cli import cli

pytestmark = pytest.mark.slow  # more than a few seconds: left out of the fast lane (README)


def test_warn_keeps_the_row(tmp_path, shared_data):
    config = deployment(tmp_path, shared_data, {"path": str(BAD / "negative_count.csv"),
                                                "validation": {"rules": {"negative_count": "warn"}}})
    obs, found = read(config)
    assert messages(found) == [("negative_count", "warn", 3, "value", "negative count -392807 for population")]
    assert obs.loc[obs.area_code == "DE112", "value"].tolist() == [-392807.0]


def test_block_fails_the_run_publishes_nothing_and_records_the_findings(tmp_path, shared_data):
    good = deployment(tmp_path, shared_data, {"path": str(BAD / "jump_before.csv")}, name="good.yaml")
    first = run(good)
    config = deployment(tmp_path, shared_data, {"path": str(BAD / "pseudo_area.csv"),
                                                "validation": {"rules": {"pseudo_area": "block"}}})
    with pytest.raises(StepFailed) as err:
        run(config)
    assert str(err.value) == (
        "step 'validate' failed: validation blocks publication: 4 pseudo_area finding(s) in source 's' "
        f"(first: {BAD / 'pseudo_area.csv'}, row 3, column 'area_code': aggregate or pseudo-region EU27_2020 "
        "is not an area of the geography; kept out of the roll-up); see 'openmeasure etl report'")
    assert ReleaseStore(config.store).current_id() == first.release_id
    last, found = catalogue.last_run_findings(catalogue.connect(config.catalogue))
    assert last["status"] == "failed"
    # DE112 was in the previous release and is not in this file: a warning next to the blocking findings
    assert list(zip(found["rule"], found["severity"], strict=True)) == [("pseudo_area", "block")] * 4 + [
        ("coverage_shrank", "warn")]
    shown = cli("etl", "report", "--config", str(tmp_path / "config.yaml"))
    assert shown.returncode == 0, shown.stderr
    assert "pseudo_area" in shown.stdout and "EU27_2020" in shown.stdout and "block" in shown.stdout
    one = cli("etl", "report", "--config", str(tmp_path / "config.yaml"), "--rule", "coverage_shrank")
    assert "1 findings of rule coverage_shrank" in one.stdout
    rows = [line for line in one.stdout.splitlines() if line.startswith("│ ") and "_" in line.split("│")[1]]
    assert [r.split("│")[1].strip() for r in rows] == ["coverage_shrank"]  # the findings table, not the summary


def test_value_jump_and_shrinking_coverage_against_the_previous_release(tmp_path, shared_data):
    run(deployment(tmp_path, shared_data, {"path": str(BAD / "jump_before.csv")}, name="before.yaml"))
    jumped = run(deployment(tmp_path, shared_data, {"path": str(BAD / "jump_after.csv")}, name="after.yaml"))
    quality = pd.read_parquet(jumped.path / "quality.parquet")
    assert messages(quality) == [("value_jump", "warn", 2, "value", "population went from 635911 to 635.911 "
                                  "(more than x10 or /10 the previous release's value)")]
    config = deployment(tmp_path, shared_data, {"path": str(BAD / "coverage_after.csv"),
                                                "validation": {"jump_factor": 1000}}, name="shrunk.yaml")
    shrunk = run(config)
    quality = pd.read_parquet(shrunk.path / "quality.parquet")
    assert messages(quality) == [("coverage_shrank", "warn", None, "area_code", "DE111 reported population in "
                                  "the previous release (last period 2019) and does not now")]
    saved = catalogue.last_run_findings(catalogue.connect(config.catalogue))[1]
    assert saved["rule"].tolist() == ["coverage_shrank"]


def test_unknown_rule_name_is_a_config_error(tmp_path, shared_data):
    from core.errors import ConfigError

    with pytest.raises(ConfigError, match=r"sources\[0\]\.validation\.rules\.negative_cont"):
        deployment(tmp_path, shared_data, {"path": str(BAD / "bom.csv"),
                                           "validation": {"rules": {"negative_cont": "warn"}}})


def test_an_unchanged_source_is_not_compared_again_and_a_quarantine_is_kept(tmp_path, shared_data, monkeypatch):
    """A scheduled run whose source has not changed has nothing to compare: its observations are those of
    the current release, which the kept file's checksum name shows. A quarantined jump is kept for the next
    run with the value it jumped from, so the next run holds it back again."""
    from etl.sources import extract

    rules = {"rules": {"value_jump": "quarantine"}}
    before = deployment(tmp_path, shared_data, {"path": str(BAD / "jump_before.csv"), "validation": rules},
                        name="before.yaml")
    first = run(before)
    store = ReleaseStore(before.store)
    kept_first = store.manifest(first.release_id)["sources"]["s"]["observations"]
    real = extract.compare_with_previous

    def must_not_run(*args, **kwargs):
        raise AssertionError("the comparison ran for an unchanged source")

    monkeypatch.setattr(extract, "compare_with_previous", must_not_run)
    again = run(before)
    assert store.manifest(again.release_id)["sources"]["s"]["observations"] == kept_first
    assert again.findings == 0

    calls = []
    monkeypatch.setattr(extract, "compare_with_previous", lambda *a, **k: calls.append(1) or real(*a, **k))
    after = deployment(tmp_path, shared_data, {"path": str(BAD / "jump_after.csv"), "validation": rules},
                       name="after.yaml")
    jumped = run(after)
    assert calls == [1]
    quality = pd.read_parquet(jumped.path / "quality.parquet")
    assert quality["rule"].tolist() == ["value_jump"] and quality["severity"].tolist() == ["quarantine"]
    kept = pd.read_parquet(Path(after.store) / store.manifest(jumped.release_id)["sources"]["s"]["observations"])
    source_rows = len(pd.read_csv(BAD / "jump_after.csv"))
    assert len(kept) == source_rows
    jump = quality.iloc[0]
    held = kept[(kept["area_code"] == jump["area_code"]) & (kept["period"] == jump["period"])
                & (kept["measure"] == jump["measure"])]
    assert held["value"].tolist() == [635911.0]  # kept with the value it jumped from, not the one held back

    # the next run of the same source holds the same jump back again: it is not published for want of a
    # previous value to compare with
    again = run(after)
    assert calls == [1, 1]
    quality = pd.read_parquet(again.path / "quality.parquet")
    assert quality["rule"].tolist() == ["value_jump"] and quality["severity"].tolist() == ["quarantine"]
    assert "went from 635911 to 635.911" in quality["message"].iat[0]
