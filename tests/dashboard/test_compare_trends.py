"""/compare beyond the latest values: trends, 95% intervals, significance against the parent and the top-level
area, and downloads of exactly what is shown (views/compare.py, compare_sections.py, compare_figures.py)."""

from __future__ import annotations

import io
import json
import re

import pandas as pd
import pytest

from dashboard import data
from dashboard.components import fmt
from dashboard.views import compare, compare_sections

AREAS = ["VL101", "VL1", "VL403", "VL"]  # a district, a region, another district and the country
IND = "new_business_rate"  # a rate with Poisson intervals in the demo


def text_of(component) -> str:
    return json.dumps(component.to_plotly_json(), default=lambda o: o.to_plotly_json(), ensure_ascii=False)


def graphs(component) -> dict[str, dict]:
    """Every dcc.Graph's figure under ``component``, by id."""
    found = {}

    def walk(node):
        if isinstance(node, dict):
            if node.get("type") == "Graph":
                found[node["props"]["id"]] = node["props"]["figure"]
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)
    walk(json.loads(json.dumps(component.to_plotly_json(), default=lambda o: o.to_plotly_json())))
    return found


def release_rows(release, areas, indicators) -> pd.DataFrame:
    """The release's total-breakdown rows of these areas and indicators, read apart from the page's code."""
    frames = [data.area_values(release, a) for a in areas]
    df = pd.concat(frames, ignore_index=True)
    return df[df["indicator"].isin(indicators)]


def test_the_trend_has_one_line_per_area_over_every_period_with_its_intervals(release):
    section = next(s for s in compare.content(release, AREAS, [IND]) if getattr(s, "id", None) == f"compare-{IND}")
    fig = graphs(section)[f"compare-trend-{IND}"]
    rows = release_rows(release, AREAS, [IND])
    assert [t["name"] for t in fig["data"]] == [data.area_name(release, a) for a in AREAS]
    for trace, a in zip(fig["data"], AREAS, strict=True):
        mine = rows[rows["area_code"] == a].set_index("period")
        got = dict(zip(trace["x"], trace["y"], strict=True))
        assert {p: v for p, v in got.items() if v is not None} == pytest.approx(mine["value"].dropna().to_dict())
        have_ci = mine["lower_ci"].notna()
        if have_ci.any():  # the interval as error bars: upper minus value
            p = have_ci.idxmax()
            i = trace["x"].index(p)
            assert trace["error_y"]["array"][i] == pytest.approx(mine.at[p, "upper_ci"] - mine.at[p, "value"])
    assert any("error_y" in t for t in fig["data"]), "the demo's rate has intervals"


def test_the_latest_table_gives_intervals_and_the_release_significance_in_words(release):
    section = next(s for s in compare.content(release, AREAS, [IND]) if getattr(s, "id", None) == f"compare-{IND}")
    text = text_of(section)
    meta = data.indicator_meta(release, IND)
    top = data.area_name(release, "VL")
    latest = pd.concat([data.latest(release_rows(release, [a], [IND])) for a in AREAS], ignore_index=True)
    for r in latest.itertuples():
        if r.area_code == "VL":
            continue
        assert fmt.interval(r.lower_ci, r.upper_ci, int(meta["decimals"])) in text
        sig = r.significance_top if isinstance(r.significance_top, str) else "not compared"
        words = compare_sections.SIG_PHRASE[sig].format(top)
        assert words in text, words
        if sig in ("better", "worse"):
            assert f"sig-{sig}" in text  # the site's colour class, besides the words and the shape
    parent = data.area_name(release, "VL1")
    sig = latest.set_index("area_code").at["VL101", "significance_parent"]
    assert compare_sections.sig_words(sig, parent) in text  # the district against its region


def test_significance_words_are_the_sites():
    assert compare_sections.sig_words("better", "England") == "significantly better than England"
    assert compare_sections.sig_words("similar", "England") == "similar to England"
    assert compare_sections.sig_words(None, "England") == "not compared with England"
    cell = compare_sections.sig_cell("worse", "A <b>", "5.0")
    assert "sig-worse" in cell and "A &lt;b&gt;" in cell and "<b>" not in cell


def test_an_indicator_without_intervals_says_why_nothing_is_compared(release):
    no_ci = next(i for i in release.indicator_ids
                 if release_rows(release, ["VL101"], [i])["lower_ci"].isna().all())
    text = text_of(compare.content(release, ["VL101", "VL1"], [no_ci])[-1])
    assert "no 95% interval" in text and "significantly" not in text


def links(components) -> list[str]:
    return re.findall(r'"href": "(/api/v1/data[^"]*)"', json.dumps([c.to_plotly_json() for c in components],
                                                                   default=lambda o: o.to_plotly_json()))


@pytest.mark.parametrize("inds", [[IND], [IND, "processing_days"]])
def test_the_downloads_hold_exactly_the_rows_shown(dash_app, release, inds):
    hrefs = links(compare.content(release, AREAS, inds))
    assert any("format=csv" in h for h in hrefs) and any("format=xlsx" in h for h in hrefs)
    assert all(f"release={release.id}" in h for h in hrefs)  # pinned to the page's release
    every = hrefs[0]  # the comparison's own links come first, then each indicator's
    assert "format=csv" in every and f"indicator={','.join(inds)}" in every and f"area={','.join(AREAS)}" in every
    client = dash_app.server.test_client()
    resp = client.get(every)
    assert resp.status_code == 200, resp.data[:300]
    got = pd.read_csv(io.StringIO(resp.get_data(as_text=True)), dtype=str)
    want = release_rows(release, AREAS, inds)
    assert sorted(zip(got["indicator"], got["area_code"], got["period"], strict=True)) == \
        sorted(zip(want["indicator"], want["area_code"], want["period"], strict=True))
    xlsx = client.get(every.replace("format=csv", "format=xlsx"))
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"
