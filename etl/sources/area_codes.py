"""Area codes in a source's raw table, before measures are selected.

- :func:`apply_code_mapping` carries codes of an older geography version to the current one with a mapping
  table ``old -> new`` (one-to-one; many-to-one, where the old areas' values are summed; one-to-many with
  weights, where an old area's value is split). A value the source also publishes under the new code wins over
  the mapped one, with a finding.
- :func:`pad_codes` left-pads with zeros the codes made only of digits (``1001`` -> ``01001``): a spreadsheet
  that took a code for a number dropped its leading zeros. A source asks for it with ``pad_codes: 5``.
- :func:`match_names` fills the area code from the area's name where the source has names but no codes (or
  blank codes): names are compared after normalising case, accents, punctuation and ``&``; a name that fits
  several areas is reported as ambiguous, never picked.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd

from core.config_models import CodeMappingConfig, SourceConfig
from core.errors import SourceError
from etl.sources.tidy import reader_finding

_KEEP = re.compile(r"[^0-9a-z ]+")


_DIGITS = re.compile(r"^[0-9]+$")


def pad_codes(codes: pd.Series, width: int) -> pd.Series:
    """``codes`` with every code made only of digits and shorter than ``width`` left-padded with zeros
    (``1001`` -> ``01001`` at width 5); other codes (``E06000001``, blank, already as long) are unchanged. A code
    given as an integer (an integer-typed column) is taken as its digits. The index, and a categorical's dtype
    kind, are kept."""
    def pad(code):
        if isinstance(code, (int, np.integer)) and not isinstance(code, bool) and code >= 0:
            code = str(code)
        if isinstance(code, str) and len(code) < width and _DIGITS.match(code):
            return code.zfill(width)
        return code

    if isinstance(codes.dtype, pd.CategoricalDtype):
        cats = codes.cat.categories
        mapped = pd.Index([pad(c) for c in cats], dtype=object)
        values = np.asarray(mapped, dtype=object)[codes.cat.codes.to_numpy()]
        values[codes.cat.codes.to_numpy() < 0] = np.nan
        return pd.Series(pd.Categorical(values), index=codes.index, name=codes.name)
    return pd.Series([pad(c) for c in codes], index=codes.index, name=codes.name, dtype=object)


def pad_source_codes(raw: pd.DataFrame, source: SourceConfig) -> pd.DataFrame:
    """The raw table with its area codes padded to the source's ``pad_codes`` width (unchanged without it)."""
    if not source.pad_codes or "area_code" not in raw.columns:
        return raw
    out = raw.copy()
    out["area_code"] = pad_codes(raw["area_code"], source.pad_codes)
    out.attrs = raw.attrs
    return out


def normalise_name(name: str) -> str:
    text = str(name).replace("\u2019", "").replace("'", "")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").casefold()
    text = text.replace("&", " and ")
    text = _KEEP.sub(" ", text)
    text = " ".join(text.split())
    return text[4:] if text.startswith("the ") else text


def header(raw: pd.DataFrame, column: str) -> str:
    """The file's own header of a logical column of the raw table (as the connector recorded it)."""
    return raw.attrs.get("headers", {}).get(column) or column


