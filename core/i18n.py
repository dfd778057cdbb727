"""The reader's language: which one a request gets, text in it, and numbers, dates and periods written as the
reader writes them (Babel, CLDR data).

- :func:`negotiate`: ``?lang=`` when given (one the deployment does not offer is an :class:`UnknownLanguage`,
  which the API answers as a 400 naming the parameter), else the best of the ``Accept-Language`` header, else
  the deployment's default (``languages.default``).
- :func:`pick`: a translatable text (a plain string in the default language, and ``{lang: text}`` beside it)
  in a language, with whether it fell back to the default language.
- :func:`number`, :func:`percent`, :func:`date`, :func:`period`, :func:`plural`: locale formatting. What CLDR
  writes is kept as it is: French groups thousands with a narrow no-break space (U+202F, "1 234,5") and puts
  a no-break space (U+00A0) before the percent sign ("12,5 %"); German writes "1.234,5" and "12,5 %".
- :func:`gettext_catalogue`: the UI's gettext catalogue of a language, compiled in memory from its ``.po``
  (no ``.mo`` is built or committed; see docs/translations.md).

This module knows no config model: callers pass the languages they offer.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import gettext
import io
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_skeleton
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from core.errors import OpenMeasureError

DEFAULT_LANGUAGE = "en"

#: A language tag as ``?lang=`` and the config take it: a BCP 47 language (``fr``), optionally with a region or
#: script (``pt-BR``, ``sr-Latn``).
LANGUAGE_TAG = r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$"
_TAG = re.compile(LANGUAGE_TAG)


class UnknownLanguage(OpenMeasureError):
    """A language the deployment does not offer (``?lang=xx``)."""

    def __init__(self, lang: str, available: Iterable[str]):
        self.lang = lang
        self.available = list(available)
        super().__init__(f"unknown language {lang!r}; this deployment offers {', '.join(self.available)}")


@functools.lru_cache(maxsize=64)
def locale(lang: str) -> Locale:
    """Babel's locale of a language tag (``pt-BR`` is read as ``pt_BR``); ValueError for one CLDR does not know."""
    if not isinstance(lang, str) or not _TAG.match(lang):
        raise ValueError(f"{lang!r} is not a language tag (such as 'en', 'fr' or 'pt-BR')")
    try:
        return Locale.parse(lang, sep="-")
    except (UnknownLocaleError, ValueError):
        raise ValueError(f"{lang!r} is not a language CLDR knows (such as 'en', 'fr' or 'pt-BR')") from None


def is_language(lang: str) -> bool:
    try:
        locale(lang)
    except ValueError:
        return False
    return True


def display_name(lang: str) -> str:
    """The language's name in itself ("français", "Deutsch"), as a language switcher shows it."""
    name = locale(lang).get_display_name(locale(lang)) or lang
    return name[:1].upper() + name[1:]


def accept_language(header: str | None) -> list[str]:
    """The languages of an ``Accept-Language`` header, most wanted first (q=0 and ``*`` left out; equal
    weights keep the header's order); a malformed entry is skipped, never an error."""
    entries = []
    for n, part in enumerate((header or "").split(",")):
        tag, _, params = part.strip().partition(";")
        tag = tag.strip()
        q = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = -1.0
        if tag and tag != "*" and 0 < q <= 1 and re.fullmatch(r"[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*", tag):
            entries.append((-q, n, tag))
    return [tag for _, _, tag in sorted(entries)]


def negotiate(lang_param: str | None, accept_language_header: str | None, available: Iterable[str],
              default: str = DEFAULT_LANGUAGE) -> str:
    """The language of a request (see the module's docstring). A header's ``fr-CH`` matches an offered ``fr``
    (and ``fr`` an offered ``fr-CH`` when no plain ``fr`` is offered); tags compare without regard to case."""
    offered = list(available) or [default]
    by_lower = {a.lower(): a for a in offered}
    if lang_param is not None and lang_param != "":
        if lang_param.lower() in by_lower:
            return by_lower[lang_param.lower()]
        raise UnknownLanguage(lang_param, offered)
    for wanted in accept_language(accept_language_header):
        wanted = wanted.lower()
        if wanted in by_lower:
            return by_lower[wanted]
        primary = wanted.split("-")[0]
        if primary in by_lower:
            return by_lower[primary]
        for a in offered:
            if a.lower().split("-")[0] == primary:
                return a
    return default


def pick(text: str, translations: Mapping[str, str] | None, lang: str) -> tuple[str, bool]:
    """``(text in lang, fell_back)``: the translation when there is one, else ``text`` (the default
    language's) with ``fell_back`` True. An empty default text never counts as a fallback."""
    found = (translations or {}).get(lang)
    if found:
        return found, False
    return text, bool(text)


