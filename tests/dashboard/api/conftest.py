"""Fixtures of the open-data tests: apps on private copies of real releases.

- ``api_store``: a store of its own holding a copy of the demo release and a second, revised release made
  from it (a few values changed, one cell added), so revisions have something to show; the demo fixture's
  store is shared with other tests and may gain releases while these run.
- ``eurostat_release``: the pipeline run on real Eurostat data (tests/dashboard/api/eurostat/config.yaml).
- ``make_app(config)``: a plain Flask server with ``dashboard.api.register`` called on it, as the Dash app
  factory does.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import flask
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from core.store import ReleaseStore, sha256_file, write_manifest
from tests.conftest import ROOT, load_config_with, temp_store_env

EUROSTAT_CONFIG = ROOT / "tests" / "api" / "eurostat" / "config.yaml"
MANAGER = ("manager.one", "correct horse battery staple")


def make_app(config) -> flask.Flask:
    from dashboard.api import register

    app = flask.Flask(__name__)
    app.config["TESTING"] = True
    register(app, config)
    return app


def _revise(src: Path, dst: Path, release_id: str) -> None:
    """Copy a release and revise it: +1 on the first 5 public 'ok' values, drop one row."""
    shutil.copytree(src, dst)
    for name in ["indicator_values.parquet", *sorted(p.relative_to(dst).as_posix()
                                                      for p in (dst / "by_area").glob("*.parquet"))]:
        t = pq.read_table(dst / name)
        key = pc.binary_join_element_wise(t["indicator"], t["area_code"], t["period"], "|")
        ok = pc.and_(pc.equal(t["status"], "ok"), pc.equal(t["visibility"], "public")).to_pylist()
        chosen = sorted(k for k, o in zip(key.to_pylist(), ok, strict=True) if o)[:5]
        revised = pc.is_in(key, pa.array(chosen[:4]))
        t = t.set_column(t.schema.get_field_index("value"), "value",
                         pc.if_else(revised, pc.add(t["value"], 1.0), t["value"]))
        t = t.filter(pc.not_equal(key, chosen[4]))
        pq.write_table(t, dst / name, write_page_checksum=True)  # as a release is written
    remanifest(dst, release_id=release_id)


def remanifest(folder: Path, **fields) -> None:
    """After a test rewrote files of a release folder: their checksums and sizes in its manifest (and the
    manifest's own checksum), as the ETL writes them; ``fields`` replace top-level manifest fields."""
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest.update(fields)
    for name in list(manifest["files"]):
        manifest["files"][name].update(sha256=sha256_file(folder / name), bytes=(folder / name).stat().st_size)
    write_manifest(folder, manifest)


@pytest.fixture(scope="session")
def api_store(demo_release, tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("api-store")
    releases = root / "store" / "releases"
    releases.mkdir(parents=True)
    first = demo_release.release_id
    shutil.copytree(demo_release.path, releases / first)
    second = "29991231T235959Z-abcdef"
    _revise(releases / first, releases / second, second)
    (root / "store" / "CURRENT").write_text(second + "\n")
    ReleaseStore(root / "store").verify(second)
    return {"store": str(root / "store"), "catalogue": f"sqlite:///{root / 'catalog.db'}",
            "old": first, "new": second}


@pytest.fixture(scope="session")
def api_config(demo_config, api_store):
    return demo_config.model_copy(update={"store": api_store["store"], "catalogue": api_store["catalogue"]})


@pytest.fixture(scope="session")
def app(api_config) -> flask.Flask:
    return make_app(api_config)


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture(scope="session")
def manager_app(api_config) -> flask.Flask:
    from core import accounts

    access = api_config.access.model_copy(update={"mode": "accounts", "secret_key": "s" * 32})
    config = api_config.model_copy(update={"access": access})
    accounts.add_account(accounts.connect(config.catalogue), *MANAGER)
    return make_app(config)


@pytest.fixture(scope="session")
def eurostat_release(tmp_path_factory):
    from etl.pipeline import run

    env = temp_store_env(tmp_path_factory.mktemp("eurostat"))
    config = load_config_with(EUROSTAT_CONFIG, env)
    result = run(config)
    return config, result


@pytest.fixture(scope="session")
def eurostat_app(eurostat_release) -> flask.Flask:
    return make_app(eurostat_release[0])


EUROSTAT_EXAMPLE = ROOT / "examples" / "eurostat" / "config.yaml"


@pytest.fixture(scope="session")
def eurostat_example(tmp_path_factory):
    """The Eurostat example (examples/eurostat: population and GDP per head, NUTS 0-3, 37 countries with no
    common root) built into a store of its own, and a Dash app over it: (config, release, app)."""
    from dashboard.app import create_app
    from dashboard.release_reader import ReleaseReader
    from etl.pipeline import run

    env = temp_store_env(tmp_path_factory.mktemp("eurostat-example"))
    config = load_config_with(EUROSTAT_EXAMPLE, env)
    result = run(config)
    return config, ReleaseReader(config.store).get(result.release_id), create_app(config)
