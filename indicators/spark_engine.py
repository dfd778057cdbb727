"""The :class:`~indicators.engine.Engine` on Apache Spark: the same SQL files as DuckDB, run by Spark SQL on any
master (``local[2]``, ``spark://host:7077``, ``yarn``, ``k8s://...``); ``engine: {kind: spark}`` in config.

pyspark (and the JVM it starts) is imported here only, and this module only when a Spark engine is made
(:func:`indicators.engine.make_engine`): the DuckDB path and the web app never load it.

- ``register``: the table is written as Parquet into the engine's work folder and read by Spark from there
  (exact types, nullable integers included, and no row-by-row transfer). On a cluster the work folder must be
  on storage every executor reads (``work_dir``).
- ``materialize``: the query is computed at once and written as Parquet into the work folder, and later steps
  read those files, as DuckDB reads a table made by ``CREATE TABLE AS``; the table it replaces is deleted.
  Not ``persist()``: Spark 4.x does not find a persisted result whose plan has a ``WITH`` (values.sql,
  cells.sql) when the query reading it has a ``WITH`` of its own (compare.sql, disclosure.sql), and recomputed
  the whole chain (cells, roll-up, values) at every reference, about 60 times per chunk of compare.sql. A file
  scan is a plan no later query can re-plan, and a lost executor loses nothing (the files are on shared
  storage, as ``register``'s are).
- ``query``: a small result (periods, breakdowns, the cells disclosure control looks at) comes back to the driver
  as Arrow, collected whole.
- ``stream``: a large result (the published rows of a chunk of indicators) is written as Parquet by the
  executors into the work folder and read back by the driver a batch at a time, so neither the driver's JVM
  nor Python holds more than a batch of it while it is read (collecting 1 M rows of 45 columns as Arrow ran
  the driver's JVM out of heap at 4 M observations). The files go once the stream is read.

Each engine is a session of its own (``SparkSession.newSession``): its temporary views and SQL settings are
its own, the JVM and its executors are shared with any other session of the process.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from indicators.engine import _checked_name

#: Settings the engine sets unless ``conf`` says otherwise. Few shuffle partitions: the computation's tables
#: are a chunk of indicators at a time, and Spark's 200 would make 200 tiny tasks of every join.
DEFAULT_CONF = {
    "spark.sql.shuffle.partitions": "8",
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    # written by materialize() and stream(): timestamps as Parquet's own type, read back by pyarrow as they were
    "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
    # The driver's JVM heap (Spark's default is 1 GB). With a local master it is also the only executor, whose
    # joins and windows over a chunk of indicators use it (spilling to disk beyond it); as DuckDB's default
    # memory_limit. Only read when the JVM starts (the first session of the process).
    "spark.driver.memory": "4g",
}


def spark_session(master: str = "local[2]", conf: dict | None = None, app_name: str = "openmeasure"):
    """The process's SparkSession (made on first use, with ``DEFAULT_CONF`` and ``conf``)."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:  # the optional extra
        raise RuntimeError("engine.kind is spark, but pyspark is not installed: pip install 'openmeasure[spark]' "
                           "(and a Java 17 runtime)") from exc
    builder = SparkSession.builder.master(master).appName(app_name)
    for key, value in {**DEFAULT_CONF, **{k: _conf_text(v) for k, v in (conf or {}).items()}}.items():
        builder = builder.config(key, value)
    return builder.getOrCreate()


def _conf_text(value: object) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


