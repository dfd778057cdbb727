"""Small pieces worked out by hand: transient errors, backoff, trigger times, freshness, job registration."""

from __future__ import annotations

import errno
import urllib.error
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import exc as sa_exc
from sqlalchemy import text

from core import catalogue
from core.config import load_config
from core.config_models import RetryConfig, ScheduleConfig
from core.errors import ConfigError, SourceError, StepFailed
from core.freshness import classify, freshness
from etl.runner import backoff_delays, is_transient
from tests.etl.scheduler.conftest import openmeasure, tiny_config

pytestmark = pytest.mark.slow  # more than a few seconds: left out of the fast lane (README)


def _wrapped(inner: BaseException) -> BaseException:
    try:
        try:
            raise inner
        except BaseException as exc:
            raise SourceError("db", "cannot read") from exc
    except SourceError as outer:
        return outer


@pytest.mark.parametrize("error, transient", [
    (TimeoutError("timed out"), True),
    (urllib.error.URLError(TimeoutError("timed out")), True),
    (ConnectionRefusedError(errno.ECONNREFUSED, "refused"), True),
    (urllib.error.URLError(ConnectionRefusedError(errno.ECONNREFUSED, "refused")), True),
    (sa_exc.OperationalError("SELECT 1", {}, Exception("server closed the connection")), True),
    (_wrapped(TimeoutError("timed out")), True),  # a source wrapping a timeout is still transient
    (FileNotFoundError(errno.ENOENT, "no such file"), False),
    (PermissionError(errno.EACCES, "denied"), False),
    (OSError(errno.ENOSPC, "No space left on device"), False),
    (StepFailed("compute", "division by zero"), False),
    (ValueError("bad number"), False),
    (_wrapped(FileNotFoundError(errno.ENOENT, "gone")), False),
])
def test_which_errors_are_retried(error, transient):
    assert is_transient(error) is transient


def test_backoff_grows_and_is_capped():
    assert backoff_delays(RetryConfig(attempts=5, backoff_seconds=5, backoff_factor=2,
                                      max_backoff_seconds=30)) == [5, 10, 20, 30]
    assert backoff_delays(RetryConfig(attempts=1)) == []


def test_previous_fire_time_of_interval_and_cron_triggers():
    from etl.scheduler import make_trigger, previous_fire_time

    now = datetime(2026, 3, 15, 10, 7, 30, tzinfo=UTC)
    hourly = make_trigger(ScheduleConfig(id="h", interval_seconds=3600), "UTC")
    assert previous_fire_time(hourly, now) == datetime(2026, 3, 15, 10, 0, tzinfo=UTC)
    nightly = make_trigger(ScheduleConfig(id="n", cron="0 2 * * *"), "UTC")
    assert previous_fire_time(nightly, now) == datetime(2026, 3, 15, 2, 0, tzinfo=UTC)
    monthly = make_trigger(ScheduleConfig(id="m", cron="0 6 1 * *"), "UTC")
    assert previous_fire_time(monthly, now) == datetime(2026, 3, 1, 6, 0, tzinfo=UTC)
    assert previous_fire_time(monthly, datetime(2026, 3, 1, 6, 0, tzinfo=UTC)) == datetime(2026, 3, 1, 6, 0,
                                                                                            tzinfo=UTC)
    paris = make_trigger(ScheduleConfig(id="p", cron="0 2 * * *"), "Europe/Paris")
    assert previous_fire_time(paris, now) == datetime(2026, 3, 15, 1, 0, tzinfo=UTC)


def test_a_bad_cron_expression_names_the_job():
    from etl.scheduler import make_trigger

    with pytest.raises(ConfigError, match=r"schedules\[id=bad\]\.cron"):
        make_trigger(ScheduleConfig(id="bad", cron="0 25 * * *"), "UTC")


def test_freshness_states():
    now = datetime(2026, 6, 1, tzinfo=UTC)
    assert classify("monthly", now - timedelta(days=30), now, 1.5) == "fresh"
    assert classify("monthly", now - timedelta(days=40), now, 1.5) == "due"
    assert classify("monthly", now - timedelta(days=47), now, 1.5) == "stale"
    assert classify("annual", now - timedelta(days=300), now, 1.5) == "fresh"
    assert classify("quarterly", None, now, 1.5) == "stale"


