"""SDMX-CSV, versions 1.0 and 2.0 (Eurostat's "linear" bulk export and the SDMX REST ``format=csv``).

1.0: ``DATAFLOW,[LAST UPDATE,]<dimensions...>,TIME_PERIOD,OBS_VALUE,<attributes...>``
2.0: ``STRUCTURE,STRUCTURE_ID,[ACTION,]<dimensions...>,TIME_PERIOD,OBS_VALUE,<attributes...>``

The dimensions are the columns between the structure columns and ``TIME_PERIOD``; the area dimension is
``columns.area_code`` when the file has it, else ``geo`` or ``REF_AREA``. Flags come from ``OBS_FLAG``
(Eurostat) or ``OBS_STATUS`` (SDMX), plus ``CONF_STATUS``. Missing observations are usually absent; an empty
``OBS_VALUE`` with a flag becomes a missing value flagged ``:<flag>``, as in the TSV format. CRLF line
endings and gzip (``.gz``) are handled by the parser. Parsing uses pyarrow's multi-threaded CSV reader.
"""

from __future__ import annotations

import csv
import gzip
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

from core.config_models import SourceConfig
from core.errors import SourceError
from etl.sources import statuses
from etl.sources.tidy import add_findings, delimiter_hint, is_gzip, reader_finding

STRUCTURE_COLUMNS = {"DATAFLOW", "STRUCTURE", "STRUCTURE_ID", "STRUCTURE_NAME", "ACTION", "LAST UPDATE"}
FLAG_COLUMNS = ("OBS_FLAG", "OBS_STATUS", "CONF_STATUS")
AREA_DIMENSIONS = ("geo", "REF_AREA", "GEO")


def read(source: SourceConfig) -> pd.DataFrame:
    path = Path(source.path)
    if not path.is_file():
        raise SourceError(source.id, "file not found", file=str(path), key="path")
    header = _header(path, source)
    check_header(header, source, str(path))
    return to_raw(read_table(path, source, header), source, str(path))


def read_table(path: Path, source: SourceConfig, header: list[str]) -> pa.Table:
    """The file without its structure columns (DATAFLOW, LAST UPDATE, ...: long and the same on every row, so
    not converted at all)."""
    try:
        return pcsv.read_csv(
            pa.input_stream(path, compression="gzip" if is_gzip(path) else None),
            read_options=pcsv.ReadOptions(block_size=1 << 24, encoding=source.encoding),
            parse_options=pcsv.ParseOptions(delimiter=source.delimiter),
            convert_options=pcsv.ConvertOptions(
                column_types={c: pa.string() for c in header}, strings_can_be_null=False,
                include_columns=[c for c in header if c not in STRUCTURE_COLUMNS]),
        )
    except (pa.ArrowInvalid, OSError) as exc:
        raise SourceError(source.id, f"cannot parse SDMX-CSV: {exc}", file=str(path)) from None


def _header(path: Path, source: SourceConfig) -> list[str]:
    opener = gzip.open if is_gzip(path) else open
    try:
        with opener(path, "rt", encoding=source.encoding, newline="") as fh:
            line = fh.readline()
    except (OSError, UnicodeDecodeError) as exc:
        raise SourceError(source.id, f"cannot read the header: {exc}", file=str(path), row=1,
                          key="encoding" if isinstance(exc, UnicodeDecodeError) else "path") from None
    names = next(csv.reader([line.rstrip("\r\n")], delimiter=source.delimiter), [])
    return [n.lstrip("\ufeff") for n in names]  # pyarrow skips a UTF-8 BOM too


def check_header(names: list[str], source: SourceConfig, file: str) -> None:
    if not names or names[0] not in ("DATAFLOW", "STRUCTURE"):
        first = names[0] if names else ""
        hint = delimiter_hint(first, source.delimiter) if len(names) == 1 else ""
        raise SourceError(source.id, f"not SDMX-CSV: the first column is {first!r}, expected 'DATAFLOW' "
                          f"(SDMX-CSV 1.0) or 'STRUCTURE' (2.0){hint}", file=file, row=1,
                          key="delimiter" if hint else "format")
    for needed in ("TIME_PERIOD", "OBS_VALUE"):
        if needed not in names:
            raise SourceError(source.id, f"no {needed} column; the file has {', '.join(names)}", file=file,
                              row=1, key="format")


