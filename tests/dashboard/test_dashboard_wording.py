"""How the pages word rankings, peer means and area lists: what an operator's trial found read wrong.

Over the demo release: applications received is neutral (and a count), the NEET count is a count where lower is
better and has withheld values, online share is an ordinary higher-is-better rate."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from dashboard import data
from dashboard.api.metadata import COLUMN_TEXT
from dashboard.views import area, compare, explorer


def text_of(component) -> str:
    return json.dumps(component if isinstance(component, str) else component.to_plotly_json(),
                      default=lambda o: o.to_plotly_json(), ensure_ascii=False)


def ranking(release, indicator: str):
    meta = data.indicator_meta(release, indicator)
    fig, rsum, *_, table = explorer.ranking_outputs(release, meta, "region", data.periods(release, indicator)[-1])
    return fig["layout"]["xaxis"]["title"]["text"], rsum, text_of(table)


def test_a_neutral_indicator_is_ranked_highest_to_lowest_not_best_to_worst(release):
    """/indicator/children_in_care (neutral) said 'Best: District 4 (83 children); worst: District 11'."""
    axis, rsum, table = ranking(release, "applications")
    assert "Highest: " in rsum and "; lowest: " in rsum, rsum
    assert "best" not in (rsum + axis + table).lower() and "worst" not in (rsum + table).lower()
    assert axis == "Rank (1 = highest)" and "1 (highest quarter)" in table
    # a count where lower is better is ranked lowest first, and grows with the area's size: no best either
    axis, rsum, table = ranking(release, "neet_count")
    assert rsum.split(". ")[1].startswith("Lowest: ") and "; highest: " in rsum, rsum
    assert axis == "Rank (1 = lowest)" and "1 (lowest quarter)" in table and "best" not in table
    # an indicator with a better direction keeps its best and worst
    axis, rsum, table = ranking(release, "online_share")
    assert "Best: " in rsum and "; worst: " in rsum and axis == "Rank (1 = best)" and "1 (best quarter)" in table


def test_download_labels_say_how_a_neutral_indicator_is_ranked_and_compared():
    for col in ("rank_level", "rank_parent", "quartile", "significance_top", "significance_parent"):
        assert "neutral" in COLUMN_TEXT[col], col


def test_compare_says_highest_and_lowest_for_a_neutral_indicator_and_best_otherwise(release):
    out = text_of(compare.content(release, ["VL1", "VL2", "VL3"], ["applications", "online_share"])[-2])
    assert "Highest: Northmarch" in out and "; lowest: " in out and "Best" not in out, out[:300]
    rates = text_of(compare.content(release, ["VL1", "VL2", "VL3"], ["online_share"])[-1])
    assert "Best: " in rates and "Highest" not in rates


def test_the_profiles_quartile_of_a_count_says_which_end_it_is(release):
    """A count where lower is better (NEET count) was worded as if neutral: its quartile 4, the largest counts,
    read '4 (lowest quarter)'."""
    a = data.area_row(release, "VL1")
    rows = area.profile_rows(release, a)
    neet = next(r for r in rows if r["indicator"] == "neet_count")
    assert neet["quartile"] == 4
    table = text_of(area.spine_outputs(rows, a, "Republic of Veloria", None)[2])
    row = next(r for r in table.split("<tr") if "(number)" in r and "Young people" in r)
    assert "4 (highest quarter)" in row and "lowest" not in row


def partly_withheld(release, indicator: str):
    """A municipality some but not all of whose neighbours have a value at the latest period, with the
    release's own peer_mean and peer_count for it."""
    period = data.periods(release, indicator)[-1]
    for code in data.level_areas(release, "municipality")["area_code"]:
        peers = data.neighbours(release, code)
        have = [c for c in data.values_at(release, indicator, peers, period) if c and c["value"] is not None]
        row = [c for c in data.values_at(release, indicator, [code], period)]
        if peers and 0 < len(have) < len(peers) and row[0]:
            t = release.values(indicators=[indicator], areas=[code], periods=[period],
                               columns=["peer_mean", "peer_count", "breakdown"]).to_pandas()
            t = t[t["breakdown"] == "total"].iloc[0]
            return code, len(peers), len(have), t["peer_mean"], int(t["peer_count"])
    pytest.fail(f"no municipality with some neighbours withheld on {indicator}")


