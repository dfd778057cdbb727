"""The run lock on SQLite (expiring row with heartbeat) and on a real PostgreSQL (advisory lock)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, insert, text

from core import catalogue
from etl import locks


@pytest.fixture
def sqlite(tmp_path):
    return catalogue.connect(f"sqlite:///{tmp_path / 'catalog.db'}")


def test_sqlite_lock_is_exclusive_and_names_its_holder(sqlite):
    with locks.hold(sqlite, "store"):
        with pytest.raises(locks.LockBusy, match=rf"another run holds the lock 'store' \(held by .*:{os.getpid()}:"):
            with locks.hold(sqlite, "store"):
                pass
        with locks.hold(sqlite, "other store"):  # a different name is a different lock
            pass
    with locks.hold(sqlite, "store"):  # released on exit
        pass


def test_sqlite_lock_of_a_crashed_holder_is_taken_over_after_it_expires(sqlite):
    now = catalogue.now()
    with sqlite.begin() as con:  # what a holder killed with -9 leaves behind
        con.execute(insert(catalogue.locks).values(name="store", holder="gone:1:x", acquired_at=now,
                                                   expires_at=now - timedelta(seconds=1)))
    with locks.hold(sqlite, "store"):
        with sqlite.connect() as con:
            holder = con.execute(text("SELECT holder FROM locks WHERE name = 'store'")).scalar_one()
        assert holder != "gone:1:x"


def _leave_row(engine, holder: str) -> None:
    now = catalogue.now()
    with engine.begin() as con:  # an unexpired row, as a holder leaves it
        con.execute(insert(catalogue.locks).values(name="store", holder=holder, acquired_at=now,
                                                   expires_at=now + timedelta(seconds=120)))


def test_sqlite_lock_of_a_dead_process_on_this_host_is_taken_over_at_once(sqlite):
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()  # its pid now names no process
    _leave_row(sqlite, f"{socket.gethostname()}:{child.pid}:x")
    with locks.hold(sqlite, "store"):
        pass


def test_sqlite_lock_of_a_live_process_or_another_host_waits_for_its_lease(sqlite):
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        _leave_row(sqlite, f"{socket.gethostname()}:{child.pid}:x")
        with pytest.raises(locks.LockBusy):
            with locks.hold(sqlite, "store"):
                pass
    finally:
        child.kill()
        child.wait()
    with sqlite.begin() as con:
        con.execute(text("DELETE FROM locks"))
    _leave_row(sqlite, f"another-host-{socket.gethostname()}:1:x")  # a pid here says nothing of it
    with pytest.raises(locks.LockBusy):
        with locks.hold(sqlite, "store"):
            pass


def test_sqlite_lock_heartbeat_keeps_a_long_run_from_expiring(sqlite):
    with locks.hold(sqlite, "store", ttl=2):
        time.sleep(2.5)  # longer than the ttl: only the heartbeat keeps the row alive
        with pytest.raises(locks.LockBusy):
            with locks.hold(sqlite, "store", ttl=2):
                pass


def test_sqlite_lock_waits_for_a_holder_that_finishes(sqlite):
    released = threading.Event()

    def holder():
        with locks.hold(sqlite, "store"):
            time.sleep(1)
        released.set()

    t = threading.Thread(target=holder)
    t.start()
    time.sleep(0.2)
    with locks.hold(sqlite, "store", wait=30, poll=0.1):
        assert released.is_set()
    t.join()


def test_a_trigger_time_is_claimed_once(sqlite):
    assert locks.claim_slot(sqlite, "nightly", "2026-01-01T02:00:00+00:00")
    assert not locks.claim_slot(sqlite, "nightly", "2026-01-01T02:00:00+00:00")
    assert locks.claim_slot(sqlite, "nightly", "2026-01-02T02:00:00+00:00")
    assert locks.claim_slot(sqlite, "monthly", "2026-01-01T02:00:00+00:00")


@pytest.mark.postgres
def test_postgres_advisory_lock_is_exclusive_and_freed_when_the_holder_dies():
    url = os.environ.get("OPENMEASURE_TEST_PG_URL")
    if not url:
        pytest.fail("OPENMEASURE_TEST_PG_URL is not set: source scripts/services.sh")
    engine = catalogue.connect(url)
    name = f"test-store-{os.getpid()}"
    with locks.hold(engine, name):
        with pytest.raises(locks.LockBusy, match="PostgreSQL backend"):
            with locks.hold(engine, name):
                pass
    # a holder whose process dies: its connection ends and the server frees the lock
    other = create_engine(url)
    con = other.connect()
    con.execute(text("SELECT pg_advisory_lock(:k)"), {"k": locks.advisory_key(name)})
    with pytest.raises(locks.LockBusy):
        with locks.hold(engine, name):
            pass
    con.invalidate()  # drop the connection like a crash would
    other.dispose()
    with locks.hold(engine, name, wait=10, poll=0.1):
        pass
