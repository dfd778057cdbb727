"""The catalogue: every run, its per-source and per-indicator row counts, and its data-quality findings.

SQLAlchemy Core, so the same code runs on the default SQLite file and on PostgreSQL by URL.
"""

from __future__ import annotations

import os
import socket
import time
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
from sqlalchemy import (
    Column,
    DateTime,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError

metadata = MetaData()

runs = Table(
    "runs", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("job", String(64), nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True)),
    Column("status", String(16), nullable=False),  # running | succeeded | failed
    Column("release_id", String(40)),
    Column("config_hash", String(64)),
    Column("host", String(255)),
    Column("pid", Integer),
    Column("seconds", Float),
    Column("error", Text),
)

run_stats = Table(
    "run_stats", metadata,
    Column("run_id", Integer, nullable=False, index=True),
    Column("kind", String(16), nullable=False),  # source | indicator
    Column("name", String(64), nullable=False),
    Column("rows_read", Integer),
    Column("rows_quarantined", Integer),
    Column("rows_written", Integer),
    Column("sha256", String(64)),
)

findings = Table(
    "findings", metadata,
    Column("run_id", Integer, nullable=False, index=True),
    Column("rule", String(64), nullable=False),
    Column("severity", String(16), nullable=False),
    Column("source", String(64)),
    Column("file", Text),
    Column("row", Integer),
    Column("column", String(128)),
    Column("measure", String(64)),
    Column("area_code", String(64)),
    Column("period", String(16)),
    Column("message", Text),
)

#: Cells withheld in error that an operator released (``openmeasure disclosure release-cell``, etl/cell_release.py):
#: who, when and why. The next run does not carry them over from ``withheld_in`` (the release then current).
released_cells = Table(
    "released_cells", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("indicator", String(64), nullable=False),
    Column("area_code", String(64), nullable=False),
    Column("period", String(16), nullable=False),
    Column("breakdown", String(255), nullable=False),
    Column("withheld_in", String(64), nullable=False, index=True),
    Column("first_withheld_in", String(64)),
    Column("released_by", String(255), nullable=False),
    Column("reason", Text, nullable=False),
    Column("released_at", DateTime(timezone=True), nullable=False),
)

