"""The Spark engine's wiring, without a JVM: the config that selects it, pyspark kept out of every other path,
and the release comparison that checks a Spark release against a DuckDB one (tests/etl/test_spark_parity.py runs
the computation on Spark); and, on a JVM (slow), what materialising a table on Spark must keep."""

from __future__ import annotations

import subprocess
import sys

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from pydantic import ValidationError

from core.config_models import EngineConfig
from etl.release_parity import differences, table_differences
from indicators.engine import DuckDBEngine, engine_error, make_engine
from tests.conftest import ROOT


def test_engine_kind_defaults_to_duckdb_and_names_spark_settings():
    assert EngineConfig().kind == "duckdb"
    spark = EngineConfig(kind="spark", master="spark://10.0.0.5:7077", conf={"spark.executor.memory": "8g"})
    assert (spark.master, spark.conf) == ("spark://10.0.0.5:7077", {"spark.executor.memory": "8g"})
    with pytest.raises(ValidationError, match="kind"):
        EngineConfig(kind="polars")


def test_make_engine_makes_duckdb_without_loading_pyspark(tmp_path):
    engine = make_engine(EngineConfig(), temp_directory=str(tmp_path / "spill"))
    try:
        assert isinstance(engine, DuckDBEngine)
    finally:
        engine.close()


def test_neither_the_web_app_nor_the_duckdb_pipeline_loads_pyspark():
    code = ("import sys, dashboard.app, etl.pipeline, indicators.compute, indicators.engine; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pyspark', 'py4j')))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_engine_errors_are_told_from_the_writers():
    import duckdb

    assert engine_error(duckdb.CatalogException("no table"))
    assert not engine_error(OSError(28, "No space left on device"))
    spark_like = type("AnalysisException", (Exception,), {"__module__": "pyspark.errors.exceptions.captured"})
    assert engine_error(spark_like("cannot resolve"))


def values(**columns) -> pa.Table:
    base = {"indicator": ["a", "a", "b"], "area_code": ["X", "Y", "X"], "period": ["2020"] * 3,
            "breakdown": ["total"] * 3, "value": [1.0, 2.0, 3.0], "n_reporting": [1, 1, 1],
            "status": ["ok", "ok", "ok"]}
    return pa.table({**base, **columns})


def release(folder, table: pa.Table, manifest: str = "{}"):
    folder.mkdir()
    pq.write_table(table, folder / "indicator_values.parquet")
    (folder / "manifest.json").write_text(manifest)
    (folder / "notes.txt").write_text("same")
    return folder


def test_floats_within_the_tolerance_are_the_same_figures(tmp_path):
    a = release(tmp_path / "a", values(), manifest='{"id": 1}')
    b = release(tmp_path / "b", values(value=[1.0, 2.0 * (1 + 1e-15), 3.0]), manifest='{"id": 2}')
    assert differences(a, b) == []


def test_a_value_a_count_a_type_or_a_withheld_cell_that_differs_is_found(tmp_path):
    base = values()
    assert "value: 1 values differ" in table_differences(base, values(value=[1.0, 2.0 * (1 + 1e-9), 3.0]))[0]
    assert "n_reporting: 1 values differ" in table_differences(base, values(n_reporting=[1, 2, 1]))[0]
    assert "type" in table_differences(base, values(n_reporting=pa.array([1, 1, 1], pa.int32())))[0]
    assert "null in one release only" in table_differences(base, values(value=[1.0, None, 3.0]))[0]
    a = release(tmp_path / "a", base)
    b = release(tmp_path / "b", values(status=["ok", "suppressed", "ok"]))
    found = differences(a, b)
    assert any("withheld in B only: ('a', 'Y', '2020', 'total')" in f for f in found)
    (b / "notes.txt").write_text("other")
    assert "notes.txt: the bytes differ" in differences(a, b)


def test_dictionary_encoding_is_storage_not_content(tmp_path):
    encoded = values().set_column(0, "indicator", pa.array(["a", "a", "b"]).dictionary_encode())
    assert table_differences(values(), encoded) == []


@pytest.mark.slow
def test_a_materialised_table_is_computed_once_whatever_reads_it(spark, tmp_path):
    """Spark 4.x recomputed a persisted result whose SQL has a WITH when the query reading it had a WITH of its
    own (compare.sql read published_cells so, and recomputed the roll-up and values at every reference). A
    function that counts its calls shows it: made once, the table is not computed again by what reads it."""
    from pyspark.sql.types import LongType

    from indicators.spark_engine import SparkEngine

    engine = SparkEngine(session=spark, work_dir=str(tmp_path))
    calls = engine.spark.sparkContext.accumulator(0)

    def counted(x):
        calls.add(1)
        return x

    engine.spark.udf.register("counted", counted, LongType())
    try:
        engine.register("base", pa.table({"id": list(range(200)), "k": [i % 7 for i in range(200)]}))
        engine.materialize("made", "WITH g AS (SELECT counted(id) AS id, k FROM base) "
                                   "SELECT k, SUM(id) AS total FROM g GROUP BY k")
        assert calls.value == 200
        for sql in ("SELECT SUM(total) AS n FROM made",
                    "WITH z AS (SELECT * FROM made) SELECT SUM(total) AS n FROM z",
                    "WITH z AS (SELECT * FROM made), w AS (SELECT total FROM z) "
                    "SELECT SUM(a.total) AS n FROM w a JOIN z b ON a.total = b.total"):
            assert engine.query(sql).column("n")[0].as_py() == sum(range(200)), sql
        assert calls.value == 200  # read, not computed again
        engine.materialize("made", "SELECT k, total * 2 AS total FROM made")  # may read the table it replaces
        assert engine.query("SELECT SUM(total) AS n FROM made").column("n")[0].as_py() == 2 * sum(range(200))
        assert calls.value == 200
        assert len(list(engine._dir.glob("made-*"))) == 1  # the replaced table's files are gone
        with pytest.raises(Exception, match="step fails midway"):  # while the executors write
            engine.materialize("made", "SELECT k, CAST(raise_error('step fails midway') AS BIGINT) AS total "
                                       "FROM made")
        assert engine.query("SELECT SUM(total) AS n FROM made").column("n")[0].as_py() == 2 * sum(range(200))
        assert len(list(engine._dir.glob("made-*"))) == 1  # and a failed step leaves no files
        engine.materialize("empty", "SELECT k, total FROM made WHERE total < 0")
        assert engine.query("SELECT * FROM empty").schema.names == ["k", "total"]
        assert engine.query("SELECT COUNT(*) AS n FROM empty").column("n")[0].as_py() == 0
    finally:
        engine.close()
