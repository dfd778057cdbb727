"""Remote sources over HTTP on 127.0.0.1 (ETag / If-Modified-Since, retries, timeouts) and snapshots: what a
release was built from, skipping unchanged inputs, rebuilding an old release."""

from __future__ import annotations

import gzip
import shutil
import threading
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pandas as pd
import pytest

from core.config_models import FetchConfig, SourceConfig
from core.errors import SourceError
from core.store import ReleaseStore, sha256_file
from etl.pipeline import run
from etl.sources import remote, snapshots
from tests.etl.bad_inputs_helpers import BAD, deployment

pytestmark = pytest.mark.slow  # more than a few seconds: left out of the fast lane (README)

PAGE = "eurostat-regional-population-gdp/sdmx-csv/nama_10r_3gdp_page_linear.csv.gz"


class Server:
    """Serves files from a folder with ETag and Last-Modified, answering 304 to a matching conditional GET.
    ``fail_next`` makes the next N requests answer 503; ``delay`` stalls every answer."""

    def __init__(self, folder: Path):
        self.folder, self.requests, self.fail_next, self.delay = folder, [], 0, 0.0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output quiet
                pass

            def do_GET(self):  # noqa: N802 - http.server's name
                outer.requests.append((self.path, self.headers.get("If-None-Match"),
                                       self.headers.get("If-Modified-Since")))
                if outer.delay:
                    threading.Event().wait(outer.delay)
                if outer.fail_next:
                    outer.fail_next -= 1
                    self.send_error(503)
                    return
                f = outer.folder / self.path.lstrip("/")
                if not f.is_file():
                    self.send_error(404)
                    return
                etag = '"' + sha256_file(f)[:16] + '"'
                modified = formatdate(f.stat().st_mtime, usegmt=True)
                if self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.end_headers()
                    return
                body = f.read_bytes()
                self.send_response(200)
                self.send_header("ETag", etag)
                self.send_header("Last-Modified", modified)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        class Quiet(ThreadingHTTPServer):
            def handle_error(self, request, client_address):  # a client that timed out hung up: expected
                pass

        self.httpd = Quiet(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture()
def served(tmp_path, shared_data):
    folder = tmp_path / "www"
    folder.mkdir()
    shutil.copyfile(shared_data / PAGE, folder / "gdp.csv.gz")
    with Server(folder) as server:
        yield server


def _remote(url: str, **fetch) -> SourceConfig:
    return SourceConfig(id="gdp", format="sdmx_csv", url=url, fetch=FetchConfig(**fetch))


def test_unchanged_source_is_not_downloaded_again(tmp_path, served, shared_data):
    src = _remote(served.url + "/gdp.csv.gz", backoff=0)
    first = remote.fetch(src, tmp_path / "cache")
    assert first.downloaded and sha256_file(first.path) == sha256_file(shared_data / PAGE)
    again = remote.fetch(src, tmp_path / "cache")
    assert not again.downloaded and again.path == first.path
    assert served.requests[1][1] == first.etag and served.requests[1][2] == first.last_modified
    (served.folder / "gdp.csv.gz").write_bytes(b"changed")
    changed = remote.fetch(src, tmp_path / "cache")
    assert changed.downloaded and changed.path.read_bytes() == b"changed"


def test_retries_then_succeeds(tmp_path, served):
    served.fail_next = 2
    got = remote.fetch(_remote(served.url + "/gdp.csv.gz", retries=2, backoff=0), tmp_path / "cache")
    assert got.downloaded and len(served.requests) == 3


def test_gives_up_with_a_clear_message(tmp_path, served):
    served.fail_next = 5
    with pytest.raises(SourceError) as err:
        remote.fetch(_remote(served.url + "/gdp.csv.gz", retries=1, backoff=0), tmp_path / "cache")
    assert str(err.value) == (f"source 'gdp': cannot download {served.url}/gdp.csv.gz: HTTP 503 Service "
                              "Unavailable (2 attempts)")
    served.fail_next = 0
    with pytest.raises(SourceError, match=r"HTTP 404 Not Found \(1 attempt\)"):  # a 4xx is not retried
        remote.fetch(_remote(served.url + "/missing.csv", retries=3, backoff=0), tmp_path / "cache")


def test_timeout(tmp_path, served):
    served.delay = 1.5
    with pytest.raises(SourceError, match=r"cannot download .*: timed out after 0.3 s \(1 attempt\)"):
        remote.fetch(_remote(served.url + "/gdp.csv.gz", timeout=0.3, retries=0), tmp_path / "cache")


def test_remote_source_in_a_run_is_snapshotted_and_the_release_can_be_rebuilt(tmp_path, served, shared_data):
    source = {"id": "gdp", "format": "sdmx_csv", "url": served.url + "/gdp.csv.gz", "fetch": {"backoff": 0}}
    measures = [{"id": "gdp", "source": "gdp", "select": {"unit": "MIO_EUR"}}]
    gdp = {"id": "gdp", "title": "GDP", "theme": "growth", "kind": "impact", "unit": "million EUR",
           "compute": {"method": "sum", "measure": "gdp"}}
    config = deployment(tmp_path, shared_data, source, measures=measures, indicators=[gdp])
    first = run(config)
    manifest = ReleaseStore(config.store).manifest(first.release_id)
    entry = manifest["sources"]["gdp"]
    assert entry["sha256"] == sha256_file(shared_data / PAGE) and entry["url"] == source["url"]
    snap = Path(config.store) / entry["snapshot"] / "gdp.csv.gz"
    assert sha256_file(snap) == entry["sha256"]

    # nothing changed: the scheduler may skip the run (the server answers 304, nothing is downloaded)
    assert snapshots.inputs_unchanged(config)
    assert served.requests[-1][1] is not None
    # the publisher replaces the file: not unchanged any more, and the next release differs
    values = pd.read_parquet(first.path / "indicator_values.parquet")
    lines = gzip.decompress((shared_data / PAGE).read_bytes()).split(b"\r\n")
    (served.folder / "gdp.csv.gz").write_bytes(gzip.compress(b"\r\n".join(lines[:5000]) + b"\r\n"))
    assert not snapshots.inputs_unchanged(config)
    second = run(config)
    changed = pd.read_parquet(second.path / "indicator_values.parquet")
    assert changed["value"].notna().sum() < values["value"].notna().sum()

    # the first release rebuilt from its snapshot, with the server gone
    served.httpd.shutdown()
    rebuilt = run(snapshots.config_for_release(config, manifest))
    again = pd.read_parquet(rebuilt.path / "indicator_values.parquet")
    cols = ["indicator", "area_code", "period", "value", "status"]
    pd.testing.assert_frame_equal(again[cols], values[cols])


def test_sql_snapshot_rebuilds_from_parquet(tmp_path, shared_data):
    import sqlite3

    db = tmp_path / "pop.db"
    with sqlite3.connect(db) as con:
        con.execute("CREATE TABLE pop (area_code TEXT, year INTEGER, measure TEXT, value REAL)")
        con.execute("INSERT INTO pop VALUES ('DE111', 2019, 'population', 635911), "
                    "('DE112', 2019, 'population', 392807)")
    source = {"format": "sql", "sql": {"url": f"sqlite:///{db}", "table": "pop"},
              "columns": {"area_code": "area_code", "period": "year", "value": "value"}}
    config = deployment(tmp_path, shared_data, source)
    first = run(config)
    manifest = ReleaseStore(config.store).manifest(first.release_id)
    assert manifest["sources"]["s"]["files"] == ["result.parquet"]
    assert snapshots.inputs_unchanged(config)
    with sqlite3.connect(db) as con:
        con.execute("UPDATE pop SET value = 1 WHERE area_code = 'DE111'")
    assert not snapshots.inputs_unchanged(config)
    rebuilt = snapshots.config_for_release(config, manifest)
    assert rebuilt.sources[0].format == "parquet"
    again = run(rebuilt)
    cols = ["indicator", "area_code", "period", "value"]
    pd.testing.assert_frame_equal(pd.read_parquet(again.path / "indicator_values.parquet")[cols],
                                  pd.read_parquet(first.path / "indicator_values.parquet")[cols])


def test_unchanged_file_reuses_its_snapshot(tmp_path, shared_data):
    config = deployment(tmp_path, shared_data, {"path": str(BAD / "jump_before.csv")})
    run(config)
    run(config)
    folders = [p for p in (Path(config.store) / "snapshots" / "s").iterdir() if p.name != "observations"]
    assert len(folders) == 1


def test_snapshots_no_kept_release_refers_to_are_pruned(tmp_path, shared_data):
    """Each changed extract is copied into the store: without pruning, a daily source would fill the disk.
    What a kept release was built from stays (so it can still be rebuilt); the rest goes."""
    before, after = BAD / "jump_before.csv", BAD / "coverage_after.csv"
    config = deployment(tmp_path, shared_data, {"path": str(tmp_path / "input.csv"),
                                                "validation": {"jump_factor": 1000}})
    config = config.model_copy(update={"publication": config.publication.model_copy(update={"keep_releases": 1})})
    store = ReleaseStore(config.store)
    snaps = Path(config.store) / "snapshots" / "s"
    shutil.copyfile(before, tmp_path / "input.csv")
    first = run(config)
    first_entry = store.manifest(first.release_id)["sources"]["s"]
    (snaps / ".tmp-20260101T000000Z-abandoned").mkdir()  # an interrupted copy
    shutil.copyfile(after, tmp_path / "input.csv")
    second = run(config)
    entry = store.manifest(second.release_id)["sources"]["s"]
    assert [r["id"] for r in store.list()] == [second.release_id]  # keep_releases: 1
    kept = sorted(p.relative_to(config.store).as_posix() for p in snaps.rglob("*") if p.is_file())
    assert kept == sorted([f"{entry['snapshot']}/{entry['files'][0]}", entry["observations"]])
    assert not (Path(config.store) / first_entry["snapshot"]).exists()
    assert not (Path(config.store) / first_entry["observations"]).exists()
    # the kept release can still be rebuilt from what is left
    rebuilt = snapshots.config_for_release(config, store.manifest(second.release_id))
    assert Path(rebuilt.sources[0].path).is_file()
    assert sha256_file(Path(rebuilt.sources[0].path)) == entry["sha256"]


def test_kept_observations_are_named_by_the_observations_not_their_lines(tmp_path):
    """The same observations read from lines further down (a note added above the table) keep the file's
    name, so the next run sees them as unchanged and skips the comparison."""
    obs = pd.DataFrame({"measure": ["m", "m"], "area_code": ["A", "B"], "period": ["2024", "2024"],
                        "breakdown": ["total", "total"], "value": [1.0, 2.0], "flags": ["", ""],
                        "status": ["ok", "ok"], "source": ["s", "s"], "row": [2, 3]})
    first = snapshots.keep_observations(tmp_path, "s", obs)
    assert snapshots.keep_observations(tmp_path, "s", obs.assign(row=[5, 6])) == first
    assert snapshots.keep_observations(tmp_path, "s", obs.assign(value=[1.0, 3.0])) != first
    assert "row" not in pd.read_parquet(tmp_path / first).columns