def load_mapping(cfg: CodeMappingConfig, source_id: str) -> pd.DataFrame:
    path = Path(cfg.path)
    if not path.is_file():
        raise SourceError(source_id, "code_mapping: mapping table not found", file=str(path), key="code_mapping.path")
    # keep_default_na=False: 'NA' (Namibia) is a code
    df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    needed = [cfg.old, cfg.new] + ([cfg.weight] if cfg.weight else [])
    missing = [c for c in needed if c not in df.columns]
    if missing:
        raise SourceError(source_id, f"code_mapping: missing column(s) {', '.join(map(repr, missing))}; the table "
                          f"has {', '.join(map(repr, df.columns))}", file=str(path), row=1, key="code_mapping",
                          missing=missing, available=list(df.columns))
    out = pd.DataFrame({"old": df[cfg.old].str.strip(), "new": df[cfg.new].str.strip()})
    out = out[(out.old != "") & (out.new != "")]
    if cfg.weight:
        w = pd.to_numeric(df.loc[out.index, cfg.weight], errors="coerce")
        if w.isna().any() or (w < 0).any():
            i = int(out.index[int(np.flatnonzero((w.isna() | (w < 0)).to_numpy())[0])])
            raise SourceError(source_id, f"code_mapping: weight {df[cfg.weight].iat[i]!r} is not a number >= 0",
                              file=str(path), row=i + 2, column=cfg.weight, key="code_mapping.weight")
        out["weight"] = w.to_numpy()
    else:
        out["weight"] = 1.0
    if out.duplicated(["old", "new"]).any():
        i = int(out.index[int(np.flatnonzero(out.duplicated(["old", "new"]).to_numpy())[0])])
        raise SourceError(source_id, f"code_mapping: {df[cfg.old].iat[i]} -> {df[cfg.new].iat[i]} is listed twice",
                          file=str(path), row=i + 2, key="code_mapping.path")
    return out.reset_index(drop=True)


def apply_code_mapping(raw: pd.DataFrame, source: SourceConfig) -> tuple[pd.DataFrame, list[dict]]:
    if source.code_mapping is None:
        return raw, []
    mapping = load_mapping(source.code_mapping, source.id)
    if source.pad_codes:  # a mapping table saved by the same spreadsheet lost the same zeros
        mapping["old"] = pad_codes(mapping["old"], source.pad_codes)
        mapping["new"] = pad_codes(mapping["new"], source.pad_codes)
    old = raw["area_code"].isin(set(mapping["old"]))
    if not old.any():
        return raw, []
    dims = [c for c in raw.columns if c not in ("area_code", "value", "flags", "row")]
    mapped = raw[old].merge(mapping, left_on="area_code", right_on="old", how="inner")
    mapped["value"] = mapped["value"] * mapped["weight"]
    mapped["area_code"] = mapped["new"]
    grouped = mapped.groupby([*dims, "area_code"], sort=False, dropna=False).agg(
        value=("value", lambda v: v.sum(min_count=len(v))),  # a missing part leaves the whole missing
        flags=("flags", lambda f: "".join(sorted(set("".join(f))))),
        row=("row", "min"),
        sources=("old", lambda o: ", ".join(sorted(set(o)))),
    ).reset_index()
    kept = raw[~old]
    key = [*dims, "area_code"]
    published = kept[kept["value"].notna()].set_index(key).index
    at = grouped.set_index(key).index
    clash = at.isin(published)
    found = [reader_finding("mapping_conflict", int(r.row), header(raw, "area_code"),
                            f"{r.area_code} is published directly and also mapped from {r.sources}; the published "
                            "value is kept", area_code=r.area_code, period=str(r.period), severity="warn")
             for r in grouped[clash & grouped["value"].notna().to_numpy()].itertuples()]
    # a direct row without a value gives way to a mapped value
    filled = grouped[~clash & grouped["value"].notna().to_numpy()].set_index(key).index
    kept = kept[~kept.set_index(key).index.isin(filled)]
    # a mapped row without a value adds nothing where the new code has a row of its own
    use = ~clash & (grouped["value"].notna().to_numpy() | ~at.isin(kept.set_index(key).index))
    out = pd.concat([kept, grouped[use].drop(columns="sources")], ignore_index=True)
    out.attrs = raw.attrs
    return out, found


