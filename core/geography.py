"""The geography: areas in named levels, top to bottom, each with its parent.

Loaded from the areas table in config, checked (unique codes, known levels, each parent at a higher level),
and turned into the small tables the engine joins on.

A hierarchy may be ragged: a parent may sit at any higher level, not only the one just above (a Scottish
council hangs directly under Scotland, an English district under its region). The levels an area's line
skips have no ancestor: in :func:`leaf_ancestors` that column is empty (null), so nothing is summed into an
area that does not exist, and every comparison with "the parent" is with the real parent.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from core.area_names import NATIVE_LANG, NATIVE_NAME, NUTS_LANGUAGES, language_of, name_column
from core.config_models import AreasTable, GeographyConfig
from core.errors import GeographyError


def load_areas(geo: GeographyConfig) -> pd.DataFrame:
    """Columns: area_code, name, level, level_index, parent_code, top_code + the configured attributes, then
    the area's names in other languages when the config names them (core/area_names.py): ``native_name`` and
    ``native_lang`` (``geography.areas.native_name``), ``name_<lang>`` (``geography.areas.names``)."""
    spec = geo.areas
    path = Path(spec.path)
    if not path.is_file():
        raise GeographyError(f"file {path} not found; check geography.areas.path", key="path")
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    needed = [spec.code, spec.name, spec.level, spec.parent, *spec.attributes,
              *([spec.native_name] if spec.native_name else []), *spec.names.values()]
    missing = [c for c in needed if c not in df.columns]
    if missing:
        raise GeographyError(f"missing column(s) {', '.join(map(repr, missing))}; the table has "
                             f"{', '.join(map(repr, df.columns))} (columns are named in geography.areas)",
                             file=str(path), row=1, missing=missing, available=list(df.columns))
    out = pd.DataFrame({
        "area_code": df[spec.code].str.strip(),
        "name": df[spec.name].str.strip(),
        "level": df[spec.level].str.strip().replace(spec.level_values),
        "parent_code": df[spec.parent].str.strip(),
    })
    for attr in spec.attributes:
        num = pd.to_numeric(df[attr].replace("", None), errors="coerce")
        out[attr] = num if num.notna().sum() == (df[attr] != "").sum() else df[attr]
    _add_names(out, df, spec)
    _check(out, geo.levels, path, spec)
    out["level_index"] = out["level"].map({lvl: i for i, lvl in enumerate(geo.levels)}).astype("int32")
    out["top_code"] = _ancestor_at(out, 0)
    return out.reset_index(drop=True)


def _add_names(out: pd.DataFrame, df: pd.DataFrame, spec: AreasTable) -> None:
    """The names in other languages the config names, as the release keeps them (empty where there is none)."""
    if spec.native_name:
        table = NUTS_LANGUAGES if spec.native_language == "nuts" else dict(spec.native_language or {})
        out[NATIVE_NAME] = df[spec.native_name].str.strip()
        out[NATIVE_LANG] = [language_of(code, table) for code in out["area_code"]]
    for lang, column in spec.names.items():
        out[name_column(lang)] = df[column].str.strip()


def aggregate_members(geo: GeographyConfig, areas: pd.DataFrame) -> list[str]:
    """The root codes ``geography.aggregate_root`` totals (every root for ``members: all``); [] without one.
    Its code must not be an area's, and each member must be a root (an area at the top level)."""
    agg = geo.aggregate_root
    if agg is None:
        return []
    roots = areas.loc[areas["level_index"] == 0, "area_code"].tolist()
    if agg.code in set(areas["area_code"]):
        raise GeographyError(f"geography.aggregate_root.code {agg.code!r} is an area of the table: the aggregate "
                             "must be a code of its own", file=str(geo.areas.path), key="aggregate_root.code")
    if agg.members == "all":
        return roots
    not_roots = [m for m in agg.members if m not in set(roots)]
    if not_roots:
        raise GeographyError(f"geography.aggregate_root.members: {', '.join(map(repr, not_roots))} not an area at "
                             f"the top level {geo.levels[0]!r}", file=str(geo.areas.path),
                             key="aggregate_root.members")
    return list(dict.fromkeys(agg.members))


