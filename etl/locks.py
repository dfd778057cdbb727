"""Cross-process locks in the catalogue database, so two processes never run the same work at once.

- PostgreSQL: a session-level advisory lock (``pg_try_advisory_lock``) held on a dedicated connection. The
  server releases it when the connection ends, so a holder that crashes (even ``kill -9``) frees it at once.
- SQLite: a row in the ``locks`` table with an expiry time. The holder renews the expiry from a heartbeat
  thread; a holder that crashed stops renewing and its row is taken over once it has expired, or at once
  when the holder ran on this host and its process is gone (a ``kill -9`` does not block the next run for
  the rest of the lease).

    with hold(engine, "release-store:/srv/store", ttl=120, wait=0, local=store / ".run.lock") as held:
        ...  # only one process at a time gets here
        held.confirm()  # raises LockLost unless the lock is still ours, checked on a live connection

A lock can be lost while it is held: the PostgreSQL server restarts (the session and its advisory lock end),
or a SQLite holder stalls past its lease and another process takes the row over. The heartbeat checks the
lock every ``ttl / 3`` seconds and sets ``held.lost`` when it is gone or cannot be confirmed; the holder
checks ``held.lost`` between steps and calls ``held.confirm()`` right before it does what the lock guards
(publishing), so a run that lost its lock stops instead of publishing beside another run.

``local`` adds an ``flock`` on a file (the release store's ``.run.lock``), taken before the database lock
and held as long: it does not depend on the catalogue's connection, so a second run on the same host cannot
start while the first still runs, even when the database forgot the first's lock (a restart).

``LockBusy`` (an :class:`~core.errors.OpenMeasureError`) says who holds the lock and since when;
``LockLost`` that a held lock is gone.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

from sqlalchemy import delete, insert, select, text, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from core import catalogue
from core.errors import OpenMeasureError

log = logging.getLogger(__name__)


class LockBusy(OpenMeasureError):
    """Another process holds the lock."""

    def __init__(self, name: str, holder: str | None):
        self.name, self.holder = name, holder
        who = f" (held by {holder})" if holder else ""
        super().__init__(f"another run holds the lock {name!r}{who}; it was not started twice. "
                         "Wait for it to finish (see 'openmeasure status').")


class LockLost(OpenMeasureError):
    """The lock was held, and is no longer (or can no longer be confirmed)."""

    def __init__(self, name: str, why: str):
        self.name, self.why = name, why
        super().__init__(f"this run lost the lock {name!r} ({why}): another run may hold it now, so this run "
                         "stopped before publishing; nothing was published by it")


def holder_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


def _dead_here(holder: str) -> bool:
    """Whether ``holder`` (from :func:`holder_id`) ran on this host and its process no longer exists."""
    host, _, rest = holder.partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit() or int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except OSError:  # exists, owned by another user
        return False
    return False


def advisory_key(name: str) -> int:
    """A stable signed 64-bit key for pg_try_advisory_lock."""
    return int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:8], "big", signed=True)


class _PostgresLock:
    def __init__(self, engine: Engine, name: str):
        self.engine, self.name, self.key = engine, name, advisory_key(name)
        self.con: Connection | None = None

    def try_acquire(self) -> bool:
        con = self.engine.connect()
        got = bool(con.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": self.key}).scalar())
        con.commit()
        if got:
            self.con = con
        else:
            con.close()
        return got

    def holder(self) -> str | None:
        with self.engine.connect() as con:
            row = con.execute(text(
                "SELECT a.pid, a.client_addr, a.backend_start FROM pg_locks l JOIN pg_stat_activity a "
                "ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted AND "
                "l.classid::bigint = :hi AND l.objid::bigint = :lo"),
                {"hi": (self.key >> 32) & 0xFFFFFFFF, "lo": self.key & 0xFFFFFFFF}).first()
        return f"PostgreSQL backend {row[0]} since {row[2]:%Y-%m-%d %H:%M:%S}" if row else None

    def heartbeat(self, strict: bool = False) -> str | None:
        """Why the lock is no longer ours, or None: asked on the connection that holds it (a server restart
        ends that session, and with it the lock, so an error means lost whether ``strict`` or not)."""
        if self.con is None:
            return "its connection was closed"
        try:
            held = self.con.execute(text(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid = pg_backend_pid() "
                "AND classid::bigint = :hi AND objid::bigint = :lo"),
                {"hi": (self.key >> 32) & 0xFFFFFFFF, "lo": self.key & 0xFFFFFFFF}).scalar()
            self.con.commit()
        except Exception as exc:  # noqa: BLE001 - a dead connection, whatever the driver calls it
            return f"its PostgreSQL session cannot be reached: {type(exc).__name__}: {str(exc).splitlines()[0]}"
        return None if held else "PostgreSQL no longer has it (the server restarted, or the session was ended)"

    def release(self) -> None:
        if self.con is not None:
            try:
                self.con.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self.key})
                self.con.commit()
            except Exception as exc:  # noqa: BLE001 - a dead session holds no lock: nothing to release
                log.warning("lock=%s state=release_failed error=%s", self.name, str(exc).splitlines()[0])
            finally:
                try:
                    self.con.close()
                except Exception:  # noqa: BLE001
                    pass
                self.con = None


class _TableLock:
    def __init__(self, engine: Engine, name: str, ttl: float):
        self.engine, self.name, self.ttl = engine, name, ttl
        self.me = holder_id()
        self.renewed = time.monotonic()

    def try_acquire(self) -> bool:
        t = catalogue.locks
        now = catalogue.now()
        # no SAVEPOINT here: SQLite rolls back the whole transaction on a full disk, and rolling back to the
        # savepoint then fails with "no such savepoint", which would hide the disk from the message
        try:
            with self.engine.begin() as con:
                con.execute(delete(t).where(t.c.name == self.name, t.c.expires_at < now))
                held = con.execute(select(t.c.holder).where(t.c.name == self.name)).scalar()
                if held is not None:
                    if not _dead_here(held):
                        return False
                    log.warning("lock=%s taken over from %s: its process is gone", self.name, held)
                    con.execute(delete(t).where(t.c.name == self.name, t.c.holder == held))
                con.execute(insert(t).values(name=self.name, holder=self.me, acquired_at=now,
                                             expires_at=now + timedelta(seconds=self.ttl)))
        except IntegrityError:  # another process inserted it between our look and our insert
            return False
        return True

    def holder(self) -> str | None:
        t = catalogue.locks
        with self.engine.connect() as con:
            row = con.execute(select(t.c.holder, t.c.acquired_at, t.c.expires_at)
                              .where(t.c.name == self.name)).first()
        if row is None:
            return None
        return (f"{row[0]} since {catalogue.as_utc(row[1]):%Y-%m-%d %H:%M:%S} UTC, "
                f"expires {catalogue.as_utc(row[2]):%H:%M:%S} UTC unless renewed")

    def heartbeat(self, strict: bool = False) -> str | None:
        """Renew the lease; why the lock is no longer ours (its row is gone or another holder's), or None.
        A failed renewal is retried at the next beat while the lease lasts; ``strict``: it is not confirmed."""
        t = catalogue.locks
        try:
            with self.engine.begin() as con:
                renewed = con.execute(update(t).where(t.c.name == self.name, t.c.holder == self.me)
                                      .values(expires_at=catalogue.now() + timedelta(seconds=self.ttl))).rowcount
        except Exception as exc:  # noqa: BLE001 - SQLite busy, a full disk...: the lease may still hold
            why = f"its lease could not be renewed: {type(exc).__name__}: {str(exc).splitlines()[0]}"
            if strict or time.monotonic() - self.renewed >= self.ttl:
                return why
            log.warning("lock=%s state=heartbeat_failed error=%s", self.name, why)
            return None
        if renewed:
            self.renewed = time.monotonic()
            return None
        return f"its lease ran out and {self.holder() or 'nobody'} holds it now"

    def release(self) -> None:
        t = catalogue.locks
        try:
            with self.engine.begin() as con:
                con.execute(delete(t).where(t.c.name == self.name, t.c.holder == self.me))
        except Exception as exc:  # noqa: BLE001 - the row expires by itself
            log.warning("lock=%s state=release_failed error=%s", self.name, str(exc).splitlines()[0])


class _FileLock:
    """An ``flock`` on a file: held by this open file until it is closed (or the process ends)."""

    def __init__(self, path: Path):
        self.path = path
        self.fh = None

    def try_acquire(self) -> bool:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fh = open(self.path, "a+")  # noqa: SIM115 - closed by release()
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            fh.close()
            return False
        fh.seek(0)
        fh.truncate()
        fh.write(holder_id() + "\n")
        fh.flush()
        self.fh = fh
        return True

    def holder(self) -> str | None:
        try:
            who = self.path.read_text(encoding="utf-8").strip()
        except OSError:
            return None
        return f"{who} (the file lock {self.path})" if who else f"the file lock {self.path}"

    def release(self) -> None:
        if self.fh is not None:
            self.fh.close()  # closing drops the flock
            self.fh = None


class Held:
    """A held lock: ``lost`` is set by the heartbeat when the lock is gone or cannot be confirmed."""

    def __init__(self, lock: _PostgresLock | _TableLock, name: str):
        self._lock, self.name = lock, name
        self.lost = threading.Event()
        self.reason = ""
        self._beat = threading.Lock()

    def check(self, strict: bool = False) -> str | None:
        """Ask the database now; record and return why the lock is lost, or None while it is ours
        (``strict``: a lock the database cannot confirm at this moment counts as lost)."""
        with self._beat:
            if self.lost.is_set():
                return self.reason
            try:
                why = self._lock.heartbeat(strict)
            except Exception as exc:  # noqa: BLE001 - the database cannot say: the lock is not confirmed
                why = f"it cannot be confirmed: {type(exc).__name__}: {str(exc).splitlines()[0]}"
            if why is not None:
                self.reason = why
                self.lost.set()
                log.error("lock=%s state=lost reason=%s", self.name, why)
            return why

    def confirm(self) -> None:
        """Raise :class:`LockLost` unless the lock is ours now (checked on a live connection)."""
        why = self.check(strict=True)
        if why is not None:
            raise LockLost(self.name, why)

    def raise_if_lost(self) -> None:
        """Raise :class:`LockLost` if the heartbeat found the lock gone (no database round trip)."""
        if self.lost.is_set():
            raise LockLost(self.name, self.reason)


def _make(engine: Engine, name: str, ttl: float) -> _PostgresLock | _TableLock:
    if engine.dialect.name == "postgresql":
        return _PostgresLock(engine, name)
    return _TableLock(engine, name, ttl)


@contextmanager
def hold(engine: Engine, name: str, *, ttl: float = 120.0, wait: float = 0.0, poll: float = 0.5,
         cancel: threading.Event | None = None, local: Path | None = None) -> Iterator[Held]:
    """Hold the lock ``name`` (and the file lock ``local``, when given) for the body. Waits up to ``wait``
    seconds (less if ``cancel`` is set, e.g. at shutdown), then raises :class:`LockBusy`. Yields a
    :class:`Held`, whose heartbeat notices a lost lock."""
    lock = _make(engine, name, ttl)
    file_lock = _FileLock(local) if local is not None else None
    deadline = time.monotonic() + wait
    cancel = cancel or threading.Event()
    while True:
        if file_lock is None or file_lock.fh is not None or file_lock.try_acquire():
            if lock.try_acquire():
                break
            busy = lock
        else:
            busy = file_lock
        if time.monotonic() >= deadline or cancel.is_set():
            if file_lock is not None:
                file_lock.release()
            raise LockBusy(name, busy.holder())
        cancel.wait(max(0.01, min(poll, deadline - time.monotonic())))
    log.info("lock=%s state=acquired", name)
    held = Held(lock, name)
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(ttl / 3):
            if held.check() is not None:
                return  # lost for good: the holder stops at its next step or at confirm()

    thread = threading.Thread(target=beat, name=f"lock-heartbeat-{name}", daemon=True)
    thread.start()
    try:
        yield held
    finally:
        stop.set()
        thread.join(timeout=5)
        lock.release()
        if file_lock is not None:
            file_lock.release()
        log.info("lock=%s state=released", name)


def claim_slot(engine: Engine, job: str, slot: str) -> bool:
    """Claim one trigger time of a job. True for the first claimant; False if any process claimed it before."""
    try:
        with engine.begin() as con:
            con.execute(insert(catalogue.job_slots).values(job=job, slot=slot, claimed_at=catalogue.now(),
                                                           holder=holder_id()))
    except IntegrityError:
        return False
    return True