#: Cross-process locks on SQLite (PostgreSQL uses advisory locks instead); see etl/locks.py.
locks = Table(
    "locks", metadata,
    Column("name", String(255), primary_key=True),
    Column("holder", String(255), nullable=False),  # host:pid:token
    Column("acquired_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
)

#: One row per trigger time a scheduler claimed, so a second scheduler never runs the same trigger again.
job_slots = Table(
    "job_slots", metadata,
    Column("job", String(64), primary_key=True),
    Column("slot", String(40), primary_key=True),  # ISO 8601 fire time, UTC
    Column("claimed_at", DateTime(timezone=True), nullable=False),
    Column("holder", String(255)),
)

#: Things the scheduler reports: a job removed or renamed in config, a start, a shutdown.
scheduler_events = Table(
    "scheduler_events", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("job", String(255)),
    Column("message", Text),
)

#: Alerts already delivered: one row per event key and channel, so an event is announced once.
alerts_sent = Table(
    "alerts_sent", metadata,
    Column("key", String(255), primary_key=True),
    Column("channel", String(16), primary_key=True),  # email | webhook
    Column("kind", String(32), nullable=False),
    Column("sent_at", DateTime(timezone=True), nullable=False),
    Column("message", Text),
)

_engines: dict[str, Engine] = {}


def connect(url: str) -> Engine:
    """One engine per URL per process; creates the tables (and the SQLite folder) when missing."""
    if url not in _engines:
        if url.startswith("sqlite:///"):
            Path(url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
        args = {"connect_args": {"timeout": 30}} if url.startswith("sqlite") else {}
        engine = create_engine(url, future=True, pool_pre_ping=True, **args)
        create_tables(engine)
        _engines[url] = engine
    return _engines[url]


def create_tables(engine: Engine, tables: MetaData = metadata, attempts: int = 5) -> None:
    """Create missing tables (the catalogue's, or those of ``tables``). Two processes starting together
    against a new catalogue can both see a table missing and both create it; the loser's 'already exists'
    is harmless, so look again."""
    for attempt in range(attempts):
        try:
            tables.create_all(engine)
            return
        except (OperationalError, ProgrammingError, IntegrityError) as exc:
            if "already exists" not in str(exc).lower() and "duplicate" not in str(exc).lower():
                raise
            if attempt == attempts - 1:
                raise
            time.sleep(0.05 * (attempt + 1))


def now() -> datetime:
    return datetime.now(UTC)


def start_run(engine: Engine, job: str, config_hash: str) -> int:
    with engine.begin() as con:
        res = con.execute(insert(runs).values(job=job, started_at=now(), status="running",
                                              config_hash=config_hash, host=socket.gethostname(),
                                              pid=os.getpid()))
        return int(res.inserted_primary_key[0])


def delete_run(engine: Engine, run_id: int) -> None:
    """Forget a run row that recorded nothing (a run that found its inputs unchanged and did not run)."""
    with engine.begin() as con:
        con.execute(runs.delete().where(runs.c.id == run_id))


def finish_run(engine: Engine, run_id: int, *, status: str, release_id: str | None = None,
               error: str | None = None, stats: list[dict] | None = None,
               found: pd.DataFrame | None = None) -> None:
    with engine.begin() as con:
        started = con.execute(select(runs.c.started_at).where(runs.c.id == run_id)).scalar_one()
        if started.tzinfo is None:
            started = started.replace(tzinfo=UTC)
        end = now()
        con.execute(update(runs).where(runs.c.id == run_id).values(
            status=status, finished_at=end, release_id=release_id, error=error,
            seconds=(end - started).total_seconds()))
        if stats:
            con.execute(insert(run_stats), [{"run_id": run_id, **s} for s in stats])
        if found is not None and not found.empty:
            rows = found.astype(object).where(found.notna(), None).to_dict("records")
            con.execute(insert(findings), [{"run_id": run_id, **r} for r in rows])


def recent_runs(engine: Engine, limit: int = 20) -> pd.DataFrame:
    with engine.connect() as con:
        return pd.read_sql(select(runs).order_by(runs.c.id.desc()).limit(limit), con)


def run_history(engine: Engine, per_job: int) -> list[dict]:
    """The last ``per_job`` runs of every job in the catalogue, by job and newest first, each with ``rows_read``
    (rows its sources gave) and ``rows_written`` (indicator values it computed), None where it recorded none."""
    rank = func.row_number().over(partition_by=runs.c.job, order_by=runs.c.id.desc()).label("rank")
    ranked = select(runs.c.id, rank).subquery()
    wanted = select(ranked.c.id).where(ranked.c.rank <= per_job)
    totals = (select(run_stats.c.run_id, run_stats.c.kind, func.sum(run_stats.c.rows_read),
                     func.sum(run_stats.c.rows_written))
              .where(run_stats.c.run_id.in_(wanted)).group_by(run_stats.c.run_id, run_stats.c.kind))
    with engine.connect() as con:
        rows = [dict(r) for r in con.execute(select(runs).where(runs.c.id.in_(wanted))
                                             .order_by(runs.c.job, runs.c.id.desc())).mappings()]
        counted = {(run_id, kind): (read, written) for run_id, kind, read, written in con.execute(totals)}
    for r in rows:
        r["rows_read"] = counted.get((r["id"], "source"), (None, None))[0]
        r["rows_written"] = counted.get((r["id"], "indicator"), (None, None))[1]
    return rows


def last_run_findings(engine: Engine) -> tuple[dict | None, pd.DataFrame]:
    with engine.connect() as con:
        last = con.execute(select(runs).where(runs.c.status != "running").order_by(runs.c.id.desc())
                           .limit(1)).mappings().first()
        if last is None:
            return None, pd.DataFrame()
        df = pd.read_sql(select(findings).where(findings.c.run_id == last["id"]), con)
        return dict(last), df


def indicators_computed(engine: Engine, release_id: str) -> set[str]:
    """The indicators that the run which published ``release_id`` computed (not those it carried forward
    from an earlier release)."""
    q = (select(run_stats.c.name).join(runs, runs.c.id == run_stats.c.run_id)
         .where(runs.c.release_id == release_id, runs.c.status == "succeeded", run_stats.c.kind == "indicator"))
    with engine.connect() as con:
        return {r[0] for r in con.execute(q)}


def run_count(engine: Engine, status: str | None = None) -> int:
    q = select(func.count()).select_from(runs)
    if status:
        q = q.where(runs.c.status == status)
    with engine.connect() as con:
        return int(con.execute(q).scalar_one())


def as_utc(value: datetime | None) -> datetime | None:
    """SQLite returns naive datetimes; every time the catalogue stores is UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def record_event(engine: Engine, kind: str, job: str | None, message: str) -> None:
    with engine.begin() as con:
        con.execute(insert(scheduler_events).values(at=now(), kind=kind, job=job, message=message))


def recent_events(engine: Engine, limit: int = 20, kinds: tuple[str, ...] | None = None) -> list[dict]:
    """The newest events, of ``kinds`` only when given (filtered before the limit: hourly events of one kind
    do not push the rare ones out)."""
    q = select(scheduler_events)
    if kinds is not None:
        q = q.where(scheduler_events.c.kind.in_(kinds))
    with engine.connect() as con:
        rows = con.execute(q.order_by(scheduler_events.c.id.desc()).limit(limit))
        return [dict(r) for r in rows.mappings()]


def last_runs_by_job(engine: Engine) -> dict[str, dict]:
    """The latest run of every job (any status)."""
    latest = select(runs.c.job, func.max(runs.c.id).label("id")).group_by(runs.c.job).subquery()
    with engine.connect() as con:
        rows = con.execute(select(runs).join(latest, runs.c.id == latest.c.id)).mappings()
        return {r["job"]: dict(r) for r in rows}


def last_event_by_job(engine: Engine, kind: str) -> dict[str, datetime]:
    """When each job last had a scheduler event of ``kind`` (``unchanged``: a trigger found nothing to do)."""
    q = (select(scheduler_events.c.job, func.max(scheduler_events.c.at))
         .where(scheduler_events.c.kind == kind, scheduler_events.c.job.is_not(None))
         .group_by(scheduler_events.c.job))
    with engine.connect() as con:
        return {job: as_utc(at) for job, at in con.execute(q)}


def last_refreshed(engine: Engine) -> dict[str, datetime]:
    """When each indicator was last computed by a run that published (from run_stats of succeeded runs), with
    at least one row: a run that found no observation for it did not refresh it."""
    q = (select(run_stats.c.name, func.max(runs.c.finished_at))
         .join(runs, runs.c.id == run_stats.c.run_id)
         .where(runs.c.status == "succeeded", run_stats.c.kind == "indicator", run_stats.c.rows_written > 0)
         .group_by(run_stats.c.name))
    with engine.connect() as con:
        return {name: as_utc(at) for name, at in con.execute(q)}


#: Why a run still marked 'running' is failed when the next run (or the scheduler) starts.
ORPHAN = "the process running it ended without finishing (crash, kill or power loss)"


def abandon_running(engine: Engine, before: datetime, published: list[str] = ()) -> list[int]:
    """Mark runs still 'running' that started before ``before`` as failed: their process is gone.

    ``published`` are the release ids in the store. A release no run has recorded, created after an orphan
    run started (and before the next one did), was published by that run, which was killed between
    publishing and recording its success: its row then says so and names the release, instead of claiming
    that nothing was published."""
    with engine.begin() as con:
        orphans = con.execute(select(runs.c.id, runs.c.started_at).where(
            runs.c.status == "running", runs.c.started_at < before).order_by(runs.c.started_at)).all()
        if not orphans:
            return []
        claimed = {r for (r,) in con.execute(select(runs.c.release_id).where(runs.c.release_id.is_not(None)))}
        unclaimed = sorted(r for r in published if r not in claimed)
        starts = [as_utc(at).replace(microsecond=0) for _, at in orphans]
        for k, (run_id, _) in enumerate(orphans):
            lo, hi = starts[k], starts[k + 1] if k + 1 < len(starts) else None
            mine = [r for r in unclaimed if lo <= _release_time(r) and (hi is None or _release_time(r) < hi)]
            if mine:
                values = {"error": f"{ORPHAN}, after publishing release {mine[-1]} (its statistics were not "
                                   "recorded)", "release_id": mine[-1]}
            else:
                values = {"error": f"{ORPHAN}; nothing was published"}
            con.execute(update(runs).where(runs.c.id == run_id).values(status="failed", finished_at=now(),
                                                                      **values))
        return [run_id for run_id, _ in orphans]


def _release_time(release_id: str) -> datetime:
    """The UTC time a release id starts with (``20261128T142344Z-c98f54``)."""
    return datetime.strptime(release_id[:16], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
