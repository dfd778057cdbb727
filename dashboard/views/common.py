"""Pieces every view uses: the release guard, the URL-sync callback, list parameters."""

from __future__ import annotations

import functools
import json
import logging
from urllib.parse import unquote

from dash import Input, Output, dcc, html

from core import i18n
from core.errors import StoreError
from core.integrity import DamagedRelease
from dashboard import language
from dashboard.components import fmt, ids, levels, ui
from dashboard.i18n import N_
from dashboard.language import _

log = logging.getLogger(__name__)


def guarded(layout_fn):
    """A page layout that shows a plain message instead of failing when no release is published.

    The layout goes back as plain dicts (:func:`ui.plain`), so Dash serialises it in one orjson call."""
    @functools.wraps(layout_fn)
    def wrapper(*args, **kwargs):
        try:
            return ui.plain(layout_fn(*args, **kwargs))
        except DamagedRelease as exc:
            log.error("page=%s damaged_release=%s file=%s", layout_fn.__module__, exc.release_id, exc.name)
            return ui.not_available(_("A file of release {release} ({name}) is damaged, so its figures are withheld "
                                      "until it is repaired. Please try again later.").format(
                                          release=exc.release_id, name=exc.name),
                                    _("Data temporarily unavailable"))
        except StoreError as exc:
            log.warning("page=%s error=%s", layout_fn.__module__, exc)
            return ui.not_available(_("No data has been published yet.") + " " + str(exc), _("No data yet"))
    return wrapper


def path_value(value: str | None) -> str | None:
    """A path variable (``/area/<code>``) decoded as the server decodes the path: Dash's router hands it over
    as the browser's address has it (``VL%31``), while the server, its 404 and the API read ``VL1``."""
    return unquote(value) if isinstance(value, str) else value


def release_store(release) -> dcc.Store:
    return dcc.Store(id=ids.RELEASE, data=release.id)


def split(value) -> list[str]:
    """A list parameter from the URL (``a,b,c``) or from a multi-select."""
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return [str(v) for v in value if v]
    return [v for v in str(value).split(",") if v]


def url_sync(app, target: str, params: dict[str, tuple[str, str]], path: str | None = None,
             path_param: str | None = None) -> None:
    """Write a page's selections into the address bar (history.pushState) without reloading the page.

    The page itself does not re-render (Dash's router is not told), so the map keeps its boundaries;
    Back restores the previous URL and the router draws the page from it. ``path`` is the page's path,
    or a prefix that ``path_param``'s value completes (``/indicator/`` + id). The address's ``lang`` is kept."""
    names = list(params)
    js = """
    function(...vals) {
        const names = __NAMES__, path = __PATH__, pathParam = __PARAM__;
        let base = path === null ? window.location.pathname : path;
        const q = new URLSearchParams();
        names.forEach((n, i) => {
            const v = vals[i];
            if (n === pathParam) { if (v) { base = path + encodeURIComponent(v); } return; }
            if (v === null || v === undefined || v === '' || (Array.isArray(v) && v.length === 0)) return;
            q.set(n, Array.isArray(v) ? v.join(',') : String(v));
        });
        const lang = new URLSearchParams(window.location.search).get('lang');
        if (lang) { q.set('lang', lang); }  // the page's language stays in its address (dashboard/language.py)
        const s = q.toString().replace(/%2C/g, ',');
        const url = base + (s ? '?' + s : '');
        if (window.location.pathname + window.location.search !== url) {
            window.history.pushState(null, '', url);
        }
        return window.dash_clientside.no_update;
    }
    """.replace("__NAMES__", json.dumps(names)).replace("__PATH__", json.dumps(path)) \
        .replace("__PARAM__", json.dumps(path_param))
    app.clientside_callback(js, Output(target, "children"),
                            [Input(cid, prop) for cid, prop in params.values()], prevent_initial_call=True)


def title_sync(app) -> None:
    """Set ``document.title`` from ``ids.PAGE_TITLE`` when a callback changes it: the page's subject changed
    without the router (which titles every page it draws), e.g. another area chosen on the overview (2.4.2).
    Not on a page's first drawing, so the router's title stands there and on every other page."""
    app.clientside_callback("function(title) { if (title) { document.title = title; } "
                            "return window.dash_clientside.no_update; }",
                            Output(ids.PAGE_TITLE_SYNC, "children"), Input(ids.PAGE_TITLE, "data"),
                            prevent_initial_call=True)


def page_title(title: str | None = None):
    """The holder of a page's title for :func:`title_sync`, and the hidden target of its callback."""
    return html.Div([dcc.Store(id=ids.PAGE_TITLE, data=title), html.Div(id=ids.PAGE_TITLE_SYNC, hidden=True)],
                    hidden=True)


def sync_target(target: str):
    return html.Div(id=target, hidden=True)


