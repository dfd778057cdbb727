"""Neighbour features from the release's own indicators (etl.neighbour_features), on the US county file:
peers by unemployment rate, the period they are taken in, and the finding when more than k areas tie."""

from __future__ import annotations

import pandas as pd
import pytest
import yaml

from core.errors import ConfigError
from tests.etl.test_us_counties import US, _config, _file


def _with_neighbours(tmp_path, features, k=5):
    from core.config import load_config

    config = _config(tmp_path, pad_codes=5, code_mapping={"path": str(US / "code_mapping.csv")})
    raw = yaml.safe_load((tmp_path / "config.yaml").read_text())
    raw["geography"]["neighbours"] = {"k": k, "levels": ["county"], "features": features}
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(raw, sort_keys=False))
    assert config is not None
    return load_config(tmp_path / "config.yaml")


def test_peers_by_an_indicators_latest_value_match_a_brute_force(tmp_path):
    from etl.pipeline import run

    config = _with_neighbours(tmp_path, [{"indicator": "unemployment_rate", "period": "latest"}])
    result = run(config)
    nb = pd.read_parquet(result.path / "neighbours.parquet")
    rates = _file()
    rates["code"] = rates["code"].str.zfill(5).replace({"02158": "02270"})
    rate = dict(zip(rates["code"], rates["value"], strict=True))
    z = (rates["value"] - rates["value"].mean()) / rates["value"].std(ddof=0)
    zs = dict(zip(rates["code"], z, strict=True))
    for code in ("01001", "06037", "02270"):
        others = sorted((float(f"{abs(zs[c] - zs[code]):.12g}"), c) for c in rates["code"] if c != code)
        got = nb[nb.area_code == code].sort_values("rank")["neighbour_code"].tolist()
        assert got == [c for _, c in others[:5]], code
    # rates have one decimal: 01001's five peers all have its rate, 5.3, as do 3 counties more (picked by code)
    assert {rate[c] for c in nb[nb.area_code == "01001"]["neighbour_code"]} == {5.3}
    assert sum(v == 5.3 for v in rate.values()) == 9
    quality = pd.read_parquet(result.path / "quality.parquet")
    ties = quality[quality.rule == "neighbour_ties"]
    assert len(ties) == 1 and ties.iloc[0].severity == "warn"
    assert "of level 'county' share their neighbour features (unemployment_rate@latest) with more than k = 5" \
        in ties.iloc[0].message


def test_a_period_without_values_is_an_error_naming_the_key(tmp_path):
    from etl.pipeline import run

    config = _with_neighbours(tmp_path, [{"indicator": "unemployment_rate", "period": "2019"}])
    with pytest.raises(ConfigError, match=r"geography.neighbours.features\[0\].period: indicator "
                                          r"'unemployment_rate' has no value at level 'county' in '2019' \(its last "
                                          r"periods with values there: 2016\)"):
        run(config)


def test_a_feature_names_an_attribute_or_an_indicator_not_both(tmp_path):
    with pytest.raises(ConfigError, match="give exactly one of 'name'"):
        _with_neighbours(tmp_path, [{"indicator": "unemployment_rate", "name": "x"}])
    with pytest.raises(ConfigError, match="unknown indicator 'unemployment'"):
        _with_neighbours(tmp_path, [{"indicator": "unemployment"}])
