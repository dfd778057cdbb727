"""SQL databases through SQLAlchemy: ``sql: {url, query | table, params, connect_timeout, query_timeout}``.

The query is sent as written with its ``:name`` parameters bound by the driver (never formatted into the SQL
text); a ``table`` is reflected and selected whole. The result is a tidy table mapped with ``columns`` as for
CSV. Timeouts: the connection attempt is bounded by ``connect_timeout`` (PostgreSQL ``connect_timeout``,
SQLite's lock wait, MySQL ``connect_timeout``) and the query by ``query_timeout`` (PostgreSQL
``statement_timeout``; SQLite is interrupted by a progress handler; MySQL ``read_timeout``).
"""

from __future__ import annotations

import logging
import math
import time

import numpy as np
import pandas as pd
from sqlalchemy import MetaData, Table, create_engine, event, inspect, select, text
from sqlalchemy.exc import NoSuchTableError, SQLAlchemyError
from sqlalchemy.pool import NullPool

from core.config_models import SourceConfig
from core.errors import SourceError
from etl.sources.tidy import tidy

log = logging.getLogger(__name__)


def read(source: SourceConfig) -> pd.DataFrame:
    return tidy_result(fetch_frame(source), source)


def tidy_result(frame: pd.DataFrame, source: SourceConfig) -> pd.DataFrame:
    return tidy(frame, source, file=source.where, rows=np.arange(1, len(frame) + 1))


def fetch_frame(source: SourceConfig) -> pd.DataFrame:
    """The query's result as returned by the database (one column per selected column)."""
    cfg = source.sql
    assert cfg is not None
    backend = cfg.url.split(":", 1)[0].split("+", 1)[0]
    engine = create_engine(cfg.url, poolclass=NullPool, connect_args=_connect_args(backend, cfg))
    if backend == "sqlite":
        _sqlite_query_timeout(engine, cfg.query_timeout)
    t = time.perf_counter()
    try:
        with engine.connect() as con:
            if cfg.table is not None:
                try:
                    table = Table(cfg.table, MetaData(), schema=cfg.schema_name, autoload_with=con)
                except NoSuchTableError:
                    tables = inspect(con).get_table_names(schema=cfg.schema_name)
                    listed = ", ".join(map(repr, tables[:20])) + (" and more" if len(tables) > 20 else "")
                    raise SourceError(source.id, f"sql.table: no table {cfg.table!r} in the database"
                                      + (f"; it has {listed}" if tables else ""), file=source.where,
                                      key="sql.table", available=tables) from None
                result = con.execute(select(table))
            else:
                result = con.execute(text(cfg.query), cfg.params)
            frame = pd.DataFrame(result.fetchall(), columns=list(result.keys()))
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
        if "statement timeout" in reason or "interrupted" in reason:
            reason = f"the query took longer than sql.query_timeout = {cfg.query_timeout:g} s ({reason})"
        # the cause stays chained: the scheduler retries a database that is down (OperationalError)
        raise SourceError(source.id, f"SQL failed: {reason}", file=source.where,
                          key="sql.query" if cfg.query is not None else "sql.table") from exc
    finally:
        engine.dispose()
    log.info("step=extract source=%s rows=%d seconds=%.2f", source.id, len(frame), time.perf_counter() - t)
    return frame


def connect_error(source: SourceConfig) -> str | None:
    """Why the source's database cannot be reached, or None when a connection opens (within
    ``sql.connect_timeout``). Nothing is queried. For ``openmeasure config check --deep``, which tells a database
    it cannot reach from one whose table or query is wrong."""
    cfg = source.sql
    assert cfg is not None
    backend = cfg.url.split(":", 1)[0].split("+", 1)[0]
    try:
        engine = create_engine(cfg.url, poolclass=NullPool, connect_args=_connect_args(backend, cfg))
    except (SQLAlchemyError, ImportError, ValueError) as exc:  # an unknown dialect, a driver not installed
        return f"{type(exc).__name__}: {exc}".strip().splitlines()[0]
    try:
        with engine.connect():
            return None
    except SQLAlchemyError as exc:
        return str(getattr(exc, "orig", exc)).strip().splitlines()[0]
    finally:
        engine.dispose()


def _connect_args(backend: str, cfg) -> dict:
    if backend == "postgresql":
        return {"connect_timeout": max(1, math.ceil(cfg.connect_timeout)),
                "options": f"-c statement_timeout={int(cfg.query_timeout * 1000)}"}
    if backend == "sqlite":
        return {"timeout": cfg.connect_timeout}
    if backend in ("mysql", "mariadb"):
        return {"connect_timeout": max(1, math.ceil(cfg.connect_timeout)),
                "read_timeout": max(1, math.ceil(cfg.query_timeout))}
    return {}


def _sqlite_query_timeout(engine, seconds: float) -> None:
    """SQLite has no statement timeout: a progress handler interrupts the statement after ``seconds``."""

    @event.listens_for(engine, "before_cursor_execute")
    def _start(conn, cursor, statement, parameters, context, executemany):
        deadline = time.monotonic() + seconds
        conn.connection.dbapi_connection.set_progress_handler(
            lambda: 1 if time.monotonic() > deadline else 0, 10_000)