def match_names(raw: pd.DataFrame, areas: pd.DataFrame) -> tuple[pd.DataFrame, list[dict]]:
    """Fill blank area codes from ``area_name``. A name that fits no area, or several, is one finding per name
    (its first row, its number of rows and periods, as for an unknown code) and its rows are left out; a blank
    name with a blank code is a finding per row. Works on the columns the readers give (categoricals: a
    matched code need not be one of the file's codes)."""
    if "area_name" not in raw.columns:
        return raw, []
    index: dict[str, list[str]] = {}
    for code, name in zip(areas["area_code"], areas["name"], strict=True):
        index.setdefault(normalise_name(name), []).append(code)
    codes = raw["area_code"].astype(object).fillna("").to_numpy()
    names = raw["area_name"].astype(object).fillna("").to_numpy()
    blank = codes == ""
    if not blank.any():
        return raw, []
    hits = {n: index.get(normalise_name(n), []) if n else [] for n in pd.unique(names[blank])}
    column = header(raw, "area_name")
    found, unmatched = [], {}
    for i in np.flatnonzero(blank):
        n = names[i]
        if len(hits[n]) == 1:
            continue
        row, period = int(raw["row"].iat[i]), str(raw["period"].iat[i])
        if n:
            unmatched.setdefault(n, []).append((row, period))
        else:
            found.append(reader_finding("missing_required", row, column, "no area code and no area name",
                                        period=period))
    for n, rows in unmatched.items():
        got, periods = hits[n], sorted({p for _, p in rows})
        counted = (f" ({len(rows)} rows, {'period' if len(periods) == 1 else 'periods'} "
                   f"{', '.join(periods[:3])}{', ...' if len(periods) > 3 else ''})" if len(rows) > 1 else "")
        message = (f"area name {n!r} matches several areas ({', '.join(got)}); give the code" if got
                   else f"area name {n!r} matches no area of the geography")
        found.append(reader_finding("ambiguous_area" if got else "unknown_area", min(r for r, _ in rows), column,
                                    message + counted, period=periods[0] if len(periods) == 1 else ""))
    found.sort(key=lambda f: f["row"])
    filled = codes.copy()
    filled[blank] = [hits[n][0] if len(hits[n]) == 1 else "" for n in names[blank]]
    keep = filled != ""
    out = raw[keep].reset_index(drop=True)
    out["area_code"] = pd.Categorical(filled[keep])
    out.attrs = raw.attrs
    return out, found


def names_in_breakdowns(raw: pd.DataFrame, areas: pd.DataFrame) -> list[dict]:
    """One ``area_in_breakdown`` finding (warn) per breakdown column with a total (an Open SDG file's) whose
    values are mostly names of areas: most likely the file's geography under a header the reader does not know
    (``Province``, ``Bundesland``), read as a breakdown, so that a measure of its total (blank cells) takes only
    the national rows and leaves every named area out. Not changed into a geography column: a breakdown such as
    ``Country of birth`` holds area names too."""
    defaults = raw.attrs.get("defaults", {})
    if not defaults or not len(raw) or areas is None or not len(areas):
        return []
    names = {normalise_name(n) for n in areas["name"] if n}
    found = []
    for col, total in defaults.items():
        if col not in raw.columns:
            continue
        values = [str(v) for v in pd.unique(raw[col].astype(object)) if isinstance(v, str) and v not in ("", total)]
        matched = [v for v in values if normalise_name(v) in names]
        if len(matched) < 2 or 2 * len(matched) < len(values):
            continue
        first = raw.loc[raw[col].astype(object).isin(matched), "row"].min()
        shown = ", ".join(repr(v) for v in matched[:4]) + (f" and {len(matched) - 4} more" if len(matched) > 4 else "")
        found.append({
            "rule": "area_in_breakdown", "severity": "warn", "row": int(first), "column": col, "area_code": "",
            "period": "",
            "message": f"column {col!r} is read as a breakdown, but {len(matched)} of its {len(values)} values are "
                       f"names of areas ({shown}): a measure that takes its total reads only the rows where it is "
                       f"blank, and these areas get no value; if it holds the area, list it in the source's "
                       f"geography_columns"})
    return found
