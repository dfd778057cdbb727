"""``openmeasure schedule``: run the jobs of config.yaml on their triggers, exactly once, until stopped.

The only module that imports APScheduler (3.x). Contracts:

- Jobs live in a persistent ``SQLAlchemyJobStore`` in the catalogue database (table ``apscheduler_jobs``),
  id = the schedule id in config, registered with ``replace_existing``; a job whose trigger did not change
  keeps its stored next run time, so a restart neither loses nor duplicates a pending run.
- ``coalesce=True``, ``max_instances=1``; ``misfire_grace_time`` = ``schedules[].misfire_grace_seconds`` or
  ``scheduler.misfire_grace_seconds`` (default 3600 s): a scheduler that was down across several trigger
  times runs *one* catch-up run when it comes back within that time, and skips (logs) it when later.
- Interval triggers are aligned to a fixed origin (2000-01-01 UTC), so every scheduler process computes the
  same trigger times. Each run first claims its trigger time in ``job_slots``; a second scheduler against the
  same catalogue finds the slot taken and does not run it again. The run itself holds the release-store lock
  (etl.runner), so nothing else, not even a manual ``openmeasure etl run``, runs at the same time.
- A job in the job store that is no longer in config (removed or renamed) is logged, recorded in
  ``scheduler_events`` and removed from the schedule; ``openmeasure status`` shows it.
- SIGTERM / SIGINT: no new runs start; a run in progress may finish within ``scheduler.shutdown_grace_seconds``,
  after which it is abandoned at its next step boundary without publishing. Half-written release folders
  are removed at the next start.
- Job functions are top-level functions taking the config path and job id only, so the store can pickle them.
"""

from __future__ import annotations

import logging
import math
import os
import signal
import threading
from datetime import UTC, datetime, timedelta

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.job import Job
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from core import catalogue
from core.config import load_config
from core.config_models import Config, ScheduleConfig
from core.errors import OpenMeasureError
from core.schedules import JOBS_TABLE, ORIGIN, make_trigger
from core.store import ReleaseStore
from etl import locks
from etl.runner import InputsUnchanged, lock_name, run_guarded

log = logging.getLogger(__name__)

FRESHNESS_JOB = "openmeasure.freshness_check"

#: Set when a shutdown's grace period has passed: running jobs stop at their next step boundary.
CANCEL = threading.Event()
_active: set[str] = set()
_active_lock = threading.Lock()


def previous_fire_time(trigger: IntervalTrigger | CronTrigger, now: datetime) -> datetime:
    """The latest trigger time at or before ``now``: the slot a run started at ``now`` belongs to."""
    if isinstance(trigger, IntervalTrigger):
        n = math.floor((now - trigger.start_date).total_seconds() / trigger.interval_length)
        return (trigger.start_date + n * trigger.interval).astimezone(UTC)
    window = timedelta(seconds=1)
    while window < timedelta(days=800):
        t = trigger.get_next_fire_time(None, now - window)
        if t is not None and t <= now:
            while True:
                nxt = trigger.get_next_fire_time(t, t + timedelta(microseconds=1))
                if nxt is None or nxt > now:
                    return t.astimezone(UTC)
                t = nxt
        window *= 2
    return now.astimezone(UTC)


class SlotExecutor(ThreadPoolExecutor):
    """A thread pool that passes the trigger time a run is for (APScheduler's run time) as ``slot``."""

    def _do_submit_job(self, job: Job, run_times: list[datetime]) -> None:
        if job.func is scheduled_run and run_times:
            tagged = Job.__new__(Job)
            for name in Job.__slots__:
                if name != "__weakref__" and hasattr(job, name):
                    setattr(tagged, name, getattr(job, name))
            tagged.kwargs = {**job.kwargs, "slot": run_times[-1].astimezone(UTC).isoformat()}
            job = tagged
        super()._do_submit_job(job, run_times)


