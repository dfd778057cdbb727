"""Disclosure control: secondary suppression.

Primary suppression (a count below the threshold) is flagged in SQL (values.sql). Here we make sure that no
withheld cell can be recovered by differencing: every published parent equals the sum of its reporting,
published children, so in each group {parent} + children the number of withheld cells must be 0 or at
least 2. Where exactly one is withheld we withhold the smallest other child (or, with no other child, the
parent), and repeat until no group has exactly one: suppressing a child can open a gap in the group below
it, where it is the parent.

Groups whose parent is not published (no value, low coverage) carry no equation an attacker could use.
"""

from __future__ import annotations

import pandas as pd

PRIMARY_REASON = "Withheld: a count below {threshold} about people (primary suppression)."
SECONDARY_REASON = ("Withheld so that a small count elsewhere cannot be worked out from the published figures "
                    "(secondary suppression).")

KEY = ["indicator", "period", "breakdown"]


def secondary_suppression(cells: pd.DataFrame, max_rounds: int = 100) -> pd.DataFrame:
    """``cells``: one row per published cell of the disclosure-controlled indicators, with columns
    ``indicator, period, breakdown, area_code, parent_code, size, primary`` (``size`` is the count used to
    pick the smallest sibling). Returns the cells to withhold: ``indicator, area_code, period, breakdown,
    kind`` with kind ``primary`` or ``secondary``."""
    cols = [*KEY, "area_code", "kind"]
    if cells.empty or not cells["primary"].any():
        return pd.DataFrame(columns=cols)
    slices = cells.loc[cells["primary"], KEY].drop_duplicates()
    df = cells.merge(slices, on=KEY).reset_index(drop=True)
    df["sup"] = df["primary"].astype(bool)
    df["kind"] = df["sup"].map({True: "primary", False: ""})
    code_key = df[KEY + ["area_code"]].rename(columns={"area_code": "parent_code"})
    code_key["parent_row"] = df.index
    df = df.merge(code_key, on=[*KEY, "parent_code"], how="left")
    has_parent = df["parent_row"].notna()
    for _ in range(max_rounds):
        kids = df[has_parent]
        child_sup = kids.groupby("parent_row")["sup"].sum()
        parent_sup = df.loc[child_sup.index.astype(int), "sup"].astype(int).to_numpy()
        total = child_sup.to_numpy() + parent_sup
        exposed = child_sup.index[total == 1]
        if len(exposed) == 0:
            break
        cand = kids[kids["parent_row"].isin(exposed) & ~kids["sup"]]
        smallest = cand.sort_values(["size", "area_code"]).groupby("parent_row").head(1)
        df.loc[smallest.index, ["sup", "kind"]] = [True, "secondary"]
        lonely = exposed.difference(smallest["parent_row"].unique()).astype(int)
        lonely = [p for p in lonely if not df.at[p, "sup"]]
        df.loc[lonely, ["sup", "kind"]] = [True, "secondary"]
        if smallest.empty and not lonely:
            break
    else:  # pragma: no cover - the loop only ends this way on a malformed hierarchy
        raise RuntimeError("secondary suppression did not converge")
    return df.loc[df["sup"], cols].reset_index(drop=True)
