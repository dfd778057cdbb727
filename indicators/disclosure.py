"""Disclosure control: secondary suppression.

The cells withheld before this step (flagged in SQL, values.sql, and by the pipeline):

    primary       a count below the indicator's threshold
    confidential  a value its publisher flagged ``c``
    kept          withheld in the release now published: publishing it now would let it, or the cell it
                  protected, be worked out by comparing the two releases
    family        withheld by another indicator on the same count (a count and a rate of it): the two
                  must withhold the same cells, or one's figures give the other's away
    hidden        a parent below the minimum coverage: not published, but it equals the sum of its
                  reporting children, and the level above can give it away (never in the output: it keeps
                  its own status)

Here we make sure that no withheld cell can be recovered by differencing. Every parent equals the sum of its
reporting children, and every breakdown of an area (``sex=F``, ``sex=M``, ``sex=T``...) may add up to another
of its breakdowns, so in each group

    {parent} + its children              (one indicator, period and breakdown)
    every breakdown of one area          (one indicator, period and area)

the number of withheld cells must be 0 or at least 2. Where exactly one is withheld we withhold the smallest
other cell of the group (in a geography group: the smallest other child, or the parent when there is no other
child), and repeat until no group has exactly one: a cell withheld for one group opens a gap in the others
it belongs to. A cell whose count the release before published as it is now (``known``) is no protection:
the attacker has it from there. It is chosen only when no other cell can be (in a geography group the parent
is tried first), and then the count can be worked out by comparing the two releases whatever this one does.
A group of breakdowns is treated as an equation even when its breakdowns do not add up (age bands that
overlap, say): over-protection, never under.
"""

from __future__ import annotations

import pandas as pd

#: Every cell withheld by disclosure control says the same, whether its own count is small (primary), it is
#: withheld to protect another (secondary), as in the release before (kept) or as another indicator on the same
#: count (family): a note that told them apart would tell an attacker which withheld counts are *not* small, and
#: that narrows the small ones (sex=F + sex=M = sex=T with T "not small" gives F >= T - 9). The kind is kept in
#: the logs and the run's counts, never in what is published (docs/methodology.md, disclosure control).
#: A value its publisher flagged confidential keeps its own note. SDMX-CSV marks both CONF_STATUS C.
PRIMARY_NOTE_PREFIX = "Withheld: "
DISCLOSURE_REASON = ("Withheld: fewer than {threshold} people, or a figure from which such a small count could be "
                     "worked out (disclosure control).")
CONFIDENTIAL_REASON = "Withheld: confidential according to its publisher."
#: An indicator with no disclosure rule (its own, or a family's) protects no small count, only confidential
#: values: its notes may say why, as they tell an attacker nothing about people.
KEPT_REASON = "Withheld as in the release before, so that comparing the two releases cannot reveal a withheld value."
SECONDARY_REASON = "Withheld so that a confidential value elsewhere cannot be worked out from the published figures."
#: the kinds (``secondary_suppression``'s ``kind``) published with DISCLOSURE_REASON
DISCLOSURE_KINDS = ("primary", "secondary", "kept", "family")

#: ``withheld`` codes of the input cells
NONE, PRIMARY, CONFIDENTIAL, KEPT, HIDDEN, FAMILY, FAMILY_OWN = 0, 1, 2, 3, 4, 5, 6
#: FAMILY_OWN: a family's cell that this indicator withheld for its own sake too (named secondary)
KIND = {PRIMARY: "primary", CONFIDENTIAL: "confidential", KEPT: "kept", FAMILY: "family",
        FAMILY_OWN: "secondary"}

SLICE = ["indicator", "period"]
KEY = ["indicator", "period", "breakdown"]


