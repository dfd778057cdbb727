"""Shared by the connectors of tidy (long) tables: CSV, Excel, Parquet, SQL, Frictionless, Open SDG.

A tidy table has one row per observation; ``columns: {area_code, period, value, flag, area_name}`` in config
names the columns, every other column is a dimension that measures can select on.

Row-level problems found while reading (a value that is not a number, a ``#REF!`` cell, a blank row) do not
fail the source: the row is left out and a *reader finding* is recorded in ``raw.attrs["findings"]``, which
the pipeline turns into quarantine findings with the file, row and column.
"""

from __future__ import annotations

import codecs
from pathlib import Path

import numpy as np
import pandas as pd

from core import statuses
from core.config_models import SourceConfig
from core.errors import SourceError
from etl.observations import map_categorical, map_pairs

#: Cell texts that mean "no value" (Eurostat ':', ONS 'x'/'z'/'c', '..' of UN tables).
MISSING_MARKERS = ("", ":", ".", "..", "x", "z", "c")
#: Excel / spreadsheet error values; a cell holding one is never a number.
CELL_ERRORS = ("#REF!", "#N/A", "#VALUE!", "#DIV/0!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!")

RAW_BASE = ("area_code", "period", "value", "flags", "row")
_MARKER_FLAG = statuses.MARKER_FLAGS


def reader_finding(rule: str, row: int | None, column: str | None, message: str, *, area_code: str = "",
                   period: str = "", severity: str = "quarantine") -> dict:
    return {"rule": rule, "severity": severity, "row": row, "column": column, "area_code": area_code,
            "period": period, "message": message}


def add_findings(df: pd.DataFrame, found: list[dict]) -> pd.DataFrame:
    df.attrs["findings"] = [*df.attrs.get("findings", []), *found]
    return df


def is_gzip(path: Path) -> bool:
    """By content, not name: a download from an API URL has no '.gz' suffix."""
    with open(path, "rb") as fh:
        return fh.read(2) == b"\x1f\x8b"


def check_text(path: Path, source: SourceConfig) -> tuple[str, list[dict]]:
    """Decode a text file in the configured encoding. A BOM is removed with a finding; bytes that do not
    decode stop the source with the line and byte where they are."""
    data = path.read_bytes()
    found = []
    boms = {codecs.BOM_UTF8: "utf-8", codecs.BOM_UTF16_LE: "utf-16", codecs.BOM_UTF16_BE: "utf-16"}
    for bom, enc in boms.items():
        if data.startswith(bom):
            found.append(reader_finding("bom", 1, None, f"the file starts with a {enc.upper()} byte-order mark; "
                                        "it was removed", severity="warn"))
            if enc == "utf-16":
                return data.decode("utf-16"), found
            data = data[len(bom):]
            break
    try:
        return data.decode(source.encoding), found
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise SourceError(source.id, f"byte 0x{data[exc.start]:02x} at offset {exc.start} is not valid "
                          f"{source.encoding}; set 'encoding' to the file's encoding (e.g. cp1252)",
                          file=str(path), row=line, key="encoding") from None


