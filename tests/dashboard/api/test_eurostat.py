"""The open-data routes on a release built by the pipeline from real Eurostat data (NUTS 2021 regions,
population by broad age group as published in demo_r_pjanaggr3.tsv, gzipped)."""

from __future__ import annotations

import io
import zipfile

import pandas as pd
import pyarrow.parquet as pq
import pytest

from tests.dashboard.api.test_downloads import read_csv, same
from tests.dashboard.api.test_privacy import as_text

pytestmark = pytest.mark.slow  # more than a few seconds: left out of the fast lane (README)


@pytest.fixture(scope="module")
def es(eurostat_app):
    return eurostat_app.test_client()


def test_levels_and_areas_are_the_nuts_hierarchy(es):
    assert len(es.get("/api/v1/areas?level=country").get_json()["data"]) == 37
    nuts3 = es.get("/api/v1/areas?parent=DE11").get_json()["data"]
    assert {a["area_code"] for a in nuts3} == {f"DE11{c}" for c in "123456789ABCD"}
    assert es.get("/api/v1/areas/EL30").get_json()["name"] == "Attiki"


def test_population_of_germany_in_2019(es):
    body = es.get("/api/v1/data?indicator=population&area=DE&period_from=2019&period_to=2019").get_json()
    (row,) = body["data"]
    assert row["value"] == 83_019_213 and row["status"] == "ok"  # Eurostat's published total for DE, 2019


def test_csv_download_round_trips_to_the_api(es):
    q = "indicator=share_65_plus,population&level=nuts2&period_from=2015&period_to=2019"
    csv = read_csv(es.get(f"/api/v1/data?{q}&format=csv").data)
    pages, url = [], f"/api/v1/data?{q}&limit=500"
    while url:
        body = es.get(url).get_json()
        pages += body["data"]
        url = body["next"]
    same(csv, pd.DataFrame(pages))
    assert {"provisional", "estimated", "break"} & set(csv["status"])


def test_publisher_flags_survive_every_format(es):
    q = "indicator=population&level=nuts3&period_from=2019&period_to=2021"
    js = pd.DataFrame(es.get(f"/api/v1/data?{q}&limit=10000").get_json()["data"])
    pq_df = pq.read_table(io.BytesIO(es.get(f"/api/v1/data?{q}&format=parquet").data)).to_pandas()
    assert (js["flags"].tolist() == pq_df["flags"].tolist()) and (js["flags"] != "").any()
    sdmx = pd.read_csv(io.BytesIO(es.get(f"/api/v1/data?{q}&format=sdmx-csv").data), keep_default_na=False)
    assert (sdmx["OBS_STATUS"][js["status"].eq("provisional").to_numpy()] == "P").all()


def test_small_counts_are_withheld_and_the_internal_copy_is_hidden(es):
    df = pq.read_table(io.BytesIO(es.get("/api/v1/data?indicator=age_unknown&level=nuts3&format=parquet").data)
                       ).to_pandas()
    sup = df[df.status == "suppressed"]
    assert len(sup) > 0 and sup[["value", "numerator"]].isna().all().all()
    assert ((df.status != "suppressed") | df.value.isna()).all()
    shown = df.loc[df.value.notna(), "value"]
    assert ((shown >= 50) | (shown == 0)).all()  # suppress_zero is false in the test config
    err = es.get("/api/v1/data?indicator=age_unknown_internal").get_json()["error"]
    assert err["parameter"] == "indicator"


def test_bulk_zip_and_catalogue_carry_eurostat_attribution_and_no_internal(es):
    data = es.get("/data/releases/current/release.zip").data
    zf = zipfile.ZipFile(io.BytesIO(data))
    readme = next(zf.read(n).decode() for n in zf.namelist() if n.endswith("README.md"))
    assert "Source: Eurostat (demo_r_pjanaggr3)" in readme
    assert "age_unknown_internal" not in as_text(data)
    cat = es.get("/catalog.jsonld").get_json()
    ids = {d["dct:identifier"] for d in cat["dcat:dataset"]}
    assert {"population", "share_65_plus", "age_unknown"} <= ids and "age_unknown_internal" not in ids
