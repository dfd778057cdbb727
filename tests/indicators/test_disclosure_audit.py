"""The disclosure audit (an attacker's feasible ranges by LP) and protection intervals.

Ranges are worked out by hand for small systems; generated worlds with many small counts check that, after
disclosure control, no small count can be narrowed below its protection level by what is published."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from indicators import disclosure
from indicators.disclosure_audit import feasible_ranges, relations
from indicators.protection import audit_frame, under_protected


def view(rows) -> pd.DataFrame:
    """rows: (area, parent, breakdown, x, unknown, lo, hi, check)"""
    df = pd.DataFrame(rows, columns=["area", "parent", "breakdown", "x", "unknown", "lo", "hi", "check"])
    df.insert(0, "slice", 1)
    return df


def ranges(v: pd.DataFrame) -> dict[str, tuple[float, float]]:
    r = feasible_ranges(v, relations(v))
    return {f"{a}/{b}": (lo, hi) for a, b, lo, hi in zip(v["area"], v["breakdown"], r["lo_found"], r["hi_found"],
                                                        strict=True) if not np.isnan(lo)}


def test_the_issue_case_two_small_counts_adding_to_18_are_both_9():
    # neet_count 2023: VL6 = 5,987; its published municipalities add up to 5,969: VL601 + VL618 = 18; with a
    # note saying each is below 10, both are 9
    v = view([("VL6", "VL", "total", 5987, False, 0, 0, False),
              ("VL6xx", "VL6", "total", 5969, False, 0, 0, False),
              ("VL601", "VL6", "total", 9, True, 0, 9, True),
              ("VL618", "VL6", "total", 9, True, 0, 9, True)])
    assert ranges(v) == {"VL601/total": (9, 9), "VL618/total": (9, 9)}
    # with one note for every withheld cell the attacker knows only that each is a count: [0, 18]
    v[["lo", "hi"]] = [[0, 0], [0, 0], [0, np.inf], [0, np.inf]]
    assert ranges(v) == {"VL601/total": (0, 18), "VL618/total": (0, 18)}


def test_a_secondary_cell_known_to_be_at_least_the_threshold_narrows_the_small_one():
    # P = 30 published, a (small, [0, 9]) + b (secondary: not small, [10, inf)) = 30 - 5 = 25: a <= 15 -> [0, 9];
    # with P = 19: a + b = 14, b >= 10 -> a in [0, 4]
    for parent, expected in ((30, (0, 9)), (19, (0, 4))):
        v = view([("P", "", "total", parent, False, 0, 0, False), ("c", "P", "total", 5, False, 0, 0, False),
                  ("a", "P", "total", 3, True, 0, 9, True), ("b", "P", "total", parent - 8, True, 10, np.inf, False)])
        assert ranges(v)["a/total"] == expected


def test_two_levels_are_solved_together_by_linear_programming():
    # G = 100 = P1 + P2 (P2 = 60 published); P1 withheld (secondary) = a + b + c with b = 30 published;
    # a small, c secondary (>= 10): a + c = 10 -> c = 10, a = 0
    v = view([("G", "", "total", 100, False, 0, 0, False), ("P2", "G", "total", 60, False, 0, 0, False),
              ("P1", "G", "total", 40, True, 10, np.inf, False), ("b", "P1", "total", 30, False, 0, 0, False),
              ("a", "P1", "total", 0, True, 0, 9, True), ("c", "P1", "total", 10, True, 10, np.inf, False)])
    assert ranges(v)["a/total"] == pytest.approx((0, 0))
    # with c free of the lower bound (a confidential value): a + c = 10 -> a in [0, 9]
    v.loc[v["area"] == "c", "lo"] = 0
    assert ranges(v)["a/total"] == pytest.approx((0, 9))


def test_a_breakdown_total_ties_the_breakdowns_together():
    # sex=T = F + M; T = 12 published, F small withheld, M withheld as secondary (>= 10): F in [0, 2]
    v = view([("L1", "", "sex=T", 12, False, 0, 0, False), ("L1", "", "sex=F", 2, True, 0, 9, True),
              ("L1", "", "sex=M", 10, True, 10, np.inf, False)])
    assert ranges(v)["L1/sex=F"] == (0, 2)


def test_breakdowns_that_do_not_add_up_are_not_taken_as_a_relation():
    # overlapping age bands: T = 50 but the bands add up to more; the attacker's system without the breakdown
    # relation leaves the small count its bounds
    v = view([("L1", "", "age=T", 50, False, 0, 0, False), ("L1", "", "age=Y0-20", 5, True, 0, 9, True),
              ("L1", "", "age=Y10-30", 60, False, 0, 0, False), ("L1", "", "age=Y30+", 20, False, 0, 0, False)])
    assert ranges(v)["L1/age=Y0-20"] == (0, 9)


RULES = pd.DataFrame({"threshold": [10.0], "zero": [1.0], "on": ["numerator"], "rolled_up": [True],
                      "protection": [np.nan]}, index=[0])


def world(seed: int, breakdowns: bool) -> pd.DataFrame:
    """A country, 3-5 regions of 2-7 areas; counts with many below 10 (a third of the areas); with breakdowns,
    sex=F and sex=M of every area and sex=T their sum."""
    rng = np.random.default_rng(seed)
    rows, n = [], 0
    sexes = ["sex=F", "sex=M"] if breakdowns else ["total"]
    leaves = {}
    for r in range(rng.integers(3, 6)):
        for k in range(rng.integers(2, 8)):
            for s in sexes:
                small = rng.random() < 0.33
                leaves[(f"R{r}L{k}", f"R{r}", s)] = int(rng.integers(0, 10) if small else rng.integers(10, 400))
    cells = dict(leaves)
    for (_area, region, s), x in leaves.items():
        cells[(region, "C", s)] = cells.get((region, "C", s), 0) + x
        cells[("C", "", s)] = cells.get(("C", "", s), 0) + x
    if breakdowns:
        for (area, parent, s), x in list(cells.items()):
            if s == "sex=F":
                cells[(area, parent, "sex=T")] = x + cells[(area, parent, "sex=M")]
    codes = {c: i for i, c in enumerate(sorted({a for a, _, _ in cells}))}
    for (area, parent, s), x in cells.items():
        rows.append({"indicator": 0, "period": 0, "breakdown": s, "area_code": codes[area],
                     "parent_code": codes[parent] if parent else -1, "size": x, "value": x, "numerator": x,
                     "denominator": np.nan, "withheld": disclosure.PRIMARY if x < 10 else disclosure.NONE})
        n += 1
    return pd.DataFrame(rows)


def attacker_view(cells: pd.DataFrame, out: pd.DataFrame) -> pd.DataFrame:
    """The cells as the attacker sees them once ``out`` (the withheld cells) is withheld."""
    df = cells.copy()
    key = ["indicator", "period", "breakdown", "area_code"]
    kinds = out.set_index(key)["kind"]
    df["kind"] = [kinds.get(k, "") for k in df[key].itertuples(index=False, name=None)]
    df["sup"] = df["kind"] != ""
    df["known"] = False
    return audit_frame(df, RULES)


@pytest.mark.parametrize("breakdowns", [False, True])
def test_generated_worlds_leave_no_small_count_narrowed(breakdowns):
    narrowed_before = 0
    for seed in range(25):
        cells = world(seed, breakdowns)
        old = disclosure.secondary_suppression(cells)  # the group rule alone
        narrowed_before += len(under_protected(attacker_view(cells, old)))
        new = disclosure.secondary_suppression(cells, RULES)
        assert under_protected(attacker_view(cells, new)).empty, seed
        # protection costs cells, never fewer than the group rule withholds
        assert set(map(tuple, old[["area_code", "breakdown"]].to_numpy())) <= \
            set(map(tuple, new[["area_code", "breakdown"]].to_numpy()))
    assert narrowed_before > 0  # the worlds do catch the group rule out: the test can fail


def test_a_protection_level_below_the_whole_range_withholds_less():
    cells = world(3, False)
    full = disclosure.secondary_suppression(cells, RULES)
    loose = disclosure.secondary_suppression(cells, RULES.assign(protection=3.0))
    assert len(loose) <= len(full)
    v = attacker_view(cells, loose)
    v["need"] = np.minimum(v["need"], 3.0)
    assert under_protected(v).empty


def linked_world() -> pd.DataFrame:
    """One linked system of 16 small counts: country C = R1 + R2 + R3 (1,000); R1 (5) and R2 (3) are small and so
    are all their seven municipalities each; R3 = 500 + 492. The group rule is met (two regions withheld, seven
    municipalities under each), yet all 16 withheld counts add up to what the published ones leave: R1 + R2 =
    1,000 - 992 = 8, so each lies in [0, 8], narrower than 0 to 9."""
    small = {"R1": [1, 0, 2, 0, 1, 0, 1], "R2": [0, 1, 0, 0, 2, 0, 0]}
    counts = {("C", ""): 1000, ("R1", "C"): 5, ("R2", "C"): 3, ("R3", "C"): 992, ("R3a", "R3"): 500,
              ("R3b", "R3"): 492}
    for region, xs in small.items():
        counts.update({(f"{region}m{k}", region): x for k, x in enumerate(xs)})
    codes = {c: i for i, c in enumerate(sorted(a for a, _ in counts))}
    return pd.DataFrame([{"indicator": 0, "period": 0, "breakdown": "total", "area_code": codes[a],
                          "parent_code": codes[p] if p else -1, "size": x, "value": x, "numerator": x,
                          "denominator": np.nan, "withheld": disclosure.PRIMARY if x < 10 else disclosure.NONE}
                         for (a, p), x in counts.items()]), codes


def test_a_linked_system_of_more_than_twelve_small_counts_is_checked_and_protected():
    cells, codes = linked_world()
    old = disclosure.secondary_suppression(cells)  # the group rule alone adds nothing here
    assert len(old) == 16 and set(old["kind"]) == {"primary"}
    v = attacker_view(cells, old)
    rel = relations(v, v["rolled_up"])
    linked = v["unknown"].to_numpy()[rel.cells]
    assert len(set(rel.rows[linked])) == 3 and len(set(rel.cells[linked])) == 16  # one system of 16 unknowns
    narrow = under_protected(v)
    assert len(narrow) == 16  # every one of them: each count lies in [0, 8]
    m = narrow[narrow["area"] == codes["R1m2"]].iloc[0]
    assert (m["lo_found"], m["hi_found"]) == pytest.approx((0, 8))
    new = disclosure.secondary_suppression(cells, RULES)
    assert under_protected(attacker_view(cells, new)).empty
    names = {i: a for a, i in codes.items()}
    assert "R3" in {names[a] for a in new.loc[new["kind"] == "secondary", "area_code"]}  # R1's open sibling


def test_shared_model_ranges_decide_as_two_programs_per_count_would():
    """indicators.lp_ranges against scipy's linprog, two programs per count, on random systems of sums: exact
    without protection levels; with them, the same counts under their level, with the same (exact) ranges."""
    from scipy.optimize import linprog
    from scipy.sparse import csc_matrix

    from indicators.lp_ranges import ranges as shared

    rng = np.random.default_rng(7)
    narrow = 0
    for _ in range(30):
        n, m = int(rng.integers(6, 30)), int(rng.integers(2, 8))
        a = np.zeros((m, n))
        for r in range(m):  # a parent equals the sum of some children
            members = rng.choice(n, size=int(rng.integers(2, min(n, 6) + 1)), replace=False)
            a[r, members[0]], a[r, members[1:]] = 1.0, -1.0
        x = rng.integers(0, 12, n).astype(float)
        b = a @ x + rng.integers(0, 3, m)  # a published count or two on the right-hand side
        lower, upper = np.zeros(n), np.where(rng.random(n) < 0.3, 9.0, np.inf)
        bounds = list(zip(lower, [None if np.isinf(u) else u for u in upper], strict=True))
        targets = np.flatnonzero(rng.random(n) < 0.7)
        if linprog(np.zeros(n), A_eq=a, b_eq=b, bounds=bounds, method="highs").status == 2:
            assert shared(csc_matrix(a), b, lower, upper, targets) is None  # no solution: said so
            continue
        exact = []
        for t in targets:
            c = np.zeros(n)
            c[t] = 1
            low, high = (linprog(s * c, A_eq=a, b_eq=b, bounds=bounds, method="highs") for s in (1, -1))
            exact.append((low.fun, -high.fun if high.status == 0 else np.inf))
        exact = np.asarray(exact).reshape(-1, 2)
        lo, hi, _ = shared(csc_matrix(a), b, lower, upper, targets)
        assert np.allclose(lo, exact[:, 0], atol=1e-7) and np.allclose(hi, exact[:, 1], atol=1e-7)
        need = np.full(len(targets), 9.0)
        lo, hi, _ = shared(csc_matrix(a), b, lower, upper, targets, need)
        under = exact[:, 1] - exact[:, 0] < need - 1e-9
        assert np.array_equal(hi - lo < need - 1e-9, under)
        assert np.allclose(lo[under], exact[under, 0], atol=1e-7) and np.allclose(hi[under], exact[under, 1])
        assert (lo >= exact[:, 0] - 1e-7).all() and (hi <= exact[:, 1] + 1e-7).all()  # inside the true range
        narrow += under.sum()
    assert narrow > 0  # the systems do have counts under their level: the comparison can fail
