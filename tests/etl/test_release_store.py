"""Publishing is atomic: a run killed while writing a release leaves CURRENT on the previous, complete
release, which still reads cleanly; the next run cleans up the partial folder."""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from core.errors import StoreError
from core.store import ReleaseStore
from tests.conftest import ROOT

# Runs the real CLI in a child process, made slow just before the manifest is written (the release's data
# files are on disk by then), so that the test can kill it mid-write deterministically.
SLOW_WRITER = """
import sys, time
import etl.release as release
original = release._manifest
def slow(*args, **kwargs):
    print("WRITING", flush=True)
    time.sleep(120)
    return original(*args, **kwargs)
release._manifest = slow
from etl.cli import main
sys.exit(main(["etl", "run", "--config", "config.yaml"]))
"""


pytestmark = pytest.mark.slow  # more than a few seconds: left out of the fast lane (README)


def test_kill_9_while_writing_leaves_the_previous_release_published(demo_env, demo_release):
    store = ReleaseStore(demo_env["OPENMEASURE_STORE"])
    before = store.current_id()
    assert before is not None
    child = subprocess.Popen([sys.executable, "-c", SLOW_WRITER], cwd=ROOT, env={**os.environ, **demo_env},
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        line = ""
        while "WRITING" not in line and time.monotonic() < deadline:
            line = child.stdout.readline()
            if not line and child.poll() is not None:
                pytest.fail(f"the run ended before writing: {child.stderr.read()}")
        partial = [d for d in store.releases.iterdir() if d.name.startswith(".tmp-")]
        assert partial and (partial[0] / "indicator_values.parquet").exists()
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait(timeout=30)
    assert store.current_id() == before
    store.verify(before)  # every file matches its manifest checksum
    table = pq.read_table(store.path() / "indicator_values.parquet")
    assert table.num_rows == json.loads((store.path() / "manifest.json").read_text())["files"][
        "indicator_values.parquet"]["rows"]
    assert store.clean_partial() == [partial[0].name]
    assert not partial[0].exists()


def test_a_failed_run_publishes_nothing_and_is_recorded(demo_config, demo_release, tmp_path):
    from core import catalogue
    from etl.pipeline import run

    store = ReleaseStore(demo_config.store)
    before = store.current_id()
    broken = demo_config.model_copy(update={"sources": [
        s.model_copy(update={"path": str(tmp_path / "missing.csv")}) if s.id == "survey" else s
        for s in demo_config.sources]})
    with pytest.raises(Exception, match="missing.csv"):
        run(broken)
    assert store.current_id() == before
    assert not [d for d in store.releases.iterdir() if d.name.startswith(".tmp-")]
    runs = catalogue.recent_runs(catalogue.connect(demo_config.catalogue), 1)
    assert runs.iloc[0]["status"] == "failed" and "missing.csv" in runs.iloc[0]["error"]


def test_release_ids_are_checked_before_any_path_is_built(demo_config, demo_release):
    store = ReleaseStore(demo_config.store)
    for bad in ("../../etc", "/etc/passwd", "..", "20261128T000000Z-zzzzzz", ""):
        with pytest.raises(StoreError):
            store.path(bad) if bad else store.path("not-an-id")


def test_old_releases_are_pruned_but_never_the_current_one(tmp_path):
    store = ReleaseStore(tmp_path)
    ids = []
    for i in range(4):
        rid = f"2026010{i + 1}T000000Z-00000{i}"
        folder = store.staging(rid)
        (folder / "x.txt").write_text("x")
        from core.store import sha256_file

        (folder / "manifest.json").write_text(json.dumps(
            {"files": {"x.txt": {"sha256": sha256_file(folder / "x.txt")}}}))
        store.publish(folder, rid)
        ids.append(rid)
    assert store.current_id() == ids[-1]
    assert store.prune(2) == [ids[1], ids[0]]
    assert [r["id"] for r in store.list()] == [ids[3], ids[2]]


def test_a_tampered_file_fails_verification(tmp_path):
    store = ReleaseStore(tmp_path)
    folder = store.staging("20260101T000000Z-abcdef")
    (folder / "manifest.json").write_text(json.dumps({"files": {"a.txt": {"sha256": "0" * 64}}}))
    (folder / "a.txt").write_text("a")
    with pytest.raises(StoreError, match="does not match its manifest checksum"):
        store.publish(folder, "20260101T000000Z-abcdef")
    assert store.current_id() is None
    assert Path(folder).exists()  # left for the pipeline to discard


@pytest.mark.parametrize(("failure", "step", "transient"), [
    (duckdb.OutOfMemoryException("could not allocate block of size 256 KiB"), "compute", False),
    (OSError(errno.ENOSPC, "No space left on device"), "write", False),
    (ConnectionResetError("the database dropped the connection"), "write", True),
])
def test_an_error_in_the_middle_of_the_chunked_write_fails_the_step(demo_config, demo_release, monkeypatch,
                                                                    failure, step, transient):
    """The engine computes each chunk of indicators while the release is written: an error there (out of
    memory, a full disk) is reported as the failed step, publishes nothing, and keeps its cause, so that
    the scheduler still tells a transient error from a permanent one."""
    from core import catalogue
    from core.errors import StepFailed
    from etl import release_values
    from etl.pipeline import run
    from etl.runner import is_transient
    from indicators.compute import Computation

    original = Computation.published
    calls = []

    def failing(self, first, last):
        calls.append(first)
        if len(calls) == 3:
            raise failure
        return original(self, first, last)

    monkeypatch.setattr(release_values, "ROWS_PER_CHUNK", 1)  # one indicator per chunk
    monkeypatch.setattr(Computation, "published", failing)
    store = ReleaseStore(demo_config.store)
    before = store.current_id()
    with pytest.raises(StepFailed) as raised:
        run(demo_config)
    assert raised.value.step == step and str(failure) in str(raised.value)
    assert raised.value.__cause__ is failure
    assert is_transient(raised.value) is transient
    assert len(calls) == 3
    assert store.current_id() == before
    assert not [d for d in store.releases.iterdir() if d.name.startswith(".tmp-")]
    runs = catalogue.recent_runs(catalogue.connect(demo_config.catalogue), 1)
    assert runs.iloc[0]["status"] == "failed" and f"step '{step}' failed" in runs.iloc[0]["error"]


def test_release_ids_sort_in_the_order_they_were_made_within_one_second(tmp_path):
    """Two runs in the same second (a job and a manual run, or a test): ``list`` says newest first and
    ``prune`` keeps the newest, which both read from the order of the ids."""
    from datetime import UTC, datetime

    from core.store import RELEASE_ID

    store = ReleaseStore(tmp_path)
    times = [datetime(2026, 11, 28, 21, 43, 36, us, tzinfo=UTC) for us in (0, 1, 15, 16, 999_999)]
    for _ in range(20):  # the random last digit never reorders them
        ids = [store.new_id(t) for t in times]
        assert ids == sorted(ids)
        assert all(RELEASE_ID.match(i) for i in ids)


def test_the_rows_per_chunk_are_the_configs_or_the_default():
    from pydantic import ValidationError

    from core.config_models import EngineConfig
    from etl.release_values import ROWS_PER_CHUNK, chunk_rows

    assert chunk_rows(EngineConfig()) == chunk_rows(EngineConfig(kind="spark")) == ROWS_PER_CHUNK
    assert chunk_rows(EngineConfig(kind="spark", rows_per_chunk=250_000)) == 250_000
    assert chunk_rows(EngineConfig(rows_per_chunk=5)) == 5
    with pytest.raises(ValidationError, match="rows_per_chunk"):
        EngineConfig(rows_per_chunk=0)
