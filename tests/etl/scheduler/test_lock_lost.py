"""Exactly once, even when the catalogue's database drops: a run that loses the store lock never publishes,
and no second run publishes while the first still holds (or believes it holds) it."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import delete, insert

from core import catalogue
from core.store import ReleaseStore
from etl import locks
from tests.etl.scheduler.conftest import first_release, openmeasure, runs, start, tiny_config, wait_for

pytestmark = pytest.mark.slow  # more than a few seconds: left out of the fast lane (README)


def test_a_postgresql_restart_mid_run_never_gives_two_publishing_runs(tmp_path, restartable_pg):
    config = tiny_config(tmp_path, extra={"catalogue": restartable_pg["url"]})
    store = ReleaseStore(tmp_path / "store")
    release = first_release(config)
    marker, go = tmp_path / "writing", tmp_path / "go"
    first = start("--pause-in-write", str(marker), "--resume-on", str(go), "--", "etl", "run", "--config",
                  str(config), log=tmp_path / "first.log", module="tests.etl.scheduler.harness")
    try:
        wait_for(marker.exists, what="the first run to be writing its release")
        restartable_pg["stop"]()  # the first run's session, and its advisory lock, end here
        restartable_pg["start"]()

        # a second run on this host: the store's file lock still says the first is running
        second = openmeasure("etl", "run", "--config", str(config))
        assert second.returncode == 2, second.stderr
        assert "another run holds the lock" in " ".join(second.stderr.split())
        assert store.current_id() == release

        # a second run from another host (it does not share the flock): PostgreSQL lets it take the lock
        other = openmeasure("--lock-file", ".other-host.lock", "--", "etl", "run", "--config", str(config),
                            module="tests.etl.scheduler.harness")
        assert other.returncode == 0, other.stderr
        published = store.current_id()
        assert published != release

        go.write_text("")
        assert first.wait(timeout=120) == 2
    finally:
        if first.poll() is None:
            first.kill()
            first.wait(timeout=30)
    said = " ".join((tmp_path / "first.log").read_text().split())
    assert "lost the lock" in said and "nothing was published by it" in said, said
    assert "Traceback" not in said and "Nothing was run or published" not in said
    assert store.current_id() == published, "the run that lost its lock did not publish"
    assert not [d for d in store.releases.iterdir() if d.name.startswith(".tmp-")]
    rows = runs(config)
    assert [r["release_id"] for r in rows if r["status"] == "succeeded"] == [release, published]
    lost = [r for r in rows if r["status"] == "failed"]
    assert len(lost) == 1 and "lost the lock" in lost[0]["error"] and lost[0]["release_id"] is None


def test_a_run_whose_lease_was_taken_over_stops_before_publishing(tmp_path):
    """SQLite: the run's lease row is taken by another holder while it writes (a stall past the lease);
    the confirmation right before CURRENT is replaced refuses, and nothing is published."""
    from core.config import load_config
    from etl.runner import lock_name, run_guarded

    config = load_config(tiny_config(tmp_path))
    release = first_release(tmp_path / "config.yaml")
    engine = catalogue.connect(config.catalogue)
    name = lock_name(config)

    def progress(message: str) -> None:
        if message.startswith("writing release"):
            with engine.begin() as con:  # another process takes the row over
                con.execute(delete(catalogue.locks).where(catalogue.locks.c.name == name))
                con.execute(insert(catalogue.locks).values(name=name, holder="elsewhere:1:ab",
                                                           acquired_at=catalogue.now(), expires_at=catalogue.now()))

    with pytest.raises(locks.LockLost, match="lease ran out and elsewhere:1:ab"):
        run_guarded(config, progress=progress, alert=False)
    store = ReleaseStore(config.store)
    assert store.current_id() == release
    assert [r["id"] for r in store.list()] == [release]
    assert not [d for d in store.releases.iterdir() if d.name.startswith(".tmp-")]
    last = runs(tmp_path / "config.yaml")[-1]
    assert last["status"] == "failed" and "nothing was published by it" in last["error"]


def test_a_lock_that_cannot_be_confirmed_is_lost_and_the_heartbeat_notices(tmp_path):
    engine = catalogue.connect(f"sqlite:///{tmp_path / 'catalog.db'}")
    with locks.hold(engine, "store", ttl=0.3) as held:
        held.confirm()
        with engine.begin() as con:
            con.execute(delete(catalogue.locks))
        wait_for(held.lost.is_set, what="the heartbeat to notice the lost lock", timeout=5)
        with pytest.raises(locks.LockLost):
            held.raise_if_lost()
        with pytest.raises(locks.LockLost):
            held.confirm()


def test_the_file_lock_keeps_a_second_holder_out_while_the_database_lock_is_free(tmp_path):
    engine = catalogue.connect(f"sqlite:///{tmp_path / 'catalog.db'}")
    busy = threading.Event()
    with locks.hold(engine, "store-a", local=tmp_path / ".run.lock"):
        try:
            with locks.hold(engine, "store-b", local=tmp_path / ".run.lock"):
                pass
        except locks.LockBusy as exc:
            busy.set()
            assert ".run.lock" in str(exc)
    assert busy.is_set()
    with locks.hold(engine, "store-b", local=tmp_path / ".run.lock"):
        pass  # free again once the first is released
