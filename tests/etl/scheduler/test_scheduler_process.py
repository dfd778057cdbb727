"""The scheduler as real processes against one SQLite catalogue: counts of runs, no overlap, catch-up."""

from __future__ import annotations

import os
import secrets
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.etl.scheduler.conftest import catalogue_db, runs, start, stop, tiny_config, wait_for

pytestmark = pytest.mark.slow  # more than a few seconds: left out of the fast lane (README)


def _t(value) -> datetime:
    v = datetime.fromisoformat(str(value))
    return v if v.tzinfo else v.replace(tzinfo=UTC)


def _slots(config) -> list[str]:
    db = catalogue_db(config)
    with db.connect() as con:
        out = [s for (s,) in con.execute(text("SELECT slot FROM job_slots ORDER BY slot"))]
    db.dispose()
    return out


def _assert_no_overlap(rows: list[dict]) -> None:
    spans = sorted((_t(r["started_at"]), _t(r["finished_at"])) for r in rows)
    for (s1, e1), (s2, _) in zip(spans, spans[1:], strict=False):
        assert e1 <= s2, f"runs overlap: one ran {s1}..{e1}, the next started {s2}"


def _started(log, n: int = 1) -> None:
    wait_for(lambda: log.read_text().count("next run") >= n, what=f"the scheduler start-up in {log}")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def catalogue_url(request, tmp_path):
    """The catalogue both schedulers share: the default SQLite file, or a fresh database on the real PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'catalog.db'}"
        return
    url = os.environ.get("OPENMEASURE_TEST_PG_URL")
    if not url:
        pytest.fail("OPENMEASURE_TEST_PG_URL is not set: source scripts/services.sh")
    name = f"om_sched_{os.getpid()}_{secrets.token_hex(3)}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as con:
        con.execute(text(f"CREATE DATABASE {name}"))
    yield url.rsplit("/", 1)[0] + "/" + name
    with admin.connect() as con:
        con.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    admin.dispose()


def test_two_schedulers_run_each_trigger_once(tmp_path, catalogue_url):
    # a trigger that finds the store busy waits for it (rather than being skipped), so every claim is a run
    config = tiny_config(tmp_path, extra={"catalogue": catalogue_url, "scheduler": {"lock_wait_seconds": 30}})
    t0 = datetime.now(UTC)
    a = start("schedule", "--config", str(config), log=tmp_path / "a.log")
    b = None
    try:
        wait_for(lambda: len(runs(config)) >= 2, what="two runs of the first scheduler")
        b = start("-v", "schedule", "--config", str(config), log=tmp_path / "b.log")
        _started(tmp_path / "b.log")
        n = len(runs(config))
        wait_for(lambda: len(runs(config)) >= n + 3, what="three more runs with both schedulers up")
    finally:
        codes = [stop(p) for p in (a, b) if p is not None]
    t1 = datetime.now(UTC)
    assert codes == [0, 0], _logs(codes, tmp_path)
    rows = runs(config)
    assert all(r["status"] == "succeeded" or _stopped_by_the_test(r) for r in rows), rows
    assert all(r["job"] == "tick" for r in rows)
    # every run claimed its own trigger time, and no trigger ran twice although both schedulers saw each one
    assert len(rows) == len(_slots(config))
    triggers = int(t1.timestamp()) - int(t0.timestamp()) + 1
    assert len(rows) <= triggers
    _assert_no_overlap(rows)
    assert "already_claimed" in (tmp_path / "b.log").read_text() + (tmp_path / "a.log").read_text() \
        or "lock" in (tmp_path / "b.log").read_text()


def _logs(codes: list[int], folder: Path) -> str:
    """Exit statuses and the end of each scheduler's log: a process that exits non-zero says why only there
    (one did once in CI, with no trace left to read)."""
    return f"exit statuses {codes}\n" + "\n".join(
        f"--- {name} ---\n{(folder / name).read_text()[-3000:]}" for name in ("a.log", "b.log")
        if (folder / name).is_file())


def _stopped_by_the_test(run: dict) -> bool:
    """A run that the test's own SIGTERM caught is abandoned unpublished by design (not a failure)."""
    return run["status"] == "failed" and (run["error"] or "").startswith("RunAbandoned")


def test_a_job_longer_than_its_interval_does_not_overlap_itself(tmp_path):
    config = tiny_config(tmp_path, extra={"scheduler": {"lock_wait_seconds": 30}})
    args = ("--sleep", "1.5", "--", "schedule", "--config", str(config))
    a = start(*args, log=tmp_path / "a.log", module="tests.etl.scheduler.harness")
    b = start(*args, log=tmp_path / "b.log", module="tests.etl.scheduler.harness")
    try:
        wait_for(lambda: len([r for r in runs(config) if r["status"] == "succeeded"]) >= 2, timeout=90,
                 what="two slow runs")
    finally:
        codes = [stop(p) for p in (a, b)]
    assert codes == [0, 0], _logs(codes, tmp_path)
    done = [r for r in runs(config) if r["finished_at"] is not None]
    failed = [(r["id"], r["status"], r["error"]) for r in done
              if r["status"] != "succeeded" and not _stopped_by_the_test(r)]
    assert not failed, (failed, (tmp_path / "a.log").read_text()[-2000:], (tmp_path / "b.log").read_text()[-2000:])
    _assert_no_overlap(done)
    assert "maximum number of running instances reached" in (tmp_path / "a.log").read_text() \
        + (tmp_path / "b.log").read_text()


def test_a_scheduler_down_across_three_triggers_runs_one_catch_up(tmp_path):
    config = tiny_config(tmp_path, schedules=[{"id": "tick", "interval_seconds": 2}])
    a = start("schedule", "--config", str(config), log=tmp_path / "a.log")
    try:
        wait_for(lambda: len(runs(config)) >= 1, what="the first run")
    finally:
        assert stop(a) == 0
    down = datetime.now(UTC)
    time.sleep(6.5)  # three trigger times (every 2 s) pass while no scheduler runs
    before = len(runs(config))
    b = start("schedule", "--config", str(config), log=tmp_path / "b.log")
    try:
        wait_for(lambda: len(runs(config)) >= before + 1, what="the catch-up run")
    finally:
        assert stop(b) == 0
    up = _t(runs(config)[before]["started_at"])  # the first run after the restart: the catch-up
    assert (up - down).total_seconds() > 6
    # slots are the trigger times APScheduler ran: coalesced, the missed triggers give one run
    missed = [s for s in _slots(config) if down < _t(s) <= up]
    assert len(missed) == 1, f"trigger times run for the downtime {down}..{up}: {missed}"
    assert all(r["status"] == "succeeded" or _stopped_by_the_test(r) for r in runs(config))
