"""One guarded ETL run: the release-store lock, retries of transient errors, cancellation and alerts.

Both entry points use it: ``openmeasure etl run`` (manual) and the scheduler's job function. The pipeline
itself stays lock-agnostic; this module wraps it.

- Exactly one run at a time per release store, across processes (:mod:`etl.locks`). Runs that are still
  marked ``running`` when the lock is taken belong to a process that died; they are marked failed.
- A transient error (a source that is down or slow, a dropped database connection) is retried with
  exponential backoff, ``scheduler.retries`` in config. Every attempt is a row in ``runs``; a failure that is
  not transient, or the last attempt, is raised. A failed attempt published nothing (``pipeline.run``).
- ``cancel`` (a threading.Event) abandons the run at the next step boundary without publishing; the scheduler
  sets it when a shutdown grace period has passed.
- A run that loses its lock (the catalogue's PostgreSQL restarted, a SQLite lease ran out) stops at its next
  step, and in any case right before it publishes: the lock is confirmed on a live connection just before
  CURRENT is replaced, and a lock that cannot be confirmed means no publish (:class:`~etl.locks.LockLost`).
  The store's ``.run.lock`` file lock, held for the whole run, keeps a second run on the same host from
  starting meanwhile, whatever the database remembers.
"""

from __future__ import annotations

import errno
import logging
import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Engine, make_url

from core import catalogue
from core.config import config_hash
from core.config_models import Config, RetryConfig
from core.errors import OpenMeasureError, PublishedUnrecorded, TransientError
from core.store import ReleaseStore
from etl import locks
from etl.pipeline import RunResult, selected_indicators
from etl.pipeline import run as pipeline_run
from etl.sources import snapshots

log = logging.getLogger(__name__)

Progress = Callable[[str], None]

#: errno values of OSError that say "try again later" rather than "fix something".
TRANSIENT_ERRNO = {errno.ECONNREFUSED, errno.ECONNRESET, errno.ECONNABORTED, errno.ETIMEDOUT,
                   errno.EHOSTUNREACH, errno.ENETUNREACH, errno.ENETDOWN, errno.EAGAIN, errno.EPIPE}
#: Errors that are never worth retrying even though they are OSErrors: the input or the disk needs a fix.
PERMANENT = (FileNotFoundError, PermissionError, IsADirectoryError, NotADirectoryError)


class RunAbandoned(OpenMeasureError):
    """The run was stopped at a step boundary (shutdown); nothing was published."""


class RunFailed(OpenMeasureError):
    """A run failed with an error that is not an OpenMeasureError (a source down, a full disk, ...)."""


class InputsUnchanged(OpenMeasureError):
    """``skip_unchanged``: the current release already holds what the run would compute; nothing was run."""

    def __init__(self, release_id: str):
        super().__init__(f"release {release_id} already holds these indicators, computed from the config, the "
                         "settings in effect, the files it names, the software and every source as they are now")
        self.release_id = release_id


def unchanged_release(config: Config, job: str | None, engine: Engine) -> str | None:
    """The current release's id when running ``job`` now would compute what it already holds: the run that
    published it computed every indicator of the job (a release that carried some forward from an older
    one does not count), and the config, the settings in effect, the files it names, the software and every
    source are as that run found them (:func:`etl.sources.snapshots.inputs_unchanged`). Else None."""
    current = ReleaseStore(config.store).current_id()
    if current is None or not set(selected_indicators(config, job)) <= catalogue.indicators_computed(engine, current):
        return None
    return current if snapshots.inputs_unchanged(config) else None


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    stack = [exc]
    while stack:
        e = stack.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        yield e
        stack += [e.__cause__, e.__context__]


def is_transient(exc: BaseException) -> bool:
    """True when any error in the chain is transient and none is permanent.

    Transient: TimeoutError, ConnectionError, socket/urllib errors with a network errno, SQLAlchemy
    OperationalError / InterfaceError / DisconnectionError (a database that is down or dropped the
    connection), a DBAPI ``OperationalError``, and :class:`TransientError`. Permanent: a missing file,
    a permission error, a full disk (ENOSPC), and everything else.
    """
    transient = False
    for e in _chain(exc):
        if isinstance(e, PERMANENT) or (isinstance(e, OSError) and e.errno in (errno.ENOSPC, errno.EDQUOT)):
            return False
        if isinstance(e, locks.LockLost | PublishedUnrecorded):
            return False
        if isinstance(e, RunAbandoned):
            return False
        if isinstance(e, TimeoutError | ConnectionError | TransientError):
            transient = True
        elif isinstance(e, sa_exc.OperationalError | sa_exc.InterfaceError | sa_exc.DisconnectionError):
            transient = True
        elif type(e).__name__ in ("OperationalError", "InterfaceError") and "sqlalchemy" not in type(e).__module__:
            transient = True  # psycopg / sqlite3 DBAPI errors raised without SQLAlchemy
        elif isinstance(e, OSError) and e.errno in TRANSIENT_ERRNO:
            transient = True
        elif type(e).__name__ == "URLError" and isinstance(getattr(e, "reason", None), OSError | TimeoutError):
            transient = True
    return transient


def backoff_delays(retries: RetryConfig) -> list[float]:
    """The waits between attempts: backoff, backoff*factor, ... capped at max_backoff_seconds."""
    return [min(retries.backoff_seconds * retries.backoff_factor ** n, retries.max_backoff_seconds)
            for n in range(retries.attempts - 1)]


def lock_name(config: Config) -> str:
    return f"release-store:{Path(config.store).resolve()}"


