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


@pytest.mark.parametrize("dense", [True, False])
@pytest.mark.parametrize("categorical", [True, False])
def test_duplicate_keys_are_those_a_groupby_finds(dense, categorical):
    """Counted key by key when the keys nearly fill their grid, hashed when sparse: the same rows either way."""
    from etl.validate import duplicated_key, int_key

    rng = np.random.default_rng(7)
    n = 400
    spread = 4 if dense else 400  # distinct values per column: 4**3 keys for 400 rows, or 400**3
    obs = pd.DataFrame({c: rng.integers(0, spread, n).astype(str) for c in ("measure", "area_code", "period")})
    obs["breakdown"] = "total"
    obs.loc[rng.integers(0, n, 20), "area_code"] = None  # a missing code is a value of its own
    obs = pd.concat([obs, obs.iloc[[3, 5]]], ignore_index=True)  # at least two duplicates even when sparse
    if categorical:
        obs = obs.astype("category")
    _, size = int_key(obs, ("measure", "area_code", "period", "breakdown"))
    assert (size <= 4 * len(obs)) == dense
    expected = obs.astype(object).fillna("<na>").duplicated(keep=False).to_numpy()
    assert (duplicated_key(obs) == expected).all() and expected.sum() >= 4


@pytest.mark.parametrize("order", ["config", "file", "shuffled"])
def test_measures_selected_in_one_pass_equal_one_selection_per_measure(tmp_path, monkeypatch, order):
    """A source whose measure column names each measure (the common case) is split in one pass; the
    observations are the same rows, in the same order, as one selection per measure gives."""
    from core.config import load_config
    from etl import observations
    from etl.sources import read_source
    from tests.indicators.world import build_config

    rng = np.random.default_rng(3)
    rows = [(m, a, str(p), float(rng.integers(0, 50)), "p" if p == 2024 else "")
            for m in ("zeta", "alpha", "unused", "mid") for a in ("L1", "L2", "L3") for p in (2023, 2024)]
    if order == "shuffled":
        rows = [rows[i] for i in rng.permutation(len(rows))]
    measures = ["alpha", "mid", "zeta"] if order != "file" else ["zeta", "alpha", "mid"]
    config = load_config(build_config(tmp_path, rows, [{"id": "x", "compute": {"method": "sum", "measure": "alpha"}}],
                                      measures))
    source = config.sources[0]
    fast = observations.extract_measures(read_source(source), source, config.measures, config)
    monkeypatch.setattr(observations, "_by_measure_column", lambda raw, selections: None)
    general = observations.extract_measures(read_source(source), source, config.measures, config)
    assert len(fast) == 18 and list(fast["measure"].unique()) == measures
    # (the categories' own dtype, object or str, follows how many frames were joined: not compared)
    pd.testing.assert_frame_equal(observations.plain_strings(fast), observations.plain_strings(general))
