"""Every download format on the demo release: round-trips against the JSON API, metadata, limits, bulk zip,
data package, SDMX-CSV, CSVW and revisions."""

from __future__ import annotations

import io
import json
import zipfile

import openpyxl
import pandas as pd
import pyarrow.parquet as pq
import pytest

from core.store import write_manifest
from tests.dashboard.api.conftest import make_app

Q = "indicator=neet_rate,online_share&level=region"


def api_json(client, query: str) -> pd.DataFrame:
    body = client.get(f"/api/v1/data?{query}&limit=10000").get_json()
    assert body["total"] == len(body["data"])
    return pd.DataFrame(body["data"])


def read_csv(data: bytes) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(data), keep_default_na=False, na_values=[""],
                       dtype={"period": str, "previous_period": str, "target_period": str, "flags": str,
                              "parent_code": str, "note": str})


def same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    assert list(a.columns) == list(b.columns)
    assert len(a) == len(b) > 0
    for col in a.columns:
        x, y = a[col], b[col]
        if pd.api.types.is_numeric_dtype(x) or pd.api.types.is_numeric_dtype(y):
            pd.testing.assert_series_equal(pd.to_numeric(x).astype(float), pd.to_numeric(y).astype(float),
                                           check_names=False, rtol=1e-12)
        else:
            assert x.fillna("").astype(str).tolist() == y.fillna("").astype(str).tolist(), col


def test_csv_round_trip_equals_json(client):
    r = client.get(f"/api/v1/data?{Q}&format=csv")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    assert r.headers["Content-Disposition"].startswith("attachment; filename=\"openmeasure-")
    assert 'rel="describedby"' in r.headers["Link"]
    same(read_csv(r.data), api_json(client, Q))


def test_csv_bom_for_excel(client):
    plain = client.get(f"/api/v1/data?{Q}&format=csv").data
    bom = client.get(f"/api/v1/data?{Q}&format=csv&bom=true").data
    assert not plain.startswith(b"\xef\xbb\xbf") and bom == b"\xef\xbb\xbf" + plain


@pytest.mark.parametrize("fmt, extra", [
    ("json", "bom=true"), ("sdmx-csv2", "bom=true"), ("parquet", "bom=true"), ("csv", "limit=3"),
    ("sdmx-csv", "limit=3&cursor=abc"),
])
def test_a_parameter_that_means_nothing_for_the_format_is_ignored(client, fmt, extra):
    """bom unless format=csv, limit and cursor unless format=json: the OpenAPI document allows them with any
    format (it cannot tie one parameter to another), so they are ignored, not refused: the body is the one
    without them."""
    plain = client.get(f"/api/v1/data?{Q}&format={fmt}")
    got = client.get(f"/api/v1/data?{Q}&format={fmt}&{extra}")
    assert plain.status_code == got.status_code == 200, got.data[:300]
    if fmt == "json":
        assert got.get_json()["data"] == plain.get_json()["data"]
    elif fmt != "parquet":  # a parquet file's metadata holds the request's URL
        assert got.data.count(b"\n") == plain.data.count(b"\n") and not got.data.startswith(b"\xef\xbb\xbf")
    else:
        assert pq.read_table(io.BytesIO(got.data)).num_rows == pq.read_table(io.BytesIO(plain.data)).num_rows


@pytest.mark.parametrize("query", ["format=csv&bom=maybe", "format=parquet&bom=maybe", "format=csv&limit=0",
                                   "format=xlsx&limit=x", "format=csv&cursor=not%20a%20cursor"])
def test_an_ignored_parameter_is_still_checked(client, query):
    r = client.get(f"/api/v1/data?{Q}&{query}")
    assert r.status_code == 400 and r.get_json()["error"]["parameter"] == query.split("&")[1].split("=")[0]


def test_parquet_round_trip_and_metadata(client):
    r = client.get(f"/api/v1/data?{Q}&format=parquet")
    t = pq.read_table(io.BytesIO(r.data))
    same(t.to_pandas(), api_json(client, Q))
    meta = json.loads(t.schema.metadata[b"openmeasure"])
    assert meta["licence"] == "CC-BY-4.0" and meta["release"]["id"]
    assert {i["id"] for i in meta["indicators"]} == {"neet_rate", "online_share"}


