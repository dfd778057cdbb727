"""Nearest neighbours are the first k other areas of the level by (distance, difference in each feature in turn,
area code), exactly.

A k-d tree's k nearest hold an arbitrary choice among tied areas; with coarse features (NUTS 3 urban, mountain
and coastal types take 31 distinct values across 1,513 areas) almost every area has ties, so a council could
not reproduce its peer group unless ties are broken by code over all tied areas, not just the ones returned.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.config_models import NeighboursConfig
from core.errors import ConfigError
from indicators.neighbours import _features, nearest_neighbours, zero_distance_ties


def _peers(nb: pd.DataFrame, code: str) -> list[str]:
    return nb[nb.area_code == code].sort_values("rank")["neighbour_code"].tolist()


def test_ties_are_broken_by_code_over_every_tied_area():
    # 30 areas E01..E30 of one feature, type = i % 3: ten areas of each type, the middle type (1) equidistant
    # from the other two. Rows arrive shuffled so that input order cannot pass for code order.
    codes = [f"E{i:02d}" for i in range(1, 31)]
    order = np.random.default_rng(7).permutation(30)
    areas = pd.DataFrame({"area_code": [codes[i] for i in order], "level": "l",
                          "type": [(i + 1) % 3 for i in order]})
    nb = nearest_neighbours(areas, NeighboursConfig(k=12, features=[{"name": "type"}]), ["l"])

    # E01 (type 1): its nine twins at distance 0, then the first three by code of the 20 areas at the same
    # distance on either side, whatever their type
    assert _peers(nb, "E01") == ["E04", "E07", "E10", "E13", "E16", "E19", "E22", "E25", "E28", "E02", "E03", "E05"]
    # E03 (type 0): its nine twins, then the first three type-1 areas by code
    assert _peers(nb, "E03") == ["E06", "E09", "E12", "E15", "E18", "E21", "E24", "E27", "E30", "E01", "E04", "E07"]
    # E30 (type 0) is the last of its type: its twins come first, itself excluded
    assert _peers(nb, "E30") == ["E03", "E06", "E09", "E12", "E15", "E18", "E21", "E24", "E27", "E01", "E04", "E07"]
    e01 = nb[nb.area_code == "E01"].sort_values("rank")
    assert e01["rank"].tolist() == list(range(1, 13))
    assert (e01["distance"].iloc[:9] == 0).all()
    assert e01["distance"].iloc[9:].nunique() == 1  # equal distances are published equal
    assert len(nb) == 30 * 12 and not (nb.area_code == nb.neighbour_code).any()


def test_peer_groups_do_not_depend_on_row_order():
    rng = np.random.default_rng(3)
    areas = pd.DataFrame({"area_code": [f"A{i:04d}" for i in range(400)], "level": "l",
                          "urbn": rng.integers(1, 4, 400), "coast": rng.integers(1, 3, 400),
                          "pop": rng.lognormal(10, 1, 400).round(-3)})
    config = NeighboursConfig(k=10, features=[{"name": "urbn"}, {"name": "coast", "weight": 0.5},
                                              {"name": "pop", "transform": "log", "weight": 0.1}])
    a = nearest_neighbours(areas, config, ["l"])
    b = nearest_neighbours(areas.iloc[rng.permutation(400)], config, ["l"])
    key = ["area_code", "rank"]
    pd.testing.assert_frame_equal(a.sort_values(key).reset_index(drop=True), b.sort_values(key).reset_index(drop=True))


def _brute_force(areas: pd.DataFrame, config: NeighboursConfig, level: str) -> dict[str, list[tuple[float, str]]]:
    """Every other area of the level, sorted by (distance to 12 significant digits, difference in each feature in
    turn to 12 significant digits, code); first k kept."""
    group = areas[areas.level == level].sort_values("area_code")
    x = _features(group, config)
    ok = ~np.isnan(x).any(axis=1)
    codes, x = group.area_code.to_numpy()[ok], x[ok]
    k = min(config.k, len(codes) - 1)
    out = {}
    for i, code in enumerate(codes):
        d = np.sqrt(((x - x[i]) ** 2).sum(axis=1))
        others = sorted((float(f"{d[j]:.12g}"), *(float(f"{abs(x[j, f] - x[i, f]):.12g}")
                                                      for f in range(x.shape[1])), codes[j])
                        for j in range(len(codes)) if j != i)
        out[code] = [(o[0], o[-1]) for o in others[:k]]
    return out if len(codes) >= 2 else {}


@st.composite
def levels(draw):
    n = draw(st.integers(2, 30))
    codes = draw(st.lists(st.text("ABCXYZ0123", min_size=1, max_size=4), min_size=n, max_size=n, unique=True))
    n_features = draw(st.integers(1, 3))
    # few distinct values, so that ties (also between different feature vectors) are the rule
    value = st.one_of(st.integers(0, 3), st.sampled_from([0.5, 2.5]), st.none())
    cols = {f"f{j}": draw(st.lists(value, min_size=n, max_size=n)) for j in range(n_features)}
    areas = pd.DataFrame({"area_code": codes, "level": "l", **cols})
    other = pd.DataFrame({"area_code": ["ZZ1", "ZZ2"], "level": "m", **{c: [1, 1] for c in cols}})
    features = [{"name": c, "weight": draw(st.sampled_from([1.0, 0.5, 2.0]))} for c in cols]
    return pd.concat([areas, other], ignore_index=True), NeighboursConfig(k=draw(st.integers(1, 8)), features=features)


@pytest.mark.filterwarnings("error::RuntimeWarning")  # an all-missing feature is no numpy warning either
@settings(max_examples=300, deadline=None)
@given(world=levels(), data=st.data())
def test_neighbours_are_the_first_k_by_distance_then_code(world, data):
    areas, config = world
    areas = areas.iloc[data.draw(st.permutations(range(len(areas))))]
    nb = nearest_neighbours(areas, config, ["l"])
    expected = _brute_force(areas, config, "l")
    assert set(nb.area_code) == set(expected)
    for code, peers in expected.items():
        got = nb[nb.area_code == code].sort_values("rank")
        assert got["rank"].tolist() == list(range(1, len(peers) + 1))
        assert list(zip(got["distance"], got["neighbour_code"], strict=True)) == peers, code


def test_a_text_feature_is_an_error_naming_the_feature_the_column_and_a_value():
    """The areas table keeps a column with text as text; taken as missing it would give no area peers, silently."""
    areas = pd.DataFrame({"area_code": ["A3", "A1", "A2", "A4"], "level": "l", "pop": ["10", "20", "", "40"],
                          "urban_type": ["urban", "", "rural", "urban"]})
    config = NeighboursConfig(k=2, features=[{"name": "pop"}, {"name": "urban_type"}])
    with pytest.raises(ConfigError) as err:
        nearest_neighbours(areas, config, ["l"])
    (problem,) = err.value.problems
    assert problem.startswith("geography.neighbours.features[1]: column 'urban_type' of the areas table is not a "
                              "number in 3 area(s), e.g. 'rural' in A2 (values: 'rural', 'urban'). Features must be "
                              "numbers: code a category as numbers")
    assert "one 0/1 column per category" in problem


def test_blank_feature_values_leave_the_area_without_peers():
    # text blanks (as the areas table keeps them) and NaN alike; "z" is the same wherever it is given, so its
    # z-score is 0, but A4, without it, still has a missing feature
    areas = pd.DataFrame({"area_code": ["A1", "A2", "A3", "A4", "A5"], "level": "l",
                          "pop": ["1", "2", " ", "4", "5"], "z": [1.0, 1.0, 1.0, np.nan, 1.0]})
    nb = nearest_neighbours(areas, NeighboursConfig(k=2, features=[{"name": "pop"}, {"name": "z"}]), ["l"])
    assert sorted(set(nb.area_code)) == ["A1", "A2", "A5"]
    assert set(nb.neighbour_code) == {"A1", "A2", "A5"}


def test_a_tie_in_distance_goes_to_the_area_closer_in_the_first_feature():
    # B and C are both at distance 1 from A: B differs in the second feature, C in the first. The first
    # feature decides (B), whatever the codes say; D differs in both and comes last.
    areas = pd.DataFrame({"area_code": ["A", "C", "B", "D"], "level": "l",
                          "f0": [0.0, 1.0, 0.0, 1.0], "f1": [0.0, 0.0, 1.0, 1.0]})
    nb = nearest_neighbours(areas, NeighboursConfig(k=3, features=[{"name": "f0"}, {"name": "f1"}]), ["l"])
    assert _peers(nb, "A") == ["B", "C", "D"]
    swapped = NeighboursConfig(k=3, features=[{"name": "f1"}, {"name": "f0"}])
    assert _peers(nearest_neighbours(areas, swapped, ["l"]), "A") == ["C", "B", "D"]


def test_more_than_k_areas_at_distance_zero_are_reported():
    areas = pd.DataFrame({"area_code": [f"A{i}" for i in range(6)], "level": "l", "t": [1, 1, 1, 1, 2, 2]})
    ties = zero_distance_ties(areas, NeighboursConfig(k=2, features=[{"name": "t"}]), ["l"])
    assert ties.to_dict("list") == {"level": ["l"] * 4, "area_code": ["A0", "A1", "A2", "A3"], "tied": [3] * 4}
    assert zero_distance_ties(areas, NeighboursConfig(k=3, features=[{"name": "t"}]), ["l"]).empty
