"""The fast read paths (level slices, the profile's latest rows, the ranking, plain responses) give the same
answers as the straightforward pandas reads of the same release, and the slice cache stays bounded."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from dash import html

from dashboard import data
from dashboard.components import ui
from dashboard.release_reader import LruCache, ReleaseReader
from dashboard.views import area, explorer


def same(a, b) -> bool:
    return (pd.isna(a) and pd.isna(b)) if (pd.isna(a) or pd.isna(b)) else a == b


@pytest.mark.parametrize("indicator,level", [("online_share", "municipality"), ("neet_count", "municipality"),
                                             ("satisfaction", "region"), ("employment_rate", "country")])
def test_level_slice_holds_every_row_of_the_level(release, indicator, level):
    sl = data.level_slice(release, indicator, level)
    assert sl.codes == data.level_areas(release, level)["area_code"].tolist()
    assert sl.periods == sorted(sl.periods) and set(sl.periods) <= set(data.periods(release, indicator))
    n_rows = 0
    for period in data.periods(release, indicator):
        df = data.level_values(release, indicator, level, period).drop_duplicates("area_code")
        p = sl.period_index(period)
        n_rows += len(df)
        if p is None:
            assert df.empty
            continue
        for r in df.to_dict("records"):
            a = sl.index[r["area_code"]]
            assert sl.present[p, a]
            cell = sl.cell(p, a)
            for col in data.SLICE_NUMBERS + data.SLICE_TEXT:
                assert same(cell[col], r[col]), (period, r["area_code"], col)
    assert int(sl.present.sum()) == n_rows  # and no cell without a row


def test_light_slice_agrees_with_the_detailed_one(release):
    light = data.level_slice(release, "online_share", "municipality", detail=False)
    full = data.level_slice(release, "online_share", "municipality")
    assert set(light.numbers) == {"value"} and set(light.text) == {"status", "note"}
    np.testing.assert_array_equal(light.numbers["value"], full.numbers["value"])
    assert (light.present == full.present).all()


def test_internal_indicators_have_no_slice_rows(release):
    sl = data.level_slice(release, "sickness_absence", "municipality")
    assert not sl.present.any() and sl.periods == []
    assert data.trend_points(release, "sickness_absence", "VL101") == []


def test_internal_reader_sees_internal_indicators(demo_release):
    internal = ReleaseReader(demo_release.path.parent.parent, include_internal=True).get(demo_release.release_id)
    sl = data.level_slice(internal, "sickness_absence", "municipality")
    period = data.periods(internal, "sickness_absence")[-1]
    df = data.level_values(internal, "sickness_absence", "municipality", period)
    assert len(df) and int(sl.present[sl.period_index(period)].sum()) == len(df.drop_duplicates("area_code"))


def test_area_latest_matches_the_pandas_latest(release):
    for code in ("VL101", "VL1", "VL"):
        got = data.area_latest(release, code, columns=data.SPINE_COLUMNS)
        want = data.latest(data.area_values(release, code, columns=data.SPINE_COLUMNS))
        assert len(got) == len(want) > 0
        by_ind = {r["indicator"]: r for r in got}
        for r in want.to_dict("records"):
            g = by_ind[r["indicator"]]
            assert all(same(g[c], r[c]) for c in data.SPINE_COLUMNS), r["indicator"]
    assert data.area_latest(release, "nowhere") == []


def test_profile_rows_carry_metadata_and_the_level_range(release):
    a = data.area_row(release, "VL101")
    rows = area.profile_rows(release, a)
    ranges = data.level_ranges(release, a["level"]).set_index(["indicator", "period"])
    for r in rows:
        assert r["title"] == data.indicator_meta(release, r["indicator"])["title"]
        if (r["indicator"], r["period"]) in ranges.index:
            assert r["vmax"] == pytest.approx(ranges.loc[(r["indicator"], r["period"]), "vmax"])
    assert [(r["theme"], r["title"]) for r in rows] == sorted((r["theme"], r["title"]) for r in rows)


def test_ranking_order_and_table_limit(release, monkeypatch):
    meta = data.indicator_meta(release, "online_share")
    df = explorer.ranked(release, meta, "municipality", "2024")
    want = (data.level_values(release, "online_share", "municipality", "2024")
            .sort_values(["rank_level", "area_code"], na_position="last"))
    assert df["area_code"] == want["area_code"].tolist()
    assert [same(a, b) for a, b in zip(df["value"], want["value"], strict=True)] == [True] * len(want)
    monkeypatch.setattr(explorer, "TABLE_LIMIT", 100)
    table = json.dumps(ui.plain(explorer.values_table(df, meta, "municipality", "2024", release.id)))
    assert f"Showing 100 of {len(want):,} rows." in table and table.count("<tr>") == 101  # with the header
    assert f"&release={release.id}" in table  # "download all rows" gives the figures of the page's release
    assert want["area_code"].iloc[99] in table and want["area_code"].iloc[100] not in table
    assert explorer.ranked(release, meta, "municipality", "1999")["area_code"] == []


def test_plain_is_what_dash_would_send():
    from plotly.io.json import to_json_plotly

    tree = html.Div([html.H1("x", id="h"), "text", None, html.Ul([html.Li(html.A("a", href="/a"))])],
                    **{"aria-label": "y"})
    fig = {"data": [{"z": [1.0, None, 2.5]}]}
    assert json.loads(to_json_plotly(ui.plain([tree, fig]))) == json.loads(to_json_plotly([tree, fig]))
    assert isinstance(ui.plain(tree), dict) and ui.plain(fig) is fig


def test_lru_cache_is_bounded_by_size_and_keeps_recent_entries():
    cache = LruCache(max_bytes=100)
    calls = []

    def make(key, size):
        return cache.get(key, lambda: calls.append(key) or (key, size), lambda v: v[1])

    make("a", 40)
    make("b", 40)
    make("a", 40)  # a is now the most recent
    make("c", 40)  # evicts b, the least recent
    assert cache.nbytes == 80
    make("a", 40)
    make("b", 40)
    assert calls == ["a", "b", "c", "b"]
    make("huge", 500)  # never stored: larger than the bound
    assert cache.nbytes <= 100 and calls[-1] == "huge"


def test_slices_are_keyed_by_release(release, demo_release, tmp_path):
    import shutil

    store = tmp_path / "store"
    other_id = release.id[:-6] + "eeeeee"
    shutil.copytree(release.path, store / "releases" / other_id)
    (store / "CURRENT").write_text(other_id + "\n")
    other = ReleaseReader(store).get(other_id)
    a = data.level_slice(release, "online_share", "region")
    b = data.level_slice(other, "online_share", "region")
    assert a is not b and a is data.level_slice(release, "online_share", "region")
    np.testing.assert_array_equal(a.numbers["value"], b.numbers["value"])


def test_precomputed_level_ranges_equal_the_computation_and_hold_no_internal_indicator(demo_release):
    """The ETL writes level_ranges.parquet so that no worker computes the ranges on its first profile; it
    must say exactly what the dashboard would compute, and nothing about internal indicators, which a
    signed-in manager's reader still gets (computed on demand)."""
    import pyarrow.parquet as pq

    root = demo_release.path.parent.parent
    public = ReleaseReader(root).get(demo_release.release_id)
    manager = ReleaseReader(root, include_internal=True).get(demo_release.release_id)
    internal = set(manager.indicator_ids) - set(public.indicator_ids)
    assert internal  # the demo has an internal indicator
    stored = pq.read_table(demo_release.path / "level_ranges.parquet").to_pandas()
    assert not set(stored["indicator"]) & internal
    key = ["indicator", "period"]
    for level in public.levels:
        got = data.level_ranges(public, level).sort_values(key).reset_index(drop=True)
        want = pd.concat(data._computed_ranges(public, level, sorted(public.indicator_ids)), ignore_index=True)
        want = want.sort_values(key).reset_index(drop=True)
        assert len(got) == len(want) > 0
        pd.testing.assert_frame_equal(got[data.RANGE_COLUMNS], want[data.RANGE_COLUMNS], check_dtype=False,
                                      rtol=1e-12)
        managed = data.level_ranges(manager, level)
        assert internal <= set(managed["indicator"]) and not internal & set(got["indicator"])
