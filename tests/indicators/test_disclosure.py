"""Disclosure control end to end, on the four-area world (world.py): what the methods audit found could be
worked out, and now cannot. C = R1 (L1, L2) + R2 (L3, L4)."""

from __future__ import annotations

import math

import pandas as pd
import yaml

from core.config import load_config
from core.store import ReleaseStore
from etl.pipeline import run
from indicators import disclosure
from tests.indicators.world import AREAS, build_config, compute_final, row

SMALL = {"id": "small", "unit": "people", "compute": {"method": "sum", "measure": "x"},
         "disclosure": {"threshold": 10}}


#: the world with two more local areas in R1, so that a region has room for the attacks on two releases
SIX = [*AREAS, ("L5", "Local five", "local", "R1", 100, 1), ("L6", "Local six", "local", "R1", 100, 2)]


def publish(config) -> pd.DataFrame:
    """Run the pipeline and return the published release's values."""
    run(config)
    return pd.read_parquet(ReleaseStore(config.store).path() / "indicator_values.parquet")


def withheld(final: pd.DataFrame, indicator: str = "small", period: str = "2020") -> set[str]:
    hit = final[(final.indicator == indicator) & (final.period == period) & (final.status == "suppressed")]
    return set(hit.area_code + "/" + hit.breakdown)


def test_a_parent_below_minimum_coverage_gives_away_no_partial_sum(tmp_path):
    # L3 does not report: R2 (1 of 2 areas) is not computed, but C (3 of 4, the 75% minimum) is, and
    # C - R1 would be R2's partial sum, which is L4's small count
    obs = [("x", "L1", 2020, 20, ""), ("x", "L2", 2020, 30, ""), ("x", "L4", 2020, 5, "")]
    final = compute_final(build_config(tmp_path, obs, [SMALL], ["x"]))
    r2 = row(final, "small", "R2")
    assert r2.status == "low_coverage" and math.isnan(r2.value)
    assert math.isnan(r2.numerator) and math.isnan(r2.denominator)  # its partial sum was published: 5
    assert row(final, "small", "C").value == 55
    # L4 (primary); R1, or C - R1 = R2 = L4; then a child of R1, or R1 = L1 + L2
    assert withheld(final) == {"L4/total", "R1/total", "L1/total"}
    assert row(final, "small", "R1").note == disclosure.DISCLOSURE_REASON.format(threshold=10)


def test_a_breakdown_cannot_be_worked_out_from_the_others(tmp_path):
    rows = [("x", a, 2020, s, v, "") for a, f, m in [("L1", 4, 30), ("L2", 25, 35), ("L3", 40, 45), ("L4", 50, 55)]
            for s, v in (("F", f), ("M", m), ("T", f + m))]
    pd.DataFrame(rows, columns=["measure", "area_code", "period", "sex", "value", "flag"]) \
        .to_csv(tmp_path / "sex.csv", index=False)
    path = build_config(tmp_path, [], [SMALL], ["x"])
    cfg = yaml.safe_load(path.read_text())
    cfg["sources"] = [{"id": "obs", "format": "csv", "path": "sex.csv",
                       "columns": {"area_code": "area_code", "period": "period", "value": "value", "flag": "flag"}}]
    cfg["measures"] = [{"id": "x", "source": "obs", "breakdown": "sex"}]
    path.write_text(yaml.safe_dump(cfg))
    final = compute_final(path)
    got = withheld(final)
    # L1 F (4) is primary. T - M at L1 would give it: one of them goes (M, the smaller), and so on up
    assert {"L1/sex=F", "L1/sex=M"} <= got
    assert "L1/sex=T" not in got  # two unknowns in T = F + M are enough
    # every group of a withheld cell (parent + children of a breakdown, breakdowns of an area) has two or more
    for area, bd in (c.split("/") for c in got):
        same_area = {c for c in got if c.startswith(area + "/")}
        assert len(same_area) >= 2, (area, bd)