def test_freshness_comes_from_the_runs_that_refreshed_each_indicator(tmp_path):
    config = load_config(tiny_config(tmp_path, schedules=[{"id": "apps", "interval_seconds": 60,
                                                           "indicators": ["applications"]}]))
    from etl.pipeline import run

    run(config)  # the first run computes everything
    engine = catalogue.connect(config.catalogue)
    with engine.begin() as con:
        con.execute(text("UPDATE runs SET finished_at = :t"), {"t": catalogue.now() - timedelta(days=100)})
    run(config, job="apps")  # refreshes 'applications' only; online_share is carried forward
    states = {f.indicator: f.state for f in freshness(config)}
    assert states == {"applications": "fresh", "online_share": "fresh"}  # annual: 100 days is fresh
    later = catalogue.now() + timedelta(days=300)
    states = {f.indicator: f.state for f in freshness(config, now=later)}
    assert states == {"applications": "stale", "online_share": "due"}


def test_alerts_config_names_unknown_indicators_and_levels(tmp_path):
    path = tiny_config(tmp_path, extra={"alerts": {"indicators": ["online_shar"], "levels": ["county"],
                                                   "webhook": {"url": "http://127.0.0.1:9/x"}}})
    with pytest.raises(ConfigError, match=r"alerts\.indicators\[0\]: unknown indicator 'online_shar'"):
        load_config(path)


def test_registration_keeps_pending_runs_and_reports_a_renamed_job(tmp_path):
    from etl.scheduler import build, close, register

    path = tiny_config(tmp_path, schedules=[{"id": "nightly", "cron": "0 2 * * *"},
                                            {"id": "old_name", "interval_seconds": 600}])
    config = load_config(path)
    sched = build(config)
    sched.start(paused=True)
    try:
        assert register(sched, config, str(path))["added"] == ["nightly", "old_name"]
        job = sched.get_job("nightly")
        assert (job.coalesce, job.max_instances, job.misfire_grace_time) == (True, 1, 3600)
        missed = datetime(2026, 1, 1, 2, 0, tzinfo=UTC)
        sched.modify_job("nightly", next_run_time=missed)  # a run that was due while the scheduler was down
    finally:
        close(sched, wait=False)
    path = tiny_config(tmp_path, schedules=[{"id": "nightly", "cron": "0 2 * * *"},
                                            {"id": "new_name", "interval_seconds": 600}])
    config = load_config(path)
    sched = build(config)
    sched.start(paused=True)
    try:
        report = register(sched, config, str(path))
        assert report == {"added": ["new_name"], "kept": ["nightly"], "changed": [], "removed": ["old_name"]}
        assert sched.get_job("nightly").next_run_time == missed  # kept: the catch-up run is not lost
        assert sorted(j.id for j in sched.get_jobs()) == ["new_name", "nightly"]
    finally:
        close(sched, wait=False)
    events = catalogue.recent_events(catalogue.connect(config.catalogue))
    removed = [e for e in events if e["kind"] == "job_removed"]
    assert len(removed) == 1 and removed[0]["job"] == "old_name"
    assert "new_name (renamed?)" in removed[0]["message"]
    done = openmeasure("status", "--config", str(path))
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "nightly" in out and "new_name" in out and "job_removed" in out and "old_name" in out
    assert "online_share" in out and "stale" in out  # nothing has run yet: never refreshed


def test_a_transient_error_is_retried_and_the_next_attempt_publishes(tmp_path, monkeypatch):
    import etl.sources
    from core.store import ReleaseStore
    from etl.runner import run_guarded

    config = load_config(tiny_config(tmp_path, extra={"scheduler": {"retries": {"attempts": 3,
                                                                                "backoff_seconds": 0.05}}}))
    original, calls = etl.sources.READERS["csv"], []

    def flaky(source):
        calls.append(source.id)
        if len(calls) == 1:
            raise ConnectionResetError(errno.ECONNRESET, "connection reset by peer")
        return original(source)

    monkeypatch.setitem(etl.sources.READERS, "csv", flaky)
    result = run_guarded(config, "tick")
    assert len(calls) == 2
    assert ReleaseStore(config.store).current_id() == result.release_id
    with catalogue.connect(config.catalogue).connect() as con:
        rows = con.execute(text("SELECT status, error FROM runs ORDER BY id")).all()
    assert [r[0] for r in rows] == ["failed", "succeeded"]
    assert "ConnectionResetError" in rows[0][1]


def test_an_unreachable_catalogue_is_a_clear_error_without_the_password(tmp_path):
    from etl.runner import RunFailed, run_guarded

    config = load_config(tiny_config(tmp_path, extra={
        "catalogue": "postgresql+psycopg://openmeasure:s3cret@127.0.0.1:1/catalogue?connect_timeout=2"}))
    with pytest.raises(RunFailed, match=r"catalogue database postgresql\+psycopg://openmeasure:\*\*\*@127.0.0.1:1"
                                        r"/catalogue.*Connection refused.*Nothing was run") as err:
        run_guarded(config, "tick")
    assert "s3cret" not in str(err.value)
