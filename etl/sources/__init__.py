"""Source connectors: one module per format, each returning the *raw table* of a source.

The raw table is a pandas DataFrame with the columns ``area_code, period, value, flags, row`` plus one string
column per dimension of the source (e.g. ``unit, sex, age`` for Eurostat, ``measure`` for a tidy CSV).
``value`` is float (NaN where the publisher gives no value), ``flags`` the publisher's flag letters as given,
``row`` the 1-based line of the file the value came from (for findings).
:func:`etl.observations.extract_measures` turns it into observations.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from core.config_models import SourceConfig
from etl.sources import csv_source, eurostat_tsv, excel, frictionless, open_sdg, parquet_source, sdmx_csv, sql

Reader = Callable[[SourceConfig], pd.DataFrame]

READERS: dict[str, Reader] = {
    "csv": csv_source.read,
    "eurostat_tsv": eurostat_tsv.read,
    "sdmx_csv": sdmx_csv.read,
    "excel": excel.read,
    "parquet": parquet_source.read,
    "frictionless": frictionless.read,
    "open_sdg": open_sdg.read,
    "sql": sql.read,
}


def read_source(source: SourceConfig) -> pd.DataFrame:
    return READERS[source.format](source)
