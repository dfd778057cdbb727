"""Eurostat's TSV bulk format.

The header is ``dim1,dim2,...,geo\\time`` followed by period columns (descending, with trailing spaces);
each cell is ``<value><space><flags>``: ``634830 ``, ``4700 p``, ``1234 bep``, ``: `` (missing), ``: p``
(missing but flagged). Files may be gzip-compressed (detected by content, so a download without a ``.gz`` name works).
"""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pandas as pd

from core.config_models import SourceConfig
from core.errors import SourceError
from etl.sources.tidy import is_gzip


def read(source: SourceConfig) -> pd.DataFrame:
    path = Path(source.path)
    if not path.is_file():
        raise SourceError(source.id, "file not found", file=str(path), key="path")
    gz = is_gzip(path)
    opener = gzip.open if gz else open
    with opener(path, "rt", encoding="utf-8") as fh:
        header = fh.readline().rstrip("\r\n").split("\t")
    first = header[0]
    if "\\" not in first:
        raise SourceError(source.id, f"not a Eurostat TSV: first header cell {first!r} should look like "
                          "'unit,geo\\time'", file=str(path), row=1, key="format")
    dims_part, time_dim = first.split("\\", 1)
    dims = dims_part.split(",")
    if dims[-1] != "geo":
        raise SourceError(source.id, f"the last dimension must be 'geo', got {dims[-1]!r}", file=str(path), row=1,
                          key="format")
    df = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False, header=0,
                     compression="gzip" if gz else None)
    df.columns = [c.strip() for c in df.columns]
    key = df.columns[0]
    period_cols = [c for c in df.columns[1:]]
    parts = df[key].str.split(",", expand=True)
    if parts.shape[1] != len(dims):
        bad = int(np.flatnonzero(df[key].str.count(",").to_numpy() != len(dims) - 1)[0])
        raise SourceError(source.id, f"expected {len(dims)} comma-separated codes, got {df[key].iloc[bad]!r}",
                          file=str(path), row=bad + 2, column=key)
    parts.columns = dims
    parts["row"] = np.arange(2, len(df) + 2)
    long = pd.concat([parts, df[period_cols]], axis=1).melt(
        id_vars=[*dims, "row"], value_vars=period_cols, var_name="period", value_name="cell")
    cell = long.pop("cell").str.strip()
    split = cell.str.split(" ", n=1, expand=True)
    raw_value = split[0]
    flags = split[1].fillna("").str.strip() if split.shape[1] > 1 else pd.Series("", index=long.index)
    value = pd.to_numeric(raw_value.where(raw_value != ":"), errors="coerce")
    bad = value.isna() & (raw_value != ":") & (raw_value != "")
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise SourceError(source.id, f"cell {cell.iloc[i]!r} is neither a number nor ':'", file=str(path),
                          row=int(long["row"].iloc[i]), column=long["period"].iloc[i])
    long["value"] = value.astype("float64")
    long["flags"] = flags.where(raw_value != ":", (":" + flags).str.rstrip())
    long = long.rename(columns={"geo": "area_code"})
    long["period"] = long["period"].str.strip()
    del time_dim
    return long