class SparkEngine:
    """Spark SQL on the session of ``master`` (see the module's docstring). ``session``: an existing
    SparkSession to run on; the engine leaves it running on :meth:`close`, as it does the process's active one
    (whose static settings, such as the master, then stay as they were)."""

    def __init__(self, master: str = "local[2]", conf: dict | None = None, work_dir: str | None = None,
                 session=None):
        if session is None:
            from pyspark.sql import SparkSession

            # one the process already runs (tests share one) is left running on close; one made here stops
            self._own = SparkSession.getActiveSession() is None
            session = spark_session(master, conf)
        else:
            self._own = False
        base = session
        self.spark = base.newSession()  # temporary views of our own
        for key, value in (conf or {}).items():
            if key.startswith("spark.sql."):  # the runtime ones apply to this session too
                self.spark.conf.set(key, _conf_text(value))
        if work_dir:
            Path(work_dir).mkdir(parents=True, exist_ok=True)
        self._dir = Path(tempfile.mkdtemp(prefix="openmeasure-spark-", dir=work_dir))
        self._files: dict[str, Path] = {}
        self._n = 0

    def register(self, name: str, table: pa.Table | pd.DataFrame) -> None:
        _checked_name(name)
        if isinstance(table, pd.DataFrame):
            table = pa.Table.from_pandas(table, preserve_index=False)
        table = _parquet_ready(table)
        self._n += 1
        path = self._dir / f"{name}-{self._n}.parquet"
        pq.write_table(table, path)
        frame = self.spark.read.parquet(str(path))
        self._release(name)
        frame.createOrReplaceTempView(name)
        self._files[name] = path

    def read_file(self, name: str, path: str | list[str], fmt: str, *, delimiter: str = ",",
                  encoding: str = "utf-8") -> list[str]:
        """Read by the executors where it is (on a cluster, ``path`` must be on storage they all read)."""
        _checked_name(name)
        paths = [path] if isinstance(path, str) else list(path)
        if fmt == "parquet":
            frame = self.spark.read.parquet(*paths)
        elif fmt == "csv":  # every column as text (no schema inference), as the ETL's own reader takes them; a
            # row with too few or too many fields fails the read (FAILFAST), as it fails pandas and DuckDB,
            # rather than be padded with nulls; a quoted field may hold a line break (multiLine)
            frame = self.spark.read.csv(paths, header=True, sep=delimiter, encoding=encoding, quote='"',
                                        escape='"', inferSchema=False, mode="FAILFAST", multiLine=True)
        else:
            raise ValueError(f"the engine reads Parquet and CSV files, not {fmt!r}")
        names = list(frame.columns)
        self._release(name)
        frame.toDF(*(f"c{i}" for i in range(len(names)))).createOrReplaceTempView(name)
        return names

    def view(self, name: str, sql: str) -> None:
        """A view reads the files of the tables it names as they are now: materialising one of them again
        later deletes those files, so make the view again after that (DuckDB would re-read the new table)."""
        _checked_name(name)
        frame = self.spark.sql(sql)
        self._release(name)
        frame.createOrReplaceTempView(name)

    def materialize(self, name: str, sql: str) -> None:
        _checked_name(name)
        self._describe(f"materialize {name}")
        self._n += 1
        path = self._dir / f"{name}-{self._n}"
        try:
            self.spark.sql(sql).write.parquet(str(path))  # computed now, as DuckDB's CREATE TABLE AS is
        except BaseException:
            shutil.rmtree(path, ignore_errors=True)  # a failed step leaves the table it was to replace as it was
            raise
        frame = self.spark.read.parquet(str(path))
        self._release(name)  # after: the query may read the table it replaces
        frame.createOrReplaceTempView(name)
        self._files[name] = path

    def forget(self, name: str) -> None:
        _checked_name(name)
        self._release(name)
        self.spark.catalog.dropTempView(name)

    def query(self, sql: str) -> pa.Table:
        self._describe(f"query {_label(sql)}")
        frame = self.spark.sql(sql)
        return pa.Table.from_batches(_arrow_batches(frame), schema=_arrow_schema(frame))

    def stream(self, sql: str) -> pa.RecordBatchReader:
        """The result as Arrow batches, read from the Parquet files the executors write into the work folder
        (see the module's docstring); the files are deleted once the batches are read or the reader closed."""
        self._describe(f"stream {_label(sql)}")
        frame = self.spark.sql(sql)
        schema = _arrow_schema(frame)
        self._n += 1
        folder = self._dir / f"result-{self._n}"
        frame.write.parquet(str(folder))
        return pa.RecordBatchReader.from_batches(schema, _read_batches(folder, schema))

    def close(self) -> None:
        for name in list(self._files):
            self.forget(name)
        shutil.rmtree(self._dir, ignore_errors=True)
        if self._own:
            self.spark.stop()

    def _describe(self, what: str) -> None:
        """Name the Spark jobs that follow (the UI, the event log and bench/engines.py show it per step)."""
        self.spark.sparkContext.setJobDescription(what)

    def _release(self, name: str) -> None:
        path = self._files.pop(name, None)
        if path is not None and path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        elif path is not None:
            path.unlink(missing_ok=True)


def _label(sql: str) -> str:
    """A short name of a query for Spark's job descriptions: the first line of its SQL file (which says what
    the query is for), or its first words."""
    first = next((line.strip(" -") for line in sql.splitlines() if line.strip()), "")
    return first[:60]


def _parquet_ready(table: pa.Table) -> pa.Table:
    """Columns with no type (all null, from pandas) as text: Spark reads no Parquet column of unknown type."""
    fields = [f.with_type(pa.string()) if pa.types.is_null(f.type) else f for f in table.schema]
    return table.cast(pa.schema(fields, metadata=table.schema.metadata)) if fields != list(table.schema) else table


def _arrow_schema(frame) -> pa.Schema:
    """The result's Arrow schema, every column nullable as DuckDB's are (Spark marks the columns it proves
    never null, and the release's schema must not depend on the engine)."""
    from pyspark.sql.pandas.types import to_arrow_schema

    return pa.schema([f.with_nullable(True) for f in to_arrow_schema(frame.schema)])


def _read_batches(folder: Path, schema: pa.Schema):
    """The batches of the Parquet files Spark wrote in ``folder`` (its ``_SUCCESS`` and ``.crc`` files are
    not data), as ``schema``; ``folder`` is deleted at the end, or when the reader is closed before."""
    import pyarrow.dataset as ds

    try:
        files = sorted(str(f) for f in folder.glob("part-*") if f.name.endswith(".parquet"))
        for batch in ds.dataset(files, format="parquet").to_batches(columns=schema.names) if files else ():
            yield batch.cast(schema) if batch.schema != schema else batch
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _arrow_batches(frame) -> list[pa.RecordBatch]:
    schema = _arrow_schema(frame)
    if hasattr(frame, "toArrow"):  # Spark 4
        return frame.toArrow().cast(schema).to_batches()
    return [b.cast(schema) if b.schema != schema else b for b in frame._collect_as_arrow()]
