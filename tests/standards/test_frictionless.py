"""The data packages of a release, as Frictionless' own validator (frictionless 5) reads them: the package in
the release folder, the one the site serves with its files, and the one inside release.zip, on the demo and
on the Eurostat example.

Frictionless reads Parquet through pandas, row by row (a few hundred rows a second here), so each resource is
checked on its first ROWS rows: enough for what went wrong before (an empty integer cell, read as NaN, was a
type error from the second row on); the schema, primary key and package are checked in full.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from frictionless import Package, validate

pytestmark = pytest.mark.slow  # more than a few seconds: left out of the fast lane (README)

ROWS = 500
SERVED = ["datapackage.json", "indicator_values.csv", "indicator_values.parquet", "areas.csv", "areas.parquet",
          "indicators.csv", "indicators.parquet"]


def _problems(descriptor: Path) -> list:
    package = Package(str(descriptor))
    assert package.resources, descriptor
    problems = []
    for resource in package.resources:
        assert resource.schema.primary_key or resource.name == "quality", f"{resource.name}: no primary key"
        report = validate(resource, limit_rows=ROWS)
        problems += [(resource.name, *e) for e in report.flatten(["rowNumber", "fieldName", "type", "note"])]
    return problems


def test_the_release_folder_package_is_valid(deployment):
    name, app = deployment
    assert _problems(_current_folder(app) / "datapackage.json") == []


def _current_folder(app) -> Path:
    from dashboard.api.state import state

    with app.app_context():
        return Path(state().public.current().path)


def test_the_served_package_and_release_zip_are_valid(deployment, tmp_path):
    name, app = deployment
    client = app.test_client()
    served = tmp_path / "served"
    served.mkdir()
    for file in SERVED:
        r = client.get(f"/data/releases/current/{file}")
        assert r.status_code == 200, file
        (served / file).write_bytes(r.data)
    assert _problems(served / "datapackage.json") == []
    unzipped = tmp_path / "zip"
    zipfile.ZipFile(io.BytesIO(client.get("/data/releases/current/release.zip").data)).extractall(unzipped)
    assert _problems(next(unzipped.rglob("datapackage.json"))) == []


def test_licence_is_an_id_and_title_is_not_doubled(deployment):
    name, app = deployment
    doc = app.test_client().get("/data/releases/current/datapackage.json").get_json()
    assert doc["licenses"] == [{"name": "CC-BY-4.0", "path": "http://creativecommons.org/licenses/by/4.0/"}]
    folder = _current_folder(app)
    local = json.loads((folder / "datapackage.json").read_text())
    assert local["licenses"] == doc["licenses"]
    assert local["title"].lower().count("synthetic") <= 1


def test_no_column_of_a_release_table_is_typed_null(deployment):
    name, app = deployment
    folder = _current_folder(app)
    for table in ("indicators", "quality", "areas", "neighbours", "indicator_values"):
        schema = pq.read_schema(folder / f"{table}.parquet")
        assert not [f.name for f in schema if pa.types.is_null(f.type)], table
