"""The API's metadata in the reader's language (``?lang=``; docs/translations.md).

``?lang=`` takes one of ``languages.available``; any other is a 400 naming ``lang``. Without it an answer is in
``languages.default``: the API does not read ``Accept-Language``, so one address is one answer (caches,
ETags and permalinks hold) and a script gets what it asked for wherever it runs.

Only words change: an indicator's title, description, unit, methodology and caveats, and the name of its theme
(``theme_label``; ``theme`` stays the code the ``theme`` filter takes), and an area's level's name
(``level_label``). Ids, codes, area names and values never do: an area's record adds ``name_label``, the name a
reader of the language is shown (core/area_names.py: its name in the language, else its native name beside
``name``, ``Αττική (Attiki)``), beside the release's ``name``, ``native_name``, ``native_lang``, ``name_<lang>``. The
release keeps the default language's texts; the other languages come from the served config
(``indicators[].translations``), by indicator id. A text with no translation is given in the default language
and named in the record's ``fallback`` (``{"lang": "en", "fields": ["caveats"]}``; ``null`` when none).
"""

from __future__ import annotations

import pandas as pd
from werkzeug.datastructures import MultiDict

from core import area_names, i18n
from core.config_models import Config, needs_translation
from dashboard.api import params
from dashboard.api.errors import ApiError

#: The indicator texts a language changes (the release's columns of the same names).
INDICATOR_TEXTS = ("title", "description", "unit", "methodology", "caveats")


def requested(args: MultiDict, config: Config) -> str:
    """The language ``?lang=`` asks for (given once, and offered), else the default."""
    languages = config.languages
    got = params.single(args, "lang")
    if got is None:
        return languages.default
    if not got:  # the document's pattern refuses it: an empty lang is a mistake, not a request for the default
        raise ApiError(f"lang is empty; this server offers {', '.join(languages.available)} (without lang: "
                       f"{languages.default})", parameter="lang")
    try:
        return i18n.negotiate(got, None, languages.available, languages.default)
    except i18n.UnknownLanguage as exc:
        raise ApiError(f"unknown language {got[:64]!r}; this server offers {', '.join(exc.available)} "
                       f"(without lang: {languages.default})", parameter="lang") from None


def theme_label(config: Config, theme: str, lang: str) -> tuple[str, bool]:
    """A theme's name in ``lang`` (``languages.themes``), and whether it fell back to the default's."""
    if lang == config.languages.default:
        return theme, False
    found = config.languages.themes.get(theme, {}).get(lang)
    return (found, False) if found else (theme, needs_translation(theme))


def level_label(config: Config, level: str, lang: str) -> tuple[str, bool]:
    """A level's name in ``lang`` (``languages.levels``), and whether it fell back to the default's."""
    if lang == config.languages.default:
        return level, False
    found = config.languages.levels.get(level, {}).get(lang)
    return (found, False) if found else (level, needs_translation(level))


def source_texts(config: Config, source: dict, lang: str) -> tuple[dict, list[str]]:
    """``(source with its words in lang, [fields given in the default language])`` for one source as the
    release's indicators table lists it (JSON of id, title, publisher...: the default language's words); the
    config's ``sources[].translations`` give the others."""
    if lang == config.languages.default:
        return source, []
    own = next((s for s in config.sources if s.id == source.get("id")), None)
    translations = own.translations.get(lang, {}) if own is not None else {}
    out, fallback = dict(source), []
    for field in ("title", "publisher", "attribution"):
        if translations.get(field):
            out[field] = translations[field]
        elif needs_translation(source.get(field)):
            fallback.append(field)
    return out, fallback


def indicator_texts(config: Config, row: dict, lang: str) -> tuple[dict[str, str], list[str]]:
    """``({field: text in lang}, [fields given in the default language])`` for one row of the release's
    indicators (its texts are the default language's)."""
    default = config.languages.default
    texts = {f: row.get(f) or "" for f in INDICATOR_TEXTS if f in row}
    if lang == default:
        return texts, []
    by_id = {ind.id: ind for ind in config.indicators}
    translations = by_id[row["id"]].translations.get(lang, {}) if row.get("id") in by_id else {}
    fallback = []
    for field, own in texts.items():
        if translations.get(field):
            texts[field] = translations[field]
        elif needs_translation(own):
            fallback.append(field)
    return texts, fallback


def translated_indicators(df: pd.DataFrame, config: Config, lang: str) -> pd.DataFrame:
    """The release's indicators with their texts in ``lang`` (the same columns; a CSV's shape never changes)."""
    if lang == config.languages.default or df.empty:
        return df
    rows = [indicator_texts(config, row, lang)[0] for row in df.to_dict("records")]
    return df.assign(**{f: [r[f] for r in rows] for f in INDICATOR_TEXTS if f in df.columns})


def mark_records(records: list[dict], config: Config, lang: str, release_texts: pd.DataFrame) -> list[dict]:
    """The JSON records of the indicators (``release_texts``: the release's rows, in the same order) with their
    texts in ``lang``, ``lang``, ``theme_label`` and ``fallback``."""
    default = config.languages.default
    for record, row in zip(records, release_texts.to_dict("records"), strict=True):
        texts, fallback = indicator_texts(config, row, lang)
        record.update(texts)
        label, theme_fell_back = theme_label(config, row.get("theme") or "", lang)
        record["theme_label"] = label
        fields = fallback + (["theme_label"] if theme_fell_back else [])
        record["lang"] = lang
        record["fallback"] = {"lang": default, "fields": fields} if fields else None
    return records


def name_label(record: dict, lang: str) -> str:
    """The name a reader of ``lang`` is shown for an area's record (the release's name columns)."""
    names = {lang: record[c] for lang, c in area_names.name_columns(record).items()
             if isinstance(record[c], str) and record[c]}
    return area_names.plain(area_names.name_parts(record.get("name") or "", lang, native=record.get("native_name"),
                                                  native_lang=record.get("native_lang"), names=names))


def mark_areas(records: list[dict], config: Config, lang: str) -> list[dict]:
    """The JSON records of areas with ``level_label`` (the level's name in ``lang``, ``languages.levels``),
    ``name_label`` (:func:`name_label`) and ``lang``; ``fallback`` names ``level_label`` when the level has no
    name in ``lang``. ``name`` and the other name columns stay as the source gives them."""
    for record in records:
        record["name_label"] = name_label(record, lang)
        label, fell_back = level_label(config, record.get("level") or "", lang)
        record["level_label"] = label
        record["lang"] = lang
        record["fallback"] = {"lang": config.languages.default, "fields": ["level_label"]} if fell_back else None
    return records
