"""Invariants, on random hierarchies and counts (hypothesis):

- a parent's numerator and denominator are the sums over its reporting local areas, at every level;
- ranks within a level are a permutation of 1..n;
- no withheld value can be worked out from what is published (an attacker's linear algebra).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indicators.disclosure import CONFIDENTIAL, HIDDEN, KEPT, NONE, PRIMARY, secondary_suppression
from tests.indicators.world import build_config, compute_final

pytestmark = pytest.mark.slow  # more than a few seconds: left out of the fast lane (README)


@st.composite
def worlds(draw):
    n_regions = draw(st.integers(1, 4))
    areas = [("C", "C", "country", "", 1, 1)]
    obs = []
    for r in range(n_regions):
        rc = f"R{r}"
        areas.append((rc, rc, "region", "C", 1, 1))
        for k in range(draw(st.integers(1, 5))):
            code = f"{rc}L{k}"
            areas.append((code, code, "local", rc, 1, 1))
            for period in (2020, 2021):
                den = draw(st.integers(1, 500))
                obs.append(("n", code, period, den, ""))
                if draw(st.booleans()) or draw(st.booleans()):  # about one area in four does not report
                    obs.append(("x", code, period, draw(st.integers(0, den)) + draw(st.floats(0, 0.5)), ""))
    return areas, obs


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(world=worlds())
def test_parents_are_sums_of_reporting_children_and_ranks_are_permutations(tmp_path_factory, world):
    areas, obs = world
    tmp = tmp_path_factory.mktemp("prop")
    indicators = [{"id": "rate", "min_coverage": 0.0,
                   "compute": {"method": "ratio", "numerator": "x", "denominator": "n", "multiplier": 100}}]
    final = compute_final(build_config(tmp, obs, indicators, ["x", "n"], areas=areas))
    o = pd.DataFrame(obs, columns=["measure", "area_code", "period", "value", "flag"])
    wide = o.pivot_table(index=["area_code", "period"], columns="measure", values="value").reset_index()
    wide = wide.dropna(subset=["x"]) if "x" in wide else wide.iloc[0:0]
    parent = {a[0]: a[3] for a in areas}
    wide["region"] = wide["area_code"].map(parent)
    for period in (2020, 2021):
        w = wide[wide.period == period]
        for area, level in [(a[0], a[2]) for a in areas if a[2] != "local"]:
            mine = w if level == "country" else w[w.region == area]
            hit = final[(final.area_code == area) & (final.period == str(period))]
            if hit.empty:  # no local area reported the numerator in this period at all
                assert w.empty
                continue
            got = hit.iloc[0]
            if mine.empty:
                assert got.status == "missing" and np.isnan(got.value)
                continue
            assert got.numerator == pytest_approx(mine["x"].sum())
            assert got.denominator == pytest_approx(mine["n"].sum())
            assert got.n_reporting == len(mine)
        for level in ("local", "region"):
            ranks = final[(final.level == level) & (final.period == str(period)) & final.value.notna()]
            values = ranks.value.round(9)
            if values.is_unique:
                assert sorted(ranks.rank_level.astype(int)) == list(range(1, len(ranks) + 1))


def pytest_approx(v):
    import pytest

    return pytest.approx(v, rel=1e-9, abs=1e-9)


@st.composite
def trees(draw):
    """A three-level tree of counts, some small; parents are the sums of their children. Optionally broken
    down by sex (T = F + M in every area); some cells are withheld before secondary suppression: confidential,
    withheld in the release before (kept), or a parent not computed for low coverage (hidden)."""
    by_sex = draw(st.booleans())
    breakdowns = ["sex=F", "sex=M", "sex=T"] if by_sex else ["total"]
    parents, leaves = {}, []
    for r in range(draw(st.integers(1, 4))):
        for k in range(draw(st.integers(1, 5))):
            code = f"R{r}L{k}"
            parents[code] = f"R{r}"
            f, m = draw(st.integers(0, 40)), draw(st.integers(0, 40))
            leaves.append((code, {"sex=F": f, "sex=M": m, "sex=T": f + m} if by_sex else {"total": f}))
    size = {(code, b): v for code, counts in leaves for b, v in counts.items()}
    for code, counts in leaves:
        parents.setdefault(parents[code], "C")
        for b, v in counts.items():
            size[parents[code], b] = size.get((parents[code], b), 0) + v
    for b in breakdowns:
        size["C", b] = sum(v for (c, bb), v in size.items() if bb == b and c.count("L") == 0 and c != "C")
    parents["C"] = ""
    threshold = draw(st.integers(1, 15))
    cells = sorted(size)
    special = draw(st.lists(st.tuples(st.sampled_from(cells), st.sampled_from([CONFIDENTIAL, KEPT, HIDDEN])),
                            max_size=3))
    special = {cell: code for cell, code in special if code != HIDDEN or cell[0].count("L") == 0}
    rows = []
    for code, b in cells:
        v = size[code, b]
        withheld = special.get((code, b), PRIMARY if 0 < v < threshold else NONE)
        rows.append({"indicator": "i", "period": "2020", "breakdown": b, "area_code": code,
                     "parent_code": parents[code], "size": float(v), "withheld": withheld})
    return pd.DataFrame(rows)


def recoverable(cells: pd.DataFrame, withheld: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """Withheld cells (area, breakdown) an attacker can solve for from the equations parent = sum(children)
    of each breakdown and, where an area is broken down by sex, T = F + M."""
    unknown = sorted(withheld)
    if not unknown:
        return set()
    idx = {c: i for i, c in enumerate(unknown)}
    groups = []
    for (parent, b), kids in cells.groupby(["parent_code", "breakdown"]):
        if parent:
            groups.append([((parent, b), 1)] + [((k, b), -1) for k in kids["area_code"]])
    for code, own in cells.groupby("area_code"):
        if set(own["breakdown"]) == {"sex=F", "sex=M", "sex=T"}:
            groups.append([((code, "sex=T"), 1), ((code, "sex=F"), -1), ((code, "sex=M"), -1)])
    equations = []
    for members in groups:
        if any(m in idx for m, _ in members):
            row = np.zeros(len(unknown))
            for m, sign in members:
                if m in idx:
                    row[idx[m]] += sign
            equations.append(row)
    if not equations:
        return set()
    a = np.array(equations)
    rank = np.linalg.matrix_rank(a)
    return {c for c in unknown
            if np.linalg.matrix_rank(np.vstack([a, np.eye(len(unknown))[idx[c]]])) == rank}


@settings(max_examples=300, deadline=None)
@given(cells=trees())
def test_no_withheld_value_can_be_worked_out(cells):
    out = secondary_suppression(cells)
    withheld = set(zip(out["area_code"], out["breakdown"], strict=True))
    forced = cells["withheld"].isin([PRIMARY, CONFIDENTIAL, KEPT])
    assert set(zip(cells.loc[forced, "area_code"], cells.loc[forced, "breakdown"], strict=True)) == {
        (a, b) for a, b, k in zip(out["area_code"], out["breakdown"], out["kind"], strict=True) if k != "secondary"}
    hidden = cells["withheld"] == HIDDEN
    assert not withheld & set(zip(cells.loc[hidden, "area_code"], cells.loc[hidden, "breakdown"], strict=True))
    unknown = withheld | set(zip(cells.loc[hidden, "area_code"], cells.loc[hidden, "breakdown"], strict=True))
    assert recoverable(cells, unknown) & withheld == set()


def test_tied_areas_share_a_quartile(tmp_path):
    """Quartiles come from the rank: five areas with the same value are in the same quartile (NTILE(4)
    spread such a tie over three quartiles, differently from one run to the next)."""
    values = {"R0L0": 9, "R0L1": 5, "R0L2": 5, "R0L3": 5, "R1L0": 5, "R1L1": 5, "R1L2": 1, "R1L3": 1}
    areas = [("C", "C", "country", "", 1, 1), ("R0", "R0", "region", "C", 1, 1), ("R1", "R1", "region", "C", 1, 1)]
    areas += [(a, a, "local", a[:2], 1, 1) for a in values]
    obs = [("n", a, 2021, v, "") for a, v in values.items()]
    indicators = [{"id": "count", "polarity": "higher_is_better", "compute": {"method": "sum", "measure": "n"}}]
    final = compute_final(build_config(tmp_path, obs, indicators, ["n"], areas=areas))
    local = final[final.level == "local"].set_index("area_code")
    assert local.loc[list(values), "rank_level"].astype(int).tolist() == [1, 2, 2, 2, 2, 2, 7, 7]
    # floor(4 * (rank - 1) / n) + 1 with n = 8
    assert local.loc[list(values), "quartile"].astype(int).tolist() == [1, 1, 1, 1, 1, 1, 4, 4]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(x=st.lists(st.integers(0, 40), min_size=6, max_size=6), no_n=st.sets(st.integers(0, 5), max_size=3))
def test_a_count_and_a_rate_of_it_reveal_no_small_count_together(tmp_path_factory, x, no_n):
    """A count and a rate of the same people (threshold 10), the rate's denominator missing for some areas:
    solving both indicators' equations together (and count = rate numerator in every local area that has
    both) determines no withheld count below the threshold."""
    from tests.indicators.world import AREAS

    areas = [*AREAS, ("L5", "Local five", "local", "R1", 100, 1), ("L6", "Local six", "local", "R2", 100, 2)]
    leaves = ["L1", "L2", "L3", "L4", "L5", "L6"]
    parent = {a[0]: a[3] for a in areas}
    rule = {"threshold": 10}
    indicators = [{"id": "count", "unit": "people", "compute": {"method": "sum", "measure": "x"}, "disclosure": rule},
                  {"id": "rate", "compute": {"method": "ratio", "numerator": "x", "denominator": "n",
                                             "multiplier": 100}, "disclosure": rule}]
    obs = [("x", a, 2020, v, "") for a, v in zip(leaves, x, strict=True)]
    obs += [("n", a, 2020, 1000, "") for i, a in enumerate(leaves) if i not in no_n]
    tmp = tmp_path_factory.mktemp("pair")
    final = compute_final(build_config(tmp, obs, indicators, ["x", "n"], areas=areas,
                                       publication={"min_coverage": 0.0}))
    final = final[final.period == "2020"].set_index(["indicator", "area_code"])
    reporting = {"count": set(leaves), "rate": {a for i, a in enumerate(leaves) if i not in no_n}}
    cells = [(i, a) for i in ("count", "rate") for a in final.loc[i].index
             if a in reporting[i] or a[0] != "L"]
    unknown = sorted(c for c in cells if final.loc[c, "status"] == "suppressed")
    if not unknown:
        return
    idx = {c: k for k, c in enumerate(unknown)}
    groups = []  # (cell, sign) lists whose sum is known to the attacker
    for ind in ("count", "rate"):
        for p in ("C", "R1", "R2"):
            if final.loc[(ind, p), "status"] == "missing":
                continue
            kids = [c for c in cells if c[0] == ind and parent.get(c[1]) == p]
            groups.append([((ind, p), 1.0)] + [(k, -1.0) for k in kids])
    groups += [[(("count", a), 1.0), (("rate", a), -1.0)] for a in reporting["rate"]]
    equations = []
    for members in groups:
        row = np.zeros(len(unknown))
        for cell, sign in members:
            if cell in idx:
                row[idx[cell]] += sign
        if row.any():
            equations.append(row)
    system = np.array(equations).reshape(-1, len(unknown))
    rank = np.linalg.matrix_rank(system) if len(system) else 0
    for c in unknown:
        if c[1][0] == "L" and x[leaves.index(c[1])] < 10:
            probe = np.vstack([system, np.eye(len(unknown))[idx[c]]])
            assert np.linalg.matrix_rank(probe) > rank, f"{c} can be worked out"
