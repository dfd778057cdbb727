"""Every row of values names its area: ``area_name`` right after ``area_code`` in every format of
/api/v1/data, the release files, the zip and the revisions, from the release's own areas table; the other
columns keep their names and order; nothing cached in the old shape is served again."""

from __future__ import annotations

import io
import shutil
import zipfile

import openpyxl
import pandas as pd
import pyarrow.parquet as pq

from dashboard.release_reader import ReleaseReader
from tests.dashboard.api.conftest import make_app, remanifest

Q = "indicator=neet_rate,online_share&area=VL101,VL1,VL"


def file_columns(api_store) -> list[str]:
    """The columns of the release's values file (written by etl/, which does not hold names)."""
    rel = ReleaseReader(api_store["store"]).get(api_store["new"])
    return pq.read_schema(rel.path / "indicator_values.parquet").names


def published(columns: list[str]) -> list[str]:
    i = columns.index("area_code")
    return [*columns[:i + 1], "area_name", *columns[i + 1:]]


def names(client) -> dict[str, str]:
    return {a["area_code"]: a["name"] for a in client.get("/api/v1/areas").get_json()["data"]}


def csv(data: bytes) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(data), keep_default_na=False, na_values=[""], dtype=str)


def check(df: pd.DataFrame, want_columns: list[str], known: dict[str, str], what: str) -> None:
    assert list(df.columns) == want_columns, what
    assert len(df) > 0, what
    assert df["area_name"].tolist() == [known[c] for c in df["area_code"]], what


def test_every_values_format_names_the_area_after_its_code(client, api_store):
    """A journalist opening a download saw VL101, not Venwell, and had to join the areas table."""
    cols = published(file_columns(api_store))
    known = names(client)
    assert known["VL101"] == "Venwell"

    body = client.get(f"/api/v1/data?{Q}&limit=10000").get_json()
    rows = body["data"]
    assert list(rows[0]) == cols
    check(pd.DataFrame(rows), cols, known, "json")
    municipal = client.get("/api/v1/data?indicator=neet_rate&level=municipality&limit=10000").get_json()["data"]
    withheld = [r for r in municipal if r["status"] == "suppressed"]
    assert withheld and all(r["area_name"] == known[r["area_code"]] for r in withheld)  # a name is no secret

    check(csv(client.get(f"/api/v1/data?{Q}&format=csv").data), cols, known, "csv")
    check(csv(client.get(f"/api/v1/data?{Q}&format=csv&bom=true").data[3:]), cols, known, "csv with a BOM")
    check(pq.read_table(io.BytesIO(client.get(f"/api/v1/data?{Q}&format=parquet").data)).to_pandas(), cols,
          known, "parquet")
    wb = openpyxl.load_workbook(io.BytesIO(client.get(f"/api/v1/data?{Q}&format=xlsx").data), read_only=True)
    sheet = list(wb["data"].values)
    check(pd.DataFrame(sheet[1:], columns=sheet[0]), cols, known, "xlsx")
    described = dict(r[:2] for r in wb["metadata"].values if r and r[0])
    assert described["area_name"].startswith("Name of the area")

    # by-area files (a few areas across every indicator) as well as the by-indicator file
    check(csv(client.get("/api/v1/data?area=VL101,VL2&format=csv").data), cols, known, "by area")

    whole = csv(client.get("/data/releases/current/indicator_values.csv").data)
    check(whole, cols, known, "indicator_values.csv")
    assert set(whole["area_code"]) == set(known)
    zf = zipfile.ZipFile(io.BytesIO(client.get("/data/releases/current/release.zip").data))
    member = next(n for n in zf.namelist() if n.endswith("/indicator_values.csv"))
    check(csv(zf.read(member)), cols, known, "the zip's CSV")
    member = next(n for n in zf.namelist() if n.endswith("/indicator_values.parquet"))
    check(pq.read_table(io.BytesIO(zf.read(member))).to_pandas(), cols, known, "the zip's Parquet")
    readme = zf.read(next(n for n in zf.namelist() if n.endswith("/README.md"))).decode()
    listed = [line.split("`")[1] for line in readme.split("## Columns of indicator_values")[1]
              .split("##")[0].splitlines() if line.startswith("- `")]
    assert listed == cols

    # the descriptions of the columns say so too
    csvw = client.get(f"/api/v1/data/metadata.json?{Q}").get_json()
    assert [c["name"] for c in csvw["tableSchema"]["columns"]] == cols
    package = client.get("/data/releases/current/datapackage.json").get_json()
    values = next(r for r in package["resources"] if r["name"] == "indicator_values")
    assert [f["name"] for f in values["schema"]["fields"]] == cols
    row = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]["ValueRow"]
    assert list(row["properties"]) == cols and row["properties"]["area_name"]["description"]

    # revisions name the areas whose values changed
    q = f"from={api_store['old']}&to={api_store['new']}"
    changed = client.get(f"/data/revisions?{q}&format=json").get_json()["data"]
    assert changed and all(d["area_name"] == known[d["area_code"]] for d in changed)
    header = client.get(f"/data/revisions?{q}&format=csv").data.split(b"\n", 1)[0].decode().replace('"', "")
    assert header.startswith("indicator,area_code,area_name,")


