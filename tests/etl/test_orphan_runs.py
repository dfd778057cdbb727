"""Runs left 'running' by a process that died are marked failed, saying truly whether they had published."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from core import catalogue


def _run_started(engine, at: datetime) -> int:
    run_id = catalogue.start_run(engine, "nightly", "hash")
    with engine.begin() as con:
        con.execute(update(catalogue.runs).where(catalogue.runs.c.id == run_id).values(started_at=at))
    return run_id


def _row(engine, run_id: int) -> dict:
    with engine.connect() as con:
        return dict(con.execute(select(catalogue.runs).where(catalogue.runs.c.id == run_id)).mappings().one())


def test_an_orphan_run_that_published_says_so_and_one_that_did_not_says_nothing_was(tmp_path):
    engine = catalogue.connect(f"sqlite:///{tmp_path / 'catalog.db'}")
    t0 = datetime(2026, 3, 1, 2, 0, 0, 500_000, tzinfo=UTC)
    done = catalogue.start_run(engine, "nightly", "hash")  # an earlier run that recorded its release
    catalogue.finish_run(engine, done, status="succeeded", release_id="20260301T010000Z-aaaaaa")
    killed_after_publish = _run_started(engine, t0)
    killed_before = _run_started(engine, t0 + timedelta(hours=1))
    store = ["20260301T010000Z-aaaaaa",  # claimed by the earlier run
             "20260301T020000Z-bbbbbb"]  # same second as the first orphan's start, which had microseconds
    ids = catalogue.abandon_running(engine, t0 + timedelta(hours=2), store)
    assert ids == [killed_after_publish, killed_before]
    first, second = _row(engine, killed_after_publish), _row(engine, killed_before)
    assert first["status"] == "failed" and first["release_id"] == "20260301T020000Z-bbbbbb"
    assert "after publishing release 20260301T020000Z-bbbbbb" in first["error"]
    assert second["release_id"] is None and second["error"].endswith("nothing was published")
    assert catalogue.abandon_running(engine, t0 + timedelta(hours=3), store) == []  # done once
