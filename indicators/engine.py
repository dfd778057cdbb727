"""The small engine interface the computation runs on: register a table, run a query, write Parquet.

The SQL text in ``indicators/sql`` is written in a subset that DuckDB and Spark SQL both run, so a Spark
engine with these four methods can run the same computation on a cluster. DuckDB is the one engine here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import duckdb
import pandas as pd
import pyarrow as pa


class Engine(Protocol):
    def register(self, name: str, table: pa.Table | pd.DataFrame) -> None: ...

    def register_parquet(self, name: str, path: Path) -> None: ...

    def materialize(self, name: str, sql: str) -> None: ...

    def query(self, sql: str) -> pa.Table: ...

    def write_parquet(self, sql: str, path: Path) -> None: ...

    def close(self) -> None: ...


class DuckDBEngine:
    """DuckDB in-process, with a memory limit (spilling to ``temp_directory`` beyond it)."""

    def __init__(self, memory_limit: str = "4GB", threads: int = 2, temp_directory: str | None = None):
        self.con = duckdb.connect(":memory:")
        self.con.execute(f"SET memory_limit = '{_checked_size(memory_limit)}'")
        self.con.execute(f"SET threads = {int(threads)}")
        self.con.execute("SET preserve_insertion_order = false")
        if temp_directory:
            Path(temp_directory).mkdir(parents=True, exist_ok=True)
            self.con.execute(f"SET temp_directory = '{_checked_path(temp_directory)}'")
        self._registered: dict[str, object] = {}

    def register(self, name: str, table: pa.Table | pd.DataFrame) -> None:
        _checked_name(name)
        if name in self._registered:
            self.con.unregister(name)
        self._registered[name] = table  # keep a reference: DuckDB scans it lazily
        self.con.register(name, table)

    def register_parquet(self, name: str, path: Path) -> None:
        _checked_name(name)
        self.con.execute(f"CREATE OR REPLACE VIEW {name} AS SELECT * FROM read_parquet('{_checked_path(str(path))}')")

    def materialize(self, name: str, sql: str) -> None:
        _checked_name(name)
        self.con.execute(f"CREATE OR REPLACE TABLE {name} AS {sql}")

    def query(self, sql: str) -> pa.Table:
        return self.con.sql(sql).to_arrow_table()

    def write_parquet(self, sql: str, path: Path, row_group_size: int = 100_000) -> None:
        self.con.execute(
            f"COPY ({sql}) TO '{_checked_path(str(path))}' "
            f"(FORMAT PARQUET, COMPRESSION ZSTD, ROW_GROUP_SIZE {int(row_group_size)})")

    def close(self) -> None:
        self.con.close()


def _checked_name(name: str) -> str:
    if not name.isidentifier():
        raise ValueError(f"not a table name: {name!r}")
    return name


def _checked_path(path: str) -> str:
    if "'" in path:
        raise ValueError(f"path with a quote cannot be written by the engine: {path!r}")
    return path


def _checked_size(size: str) -> str:
    if not size.replace(".", "").rstrip("KMGTBkmgtib").isdigit():
        raise ValueError(f"not a memory size: {size!r} (e.g. '4GB')")
    return size