def tidy(df: pd.DataFrame, source: SourceConfig, *, file: str, rows: np.ndarray | None = None,
         numeric_ok: bool = True, header_row: int = 1) -> pd.DataFrame:
    """Map the configured columns of ``df`` to the raw table. ``rows`` gives each row's line in the file
    (default: header on line 1, ``header_row``). ``raw.attrs["headers"]`` keeps the file's own header of each
    logical column (``{"area_code": "district", "period": "year", ...}``): findings name those."""
    cols = source.columns
    wanted = {"value": cols.value} if source.period is not None else {"period": cols.period, "value": cols.value}
    if source.period is not None and cols.period in df.columns:
        raise SourceError(source.id, f"the file has a period column {cols.period!r} and the source gives a fixed "
                          f"period: {source.period!r}; give one of them (leave out 'period', or rename the column)",
                          file=file, row=header_row, key="period", column=cols.period)
    if cols.area_name:
        wanted["area_name"] = cols.area_name
    if cols.area_code in df.columns or not cols.area_name:
        wanted["area_code"] = cols.area_code
    if cols.flag:
        wanted["flags"] = cols.flag
    named: dict[str, str] = {}
    for key, header in wanted.items():
        if header in named:  # one column cannot be both, say, the period and the value
            keys = [f"columns.{'flag' if k == 'flags' else k}" for k in (named[header], key)]
            raise SourceError(source.id, f"{keys[0]} and {keys[1]} both name the column {header!r}", file=file,
                              row=header_row, key=keys[1], available=list(df.columns))
        named[header] = key
    missing = [c for c in wanted.values() if c not in df.columns]
    if missing:
        hint = _delimiter_hint(df, source)  # one column: the wrong delimiter, not wrong column names
        fixed = ("; a file without a period column needs a fixed period on the source (e.g. period: \"2016\") "
                 "or columns.period naming its column") if not hint and wanted.get("period") in missing else ""
        raise SourceError(source.id, f"missing column(s) {', '.join(map(repr, missing))}; the table has "
                          f"{', '.join(map(repr, map(str, df.columns)))}{hint}{fixed}", file=file, row=header_row,
                          key="delimiter" if hint else "columns", missing=() if hint else missing,
                          available=list(df.columns))
    out = df.rename(columns={v: k for k, v in wanted.items()})
    out.columns = [str(c) for c in out.columns]
    out["row"] = rows if rows is not None else np.arange(2, len(out) + 2)
    for c in out.columns:
        if c not in ("value", "row"):
            out[c] = _text(out[c])
    if "area_code" not in out:
        out["area_code"] = ""
    if source.period is not None:
        out["period"] = pd.Categorical([source.period] * len(out))
    if "flags" not in out:
        out["flags"] = ""
    out = out.reset_index(drop=True)
    found = []
    if cols.flag:  # the status column, read through explicit maps (never letter by letter)
        from etl.sources.statuses import read_statuses

        out["flags"], found = read_statuses(out["flags"], out["row"], source.status_map, cols.flag,
                                            out["area_code"], out["period"])
    raw_value = out["value"]
    if numeric_ok and pd.api.types.is_numeric_dtype(raw_value) and not np.isinf(raw_value.astype("float64")).any():
        out["value"] = raw_value.astype("float64")
        out.attrs["headers"] = dict(wanted)
        return add_findings(out, found)
    text = _text(raw_value)
    value = pd.to_numeric(text, errors="coerce")
    # '1e400' (or 'inf') is read as infinity: not a number a measure can hold, and compared with anything
    # it would only come out as some other rule's finding (a numerator above its denominator)
    infinite = np.isinf(value.to_numpy(dtype="float64", na_value=np.nan))
    bad = (value.isna() | infinite) & ~text.isin(MISSING_MARKERS)
    if bad.any():
        for i in np.flatnonzero(bad.to_numpy()):
            cell = text.iat[i]
            rule = "cell_error" if cell in CELL_ERRORS else "not_a_number"
            what = ("holds the spreadsheet error" if rule == "cell_error" else
                    "is not a finite number (beyond the range of a 64-bit float):" if infinite[i] else
                    "is not a number:")
            found.append(reader_finding(rule, int(out["row"].iat[i]), cols.value,
                                        f"value {what} {cell!r}", area_code=out["area_code"].iat[i],
                                        period=out["period"].iat[i]))
        out = out[~bad.to_numpy()].reset_index(drop=True)
        value = value[~bad.to_numpy()].reset_index(drop=True)
        marker = text[~bad.to_numpy()].reset_index(drop=True)
    else:
        marker = text
    out["value"] = value.astype("float64")
    # A missing marker with no flag column becomes the flag (':' -> missing, 'c' -> confidential).
    out["flags"] = pd.Series(map_pairs(out["flags"], marker, lambda flag, m: flag or _MARKER_FLAG.get(m, "")),
                             index=out.index)
    out.attrs["headers"] = dict(wanted)
    return add_findings(out, found)


#: Separators a table read with the wrong ``delimiter`` shows in its one header.
_SEPARATORS = {";": ";", "\t": "\\t", "|": "|"}


def _delimiter_hint(df: pd.DataFrame, source: SourceConfig) -> str:
    """A table of one column whose header holds another separator was read with the wrong ``delimiter``."""
    if len(df.columns) != 1 or source.format not in ("csv", "sdmx_csv"):
        return ""
    return delimiter_hint(str(df.columns[0]), source.delimiter)


def delimiter_hint(header: str, delimiter: str) -> str:
    """A hint to set ``delimiter`` when ``header`` (the first line, read as one column) holds ';', a tab or '|'."""
    for sep, written in _SEPARATORS.items():
        if sep != delimiter and sep in header:
            return f"; the file looks '{written}'-separated: set the source's delimiter: \"{written}\""
    return ""


def _text(s: pd.Series) -> pd.Series:
    """The column as stripped text, blank for missing, as a categorical: codes, periods and flags repeat a
    lot, so each distinct value is converted once (not once per row of a 20-million-row source)."""
    if pd.api.types.is_float_dtype(s):
        def fn(v):  # 2021.0 -> '2021' (Excel and Parquet store years as numbers)
            return "" if pd.isna(v) else cell_text(float(v))
    else:
        fn = cell_text
    return pd.Series(map_categorical(s, fn), index=s.index)


def cell_text(v) -> str:
    """A cell as text: stripped, blank for missing; a whole float among text (SQL, Excel) or in a float
    column is a code or a year (``1001.0`` -> ``'1001'``). Sources the engine reads (etl.sources.engine_read)
    clean their distinct cells with it too."""
    if isinstance(v, float):
        if v != v:  # NaN
            return ""
        return str(int(v)) if v.is_integer() else repr(v)
    return "" if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v).strip()