#: The file lock in the release store that a run holds besides the catalogue's lock (see etl.locks).
LOCAL_LOCK = ".run.lock"


def run_guarded(config: Config, job: str | None = None, progress: Progress | None = None, *,
                wait: float = 0.0, cancel: threading.Event | None = None,
                alert: bool = True, skip_unchanged: bool = False) -> RunResult:
    """Run the pipeline under the store lock with retries; send alerts afterwards. Raises the last error.
    With ``skip_unchanged``, raises :class:`InputsUnchanged` instead of running when :func:`unchanged_release`
    finds the current release up to date (checked under the lock, so no other run is publishing)."""
    if job is not None and job not in {s.id for s in config.schedules}:
        # a usage error, not a run: raised before the catalogue records (and /status lists) a failed run of it
        selected_indicators(config, job)
    cancel = cancel or threading.Event()
    say = progress or (lambda msg: log.info("job=%s step=%s", job or "manual", msg))

    holding: list[locks.Held] = []

    def checked(message: str) -> None:
        if cancel.is_set():
            raise RunAbandoned(f"run of {job or 'manual'} abandoned at shutdown before {message!r}; "
                               "nothing was published")
        for held in holding:
            held.raise_if_lost()
        say(message)

    sched = config.scheduler
    try:
        engine = catalogue.connect(config.catalogue)
        with locks.hold(engine, lock_name(config), ttl=sched.lock_ttl_seconds, wait=wait, cancel=cancel,
                        local=Path(config.store) / LOCAL_LOCK) as held:
            holding.append(held)
            # recorded first, so that a run killed in its first seconds (while it looks for orphans or
            # checksums its sources) still has its row, which 'openmeasure status' shows abandoned
            before = catalogue.now()
            run_id = catalogue.start_run(engine, job or "manual", config_hash(config))
            handed = False
            try:
                orphans = catalogue.abandon_running(engine, before,
                                                    [r["id"] for r in ReleaseStore(config.store).list()])
                if orphans:
                    log.warning("job=%s orphan_runs=%s state=marked_failed", job or "manual", orphans)
                if skip_unchanged:
                    say("checking whether the inputs changed")
                    try:
                        current = unchanged_release(config, job, engine)
                    except Exception as exc:  # noqa: BLE001 - a source that cannot be checksummed now is read
                        # by the run, which retries, records and reports the error as every run does
                        log.warning("job=%s step=skip-check error=%s: running", job or "manual", exc)
                        current = None
                    if current is not None:
                        catalogue.delete_run(engine, run_id)  # nothing was run: not a run (an event says so)
                        handed = True
                        raise InputsUnchanged(current)
                handed = True
                return _with_retries(config, job, checked, sched.retries, cancel, held, run_id)
            except BaseException as exc:
                if not handed:
                    catalogue.finish_run(engine, run_id, status="failed", error=f"{type(exc).__name__}: {exc}")
                raise
    except sa_exc.SQLAlchemyError as exc:  # the catalogue itself (lock, run rows) is unreachable
        raise RunFailed(f"{catalogue_problem(config.catalogue, exc)}. Nothing was run or published.") from exc
    finally:
        if alert and config.alerts is not None:
            from etl import alerts

            alerts.check_and_send(config)


def catalogue_problem(url: str, exc: BaseException) -> str:
    """One line on why the catalogue database cannot be used, naming it (no password) and, for a full disk,
    the folder whose disk is full."""
    parsed = make_url(url)
    line = f"the catalogue database {parsed.render_as_string(hide_password=True)} cannot be used: " \
           f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
    text = str(exc).lower()
    if "disk is full" in text or "no space left" in text or "disk i/o error" in text:
        folder = Path(parsed.database).resolve().parent if parsed.get_backend_name() == "sqlite" and \
            parsed.database else None
        where = f" ({folder}: {shutil.disk_usage(folder).free:,} bytes free)" if folder and folder.is_dir() else ""
        line += f"; the disk holding the catalogue is full or failing{where}: free space there"
    return line


def _with_retries(config: Config, job: str | None, progress: Progress, retries: RetryConfig,
                  cancel: threading.Event, held: locks.Held | None = None,
                  first_run_id: int | None = None) -> RunResult:
    """The attempts; the first one fills the row ``first_run_id``, each later one records a row of its own."""
    delays = backoff_delays(retries)
    for attempt in range(1, retries.attempts + 1):
        try:
            return pipeline_run(config, job=job, progress=progress, lock=held,
                                run_id=first_run_id if attempt == 1 else None)
        except Exception as exc:
            transient = is_transient(exc)
            if attempt == retries.attempts or not transient:
                log.error("job=%s attempt=%d/%d state=failed error=%s", job or "manual", attempt,
                          retries.attempts, exc)
                if isinstance(exc, OpenMeasureError):
                    raise
                tries = f" after {attempt} attempts" if transient else ""
                raise RunFailed(f"the run of {job or 'all indicators'} failed{tries}: {type(exc).__name__}: "
                                f"{exc}. Nothing was published; the current release is unchanged.") from exc
            delay = delays[attempt - 1]
            log.warning("job=%s attempt=%d/%d state=retrying in_seconds=%.1f error=%s", job or "manual",
                        attempt, retries.attempts, delay, exc)
            if cancel.wait(delay):
                raise RunAbandoned(f"run of {job or 'manual'} abandoned at shutdown while waiting to retry "
                                   f"after: {exc}") from exc
    raise AssertionError("unreachable: the loop returns or raises")
