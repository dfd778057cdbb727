"""What a reader needs to use a downloaded figure honestly, in one place for every format.

:func:`download_metadata` is the dictionary every download carries (the xlsx metadata sheet, the CSVW
companion, the Parquet key-value metadata, the JSON envelope, the zip's README); the CSVW and data-package
descriptors below are built from it, so the formats cannot drift apart.
"""

from __future__ import annotations

import json

import pandas as pd

from core import schema, statuses
from dashboard.components.fmt import text
from dashboard.release_reader import Release

#: The status words of indicator_values.status, explained in plain language (core.statuses).
STATUS_TEXT = statuses.LONG_TEXT

#: Column descriptions of the values (CSVW dc:description, data-package field descriptions, the xlsx metadata
#: sheet, the OpenAPI value row): core.schema's.
COLUMN_TEXT = {f.name: schema.INDICATOR_VALUES.describe(f.name) for f in schema.INDICATOR_VALUES.schema}


def citation(release: Release) -> str:
    m = release.manifest
    text = m.get("citation") or f"{m.get('title', 'OpenMeasure')}, release {{release_id}}."
    return text.replace("{release_id}", release.id)


def methodology_page(base_url: str, indicator_id: str) -> str:
    """The human methodology page of an indicator (``methodology_url`` is its metadata as JSON)."""
    return f"{base_url}methodology/{indicator_id}"


def source_text(source: dict) -> str:
    """One source in words: title (publisher), URL."""
    text = source.get("title") or source.get("id") or ""
    if source.get("publisher"):
        text += f" ({source['publisher']})"
    return text + (f", {source['url']}" if source.get("url") else "")


def indicator_entries(release: Release, ids: list[str] | None, base_url: str) -> list[dict]:
    df = release.indicators if ids is None else release.indicators[release.indicators["id"].isin(ids)]
    out = []
    for r in df.itertuples(index=False):
        out.append({
            "id": r.id, "title": r.title, "unit": r.unit, "multiplier": _num(r.multiplier),
            "decimals": int(r.decimals), "polarity": r.polarity, "theme": r.theme,
            "licence": r.licence, "attribution": r.attribution, "methodology": r.methodology,
            "methodology_url": f"{base_url}api/v1/indicators/{r.id}?release={release.id}",
            "methodology_page": methodology_page(base_url, r.id),
            "caveats": text(r.caveats), "sources": json.loads(text(r.sources) or "[]"),
        })
    return out


def download_metadata(release: Release, *, indicator_ids: list[str] | None, periods: tuple[str, str] | None,
                      base_url: str, url: str, query: dict | None = None) -> dict:
    m = release.manifest
    return {
        "title": _title(m),
        "release": {"id": release.id, "created": m.get("created")},
        "licence": m.get("licence"),
        "attribution": m.get("attribution"),
        "citation": citation(release),
        "synthetic": bool(m.get("synthetic")),
        "url": url,
        "query": query or {},
        "periods": {"from": periods[0], "to": periods[1]} if periods else None,
        "indicators": indicator_entries(release, indicator_ids, base_url),
        "status": STATUS_TEXT,
    }


def _title(manifest: dict) -> str:
    title = manifest.get("title") or "OpenMeasure"
    if manifest.get("synthetic") and "synthetic" not in title.lower():
        title += " (synthetic data)"
    return title


def metadata_rows(meta: dict) -> list[tuple[str, str]]:
    """The metadata as (field, text) rows: the xlsx metadata sheet and the zip README use these."""
    rows = [("Title", meta["title"]), ("Release", meta["release"]["id"]),
            ("Release date", meta["release"]["created"] or ""), ("Licence", meta["licence"] or ""),
            ("Attribution (required)", meta["attribution"] or ""), ("Citation", meta["citation"]),
            ("Source URL", meta["url"])]
    if meta["periods"]:
        rows.append(("Periods", f"{meta['periods']['from']} to {meta['periods']['to']}"))
    for k, v in sorted(meta["query"].items()):
        rows.append((f"Filter: {k}", ", ".join(v) if isinstance(v, list | tuple) else str(v)))
    for ind in meta["indicators"]:
        p = f"Indicator {ind['id']}"
        rows += [(p, ind["title"]), (f"{p}: unit", ind["unit"]),
                 (f"{p}: multiplier", str(ind["multiplier"])), (f"{p}: decimals", str(ind["decimals"])),
                 (f"{p}: licence", ind["licence"] or ""),
                 (f"{p}: attribution", ind["attribution"] or ""), (f"{p}: methodology", ind["methodology"]),
                 (f"{p}: methodology page", ind["methodology_page"]),
                 (f"{p}: methodology link", ind["methodology_url"])]
        rows += [(f"{p}: source", source_text(src)) for src in ind["sources"]] or [(f"{p}: source", "none listed")]
        if ind["caveats"]:
            rows.append((f"{p}: caveats", ind["caveats"]))
    rows += [(f"Status '{k}'", v) for k, v in meta["status"].items()]
    return rows