# --- locale formatting ---------------------------------------------------------------------------------


def _pattern(kind: str, lang: str, decimals: int | None):
    loc = locale(lang)
    pattern = copy.copy((loc.percent_formats if kind == "percent" else loc.decimal_formats)[None])
    if decimals is not None:
        pattern.frac_prec = (decimals, decimals)
    return loc, pattern


def number(value: float | int | None, lang: str, decimals: int | None = None) -> str:
    """A number as the language writes it (``decimals``: exactly that many; None: as many as it has, up to
    the locale's usual three). None or NaN is the empty string."""
    if value is None or value != value:
        return ""
    loc, pattern = _pattern("decimal", lang, decimals)
    return pattern.apply(value, loc)


def percent(share: float | None, lang: str, decimals: int | None = 0) -> str:
    """A share (0.125) as a percentage in the language's way ("12.5%", "12,5 %")."""
    if share is None or share != share:
        return ""
    loc, pattern = _pattern("percent", lang, decimals)
    return pattern.apply(share, loc)


def date(value: dt.date | dt.datetime | str, lang: str, format: str = "long") -> str:
    """A date in the language ("7 December 2026" is "December 7, 2026", "7 décembre 2026", "7. Dezember
    2026"); ``value`` may be an ISO date string; ``format``: short, medium, long, full or a CLDR pattern."""
    if isinstance(value, str):
        value = dt.date.fromisoformat(value[:10])
    if isinstance(value, dt.datetime):
        value = value.date()
    return format_date(value, format=format, locale=locale(lang))


_PERIOD = re.compile(r"^(\d{4})(?:-Q([1-4])|-(\d{2}))?$")


def period(value: str, lang: str) -> str:
    """A period as the observations write it (``2030``, ``2030-Q1``, ``2030-07``) in words: "2030", "1st
    quarter 2030" / "1er trimestre 2030" / "1. Quartal 2030", "July 2030" / "juillet 2030" / "Juli 2030".
    Anything else is returned as it is."""
    m = _PERIOD.match(str(value))
    if not m:
        return str(value)
    year, quarter, month = m.groups()
    if quarter:
        return format_skeleton("yQQQQ", dt.date(int(year), 3 * int(quarter) - 2, 1), locale=locale(lang))
    if month and 1 <= int(month) <= 12:
        return format_skeleton("yMMMM", dt.date(int(year), int(month), 1), locale=locale(lang))
    return year if not month else str(value)


def plural_category(n: float, lang: str) -> str:
    """CLDR's plural category of ``n`` in the language: ``one``, ``other``, ... (French puts 0 and 1 in
    ``one``, English and German only 1)."""
    return locale(lang).plural_form(abs(n))


def plural(n: float, forms: Mapping[str, str], lang: str, decimals: int | None = None) -> str:
    """The form of ``forms`` (``{"one": "{n} area", "other": "{n} areas"}``) for ``n``'s plural category
    (``other`` when the category has no form), with ``{n}`` replaced by the number written in the language."""
    form = forms.get(plural_category(n, lang)) or forms["other"]
    return form.replace("{n}", number(n, lang, decimals))


# --- gettext catalogues --------------------------------------------------------------------------------


@functools.lru_cache(maxsize=32)
def _compiled(po: Path, mtime_ns: int) -> gettext.GNUTranslations:
    with po.open("rb") as fh:
        catalog = read_po(fh, locale=po.parent.parent.name)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)  # fuzzy entries are left out, as pybabel compile leaves them out
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def gettext_catalogue(localedir: str | Path, lang: str, domain: str = "messages") -> gettext.NullTranslations:
    """The catalogue ``<localedir>/<lang>/LC_MESSAGES/<domain>.po`` compiled in memory (again only when the file
    changes), or the identity when there is none (the default language's text is the msgid itself)."""
    po = Path(localedir) / lang.replace("-", "_") / "LC_MESSAGES" / f"{domain}.po"
    if not po.is_file():
        return gettext.NullTranslations()
    return _compiled(po, po.stat().st_mtime_ns)


def catalogue_languages(localedir: str | Path, domain: str = "messages") -> list[str]:
    """The languages with a catalogue in ``localedir`` (``pt_BR`` is given as ``pt-BR``)."""
    root = Path(localedir)
    return sorted(p.parent.parent.name.replace("_", "-") for p in root.glob(f"*/LC_MESSAGES/{domain}.po"))
