"""Shared fixtures: a demo release built once per session, and the path of the real data in examples/data."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: Real public files (Eurostat, GISCO NUTS, World Bank, country codes), in the repository: see its README.md.
REAL_DATA = ROOT / "examples" / "data"


@pytest.fixture(scope="session")
def real_data() -> Path:
    if not REAL_DATA.is_dir():
        pytest.fail(f"the real data folder {REAL_DATA} is missing from the repository")
    return REAL_DATA


@pytest.fixture(scope="session")
def shared_data(real_data: Path) -> Path:
    """The former name of ``real_data`` (from when the files lay outside the repository), kept for the tests
    that still ask for it."""
    return real_data


@pytest.fixture(scope="session")
def demo_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Environment that points the root config.yaml at a temporary store and catalogue."""
    return temp_store_env(tmp_path_factory.mktemp("demo"))


def load_config_with(path: Path, env: dict[str, str]):
    """Load a config with some environment variables set for its ${VAR} references, then restore them."""
    from core.config import load_config

    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        return load_config(path)
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def temp_store_env(tmp: Path, **extra: str) -> dict[str, str]:
    """Environment that points a config's store and catalogue into ``tmp``."""
    return {"OPENMEASURE_STORE": str(tmp / "store"), "OPENMEASURE_CATALOGUE": f"sqlite:///{tmp / 'catalog.db'}",
            **extra}


@pytest.fixture(scope="session")
def demo_config(demo_env):
    return load_config_with(ROOT / "config.yaml", demo_env)


@pytest.fixture(scope="session")
def demo_release(demo_config):
    """The demo pipeline run once; returns the RunResult."""
    from etl.pipeline import run

    return run(demo_config)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The fast lane (``pytest -m "not slow"``) leaves out whatever needs a browser or a database server,
    besides the modules marked slow: they start processes and build releases of real data."""
    for item in items:
        if item.get_closest_marker("browser") or item.get_closest_marker("postgres"):
            item.add_marker(pytest.mark.slow)


#: Spark settings for the tests' small tables: no code generation and no adaptive re-planning (compiling and
#: re-planning each of the computation's queries costs more than running them at this size), few partitions.
SPARK_TEST_CONF = {
    "spark.sql.shuffle.partitions": "2",
    "spark.sql.codegen.wholeStage": "false",
    "spark.sql.codegen.factoryMode": "NO_CODEGEN",
    "spark.sql.adaptive.enabled": "false",
    "spark.driver.extraJavaOptions": "-XX:TieredStopAtLevel=1",
}


@pytest.fixture(scope="session")
def spark():
    """One SparkSession (local[2]) for the whole test session: the JVM starts once. Skips, saying why, when
    pyspark or Java is missing (scripts/setup.sh installs both)."""
    import shutil

    pytest.importorskip("pyspark", reason="pyspark is not installed (pip install -e '.[spark]')")
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        pytest.skip("no Java runtime for Spark (apt-get install openjdk-17-jre-headless)")
    from indicators.spark_engine import spark_session

    session = spark_session("local[2]", SPARK_TEST_CONF)
    yield session
    session.stop()
