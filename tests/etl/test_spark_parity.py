"""The Spark engine (engine.kind: spark) runs the same SQL as DuckDB and publishes the same release: every
column equal (counts exactly, floating-point values within 1e-12 relative) and the same cells withheld.

Slow (Spark local[2], one JVM for the test session: the ``spark`` fixture); skipped only when pyspark or Java is
missing, which scripts/setup.sh installs."""

from __future__ import annotations

import pyarrow.parquet as pq
import pytest

from etl.release_parity import differences
from tests.conftest import SPARK_TEST_CONF, temp_store_env

pytestmark = pytest.mark.slow


def on_spark(config, tmp_path):
    """``config`` with the Spark engine and a store of its own under ``tmp_path``."""
    env = temp_store_env(tmp_path)
    engine = config.engine.model_copy(update={"kind": "spark", "master": "local[2]", "conf": SPARK_TEST_CONF})
    return config.model_copy(update={"engine": engine, "store": env["OPENMEASURE_STORE"],
                                     "catalogue": env["OPENMEASURE_CATALOGUE"]})


def test_the_demo_on_spark_is_the_demo_on_duckdb(spark, demo_release, demo_config, tmp_path):
    from etl.pipeline import run

    result = run(on_spark(demo_config, tmp_path))
    assert result.rows == demo_release.rows
    assert differences(demo_release.path, result.path) == []
    values = pq.read_table(result.path / "indicator_values.parquet", columns=["status"]).column("status")
    assert values.to_pylist().count("suppressed") > 0  # the comparison covered withheld cells


def spark_engine(spark):
    from indicators.spark_engine import SparkEngine

    return SparkEngine(session=spark)


@pytest.mark.parametrize("aggregate", [{"code": "AB", "name": "A and B"},
                                       {"code": "AB", "name": "A and B", "source": "published"}],
                         ids=["built", "published"])
def test_an_aggregate_root_on_spark_is_the_same_as_on_duckdb(spark, tmp_path, aggregate):
    """The SQL of an aggregate root (geography.aggregate_root), which the demo has not: a built one over a
    withheld member, and one the source publishes."""
    import pyarrow as pa
    import yaml

    from etl.release_parity import table_differences
    from tests.indicators.test_aggregate_root import SUM, TWO_ROOTS
    from tests.indicators.world import build_config, compute_final

    obs = [("x", "A1", 2019, 40, ""), ("x", "B1", 2019, 400, "p"), ("x", "A1", 2020, 5, ""),
           ("x", "B1", 2020, 500, ""), ("x", "AB", 2019, 445, ""), ("x", "AB", 2020, 549, "")]
    if aggregate.get("source") != "published":  # a built one is the sum of its members only
        obs = [o for o in obs if o[1] != "AB"]
    path = build_config(tmp_path, obs, SUM, ["x"], areas=TWO_ROOTS, levels=("country", "local"))
    cfg = yaml.safe_load(path.read_text())
    cfg["geography"]["aggregate_root"] = aggregate
    path.write_text(yaml.safe_dump(cfg, sort_keys=False))
    duck = compute_final(path)
    on_spark = compute_final(path, engine=spark_engine(spark))
    assert (duck.status == "suppressed").any()
    assert table_differences(pa.Table.from_pandas(duck, preserve_index=False),
                             pa.Table.from_pandas(on_spark, preserve_index=False)) == []