def test_xlsx_has_the_data_and_a_metadata_sheet(client):
    r = client.get(f"/api/v1/data?{Q}&format=xlsx")
    wb = openpyxl.load_workbook(io.BytesIO(r.data), read_only=True)
    assert wb.sheetnames == ["data", "metadata"]
    rows = list(wb["data"].values)
    df = pd.DataFrame(rows[1:], columns=rows[0])
    same(df, api_json(client, Q))
    meta = dict(r for r in wb["metadata"].values if r and r[0])
    for field in ("Title", "Release", "Release date", "Licence", "Attribution (required)", "Citation",
                  "Periods", "Indicator neet_rate: unit", "Indicator neet_rate: multiplier",
                  "Indicator neet_rate: methodology link", "Status 'suppressed'", "Status 'provisional'",
                  "Status 'estimated'", "Status 'low_coverage'"):
        assert meta.get(field), field


def test_json_carries_the_metadata(client):
    meta = client.get(f"/api/v1/data?{Q}&limit=1").get_json()["meta"]
    assert meta["citation"].startswith("OpenMeasure demo release")
    assert meta["periods"]["from"] <= meta["periods"]["to"]
    neet = next(i for i in meta["indicators"] if i["id"] == "neet_rate")
    assert neet["unit"] == "%" and neet["multiplier"] == 100 and "/api/v1/indicators/neet_rate" in neet[
        "methodology_url"]
    assert "suppressed" in meta["status"]


def test_csvw_companion_describes_the_csv(client):
    r = client.get(f"/api/v1/data?{Q}&format=csv")
    link = r.headers["Link"].split(">")[0].lstrip("<")
    doc = client.get(link).get_json()
    cols = [c["name"] for c in doc["tableSchema"]["columns"]]
    assert cols == read_csv(r.data).columns.tolist()
    assert doc["dc:license"] == "CC-BY-4.0" and "format=csv" in doc["url"]


def test_sdmx_csv(client):
    r = client.get("/api/v1/data?indicator=neet_rate&format=sdmx-csv")
    df = pd.read_csv(io.BytesIO(r.data), keep_default_na=False, na_values=[""])
    assert df.columns[0] == "DATAFLOW" and (df["DATAFLOW"] == "OPENMEASURE:INDICATOR_VALUES(1.0)").all()
    js = api_json(client, "indicator=neet_rate")
    assert len(df) == len(js)
    sup = df[df["OBS_STATUS"] == "Q"]
    assert len(sup) == int((js["status"] == "suppressed").sum()) > 0
    assert sup["OBS_VALUE"].isna().all()
    # C: withheld by disclosure control, one note whether small or protecting another (an attacker must not
    # tell them apart)
    assert (sup["CONF_STATUS"] == "C").all()
    assert (df.loc[js["status"].ne("suppressed").to_numpy(), "CONF_STATUS"] == "F").all()
    assert (df.loc[js["status"].eq("provisional").to_numpy(), "OBS_STATUS"] == "P").all()


def test_sdmx_csv2_withholds_suppressed_cells_and_codes_units(client):
    r = client.get("/api/v1/data?indicator=neet_rate,neet_count&level=municipality&period_from=2019&format=sdmx-csv2")
    df = pd.read_csv(io.BytesIO(r.data), keep_default_na=False, na_values=[""], dtype=str)
    js = api_json(client, "indicator=neet_rate,neet_count&level=municipality&period_from=2019")
    assert len(df) == len(js) and (df["STRUCTURE_ID"] == "OPENMEASURE:INDICATOR_VALUES(1.0)").all()
    sup = df[df["OBS_STATUS"] == "Q"]
    assert len(sup) == int((js["status"] == "suppressed").sum()) > 0
    for col in ("OBS_VALUE", "LOWER_CI", "UPPER_CI"):
        assert sup[col].isna().all(), col
    assert (sup["CONF_STATUS"] == "C").all()
    assert set(df["UNIT_MEASURE"]) == {"PC", "PERS"} and set(df["FREQ"]) == {"A"}
    assert not df["OBS_FLAG"].fillna("").str.contains(":").any()