def test_the_peer_mean_says_how_many_neighbours_it_is_over(release):
    """/area/NR103 said 'its 3 nearest neighbours average 12 children' with 2 of the 3 withheld."""
    code, k, n, peer_mean, peer_count = partly_withheld(release, "neet_count")
    assert n == peer_count  # the mean the page gives is the release's
    summary = area.neighbour_outputs(release, data.area_row(release, code), "neet_count")[1]
    assert f"the {n} of its {k} nearest neighbours with a published value" in summary, summary
    assert f"{peer_mean:,.0f} people" in summary
    assert area.peer_mean_text([12.0, None, float("nan")], 0, "children") == \
        "the 1 of its 3 nearest neighbours with a published value: 12 children"
    assert area.peer_mean_text([None, None, None], 0, "children") == \
        "none of its 3 nearest neighbours has a published value"
    assert area.peer_mean_text([10.0, 20.0], 0, "") == "its 2 nearest neighbours average 15"
    assert area.peer_mean_text([None], 1, "%") == "its nearest neighbour has no published value"


def test_download_labels_say_peer_means_are_over_published_values():
    assert "peer_count" in COLUMN_TEXT["peer_mean"] and "withheld" in COLUMN_TEXT["peer_mean"]
    assert "peer_mean" in COLUMN_TEXT["peer_count"] and "published" in COLUMN_TEXT["peer_count"]


class _Areas:
    def __init__(self, areas: pd.DataFrame):
        self.areas = areas

    def memo(self, key, compute):
        return compute()


def test_areas_to_choose_from_are_in_natural_order():
    """The area dropdowns read 'District 1, District 10, ... District 2'."""
    names = ["District 10", "District 2", "district 1", "Nordland", "District 20", "District 3a", "District 3"]
    df = pd.DataFrame({"area_code": [f"C{i}" for i in range(len(names))], "name": names,
                       "level": ["district"] * 3 + ["country"] + ["district"] * 3,
                       "level_index": [1, 1, 1, 0, 1, 1, 1]})
    got = [o["label"].split(" (")[0] for o in data.area_options(_Areas(df))]
    assert got == ["Nordland", "district 1", "District 2", "District 3", "District 3a", "District 10", "District 20"]
    assert data.natural_key("NR10") > data.natural_key("NR9")


def test_a_level_id_with_underscores_reads_as_words():
    # examples/uk-open-sdg has a level 'local_authority': the explorer offered 'Local_authority' and the area
    # page said 'Local_authority · code S12000033'
    import numpy as np

    from dashboard.components import fmt
    from dashboard.views import explorer

    assert fmt.level_name("local_authority") == "local authority" and fmt.level_name("nuts2") == "NUTS 2"
    text = explorer.describe(["A", "B"], np.array([1.0, 2.0]), {}, {"A": "Aa", "B": "Bb"},
                             {"title": "PM2.5", "unit": "µg/m3", "decimals": 1}, "local_authority", "2016")
    assert text.startswith("PM2.5 for 2 areas at local authority level in 2016.")


def test_significance_badge_reads_as_english_against_a_comparator():
    """'similar to X', 'better than X': never 'similar than X'."""
    from dashboard.components import ui

    def text(c):
        return " ".join(text(x) for x in c.children) if isinstance(c.children, list) else str(c.children)
    assert text(ui.significance_badge("similar", "Veloria")).endswith("similar to Veloria")
    assert text(ui.significance_badge("worse", "Veloria")).endswith("worse than Veloria")
