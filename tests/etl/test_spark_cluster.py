"""The Spark engine on a real cluster: a standalone master and one worker on 127.0.0.1 (the classes
``spark-class`` starts in any standalone deployment), the computation run against ``spark://127.0.0.1:<port>``
from a driver process of its own, and its result compared with DuckDB's. Slow; skipped only when pyspark or Java
is missing."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

from etl.release_parity import table_differences
from tests.conftest import ROOT

pytestmark = pytest.mark.slow

DRIVER = """
import sys, yaml
sys.path.insert(0, sys.argv[3])
import pyarrow as pa, pyarrow.parquet as pq
from indicators.spark_engine import SparkEngine
from tests.conftest import SPARK_TEST_CONF
from tests.indicators.world import compute_final
conf = {**SPARK_TEST_CONF, "spark.driver.host": "127.0.0.1", "spark.driver.bindAddress": "127.0.0.1",
        "spark.cores.max": "1", "spark.executor.memory": "512m"}
final = compute_final(sys.argv[1], engine=SparkEngine(sys.argv[2], conf))
pq.write_table(pa.Table.from_pandas(final, preserve_index=False), sys.argv[4])
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(path: Path, text: str, proc: subprocess.Popen, seconds: float = 180) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if path.is_file() and text in path.read_text(errors="replace"):
            return
        if proc.poll() is not None:
            pytest.fail(f"{proc.args[1]} stopped: {path.read_text(errors='replace')[-2000:]}")
        time.sleep(1)
    pytest.fail(f"no {text!r} from {proc.args[1]} within {seconds} s: {path.read_text(errors='replace')[-2000:]}")


@pytest.fixture(scope="module")
def standalone(tmp_path_factory):
    pyspark = pytest.importorskip("pyspark", reason="pyspark is not installed (pip install -e '.[spark]')")
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        pytest.skip("no Java runtime for Spark (apt-get install openjdk-17-jre-headless)")
    home = Path(pyspark.__file__).parent
    tmp = tmp_path_factory.mktemp("standalone")
    env = {**os.environ, "SPARK_HOME": str(home), "SPARK_LOCAL_IP": "127.0.0.1",
           "SPARK_WORKER_DIR": str(tmp / "work"), "SPARK_LOG_DIR": str(tmp)}
    port = free_port()
    url = f"spark://127.0.0.1:{port}"
    spark_class = str(home / "bin" / "spark-class")
    procs = []
    try:
        master_log = tmp / "master.log"
        procs.append(subprocess.Popen(
            [spark_class, "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1", "--port", str(port),
             "--webui-port", str(free_port())], env=env, stdout=master_log.open("w"), stderr=subprocess.STDOUT))
        wait_for(master_log, "I have been elected leader", procs[0])
        worker_log = tmp / "worker.log"
        procs.append(subprocess.Popen(
            [spark_class, "org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1", "--cores", "1",
             "--memory", "1g", "--webui-port", str(free_port()), url], env=env, stdout=worker_log.open("w"),
            stderr=subprocess.STDOUT))
        wait_for(worker_log, "Successfully registered with master", procs[1])
        yield url, env
    finally:
        for proc in reversed(procs):
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()


def test_a_standalone_cluster_computes_what_duckdb_computes(standalone, tmp_path):
    from tests.indicators.test_aggregate_root import SUM, TWO_ROOTS
    from tests.indicators.world import build_config, compute_final

    url, env = standalone
    obs = [("x", "A1", 2019, 40, ""), ("x", "B1", 2019, 400, "p"), ("x", "A1", 2020, 5, ""),
           ("x", "B1", 2020, 500, "")]
    path = build_config(tmp_path, obs, SUM, ["x"], areas=TWO_ROOTS, levels=("country", "local"))
    cfg = yaml.safe_load(path.read_text())
    cfg["geography"]["aggregate_root"] = {"code": "AB", "name": "A and B"}
    path.write_text(yaml.safe_dump(cfg, sort_keys=False))
    out = tmp_path / "cluster.parquet"
    done = subprocess.run([sys.executable, "-c", DRIVER, str(path), url, str(ROOT), str(out)], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    duck = pa.Table.from_pandas(compute_final(path), preserve_index=False)
    cluster = pq.read_table(out)
    assert (duck.column("status").to_pylist()).count("suppressed") > 0
    assert table_differences(duck, cluster) == []
