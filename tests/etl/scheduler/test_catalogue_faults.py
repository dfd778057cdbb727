"""A catalogue that is down or on a full disk is said in one clear line, naming the database and the disk."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from core.store import ReleaseStore
from tests.etl.scheduler.conftest import _free_port, first_release, openmeasure, runs, tiny_config

pytestmark = pytest.mark.slow  # more than a few seconds: left out of the fast lane (README)


def test_status_with_the_catalogue_down_says_so_in_one_line(tmp_path):
    config = tiny_config(tmp_path, extra={
        "catalogue": f"postgresql+psycopg://postgres:secret@127.0.0.1:{_free_port()}/postgres"})
    done = openmeasure("status", "--config", str(config))
    assert done.returncode == 2
    assert "Traceback" not in done.stderr + done.stdout
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    said = " ".join(done.stderr.split())
    assert "error: the catalogue database postgresql+psycopg://postgres:***@127.0.0.1" in said, done.stderr
    assert "secret" not in said and "connection" in said.lower()
    assert len(lines) <= 3, done.stderr  # one message (rich may wrap it)


@pytest.mark.skipif(os.geteuid() != 0, reason="mounting a small tmpfs needs root")
def test_a_full_disk_under_the_sqlite_catalogue_is_named_not_a_missing_savepoint(tmp_path):
    disk = tmp_path / "catalogue"
    disk.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(disk)],
                      capture_output=True).returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        config = tiny_config(tmp_path, extra={"catalogue": f"sqlite:///{disk / 'catalog.db'}"})
        release = first_release(config)
        (disk / "filler").write_bytes(b"\0" * shutil.disk_usage(disk).free)
        done = openmeasure("etl", "run", "--config", str(config))
        said = " ".join(done.stderr.split())
        assert done.returncode == 2, done.stderr
        assert "savepoint" not in said and "Traceback" not in said
        assert "database or disk is full" in said and "the disk holding the catalogue is full" in said, said
        assert str(disk) in said and "Nothing was run or published" in said
        (disk / "filler").unlink()
        assert ReleaseStore(tmp_path / "store").current_id() == release
        assert [r["status"] for r in runs(config)] == ["succeeded"]
    finally:
        from core import catalogue

        engine = catalogue._engines.pop(f"sqlite:///{disk / 'catalog.db'}", None)
        if engine is not None:
            engine.dispose()  # its open file would keep the tmpfs busy
        if subprocess.run(["umount", str(disk)], capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", str(disk)], capture_output=True)


def test_a_catalogue_that_drops_after_the_publish_is_not_reported_as_nothing_published(tmp_path, monkeypatch):
    """The release was published, then the catalogue could not record the run: the run says it published
    (exit 3), never 'nothing was published'; the next run records the release as that run's."""
    from core import catalogue
    from etl.cli import main

    config = tiny_config(tmp_path)
    first_release(config)
    finish = catalogue.finish_run

    def down(engine, run_id, **kw):
        if kw.get("status") == "succeeded":
            raise catalogue.OperationalError("UPDATE runs", {}, Exception("server closed the connection"))
        return finish(engine, run_id, **kw)

    monkeypatch.setattr(catalogue, "finish_run", down)
    monkeypatch.chdir(tmp_path)
    assert main(["etl", "run", "--config", str(config)]) == 3
    store = ReleaseStore(tmp_path / "store")
    published = store.current_id()
    assert runs(config)[-1]["status"] == "running"
    monkeypatch.setattr(catalogue, "finish_run", finish)
    assert main(["etl", "run", "--config", str(config)]) == 0
    rows = runs(config)
    assert rows[1]["release_id"] == published and "nothing was published" not in rows[1]["error"]
