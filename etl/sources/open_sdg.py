"""Open SDG data files (the CSV layout of open-sdg/sdg-build): one file per indicator, e.g.
``data/indicator_8-5-2.csv``, with columns ``Year``, optional ``Series`` and ``Units``, any number of
breakdown columns (``Sex``, ``Age``, ...), optional ``GeoCode``, ``Value`` and optional ``Observation status``.

- A blank breakdown cell means the total: it is read as ``total``, and a measure that does not select or break
  down by that column gets only its total rows.
- Geography columns (``Country``, ``Region``, ``Local Authority``, ...: ``geography_columns``, default
  :data:`GEOGRAPHY_COLUMNS`) hold the area, never a breakdown. A row's area is its ``GeoCode``; without one,
  the name in its most specific non-blank geography column, matched to the areas table after reading
  (:func:`etl.sources.area_codes.match_names`: a name that fits no area, or several, is a finding).
- A row with neither a ``GeoCode`` nor a geography name is the country as a whole: ``national_area`` names its
  code.
- ``Observation status`` is read through explicit maps (:mod:`etl.sources.statuses`), never letter by letter.
- ``metadata`` points to the indicator's metadata file (``meta/8-5-2.md`` with YAML front matter, or ``.yml``):
  its ``indicator_number`` must match the data file, and its ``computation_units`` fill ``Units`` when the data
  have no such column.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pandas as pd
import yaml

from core.config_models import SourceConfig
from core.errors import SourceError
from etl.sources.tidy import add_findings, check_text, reader_finding, tidy

FIXED = {"Year": "period", "Value": "value", "GeoCode": "area_code"}
STATUS_COLUMNS = ("Observation status", "OBS_STATUS", "COMMENT_OBS")
NOT_BREAKDOWNS = {"Series", "Units", "Unit multiplier", "Unit measure", *STATUS_COLUMNS}
TOTAL = "total"
#: The usual geography columns of ONS, Statistics Canada (``Geography``: provinces and territories) and other
#: Open SDG files, from the largest areas to the smallest; a header is compared without case.
#: ``geography_columns`` on the source replaces the list.
GEOGRAPHY_COLUMNS = (
    "Geography", "Country", "Nation", "Region", "County", "Combined Authority", "Local Authority",
    "Local Authority District", "Unitary Authority", "Health Board", "Local Health Board", "Police Force Area", "Ward",
)
_NUMBER = re.compile(r"indicator_(\d+(?:-\w+)+)\.csv$", re.IGNORECASE)


def read(source: SourceConfig) -> pd.DataFrame:
    path = Path(source.path)
    if not path.is_file():
        raise SourceError(source.id, "file not found", file=str(path), key="path")
    text, found = check_text(path, source)
    df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    for needed in ("Year", "Value"):
        if needed not in df.columns:
            raise SourceError(source.id, f"not an Open SDG data file: no {needed!r} column; it has "
                              f"{', '.join(map(repr, df.columns))}", file=str(path), row=1, key="format")
    meta = read_metadata(source, path, found)
    if "Units" not in df.columns and meta.get("computation_units"):
        df["Units"] = str(meta["computation_units"])
    # years written as numbers by the publisher's spreadsheet ('2010.0', as in ONS indicator_3-9-1.csv)
    df["Year"] = df["Year"].str.strip().str.replace(r"^(\d{4})\.0+$", r"\1", regex=True)
    geo = geography_columns(source, list(df.columns))
    breakdowns = [c for c in df.columns if c not in FIXED and c not in NOT_BREAKDOWNS and c not in geo]
    for c in breakdowns:
        df[c] = df[c].str.strip().replace("", TOTAL)
    status = next((c for c in STATUS_COLUMNS if c in df.columns), None)
    if "GeoCode" not in df.columns:
        df["GeoCode"] = ""
    df["GeoCode"] = df["GeoCode"].str.strip()
    name = pd.Series("", index=df.index, dtype=object)
    for c in geo:  # the most specific non-blank geography column names the area
        cell = df[c].str.strip()
        name = name.where(cell == "", cell)
    national = (df["GeoCode"] == "") & (name == "")
    if national.any() and not source.national_area:
        raise SourceError(source.id, "rows without a GeoCode or an area name are the national figures: set "
                          "'national_area' to the country's area code", file=str(path),
                          row=int(national.to_numpy().argmax()) + 2, column="GeoCode", key="national_area")
    df.loc[national, "GeoCode"] = source.national_area or ""
    label = None
    if geo:  # one column of names, under the headers it came from (findings name them)
        label = " / ".join(geo)
        df = df.drop(columns=geo)
        df[label] = name
    mapped = source.model_copy(update={"columns": source.columns.model_copy(update={
        "area_code": "GeoCode", "period": "Year", "value": "Value", "flag": status, "area_name": label})})
    out = tidy(df, mapped, file=str(path), numeric_ok=False)
    out.attrs["defaults"] = {c: TOTAL for c in breakdowns}
    return add_findings(out, found)


def geography_columns(source: SourceConfig, columns: list[str]) -> list[str]:
    """The file's geography columns, largest areas first: ``geography_columns`` (each must be in the file) or
    the usual names found in it; ``columns.area_name`` is one too (the most specific)."""
    if source.geography_columns is not None:
        missing = [c for c in source.geography_columns if c not in columns]
        if missing:
            raise SourceError(source.id, f"geography_columns: no column {', '.join(map(repr, missing))} in the "
                              f"file; it has {', '.join(map(repr, columns))}", row=1, key="geography_columns",
                              file=source.path, missing=missing, available=columns)
        geo = list(source.geography_columns)
    else:
        order = {name.casefold(): i for i, name in enumerate(GEOGRAPHY_COLUMNS)}
        geo = sorted((c for c in columns if c.strip().casefold() in order),
                     key=lambda c: order[c.strip().casefold()])
    name = source.columns.area_name
    if name and name not in geo:
        if name not in columns:
            raise SourceError(source.id, f"columns.area_name: no column {name!r} in the file; it has "
                              f"{', '.join(map(repr, columns))}", row=1, key="columns.area_name",
                              file=source.path, available=columns)
        geo.append(name)
    return geo


def read_metadata(source: SourceConfig, data_path: Path, found: list[dict]) -> dict:
    if not source.metadata:
        return {}
    path = Path(source.metadata)
    if not path.is_file():
        raise SourceError(source.id, "metadata file not found", file=str(path), key="metadata")
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".md":
        parts = text.split("---")
        if not text.startswith("---") or len(parts) < 3:
            raise SourceError(source.id, "an Open SDG .md metadata file starts with YAML front matter between "
                              "'---' lines", file=str(path), row=1, key="metadata")
        text = parts[1]
    try:
        meta = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise SourceError(source.id, f"cannot parse the metadata: {exc}", file=str(path), key="metadata") from None
    m = _NUMBER.search(data_path.name)
    number = str(meta.get("indicator_number", "")).replace(".", "-")
    if m and number and number != m.group(1):
        found.append(reader_finding("metadata_mismatch", None, "indicator_number",
                                    f"metadata {path.name} is for indicator {meta['indicator_number']}, the data "
                                    f"file is {data_path.name}", severity="warn"))
    return meta
