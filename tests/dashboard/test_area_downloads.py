"""The area profile offers its data: every indicator of the area, every period, as CSV and Excel, through the
API, pinned to the page's release, with links whose words say what they download."""

from __future__ import annotations

import io
import json
from urllib.parse import parse_qs, urlsplit

import openpyxl
import pandas as pd

from dashboard.components import ids
from dashboard.views.area import DOWNLOADS
from tests.dashboard.test_dashboard_app import _walk, page


def download_links(tree) -> list[tuple[str, str]]:
    """(words, href) of the links in the profile's data section."""
    section = next((props for kind, props in _walk(tree, []) if props.get("id") == ids.AR_DOWNLOADS), None)
    assert section is not None, "the profile has a data section"
    return [(props["children"], props["href"]) for kind, props in _walk(section, []) if kind == "A"]


def test_the_area_profile_links_the_areas_data_as_csv_and_excel(dash_app):
    """/area/<code> had no download link at all, though every figure should be downloadable."""
    from dashboard import context

    client = dash_app.server.test_client()
    with dash_app.server.test_request_context("/"):
        rel = context.release()
        public = set(rel.indicator_ids)
        have = set(rel.values(areas=["VL101"], columns=["indicator"])["indicator"].to_pylist())
    links = download_links(json.loads(page(client, "/area/VL101")))
    assert [words for words, _ in links] == [f"Download every indicator for Venwell, all periods, as {label}"
                                             for _, label in DOWNLOADS]
    assert {"CSV", "Excel (XLSX)"} <= {label for _, label in DOWNLOADS}
    by_format = {fmt: h for (fmt, _), (_, h) in zip(DOWNLOADS, links, strict=True)}
    for _, href in links:
        query = parse_qs(urlsplit(href).query)
        assert href.startswith("/api/v1/data?") and query["area"] == ["VL101"] and query["release"] == [rel.id]
        assert "indicator" not in query  # every indicator the API gives: the public ones for the public

    csv = client.get(by_format["csv"])
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    assert csv.headers["X-OpenMeasure-Release"] == rel.id
    df = pd.read_csv(io.BytesIO(csv.data), keep_default_na=False, na_values=[""], dtype=str)
    assert set(df["area_code"]) == {"VL101"} and set(df["area_name"]) == {"Venwell"}
    assert set(df["indicator"]) == have & public and "sickness_absence" not in set(df["indicator"])
    assert len(set(df["period"])) > 1  # every period, not only the latest the table shows

    xlsx = client.get(by_format["xlsx"])
    assert xlsx.status_code == 200 and xlsx.mimetype.endswith("spreadsheetml.sheet")
    rows = list(openpyxl.load_workbook(io.BytesIO(xlsx.data), read_only=True)["data"].values)
    assert len(rows) - 1 == len(df) and rows[0][:3] == ("indicator", "area_code", "area_name")

    # the top level and a region have theirs too, each naming its own area
    for code in ("VL", "VL1"):
        links = download_links(json.loads(page(client, f"/area/{code}")))
        name = rel.areas.set_index("area_code").loc[code, "name"]
        assert len(links) == len(DOWNLOADS)
        assert all(name in words and f"area={code}&" in h for words, h in links)
