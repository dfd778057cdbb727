"""The language of the page being drawn, and how it travels with the reader: in the address (``?lang=fr``).

How the language travels (docs/translations.md):

- a request's language is :func:`core.i18n.negotiate` over the address's ``?lang=``, else the
  ``Accept-Language`` header, else ``languages.default``. A page's address is the request's own for the
  page's HTML; for Dash's requests (its layout and every callback, sent by the page's script) it is the page's,
  which the browser sends as ``Referer`` (the site's ``Referrer-Policy: same-origin`` keeps it whole). An
  unknown ``?lang=`` on a page is ignored (the API answers 400 for it; a page is still shown);
- :func:`install` works it out once per request (a Flask ``before_request``) and keeps it in ``flask.g``;
  :func:`current` reads it anywhere in the request (views, components, callbacks: no parameter to thread
  through). Outside a request (tests, scripts) it is the :data:`CURRENT` context variable's, which
  :func:`using` sets;
- :func:`href` keeps the language in an internal link (``/area/X`` -> ``/area/X?lang=fr``) when the reader's
  language is not the default or was asked for in the address: every link a page draws goes through it
  (:func:`dashboard.components.ui.plain` rewrites every component's internal ``href``; the frame calls it),
  and the address a page's callbacks rewrite keeps ``lang`` (:func:`dashboard.views.common.url_sync`), so a
  permalink opened in a fresh browser keeps its language;
- :func:`_` translates a UI message into the current language (``dashboard/locales``).
"""

from __future__ import annotations

import contextlib
from contextvars import ContextVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import flask

from core import i18n
from dashboard.i18n import translator

#: The language outside a request (tests, scripts); :func:`using` sets it.
CURRENT: ContextVar[tuple[str, bool] | None] = ContextVar("openmeasure_language", default=None)

def offered() -> tuple[list[str], str]:
    """The languages the deployment offers (default first) and the default."""
    from dashboard import context  # not at import: the components this module serves are imported by it

    languages = context.config().languages
    available = list(dict.fromkeys([languages.default, *languages.available]))
    return available, languages.default


def page_query(req: flask.Request) -> dict[str, str]:
    """The query of the page a request is for (its own, or for Dash's requests the ``Referer``'s)."""
    if req.path.startswith("/_dash-"):
        return dict(parse_qsl(urlsplit(req.headers.get("Referer", "")).query))
    return dict(req.args.items())


def page_address(req: flask.Request) -> str:
    """The path and query of the page a request is for (see :func:`page_query`)."""
    if req.path.startswith("/_dash-"):
        parts = urlsplit(req.headers.get("Referer", ""))
        return urlunsplit(("", "", parts.path or "/", parts.query, ""))
    return req.full_path.rstrip("?")


def negotiate(req: flask.Request) -> tuple[str, bool]:
    """``(language, asked)``: a request's language, and whether its page's address asked for it."""
    available, default = offered()
    asked = page_query(req).get("lang") or None
    try:
        lang = i18n.negotiate(asked, req.headers.get("Accept-Language"), available, default)
    except i18n.UnknownLanguage:
        asked = None
        lang = i18n.negotiate(None, req.headers.get("Accept-Language"), available, default)
    return lang, asked is not None


def install(server: flask.Flask) -> None:
    """Work out every request's language before it is answered (kept in ``flask.g``)."""
    @server.before_request
    def _language():
        flask.g.language = negotiate(flask.request)

    @server.after_request
    def _vary(resp: flask.Response) -> flask.Response:
        # a page without ?lang= is in the Accept-Language's language, and Dash's requests in the language of the
        # page that sends them (its Referer): a shared cache must keep those answers apart
        path = flask.request.path
        if not path.startswith(("/api/", "/assets/", "/_dash-component-suites/", "/boundaries/", "/data")):
            resp.vary.add("Accept-Language")
            if path.startswith("/_dash-"):
                resp.vary.add("Referer")
        return resp


def _state() -> tuple[str, bool]:
    if flask.has_request_context() and "language" in flask.g:
        return flask.g.language
    return CURRENT.get() or (i18n.DEFAULT_LANGUAGE, False)


def current() -> str:
    """The language the page being drawn is in."""
    return _state()[0]


def default() -> str:
    if flask.has_request_context() or flask.has_app_context():
        with contextlib.suppress(Exception):
            return offered()[1]
    return i18n.DEFAULT_LANGUAGE


def keeps_lang() -> bool:
    """Whether internal links carry ``lang``: the language was asked for, or is not the default."""
    lang, asked = _state()
    return asked or lang != default()


@contextlib.contextmanager
def using(lang: str, asked: bool = True):
    """Draw in ``lang`` outside a request (tests, scripts)."""
    token = CURRENT.set((lang, asked))
    try:
        yield
    finally:
        CURRENT.reset(token)


def internal(address: str) -> bool:
    """Whether an address is one of this site's pages (``/...``; not ``//host``, not a fragment, not the
    server's own files such as Dash's assets)."""
    return (isinstance(address, str) and address.startswith("/") and not address.startswith("//")
            and not address.startswith(("/_dash", "/assets/", "/boundaries/")))


def with_lang(address: str, lang: str | None) -> str:
    """``address`` with its ``lang`` query parameter set to ``lang`` (None: taken out); the rest of the query,
    its order and the fragment are kept."""
    parts = urlsplit(address)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "lang"]
    if lang:
        query.append(("lang", lang))
    return urlunsplit(("", "", parts.path, urlencode(query, safe=",/"), parts.fragment))


def href(address: str, **params) -> str:
    """An internal link in the current language (``params``: its query, None values left out), e.g.
    ``href("/indicator/jobs", areas="E1")`` -> ``/indicator/jobs?areas=E1&lang=fr`` on a French page. Any
    other address (another site, ``#main``, ``mailto:``) is returned as it is."""
    if params:
        query = urlencode({k: v for k, v in params.items() if v is not None}, safe=",/")
        address = address + ("&" if "?" in address else "?") + query if query else address
    if not internal(address):
        return address
    return with_lang(address, current()) if keeps_lang() else address


def _(message: str) -> str:
    """A UI message in the current language (the message itself, English, when it has no translation)."""
    return translator(current()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translator(current()).ngettext(singular, plural, n)


def indicator_text(indicator_id: str, field: str, text: str):
    """An indicator's text (``title``, ``description``, ``unit``...) in the current language, from the
    config's translations; one with no translation is the release's (default language) in a ``<span lang>``
    (3.1.2), so a screen reader reads it in its own language."""
    lang = current()
    if lang == default() or not text:
        return text
    from dash import html

    from dashboard import context
    from dashboard.api import language as texts

    words, fell_back = texts.indicator_texts(context.config(), {"id": indicator_id, field: text}, lang)
    return html.Span(text, lang=default()) if field in fell_back else words[field]


def source_words(source: dict) -> tuple[dict, list[str]]:
    """A source as the release lists it (id, title, publisher...) with its words in the current language, from
    the config's ``sources[].translations``, and the fields left in the default language (none outside an
    app, where there is no config to ask)."""
    lang = current()
    if lang == default():
        return source, []
    from dashboard import context
    from dashboard.api import language as texts

    try:
        config = context.config()
    except Exception:  # noqa: BLE001 (no app: the release's words stand)
        return source, []
    return texts.source_texts(config, source, lang)