def test_a_confidential_value_is_withheld_and_cannot_be_worked_out(tmp_path):
    total = {"id": "total", "unit": "people", "compute": {"method": "sum", "measure": "x"}}  # no disclosure rule
    obs = [("x", "L1", 2020, 20, ""), ("x", "L2", 2020, 300, "c"), ("x", "L3", 2020, 40, ""),
           ("x", "L4", 2020, 50, "")]
    final = compute_final(build_config(tmp_path, obs, [total], ["x"]))
    l2 = row(final, "total", "L2")
    assert l2.status == "suppressed" and math.isnan(l2.value) and l2["flags"] == "c"
    assert l2.note == disclosure.CONFIDENTIAL_REASON
    assert withheld(final, "total") == {"L2/total", "L1/total"}  # R1 = L1 + L2
    # the parents are computed with it, and do not carry its flag
    assert (row(final, "total", "R1").value, row(final, "total", "R1")["flags"]) == (320, "")
    assert row(final, "total", "C")["flags"] == "" and row(final, "total", "C").value == 410


def test_what_the_release_before_withheld_stays_withheld(tmp_path):
    obs = [("x", "L1", 2020, 20, ""), ("x", "L2", 2020, 30, ""), ("x", "L3", 2020, 40, ""), ("x", "L4", 2020, 50, "")]
    path = build_config(tmp_path, obs, [SMALL], ["x"])
    assert withheld(compute_final(path)) == set()
    before = pd.DataFrame({"indicator": ["small"], "area_code": ["L4"], "period": ["2020"], "breakdown": ["total"]})
    final = compute_final(path, withheld=before)
    assert withheld(final) == {"L4/total", "L3/total"}
    assert row(final, "small", "L4").note == disclosure.DISCLOSURE_REASON.format(threshold=10)


def test_comparing_two_releases_reveals_no_withheld_count(tmp_path):
    """The journalist's attack: release A withholds L1 (7, primary) and L2 (secondary); a revision makes L4
    small in release B. Without memory, B would withhold L4 and L3 and publish L2, and A's R1 - L2 = L1."""
    obs = [("x", "L1", 2020, 7, ""), ("x", "L2", 2020, 30, ""), ("x", "L3", 2020, 40, ""), ("x", "L4", 2020, 50, "")]
    path = build_config(tmp_path, obs, [SMALL], ["x"])
    config = load_config(path)
    assert withheld(publish(config)) == {"L1/total", "L2/total"}
    (tmp_path / "obs.csv").write_text((tmp_path / "obs.csv").read_text().replace("L4,2020,50", "L4,2020,5"))
    b = publish(config)
    assert withheld(b) >= {"L1/total", "L2/total", "L4/total"}
    assert b.loc[(b.area_code == "L2") & (b.period == "2020"), "note"].item() == disclosure.DISCLOSURE_REASON.format(threshold=10)


def test_coverage_of_the_denominator_is_zero_when_no_child_reports(tmp_path):
    rate = {"id": "rate", "compute": {"method": "ratio", "numerator": "x", "denominator": "n", "multiplier": 100}}
    obs = [("n", "L1", 2020, 100, ""), ("n", "L2", 2020, 300, ""), ("x", "L3", 2020, 5, ""), ("n", "L3", 2020, 50, "")]
    final = compute_final(build_config(tmp_path, obs, [rate], ["x", "n"]))
    r1 = row(final, "rate", "R1")  # denominators known (400), no child reports the numerator
    assert (r1.status, r1.n_reporting, r1.coverage_denominator) == ("missing", 0, 0.0)


def test_a_cell_the_release_before_published_is_no_protection(tmp_path):
    """The reviewer's attack: R1 = L1 (7) + L2 (30) + L5 (60) + L6 (70). Release A withholds L1 and L2. In B
    L2 no longer reports; withholding L5 would protect nothing, since A published it: L1 = R1(B) - L5(A) - L6."""
    obs = [("x", a, 2020, v, "") for a, v in (("L1", 7), ("L2", 30), ("L5", 60), ("L6", 70), ("L3", 40), ("L4", 50))]
    config = load_config(build_config(tmp_path, obs, [SMALL], ["x"], areas=SIX))
    assert withheld(publish(config)) == {"L1/total", "L2/total"}
    (tmp_path / "obs.csv").write_text((tmp_path / "obs.csv").read_text().replace("x,L2,2020,30,\n", ""))
    got = withheld(publish(config))
    # L5 and L6 are as A published them; R1 changed (167 -> 137), so it is what hides L1; then C (R2 is known)
    assert got == {"L1/total", "R1/total", "C/total"}, got


