"""A proportion's numerator against its denominator, across the observations of every source
(``numerator_above_denominator``)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from core.config_models import ValidationConfig
from etl.findings import DROPPING, action, empty_findings, finding_rows, header_of
from etl.validate import int_key


def check_proportions(obs: pd.DataFrame, pairs: list[tuple[str, str]], files: dict[str, str],
                      rules: dict[str, ValidationConfig], headers: dict[str, dict[str, str]] | None = None
                      ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A proportion's numerator must not exceed its denominator for the same area, period and breakdown.
    The numerator's row is flagged (under the numerator's source), in the column ``headers[source]["value"]``
    (the file's own header of the value; ``value`` without it)."""
    if not pairs or obs.empty:
        return obs, empty_findings()
    drop = np.zeros(len(obs), dtype=bool)
    found = []
    rows_of = _rows_by_measure(obs["measure"])
    key, _ = int_key(obs, ("area_code", "period", "breakdown"))
    values = obs["value"].to_numpy(dtype="float64", na_value=np.nan)
    for num, den in pairs:
        n_rows, d_rows = rows_of(num), rows_of(den)
        if not len(n_rows) or not len(d_rows):
            continue
        d_index = pd.Index(key[d_rows])
        if d_index.is_unique:
            at = d_index.get_indexer(key[n_rows])
            n_rows, d_rows = n_rows[at >= 0], d_rows[at[at >= 0]]
        else:  # the same cell from two sources: every pairing, as an inner join gives
            pairs_ = pd.DataFrame({"k": key[n_rows], "n": n_rows}).merge(
                pd.DataFrame({"k": key[d_rows], "d": d_rows}), on="k")
            n_rows, d_rows = pairs_["n"].to_numpy(), pairs_["d"].to_numpy()
        over = values[n_rows] > values[d_rows]
        if not over.any():
            continue
        rows = obs.iloc[n_rows[over]].copy()
        rows["den"] = values[d_rows[over]]
        rows["index"] = n_rows[over]
        for source, group in rows.groupby("source", observed=True):
            what = action("numerator_above_denominator", rules.get(source))
            found.append(finding_rows(group, "numerator_above_denominator", what, files.get(source, ""),
                                   header_of((headers or {}).get(source), "value"),
                                   lambda r, den_id=den: r["measure"] + " " + r["value"].map("{:g}".format)
                                   + " is above " + den_id + " " + r["den"].map("{:g}".format)))
            if what in DROPPING:
                drop[group["index"].to_numpy()] = True
    if not found:
        return obs, empty_findings()
    return obs[~drop].reset_index(drop=True), pd.concat(found, ignore_index=True)


def _rows_by_measure(measure: pd.Series):
    """A function from a measure to the positions of its rows, from one sort of the column."""
    codes, uniques = pd.factorize(measure, use_na_sentinel=False)
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(len(uniques) + 1))
    where = {m: i for i, m in enumerate(uniques)}

    def rows_of(m: str) -> np.ndarray:
        i = where.get(m)
        return order[bounds[i]:bounds[i + 1]] if i is not None else np.empty(0, dtype=np.intp)
    return rows_of
