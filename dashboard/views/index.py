"""The index pages: ``/indicator`` (every indicator, by theme) and ``/area`` (every area, by level, with its
real parent chain), each with a search (``?q=``) that finds an indicator, or a place by name or code.

The search is a plain GET form, so it works without JavaScript too: the same content is rendered as HTML on
the server and put in the page's ``<noscript>`` (:func:`noscript_html`, called from dashboard/app.py). A
geography may be ragged and have several roots: an area's chain is its real parents (``data.ancestors``),
whatever their levels. Long levels list their first :data:`LEVEL_LIMIT` areas and say how to find the rest.
"""

from __future__ import annotations

from html import escape
from urllib.parse import quote

from dash import dcc, html

from dashboard import context, data, language
from dashboard.api import language as texts
from dashboard.components import levels, ui
from dashboard.i18n import N_
from dashboard.language import _
from dashboard.release_reader import Release
from dashboard.views import area_words
from dashboard.views.common import guarded

#: Areas listed per level without a search (a level of 5,000 councils is searched, not scrolled).
LEVEL_LIMIT = 300
#: Search results shown at most.
RESULT_LIMIT = 100
#: The longest search kept (a longer one is cut; it is a name or a code, not a document).
MAX_QUERY = 100

INDICATOR_SEARCH = ("indicator-search", N_("Search indicators"),
                    N_("A word of the title or description, or the id."))
AREA_SEARCH = ("area-search", N_("Find a place"), N_("A name or a code, for example part of a council's name."))


def clean(q) -> str:
    return " ".join(str(q or "").split())[:MAX_QUERY]


def _link(text: str, href: str) -> str:
    return f'<a href="{escape(language.href(href), quote=True)}">{escape(text)}</a>'


def _area_href(code: str) -> str:
    return "/area/" + quote(code, safe="")


def chain_text(release: Release, code: str) -> str:
    """'Root › Parent' (the real parents, root first); '' for a root."""
    return " › ".join(data.area_name(release, a) or a for a in data.ancestors(release, code))


# --- indicators -------------------------------------------------------------------------------------------
def indicator_matches(release: Release, q: str) -> list[dict]:
    rows = release.indicators.sort_values(["theme", "title"]).to_dict("records")
    if not q:
        return rows
    words = q.casefold().split()
    def text(r):
        return " ".join(str(r.get(k) or "") for k in ("id", "title", "theme", "description", "unit")).casefold()
    return [r for r in rows if all(w in text(r) for w in words)]


def _in(text: str, fell_back: bool) -> str:
    """A text as HTML; one given in the default language on a page in another says so (``lang``, 3.1.2)."""
    if not fell_back:
        return escape(text)
    return f'<span lang="{escape(language.default())}">{escape(text)}</span>'


def indicators_html(release: Release, q: str) -> str:
    """Every indicator by theme, in the reader's language: titles, units and themes from the config's
    translations (one with none is shown in the default language, marked with its ``lang``)."""
    rows = indicator_matches(release, q)
    config, lang = context.config(), language.current()
    out = []
    if q:
        n = len(rows)
        out.append('<p role="status" id="indicator-results">'
                   + escape(language.ngettext("{n} indicator matches “{q}”.", "{n} indicators match “{q}”.", n)
                            .format(n=fmt_count(n), q=q)) + "</p>")
    themes: dict[str, list[dict]] = {}
    for r in rows:
        themes.setdefault(str(r["theme"]), []).append(r)
    for theme, items in themes.items():
        lis = []
        for r in items:
            words, fell_back = texts.indicator_texts(config, r, lang)
            title = _in(str(words.get("title") or r["title"]), "title" in fell_back)
            href = escape(language.href("/indicator/" + quote(str(r["id"]), safe="")), quote=True)
            unit = (f' <span class="hint">({_in(str(words["unit"]), "unit" in fell_back)})</span>'
                    if r.get("unit") else "")
            lis.append(f'<li><a href="{href}">{title}</a>{unit}</li>')
        name, fell_back = texts.theme_label(config, theme, lang)
        name = theme.capitalize() if name == theme else name
        out.append(f'<h2>{_in(name, fell_back)}</h2><ul class="index-list">{"".join(lis)}</ul>')
    return "".join(out)


def fmt_count(n: int) -> str:
    from dashboard.components import fmt

    return fmt.number(n, 0)


# --- areas ------------------------------------------------------------------------------------------------
def area_matches(release: Release, q: str) -> list[dict]:
    """Areas whose name or code contains every word of ``q`` (case ignored): an exact code first, then names
    that start with the query, then the rest, each group in the order of the levels and names."""
    needle = q.casefold()
    words = needle.split()
    rows = data.area_options_rows(release)
    found = [r for r in rows if all(w in f"{r['name']} {r['area_code']}".casefold() for w in words)]

    def rank(r):
        code, name = str(r["area_code"]).casefold(), str(r["name"]).casefold()
        return 0 if code == needle else 1 if name == needle else 2 if name.startswith(needle) else 3
    return sorted(found, key=rank)


def _area_table(release: Release, rows: list[dict], caption: str, with_level: bool) -> str:
    cols = [("area", _("Area")), ("code", _("Code"))] + ([("level", _("Level"))] if with_level else []) + \
           [("chain", _("Part of"))]
    body = [{"area": ui.Link(str(r["name"]), _area_href(str(r["area_code"]))), "code": r["area_code"],
             "level": area_words.level_label(str(r["level"])), "chain": chain_text(release, str(r["area_code"])) or "–"}
            for r in rows]
    return ui.table_html(cols, body, caption)


