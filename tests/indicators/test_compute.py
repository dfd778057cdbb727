"""The computation on a four-area world, against values worked out by hand (see world.py).

2020: L1 10/100, L2 60/300, L3 13/120, L4 100/480  -> R1 70/400, R2 113/600, C 183/1000
2019: L1 20/100, L2 30/300, L3 -/120 (late),  L4 48/480  -> R1 50/400, R2 not computed (coverage 1/2),
      C 98/880 (coverage 3/4, exactly the 75% minimum)
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from indicators.intervals import poisson_byar, poisson_exact, wilson
from tests.indicators.world import AREAS, build_config, compute_final, row

OBS = [
    ("x", "L1", 2020, 10, ""), ("n", "L1", 2020, 100, ""),
    ("x", "L2", 2020, 60, ""), ("n", "L2", 2020, 300, ""),
    ("x", "L3", 2020, 13, "p"), ("n", "L3", 2020, 120, ""),
    ("x", "L4", 2020, 100, ""), ("n", "L4", 2020, 480, ""),
    ("x", "L1", 2019, 20, ""), ("n", "L1", 2019, 100, ""),
    ("x", "L2", 2019, 30, ""), ("n", "L2", 2019, 300, ""),
    ("n", "L3", 2019, 120, ""),
    ("x", "L4", 2019, 48, ""), ("n", "L4", 2019, 480, ""),
    ("y", "L1", 2020, 1000, ""), ("y", "L2", 2020, 2000, ""), ("y", "L3", 2020, 3, ""), ("y", "L4", 2020, 0, ""),
    # a publisher's values at every level: taken as they are, even where they do not add up
    ("s", "C", 2020, 50.0, ""), ("s", "R1", 2020, 40.0, ""), ("s", "R2", 2020, 60.0, ""),
    ("s", "L1", 2020, 35.0, ""), ("s", "L2", 2020, 45.0, ""), ("s", "L3", 2020, 55.0, ""), ("s", "L4", 2020, 65.0, ""),
]

INDICATORS = [
    {"id": "rate", "compute": {"method": "ratio", "numerator": "x", "denominator": "n", "multiplier": 100},
     "target": {"value": 30, "period": "2030", "base_period": "2019"}},
    {"id": "per_1000", "unit": "per 1,000", "compute": {"method": "ratio", "numerator": "x", "denominator": "n",
                                                         "multiplier": 1000}},
    {"id": "total", "unit": "people", "compute": {"method": "sum", "measure": "x"}},
    {"id": "events", "unit": "events", "interval": "poisson", "compute": {"method": "sum", "measure": "y"}},
    {"id": "published", "compute": {"method": "published", "measure": "s"}},
    {"id": "lower_better", "polarity": "lower_is_better",
     "compute": {"method": "ratio", "numerator": "x", "denominator": "n", "multiplier": 100}},
    # its own copy of x: an indicator publishing a controlled count is protected with it (indicators.families)
    {"id": "small", "unit": "people", "compute": {"method": "sum", "measure": "z"},
     "disclosure": {"threshold": 11}},
]


@pytest.fixture(scope="module")
def final(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("world")
    obs = OBS + [("z", *o[1:]) for o in OBS if o[0] == "x"]
    return compute_final(build_config(tmp, obs, INDICATORS, ["x", "n", "y", "s", "z"], neighbours_k=1))


def test_a_rate_is_rolled_up_as_a_ratio_of_sums_not_a_mean_of_rates(final):
    r1 = row(final, "rate", "R1")
    assert (r1.numerator, r1.denominator) == (70, 400)
    assert r1.value == pytest.approx(17.5)  # the mean of 10% and 20% would be 15%
    assert row(final, "rate", "R2").value == pytest.approx(113 / 600 * 100)
    c = row(final, "rate", "C")
    assert (c.numerator, c.denominator, c.value) == (183, 1000, pytest.approx(18.3))
    assert (c.coverage, c.n_reporting, c.n_expected) == (1.0, 4, 4)


def test_sums_and_published_values(final):
    assert row(final, "total", "C").value == 183
    assert row(final, "total", "R2").value == 113
    for area, value in (("C", 50.0), ("R1", 40.0), ("R2", 60.0), ("L3", 55.0)):
        r = row(final, "published", area)
        assert r.value == value and math.isnan(r.numerator) and math.isnan(r.lower_ci)


def test_coverage_below_the_minimum_leaves_the_parent_uncomputed_and_says_why(final):
    r2 = row(final, "rate", "R2", "2019")
    assert math.isnan(r2.value) and r2.status == "low_coverage"
    assert r2.coverage == 0.5 and r2.coverage_denominator == pytest.approx(480 / 600)
    assert "1 of 2 local areas reported" in r2.note and "75%" in r2.note
    c = row(final, "rate", "C", "2019")
    assert c.coverage == 0.75 and c.value == pytest.approx(98 / 880 * 100)
    assert c.coverage_denominator == pytest.approx(880 / 1000)
    assert c.note == "Computed from the 3 of 4 local areas that reported."
    assert row(final, "rate", "L3", "2019").status == "missing"


def test_wilson_interval_for_percentages(final):
    lo, hi = wilson(10, 100)
    r = row(final, "rate", "L1")
    assert (r.lower_ci, r.upper_ci) == (pytest.approx(lo * 100), pytest.approx(hi * 100))
    assert lo * 100 == pytest.approx(5.5229, abs=1e-3) and hi * 100 == pytest.approx(17.4368, abs=1e-3)


def test_wilson_limits_are_exact_at_0_and_n_so_equal_values_are_similar(tmp_path):
    """R1: L1 0/69 and L2 0/75 (0%); R2: L3 138/138 and L4 24/24 (100%); the same in 2019 and 2020.
    Wilson at x = 0: lower 0, upper z^2 / (n + z^2) = 3.841459 / 72.841459 = 5.2737%; at x = n: lower
    n / (n + z^2) = 24 / 27.841459 = 86.2024%, upper 100%. The formula's rounding left 3.3e-16 and 99.99999999999997,
    so L1 at 0% was 'better' than R1 at 0% (and than itself a year before), L4 at 100% 'worse' than R2 at 100%."""
    obs = [(m, a, year, v, "") for year in (2019, 2020)
           for a, x, n in (("L1", 0, 69), ("L2", 0, 75), ("L3", 138, 138), ("L4", 24, 24))
           for m, v in (("x", x), ("n", n))]
    final = compute_final(build_config(tmp_path, obs, INDICATORS[:1], ["x", "n"]))
    l1, l4 = row(final, "rate", "L1"), row(final, "rate", "L4")
    assert l1.lower_ci == 0.0 and l1.upper_ci == pytest.approx(5.2737, abs=1e-4)
    assert l4.lower_ci == pytest.approx(86.2024, abs=1e-4) and l4.upper_ci == 100.0
    assert row(final, "rate", "R1").lower_ci == 0.0 and row(final, "rate", "R2").upper_ci == 100.0
    for r in (l1, l4, row(final, "rate", "L2"), row(final, "rate", "L3")):
        assert (r.parent_value, r.previous_value) == (r.value, r.value)
        assert (r.significance_parent, r.change_significance) == ("similar", "similar")
    assert wilson(0, 69)[0] == 0.0 and wilson(24, 24)[1] == 1.0


def test_parent_sums_carry_no_floating_point_noise(tmp_path):
    """L1 0.1 + L2 0.2 is 0.30000000000000004 in floating point and L3 1926097.3 + L4 0.1 is 1926097.4000000001;
    a reader adding the published children gets 0.3 and 1926097.4, and so does the release. C adds all four:
    1926097.7. Whole numbers stay whole (the denominators)."""
    assert 0.1 + 0.2 != 0.3 and 1926097.3 + 0.1 != 1926097.4  # the noise the release must not carry
    obs = [("x", "L1", 2020, 0.1, ""), ("x", "L2", 2020, 0.2, ""), ("x", "L3", 2020, 1926097.3, ""),
           ("x", "L4", 2020, 0.1, "")] + [("n", a, 2020, 3_000_000, "") for a in ("L1", "L2", "L3", "L4")]
    indicators = [{"id": "total", "compute": {"method": "sum", "measure": "x"}},
                  {"id": "rate", "compute": {"method": "ratio", "numerator": "x", "denominator": "n",
                                             "multiplier": 100}}]
    final = compute_final(build_config(tmp_path, obs, indicators, ["x", "n"]))
    assert row(final, "total", "R1").value == 0.3 and row(final, "total", "R2").value == 1926097.4
    assert row(final, "total", "C").value == 1926097.7
    assert row(final, "rate", "R2").numerator == 1926097.4 and row(final, "rate", "C").denominator == 12_000_000
    assert row(final, "total", "L3").value == 1926097.3  # a local area's own value is published as given


def test_rounding_to_significant_digits_keeps_sign_magnitude_and_nulls():
    import duckdb

    from indicators.sqltext import _significant
    cents = 119615793671.76952  # a national sum of money in cents (the review's 40,000 areas): cents are kept
    values = [0.1 + 0.2, -(0.1 + 0.2), 1926097.3 + 0.1, 123456789012.0, 1234567890123.45, 1e-300, 2.5e-7 + 1e-23,
              0.0, None, cents, 12345678901.25, 12345678901.249998]
    sql = f"SELECT {_significant('x')} FROM (SELECT UNNEST(?) AS x, generate_subscripts(?, 1) AS i) ORDER BY i"
    got = [r[0] for r in duckdb.sql(sql, params=[values, values]).fetchall()]
    assert got[:9] == [0.3, -0.3, 1926097.4, 123456789012.0, 1234567890123.45, 1e-300, 2.5e-7, 0.0, None]
    assert got[9] == 119615793671.77
    # 1 ulp apart (the order of a parallel sum) stays within the 1e-12 that revisions and disclosure tolerate
    assert abs(got[10] - got[11]) / got[10] < 1e-14


def test_a_local_area_without_a_value_is_not_told_no_local_area_reported(tmp_path):
    obs = [("x", "L1", 2020, 5, ""), ("x", "L2", 2020, 7, ""), ("x", "L3", 2019, 1, ""), ("x", "L4", 2019, 2, "")]
    final = compute_final(build_config(tmp_path, obs, [{"id": "total", "compute": {"method": "sum", "measure": "x"}}],
                                       ["x"]))
    assert row(final, "total", "L3").note == "No value was reported for this area and period."
    assert row(final, "total", "R2").note == "No local area reported for this period."


def test_exact_poisson_for_small_counts_and_byar_for_large(final):
    r = row(final, "per_1000", "L1")
    lo, hi = poisson_exact(10)
    assert (lo, hi) == (pytest.approx(4.7954, abs=1e-3), pytest.approx(18.3904, abs=1e-3))
    assert (r.lower_ci, r.upper_ci) == (pytest.approx(lo / 100 * 1000), pytest.approx(hi / 100 * 1000))
    big = row(final, "events", "L1")
    lo, hi = poisson_byar(1000)
    assert (big.lower_ci, big.upper_ci) == (pytest.approx(lo), pytest.approx(hi))
    zero = row(final, "events", "L4")
    assert zero.lower_ci == 0 and zero.upper_ci == pytest.approx(poisson_exact(0)[1])


def test_no_interval_means_null_not_zero_and_not_compared(final):
    r = row(final, "total", "L1")
    assert math.isnan(r.lower_ci) and math.isnan(r.upper_ci)
    assert r.significance_parent == "not compared"


def test_significance_is_direction_aware(final):
    # L1: 10% with Wilson (5.52, 17.44); its region R1 is 17.5%, above the whole interval.
    assert row(final, "rate", "L1").significance_parent == "worse"
    assert row(final, "lower_better", "L1").significance_parent == "better"
    assert row(final, "rate", "L2").significance_parent == "similar"  # 20% (15.9, 24.8) holds 17.5
    assert row(final, "rate", "C").significance_top == "not compared"  # the top level itself
    assert row(final, "rate", "L1").top_value == pytest.approx(18.3)
    assert row(final, "rate", "L1").parent_value == pytest.approx(17.5)


def test_ranks_quartiles_and_ranks_within_the_parent(final):
    got = {a: (row(final, "rate", a).rank_level, row(final, "rate", a).quartile,
               row(final, "rate", a).rank_parent) for a in ("L1", "L2", "L3", "L4")}
    # values: L4 20.83, L2 20.0, L3 10.83, L1 10.0 (higher is better)
    assert got == {"L4": (1, 1, 1), "L2": (2, 2, 1), "L3": (3, 3, 2), "L1": (4, 4, 2)}
    assert row(final, "rate", "L1").n_ranked_level == 4
    assert row(final, "lower_better", "L1").rank_level == 1


def test_change_since_the_previous_period(final):
    r = row(final, "rate", "L1")
    assert r.previous_period == "2019" and r.previous_value == pytest.approx(20.0)
    assert r.change == pytest.approx(-10.0)
    assert r.change_significance == "worse"  # 20% lies above 2020's interval (5.52, 17.44)


def test_publisher_flags_carry_up_the_hierarchy(final):
    assert row(final, "rate", "L3").status == "provisional"
    assert row(final, "rate", "R2").status == "provisional"
    assert row(final, "rate", "R1").status == "ok"


def test_nearest_neighbours_and_peer_mean(final):
    # populations L1 100, L2 290, L3 120, L4 480: nearest (k=1) L1->L3, L2->L3, L3->L1, L4->L2
    assert row(final, "rate", "L1").peer_mean == pytest.approx(13 / 120 * 100)
    assert row(final, "rate", "L4").peer_mean == pytest.approx(20.0)
    assert row(final, "rate", "R1").peer_mean == pytest.approx(113 / 600 * 100)


def test_progress_to_target_statistics_canada(final):
    r = row(final, "rate", "C")
    y0, y, target = 98 / 880 * 100, 18.3, 30.0
    observed = (y / y0) ** (1 / 1) - 1
    required = (target / y0) ** (1 / (2030 - 2019)) - 1
    assert r.cagr_observed == pytest.approx(observed)
    assert r.progress_ratio == pytest.approx(observed / required)
    assert r.progress_status == "on_track" and r.rag == "green"
    l1 = row(final, "rate", "L1")  # 20% -> 10%: deterioration
    assert l1.progress_status == "deterioration" and l1.rag == "red"


def test_the_base_without_a_target_is_the_indicators_first_period_with_a_value(tmp_path):
    """x starts in 2018, its denominator n in 2019: the ratio's first value, so its base, is 2019 (not x's
    first period, where the ratio has no value and no growth rate could be computed).
    2019: 400 / 1000 = 40% everywhere; 2020: L1 420 (+5%/year, on track), L2 404 (+1%, acceleration needed),
    L3 401 (+0.25%, limited progress), L4 396 (-1%, deterioration); C 1621 / 4000 = 40.525% (+1.3125%)."""
    share = {"id": "share", "compute": {"method": "ratio", "numerator": "x", "denominator": "n", "multiplier": 100}}
    obs = [("x", a, 2018, 390, "") for a in ("L1", "L2", "L3", "L4")]
    obs += [(m, a, 2019, v, "") for a in ("L1", "L2", "L3", "L4") for m, v in (("x", 400), ("n", 1000))]
    obs += [(m, a, 2020, v, "") for a, x in (("L1", 420), ("L2", 404), ("L3", 401), ("L4", 396))
            for m, v in (("x", x), ("n", 1000))]
    final = compute_final(build_config(tmp_path, obs, [share], ["x", "n"]))
    expected = {"L1": (0.05, "on_track", "green"), "L2": (0.01, "acceleration_needed", "amber"),
                "L3": (0.0025, "limited_progress", "red"), "L4": (-0.01, "deterioration", "red"),
                "C": (0.013125, "acceleration_needed", "amber")}
    for area, (cagr, status, rag) in expected.items():
        r = row(final, "share", area)
        assert (r.cagr_observed, r.progress_status, r.rag) == (pytest.approx(cagr), status, rag), area
    assert pd.isna(row(final, "share", "L1", "2019").progress_status)  # the base itself: no growth yet


def test_primary_and_secondary_suppression(final):
    l1, l2 = row(final, "small", "L1"), row(final, "small", "L2")
    assert l1.status == "suppressed" and math.isnan(l1.value) and math.isnan(l1.numerator)
    assert "fewer than 11 people" in l1.note  # the test rule's threshold
    # R1 = L1 + L2 is published, so L2 must go too or L1 = R1 - L2; its note is the same (one note for all)
    assert l2.status == "suppressed" and l2.note == l1.note
    assert row(final, "small", "R1").value == 70
    assert row(final, "small", "L4").status == "ok"
    # a withheld value reveals itself through no rank and no peer mean
    assert math.isnan(l1.rank_level)
    assert math.isnan(row(final, "small", "L3").peer_mean)  # L3's only peer is L1, withheld


FLAT_OBS = [("x", "L1", 2020, 10, "p"), ("n", "L1", 2020, 100, ""), ("x", "L2", 2020, 60, "e"),
            ("n", "L2", 2020, 300, ""), ("x", "L3", 2020, 13, ""), ("n", "L3", 2020, 120, ""),
            ("x", "L1", 2019, 20, ""), ("n", "L1", 2019, 100, "")]


def test_two_levels_the_top_is_rolled_up_from_the_local_areas(tmp_path):
    areas = [a if a[2] != "local" else (*a[:3], "C", *a[4:]) for a in AREAS if a[2] != "region"]
    final = compute_final(build_config(tmp_path, FLAT_OBS, INDICATORS[:1], ["x", "n"], areas=areas,
                                       levels=("country", "local")))
    c = row(final, "rate", "C")
    assert (c.numerator, c.denominator, c.n_reporting, c.n_expected) == (83, 520, 3, 4)
    assert c["flags"] == "pe" and c.status == "provisional"  # provisional outranks estimated
    local = row(final, "rate", "L1")
    assert (local.numerator, local.denominator, local.n_expected, local["flags"]) == (10, 100, 1, "p")
    assert (local.parent_value, local.top_value) == (pytest.approx(83 / 520 * 100),) * 2
    assert local.previous_value == pytest.approx(20.0)
    assert math.isnan(row(final, "rate", "L4").value)


def test_one_level_every_area_is_its_own_top(tmp_path):
    areas = [(*a[:3], "", *a[4:]) for a in AREAS if a[2] == "local"]
    final = compute_final(build_config(tmp_path, FLAT_OBS, INDICATORS[:1], ["x", "n"], areas=areas,
                                       levels=("local",)))
    assert sorted(final[final.period == "2020"].area_code) == ["L1", "L2", "L3", "L4"]
    l2 = row(final, "rate", "L2")
    assert (l2.numerator, l2.denominator, l2.value, l2["flags"]) == (60, 300, pytest.approx(20.0), "e")
    assert (l2.rank_level, l2.n_ranked_level) == (1, 3)


def test_change_skips_a_year_nobody_reported_and_not_a_year_one_area_missed(tmp_path):
    obs = [("x", a, p, v, "") for a, p, v in (("L1", 2017, 5), ("L2", 2017, 7), ("L1", 2019, 8), ("L2", 2019, 9),
                                              ("L1", 2020, 10))]
    final = compute_final(build_config(tmp_path, obs, [{"id": "total", "compute": {"method": "sum",
                                                                                 "measure": "x"}}], ["x"]))
    assert set(final.period) == {"2017", "2019", "2020"}  # nobody reported 2018: not a period of the series
    l1, l2 = row(final, "total", "L1", "2019"), row(final, "total", "L2", "2020")
    assert (l1.previous_period, l1.previous_value, l1.change) == ("2017", 5.0, 3.0)
    assert l2.previous_period == "2019" and l2.previous_value == 9.0  # L2 missed 2020: no value, no change
    assert math.isnan(l2.value) and math.isnan(l2.change)
    first = row(final, "total", "L1", "2017")
    assert pd.isna(first.previous_period) and math.isnan(first.previous_value)


def test_keyed_observations_are_sorted_unless_they_arrive_grouped_by_measure():
    """Sorting 21 M rows by measure was half of the preparation; sources are read a measure at a time, so
    the sort is left out when the rows are already grouped (and kept for plain text or mixed rows)."""
    import pandas as pd
    import pyarrow as pa

    from indicators import sqltext
    from indicators.compute import grouped_by_measure

    grouped = pd.DataFrame({"measure": pd.Categorical(["a"] * 5 + ["b"] * 5 + ["c"] * 3)})
    mixed = pd.DataFrame({"measure": pd.Categorical(["a", "b", "c"] * 5)})
    assert grouped_by_measure(grouped)
    assert not grouped_by_measure(mixed)
    assert not grouped_by_measure(grouped.astype({"measure": object}))  # plain text: not inspected
    assert grouped_by_measure(pa.Table.from_pandas(grouped))
    assert not grouped_by_measure(pa.Table.from_pandas(mixed))
    assert "ORDER BY" in sqltext.keys_sql(sort=True) and "ORDER BY" not in sqltext.keys_sql(sort=False)


def test_progress_is_judged_in_the_direction_of_desired_progress(tmp_path):
    """The methods audit's cases: a base already above the target (so the 'required' change is a fall),
    then a fall below it, is a deterioration, not 'on track'; a value that fell to 0 fell by 100%."""
    obs = [("v", "L1", 2019, 78.72, ""), ("v", "L1", 2020, 77.99, ""),  # higher is better, target 78
           ("v", "L2", 2019, 70.0, ""), ("v", "L2", 2020, 72.0, ""),  # normal case: on its way up to 78
           ("w", "L1", 2019, 10.0, ""), ("w", "L1", 2020, 0.0, "")]
    indicators = [{"id": "rate", "compute": {"method": "published", "measure": "v"},
                   "target": {"value": 78, "period": "2030", "base_period": "2019"}},
                  {"id": "business", "compute": {"method": "published", "measure": "w"}}]
    final = compute_final(build_config(tmp_path, obs, indicators, ["v", "w"]))
    l1 = row(final, "rate", "L1")
    assert l1.progress_status == "deterioration" and l1.rag == "red"
    assert math.isnan(l1.progress_ratio)  # two falls would make a 'ratio of progress' of 2.2
    l2 = row(final, "rate", "L2")
    assert l2.progress_ratio == pytest.approx((72 / 70 - 1) / ((78 / 70) ** (1 / 11) - 1))
    w = row(final, "business", "L1")
    assert w.cagr_observed == pytest.approx(-1.0) and w.progress_status == "deterioration"
