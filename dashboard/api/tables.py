"""The small public tables of a release (indicators, areas) as JSON-ready records or Arrow tables."""

from __future__ import annotations

import json
import math

import pandas as pd
import pyarrow as pa

from core import schema
from dashboard.release_reader import Release

INDICATOR_JSON_FIELDS = ("sources", "disclosure")


def _clean(v):
    if isinstance(v, float) and math.isnan(v):
        return None
    if v is pd.NA or v is pd.NaT:
        return None
    if hasattr(v, "tolist"):
        return v.tolist()
    return v


def records(df: pd.DataFrame) -> list[dict]:
    return [{k: _clean(v) for k, v in row.items()} for row in df.to_dict("records")]


def indicator_records(release: Release, df: pd.DataFrame | None = None) -> list[dict]:
    out = records(release.indicators if df is None else df)
    for r in out:
        for k in INDICATOR_JSON_FIELDS:
            if isinstance(r.get(k), str):
                r[k] = json.loads(r[k])
    return out


#: Columns of a release's areas.parquet that are storage, not data (in core.schema, those not in the ``public``
#: output): ``bucket`` says which by-area file holds an area's rows. The reader needs them; the public (API,
#: areas.csv, areas.parquet) does not get them.
INTERNAL_AREA_COLUMNS = tuple(n for n in schema.AREAS.names if n not in schema.AREAS.where("outputs", "public"))


def public_areas(df: pd.DataFrame) -> pd.DataFrame:
    """The areas table as it is published: without the storage columns."""
    return df.drop(columns=[c for c in INTERNAL_AREA_COLUMNS if c in df.columns])


def area_records(df: pd.DataFrame) -> list[dict]:
    return records(public_areas(df))


def flat_table(df: pd.DataFrame) -> pa.Table:
    """An Arrow table with list columns joined by ';' (CSV has no lists)."""
    df = df.copy()
    for col in df.columns:
        if df[col].map(lambda v: isinstance(v, list | tuple) or hasattr(v, "tolist")).any():
            df[col] = df[col].map(lambda v: ";".join(map(str, list(v))) if v is not None else "")
    return pa.Table.from_pandas(df, preserve_index=False)
