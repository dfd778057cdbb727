"""Parquet files in tidy (long) form, columns mapped as for CSV. ``row`` is the 1-based row in the file
plus one (as if the file had a header line), so findings read the same as for CSV."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from core.config_models import SourceConfig
from core.errors import SourceError
from etl.sources.tidy import tidy


def read(source: SourceConfig) -> pd.DataFrame:
    path = Path(source.path)
    if not path.is_file():
        raise SourceError(source.id, "file not found", file=str(path), key="path")
    try:
        # text columns as dictionaries (categoricals): codes, periods and flags repeat, and each distinct
        # value is then cleaned once, not once per row (about half the read-and-tidy time: bench/etl.py)
        schema = pq.read_schema(path)
        text = [f.name for f in schema if pa.types.is_string(f.type) or pa.types.is_large_string(f.type)]
        df = pq.read_table(path, read_dictionary=text).to_pandas()
    except (pa.ArrowInvalid, OSError) as exc:
        raise SourceError(source.id, f"cannot read Parquet: {exc}", file=str(path), key="path") from None
    return tidy(df, source, file=str(path))
