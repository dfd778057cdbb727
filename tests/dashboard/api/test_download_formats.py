"""The download-format registry (dashboard/api/download_formats.py) is the only list of formats: every entry is
accepted, served with its media type and file name, documented in the OpenAPI document, a distribution of
every indicator in the DCAT-AP catalogue, linked from /data and from the dashboard, and has a writer."""

from __future__ import annotations

import html
import io
from urllib.parse import parse_qs, urlsplit

import pyarrow as pa
import pytest

from dashboard.api.download_formats import FORMATS, DownloadFormat, Values

Q = "indicator=neet_rate&level=region"


def test_every_format_is_served_with_its_media_type_and_file_name(client):
    for f in FORMATS.values():
        r = client.get(f"/api/v1/data?{Q}&format={f.name}")
        assert r.status_code == 200, (f.name, r.data[:200])
        assert r.headers["Content-Type"] == f.mime, f.name
        if not f.paged:
            assert r.headers["Content-Disposition"].endswith(f'-neet_rate.{f.extension}"'), f.name
            assert len(r.data) > 100, f.name


def test_the_openapi_document_lists_every_format_and_its_media_type(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    op = spec["paths"]["/api/v1/data"]["get"]
    fmt = next(p for p in op["parameters"] if p["name"] == "format")
    assert sorted(fmt["schema"]["enum"]) == sorted(FORMATS)
    assert FORMATS[fmt["schema"]["default"]].paged
    content = op["responses"]["200"]["content"]
    assert set(content) == {f.bare_mime for f in FORMATS.values()}
    for f in FORMATS.values():
        schema = content[f.bare_mime]["schema"]
        assert ("$ref" in schema) if f.paged else (schema.get("format") == "binary") != f.text, f.name


def test_the_catalogue_has_a_distribution_of_every_format_for_every_indicator(client):
    doc = client.get("/catalog.jsonld").get_json()
    indicators = [d for d in doc["dcat:dataset"] if "/api/v1/indicators/" in d["@id"]]
    assert indicators
    for ds in indicators:
        dists = ds["dcat:distribution"]
        assert len(dists) == len(FORMATS)
        for f, dist in zip(FORMATS.values(), dists, strict=True):
            assert dist["dct:format"]["@id"] == f.file_type_iri
            assert dist["dct:format"]["@id"].startswith("http://publications.europa.eu/resource/authority/file-type/")
            assert dist["dcat:mediaType"]["@id"].endswith("/" + (f.media_type or f.bare_mime))
            url = dist["dcat:downloadURL"]["@id"]
            assert parse_qs(urlsplit(url).query).get("format") == (None if f.paged else [f.name])
    neet = next(d for d in indicators if d["dct:identifier"] == "neet_rate")
    for f, dist in zip(FORMATS.values(), neet["dcat:distribution"], strict=True):
        r = client.get(dist["dcat:downloadURL"]["@id"].replace("http://localhost", ""))
        assert r.status_code == 200 and r.headers["Content-Type"] == f.mime, f.name


def test_the_download_centre_links_every_format_of_every_indicator(client):
    page = client.get("/data").data.decode()
    for f in FORMATS.values():
        link = html.escape(f"/api/v1/data?indicator=neet_rate&format={f.name}")
        assert f'href="{link}">{html.escape(f.label)}</a>' in page, f.name


def test_the_dashboard_offers_the_formats_the_registry_says():
    from dashboard.api.links import download_links
    from dashboard.components import ui
    from dashboard.views import area

    assert list(download_links(indicator="neet_rate")) == list(FORMATS)
    links = ui.data_links("neet_rate", "region", "2020", release="R").to_plotly_json()["props"]["children"][0]
    hrefs = [li.children.href for li in links.children if "format=" in li.children.href]
    assert [parse_qs(urlsplit(h).query)["format"][0] for h in hrefs] == [f.name for f in FORMATS.values()
                                                                         if f.in_views]
    assert [li.children.children for li in links.children[:len(hrefs)]] == \
        [f"Data as {f.label}" for f in FORMATS.values() if f.in_views]
    assert area.DOWNLOADS == tuple((f.name, f.long_label) for f in FORMATS.values() if f.on_area_page)
    assert ("xlsx", "Excel (XLSX)") in area.DOWNLOADS and ("csv", "CSV") in area.DOWNLOADS


def test_the_zip_holds_the_tables_in_the_zip_formats_only():
    from dashboard.api import bulk

    zipped = {n.split(".", 1)[1].removesuffix("-metadata.json") for n in bulk.ZIP_MEMBERS
              if n.split(".", 1)[0] in bulk.TABLES}
    assert zipped == {f.extension for f in FORMATS.values() if f.in_zip}
    assert "datapackage.json" in bulk.ZIP_MEMBERS and "README.md" in bulk.ZIP_MEMBERS


def test_a_format_without_a_writer_is_refused():
    with pytest.raises(ValueError, match="'ods' has no writer"):
        DownloadFormat("ods", "ods", "application/vnd.oasis.opendocument.spreadsheet", "OpenDocument", "ODS", None)


def test_every_writer_writes_the_values():
    """Each format but the paged one has a writer that turns a batch into a file (the JSON pages are the
    route's own)."""
    batch = pa.RecordBatch.from_pydict({
        "indicator": ["a", "a"], "area_code": ["X1", "X2"], "level": ["region"] * 2, "period": ["2020"] * 2,
        "breakdown": ["total"] * 2, "value": [1.5, None], "status": ["ok", "suppressed"],
        "lower_ci": [None, None], "upper_ci": [None, None], "flags": ["", ""], "note": [None, "withheld"]},
        schema=pa.schema([(c, pa.float64() if c in ("value", "lower_ci", "upper_ci") else pa.string())
                          for c in ("indicator", "area_code", "level", "period", "breakdown", "value", "status",
                                    "lower_ci", "upper_ci", "flags", "note")]))
    meta = {"title": "T", "release": {"id": "R", "created": None}, "licence": "CC-BY-4.0", "attribution": "A",
            "citation": "C", "url": "u", "periods": None, "query": {}, "indicators": [], "status": {}}
    values = Values(batch.schema, lambda columns: [batch.select(columns) if columns else batch], lambda: meta,
                    lambda: {"a": "%"}, {})
    for f in FORMATS.values():
        if f.paged:
            assert f.writer is None
            continue
        assert callable(f.writer), f.name
        data = b"".join(f.writer(values))
        assert len(data) > 50, f.name
        if f.name == "parquet":
            import pyarrow.parquet as pq

            assert pq.read_table(io.BytesIO(data)).num_rows == 2