def _check(df: pd.DataFrame, levels: list[str], path: Path, spec: AreasTable) -> None:
    """Errors name the table's own column headers (``geography.areas.code`` etc.), not the logical names."""
    def fail(i: int, column: str, message: str) -> None:
        raise GeographyError(message, file=str(path), row=i + 2, column=column)

    dup = df["area_code"].duplicated()
    if dup.any():
        i = int(dup.to_numpy().nonzero()[0][0])
        fail(i, spec.code, f"duplicate area code {df.area_code.iat[i]!r}")
    unknown = ~df["level"].isin(levels)
    if unknown.any():
        i = int(unknown.to_numpy().nonzero()[0][0])
        value = df.level.iat[i]
        if spec.level_values:
            hint = f"; geography.areas.level_values maps only {', '.join(map(repr, spec.level_values))}"
        elif value.isdigit():
            hint = ("; to use the table's level numbers, map them with geography.areas.level_values, e.g. {"
                    + ", ".join(f'"{k}": {lvl}' for k, lvl in enumerate(levels)) + "}")
        else:
            hint = ""
        fail(i, spec.level, f"level {value!r} is not one of the configured levels {levels}{hint}")
    index = dict(zip(df.area_code, df.level, strict=True))
    rank = {lvl: k for k, lvl in enumerate(levels)}
    for i, (code, level, parent) in enumerate(zip(df.area_code, df.level, df.parent_code, strict=True)):
        if rank[level] == 0:
            if parent:
                fail(i, spec.parent, f"{code} is at the top level {level!r} and cannot have a parent")
            continue
        above = levels[:rank[level]]
        if not parent:
            fail(i, spec.parent, f"the parent of {code} is blank; an area at level {level!r} needs a parent at "
                 f"a higher level ({', '.join(map(repr, above))})")
        if parent not in index:
            fail(i, spec.parent, f"parent {parent!r} of {code} is not in the table")
        if rank[index[parent]] >= rank[level]:
            fail(i, spec.parent, f"parent {parent!r} of {code} is at level {index[parent]!r}, not above "
                 f"{level!r}: a parent must be at a higher level ({', '.join(map(repr, above))})")


def _ancestor_at(df: pd.DataFrame, depth: int) -> pd.Series:
    parent = dict(zip(df.area_code, df.parent_code, strict=True))
    level = dict(zip(df.area_code, df.level_index if "level_index" in df else df.level, strict=True))
    out = []
    for code in df.area_code:
        c = code
        while level[c] > depth:
            c = parent[c]
        out.append(c)
    return pd.Series(out, index=df.index)


def is_ragged(areas: pd.DataFrame) -> bool:
    """Whether some area's parent is more than one level up (then some leaf has an empty ancestor column)."""
    level = dict(zip(areas.area_code, areas.level_index, strict=True))
    parent_level = areas["parent_code"].map(level)
    has_parent = parent_level.notna()
    return bool((areas.loc[has_parent, "level_index"] - parent_level[has_parent] > 1).any())


def leaf_ancestors(areas: pd.DataFrame, n_levels: int) -> pd.DataFrame:
    """One row per area at the lowest level: ``area_code, a0 .. a{n-1}`` (a{n-1} is the area itself; a{k} its
    ancestor at level k, null where its line skips level k: a council directly under its country has no
    region)."""
    leaves = areas[areas.level_index == n_levels - 1]
    out = pd.DataFrame({"area_code": leaves.area_code.to_numpy()})
    parent = dict(zip(areas.area_code, areas.parent_code, strict=True))
    level = dict(zip(areas.area_code, areas.level_index, strict=True))
    columns: list[list] = [[None] * len(out) for _ in range(n_levels)]
    for row, code in enumerate(out["area_code"]):
        c = code
        while c:
            columns[level[c]][row] = c
            c = parent.get(c, "")
    for depth in range(n_levels):
        out[f"a{depth}"] = columns[depth]
    return out[["area_code", *[f"a{d}" for d in range(n_levels)]]]
