"""Cross-process locks in the catalogue database, so two processes never run the same work at once.

- PostgreSQL: a session-level advisory lock (``pg_try_advisory_lock``) held on a dedicated connection. The
  server releases it when the connection ends, so a holder that crashes (even ``kill -9``) frees it at once.
- SQLite: a row in the ``locks`` table with an expiry time. The holder renews the expiry from a heartbeat
  thread; a holder that crashed stops renewing and its row is taken over once it has expired, or at once
  when the holder ran on this host and its process is gone (a ``kill -9`` does not block the next run for
  the rest of the lease).

    with hold(engine, "release-store:/srv/store", ttl=120, wait=0):
        ...  # only one process at a time gets here

``LockBusy`` (an :class:`~etl.exceptions.OpenMeasureError`) says who holds the lock and since when.
"""

from __future__ import annotations

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

from sqlalchemy import delete, insert, select, text, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from etl import catalogue
from etl.exceptions import OpenMeasureError

log = logging.getLogger(__name__)


class LockBusy(OpenMeasureError):
    """Another process holds the lock."""

    def __init__(self, name: str, holder: str | None):
        self.name, self.holder = name, holder
        who = f" (held by {holder})" if holder else ""
        super().__init__(f"another run holds the lock {name!r}{who}; it was not started twice. "
                         "Wait for it to finish (see 'openmeasure status').")


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

    def heartbeat(self) -> None:
        pass  # the server keeps the lock as long as the connection lives

    def release(self) -> None:
        if self.con is not None:
            try:
                self.con.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self.key})
                self.con.commit()
            finally:
                self.con.close()
                self.con = None


class _TableLock:
    def __init__(self, engine: Engine, name: str, ttl: float):
        self.engine, self.name, self.ttl = engine, name, ttl
        self.me = holder_id()

    def try_acquire(self) -> bool:
        t = catalogue.locks
        now = catalogue.now()
        with self.engine.begin() as con:
            con.execute(delete(t).where(t.c.name == self.name, t.c.expires_at < now))
            held = con.execute(select(t.c.holder).where(t.c.name == self.name)).scalar()
            if held is not None and _dead_here(held):
                log.warning("lock=%s taken over from %s: its process is gone", self.name, held)
                con.execute(delete(t).where(t.c.name == self.name, t.c.holder == held))
            try:
                with con.begin_nested():
                    con.execute(insert(t).values(name=self.name, holder=self.me, acquired_at=now,
                                                 expires_at=now + timedelta(seconds=self.ttl)))
            except IntegrityError:
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

    def heartbeat(self) -> None:
        t = catalogue.locks
        with self.engine.begin() as con:
            con.execute(update(t).where(t.c.name == self.name, t.c.holder == self.me)
                        .values(expires_at=catalogue.now() + timedelta(seconds=self.ttl)))

    def release(self) -> None:
        t = catalogue.locks
        with self.engine.begin() as con:
            con.execute(delete(t).where(t.c.name == self.name, t.c.holder == self.me))


def _make(engine: Engine, name: str, ttl: float) -> _PostgresLock | _TableLock:
    if engine.dialect.name == "postgresql":
        return _PostgresLock(engine, name)
    return _TableLock(engine, name, ttl)


@contextmanager
def hold(engine: Engine, name: str, *, ttl: float = 120.0, wait: float = 0.0, poll: float = 0.5,
         cancel: threading.Event | None = None) -> Iterator[None]:
    """Hold the lock ``name`` for the body. Waits up to ``wait`` seconds (less if ``cancel`` is set, e.g. at
    shutdown), then raises :class:`LockBusy`."""
    lock = _make(engine, name, ttl)
    deadline = time.monotonic() + wait
    cancel = cancel or threading.Event()
    while not lock.try_acquire():
        if time.monotonic() >= deadline or cancel.is_set():
            raise LockBusy(name, lock.holder())
        cancel.wait(max(0.01, min(poll, deadline - time.monotonic())))
    log.info("lock=%s state=acquired", name)
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(ttl / 3):
            try:
                lock.heartbeat()
            except Exception as exc:  # noqa: BLE001 - a missed beat is retried; the lock expires if all fail
                log.warning("lock=%s state=heartbeat_failed error=%s", name, exc)

    thread = threading.Thread(target=beat, name=f"lock-heartbeat-{name}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=5)
        lock.release()
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