def scheduled_run(config_path: str, job_id: str, slot: str | None = None) -> None:
    """The job function the scheduler calls (pickled by reference: module + name, plain arguments).

    ``slot`` is the trigger time this run is for (given by :class:`SlotExecutor`); without it, the latest
    trigger time at or before now.
    """
    config = load_config(config_path)
    schedule = {s.id: s for s in config.schedules}.get(job_id)
    engine = catalogue.connect(config.catalogue)
    if schedule is None:
        catalogue.record_event(engine, "job_missing", job_id, f"job {job_id!r} fired but is not in {config_path}")
        log.error("job=%s state=not_in_config config=%s", job_id, config_path)
        return
    if CANCEL.is_set():
        return
    if slot is None:
        slot = previous_fire_time(make_trigger(schedule, config.scheduler.timezone), catalogue.now()).isoformat()
    if not locks.claim_slot(engine, job_id, slot):
        log.info("job=%s slot=%s state=skipped reason=already_claimed", job_id, slot)
        return
    with _active_lock:
        _active.add(job_id)
    try:
        result = run_guarded(config, job_id, wait=config.scheduler.lock_wait_seconds, cancel=CANCEL,
                             skip_unchanged=schedule.skip_unchanged)
        log.info("job=%s slot=%s state=succeeded release=%s rows=%d", job_id, slot,
                 result.release_id, result.rows)
    except InputsUnchanged as exc:
        catalogue.record_event(engine, "unchanged", job_id, f"trigger {slot}: {exc}")
        log.info("job=%s slot=%s state=unchanged release=%s", job_id, slot, exc.release_id)
    except locks.LockBusy as exc:
        catalogue.record_event(engine, "skipped", job_id, f"trigger {slot} not run: {exc}")
        log.error("job=%s slot=%s state=skipped error=%s", job_id, slot, exc)
    except Exception as exc:  # noqa: BLE001 - recorded in runs by the pipeline; the scheduler keeps going
        log.error("job=%s slot=%s state=failed error=%s", job_id, slot, exc)
    finally:
        with _active_lock:
            _active.discard(job_id)


def freshness_check(config_path: str) -> None:
    """Periodic job: send stale-data (and any other pending) alerts even when no run happens."""
    from etl import alerts

    alerts.check_and_send(load_config(config_path))


def _job_options(config: Config, schedule: ScheduleConfig) -> dict:
    return {"coalesce": True, "max_instances": 1,
            "misfire_grace_time": schedule.misfire_grace_seconds or config.scheduler.misfire_grace_seconds}


def register(scheduler: BackgroundScheduler, config: Config, config_path: str) -> dict[str, list[str]]:
    """Bring the job store in line with config. Returns {'added': [...], 'kept': [...], 'removed': [...]}."""
    engine = catalogue.connect(config.catalogue)
    stored = {j.id: j for j in scheduler.get_jobs()}
    wanted = {s.id: s for s in config.schedules}
    report: dict[str, list[str]] = {"added": [], "kept": [], "changed": [], "removed": []}
    for sid, schedule in wanted.items():
        trigger = make_trigger(schedule, config.scheduler.timezone)
        old = stored.get(sid)
        args = (config_path, sid)
        extra = {}
        if old is not None and repr(old.trigger) == repr(trigger) and tuple(old.args) == args:
            extra["next_run_time"] = old.next_run_time  # keep a pending (possibly missed) run
            report["kept"].append(sid)
        else:
            report["changed" if old is not None else "added"].append(sid)
        scheduler.add_job(scheduled_run, trigger, args=args, id=sid, name=sid, replace_existing=True,
                          **_job_options(config, schedule), **extra)
    new = [s for s in report["added"]]
    for sid in stored:
        if sid in wanted or sid == FRESHNESS_JOB:
            continue
        hint = f"; new jobs in this config: {', '.join(new)} (renamed?)" if new else ""
        message = (f"job {sid!r} is in the job store but not in {config_path}: removed from the schedule{hint}. "
                   "Its past runs stay in the catalogue under its old name.")
        log.warning("job=%s state=removed_from_config message=%s", sid, message)
        catalogue.record_event(engine, "job_removed", sid, message)
        scheduler.remove_job(sid)
        report["removed"].append(sid)
    if config.alerts is not None:
        scheduler.add_job(freshness_check, IntervalTrigger(seconds=config.scheduler.freshness_check_seconds,
                                                           start_date=ORIGIN),
                          args=(config_path,), id=FRESHNESS_JOB, name=FRESHNESS_JOB, replace_existing=True,
                          coalesce=True, max_instances=1, misfire_grace_time=None)
    elif FRESHNESS_JOB in stored:
        scheduler.remove_job(FRESHNESS_JOB)
    return report