def test_secondary_suppression_ends_on_a_long_chain_of_groups():
    """Each round withholds at least one cell, so a chain of groups longer than any fixed number of rounds
    ends too (the reviewer's zig-zag between areas and breakdowns, 102 links, stopped the run)."""
    n, rows = 102, []
    for k in range(n):
        for b in range(n + 1):
            v = 3 if (k, b) == (0, 0) else 10 + 2 * k if b == k else 11 + 2 * k if b == k + 1 else 1000
            rows.append({"indicator": 0, "period": 0, "breakdown": b, "area_code": k + 1, "parent_code": 0,
                         "size": v, "withheld": int(v < 10)})
    for code, small, nxt in ((n + 1, 0, n), (n + 2, n, 0)):
        for b in range(n + 1):
            v = 3 if b == small else 10 if b == nxt else 1000
            rows.append({"indicator": 0, "period": 0, "breakdown": b, "area_code": code, "parent_code": 0,
                         "size": v, "withheld": int(v < 10)})
    for b in range(n + 1):
        rows.append({"indicator": 0, "period": 0, "breakdown": b, "area_code": 0, "parent_code": -1,
                     "size": sum(r["size"] for r in rows if r["breakdown"] == b), "withheld": 0})
    out = disclosure.secondary_suppression(pd.DataFrame(rows))
    assert len(out) > 2 * n


def test_a_count_and_a_rate_of_it_withhold_the_same_cells(tmp_path):
    """The reviewer's attack on one release: a count and a rate of it, the rate's denominator missing for L2.
    Protected one at a time, the count withheld L1 and L2, the rate L1 and L5, and L1 = rate R1's numerator -
    count L5 - rate L6."""
    rate = {"id": "rate", "compute": {"method": "ratio", "numerator": "x", "denominator": "n", "multiplier": 100},
            "disclosure": {"threshold": 10}}
    x = {"L1": 7, "L2": 30, "L5": 40, "L6": 50, "L3": 60, "L4": 70}
    obs = [("x", a, 2020, v, "") for a, v in x.items()] + [("n", a, 2020, 1000, "") for a in x if a != "L2"]
    final = compute_final(build_config(tmp_path, obs, [SMALL, rate], ["x", "n"], areas=SIX))
    count, rates = withheld(final, "small"), withheld(final, "rate")
    assert rates - {"L2/total"} <= count and count - {"L2/total"} <= rates  # L2 has no rate at all
    assert "L1/total" in count
    # the attacker's sum has two unknowns now
    r1_numerator = row(final, "rate", "R1").numerator
    assert math.isnan(r1_numerator) or "L5/total" in count
    notes = final[(final.indicator == "small") & (final.area_code == "L5")].note.tolist()
    assert notes == [disclosure.DISCLOSURE_REASON.format(threshold=10)]
    from indicators.families import families

    assert families(pd.DataFrame({"ind_id": [0, 1, 2], "indicator": ["a", "b", "c"], "numerator": ["x", "x", "y"],
                                  "denominator": [None, "n", None], "disclosure_on": ["numerator"] * 3,
                                  "disclosure_threshold": [10, 10, 10]})) == [[0, 1]]


def test_a_rate_whose_count_was_published_before_is_no_protection(tmp_path):
    """As above with a rate: L5's and L6's denominators are revised (new values), their counts are not (known
    from release A); B must not protect L1 with L5."""
    rate = {"id": "rate", "compute": {"method": "ratio", "numerator": "x", "denominator": "n", "multiplier": 100},
            "disclosure": {"threshold": 10}}
    x = {"L1": 7, "L2": 30, "L5": 60, "L6": 70, "L3": 40, "L4": 50}
    obs = [("x", a, 2020, v, "") for a, v in x.items()] + [("n", a, 2020, 1000, "") for a in x]
    config = load_config(build_config(tmp_path, obs, [rate], ["x", "n"], areas=SIX))
    assert withheld(publish(config), "rate") == {"L1/total", "L2/total"}
    revised = [(m, a, p, 1010 if m == "n" and a in ("L5", "L6") else v, f) for m, a, p, v, f in obs
               if (m, a) != ("x", "L2")]
    pd.DataFrame(revised, columns=["measure", "area_code", "period", "value", "flag"]) \
        .to_csv(tmp_path / "obs.csv", index=False)
    b = publish(config)
    assert {"L1/total", "R1/total"} <= withheld(b, "rate") and "L5/total" not in withheld(b, "rate")


