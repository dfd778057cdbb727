"""Parquet in tidy (long) form, columns mapped as for CSV (``columns: {area_code, period, value, flag}``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow.compute as pc
import pyarrow.parquet as pq

from etl.config_models import SourceConfig
from etl.exceptions import SourceError


def read(source: SourceConfig):
    path = Path(source.path)
    if not path.is_file():
        raise SourceError(source.id, "file not found", file=str(path))
    try:
        table = pq.read_table(path)
    except Exception as exc:  # pyarrow raises several types for a corrupt file
        raise SourceError(source.id, f"cannot read Parquet: {exc}", file=str(path)) from None
    cols = source.columns
    wanted = {"area_code": cols.area_code, "period": cols.period, "value": cols.value}
    if cols.flag:
        wanted["flags"] = cols.flag
    missing = [c for c in wanted.values() if c not in table.column_names]
    if missing:
        raise SourceError(source.id, f"missing column(s) {', '.join(map(repr, missing))}; the file has "
                          f"{', '.join(map(repr, table.column_names))}", file=str(path))
    renamed = {v: k for k, v in wanted.items()}
    table = table.rename_columns([renamed.get(c, c) for c in table.column_names])
    for c in table.column_names:
        if c != "value":
            table = table.set_column(table.schema.get_field_index(c), c, pc.cast(table[c], "string"))
    df = table.to_pandas()
    df["value"] = df["value"].astype("float64")
    if "flags" not in df:
        df["flags"] = ""
    df["flags"] = df["flags"].fillna("")
    df["row"] = np.arange(1, len(df) + 1)
    return df
