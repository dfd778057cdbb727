"""The per-distinct-value helpers give what a row-by-row map would, for plain and categorical input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from etl.observations import factorize, map_categorical, map_pairs, map_unique

PLAIN = pd.Series(["b", None, " a", "b", "c", None], dtype=object)


def clean(v):
    return "" if v is None or (not isinstance(v, str) and pd.isna(v)) else v.strip().upper()


@pytest.mark.parametrize("values", [
    PLAIN,
    PLAIN.astype("category"),
    # categories no row takes (a dictionary read from Parquet, or a filtered frame) are not values
    pd.Series(pd.Categorical(["b", None, " a", "b", "c", None], categories=["zz", "c", " a", "b", "unused"])),
])
def test_maps_equal_a_row_by_row_map(values):
    expected = [clean(v) for v in PLAIN]
    assert list(map_categorical(values, clean)) == expected
    assert list(map_unique(values, clean)) == expected
    codes, uniques = factorize(values)
    assert [clean(uniques[c]) for c in codes] == expected
    assert "zz" not in uniques and "unused" not in uniques
    assert sorted(map(clean, uniques)) == sorted(set(expected))


def test_pairs_equal_a_row_by_row_map():
    a = pd.Series(pd.Categorical(["x", "y", "x", None], categories=["q", "x", "y"]))
    b = pd.Series(["1", "1", "2", "2"], dtype=object)
    got = map_pairs(a, b, lambda x, y: f"{x}{y}" if isinstance(x, str) else f"-{y}")
    assert list(got) == ["x1", "y1", "x2", "-2"]


def test_an_empty_categorical():
    codes, uniques = factorize(pd.Series(pd.Categorical([], categories=["a"])))
    assert len(codes) == 0 and uniques == []
    assert len(map_categorical(pd.Series([], dtype="category"), clean)) == 0
    assert map_unique(pd.Series([], dtype=object), clean).shape == (0,)
    assert np.asarray(map_unique(pd.Series(["a"], dtype="category"), clean)).tolist() == ["A"]
