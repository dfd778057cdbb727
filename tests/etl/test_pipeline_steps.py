"""etl.pipeline: a run is a plan followed by named steps over one context, each logged with its duration; one
place handles a failure, which publishes nothing and is recorded with the step it happened in."""

from __future__ import annotations

import logging
import re

import pytest

from core import catalogue
from core.config import load_config
from core.store import ReleaseStore
from etl import boundaries as boundary_files
from etl import pipeline
from tests.indicators.world import build_config

SUM = {"id": "total_x", "compute": {"method": "sum", "measure": "x"}}


def _config(tmp_path, unknown_area: bool = False):
    rows = [("x", a, p, 20.0, "") for a in ("L1", "L2", "L3", "L4") for p in (2020, 2021)]
    if unknown_area:
        rows.append(("x", "NOWHERE", 2021, 5.0, ""))
    return load_config(build_config(tmp_path, rows, [SUM], ["x"]))


def test_every_step_runs_in_its_order_and_logs_its_duration(tmp_path, caplog):
    config = _config(tmp_path)
    with caplog.at_level(logging.INFO, logger="etl.pipeline"):
        result = pipeline.run(config)
    done = [m.group(1) for r in caplog.records if (m := re.fullmatch(r"step=(\S+) seconds=\d+\.\d\d", r.getMessage()))]
    assert done == ["plan", "read_sources", "validate", "geography", "compute", "write_release", "disclosure_audit",
                    "publish", "record"]
    assert done == [name.replace(" ", "_") for name, _ in pipeline.STEPS]
    assert ReleaseStore(config.store).current_id() == result.release_id


def test_a_failing_step_publishes_nothing_and_the_run_is_recorded_with_the_step_and_its_findings(
        tmp_path, monkeypatch, caplog):
    config = _config(tmp_path, unknown_area=True)
    first = pipeline.run(config)
    assert first.findings == 1  # NOWHERE: an unknown area, quarantined

    def broken(*args, **kwargs):
        raise RuntimeError("the boundary files went away")

    monkeypatch.setattr(boundary_files, "normalise_all", broken)
    with caplog.at_level(logging.INFO, logger="etl.pipeline"), pytest.raises(RuntimeError, match="went away"):
        pipeline.run(config)
    store = ReleaseStore(config.store)
    assert store.current_id() == first.release_id
    assert [r["id"] for r in store.list()] == [first.release_id]
    assert not [d for d in store.releases.iterdir() if d.name.startswith(".tmp-")]
    last, found = catalogue.last_run_findings(catalogue.connect(config.catalogue))
    assert last["status"] == "failed" and last["release_id"] is None
    assert last["error"] == "RuntimeError: the boundary files went away (step 'geography')"
    # the findings the steps before it made are in the run's context, and recorded with the failure
    assert list(zip(found["rule"], found["area_code"], strict=True)) == [("unknown_area", "NOWHERE")]
    assert "step=geography state=failed" in caplog.text
    done = [m.group(1) for r in caplog.records if (m := re.fullmatch(r"step=(\S+) seconds=.*", r.getMessage()))]
    assert done[-3:] == ["plan", "read_sources", "validate"]  # the second run's steps, up to the failing one
