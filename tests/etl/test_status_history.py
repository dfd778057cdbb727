"""`openmeasure status --history N`: the last N runs of every job in the catalogue."""

from __future__ import annotations

import io
import os
import subprocess
import sys

import pandas as pd
from rich.console import Console

from core import catalogue
from core.config import load_config
from etl.status import print_history
from tests.conftest import ROOT
from tests.indicators.world import build_config


def _config(tmp_path):
    obs = [("x", a, 2020, 1.0, "") for a in ("L1", "L2", "L3", "L4")]
    path = build_config(tmp_path, obs, [{"id": "total_x", "compute": {"method": "sum", "measure": "x"}}], ["x"],
                        schedules=[{"id": "nightly", "cron": "0 2 * * *"}])
    return path, load_config(path)


def _run(db, job: str, status: str, *, error: str | None = None, read: int | None = None,
         written: int | None = None) -> int:
    run_id = catalogue.start_run(db, job, "hash")
    stats = []
    if read is not None:
        stats += [{"kind": "source", "name": s, "rows_read": read, "rows_quarantined": 0, "rows_written": read,
                   "sha256": None} for s in ("a", "b")]
    if written is not None:
        stats += [{"kind": "indicator", "name": i, "rows_read": None, "rows_quarantined": None,
                   "rows_written": written, "sha256": None} for i in ("p", "q", "r")]
    if status != "running":
        catalogue.finish_run(db, run_id, status=status, error=error, stats=stats,
                             release_id=f"2026010{run_id}T000000Z-abcdef" if status == "succeeded" else None,
                             found=pd.DataFrame())
    return run_id


def _history(tmp_path) -> tuple:
    path, config = _config(tmp_path)
    db = catalogue.connect(config.catalogue)
    ids = {"nightly": [_run(db, "nightly", "succeeded", read=100, written=7) for _ in range(4)]}
    ids["nightly"].append(_run(db, "nightly", "failed", read=100,
                               error="StepFailed: step 'validate' failed: 3 findings\nsecond line of the error"))
    ids["manual"] = [_run(db, "manual", "succeeded", read=5, written=1), _run(db, "manual", "running")]
    ids["renamed"] = [_run(db, "renamed", "failed", error="SourceError: file not found")]
    return path, config, ids


def _lines(config, n: int) -> list[str]:
    buffer = io.StringIO()
    print_history(config, Console(file=buffer, width=10_000), n)
    return buffer.getvalue().splitlines()


def test_the_last_n_runs_of_every_job_newest_first_with_rows_and_the_first_line_of_the_error(tmp_path):
    _, config, ids = _history(tmp_path)
    rows = catalogue.run_history(catalogue.connect(config.catalogue), 3)
    assert [(r["job"], r["id"]) for r in rows] == \
        [("manual", ids["manual"][1]), ("manual", ids["manual"][0])] \
        + [("nightly", i) for i in reversed(ids["nightly"][-3:])] + [("renamed", ids["renamed"][0])]
    by_id = {r["id"]: r for r in rows}
    assert (by_id[ids["nightly"][-1]]["rows_read"], by_id[ids["nightly"][-1]]["rows_written"]) == (200, None)
    assert (by_id[ids["nightly"][-2]]["rows_read"], by_id[ids["nightly"][-2]]["rows_written"]) == (200, 21)

    from etl import locks
    from etl.runner import lock_name

    with locks.hold(catalogue.connect(config.catalogue), lock_name(config), ttl=60):
        lines = _lines(config, 3)  # the 'running' run's process (this one) holds the store's lock
    header = next([c.strip() for c in line.strip("┃").split("┃")] for line in lines if line.startswith("┃"))
    data = [[c.strip() for c in line.strip("│").split("│")] for line in lines if line.startswith("│")]
    assert header == ["job", "run", "started", "finished", "status", "rows read", "values written", "release",
                      "error"]
    # the config's jobs first, then manual runs, then jobs the config no longer has
    assert [(c[0], int(c[1])) for c in data] == [("nightly", i) for i in reversed(ids["nightly"][-3:])] \
        + [("manual", ids["manual"][1]), ("manual", ids["manual"][0]), ("renamed", ids["renamed"][0])]
    failed = data[0]
    assert failed[4:] == ["failed", "200", "", "", "StepFailed: step 'validate' failed: 3 findings"]
    assert failed[2].endswith("UTC") and failed[3].endswith("UTC")
    assert data[1][4:8] == ["succeeded", "200", "21", f"2026010{ids['nightly'][-2]}T000000Z-abcdef"]
    running = data[3]
    assert running[3:5] == ["", "running"]
    assert "second line" not in "\n".join(lines)
    # without the lock, nothing runs it any more: abandoned
    assert [c.strip() for c in next(line for line in _lines(config, 3) if f"│ {ids['manual'][1]} " in line)
            .strip("│").split("│")][4] == "abandoned"


def test_status_without_history_is_unchanged_and_a_bad_n_is_a_usage_error(tmp_path):
    path, _, _ = _history(tmp_path)
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}

    def status(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "etl.cli", "status", "--config", str(path), *args],
                              capture_output=True, text=True, cwd=ROOT, env=env, timeout=300)

    plain, history = status(), status("--history", "2")
    assert plain.returncode == 0 and history.returncode == 0, plain.stderr + history.stderr
    assert "run history" not in plain.stdout
    assert history.stdout.startswith(plain.stdout)  # the same report, then the history
    assert "run history (the last 2 of each job)" in history.stdout
    assert history.stdout.count("│ nightly ") == 3  # its last run in the jobs table, two in the history
    for bad in ("0", "-1", "two"):
        done = status("--history", bad)
        assert done.returncode == 2 and "Traceback" not in done.stderr
        assert "is not a number of runs" in done.stderr
