"""What a reader needs to use a downloaded figure honestly, in one place for every format.

:func:`download_metadata` is the dictionary every download carries (the xlsx metadata sheet, the CSVW
companion, the Parquet key-value metadata, the JSON envelope, the zip's README); the CSVW and data-package
descriptors below are built from it, so the formats cannot drift apart.
"""

from __future__ import annotations

import json

import pandas as pd

from core import i18n, schema, statuses
from core.config_models import Config
from dashboard.api import language, words
from dashboard.components.fmt import text
from dashboard.i18n import N_, translator
from dashboard.release_reader import Release

#: The status words of indicator_values.status, explained in plain language (core.statuses).
STATUS_TEXT = statuses.LONG_TEXT

#: Column descriptions of the values (CSVW dc:description, data-package field descriptions, the xlsx metadata
#: sheet, the OpenAPI value row): core.schema's.
COLUMN_TEXT = {f.name: schema.INDICATOR_VALUES.describe(f.name) for f in schema.INDICATOR_VALUES.schema}


def citation(release: Release, config: Config | None = None, lang: str | None = None) -> str:
    """How to cite the release: the release's own words, or with ``config`` the served config's
    ``publication.citation`` in ``lang`` when it has a translation there."""
    m = release.manifest
    text = m.get("citation") or f"{m.get('title', 'OpenMeasure')}, release {{release_id}}."
    if config is not None and lang is not None and lang != config.languages.default:
        text = config.publication.translations.get(lang, {}).get("citation") or text
    return text.replace("{release_id}", release.id)