def test_an_indicator_without_a_rule_does_not_print_a_withheld_count(tmp_path):
    """A rate of x with no disclosure rule published L1's numerator (7), which the count of x withholds."""
    rate = {"id": "rate", "compute": {"method": "ratio", "numerator": "x", "denominator": "n", "multiplier": 100}}
    obs = [("x", a, 2020, v, "") for a, v in (("L1", 7), ("L2", 30), ("L3", 40), ("L4", 50))]
    obs += [("n", a, 2020, 1000, "") for a in ("L1", "L2", "L3", "L4")]
    final = compute_final(build_config(tmp_path, obs, [SMALL, rate], ["x", "n"]))
    assert withheld(final, "rate") == withheld(final, "small") == {"L1/total", "L2/total"}
    assert math.isnan(row(final, "rate", "L1").numerator)


def test_a_published_count_with_a_rule_is_suppressed(tmp_path):
    published = {"id": "given", "unit": "people", "compute": {"method": "published", "measure": "x"},
                 "disclosure": {"threshold": 10}}
    obs = [("x", a, 2020, v, "") for a, v in (("C", 127), ("R1", 37), ("R2", 90), ("L1", 7), ("L2", 30),
                                               ("L3", 40), ("L4", 50))]
    final = compute_final(build_config(tmp_path, obs, [published], ["x"]))
    assert withheld(final, "given") == {"L1/total", "L2/total"}
    assert row(final, "given", "L1").note == disclosure.DISCLOSURE_REASON.format(threshold=10)


def test_a_published_count_of_people_is_suppressed_without_a_rule(tmp_path):
    """A publisher's own figures of a measure with ``people: true`` and no rule anywhere: the built-in rule
    (fewer than 10) applies as to any count of people. L1 = 3 is withheld; R1 = 15 = L1 + L2 is published, so
    L2 (12, the only other child) goes as well. They were published as they were."""
    given = {"id": "given", "unit": "people", "compute": {"method": "published", "measure": "x"}}
    obs = [("x", a, 2020, v, "") for a, v in (("C", 40), ("R1", 15), ("R2", 25), ("L1", 3), ("L2", 12),
                                               ("L3", 11), ("L4", 14))]
    final = compute_final(_people(build_config(tmp_path, obs, [given], ["x"])))
    assert withheld(final, "given") == {"L1/total", "L2/total"}
    l1 = row(final, "given", "L1")
    assert math.isnan(l1.value) and l1.note == disclosure.DISCLOSURE_REASON.format(threshold=10)
    assert row(final, "given", "R1").value == 15 and row(final, "given", "L3").value == 11


def _people(path, **publication):
    """The config at ``path`` with measures x and n counting people, and ``publication`` settings."""
    cfg = yaml.safe_load(path.read_text())
    for m in cfg["measures"]:
        m["people"] = True
    if publication:
        cfg["publication"] = publication
    path.write_text(yaml.safe_dump(cfg, sort_keys=False))
    return path


def test_counts_of_people_are_suppressed_without_a_rule_in_the_config(tmp_path):
    """``people: true`` and no rule anywhere: the built-in rule (fewer than 10, zero included) applies to
    the side that counts people. The publication's rule replaces it, an indicator's own rule both."""
    count = {"id": "count", "compute": {"method": "sum", "measure": "x"}}
    rate = {"id": "rate", "compute": {"method": "ratio", "numerator": "x", "denominator": "n", "multiplier": 100}}
    obs = [("x", a, 2020, v, "") for a, v in (("L1", 7), ("L2", 30), ("L3", 40), ("L4", 50))]
    obs += [("n", a, 2020, 1000, "") for a in ("L1", "L2", "L3", "L4")]
    final = compute_final(_people(build_config(tmp_path, obs, [count, rate], ["x", "n"])))
    assert withheld(final, "count") == withheld(final, "rate") == {"L1/total", "L2/total"}
    assert row(final, "count", "L1").note == disclosure.DISCLOSURE_REASON.format(threshold=10)

    config = load_config(_people(build_config(tmp_path, obs, [count, rate], ["x", "n"]),
                                 disclosure={"threshold": 5}))
    from indicators.registry import disclosure_rule

    assert {i.id: disclosure_rule(i, config).threshold for i in config.indicators} == {"count": 5, "rate": 5}
    final = compute_final(_people(build_config(tmp_path, obs, [count, rate], ["x", "n"]), disclosure={"threshold": 5}))
    assert withheld(final, "count") == set()