def test_every_withholding_note_is_confidential_by_its_prefix():
    """SDMX-CSV's CONF_STATUS C is told from the note's first word: every reason keeps to it, and the notes of
    releases made before protection intervals keep D for cells withheld to protect another."""
    from indicators import disclosure
    from indicators.release_audit import LEGACY_NOT_SMALL
    for reason in (disclosure.DISCLOSURE_REASON, disclosure.CONFIDENTIAL_REASON):
        assert reason.startswith(disclosure.PRIMARY_NOTE_PREFIX)
    assert not any(r.startswith(disclosure.PRIMARY_NOTE_PREFIX) for r in LEGACY_NOT_SMALL)


def test_result_size_limit_says_how_to_narrow(api_config):
    access = api_config.access.model_copy(update={"max_rows": 100, "max_rows_xlsx": 50})
    client = make_app(api_config.model_copy(update={"access": access})).test_client()
    r = client.get("/api/v1/data?indicator=neet_rate&format=csv")
    assert r.status_code == 400
    msg = r.get_json()["error"]["message"]
    assert "more than the 100" in msg and "period_from" in msg and "/data" in msg
    assert client.get("/api/v1/data?indicator=neet_rate&format=xlsx&area=VL1,VL2&period_from=2020").status_code \
        == 200
    assert client.get("/api/v1/data?indicator=neet_rate&format=xlsx&level=municipality").status_code == 400


def test_bulk_zip_holds_the_release(client, api_store):
    r = client.get(f"/data/releases/{api_store['new']}/release.zip")
    assert r.status_code == 200 and r.mimetype == "application/zip"
    zf = zipfile.ZipFile(io.BytesIO(r.data))
    names = {n.split("/", 1)[1] for n in zf.namelist()}
    assert {"indicator_values.parquet", "indicator_values.csv", "areas.csv", "indicators.parquet",
            "datapackage.json", "README.md", "indicator_values.csv-metadata.json"} <= names
    prefix = f"openmeasure-{api_store['new']}/"
    values = pq.read_table(io.BytesIO(zf.read(prefix + "indicator_values.parquet"))).to_pandas()
    full = api_json(client, "indicator=neet_rate")
    same(values[values.indicator == "neet_rate"].reset_index(drop=True), full)
    same(read_csv(zf.read(prefix + "indicator_values.csv")), values)
    readme = zf.read(prefix + "README.md").decode()
    assert "CC-BY-4.0" in readme and api_store["new"] in readme and "suppressed" in readme
    package = json.loads(zf.read(prefix + "datapackage.json"))
    for res in package["resources"]:
        assert res["path"] in names
        assert [f["name"] for f in res["schema"]["fields"]]
    assert package["licenses"][0]["name"] == "CC-BY-4.0"


def test_current_alias_and_single_files(client, api_store):
    a = client.get("/data/releases/current/datapackage.json").get_json()
    assert a["id"] == api_store["new"]
    r = client.get(f"/data/releases/{api_store['old']}/areas.parquet")
    assert pq.read_table(io.BytesIO(r.data)).num_rows == len(client.get("/api/v1/areas").get_json()["data"])
    assert r.headers["Cache-Control"] == "public, max-age=86400"


def test_revisions_between_two_releases(client, api_store):
    q = f"from={api_store['old']}&to={api_store['new']}"
    body = client.get(f"/data/revisions?{q}&format=json").get_json()
    assert body["summary"] == {"revised": 4, "added": 0, "removed": 1, "status": 0}
    revised = [d for d in body["data"] if d["kind"] == "revised"]
    assert all(d["change"] == pytest.approx(1.0) for d in revised)
    csv = read_csv(client.get(f"/data/revisions?{q}&format=csv").data)
    assert len(csv) == 5 and set(csv["kind"]) == {"revised", "removed"}
    html = client.get(f"/data/revisions?{q}").data.decode()
    assert "4 revised" in html and ">Changed values</caption>" in html
    # the other way round, an added value would read as removed: refused, saying which is which
    r = client.get(f"/data/revisions?from={api_store['new']}&to={api_store['old']}&format=json")
    assert r.status_code == 400
    assert "give the earlier release as 'from'" in r.get_json()["error"]["message"]


