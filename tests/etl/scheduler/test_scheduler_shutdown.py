"""SIGTERM while a run is in progress: it finishes within the grace period, or is abandoned unpublished."""

from __future__ import annotations

import pytest

from core.store import ReleaseStore
from tests.etl.scheduler.conftest import first_release, runs, start, stop, tiny_config, wait_for

pytestmark = pytest.mark.slow  # more than a few seconds: left out of the fast lane (README)


def _scheduler_mid_run(tmp_path, grace: float, sleep: float):
    config = tiny_config(tmp_path, schedules=[{"id": "tick", "interval_seconds": 1}],
                         extra={"scheduler": {"shutdown_grace_seconds": grace}})
    first_release(config)
    first = ReleaseStore(tmp_path / "store").current_id()
    proc = start("--sleep", str(sleep), "--", "-v", "schedule", "--config", str(config),
                 log=tmp_path / "sched.log", module="tests.etl.scheduler.harness")
    wait_for(lambda: any(r["status"] == "running" for r in runs(config)), what="a scheduled run to start")
    return config, first, proc


def test_a_run_in_progress_finishes_within_the_grace_period(tmp_path):
    config, first, proc = _scheduler_mid_run(tmp_path, grace=60, sleep=2)
    assert stop(proc) == 0
    last = runs(config)[-1]
    assert last["job"] == "tick" and last["status"] == "succeeded"
    assert ReleaseStore(tmp_path / "store").current_id() == last["release_id"] != first
    assert "waiting up to 60 s for tick" in (tmp_path / "sched.log").read_text()


def test_a_run_past_the_grace_period_is_abandoned_without_publishing(tmp_path):
    config, first, proc = _scheduler_mid_run(tmp_path, grace=0.5, sleep=3)
    assert stop(proc) == 0
    last = runs(config)[-1]
    assert last["status"] == "failed" and "abandoned at shutdown" in last["error"]
    store = ReleaseStore(tmp_path / "store")
    assert store.current_id() == first
    assert not [d for d in store.releases.iterdir() if d.name.startswith(".tmp-")]
    assert "grace period over" in (tmp_path / "sched.log").read_text()
