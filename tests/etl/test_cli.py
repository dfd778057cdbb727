"""The openmeasure command, run as a real process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.slow  # more than a few seconds: left out of the fast lane (README)


def cli(*args: str, env: dict | None = None, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "etl.cli", *args], capture_output=True, text=True, cwd=cwd,
                          env={**os.environ, "COLUMNS": "200", **(env or {})}, timeout=300)


def test_etl_run_publishes_a_release_and_lists_it(demo_env):
    done = cli("etl", "run", "--config", "config.yaml", env=demo_env)
    assert done.returncode == 0, done.stderr
    assert "published release" in done.stdout
    store = Path(demo_env["OPENMEASURE_STORE"])
    current = (store / "CURRENT").read_text().strip()
    assert (store / "releases" / current / "indicator_values.parquet").is_file()
    listed = cli("releases", "list", "--config", "config.yaml", env=demo_env)
    assert current in listed.stdout


def test_config_check_names_the_path_and_suggests(tmp_path):
    bad = (ROOT / "config.yaml").read_text().replace("denominator: young_people", "denominator: young_peple")
    (tmp_path / "config.yaml").write_text(bad)
    done = cli("config", "check", str(tmp_path / "config.yaml"))
    assert done.returncode == 2
    assert "indicators[7].compute.denominator: unknown measure 'young_peple'; did you mean 'young_people'?" \
        in " ".join(done.stderr.split())
    assert "Traceback" not in done.stderr


def test_config_check_accepts_the_demo_config():
    done = cli("config", "check", "config.yaml")
    assert done.returncode == 0, done.stderr
    assert "valid" in done.stdout


def test_piped_tables_are_not_cut_at_80_columns(tmp_path):
    """A script reading `releases list` (no terminal, no COLUMNS) gets whole release ids."""
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    env |= {"OPENMEASURE_STORE": str(tmp_path / "store"), "OPENMEASURE_CATALOGUE": f"sqlite:///{tmp_path / 'c.db'}"}
    config = str(ROOT / "examples" / "starter" / "config.yaml")
    run = subprocess.run([sys.executable, "-m", "etl.cli", "etl", "run", "--config", config], capture_output=True,
                         text=True, cwd=ROOT, env=env, timeout=300)
    assert run.returncode == 0, run.stderr
    current = (tmp_path / "store" / "CURRENT").read_text().strip()
    listed = subprocess.run([sys.executable, "-m", "etl.cli", "releases", "list", "--config", config],
                            capture_output=True, text=True, cwd=ROOT, env=env, timeout=300)
    assert current in listed.stdout, listed.stdout
