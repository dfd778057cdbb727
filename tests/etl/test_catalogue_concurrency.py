"""Processes that start together against a new catalogue (two schedulers, a scheduler and a manual run)
must all get it, not fail on 'table already exists'."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT


def test_concurrent_first_connections_all_succeed(tmp_path):
    url = f"sqlite:///{tmp_path / 'catalog.db'}"
    code = f"from etl import catalogue; catalogue.connect({url!r}); print('ok')"
    procs = [subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(8)]
    results = [p.communicate(timeout=120) for p in procs]
    assert [out.strip() for out, _ in results] == ["ok"] * 8, [err for _, err in results if err]
