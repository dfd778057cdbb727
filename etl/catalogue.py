"""The catalogue: every run, its per-source and per-indicator row counts, and its data-quality findings.

SQLAlchemy Core, so the same code runs on the default SQLite file and on PostgreSQL by URL.
"""

from __future__ import annotations

import os
import socket
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

_engines: dict[str, Engine] = {}


def connect(url: str) -> Engine:
    """One engine per URL per process; creates the tables (and the SQLite folder) when missing."""
    if url not in _engines:
        if url.startswith("sqlite:///"):
            Path(url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, future=True, pool_pre_ping=True)
        metadata.create_all(engine)
        _engines[url] = engine
    return _engines[url]


def now() -> datetime:
    return datetime.now(UTC)


def start_run(engine: Engine, job: str, config_hash: str) -> int:
    with engine.begin() as con:
        res = con.execute(insert(runs).values(job=job, started_at=now(), status="running",
                                              config_hash=config_hash, host=socket.gethostname(),
                                              pid=os.getpid()))
        return int(res.inserted_primary_key[0])


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


def last_run_findings(engine: Engine) -> tuple[dict | None, pd.DataFrame]:
    with engine.connect() as con:
        last = con.execute(select(runs).where(runs.c.status != "running").order_by(runs.c.id.desc())
                           .limit(1)).mappings().first()
        if last is None:
            return None, pd.DataFrame()
        df = pd.read_sql(select(findings).where(findings.c.run_id == last["id"]), con)
        return dict(last), df


def run_count(engine: Engine, status: str | None = None) -> int:
    q = select(func.count()).select_from(runs)
    if status:
        q = q.where(runs.c.status == status)
    with engine.connect() as con:
        return int(con.execute(q).scalar_one())