def test_download_centre_lists_releases_and_downloads(client, api_store):
    html = client.get("/data").data.decode()
    for needle in (api_store["new"], api_store["old"], "release.zip", "Synthetic data", "CC-BY-4.0",
                   'action="/data/revisions"', "format=xlsx", "format=sdmx-csv", 'lang="en"'):
        assert needle in html


@pytest.mark.parametrize("path", ["/data", "/api/", "/data/revisions?from=current&to=current"])
def test_server_pages_have_the_sites_header_a_way_back_and_its_stylesheet(client, api_config, path):
    from dashboard.components.site import NAV

    html = client.get(path).data.decode()
    header = html[html.index('<header class="site-header">'):html.index("</header>")]
    assert api_config.title in header
    assert all(f'href="{href}"' in header for _, href in NAV), "every part of the site is one link away"
    assert '<a href="/">Back to the dashboard</a>' in html
    assert '<link rel="stylesheet" href="/assets/openmeasure.css">' in html and "<style>" not in html
    assert '<footer class="site-footer">' in html and 'class="skip-link" href="#main"' in html
    assert html.count("<table") == html.count('<div class="table-wrap" role="region" tabindex="0" aria-labelledby=')


def test_download_centre_names_formats_in_words_not_mime_types(client):
    from dashboard.api import bulk

    html = client.get("/data").data.decode()
    assert 'aria-current="page">Downloads</a>' in html
    for mime, _ in bulk.FILES.values():
        assert mime.split(";")[0] not in html, mime
    for name in ("Parquet", "CSV", "SDMX-CSV", "CSVW metadata (JSON)", "Text (Markdown)", "ZIP archive"):
        assert f"<td>{name}</td>" in html, name


def test_catalogue_is_dcat_json_ld(client):
    r = client.get("/catalog.jsonld")
    assert r.mimetype == "application/ld+json"
    doc = r.get_json()
    assert doc["@type"] == "dcat:Catalog"
    ids = {d["dct:identifier"] for d in doc["dcat:dataset"]}
    assert "neet_rate" in ids
    neet = next(d for d in doc["dcat:dataset"] if d["dct:identifier"] == "neet_rate")
    formats = {d["dct:format"]["@id"].rsplit("/", 1)[1] for d in neet["dcat:distribution"]}
    assert {"CSV", "PARQUET", "XLSX", "JSON"} <= formats
    for dist in neet["dcat:distribution"]:
        url = dist["dcat:downloadURL"]["@id"].replace("http://localhost", "")
        assert client.get(url).status_code == 200


def test_xlsx_writer_keeps_exact_numbers_and_escapes_text():
    import pyarrow as pa

    from dashboard.api.xlsx import column_letters, xlsx_stream
    batch = pa.RecordBatch.from_pydict({
        "text": ["<a & b>", "tab\there\x01", None],
        "x": [10.916824361902696, float("nan"), float("inf")],
        "n": [1, None, 2**40]})
    data = b"".join(xlsx_stream(batch.schema, [batch, batch], [("Title", "A & <B>")], {"x": "a number"}))
    wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    rows = [tuple(r) + (None,) * (3 - len(r)) for r in wb["data"].values]  # openpyxl trims empty cells
    assert rows[0] == ("text", "x", "n")
    assert rows[1] == ("<a & b>", 10.916824361902696, 1)
    assert rows[2] == ("tab\there", None, None) and rows[3] == (None, None, 2**40)
    assert len(rows) == 7
    meta = list(wb["metadata"].values)
    assert ("Title", "A & <B>") in meta and ("x", "a number") in meta
    assert column_letters(28)[-3:] == ["Z", "AA", "AB"]


def test_json_rows_encode_decimal_counts_from_older_releases():
    """A release written before counts were cast to BIGINT holds decimal128 columns: JSON must not stop
    mid-body on them."""
    import decimal

    import orjson
    import pyarrow as pa

    from dashboard.api.formats import json_rows

    batch = pa.record_batch({"n": pa.array([decimal.Decimal(3), None, decimal.Decimal("2.5")], pa.decimal128(38, 1))})
    assert [orjson.loads(r) for r in json_rows(batch)] == [{"n": 3}, {"n": None}, {"n": 2.5}]


