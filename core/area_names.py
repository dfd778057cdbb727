"""Area names in more than one language: the areas table's own names (``geography.areas.native_name``: each
area's name in its own language and script, NUTS's ``NUTS_NAME``; ``geography.areas.names``: a column of
names per language), the language of each native name, and which name a reader of a language is shown.

A release keeps them as columns of ``areas.parquet`` after the attributes: ``native_name`` and ``native_lang``
(the language tag of that name, empty where it is not known) and ``name_<lang>`` (``name_fr``) per language of
``names``. They are written only when the config names them, so a release without them is unchanged.

Which name a reader of ``lang`` gets (:func:`name_parts`), docs/translations.md "Area names":

1. the area's name in ``lang`` (``names``), when the table has one;
2. else, when its native name differs from ``name`` (Greek, Bulgarian, Serbian... names in their own script
   beside the Latin one): the native name, with its language, then ``name`` in brackets, ``Αττική (Attiki)``;
   the native name alone for a reader of its own language;
3. else ``name``.
"""

from __future__ import annotations

import re

#: The language of a NUTS country's names (``NUTS_NAME``), by the code's first two letters (NUTS writes
#: Greece ``EL`` and the United Kingdom ``UK``): ``geography.areas.native_language: nuts``. Countries whose
#: regions are named in several languages (Belgium, Switzerland, Luxembourg) are left out: their native
#: names are not marked with a language. Montenegro's Cyrillic names are marked as Serbian as used in
#: Montenegro (``sr-ME``), which every screen reader knows.
NUTS_LANGUAGES: dict[str, str] = {
    "AL": "sq", "AT": "de", "BG": "bg", "CY": "el", "CZ": "cs", "DE": "de", "DK": "da", "EE": "et", "EL": "el",
    "ES": "es", "FI": "fi", "FR": "fr", "HR": "hr", "HU": "hu", "IE": "en", "IS": "is", "IT": "it", "LI": "de",
    "LT": "lt", "LV": "lv", "ME": "sr-ME", "MK": "mk", "MT": "mt", "NL": "nl", "NO": "no", "PL": "pl", "PT": "pt",
    "RO": "ro", "RS": "sr", "SE": "sv", "SI": "sl", "SK": "sk", "TR": "tr", "UK": "en",
}

#: The release's columns of native names and their languages (core.schema.AREAS: further columns).
NATIVE_NAME = "native_name"
NATIVE_LANG = "native_lang"


def name_column(lang: str) -> str:
    """The release's column of the names in ``lang`` (``geography.areas.names``)."""
    return f"name_{lang}"


def name_columns(columns) -> dict[str, str]:
    """``{language: column}`` of the release's columns of names per language (``name_fr``, ``name_pt-BR``)."""
    return {c[len("name_"):]: c for c in columns if re.fullmatch(r"name_[a-z]{2,3}(-[A-Za-z0-9]{2,8})*", c)}


def language_of(code: str, table: dict[str, str]) -> str:
    """The language of an area's native name from its code: the tag of the longest prefix of ``code`` in
    ``table`` (``{"EL": "el", "BE1": "fr"}``), empty when none matches."""
    best = ""
    for prefix in table:
        if code.startswith(prefix) and len(prefix) > len(best):
            best = prefix
    return table[best] if best else ""


def primary(tag: str | None) -> str:
    """A language tag's language (``sr-ME`` -> ``sr``), lowercased."""
    return (tag or "").split("-")[0].lower()


def name_parts(name: str, lang: str, *, native: str | None = None, native_lang: str | None = None,
               names: dict[str, str] | None = None) -> list[tuple[str, str | None]]:
    """The name a reader of ``lang`` is shown, as ``(text, language tag or None)`` parts: a part with a tag is
    in that language (a page marks it with ``lang`` when it is not the page's), one without is ``name``'s or
    punctuation. ``names``: the area's names by language; ``native``: its native name, in ``native_lang``."""
    own = (names or {}).get(lang)
    if own:
        return [(own, lang)]
    if native and native != name:
        if native_lang and primary(native_lang) == primary(lang):
            return [(native, native_lang)]
        return [(native, native_lang or None), (f" ({name})", None)] if name else [(native, native_lang or None)]
    return [(name, None)]


def plain(parts: list[tuple[str, str | None]]) -> str:
    """The parts as one text (for a title, an option, a chart's hover)."""
    return "".join(text for text, _ in parts)
