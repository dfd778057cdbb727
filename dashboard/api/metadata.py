"""What a reader needs to use a downloaded figure honestly, in one place for every format.

:func:`download_metadata` is the dictionary every download carries (the xlsx metadata sheet, the CSVW
companion, the Parquet key-value metadata, the JSON envelope, the zip's README); the CSVW and data-package
descriptors below are built from it, so the formats cannot drift apart.
"""

from __future__ import annotations

import json

import pandas as pd

from dashboard.components.fmt import text
from dashboard.release_reader import Release

#: The status words of indicator_values.status, explained in plain language.
STATUS_TEXT = {
    "ok": "Published value with no flag.",
    "provisional": "Provisional: the publisher may revise this value.",
    "estimated": "Estimated by the publisher.",
    "break": "Break in the time series: not directly comparable with earlier periods.",
    "definition_differs": "The definition differs from the standard one (see the publisher's metadata).",
    "low_reliability": "Low reliability: treat with caution.",
    "confidential": "Confidential: withheld by the publisher.",
    "missing": "No value: nothing was reported for this area and period.",
    "low_coverage": "Not computed: too few of the areas below reported to give a fair figure.",
    "suppressed": "Withheld to protect individuals: the count is below the disclosure threshold (or would "
                  "let one be worked out). The value, counts, interval, rank and change are left empty.",
}

#: Column descriptions (CSVW dc:description, data-package field descriptions, the xlsx metadata sheet).
COLUMN_TEXT = {
    "indicator": "Indicator id (see /api/v1/indicators/<id>).",
    "area_code": "Code of the area.",
    "area_name": "Name of the area, as the release's areas table (areas.csv) gives it.",
    "level": "Level of the geography the area belongs to.",
    "level_index": "Position of the level, 0 = top.",
    "parent_code": "Code of the parent area (empty at the top level).",
    "period": "Period, ISO 8601 (2021, 2021-Q3, 2021-07).",
    "breakdown": "'total' or '<dimension>=<value>'.",
    "value": "The indicator value, in the indicator's unit.",
    "numerator": "Sum of the numerator counts behind the value.",
    "denominator": "Sum of the denominator counts behind the value.",
    "lower_ci": "Lower limit of the 95% confidence interval.",
    "upper_ci": "Upper limit of the 95% confidence interval.",
    "status": "Normalised status of the value (see the status table).",
    "flags": "The publisher's flag letters as given (p provisional, e estimated, b break, ...).",
    "note": "Plain-language note on how the value was computed.",
    "coverage": "Share of the areas below that reported.",
    "coverage_denominator": "Share of the denominator held by the areas that reported.",
    "n_reporting": "Number of lowest-level areas that reported.",
    "n_expected": "Number of lowest-level areas expected.",
    "parent_value": "Value of the parent area.",
    "top_value": "Value of the area's own top-level area: the root of its parent chain (with several roots, "
                 "such as the countries of NUTS, its own country).",
    "aggregate_value": "Value of the configured aggregate root (e.g. EU27_2020), for areas whose root is one of "
                       "its members; only in releases of a geography with an aggregate root.",
    "significance_parent": "Compared with the parent: better / similar / worse (higher / similar / lower for a "
                           "neutral indicator) / not compared.",
    "significance_top": "Compared with the area's own top-level area (top_value): better / similar / worse (higher / similar / lower for a "
                        "neutral indicator) / not compared.",
    "significance_aggregate": "Compared with the aggregate root: better / similar / worse (higher / similar / "
                              "lower for a neutral indicator) / not compared.",
    "rank_level": "Rank among the areas of the same level (1 = best; 1 = highest for a neutral indicator).",
    "n_ranked_level": "Number of areas ranked at this level.",
    "rank_parent": "Rank among the areas with the same parent (1 = best; 1 = highest for a neutral indicator).",
    "n_ranked_parent": "Number of areas ranked under the same parent.",
    "quartile": "Quartile within the level (1 = best quarter; the highest for a neutral indicator).",
    "previous_period": "The previous period with a value.",
    "previous_value": "The value in the previous period.",
    "change": "Change since the previous period.",
    "change_significance": "Whether the change is significant.",
    "peer_mean": "Mean of the published values of the area's statistical nearest neighbours: over the peer_count "
                 "of them that have one (withheld values are left out); empty when none has.",
    "peer_count": "Number of the area's nearest neighbours with a published value: those peer_mean is taken over.",
    "target": "Target value.",
    "target_period": "Period by which the target should be met.",
    "progress_ratio": "Observed / required growth towards the target.",
    "cagr_observed": "Observed compound annual growth rate since the base period.",
    "progress_status": "Progress towards the target (achieved, on track, ...).",
    "rag": "Red / amber / green status for the target.",
    "visibility": "public or internal.",
}


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


def csvw(meta: dict, csv_url: str, schema_fields: list[tuple[str, str]]) -> dict:
    """A CSV on the Web descriptor (W3C tabular metadata) for a CSV download."""
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
             "dc:description": COLUMN_TEXT.get(n, ""), "null": ""} for n, t in schema_fields]},
        "notes": [{"status": meta["status"], "indicators": meta["indicators"], "periods": meta["periods"],
                   "query": meta["query"]}],
    }


def frictionless_fields(schema_fields: list[tuple[str, str]]) -> list[dict]:
    kinds = {"string": "string", "large_string": "string", "double": "number", "float": "number",
             "int64": "integer", "int32": "integer", "bool": "boolean"}
    return [{"name": n, "type": kinds.get(t, "string"), "description": COLUMN_TEXT.get(n, "")}
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