def test_parquet_download_of_a_release_whose_file_marks_columns_not_null():
    """Older releases mark some columns NOT NULL; the rows read back (suppressed cells withheld) may be
    null there, and the download must still be written (it failed with 'schema does not match')."""
    import io

    import pyarrow as pa
    import pyarrow.parquet as pq

    from dashboard.api.formats import parquet_stream

    schema = pa.schema([pa.field("value", pa.float64(), nullable=False), pa.field("status", pa.string())])
    batch = pa.record_batch({"value": pa.array([1.5, None]), "status": ["ok", "suppressed"]})
    body = b"".join(parquet_stream(schema, [batch], {"release": "x"}))
    table = pq.read_table(io.BytesIO(body))
    assert table.column("value").to_pylist() == [1.5, None] and table.schema.field("value").nullable
    assert b"openmeasure" in table.schema.metadata


def test_revisions_ignore_floating_point_noise_between_builds(monkeypatch):
    """Rebuilding a release moves the last bit of non-integer sums: that is not a revision; a real change,
    a value that appears or disappears and a change of status are."""
    import pyarrow as pa

    from dashboard.api import reading, revisions

    def table(values, statuses):
        n = len(values)
        return pa.table({"indicator": ["x"] * n, "area_code": [f"A{i}" for i in range(n)],
                         "area_name": [f"Area {i}" for i in range(n)], "level": ["l"] * n, "period": ["2020"] * n,
                         "breakdown": ["total"] * n, "value": values, "status": statuses})

    old = table([2.937683532549513, 10.0, 5.0, None, 1e-300, 7.0], ["ok"] * 6)
    new = table([2.9376835325495136, 10.001, None, 4.0, 2e-300, 7.0], ["ok"] * 5 + ["provisional"])
    monkeypatch.setattr(reading, "read_table", lambda rel, q, cols: old if rel == "old" else new)
    monkeypatch.setattr(revisions, "explanation", lambda o, n: {"indicators": {"x": "source data changed: S"}})
    t = revisions.revisions("old", "new")
    assert dict(zip(t.column("area_code").to_pylist(), t.column("kind").to_pylist(), strict=True)) == {
        "A1": "revised", "A2": "revised", "A3": "revised", "A4": "revised", "A5": "status"}
    assert t.column("reason").to_pylist() == ["source data changed: S"] * 4 + ["status changed from ok to provisional"]


def test_docs_name_exactly_the_files_of_the_zip(client):
    """docs/api.md said the zip held 'all of the following', the SDMX-CSV among them; it holds nine files."""
    import re

    from tests.conftest import ROOT

    docs = " ".join((ROOT / "docs" / "api.md").read_text().split())
    said = re.search(r"The zip holds (\w+) files under `openmeasure-<id>/`: (.*?); the SDMX-CSV", docs)
    assert said, "docs/api.md names the files of release.zip"
    listed = re.findall(r"`([^`]+)`", said.group(2))
    zf = zipfile.ZipFile(io.BytesIO(client.get("/data/releases/current/release.zip").data))
    names = [n.split("/", 1)[1] for n in zf.namelist()]
    assert sorted(listed) == sorted(names) and said.group(1) == "eleven" and len(names) == 11
    for sdmx_file in ("indicator_values.sdmx.csv", "indicator_values.sdmx2.csv"):
        assert sdmx_file not in names
        assert client.get(f"/data/releases/current/{sdmx_file}").status_code == 200


