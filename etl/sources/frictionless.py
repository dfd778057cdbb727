"""Frictionless data packages: a ``datapackage.json`` or ``datapackage.yaml`` and its tabular resources.

``path`` is the descriptor (or the folder holding it); ``resource`` names the resource (optional when there is
only one). The resource's Table Schema is applied: the header must match the schema's fields, each field's
``missingValues`` (default ``[""]``) become missing, and each cell is checked against its field's ``type``
(``integer``, ``number``, ``year``, ``yearmonth``, ``date``, ``boolean``, ...) and ``required`` constraint. A
cell that fails is quarantined with a finding; a header that does not match stops the source. Only the
missing values the schema declares are missing: the string ``NA`` (Namibia) stays a code.

Every finding about a row names the resource's data file (not the descriptor), the row's line in that file,
and the row's area and period: a resource whose ``path`` lists several files numbers its rows one after the
other while it is read, and :func:`locate` turns those numbers back into (file, line) for the findings of every
later step (``raw.attrs["parts"]``).
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd
import yaml

from core.config_models import SourceConfig
from core.errors import SourceError
from etl.sources.tidy import add_findings, check_text, reader_finding, tidy

DESCRIPTORS = ("datapackage.json", "datapackage.yaml", "datapackage.yml")

_TYPES = {
    "integer": re.compile(r"^[+-]?\d+$"),
    "year": re.compile(r"^-?\d{4}$"),
    "yearmonth": re.compile(r"^\d{4}-(0[1-9]|1[0-2])$"),
    "date": re.compile(r"^\d{4}-\d{2}-\d{2}$"),
    "boolean": re.compile(r"^(true|false|True|False|TRUE|FALSE|yes|no|1|0)$"),
}


def descriptor_path(source: SourceConfig) -> Path:
    path = Path(source.path)
    if path.is_dir():
        found = [path / d for d in DESCRIPTORS if (path / d).is_file()]
        if not found:
            raise SourceError(source.id, f"no {' / '.join(DESCRIPTORS)} in the folder", file=str(path), key="path")
        path = found[0]
    if not path.is_file():
        raise SourceError(source.id, "file not found", file=str(path), key="path")
    return path


def load_descriptor(path: Path, source_id: str) -> dict:
    try:
        text = path.read_text(encoding="utf-8")
        desc = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        raise SourceError(source_id, f"cannot parse the descriptor: {exc}", file=str(path), key="path") from None
    if not isinstance(desc, dict) or not isinstance(desc.get("resources"), list):
        raise SourceError(source_id, "the descriptor has no 'resources' list", file=str(path), key="path")
    return desc


def read(source: SourceConfig) -> pd.DataFrame:
    dp = descriptor_path(source)
    desc = load_descriptor(dp, source.id)
    res = _resource(desc, source, dp)
    schema = res.get("schema") or {}
    if isinstance(schema, str):
        schema = load_descriptor_schema(dp.parent / schema, source.id)
    fields = schema.get("fields") or []
    if not fields:
        raise SourceError(source.id, f"resource {res.get('name')!r} has no Table Schema fields", file=str(dp))
    parts = res.get("path")
    parts = parts if isinstance(parts, list) else [parts]
    dialect = res.get("dialect") or {}
    sep = dialect.get("delimiter", ",")
    enc_source = source.model_copy(update={"encoding": res.get("encoding", source.encoding).lower()})
    frames, found, located = [], [], []
    line0 = 0
    for part in parts:
        if not isinstance(part, str) or "://" in part:
            raise SourceError(source.id, f"resource path {part!r} must be a local file next to the descriptor",
                              file=str(dp))
        file = dp.parent / part
        if not file.is_file():
            raise SourceError(source.id, f"resource file {part} not found", file=str(dp))
        text, bom = check_text(file, enc_source)
        found += [{**b, "file": str(file)} for b in bom]
        df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, sep=sep)
        names = [f["name"] for f in fields]
        if list(df.columns) != names:
            raise SourceError(source.id, f"the header {list(df.columns)} does not match the Table Schema fields "
                              f"{names}", file=str(file), row=1)
        df.insert(0, "__row", np.arange(2, len(df) + 2) + line0)
        df.insert(0, "__file", str(file))
        df.insert(0, "__offset", line0)
        located.append(Part(2 + line0, len(df) + 1 + line0, str(file), line0))
        line0 += len(df)
        frames.append(df)
    df = pd.concat(frames, ignore_index=True)
    where = _row_places(df, source)
    bad = np.zeros(len(df), dtype=bool)
    missing_values = schema.get("missingValues", [""])
    for f in fields:
        col = df[f["name"]].str.strip()
        missing = col.isin(f.get("missingValues", missing_values))
        df[f["name"]] = col.where(~missing, "")
        cons = f.get("constraints") or {}
        ftype = f.get("type", "string")
        ok = _type_ok(col, ftype, f) | missing
        if cons.get("required"):
            for i in np.flatnonzero(missing.to_numpy() & ~bad):
                found.append(where(i, reader_finding("missing_required", int(df["__row"].iat[i]), f["name"],
                                                     f"required field {f['name']!r} is missing")))
            bad |= missing.to_numpy()
        for i in np.flatnonzero(~ok.to_numpy() & ~bad):
            found.append(where(i, reader_finding("type_error", int(df["__row"].iat[i]), f["name"],
                                                 f"{col.iat[i]!r} is not a valid {ftype}")))
        bad |= ~ok.to_numpy()
        if ftype in ("number", "integer") and (f.get("groupChar") or f.get("decimalChar", ".") != "."):
            df[f["name"]] = _plain_number(df[f["name"]], f)
    rows = df.pop("__row").to_numpy()[~bad]
    df = df.drop(columns=["__file", "__offset"])
    out = tidy(df[~bad].reset_index(drop=True), source, file=str(dp.parent / parts[0]), rows=rows,
               numeric_ok=False)
    out.attrs["parts"] = located
    return add_findings(out, found)


class Part(NamedTuple):
    """The rows of one data file of a resource, as numbered while it was read: ``first`` to ``last``; a row's
    line in ``file`` is its number minus ``offset``."""
    first: int
    last: int
    file: str
    offset: int


def _row_places(df: pd.DataFrame, source: SourceConfig):
    """A function that completes a finding about row ``i`` of ``df`` with its data file, its line in that file
    and, as the file gives them, its area code and period."""
    cols = source.columns

    def where(i: int, finding: dict) -> dict:
        area = df[cols.area_code].iat[i] if cols.area_code in df.columns else ""
        period = source.period or (df[cols.period].iat[i] if cols.period in df.columns else "")
        return {**finding, "file": df["__file"].iat[i], "row": int(df["__row"].iat[i] - df["__offset"].iat[i]),
                "area_code": str(area).strip(), "period": str(period).strip()}
    return where


def locate(findings: pd.DataFrame, parts: list[Part] | None, where: str) -> pd.DataFrame:
    """Findings of a Frictionless source (file ``where``: the package) made after reading, with each row's data
    file and its line in that file; a finding about no row names the data file when the resource has one."""
    if not parts or findings.empty:
        return findings
    mine = (findings["file"] == where).to_numpy()
    if len(parts) == 1:
        findings.loc[mine, "file"] = parts[0].file
    rows = findings["row"]
    for part in parts:
        inside = mine & rows.notna().to_numpy() & (rows >= part.first).fillna(False).to_numpy() \
            & (rows <= part.last).fillna(False).to_numpy()
        if inside.any():
            findings.loc[inside, "file"] = part.file
            findings.loc[inside, "row"] = rows[inside] - part.offset
    return findings


def load_descriptor_schema(path: Path, source_id: str) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SourceError(source_id, f"cannot read the Table Schema: {exc}", file=str(path)) from None


def _resource(desc: dict, source: SourceConfig, dp: Path) -> dict:
    resources = desc["resources"]
    names = [r.get("name") for r in resources]
    if source.resource is None:
        if len(resources) != 1:
            raise SourceError(source.id, f"the package has {len(resources)} resources; set 'resource' to one of "
                              f"{', '.join(map(repr, names))}", file=str(dp), key="resource", available=names)
        return resources[0]
    if source.resource not in names:
        raise SourceError(source.id, f"no resource named {source.resource!r}; the package has "
                          f"{', '.join(map(repr, names))}", file=str(dp), key="resource", available=names)
    return resources[names.index(source.resource)]


def _type_ok(col: pd.Series, ftype: str, field: dict) -> pd.Series:
    if ftype == "number":
        return pd.to_numeric(_plain_number(col, field), errors="coerce").notna() | col.isin(["NaN", "INF", "-INF"])
    if ftype == "integer":
        return _plain_number(col, field).str.match(_TYPES["integer"])
    if ftype in _TYPES:
        return col.str.match(_TYPES[ftype])
    return pd.Series(True, index=col.index)


def _plain_number(col: pd.Series, field: dict) -> pd.Series:
    out = col
    if field.get("groupChar"):
        out = out.str.replace(field["groupChar"], "", regex=False)
    if field.get("decimalChar", ".") != ".":
        out = out.str.replace(field["decimalChar"], ".", regex=False)
    return out