def to_raw(table: pa.Table, source: SourceConfig, file: str) -> pd.DataFrame:
    """The raw table of an SDMX-CSV table read without its structure columns."""
    names = table.column_names
    dims = [n for n in names[:names.index("TIME_PERIOD")] if n not in STRUCTURE_COLUMNS]
    area = next((d for d in (source.columns.area_code, *AREA_DIMENSIONS) if d in dims), None)
    if area is None:
        raise SourceError(source.id, f"no area dimension: set columns.area_code to one of {', '.join(dims)}",
                          file=file, row=1, key="columns.area_code", available=dims)
    raw_value = table.column("OBS_VALUE")
    value = _numbers(raw_value)
    found = []
    keep = None
    if value is None:
        value, keep, found = _numbers_with_findings(table, raw_value, area)
    flags, unknown = _flags(table, [c for c in FLAG_COLUMNS if c in names], area)
    found = [*found, *unknown]
    missing = pc.is_null(value)
    flags = pc.if_else(pc.and_(missing, pc.invert(pc.starts_with(flags, ":"))),
                       pc.binary_join_element_wise(":", flags, ""), flags)
    columns = {d: table.column(d) for d in dims if d != area}
    columns.update({"area_code": table.column(area), "period": table.column("TIME_PERIOD"), "value": value,
                    "flags": flags, "row": pa.array(np.arange(2, table.num_rows + 2))})
    out = pa.table(columns)
    if keep is not None:
        out = out.filter(keep)
    # codes repeat: dictionary-encoded columns become pandas categoricals, cheap to filter and compare
    out = pa.table({n: (c.dictionary_encode() if n not in ("value", "row") else c)
                    for n, c in zip(out.column_names, out.columns, strict=True)})
    df = out.to_pandas()
    df.attrs["headers"] = {"area_code": area, "period": "TIME_PERIOD", "value": "OBS_VALUE"}  # for findings
    return add_findings(df, found) if found else df


def _numbers(raw: pa.ChunkedArray) -> pa.ChunkedArray | None:
    """OBS_VALUE as float64 (empty -> null), or None when some cell is not a number."""
    try:
        return pc.cast(pc.if_else(pc.equal(raw, ""), None, raw), pa.float64())
    except pa.ArrowInvalid:
        return None


def _numbers_with_findings(table: pa.Table, raw: pa.ChunkedArray, area: str):
    text = pd.Series(raw.to_pandas(), dtype=object)
    value = pd.to_numeric(text.where(text != ""), errors="coerce")
    bad = (value.isna() & (text != "")).to_numpy()
    found = [reader_finding("not_a_number", int(i) + 2, "OBS_VALUE", f"value is not a number: {text.iat[i]!r}",
                            area_code=table.column(area)[int(i)].as_py(),
                            period=table.column("TIME_PERIOD")[int(i)].as_py())
             for i in np.flatnonzero(bad)]
    return pa.array(value.to_numpy(dtype="float64"), from_pandas=True), pa.array(~bad), found


#: SDMX OBS_STATUS codes and CONF_STATUS codes -> our flag letters: the maps of :mod:`etl.sources.statuses`.
OBS_STATUS = statuses.OBS_STATUS
#: SDMX CONF_STATUS codes that withhold the value (C confidential, D secondary, N not for publication, S);
#: F (free) and anything else add no flag.
CONFIDENTIAL = tuple(code for code, flag in statuses.CONF_STATUS.items() if flag == "c")


def _flags(table: pa.Table, columns: list[str], area: str) -> tuple[pa.ChunkedArray | pa.Array, list[dict]]:
    """OBS_FLAG as given (Eurostat's letters); OBS_STATUS through the SDMX map (A, 'normal', is no flag; a code
    the map does not know is an ``unknown_status`` finding and no flag); CONF_STATUS as the flag 'c'."""
    parts, found = [], []
    for c in columns:
        col = table.column(c)
        if c == "CONF_STATUS":
            col = pc.if_else(pc.is_in(col, pa.array(CONFIDENTIAL)), "c", "")
        elif c == "OBS_STATUS":
            uniques = pc.unique(col).to_pylist()
            unknown = [u for u in uniques if u not in OBS_STATUS and u != ""]
            mapping = {u: OBS_STATUS.get(u, "") for u in uniques}
            for i in np.flatnonzero(pc.is_in(col, pa.array(unknown, pa.string())).to_numpy(zero_copy_only=False)
                                    ) if unknown else []:
                found.append(reader_finding(
                    "unknown_status", int(i) + 2, c, f"status {col[int(i)].as_py()!r} is not an SDMX OBS_STATUS "
                    "code; the value is read without a flag", area_code=table.column(area)[int(i)].as_py(),
                    period=table.column("TIME_PERIOD")[int(i)].as_py(), severity="warn"))
            col = pc.take(pa.array(list(mapping.values()), pa.string()),
                          pc.index_in(col, value_set=pa.array(list(mapping), pa.string())))
        parts.append(col)
    if not parts:
        return pa.array([""] * table.num_rows, pa.string()), found
    out = parts[0]
    for col in parts[1:]:
        out = pc.binary_join_element_wise(out, col, "")
    return out, found