def shared_skeleton(sync: str, *, titled: bool = False) -> list:
    """The skeleton (dashboard/routing.py) of what pages share: the release store, the URL-sync target and,
    for a page whose subject changes without the router, its title holder."""
    return [dcc.Store(id=ids.RELEASE), sync_target(sync), *([page_title()] if titled else [])]


def in_language(meta: dict) -> dict:
    """An indicator's metadata (``data.indicator_meta``) with its words (title, description, unit,
    methodology, caveats) in the reader's language, as plain text for sentences, captions and options: the
    config's translations, the default language's text where there is none (docs/translations.md). Where a
    component can carry ``lang``, :func:`dashboard.language.indicator_text` marks such a fallback."""
    lang = language.current()
    if lang == language.default() or not meta:
        return meta
    from dashboard import context
    from dashboard.api import language as texts

    words, _fell_back = texts.indicator_texts(context.config(), meta, lang)
    return {**meta, **words}


def theme_name(theme: str) -> str:
    """A theme's name in the reader's language (``languages.themes``), else as the indicators name it."""
    lang = language.current()
    if lang == language.default():
        return theme
    from dashboard import context
    from dashboard.api import language as texts

    return texts.theme_label(context.config(), theme, lang)[0]


def count(n) -> str:
    """A whole number in the reader's language (``1,234``, ``1 234``, ``1.234``)."""
    return fmt.number(n, 0)


def indicator_options(release) -> list[dict]:
    """The indicator choices ``Title (theme)`` in the reader's language, in the release's order."""
    from dashboard import data

    out = []
    for indicator in data.indicators_in_order(release):
        meta = in_language(data.indicator_meta(release, indicator))
        out.append({"label": f"{meta['title']} ({theme_name(meta['theme'])})", "value": indicator})
    return out


def significance(word) -> str:
    """A significance word in the reader's language; empty for none."""
    if not isinstance(word, str):
        return ""
    return fmt.SIGNIFICANCE_TEXT.get(word, word)


def level_label(level: str) -> str:
    """A level's name as a choice shows it: the config's name in the reader's language (``languages.levels``),
    else its label (``geography.level_labels``): dashboard.components.levels."""
    return levels.label(level)


def of(n, total) -> str:
    """'3 of 8' in the reader's language."""
    return _("{n} of {total}").format(n=count(n), total=count(total))


#: The few words after a figure for each status (core.statuses's ``short``), for the catalogue.
STATUS_WORDS = {"provisional": N_("provisional"), "estimated": N_("estimated"), "break": N_("break in series"),
                "definition_differs": N_("definition differs"), "low_reliability": N_("low reliability"),
                "confidential": N_("confidential"), "missing": N_("no data"),
                "low_coverage": N_("too few areas reported"), "suppressed": N_("withheld"),
                "not_applicable": N_("not applicable")}


def status_word(status) -> str:
    """A status in a few words in the reader's language (fmt.status's words); empty for a plain value."""
    if status in STATUS_WORDS and fmt.status(status) == STATUS_WORDS[status]:
        return _(STATUS_WORDS[status])
    return fmt.status(status)


def with_status(v, status, decimals: int = 1, unit: str = "") -> str:
    """``65,2 % (provisoire)``: fmt.with_status with the status in the reader's language."""
    word = status_word(status)
    text = "–" if status in fmt.NO_VALUE else fmt.value(v, decimals, unit)
    return f"{text} ({word})" if word else text


def level_words(level: str) -> str:
    """A level's name inside a sentence in the reader's language: the config's name (``languages.levels``), as
    the language writes a noun mid-sentence (German capitalises nouns, French does not), else the default
    language's (fmt.level_name). Singular: the config names a level once per language."""
    return fmt.level_name(level)


def semicolons(items) -> str:
    """Items joined by semicolons as the language writes them ("a; b", French "a ; b")."""
    items = list(items)
    out = items[0] if items else ""
    for item in items[1:]:
        out = _("{first}; {then}").format(first=out, then=item)
    return out


def counted(n, word: str) -> str:
    """'3 withheld' (a count and a status word) in the language's order ('retenue : 3' reads better in French)."""
    return _("{n} {status}").format(n=count(n), status=word)


def period_words(period) -> str:
    """A period in words in the reader's language ('1er trimestre 2030', 'Juli 2030'; core.i18n.period); English
    keeps the observations' own writing ('2030-Q1'), as numbers keep theirs (components/fmt.py)."""
    if not isinstance(period, str) or language.current() == "en":
        return period
    return i18n.period(period, language.current())


def period_options(periods: list[str]) -> list:
    """A period choice's options: the period in words, its value as the address writes it."""
    if language.current() == "en":
        return periods
    return [{"label": period_words(p), "value": p} for p in periods]
