"""Plain CSV in tidy (long) form: one row per observation.

Columns are mapped in config (``columns: {area_code, period, value, flag, area_name}``); every other column
is a dimension that measures can select on (typically ``measure``). The file is decoded in ``encoding``; a
byte-order mark is removed with a finding, undecodable bytes stop the source with their line.
"""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

from core.config_models import SourceConfig
from core.errors import SourceError
from etl.sources.tidy import add_findings, check_text, tidy


def read(source: SourceConfig) -> pd.DataFrame:
    path = Path(source.path)
    if not path.is_file():
        raise SourceError(source.id, "file not found", file=str(path), key="path")
    text, found = check_text(path, source)
    try:
        # keep_default_na=False: 'NA' is Namibia's code, not a missing value.
        df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, sep=source.delimiter)
    except pd.errors.ParserError as exc:
        raise SourceError(source.id, f"cannot parse CSV: {exc}", file=str(path)) from None
    out = tidy(df, source, file=str(path), numeric_ok=False)
    return add_findings(out, found)