def areas_html(release: Release, q: str) -> str:
    if q:
        found = area_matches(release, q)
        shown = found[:RESULT_LIMIT]
        n = len(found)
        if n > len(shown):
            words = _("{n} places match “{q}”; the first {shown} are listed. Add a word to narrow the search.")
        else:
            words = language.ngettext("{n} place matches “{q}”.", "{n} places match “{q}”.", n)
        head = (f'<p role="status" id="area-results">'
                f"{escape(words.format(n=fmt_count(n), q=q, shown=fmt_count(RESULT_LIMIT)))}</p>")
        return head + (_area_table(release, shown, _("Places matching “{q}”").format(q=q), True) if shown else "")
    out = []
    for level in release.levels:
        rows = [r for r in data.area_options_rows(release) if r["level"] == level]
        if not rows:
            continue
        shown = rows[:LEVEL_LIMIT]
        more = ('<p class="hint">' + escape(_("Showing {shown} of {n}; search above to find any of them.").format(
                    shown=fmt_count(len(shown)), n=fmt_count(len(rows)))) + "</p>"
                if len(rows) > len(shown) else "")
        name = level_heading(level)
        out.append(f"<h2>{escape(name)} ({fmt_count(len(rows))})</h2>{more}"
                   + _area_table(release, shown, name, False))
    return "".join(out)


def level_heading(level: str) -> str:
    """A level's heading: its plural label in the default language (``geography.level_labels``), its name
    in another (``languages.levels`` gives one form)."""
    if language.current() == language.default():
        return levels.label(level, plural=True)
    return area_words.level_label(level)


# --- pages ------------------------------------------------------------------------------------------------
def _lang_field() -> list:
    """The search keeps the page's language (dashboard/language.py): a hidden ``lang`` field of the form."""
    return [dcc.Input(type="hidden", name="lang", value=language.current())] if language.keeps_lang() else []


def search_form(action: str, spec: tuple[str, str, str], q: str):
    control_id, label, hint = spec[0], _(spec[1]), _(spec[2])
    return html.Form([
        html.Label(label, htmlFor=control_id),
        html.P(hint, className="hint", id=f"{control_id}-hint"),
        html.Div([dcc.Input(id=control_id, name="q", type="search", value=q, debounce=True,
                            autoComplete="off"),
                  html.Button(_("Search"), type="submit", className="search-button")], className="search-row"),
        *_lang_field(),
        html.A(_("Clear the search"), href=action) if q else None,
    ], method="get", action=action, role="search", className="controls index-search", **{"aria-label": label})


def search_form_html(action: str, spec: tuple[str, str, str], q: str) -> str:
    control_id, label, hint = spec[0], _(spec[1]), _(spec[2])
    clear = f' <a href="{escape(language.href(action), quote=True)}">{escape(_("Clear the search"))}</a>' if q else ""
    lang = "".join(f'<input type="hidden" name="lang" value="{escape(f.value, quote=True)}">' for f in _lang_field())
    return (f'<form method="get" action="{action}" role="search" class="controls index-search" '
            f'aria-label="{escape(label)}"><label for="{control_id}">{escape(label)}</label>'
            f'<p class="hint" id="{control_id}-hint">{escape(hint)}</p><div class="search-row">'
            f'<input id="{control_id}" name="q" type="search" value="{escape(q, quote=True)}" '
            f'aria-describedby="{control_id}-hint" autocomplete="off"> <button type="submit" class="search-button">'
            f"{escape(_('Search'))}</button></div>{lang}{clear}</form>")


def _page(title: str, intro: str, form, body_html: str):
    return html.Div([html.H1(title), html.P(intro), form,
                     dcc.Markdown(body_html, dangerously_allow_html=True, className="table-html index-body")])


@guarded
def indicators_layout(q: str | None = None, **_kwargs):
    rel, q = context.release(), clean(q)
    return _page(_("Indicators"), _("Every indicator of the current release, by theme. Each opens its map, "
                                    "ranking and trend."), search_form("/indicator", INDICATOR_SEARCH, q),
                 indicators_html(rel, q))


@guarded
def areas_layout(q: str | None = None, **_kwargs):
    rel, q = context.release(), clean(q)
    return _page(_("Areas"), _("Every area of the current release, level by level, with the areas it is part "
                               "of. Each opens its profile."), search_form("/area", AREA_SEARCH, q), areas_html(rel, q))


def noscript_html(path: str, q) -> str | None:
    """The index page at ``path`` as plain HTML for a browser without JavaScript; None for other pages."""
    path = path.rstrip("/") or "/"
    if path not in ("/indicator", "/area"):
        return None
    try:
        rel, q = context.release(), clean(q)
    except Exception:  # noqa: BLE001 (the page itself says why; the fallback just stays empty)
        return None
    if path == "/indicator":
        title, form, body = escape(_("Indicators")), search_form_html(path, INDICATOR_SEARCH, q), indicators_html(rel, q)
    else:
        title, form, body = escape(_("Areas")), search_form_html(path, AREA_SEARCH, q), areas_html(rel, q)
    return f'<main id="main-noscript"><h1>{title}</h1>{form}{body}</main>'
