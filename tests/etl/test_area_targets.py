"""Per-area targets name areas of the geography: a code the areas table lacks stops the run before anything is
read, naming the config path."""

from __future__ import annotations

import pytest

from core.config import load_config
from core.store import ReleaseStore
from etl.pipeline import run
from tests.indicators.world import build_config

SUM = {"id": "total_x", "compute": {"method": "sum", "measure": "x"}}
OBS = [("x", a, 2020, 5.0, "") for a in ("L1", "L2", "L3", "L4")]


def test_a_target_for_an_area_the_geography_lacks_is_an_error(tmp_path):
    from core.errors import ConfigError

    target = {"value": 50, "period": "2025", "areas": [{"area_code": "l2", "value": 40}]}
    config = load_config(build_config(tmp_path, OBS, [{**SUM, "target": target}], ["x"]))
    with pytest.raises(ConfigError, match=r"indicators\[0\].target.areas\[0\].area_code: 'l2' is not in the areas "
                                          r"table \(indicator 'total_x'\); did you mean 'L2'\?"):
        run(config)
    assert ReleaseStore(config.store).current_id() is None
