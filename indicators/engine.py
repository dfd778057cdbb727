"""The small engine interface the computation runs on: register a table, materialise a query, run a query,
stream a result, forget a table no longer needed (the release writer turns the stream into Parquet, a chunk of indicators at a time).

The SQL text in ``indicators/sql`` is written in a subset that DuckDB and Spark SQL both run: DuckDB in process
(:class:`DuckDBEngine`) or Spark (:class:`indicators.spark_engine.SparkEngine`, imported only when
``engine.kind`` is ``spark``) run the same computation; :func:`make_engine` makes the configured one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import duckdb
import pandas as pd
import pyarrow as pa


class Engine(Protocol):
    def register(self, name: str, table: pa.Table | pd.DataFrame) -> None: ...

    def materialize(self, name: str, sql: str) -> None: ...

    def forget(self, name: str) -> None: ...

    def query(self, sql: str) -> pa.Table: ...

    def stream(self, sql: str) -> pa.RecordBatchReader: ...

    def read_file(self, name: str, path: str | list[str], fmt: str, *, delimiter: str = ",",
                  encoding: str = "utf-8") -> list[str]:
        """The Parquet or CSV file at ``path`` (or the files of a list, read as one table) as table ``name``, read
        by the engine itself (a source with ``read_by: engine``), its columns named ``c0``, ``c1``... (no name from a file
        reaches the SQL); returns the file's own names in that order. A CSV's columns are all text."""

    def view(self, name: str, sql: str) -> None:
        """``sql`` as table ``name``, computed whenever it is read (not kept). Make it again after materialising
        a table it reads: on Spark it reads the files that table had when the view was made."""

    def close(self) -> None: ...


def make_engine(settings, temp_directory: str | None = None) -> Engine:
    """The engine ``settings`` (config ``engine``) name. ``temp_directory``: DuckDB's spill folder, Spark's
    work folder (tables registered from the driver, every materialised step, each streamed result until it is
    read); on a cluster it must be on storage the executors read."""
    if getattr(settings, "kind", "duckdb") == "spark":
        from indicators.spark_engine import SparkEngine  # pyspark and its JVM only when asked for

        return SparkEngine(settings.master, dict(settings.conf), work_dir=temp_directory)
    return DuckDBEngine(settings.memory_limit, settings.threads, temp_directory=temp_directory)


def engine_error(exc: BaseException) -> bool:
    """Whether ``exc`` is the engine's own (a query that failed), not the writer's or the disk's."""
    return isinstance(exc, duckdb.Error) or type(exc).__module__.split(".")[0] in ("pyspark", "py4j")


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

    def materialize(self, name: str, sql: str) -> None:
        _checked_name(name)
        self.con.execute(f"CREATE OR REPLACE TABLE {name} AS {sql}")

    def forget(self, name: str) -> None:
        """Drop a registered table (and our reference to it, so its memory can go) or a materialised one."""
        _checked_name(name)
        if name in self._registered:
            self.con.unregister(name)
            del self._registered[name]
        else:
            kind = self.con.execute("SELECT table_type FROM information_schema.tables WHERE table_name = ?",
                                    [name]).fetchone()
            self.con.execute(f"DROP {'VIEW' if kind and kind[0] == 'VIEW' else 'TABLE'} IF EXISTS {name}")

    def query(self, sql: str) -> pa.Table:
        return self.con.sql(sql).to_arrow_table()

    def read_file(self, name: str, path: str | list[str], fmt: str, *, delimiter: str = ",",
                  encoding: str = "utf-8") -> list[str]:
        _checked_name(name)
        paths = [path] if isinstance(path, str) else list(path)
        where = "[" + ", ".join(f"'{_checked_path(p)}'" for p in paths) + "]"
        if fmt == "parquet":
            scan = f"read_parquet({where})"
        elif fmt == "csv":
            scan = (f"read_csv({where}, header = true, all_varchar = true, delim = '{_checked_path(delimiter)}', "
                    f"quote = '\"', encoding = '{_checked_path(encoding)}')")
        else:
            raise ValueError(f"the engine reads Parquet and CSV files, not {fmt!r}")
        names = self.con.sql(f"SELECT * FROM {scan} LIMIT 0").columns
        positional = ", ".join(f"c{i}" for i in range(len(names)))
        self.con.execute(f"CREATE OR REPLACE VIEW {name} ({positional}) AS SELECT * FROM {scan}")
        return names

    def view(self, name: str, sql: str) -> None:
        _checked_name(name)
        self.con.execute(f"CREATE OR REPLACE VIEW {name} AS {sql}")

    def stream(self, sql: str, batch_size: int = 1 << 16) -> pa.RecordBatchReader:
        return self.con.sql(sql).to_arrow_reader(batch_size)

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
