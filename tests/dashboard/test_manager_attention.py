"""The overview answers "what needs my attention" without opening every indicator: which KPIs are off track or
need acceleration in the area, and, one level down, which regions or councils are off track."""

from __future__ import annotations

import json

import pandas as pd
import pyarrow.parquet as pq

from dashboard.views import attention, overview


def text_of(component) -> str:
    return json.dumps(component.to_plotly_json(), default=lambda o: o.to_plotly_json())


def release_rows(release) -> pd.DataFrame:
    """The release's own rows, read with pyarrow (not through the dashboard's reader)."""
    df = pq.read_table(release.path / "indicator_values.parquet").to_pandas()
    return df[(df["breakdown"] == "total") & (df["visibility"] == "public")]


def test_the_overview_names_the_off_track_indicators_and_the_regions_off_track(release):
    """The overview counted red and amber KPIs but did not say which, nor which regions were red: a manager
    had to open every indicator's card (and no page showed a region's RAG at all)."""
    rows = release_rows(release)
    latest, _ = overview.overview_rows(release, "VL", None)
    content = overview.content(release, "VL", "all")  # the overview page itself, not only the section
    section = next(c for c in content if getattr(c, "id", None) == "attention")
    text = text_of(section)
    assert "Needs attention" in text and "Regions off track" in text
    regions = release.areas[release.areas["level"] == "region"].set_index("area_code")["name"]
    for r in latest.itertuples():
        kids = rows[(rows["indicator"] == r.indicator) & (rows["period"] == r.period)
                    & (rows["area_code"].isin(regions.index))]
        red = sorted(regions[kids[kids["rag"] == "red"]["area_code"]])
        amber = kids[kids["rag"] == "amber"]
        if r.rag in ("red", "amber") or red or len(amber):
            assert r.title.replace("&", "&amp;") in text, f"{r.indicator} needs attention"
        else:
            assert f">{r.title}<" not in text, f"{r.indicator} is green here and in every region"
        if red:
            rated = int(kids["rag"].notna().sum())
            assert f"{len(red)} of {rated}: " in text
            for name in red[:attention.NAMED]:
                assert name in text
    # off track first: the first row of the table is a red indicator of the country
    red_here = latest[latest["rag"] == "red"]["title"].tolist()
    assert red_here, "the demo has KPIs off track at the top level"
    first_row = text.split("<tbody>")[1].split("</tr>")[0]
    assert any(t in first_row for t in red_here) and "(red)" in first_row


def test_a_council_has_no_column_for_areas_below_it(release):
    rows = release_rows(release)
    council = rows[(rows["level"] == "municipality") & (rows["rag"] == "red")]["area_code"].iloc[0]
    latest, _ = overview.overview_rows(release, council, None)
    text = text_of(attention.section(release, council, council, latest))
    assert "off track" in text and "Municipalities off track" not in text and "(red)" in text