def attribution(release: Release, config: Config | None = None, lang: str | None = None) -> str | None:
    """The attribution the licence requires, in ``lang`` as :func:`citation` gives the citation."""
    own = release.manifest.get("attribution")
    if config is not None and lang is not None and lang != config.languages.default:
        return config.publication.translations.get(lang, {}).get("attribution") or own
    return own


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
                      base_url: str, url: str, query: dict | None = None, config: Config | None = None,
                      lang: str | None = None) -> dict:
    """``config`` and ``lang`` (?lang=): the indicators' words and the title in that language (dashboard/api/
    language.py), with ``lang`` and each indicator's ``fallback``; ids, codes and links stay as they are."""
    m = release.manifest
    meta = {
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
    if config is not None and lang is not None:
        _in_language(meta, m, config, lang)
        meta["attribution"] = attribution(release, config, lang)
        meta["citation"] = citation(release, config, lang)
        for entry in meta["indicators"]:  # an indicator's attribution is the publication's unless it has its own
            if entry["attribution"] and entry["attribution"] == release.manifest.get("attribution"):
                entry["attribution"] = meta["attribution"]
    return meta


def _in_language(meta: dict, manifest: dict, config: Config, lang: str) -> None:
    meta["lang"] = lang
    if lang != config.languages.default and config.translations.get(lang, {}).get("title"):
        meta["title"] = _title({**manifest, "title": config.translations[lang]["title"]}, lang,
                               manifest.get("title"))
    else:
        meta["title"] = _title(manifest, lang)
    meta["status"] = words.status_texts(lang)
    for entry in meta["indicators"]:
        texts, fallback = language.indicator_texts(config, entry, lang)
        entry.update(texts)
        if entry.get("sources"):  # sources' titles and publishers too (sources[].translations)
            entry["sources"] = [language.source_texts(config, s, lang)[0] for s in entry["sources"]]
        entry["fallback"] = {"lang": config.languages.default, "fields": fallback} if fallback else None


#: Said after the title of a synthetic release's metadata whose title does not say so itself.
SYNTHETIC_TITLE = N_("{title} (synthetic data)")


def _title(manifest: dict, lang: str = "en", default_title: str | None = None) -> str:
    """The release's title, marked as synthetic when its data are and its title (``default_title``: the default
    language's, when ``manifest`` holds a translation) does not say so."""
    title = manifest.get("title") or "OpenMeasure"
    said = (default_title or title).lower()
    if manifest.get("synthetic") and "synthetic" not in said:
        title = translator(lang).gettext(SYNTHETIC_TITLE).format(title=title)
    return title


#: The labels of the metadata rows (the xlsx and ods metadata sheet), translated with the UI's catalogues.
LABELS = {
    "title": N_("Title"), "release": N_("Release"), "created": N_("Release date"), "licence": N_("Licence"),
    "attribution": N_("Attribution (required)"), "citation": N_("Citation"), "url": N_("Source URL"),
    "lang": N_("Language"), "periods": N_("Periods"), "span": N_("{start} to {end}"), "filter": N_("Filter: {name}"),
    "indicator": N_("Indicator {id}"), "unit": N_("{indicator}: unit"), "multiplier": N_("{indicator}: multiplier"),
    "decimals": N_("{indicator}: decimals"), "ind_licence": N_("{indicator}: licence"),
    "ind_attribution": N_("{indicator}: attribution"), "methodology": N_("{indicator}: methodology"),
    "page": N_("{indicator}: methodology page"), "link": N_("{indicator}: methodology link"),
    "source": N_("{indicator}: source"), "none": N_("none listed"), "caveats": N_("{indicator}: caveats"),
    "fallback": N_("{indicator}: not translated yet"), "status": N_("Status '{status}'"),
}


#: The spreadsheets' own words (xlsx.py, ods.py): the sheets' names and the metadata sheet's headers.
SHEET_WORDS = {"data": N_("data"), "metadata": N_("metadata"), "field": N_("field"), "value": N_("value"),
               "column": N_("column"), "description": N_("description")}


def sheet_words(meta: dict) -> dict[str, str]:
    """:data:`SHEET_WORDS` in the language of ``meta["lang"]`` (a sheet's name has no ``[]:*?/\\`` in any)."""
    t = translator(meta.get("lang") or "en").gettext
    return {k: t(v) for k, v in SHEET_WORDS.items()}


def sheet_columns(meta: dict, names: list[str]) -> dict[str, str]:
    """The values' columns described in the language of ``meta["lang"]`` (the metadata sheet's second table)."""
    lang = meta.get("lang") or "en"
    return {n: words.column_text(schema.INDICATOR_VALUES, n, lang) for n in names}


def metadata_rows(meta: dict) -> list[tuple[str, str]]:
    """The metadata as (field, text) rows: the xlsx metadata sheet and the zip README use these; the labels in
    the language of ``meta["lang"]`` (English without one)."""
    t = translator(meta.get("lang") or "en").gettext
    label = {k: t(v) for k, v in LABELS.items()}
    rows = [(label["title"], meta["title"]), (label["release"], meta["release"]["id"]),
            (label["created"], meta["release"]["created"] or ""), (label["licence"], meta["licence"] or ""),
            (label["attribution"], meta["attribution"] or ""), (label["citation"], meta["citation"]),
            (label["url"], meta["url"])]
    if meta.get("lang"):
        rows.append((label["lang"], meta["lang"]))
    if meta["periods"]:
        rows.append((label["periods"], label["span"].format(start=meta["periods"]["from"],
                                                            end=meta["periods"]["to"])))
    for k, v in sorted(meta["query"].items()):
        rows.append((label["filter"].format(name=k), ", ".join(v) if isinstance(v, list | tuple) else str(v)))
    for ind in meta["indicators"]:
        p = label["indicator"].format(id=ind["id"])

        def at(key: str, p: str = p) -> str:
            return label[key].format(indicator=p)
        rows += [(p, ind["title"]), (at("unit"), ind["unit"]),
                 (at("multiplier"), str(ind["multiplier"])), (at("decimals"), str(ind["decimals"])),
                 (at("ind_licence"), ind["licence"] or ""),
                 (at("ind_attribution"), ind["attribution"] or ""), (at("methodology"), ind["methodology"]),
                 (at("page"), ind["methodology_page"]),
                 (at("link"), ind["methodology_url"])]
        rows += [(at("source"), source_text(src)) for src in ind["sources"]] or [(at("source"), label["none"])]
        if ind["caveats"]:
            rows.append((at("caveats"), ind["caveats"]))
        if ind.get("fallback"):
            rows.append((at("fallback"), ", ".join(ind["fallback"]["fields"])))
    rows += [(label["status"].format(status=k), v) for k, v in meta["status"].items()]
    return rows


_CSVW_TYPES = {"string": "string", "large_string": "string", "double": "double", "float": "double",
               "int64": "integer", "int32": "integer", "bool": "boolean"}


def csvw(meta: dict, csv_url: str, schema_fields: list[tuple[str, str]],
         table: schema.Table = schema.INDICATOR_VALUES) -> dict:
    """A CSV on the Web descriptor (W3C tabular metadata) for a CSV download of ``table`` (core.schema: the
    columns' descriptions), in the language of ``meta["lang"]``: the context's ``@language``, so the title and
    the columns' descriptions are that language's literals; a description with no translation yet is an
    English literal (``{"@value": ..., "@language": "en"}``). The columns' ``titles`` are their names, as the
    CSV's header row has them (a CSVW processor matches them), in every language."""
    lang = meta.get("lang") or "en"
    return {
        "@context": ["http://www.w3.org/ns/csvw", {"@language": lang}],
        "url": csv_url,
        "dc:title": {"@value": meta["title"], "@language": meta["lang"]} if meta.get("lang") else meta["title"],
        "dc:license": meta["licence"],
        "dc:publisher": meta["attribution"],
        "dc:bibliographicCitation": meta["citation"],
        "dc:issued": meta["release"]["created"],
        "dc:identifier": meta["release"]["id"],
        "dialect": {"header": True, "encoding": "utf-8", "delimiter": ","},
        "tableSchema": {"columns": [
            {"name": n, "titles": n, "datatype": _CSVW_TYPES.get(t, "string"),
             "dc:description": _described(table, n, lang), "null": ""} for n, t in schema_fields]},
        "notes": [{"status": meta["status"], "indicators": meta["indicators"], "periods": meta["periods"],
                   "query": meta["query"]}],
    }


def _described(table: schema.Table, name: str, lang: str) -> str | dict:
    said = words.column_text(table, name, lang)
    if lang != "en" and said == table.describe(name):  # no translation: an English literal, tagged so
        return {"@value": said, "@language": "en"}
    return said


def frictionless_fields(schema_fields: list[tuple[str, str]],
                        table: schema.Table = schema.INDICATOR_VALUES, lang: str = "en") -> list[dict]:
    kinds = {"string": "string", "large_string": "string", "double": "number", "float": "number",
             "int64": "integer", "int32": "integer", "bool": "boolean"}
    return [{"name": n, "type": kinds.get(t, "string"), "description": words.column_text(table, n, lang)}
            for n, t in schema_fields]


#: The zip's README, in the language of its metadata (``meta["lang"]``).
README = {
    "published": N_("Release {release}, published {date}."),
    "unpublished": N_("Release {release}, publication date unknown."),
    "licensing": N_("Licence and citation"), "licence": N_("Licence: {licence}"),
    "attribution": N_("Attribution (required): {attribution}"), "cite": N_("Cite as: {citation}"),
    "synthetic": N_("**These data are synthetic** (a demonstration); they describe no real place."),
    "files": N_("Files"), "indicators": N_("Indicators"),
    "unit": N_("unit: {unit} (multiplier {multiplier})"), "decimals": N_("decimals: {decimals}"),
    "terms": N_("licence: {licence}; attribution: {attribution}"),
    "methodology": N_("methodology: {methodology} ({page}; as JSON: {url})"),
    "sources": N_("sources: {sources}"), "caveats": N_("caveats: {caveats}"),
    "columns": N_("Columns of indicator_values (CSV and Parquet)"), "status": N_("Status of a value"),
    "language": N_("The words of this file and of the metadata files are in {language}; the values, codes "
                   "and column names are the same in every language."),
}


def readme(meta: dict, files: list[str], columns: list[str] | None = None) -> str:
    """The zip's README.md: licence and citation, files, indicators, ``columns`` of the values, status words;
    its words in the language of ``meta["lang"]`` (English without one), its numbers and dates written as
    that language writes them."""
    lang = meta.get("lang") or "en"
    t = translator(lang).gettext
    said = {k: t(v) for k, v in README.items()}
    rel = meta["release"]
    date = i18n.date(rel["created"], lang) if rel["created"] else ""
    lines = [f"# {meta['title']}", "", (said["published"] if date else said["unpublished"]).format(
        release=rel["id"], date=date), ""]
    if meta.get("lang"):
        name = i18n.locale(lang).get_display_name(i18n.locale(lang)) or lang
        lines += [said["language"].format(language=name), ""]
    lines += [f"## {said['licensing']}", "", said["licence"].format(licence=meta["licence"]),
              said["attribution"].format(attribution=meta["attribution"]),
              said["cite"].format(citation=meta["citation"]), ""]
    if meta["synthetic"]:
        lines += [said["synthetic"], ""]
    lines += [f"## {said['files']}", ""] + [f"- {f}" for f in files] + ["", f"## {said['indicators']}", ""]
    for ind in meta["indicators"]:
        sources = "; ".join(source_text(s) for s in ind["sources"]) or t(LABELS["none"])
        multiplier = "" if ind["multiplier"] is None else i18n.number(ind["multiplier"], lang)
        lines += [f"### {ind['id']}: {ind['title']}", "",
                  "- " + said["unit"].format(unit=ind["unit"], multiplier=multiplier),
                  "- " + said["decimals"].format(decimals=i18n.number(ind["decimals"], lang)),
                  "- " + said["terms"].format(licence=ind["licence"], attribution=ind["attribution"]),
                  "- " + said["methodology"].format(methodology=ind["methodology"], page=ind["methodology_page"],
                                                    url=ind["methodology_url"]),
                  "- " + said["sources"].format(sources=sources)]
        if ind["caveats"]:
            lines.append("- " + said["caveats"].format(caveats=ind["caveats"]))
        lines.append("")
    if columns:
        lines += [f"## {said['columns']}", ""]
        described = {c: words.column_text(schema.INDICATOR_VALUES, c, lang) for c in columns
                     if COLUMN_TEXT.get(c)}
        lines += [f"- `{c}`: {described[c]}" if c in described else f"- `{c}`" for c in columns] + [""]
    lines += [f"## {said['status']}", ""] + [f"- `{k}`: {v}" for k, v in meta["status"].items()]
    return "\n".join(lines) + "\n"


def _num(x) -> float | int | None:
    if x is None or pd.isna(x):
        return None
    return int(x) if float(x).is_integer() else float(x)
