"""How the pages word rankings, peer means and area lists: what an operator's trial found read wrong.

Over the demo release: applications received is neutral (and a count), the NEET count is a count where lower is
better and has withheld values, online share is an ordinary higher-is-better rate."""


from __future__ import annotations

import pandas as pd
import pytest

from dashboard import data
from dashboard.api.metadata import COLUMN_TEXT
from dashboard.views import area


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
