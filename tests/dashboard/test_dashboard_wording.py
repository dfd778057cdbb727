"""How the pages word rankings, peer means and area lists: what an operator's trial found read wrong.

Over the demo release: applications received is neutral (and a count), the NEET count is a count where lower is
better and has withheld values, online share is an ordinary higher-is-better rate."""


from __future__ import annotations

import pandas as pd

from dashboard import data


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
