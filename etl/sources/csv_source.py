"""Plain CSV in tidy (long) form: one row per observation.

Columns are mapped in config (``columns: {area_code, period, value, flag}``); every other column is a
dimension that measures can select on (typically ``measure``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from etl.config_models import SourceConfig
from etl.exceptions import SourceError


def read(source: SourceConfig) -> pd.DataFrame:
    path = Path(source.path)
    if not path.is_file():
        raise SourceError(source.id, "file not found", file=str(path))
    try:
        # keep_default_na=False: 'NA' is Namibia's code, not a missing value.
        df = pd.read_csv(path, dtype=str, keep_default_na=False, sep=source.delimiter,
                         encoding=source.encoding + ("-sig" if source.encoding == "utf-8" else ""))
    except (UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise SourceError(source.id, f"cannot parse CSV: {exc}", file=str(path)) from None
    cols = source.columns
    wanted = {"area_code": cols.area_code, "period": cols.period, "value": cols.value}
    if cols.flag:
        wanted["flags"] = cols.flag
    missing = [c for c in wanted.values() if c not in df.columns]
    if missing:
        raise SourceError(source.id, f"missing column(s) {', '.join(map(repr, missing))}; the file has "
                          f"{', '.join(map(repr, df.columns))}", file=str(path), row=1)
    out = df.rename(columns={v: k for k, v in wanted.items()})
    raw_value = out["value"].str.strip()
    value = pd.to_numeric(raw_value, errors="coerce")
    bad = value.isna() & ~raw_value.isin(["", ":", ".", "..", "x", "z", "c"])
    if bad.any():
        first = int(np.flatnonzero(bad.to_numpy())[0])
        raise SourceError(source.id, f"value {raw_value.iloc[first]!r} is not a number", file=str(path),
                          row=first + 2, column=cols.value)
    out["value"] = value.astype("float64")
    if "flags" not in out:
        out["flags"] = ""
    out["flags"] = out["flags"].str.strip()
    out["area_code"] = out["area_code"].str.strip()
    out["period"] = out["period"].str.strip()
    out["row"] = np.arange(2, len(out) + 2)
    return out