def test_every_download_names_decimals_sources_and_the_methodology_page(client):
    """The xlsx metadata sheet and the zip README give each indicator's decimals and sources, and every
    download links the human methodology page (/methodology/<id>), not only the indicator's JSON."""
    page = "http://localhost/methodology/neet_rate"
    meta = client.get(f"/api/v1/data?{Q}&limit=1").get_json()["meta"]
    neet = next(i for i in meta["indicators"] if i["id"] == "neet_rate")
    assert neet["methodology_page"] == page and "/api/v1/indicators/neet_rate" in neet["methodology_url"]

    wb = openpyxl.load_workbook(io.BytesIO(client.get(f"/api/v1/data?{Q}&format=xlsx").data), read_only=True)
    sheet = [r for r in wb["metadata"].values if r and r[0]]
    rows = dict(sheet)
    assert rows["Indicator neet_rate: decimals"] == "1" and rows["Indicator online_share: decimals"] == "1"
    assert rows["Indicator neet_rate: methodology page"] == page
    sources = [v for k, v in sheet if k == "Indicator neet_rate: source"]
    assert sources == ["Council service records (synthetic) (Veloria Ministry of Public Administration (fictional))"]

    zf = zipfile.ZipFile(io.BytesIO(client.get("/data/releases/current/release.zip").data))
    readme = zf.read(next(n for n in zf.namelist() if n.endswith("README.md"))).decode()
    section = readme.split("### neet_rate:")[1].split("###")[0]
    assert "- decimals: 1" in section and page in section
    assert "- sources: Council service records (synthetic)" in section
    assert "- decimals: 0" in readme.split("### neet_count:")[1].split("###")[0]

    doc = client.get("/catalog.jsonld").get_json()
    ds = next(d for d in doc["dcat:dataset"] if d["dct:identifier"] == "neet_rate")
    assert ds["dcat:landingPage"]["@id"] == page and ds["@id"] == "http://localhost/api/v1/indicators/neet_rate"

    html = client.get("/data").data.decode()
    assert '<a href="/methodology/neet_rate">Young people not in education, employment or training</a>' in html


def test_revisions_to_current_are_not_cached_for_a_day(client, api_store, api_config):
    """/data/revisions?from=<id>&to=current was served with max-age=86400, as if immutable: after the next
    release a browser or proxy kept showing the old comparison for a day."""
    old, new = api_store["old"], api_store["new"]
    for fmt in ("html", "csv", "json"):
        moving = client.get(f"/data/revisions?from={old}&to=current&format={fmt}")
        assert moving.headers["Cache-Control"] == f"public, max-age={api_config.access.cache_seconds}", fmt
        named = client.get(f"/data/revisions?from={old}&to={new}&format={fmt}")
        assert named.headers["Cache-Control"] == "public, max-age=86400"
    etag = client.get("/data/revisions?from=current&to=current").headers["ETag"]
    hit = client.get("/data/revisions?from=current&to=current", headers={"If-None-Match": etag})
    assert hit.status_code == 304
    assert hit.headers["Cache-Control"] == f"public, max-age={api_config.access.cache_seconds}"


def test_revisions_say_why_values_changed(api_store, api_config, tmp_path):
    """The revisions table gave old and new values but not why they moved: a journalist could not tell a
    corrected source from a changed definition. Each changed value now has a reason, and the JSON and the page
    say what changed between the two releases (from their manifests, naming sources by title, never by path)."""
    import shutil

    plain = make_app(api_config).test_client()
    q = f"from={api_store['old']}&to={api_store['new']}"
    body = plain.get(f"/data/revisions?{q}&format=json").get_json()
    assert {d["reason"] for d in body["data"]} == {
        "recomputed; neither release records a change of its source data, definition, geography, configuration "
        "or software"}
    assert body["explanation"]["sources"] and not any(s["changed"] for s in body["explanation"]["sources"])

    store = tmp_path / "store"
    shutil.copytree(api_store["store"], store)
    path = store / "releases" / api_store["new"] / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["sources"]["services"]["sha256"] = "0" * 64  # the council returns were corrected
    write_manifest(path.parent, manifest)
    client = make_app(api_config.model_copy(update={"store": str(store)})).test_client()
    body = client.get(f"/data/revisions?{q}&format=json").get_json()
    why = body["explanation"]
    assert [s["id"] for s in why["sources"] if s["changed"]] == ["services"]
    assert why["definitions_changed"] == [] and why["geography_changed"] is False
    services = "source data changed: Council service records (synthetic)"
    assert body["data"] and all(d["reason"] == services for d in body["data"]), body["data"]
    assert set(why["indicators"]) == {d["indicator"] for d in body["data"]}
    text = json.dumps(body)
    assert "sha256" not in text and "services.csv" not in text and "/demo/" not in text  # no path or checksum
    csv = read_csv(client.get(f"/data/revisions?{q}&format=csv").data)
    assert set(csv["reason"]) == {services}
    html = client.get(f"/data/revisions?{q}").data.decode()
    assert "Why values changed" in html and "Source data changed: Council service records (synthetic)." in html