def cleanup_at_start(config: Config) -> list[str]:
    """Remove half-written release folders, but only when no run is in progress anywhere (lock free)."""
    engine = catalogue.connect(config.catalogue)
    try:
        with locks.hold(engine, lock_name(config), ttl=config.scheduler.lock_ttl_seconds, wait=0):
            removed = ReleaseStore(config.store).clean_partial()
            orphans = catalogue.abandon_running(engine, catalogue.now(),
                                                [r["id"] for r in ReleaseStore(config.store).list()])
    except locks.LockBusy:
        log.info("step=cleanup state=skipped reason=a_run_is_in_progress")
        return []
    for name in removed:
        log.warning("step=cleanup removed=%s", name)
    if orphans:
        log.warning("step=cleanup orphan_runs=%s state=marked_failed", orphans)
    return removed


def build(config: Config) -> BackgroundScheduler:
    engine = catalogue.connect(config.catalogue)
    workers = max(2, len(config.schedules) + 1)
    store = SQLAlchemyJobStore(engine=engine, tablename=JOBS_TABLE)
    # APScheduler creates its table when it starts, with a check-then-create that two schedulers starting
    # together on a new catalogue both pass: the second then died with 'table apscheduler_jobs already
    # exists' (seen about once in ten starts of the two-process tests). Created here, where that is retried.
    catalogue.create_tables(engine, store.jobs_t.metadata)
    return BackgroundScheduler(
        jobstores={"default": store},
        executors={"default": SlotExecutor(workers)},
        job_defaults={"coalesce": True, "max_instances": 1,
                      "misfire_grace_time": config.scheduler.misfire_grace_seconds},
        timezone=config.scheduler.timezone)


def close(scheduler: BackgroundScheduler, wait: bool = True) -> None:
    """Stop without touching the stored jobs.

    APScheduler 3's BackgroundScheduler processes due jobs once more while shutting down; with its
    executor already closed that fails and advances their next run time, losing a pending catch-up run.
    Detaching the job store first keeps every stored next run time as it was.
    """
    scheduler.pause()
    scheduler.remove_jobstore("default", shutdown=True)
    scheduler.shutdown(wait=wait)


def serve(config_path: str, say=print) -> int:
    """Run until SIGTERM / SIGINT. Returns the exit status."""
    config = load_config(config_path)
    config_path = os.path.abspath(config_path)
    if not config.schedules:
        raise OpenMeasureError(f"{config_path} declares no schedules; add a 'schedules:' section")
    engine = catalogue.connect(config.catalogue)
    for name in cleanup_at_start(config):
        say(f"removed the half-written release folder {name}")
    stop = threading.Event()
    signals: list[int] = []

    def on_signal(signum, _frame) -> None:
        signals.append(signum)
        stop.set()

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, on_signal)
    scheduler = build(config)
    scheduler.start(paused=True)
    report = register(scheduler, config, config_path)
    for sid in report["removed"]:
        say(f"warning: job {sid!r} is no longer in the config; removed from the schedule (recorded)")
    catalogue.record_event(engine, "started", None, f"pid {os.getpid()}; jobs {', '.join(s.id for s in config.schedules)}")
    scheduler.resume()
    for job in scheduler.get_jobs():
        say(f"job {job.id}: {job.trigger}, next run {job.next_run_time}")
    log.info("step=schedule state=started pid=%d jobs=%d", os.getpid(), len(config.schedules))
    while not stop.wait(0.5):  # a timeout: Event.set from a signal handler can race with a plain wait()
        pass
    return shutdown(scheduler, config, engine, signals[0] if signals else None, say)


def shutdown(scheduler: BackgroundScheduler, config: Config, engine, signum: int | None, say) -> int:
    grace = config.scheduler.shutdown_grace_seconds
    with _active_lock:
        busy = sorted(_active)
    say(f"stopping (signal {signum}); " + (f"waiting up to {grace:g} s for {', '.join(busy)}" if busy
                                            else "no run in progress"))
    done = threading.Event()

    def finish() -> None:
        close(scheduler, wait=True)
        done.set()

    threading.Thread(target=finish, name="scheduler-shutdown", daemon=True).start()
    if not done.wait(grace):
        CANCEL.set()
        say("grace period over: abandoning the run in progress at its next step; nothing will be published")
        if not done.wait(max(grace, 10.0)):
            catalogue.record_event(engine, "stopped", None, "forced exit; a run was abandoned mid-step")
            log.error("step=shutdown state=forced")
            os._exit(3)  # the run never reached publish; its temporary folder is removed at the next start
    catalogue.record_event(engine, "stopped", None, f"signal {signum}; clean shutdown")
    log.info("step=shutdown state=clean")
    return 0
