"""The small engine interface the computation runs on: register a table, run a query, write Parquet.

The SQL text in ``indicators/sql`` is written in a subset that DuckDB and Spark SQL both run, so a Spark
engine with these four methods can run the same computation on a cluster. DuckDB is the one engine here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq


class Engine(Protocol):
    def register(self, name: str, table: pa.Table | pd.DataFrame) -> None: ...

    def register_parquet(self, name: str, path: Path) -> None: ...

    def materialize(self, name: str, sql: str) -> None: ...

    def query(self, sql: str) -> pa.Table: ...

    def stream(self, sql: str) -> pa.RecordBatchReader: ...

    def write_parquet(self, sql: str, path: Path, row_group_size: int = 100_000,
                      split_on: str | None = None) -> int: ...

    def close(self) -> None: ...


class DuckDBEngine:
    """DuckDB in-process, with a memory limit (spilling to ``temp_directory`` beyond it)."""

    def __init__(self, memory_limit: str = "4GB", threads: int = 2, temp_directory: str | None = None):
        self.con = duckdb.connect(":memory:")
        self.con.execute(f"SET memory_limit = '{_checked_size(memory_limit)}'")
        self.con.execute(f"SET threads = {int(threads)}")
        self.con.execute("SET preserve_insertion_order = false")
        self.con.execute("SET enable_progress_bar = false")
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

    def stream(self, sql: str, batch_size: int = 1 << 16) -> pa.RecordBatchReader:
        return self.con.sql(sql).to_arrow_reader(batch_size)

    def write_parquet(self, sql: str, path: Path, row_group_size: int = 100_000,
                      split_on: str | None = None) -> int:
        """Stream the result of ``sql`` into a Parquet file, in row groups of at most ``row_group_size``
        rows that never span two values of ``split_on`` (so a reader of one indicator touches only its
        row groups). Memory stays at a few batches whatever the size. Returns the number of rows."""
        reader = self.con.sql(sql).to_arrow_reader(min(row_group_size, 1 << 16))
        rows = 0
        with pq.ParquetWriter(path, reader.schema, compression="zstd") as writer:
            pending: list[pa.RecordBatch] = []
            size = 0
            current = None

            def flush() -> None:
                nonlocal pending, size
                if pending:
                    writer.write_table(pa.Table.from_batches(pending), row_group_size=row_group_size)
                pending, size = [], 0

            for batch in reader:
                rows += batch.num_rows
                for part in _split(batch, split_on):
                    key = part.column(split_on)[0].as_py() if split_on else None
                    if key != current or size + part.num_rows > row_group_size:
                        flush()
                        current = key
                    pending.append(part)
                    size += part.num_rows
            flush()
        return rows

    def close(self) -> None:
        self.con.close()


def _split(batch: pa.RecordBatch, column: str | None) -> list[pa.RecordBatch]:
    """Cut a batch where the value of ``column`` changes (the input is sorted by it)."""
    if column is None or batch.num_rows == 0:
        return [batch]
    values = batch.column(column).to_numpy(zero_copy_only=False)
    cuts = [0, *(np.flatnonzero(values[1:] != values[:-1]) + 1).tolist(), batch.num_rows]
    return [batch.slice(a, b - a) for a, b in zip(cuts[:-1], cuts[1:], strict=True)]


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
