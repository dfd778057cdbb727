"""Every CSV the site links (the download centre, the catalogue, the API guide) read by a CSVW processor (csvw
4) over HTTP, as a client finds its metadata: through the ``Link: rel="describedby"`` header, or the default
``<file>-metadata.json``. Valid with no warning, and typed: the metadata is found (not ignored for naming
another URL), so a value is a number, not text."""

from __future__ import annotations

import html
import re
import warnings
from urllib.parse import unquote

import pytest
import requests
from csvw import CSVW

pytestmark = pytest.mark.slow  # more than a few seconds: left out of the fast lane (README)


def _linked_csv_urls(base: str) -> set[str]:
    urls = set()
    for page in ("/data", "/api/"):
        text = html.unescape(requests.get(base + page, timeout=60).text)
        urls |= {unquote(h) for h in re.findall(r'href="([^"]+)"', text)}
        urls |= set(re.findall(r"https?://[^\s'\"<>]+", text))
    catalogue = requests.get(base + "/catalog.jsonld", timeout=60).json()
    for ds in catalogue["dcat:dataset"]:
        urls |= {d["dcat:downloadURL"]["@id"] for d in ds["dcat:distribution"] if d["dct:format"]["@id"].endswith(
            "/CSV") and "sdmx" not in d["dcat:downloadURL"]["@id"]}
    urls = {u if u.startswith("http") else base + u for u in urls}
    return {u for u in urls if ("format=csv" in u or u.endswith(".csv")) and "revisions" not in u}


@pytest.mark.slow  # csvw parses in Python: the Eurostat example's whole-release CSVs take minutes
def test_every_linked_csv_is_valid_csvw_with_typed_values(served):
    name, base = served
    urls = _linked_csv_urls(base)
    assert any("/api/v1/data?" in u for u in urls) and any(u.endswith("indicator_values.csv") for u in urls)
    for url in sorted(urls):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # csvw's own Python warnings are collected in .warnings
            doc = CSVW(url, validate=True)
            valid = doc.is_valid
        assert valid and doc.warnings == [], (url, [str(w.message) for w in doc.warnings[:3]])
        assert not doc.no_metadata, f"{url}: no CSVW metadata found, every value read as text"
        if url.endswith((".sdmx.csv", ".sdmx2.csv")):
            row = next(r for r in doc.tables[0].iterdicts() if r["OBS_VALUE"] is not None)
            assert isinstance(row["OBS_VALUE"], float), url
        elif "indicator_values" in url or "/api/v1/data?" in url:
            row = next(r for r in doc.tables[0].iterdicts() if r["value"] is not None)
            assert isinstance(row["value"], float) and isinstance(row["level_index"], int), url


def test_a_csv_download_names_its_licence_and_metadata(served):
    name, base = served
    r = requests.head(f"{base}/api/v1/data?indicator=population&format=csv" if name == "eurostat"
                      else f"{base}/api/v1/data?indicator=neet_rate&format=csv", timeout=60)
    links = requests.utils.parse_header_links(r.headers["Link"])
    rels = {link["rel"]: link["url"] for link in links}
    assert rels["license"] == "http://creativecommons.org/licenses/by/4.0/"
    assert rels["describedby"].startswith(f"{base}/api/v1/data/metadata.json?")
    assert links[0]["rel"] == "describedby"  # a CSVW processor warns about any link before it


def test_the_csvw_metadata_of_a_french_release_is_valid_with_typed_values(demo_app, tmp_path):
    """``release.zip?lang=fr``: its CSVW metadata in French (the context's ``@language``, French column
    descriptions, English literals where a description has no translation yet) read by csvw with the CSV
    beside it: valid, no warning, the metadata used (typed values), the descriptions French."""
    import io
    import zipfile

    resp = demo_app.test_client().get("/data/releases/current/release.zip?lang=fr")
    assert resp.status_code == 200
    zipfile.ZipFile(io.BytesIO(resp.data)).extractall(tmp_path)
    [folder] = tmp_path.iterdir()
    described = sorted(folder.glob("*.csv-metadata.json"))
    assert {p.name for p in described} >= {"indicator_values.csv-metadata.json", "areas.csv-metadata.json"}
    for path in described:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            doc = CSVW(str(path), validate=True)
            valid = doc.is_valid
        assert valid and doc.warnings == [], (path.name, [str(w.message) for w in doc.warnings[:3]])
        assert not doc.no_metadata, path.name
        table = doc.tables[0]
        if path.name == "indicator_values.csv-metadata.json":
            row = next(r for r in table.iterdicts() if r["value"] is not None)
            assert isinstance(row["value"], float) and isinstance(row["level_index"], int)
            value = next(c for c in table.tableSchema.columns if c.name == "value")
            assert "l’indicateur" in str(value.common_props["dc:description"])
