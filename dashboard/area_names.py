"""The name a page shows for an area, in the reader's language (docs/translations.md, "Area names").

A release whose areas table has names in other languages (``native_name`` and ``native_lang``, ``name_<lang>``:
core/area_names.py) is read once per release and language: a reader of ``fr`` is shown the area's French name
when the table has one, else its native name beside the one of ``name`` when they differ (``Αττική
(Attiki)``), else ``name``. :func:`area_name` gives it as text (titles, options, a chart's hover),
:func:`area_label` as a page's content, the part in another language marked with ``lang`` (WCAG 3.1.2).
A release without such names answers ``name`` in every language, from one memo.
"""

from __future__ import annotations

from dash import html

from core import area_names
from dashboard import language
from dashboard.release_reader import Release

Parts = list[tuple[str, str | None]]


def has_names(release: Release) -> bool:
    """Whether the release's areas have names in other languages than ``name``."""
    def load() -> bool:
        columns = release.areas.columns
        return area_names.NATIVE_NAME in columns or bool(area_names.name_columns(columns))
    return release.memo(("area_has_names",), load)


def all_parts(release: Release, lang: str | None = None) -> dict[str, Parts]:
    """Every area's name for a reader of ``lang`` (the page's language when not given), as the parts of
    :func:`core.area_names.name_parts`."""
    if not has_names(release):
        return release.memo(("area_name_parts",), lambda: {
            c: [(n, None)] for c, n in zip(release.areas["area_code"], release.areas["name"], strict=True)})
    lang = lang or language.current()

    def load() -> dict[str, Parts]:
        df = release.areas
        by_lang = {lang: df[c].tolist() for lang, c in area_names.name_columns(df.columns).items()}
        native = df[area_names.NATIVE_NAME].tolist() if area_names.NATIVE_NAME in df else [None] * len(df)
        native_lang = df[area_names.NATIVE_LANG].tolist() if area_names.NATIVE_LANG in df else [None] * len(df)
        out = {}
        for i, (code, name) in enumerate(zip(df["area_code"], df["name"], strict=True)):
            names = {k: v[i] for k, v in by_lang.items() if isinstance(v[i], str) and v[i]}
            out[code] = area_names.name_parts(name, lang, native=native[i], native_lang=native_lang[i], names=names)
        return out
    return release.memo(("area_name_parts", lang), load)


def area_name(release: Release, code: str) -> str | None:
    """The area's name in the page's language as text (``Αττική (Attiki)``); None for a code that is not an
    area of the release."""
    parts = all_parts(release).get(code)
    return None if parts is None else area_names.plain(parts)


def area_label(release: Release, code: str) -> str | list | None:
    """The area's name in the page's language as a page's content: a part in another language than the page's
    is a ``Span`` with its ``lang`` (``<span lang="el">Αττική</span> (Attiki)``); plain text (the same as
    :func:`area_name`) when nothing is; None for an unknown code."""
    parts = all_parts(release).get(code)
    if parts is None:
        return None
    page = area_names.primary(language.current())
    marked = [html.Span(text, lang=tag) if tag and area_names.primary(tag) != page else text for text, tag in parts]
    return marked if any(isinstance(p, html.Span) for p in marked) else area_names.plain(parts)
