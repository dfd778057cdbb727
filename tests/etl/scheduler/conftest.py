"""A tiny deployment (7 areas, one CSV source, two indicators) so a pipeline run takes well under a second,
and helpers to run ``openmeasure`` as real processes against it."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import yaml
from sqlalchemy import create_engine, text

from tests.conftest import ROOT

AREAS = """area_code,name,level,parent_code
T,Testland,country,
T1,North,region,T
T2,South,region,T
T11,Alpha,municipality,T1
T12,Beta,municipality,T1
T21,Gamma,municipality,T2
T22,Delta,municipality,T2
"""


def _services() -> str:
    lines = ["measure,area_code,year,value,flag"]
    for n, code in enumerate(["T11", "T12", "T21", "T22"]):
        for year, (apps, online) in {2022: (1000, 400 + 20 * n), 2023: (1000, 300 + 20 * n)}.items():
            lines += [f"applications,{code},{year},{apps},", f"applications_online,{code},{year},{online},"]
    return "\n".join(lines) + "\n"


def tiny_config(folder: Path, *, schedules: list[dict] | None = None, extra: dict | None = None) -> Path:
    """Write the tiny deployment into ``folder`` and return its config path."""
    (folder / "in").mkdir(parents=True, exist_ok=True)
    (folder / "in" / "areas.csv").write_text(AREAS)
    (folder / "in" / "services.csv").write_text(_services())
    cfg = {
        "title": "Testland",
        "store": "store",
        "catalogue": "sqlite:///catalog.db",
        "engine": {"memory_limit": "512MB", "threads": 1},
        "geography": {"levels": ["country", "region", "municipality"], "areas": {"path": "in/areas.csv"}},
        "sources": [{"id": "services", "format": "csv", "path": "in/services.csv",
                     "columns": {"area_code": "area_code", "period": "year", "value": "value", "flag": "flag"}}],
        "measures": [{"id": "applications", "source": "services"},
                     {"id": "applications_online", "source": "services"}],
        "indicators": [
            {"id": "online_share", "title": "Online share", "theme": "service use", "kind": "outcome",
             "unit": "%", "compute": {"method": "ratio", "numerator": "applications_online",
                                      "denominator": "applications", "multiplier": 100},
             "target": {"value": 50, "period": "2030", "base_period": "2022"}},
            {"id": "applications", "title": "Applications", "theme": "service use", "kind": "output",
             "unit": "applications", "frequency": "monthly", "compute": {"method": "sum", "measure": "applications"}},
        ],
        "schedules": schedules if schedules is not None else [{"id": "tick", "interval_seconds": 1}],
        "scheduler": {"shutdown_grace_seconds": 20, "lock_ttl_seconds": 6, "lock_wait_seconds": 0,
                      "retries": {"attempts": 1, "backoff_seconds": 0}},
    }
    for key, value in (extra or {}).items():
        if isinstance(value, dict) and isinstance(cfg.get(key), dict):
            cfg[key] = {**cfg[key], **value}
        else:
            cfg[key] = value
    path = folder / "config.yaml"
    path.write_text(yaml.safe_dump(cfg, sort_keys=False))
    return path


@pytest.fixture
def tiny(tmp_path) -> Path:
    return tiny_config(tmp_path)


def first_release(config: Path) -> str:
    """Publish the deployment's first release in this process (quicker than a new process) and return its id."""
    from core.config import load_config
    from etl.pipeline import run

    return run(load_config(config)).release_id


def openmeasure(*args: str, env: dict | None = None, module: str = "etl.cli", **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", module, *args], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, "COLUMNS": "200", **(env or {})}, timeout=120, **kw)


def start(*args: str, log: Path, env: dict | None = None, module: str = "etl.cli") -> subprocess.Popen:
    fh = open(log, "ab")  # noqa: SIM115 - closed with the process by the test helpers
    return subprocess.Popen([sys.executable, "-m", module, *args], cwd=ROOT, stdout=fh, stderr=subprocess.STDOUT,
                            env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})})


def stop(proc: subprocess.Popen, sig: int = signal.SIGTERM, timeout: float = 60) -> int:
    """Signal the process and return its exit status; a process that does not stop is killed (and fails)."""
    if proc.poll() is None:
        proc.send_signal(sig)
    try:
        return proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=30)
        pytest.fail(f"process {proc.pid} ({' '.join(proc.args[2:5])}) did not stop within {timeout} s of signal {sig}")


def catalogue_db(config: Path):
    url = yaml.safe_load(config.read_text())["catalogue"]
    if url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
        url = f"sqlite:///{config.parent / url[len('sqlite:///'):]}"
    return create_engine(url)


def runs(config: Path, job: str | None = None) -> list[dict]:
    db = catalogue_db(config)
    try:
        with db.connect() as con:
            if not db.dialect.has_table(con, "runs"):
                return []
            q = "SELECT * FROM runs" + (" WHERE job = :job" if job else "") + " ORDER BY id"
            return [dict(r) for r in con.execute(text(q), {"job": job}).mappings()]
    finally:
        db.dispose()


def wait_for(predicate, timeout: float = 60, every: float = 0.2, what: str = "condition"):
    """Poll until ``predicate()`` is truthy; fail the test with ``what`` when it never becomes so."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    pytest.fail(f"timed out after {timeout} s waiting for {what}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def restartable_pg():
    """A PostgreSQL of our own (initdb in a temp folder, a free port), started, that the test may stop and
    start again (``stop``, ``start``) without harming the suite's shared server."""
    pg_bin = os.environ.get("OPENMEASURE_PG_BIN") or next(iter(sorted(Path("/usr/lib/postgresql").glob("*/bin"))),
                                                          None)
    if not pg_bin:
        pytest.fail("PostgreSQL is not installed (source scripts/services.sh sets OPENMEASURE_PG_BIN)")
    home = Path(tempfile.mkdtemp(prefix="openmeasure-pg-"))
    home.chmod(0o755)
    data = home / "data"
    data.mkdir()
    port = _free_port()
    as_pg = ["su", "postgres", "-s", "/bin/sh", "-c"] if os.geteuid() == 0 else ["sh", "-c"]
    if os.geteuid() == 0:
        shutil.chown(data, "postgres")
    ctl = f"'{pg_bin}/pg_ctl' -D '{data}'"
    subprocess.run([*as_pg, f"'{pg_bin}/initdb' -D '{data}' -U postgres --auth=trust >/dev/null"], check=True,
                   timeout=120)

    def start_pg() -> None:
        subprocess.run([*as_pg, f"{ctl} -l '{data}/log' -w -o \"-p {port} -k /tmp -c listen_addresses=127.0.0.1\" "
                        "start >/dev/null"], check=True, timeout=60)

    def stop_pg() -> None:
        subprocess.run([*as_pg, f"{ctl} -m fast -w stop >/dev/null"], timeout=60)

    start_pg()
    yield {"url": f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres", "start": start_pg, "stop": stop_pg}
    stop_pg()
    shutil.rmtree(home, ignore_errors=True)