_CSVW_TYPES = {"string": "string", "large_string": "string", "double": "double", "float": "double",
               "int64": "integer", "int32": "integer", "bool": "boolean"}


def csvw(meta: dict, csv_url: str, schema_fields: list[tuple[str, str]],
         table: schema.Table = schema.INDICATOR_VALUES) -> dict:
    """A CSV on the Web descriptor (W3C tabular metadata) for a CSV download of ``table`` (core.schema: the
    columns' descriptions)."""
    return {
        "@context": ["http://www.w3.org/ns/csvw", {"@language": "en"}],
        "url": csv_url,
        "dc:title": meta["title"],
        "dc:license": meta["licence"],
        "dc:publisher": meta["attribution"],
        "dc:bibliographicCitation": meta["citation"],
        "dc:issued": meta["release"]["created"],
        "dc:identifier": meta["release"]["id"],
        "dialect": {"header": True, "encoding": "utf-8", "delimiter": ","},
        "tableSchema": {"columns": [
            {"name": n, "titles": n, "datatype": _CSVW_TYPES.get(t, "string"),
             "dc:description": table.describe(n), "null": ""} for n, t in schema_fields]},
        "notes": [{"status": meta["status"], "indicators": meta["indicators"], "periods": meta["periods"],
                   "query": meta["query"]}],
    }


def frictionless_fields(schema_fields: list[tuple[str, str]],
                        table: schema.Table = schema.INDICATOR_VALUES) -> list[dict]:
    kinds = {"string": "string", "large_string": "string", "double": "number", "float": "number",
             "int64": "integer", "int32": "integer", "bool": "boolean"}
    return [{"name": n, "type": kinds.get(t, "string"), "description": table.describe(n)}
            for n, t in schema_fields]


def readme(meta: dict, files: list[str], columns: list[str] | None = None) -> str:
    """The zip's README.md: licence and citation, files, indicators, ``columns`` of the values, status words."""
    lines = [f"# {meta['title']}", "", f"Release {meta['release']['id']}, published {meta['release']['created']}.",
             "", "## Licence and citation", "", f"Licence: {meta['licence']}",
             f"Attribution (required): {meta['attribution']}", f"Cite as: {meta['citation']}", ""]
    if meta["synthetic"]:
        lines += ["**These data are synthetic** (a demonstration); they describe no real place.", ""]
    lines += ["## Files", ""] + [f"- {f}" for f in files] + ["", "## Indicators", ""]
    for ind in meta["indicators"]:
        lines += [f"### {ind['id']}: {ind['title']}", "", f"- unit: {ind['unit']} (multiplier {ind['multiplier']})",
                  f"- decimals: {ind['decimals']}",
                  f"- licence: {ind['licence']}; attribution: {ind['attribution']}",
                  f"- methodology: {ind['methodology']} ({ind['methodology_page']}; as JSON: "
                  f"{ind['methodology_url']})",
                  "- sources: " + ("; ".join(source_text(s) for s in ind["sources"]) or "none listed")]
        if ind["caveats"]:
            lines.append(f"- caveats: {ind['caveats']}")
        lines.append("")
    if columns:
        lines += ["## Columns of indicator_values (CSV and Parquet)", ""]
        lines += [f"- `{c}`: {COLUMN_TEXT[c]}" if COLUMN_TEXT.get(c) else f"- `{c}`" for c in columns] + [""]
    lines += ["## Status of a value", ""] + [f"- `{k}`: {v}" for k, v in meta["status"].items()]
    return "\n".join(lines) + "\n"


def _num(x) -> float | int | None:
    if x is None or pd.isna(x):
        return None
    return int(x) if float(x).is_integer() else float(x)
