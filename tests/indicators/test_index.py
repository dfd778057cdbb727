"""``method: index`` on the four-area world (world.py), against values worked out by hand, and its config checks.

x: 2019 L1 20, L2 30, L3 -, L4 48 -> R1 50, R2 not computed (1 of 2 areas), C 98 (3 of 4, the 75% minimum)
   2020 L1 10, L2 60, L3 13, L4 100 -> R1 70, R2 113, C 183
n: 100, 300, 120, 480 in both years (2019: L3 reports n but not x, so it is not in the 2019 ratio)
y: 2020 L1 1000, L2 2000, L3 3, L4 0;  2021 L1 1100, L2 2000, L3 6, L4 5
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from core.config import load_config
from core.errors import ConfigError
from etl.coverage import base_period_findings
from etl.findings import FINDING_COLUMNS
from indicators import methods
from tests.indicators.world import build_config, compute_final, row

OBS = [
    ("x", "L1", 2019, 20, ""), ("x", "L2", 2019, 30, ""), ("x", "L4", 2019, 48, ""),
    ("x", "L1", 2020, 10, ""), ("x", "L2", 2020, 60, ""), ("x", "L3", 2020, 13, "p"), ("x", "L4", 2020, 100, ""),
    *[("n", a, year, n, "") for year in (2019, 2020) for a, n in (("L1", 100), ("L2", 300), ("L3", 120),
                                                                   ("L4", 480))],
    ("y", "L1", 2020, 1000, ""), ("y", "L2", 2020, 2000, ""), ("y", "L3", 2020, 3, ""), ("y", "L4", 2020, 0, ""),
    ("y", "L1", 2021, 1100, ""), ("y", "L2", 2021, 2000, ""), ("y", "L3", 2021, 6, ""), ("y", "L4", 2021, 5, ""),
]

INDICATORS = [
    {"id": "x_index", "unit": "index", "compute": {"method": "index", "measure": "x", "base_period": "2019"}},
    {"id": "rate_index", "unit": "index",
     "compute": {"method": "index", "numerator": "x", "denominator": "n", "base_period": "2019"}},
    {"id": "y_index", "unit": "index", "compute": {"method": "index", "measure": "y", "base_period": "2020"}},
    {"id": "x_total", "unit": "people", "compute": {"method": "sum", "measure": "x"}},
]


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    return build_config(tmp_path_factory.mktemp("index"), OBS, INDICATORS, ["x", "n", "y"])


@pytest.fixture(scope="module")
def final(world):
    return compute_final(world)


def test_an_index_is_the_value_over_the_base_periods_at_each_level(final):
    for area, base, now in (("L1", 20, 10), ("L2", 30, 60), ("L4", 48, 100), ("R1", 50, 70), ("C", 98, 183)):
        r = row(final, "x_index", area)
        assert r.value == pytest.approx(now / base * 100), area
        assert (r.numerator, r.denominator) == (now, base)  # the underlying value now and in the base period
        assert row(final, "x_index", area, "2019").value == 100.0  # exactly, not 99.99999999999999
    # a parent's index is its own sum's: R1 (20 + 30 -> 10 + 60) is 140, not the mean of 50 and 200
    assert row(final, "x_index", "R1").value == pytest.approx(140.0)
    assert row(final, "x_total", "R1").value == 70  # the same sums as the sum indicator


def test_an_index_of_a_ratio_divides_the_ratios_of_sums(final):
    for area, base, now in (("L1", 20 / 100, 10 / 100), ("R1", 50 / 400, 70 / 400), ("C", 98 / 880, 183 / 1000)):
        r = row(final, "rate_index", area)
        assert r.value == pytest.approx(now / base * 100), area
        assert (r.numerator, r.denominator) == (pytest.approx(now), pytest.approx(base))


def test_an_area_without_its_base_period_has_no_index_and_the_note_says_why(final):
    l3 = row(final, "x_index", "L3")  # reported in 2020, not in 2019
    assert math.isnan(l3.value) and l3.status == "missing"
    assert l3.note == "Not computed: no value was reported for the base period 2019 here; an index needs one."
    r2 = row(final, "x_index", "R2")  # 1 of 2 local areas in 2019: below the minimum coverage there
    assert math.isnan(r2.value)
    assert r2.note == "Not computed: too few local areas reported in the base period 2019."
    # no interval: an index is not compared with its parent
    assert math.isnan(row(final, "x_index", "L1").lower_ci)
    assert row(final, "x_index", "L1").significance_parent == "not compared"


def test_a_zero_base_gives_no_index(final):
    l4 = row(final, "y_index", "L4", "2021")  # 0 in 2020, 5 in 2021: 5 / 0 has no meaning
    assert math.isnan(l4.value)
    assert l4.note == ("Not computed: the value in the base period 2020 is 0, and an index of it has no "
                       "meaning.")
    assert row(final, "y_index", "L1", "2021").value == pytest.approx(110.0)
    assert row(final, "y_index", "R2", "2021").value == pytest.approx(11 / 3 * 100)  # 6 + 5 over 3 + 0


def test_the_findings_name_the_indicator_the_area_and_the_periods_with_data(world):
    config = load_config(world)
    obs = pd.DataFrame([(m, a, str(p), "", float(v)) for m, a, p, v, _ in OBS],
                       columns=["measure", "area_code", "period", "breakdown", "value"])
    found = base_period_findings(config, ["x_index", "rate_index", "y_index", "x_total"], obs)
    assert list(found.columns) == FINDING_COLUMNS
    mine = found[found["rule"] == "index_base_without_data"]
    by = {(m.split("'")[1], a): m for m, a in zip(mine["message"], mine["area_code"], strict=True)}
    assert set(by) == {("x_index", "L3"), ("rate_index", "L3"), ("y_index", "L4")}
    assert "area 'L3' has no value in the base period '2019'; the periods with data are 2020" in by["x_index", "L3"]
    assert "area 'L4' has 0 in the base period '2020'; the periods with data are 2020, 2021" in by["y_index", "L4"]
    assert (mine["severity"] == "warn").all() and set(mine["source"]) == {"obs"}


def write(tmp_path, indicator: dict):
    return load_config(build_config(tmp_path, OBS, [indicator], ["x", "n", "y"]))


@pytest.mark.parametrize("compute, extra, message", [
    ({"measure": "x"}, {}, "indicators[0].compute.base_period: an index needs 'base_period'"),
    ({"measure": "x", "numerator": "x", "denominator": "n", "base_period": "2019"}, {},
     "indicators[0].compute: an index takes 'measure' (the index of its sum) or 'numerator' and 'denominator'"),
    ({"numerator": "x", "base_period": "2019"}, {}, "indicators[0].compute: an index needs 'measure'"),
    ({"measure": "x", "base_period": "2019", "multiplier": 1000}, {},
     "indicators[0].compute.multiplier: an index is 100 in its base period"),
    ({"measure": "x", "base_period": "2019"}, {"interval": "poisson"},
     "indicators[0].interval: an index has no confidence interval (not 'poisson')"),
    ({"measure": "x", "base_period": "2019"}, {"disclosure": {"threshold": 10}},
     "indicators[0].compute.method: an index of a count that disclosure control protects is not supported"),
])
def test_index_settings_are_checked_with_the_key_named(tmp_path, compute, extra, message):
    config = write(tmp_path, {"id": "i", "compute": {"method": "index", **compute}, **extra})
    with pytest.raises(ConfigError) as err:
        methods.checked(config)
    assert message in str(err.value)


def test_other_methods_refuse_a_base_period_and_unknown_methods_get_a_suggestion(tmp_path):
    problems = methods.check_config(write(tmp_path, {"id": "i", "compute": {"method": "sum", "measure": "x",
                                                                            "base_period": "2019"}}))
    assert problems == ["indicators[0].compute.base_period: method 'sum' does not take 'base_period' (it takes "
                        "measure, multiplier)"]
    problems = methods.check_config(write(tmp_path, {"id": "i", "compute": {"method": "idnex", "measure": "x"}}))
    assert problems == ["indicators[0].compute.method: unknown method 'idnex'; did you mean 'index'? (methods: "
                        "count, index, published, ratio, sum)"]
    problems = methods.check_config(write(tmp_path, {"id": "i", "interval": "wilson",
                                                     "compute": {"method": "sum", "measure": "x"}}))
    assert problems == ["indicators[0].interval: 'wilson' is not an interval of method 'sum' (it allows poisson, "
                        "none) ('wilson' needs a ratio, a proportion)"]


def test_an_index_of_people_is_refused(tmp_path):
    path = build_config(tmp_path, OBS, [{"id": "i", "compute": {"method": "index", "measure": "x",
                                                                "base_period": "2019"}}], ["x"])
    text = path.read_text().replace("- id: x\n  source: obs\n", "- id: x\n  source: obs\n  people: true\n")
    assert "people: true" in text
    path.write_text(text)
    assert methods.check_config(load_config(path)) == [
        "indicators[0].compute.method: an index of a count that disclosure control protects is not supported "
        "(measure 'x' is a count that disclosure control protects): its values and the published counts would "
        "give the withheld counts of its base period away"]


def test_the_computation_refuses_a_config_its_methods_reject(tmp_path):
    path = build_config(tmp_path, OBS, [{"id": "i", "compute": {"method": "index", "measure": "x"}}], ["x"])
    with pytest.raises(ConfigError, match="base_period"):
        compute_final(path)
