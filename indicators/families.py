"""Indicators on the same count are protected together.

A count and a rate of it (``neet_count`` and ``neet_rate``), each with a disclosure rule, publish the same
numerators. Protected one at a time they can withhold different cells wherever their reporting areas differ
(a denominator missing for one area), and then one indicator's published figures give the other's withheld
count away. So indicators that publish counts of a measure a disclosure rule counts form a family (with a
rule of their own or not), and every member
withholds, on the cells it has, every cell another member withholds. The members are computed first, on
their own, until their patterns agree (the union only grows, so this ends); the chunks then read the
family's cells like any other forced cell (``kept`` table, code ``FAMILY``). Where one member withholds a
cell another does not have at all (no denominator there), the other's parent of it is withheld too: the two
parents (and every ancestor) differ by exactly that cell.
"""

from __future__ import annotations

import pandas as pd


def counted_measures(row: pd.Series) -> set[str]:
    """The measures an indicator's disclosure rule counts."""
    on = row.get("disclosure_on") or "numerator"
    out = set()
    if on in ("numerator", "both") and isinstance(row.get("numerator"), str):
        out.add(row["numerator"])
    if on in ("denominator", "both") and isinstance(row.get("denominator"), str):
        out.add(row["denominator"])
    return out


def published_measures(row: pd.Series) -> set[str]:
    """The measures whose counts an indicator publishes: the numerator and denominator columns of a computed
    indicator, the value of a published one (its measure is in ``numerator``)."""
    return {m for m in (row.get("numerator"), row.get("denominator")) if isinstance(m, str)}


def families(params: pd.DataFrame) -> list[list[int]]:
    """Groups (``ind_id`` lists) of two or more indicators that publish counts of a measure some indicator's
    disclosure rule counts. An indicator without a rule of its own is a member too: it publishes the same
    numerators (a rate of a controlled count with no rule printed the withheld count as its numerator)."""
    controlled = set().union(*(counted_measures(r) for _, r in params[params["disclosure_threshold"].notna()]
                               .iterrows()))
    groups: list[tuple[set[int], set[str]]] = []
    for _, row in params.iterrows():
        measures = published_measures(row) & controlled
        if not measures:
            continue
        ids = {int(row["ind_id"])}
        for g in [g for g in groups if g[1] & measures]:
            groups.remove(g)
            ids |= g[0]
            measures |= g[1]
        groups.append((ids, measures))
    return [sorted(ids) for ids, _ in groups if len(ids) > 1]


def with_families(params: pd.DataFrame, wanted: list[str]) -> list[str]:
    """``wanted`` (indicator ids) and every other member of a family one of them is in, in ``params`` order.
    A job that refreshed one member and carried another forward from the release before would protect the
    refreshed one on its own, and the carried one's figures could give its withheld counts away."""
    params = params.reset_index(drop=True).assign(ind_id=lambda d: range(len(d)))
    names = list(params["indicator"])
    chosen = {names.index(i) for i in wanted}
    for family in families(params):
        if chosen & set(family):
            chosen |= set(family)
    return [names[i] for i in sorted(chosen)]


def family_names(params: pd.DataFrame) -> dict[int, str]:
    """For each member of a family, the other members as its note names them ('neet_count'). A public
    indicator's note names only public members: an internal one's id (even its existence) never reaches the
    public, so a family with no other public member is 'another indicator'."""
    names = dict(zip(params["ind_id"], params["indicator"], strict=True))
    public = dict(zip(params["ind_id"], params["visibility"] == "public", strict=True))
    out = {}
    for family in families(params):
        for i in family:
            shown = [f"'{names[j]}'" for j in family if j != i and (public[j] or not public[i])]
            out[i] = ", ".join(shown) or "another indicator"
    return out


KEYS = ["ind_id", "area_id", "period_id", "bd_id"]


def absent_parents(wanted: pd.DataFrame, present: dict[int, pd.DataFrame], parents: dict[int, object]) -> pd.DataFrame:
    """For a family's withheld cell that a member does not have (the rate has no value where the denominator
    is missing), that member's parent, grandparent... of the cell: each differs from the other member's by
    the cells the member lacks below it, so with both published, count(C) - rate(C) would give the cell.
    Returns KEYS rows to withhold."""
    rows = []
    for i, cells in wanted.groupby("ind_id"):
        has = present.get(int(i))
        if has is None:
            continue
        missing = cells.merge(has, on=KEYS, how="left", indicator=True)
        missing = missing[missing["_merge"] == "left_only"]
        while len(missing):
            parent = missing["area_id"].map(parents)
            missing = missing.assign(area_id=parent)[parent.notna()]
            rows.append(missing[KEYS])
    if not rows:
        return pd.DataFrame(columns=KEYS).astype("int32")
    out = pd.concat(rows, ignore_index=True).astype("int32")
    # only a parent the member has: one that is not computed is withheld already
    return out.merge(pd.concat(present.values(), ignore_index=True).astype("int32"), on=KEYS)


def spread(patterns: pd.DataFrame, family_of: dict[int, int], members: dict[int, list[int]]) -> pd.DataFrame:
    """``patterns``: the withheld cells (KEYS) of every member. Returns, for every member, the cells other
    members of its family withhold (KEYS)."""
    if patterns.empty:
        return pd.DataFrame(columns=KEYS)
    cells = patterns.assign(family=patterns["ind_id"].map(family_of))[["family", "area_id", "period_id", "bd_id"]] \
        .drop_duplicates()
    out = pd.concat([cells[cells["family"] == f].assign(ind_id=i) for f, ids in members.items() for i in ids],
                    ignore_index=True)
    return out[KEYS].astype("int32")