def _unreported_l1(tmp_path, l1_people: float) -> pd.DataFrame:
    """A rate of x over p, both people (the built-in rule on both sides), in a world of 8 local areas (L1-L4 in
    R1, L5-L8 in R2): L1 has ``l1_people`` but no x, so it does not report; the others do."""
    areas = [AREAS[0], AREAS[1], AREAS[2]] + [(f"L{i}", f"Local {i}", "local", "R1" if i <= 4 else "R2", 100, 1)
                                              for i in range(1, 9)]
    obs = [("p", "L1", 2020, l1_people, "")]
    for i, (x, p) in zip(range(2, 9), [(40, 300), (50, 410), (60, 520), (30, 200), (35, 250), (45, 330),
                                        (55, 410)], strict=True):
        obs += [("x", f"L{i}", 2020, x, ""), ("p", f"L{i}", 2020, p, "")]
    rate = {"id": "rate", "unit": "per 1,000",
            "compute": {"method": "ratio", "numerator": "x", "denominator": "p", "multiplier": 1000}}
    return compute_final(_people(build_config(tmp_path, obs, [rate], ["x", "p"], areas=areas)))


def test_the_coverage_share_of_a_protected_denominator_gives_no_count_away(tmp_path):
    """L1 has p = 6 but no x: it does not report, so no cell shows its 6. R1 = L2 + L3 + L4 (3 of 4 areas, the
    75% minimum) is published with its denominator 1230; its coverage_denominator 1230 / 1236 = 0.995146 gave
    1230 / 0.995146 - 1230 = 6 people away (and C's, 2420 / 2426, the same). Only a share where no area or
    every area reported says nothing."""
    final = _unreported_l1(tmp_path, 6)
    r1 = row(final, "rate", "R1")
    assert (r1.value, r1.denominator, r1.coverage) == (150 / 1230 * 1000, 1230, 0.75)
    assert math.isnan(r1.coverage_denominator) and math.isnan(row(final, "rate", "C").coverage_denominator)
    assert row(final, "rate", "R2").coverage_denominator == 1.0  # every area reported: nothing to give away
    assert row(final, "rate", "L1").coverage_denominator == 0.0


def test_a_coverage_share_of_one_does_not_say_a_missing_area_counts_zero(tmp_path):
    """As above, but L1's p is 0: R1's share was 1230 / 1230 = 1 with L1 not reporting, which says L1 has no
    people, a zero the built-in rule withholds. A share is given only when no area or every area reported."""
    final = _unreported_l1(tmp_path, 0)
    r1 = row(final, "rate", "R1")
    assert (r1.denominator, r1.coverage) == (1230, 0.75) and math.isnan(r1.coverage_denominator)
    assert row(final, "rate", "R2").coverage_denominator == 1.0


def test_the_built_in_rule_counts_the_side_that_counts_people(tmp_path):
    """GDP per head: the denominator counts people, the numerator (money) does not."""
    from indicators.registry import disclosure_rule

    per_head = {"id": "per_head", "compute": {"method": "ratio", "numerator": "x", "denominator": "n"}}
    path = build_config(tmp_path, [("x", "L1", 2020, 5, "")], [per_head], ["x", "n"])
    cfg = yaml.safe_load(path.read_text())
    cfg["measures"][1]["people"] = True
    path.write_text(yaml.safe_dump(cfg, sort_keys=False))
    config = load_config(path)
    rule = disclosure_rule(config.indicators[0], config)
    assert (rule.threshold, rule.apply_to) == (10, "denominator")


def test_a_public_note_never_names_an_internal_indicator_on_the_same_count(tmp_path):
    """The count withholds L1 (primary) and, with its family, the cells the internal rate withholds; the
    public count's notes never name the internal one: every withheld cell has the one disclosure note."""
    internal = {"id": "secret_rate", "visibility": "internal",
                "compute": {"method": "ratio", "numerator": "x", "denominator": "n", "multiplier": 100}}
    obs = [("x", a, 2020, v, "") for a, v in (("L1", 7), ("L2", 30), ("L3", 40), ("L4", 50))]
    obs += [("n", a, 2020, 1000, "") for a in ("L1", "L2", "L4")]  # L3 has no denominator: patterns differ
    final = compute_final(build_config(tmp_path, obs, [SMALL, internal], ["x", "n"]))
    public_notes = " ".join(final.loc[final.indicator == "small", "note"].dropna())
    assert "secret_rate" not in public_notes
    notes = final.loc[final["note"].fillna("").str.startswith("Withheld"), "note"]
    assert len(notes) >= 2 and set(notes) == {disclosure.DISCLOSURE_REASON.format(threshold=10)}
