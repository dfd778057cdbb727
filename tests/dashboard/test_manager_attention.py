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
    assert any(t in first_row for t in red_here) and "Off track: " in first_row


def test_a_council_has_no_column_for_areas_below_it(release):
    rows = release_rows(release)
    council = rows[(rows["level"] == "municipality") & (rows["rag"] == "red")]["area_code"].iloc[0]
    latest, _ = overview.overview_rows(release, council, None)
    text = text_of(attention.section(release, council, council, latest))
    assert "off track" in text and "Municipalities off track" not in text and "Off track: " in text


def test_the_explorers_ranking_gives_each_areas_progress_and_counts_those_off_track(release):
    """The explorer's ranking (the only view of every region or council at once) showed no RAG status: a
    manager who followed 'Regions off track' could not see which were red there."""
    import re

    from dashboard import data
    from dashboard.views import explorer

    rows = release_rows(release)
    for level in ("region", "municipality"):
        period = rows["period"].max()
        want = rows[(rows["indicator"] == "employment_rate") & (rows["level"] == level) & (rows["period"] == period)]
        outputs = explorer.ranking_outputs(release, data.indicator_meta(release, "employment_rate"), level, period)
        rated = want.dropna(subset=["rag"])
        assert f"Off track (red squares): {int((rated['rag'] == 'red').sum()):,} of {len(rated):,} areas" in outputs[1]
        table = text_of(outputs[5])
        assert "Progress (target or trend)" in table
        names = release.areas.set_index("area_code")["name"]
        for r in want.head(explorer.TABLE_LIMIT).itertuples():
            if r.area_code not in table:
                continue  # past the table's first rows
            skip = 6 if "Target (" in table else 5  # the target column stands before the progress one
            cell = re.search(rf'/area/{r.area_code}\\">[^<]*</a></td>(?:<td>[^<]*</td>){{{skip}}}<td>([^<]*)</td>',
                             table)
            assert cell, names[r.area_code]
            assert cell.group(1) == explorer.progress_words(r.rag, r.progress_status)
            assert (r.rag in ("red", "amber", "green")) == bool(cell.group(1))
    neutral = explorer.ranking_outputs(release, data.indicator_meta(release, "applications"), "region", period)
    assert "Progress (target or trend)" not in text_of(neutral[5]) and "Off track" not in neutral[1]