def secondary_suppression(cells: pd.DataFrame, rules: pd.DataFrame | None = None) -> pd.DataFrame:
    """``cells``: one row per cell of the indicators to protect, published or withheld, with columns
    ``indicator, period, breakdown, area_code, parent_code, size, withheld`` and optionally ``known``
    (``size`` is the count used to pick the smallest cell; ``withheld`` a code above, ``NONE`` for a cell
    that would be published; ``known``: its count published as it is in the release before). Returns
    the cells to withhold: ``indicator, area_code, period, breakdown, kind`` with kind ``primary``,
    ``confidential``, ``kept``, ``family`` or ``secondary``.

    ``rules`` (indexed by indicator: ``threshold, zero, on, rolled_up, protection``, see
    :mod:`indicators.protection`): when given, cells are also withheld until no small count can be narrowed
    below its protection level from what is published (protection intervals), the group rule and that check
    taking turns until neither adds a cell."""
    cols = [*KEY, "area_code", "kind"]
    forced = cells["withheld"].isin(list(KIND)) if not cells.empty else pd.Series(dtype=bool)
    if cells.empty or not forced.any():
        return pd.DataFrame(columns=cols)
    slices = cells.loc[forced, SLICE].drop_duplicates()
    df = cells.merge(slices, on=SLICE).reset_index(drop=True)
    df["sup"] = df["withheld"] != NONE
    df["known"] = df["known"].astype(bool) if "known" in df.columns else False
    df["kind"] = df["withheld"].map(KIND).fillna("")
    code_key = df[KEY + ["area_code"]].rename(columns={"area_code": "parent_code"})
    code_key["parent_row"] = df.index
    df = df.merge(code_key, on=[*KEY, "parent_code"], how="left")
    has_parent = df["parent_row"].notna()
    df["bd_group"] = df.groupby([*SLICE, "area_code"], sort=False).ngroup()
    bd_size = df.groupby("bd_group")["sup"].transform("size")
    ranges: dict = {}  # the attacker's ranges of each component of its system, kept between protection rounds
    # every round withholds at least one more cell or ends: at most one round per cell
    for _ in range(len(df) + 1):
        added = _geography_round(df, has_parent) + _breakdown_round(df, bd_size)
        if not added and rules is not None:
            from indicators import protection  # the LP solver: only a run that withholds cells loads it

            added = protection.protect(df, rules, _withhold, ranges)
        if not added:
            break
    else:  # pragma: no cover - cannot happen (see above)
        raise RuntimeError("secondary suppression did not converge")
    out = df.loc[df["sup"] & (df["kind"] != ""), cols]
    return out.reset_index(drop=True)


def _withhold(df: pd.DataFrame, rows) -> int:
    df.loc[rows, ["sup", "kind"]] = [True, "secondary"]
    return len(rows)


def _geography_round(df: pd.DataFrame, has_parent: pd.Series) -> int:
    """In each group {parent} + children with exactly one withheld cell, withhold one more."""
    kids = df[has_parent]
    child_sup = kids.groupby("parent_row")["sup"].sum()
    parent_sup = df.loc[child_sup.index.astype(int), "sup"].astype(int).to_numpy()
    exposed = child_sup.index[child_sup.to_numpy() + parent_sup == 1]
    if len(exposed) == 0:
        return 0
    open_kids = kids[kids["parent_row"].isin(exposed) & ~kids["sup"]]
    # first choice: the smallest child the attacker does not know from the release before
    smallest = open_kids[~open_kids["known"]].sort_values(["size", "area_code"]).groupby("parent_row").head(1)
    rest = exposed.difference(smallest["parent_row"].unique()).astype(int)
    # then the parent, if it is not known either
    parents = [p for p in rest if not df.at[p, "sup"] and not df.at[p, "known"]]
    rest = rest.difference(parents)
    # then any other child, known or not; last, the parent
    fallback = open_kids[open_kids["parent_row"].isin(rest)].sort_values(["size", "area_code"]) \
        .groupby("parent_row").head(1)
    lonely = [p for p in rest.difference(fallback["parent_row"].unique()).astype(int) if not df.at[p, "sup"]]
    return (_withhold(df, smallest.index) + _withhold(df, parents) + _withhold(df, fallback.index)
            + _withhold(df, lonely))


def _breakdown_round(df: pd.DataFrame, bd_size: pd.Series) -> int:
    """Among the breakdowns of one area with exactly one withheld cell, withhold one more."""
    n_sup = df.groupby("bd_group")["sup"].transform("sum")
    open_groups = (n_sup == 1) & (bd_size >= 2)
    if not open_groups.any():
        return 0
    cand = df[open_groups & ~df["sup"]]
    # an unknown cell first (known ones last: sorted on known, then size)
    smallest = cand.sort_values(["known", "size", "breakdown"]).groupby("bd_group").head(1)
    return _withhold(df, smallest.index)
