"""`openmeasure status` after a run was killed with -9: the run is shown abandoned once its lock has
expired, and a run killed in its first seconds (as soon as it holds the lock) has a row to show at all.
Before, the killed run stayed 'running' in status until the next run started, and one killed before the
pipeline recorded it left no trace."""

from __future__ import annotations

import signal
import time

import pytest

from tests.etl.scheduler.conftest import first_release, openmeasure, runs, start, tiny_config, wait_for

pytestmark = pytest.mark.slow  # more than a few seconds: left out of the fast lane (README)

LOCK_TTL = 6  # tiny_config's scheduler.lock_ttl_seconds


def _killed(tmp_path, pause: str) -> tuple:
    config = tiny_config(tmp_path)
    first_release(config)
    marker = tmp_path / "paused"
    proc = start(f"--pause-{pause}", str(marker), "--", "etl", "run", "--config", str(config),
                 log=tmp_path / "run.log", module="tests.etl.scheduler.harness")
    wait_for(marker.exists, what=f"the run to pause ({pause})")
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    return config, time.monotonic()


def _manual_row(config) -> str:
    done = openmeasure("status", "--config", str(config))
    assert done.returncode == 0, done.stderr
    return next(line for line in done.stdout.splitlines() if "manual" in line)


def test_a_run_killed_with_9_is_shown_abandoned_once_its_lock_has_expired(tmp_path):
    config, killed_at = _killed(tmp_path, "in-write")
    assert runs(config)[-1]["status"] == "running"
    wait_for(lambda: time.monotonic() - killed_at > LOCK_TTL + 0.5, timeout=LOCK_TTL + 5, what="the lock to expire")
    row = _manual_row(config)
    assert "abandoned" in row and "running" not in row and "ended without finishing" in row
    history = openmeasure("status", "--config", str(config), "--history", "3")
    assert "abandoned" in history.stdout and "ended without finishing" in history.stdout
    assert runs(config)[-1]["status"] == "running"  # status only reads; the next run marks it failed


def test_a_run_killed_as_soon_as_it_holds_the_lock_is_recorded(tmp_path):
    config, _ = _killed(tmp_path, "after-lock")
    rows = runs(config)
    assert len(rows) == 2 and rows[-1]["status"] == "running" and rows[-1]["job"] == "manual"
    wait_for(lambda: "abandoned" in _manual_row(config), timeout=LOCK_TTL + 30, every=1,
             what="status to show the killed run abandoned")
    # the next run marks it failed and runs
    done = openmeasure("etl", "run", "--config", str(config))
    assert done.returncode == 0, done.stderr
    rows = runs(config)
    assert rows[1]["status"] == "failed" and "ended without finishing" in rows[1]["error"]
    assert rows[2]["status"] == "succeeded"


def test_a_run_whose_process_holds_the_lock_is_shown_running(tmp_path):
    """The other side: while the run's own process holds the store's lock it is running, not abandoned; a
    lock held by another process (the next run) does not make an orphan look alive."""
    from core import catalogue
    from core.config import load_config
    from etl import locks, status
    from etl.runner import lock_name

    config = load_config(tiny_config(tmp_path))
    engine = catalogue.connect(config.catalogue)
    run_id = catalogue.start_run(engine, "manual", "")
    row = catalogue.last_runs_by_job(engine)["manual"]
    assert status.shown(row, status.lock_holder(engine, lock_name(config)))[0] == "abandoned"
    with locks.hold(engine, lock_name(config), ttl=LOCK_TTL):
        assert status.shown(row, status.lock_holder(engine, lock_name(config))) == ("running", "")
        other = {**row, "pid": row["pid"] + 1}
        assert status.shown(other, status.lock_holder(engine, lock_name(config)))[0] == "abandoned"
    catalogue.finish_run(engine, run_id, status="failed", error="test")
    assert status.shown(catalogue.last_runs_by_job(engine)["manual"], None) == ("failed", "test")