def test_sdmx_csv_keeps_its_fixed_columns(client):
    """SDMX-CSV is a code-based standard layout (REF_AREA is a code of a code list): no name column in it."""
    header = client.get("/api/v1/data?indicator=neet_rate&format=sdmx-csv").data.split(b"\n", 1)[0].decode()
    assert "area_name" not in header and "REF_AREA" in header


def test_a_pinned_release_gives_the_names_it_was_published_with(api_store, api_config, tmp_path):
    """An area renamed in a later release keeps its old name in a script pinned to the earlier one."""
    store = tmp_path / "store"
    shutil.copytree(api_store["store"], store)
    path = store / "releases" / api_store["old"] / "areas.parquet"
    areas = pd.read_parquet(path)
    areas.loc[areas["area_code"] == "VL101", "name"] = "Venwell-on-Sea"
    areas.to_parquet(path, index=False)
    remanifest(path.parent)  # as the ETL would have written it: else the damaged-file check answers 503
    client = make_app(api_config.model_copy(update={"store": str(store)})).test_client()

    def name(release: str, fmt: str) -> set[str]:
        url = f"/api/v1/data?indicator=neet_rate&area=VL101{release}"
        if fmt == "json":
            return {r["area_name"] for r in client.get(url + "&limit=1000").get_json()["data"]}
        return set(csv(client.get(url + "&format=csv").data)["area_name"])

    for fmt in ("json", "csv"):
        assert name(f"&release={api_store['old']}", fmt) == {"Venwell-on-Sea"}, fmt
        assert name("", fmt) == {"Venwell"}, fmt
    whole = csv(client.get(f"/data/releases/{api_store['old']}/indicator_values.csv").data)
    assert set(whole.loc[whole["area_code"] == "VL101", "area_name"]) == {"Venwell-on-Sea"}


def test_nothing_cached_in_the_shape_without_names_is_served(api_config, tmp_path, monkeypatch):
    """A deployment upgraded in place keeps its download cache, its CSV blocks and its clients' ETags: none
    of them may give back a body without area_name."""
    from dashboard.api import cache, csv_blocks, formats, http, reading

    access = api_config.access.model_copy(update={"download_cache": str(tmp_path / "cache")})
    app = make_app(api_config.model_copy(update={"access": access}))
    client = app.test_client()
    st = app.extensions["openmeasure_api"]
    rel = st.public.current()

    # a whole-release CSV cached by the previous render version
    with monkeypatch.context() as old:
        old.setattr(cache, "RENDER_VERSION", "2")
        key = f"{rel.id}|indicator_values.csv|http://localhost/"
        b"".join(st.cache.tee(key, iter([b'"indicator","area_code"\n'])))
        assert st.cache.get(key) is not None
    r = client.get("/data/releases/current/indicator_values.csv")
    assert r.headers["X-OpenMeasure-Cache"] == "miss" and b'"area_name"' in r.data.split(b"\n", 1)[0]

    # an ETag a client got from the previous render version
    url = "/api/v1/data?indicator=neet_rate&format=csv"
    with monkeypatch.context() as old:
        old.setattr(http, "RENDER_VERSION", "2")
        stale = client.get(url).headers["ETag"]
    r = client.get(url, headers={"If-None-Match": stale})
    assert r.status_code == 200 and b'"area_name"' in r.data.split(b"\n", 1)[0]

    # CSV blocks rendered by the previous layout (rows without the name) are not put together
    blocks = csv_blocks.CsvBlocks(tmp_path / "blocks", 1 << 30)
    with monkeypatch.context() as old:
        old.setattr(csv_blocks, "LAYOUT", "v1")
        assert blocks.render(rel)["complete"]
        assert (tmp_path / "blocks" / csv_blocks.folder_name(rel)).is_dir()
    parts = reading.plan(rel, reading.ValueQuery())
    assert blocks.csv_body(rel, reading.value_schema(rel), parts) is None
    assert blocks.render(rel)["complete"]
    body = b"".join(blocks.csv_body(rel, reading.value_schema(rel), parts))
    assert body.startswith(b'"indicator","area_code","area_name",')
    assert body == b"".join(formats.csv_stream(reading.value_schema(rel), reading.batches(rel, reading.ValueQuery())))
