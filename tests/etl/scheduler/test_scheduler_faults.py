"""Faults with real processes: kill -9 mid-write, a source that hangs or is down, a full disk, a busy lock."""

from __future__ import annotations

import http.server
import io
import os
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml
from sqlalchemy import create_engine

from core.store import ReleaseStore
from tests.etl.scheduler.conftest import (
    _services,
    first_release,
    openmeasure,
    runs,
    start,
    stop,
    tiny_config,
    wait_for,
)

pytestmark = pytest.mark.slow  # more than a few seconds: left out of the fast lane (README)


def _assert_untouched(config: Path, release: str) -> None:
    store = ReleaseStore(config.parent / "store")
    assert store.current_id() == release
    store.verify()  # every file matches its manifest checksum
    assert len(pd.read_parquet(store.path() / "indicator_values.parquet")) > 0
    assert [r["id"] for r in store.list()] == [release]


def test_kill_9_while_writing_leaves_the_previous_release_and_the_next_start_cleans_up(tmp_path):
    config = tiny_config(tmp_path)
    release = first_release(config)
    marker = tmp_path / "writing"
    proc = start("--pause-in-write", str(marker), "--", "etl", "run", "--config", str(config),
                 log=tmp_path / "run.log", module="tests.etl.scheduler.harness")
    wait_for(marker.exists, what="the run to be half-way through writing its release")
    staging = Path(marker.read_text())
    assert staging.name.startswith(".tmp-") and any(staging.iterdir())
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    _assert_untouched(config, release)
    assert staging.is_dir()  # the half-written folder is still there after kill -9
    assert runs(config)[-1]["status"] == "running"
    # the killed holder's lock expires after lock_ttl_seconds (6 s here); then the next start cleans up
    sched = start("schedule", "--config", str(config), log=tmp_path / "sched.log")
    try:
        wait_for(lambda: not staging.exists() and any(r["status"] == "succeeded" for r in runs(config)[2:]),
                 what="the half-written folder to be removed and a new run to succeed")
    finally:
        assert stop(sched) == 0
    killed = runs(config)[1]
    assert killed["status"] == "failed" and "ended without finishing" in killed["error"]


class _Source(http.server.BaseHTTPRequestHandler):
    """Serves the tiny deployment's CSV, or hangs (``hang = True``): a source that stops answering."""
    body = b""
    hang = False
    hits = 0

    def do_GET(self):  # noqa: N802 - http.server's name
        type(self).hits += 1
        if type(self).hang:
            time.sleep(5)  # longer than the source's fetch.timeout
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/csv")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args):
        pass


def test_a_source_that_hangs_is_retried_then_recorded_failed(tmp_path):
    """The real URL connector (``url`` + ``fetch.timeout``): the run times out, the scheduler's retry
    policy tries it again (a timeout is transient), every attempt is recorded, nothing is published."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Source)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/services.csv"
        config = tiny_config(tmp_path, extra={"scheduler": {"retries": {"attempts": 3, "backoff_seconds": 0.2}}})
        _Source.body = (tmp_path / "in" / "services.csv").read_bytes()
        cfg = yaml.safe_load(config.read_text())
        cfg["sources"][0].pop("path")
        cfg["sources"][0].update(url=url, fetch={"timeout": 1, "retries": 0})
        config.write_text(yaml.safe_dump(cfg, sort_keys=False))
        release = first_release(config)
        _Source.hang, _Source.hits = True, 0
        done = openmeasure("etl", "run", "--config", str(config))
    finally:
        server.shutdown()
    assert done.returncode == 2, done.stderr
    assert "timed out after 1 s" in done.stderr and "Traceback" not in done.stderr
    assert _Source.hits == 3
    failed = runs(config)[1:]
    assert [r["status"] for r in failed] == ["failed"] * 3
    assert all("timed out" in r["error"] for r in failed)
    _assert_untouched(config, release)


def test_a_source_database_that_is_down_is_retried_then_recorded_failed(tmp_path, restartable_pg):
    """The real SQL connector (``format: sql`` on PostgreSQL): while the database is up the run publishes;
    once it is down the connection is refused, the run is retried (transient) and recorded failed twice."""
    engine = create_engine(restartable_pg["url"])
    try:
        with engine.begin() as con:
            pd.read_csv(io.StringIO(_services())).to_sql(
                "services", con, index=False)
    finally:
        engine.dispose()
    config = tiny_config(tmp_path, extra={"scheduler": {"retries": {"attempts": 2, "backoff_seconds": 0.2}}})
    cfg = yaml.safe_load(config.read_text())
    cfg["sources"][0] = {"id": "services", "format": "sql",
                         "sql": {"url": restartable_pg["url"], "table": "services", "connect_timeout": 1},
                         "columns": {"area_code": "area_code", "period": "year", "value": "value",
                                     "flag": "flag"}}
    config.write_text(yaml.safe_dump(cfg, sort_keys=False))
    done = openmeasure("etl", "run", "--config", str(config))
    assert done.returncode == 0, done.stderr  # the source database is up: the run publishes
    release = (config.parent / "store" / "CURRENT").read_text().strip()
    restartable_pg["stop"]()
    done = openmeasure("etl", "run", "--config", str(config))
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and "SQL failed" in done.stderr
    assert "connection refused" in done.stderr.lower()
    failed = runs(config)[1:]
    assert [r["status"] for r in failed] == ["failed", "failed"]
    assert all("SQL failed" in r["error"] for r in failed)
    _assert_untouched(config, release)


def _tmpfs(folder: Path, size: str) -> bool:
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        return False
    return subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
                          capture_output=True).returncode == 0


def test_a_full_disk_fails_the_run_cleanly_and_leaves_the_release(tmp_path):
    store = tmp_path / "store"
    mounted = _tmpfs(store, "400k")
    try:
        config = tiny_config(tmp_path, extra={"scheduler": {"retries": {"attempts": 3, "backoff_seconds": 0}}})
        release = first_release(config)
        if mounted:  # fill the disk so the next release cannot be written whole
            free = shutil.disk_usage(store).free
            (store / "filler").write_bytes(b"\0" * max(0, free - 40_000))
            done = openmeasure("etl", "run", "--config", str(config))
        else:  # no tmpfs here: the same error injected where the release is written
            done = openmeasure("--enospc", "--", "etl", "run", "--config", str(config),
                               module="tests.etl.scheduler.harness")
        assert done.returncode != 0
        assert "Traceback" not in done.stderr
        assert "No space left on device" in done.stderr or "No space left" in (runs(config)[-1]["error"] or "")
        failed = runs(config)[1:]
        assert [r["status"] for r in failed] == ["failed"], "a full disk is not retried"
        assert not [d for d in (store / "releases").iterdir() if d.name.startswith(".tmp-")]
        if mounted:
            (store / "filler").unlink()
        _assert_untouched(config, release)
    finally:
        if mounted:
            subprocess.run(["umount", str(store)], capture_output=True)


def test_a_manual_run_does_not_start_while_another_run_holds_the_store(tmp_path):
    config = tiny_config(tmp_path)
    release = first_release(config)
    marker = tmp_path / "writing"
    proc = start("--pause-in-write", str(marker), "--", "etl", "run", "--config", str(config),
                 log=tmp_path / "run.log", module="tests.etl.scheduler.harness")
    try:
        wait_for(marker.exists, what="the first run to be writing")
        done = openmeasure("etl", "run", "--config", str(config))
        assert done.returncode == 2
        assert "another run holds the lock" in " ".join(done.stderr.split())
        assert len(runs(config)) == 2  # the refused run did not even start a run row
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    _assert_untouched(config, release)
