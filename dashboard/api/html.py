"""Server-rendered HTML for the download centre, the revisions page, the API guide and the sign-in form.

These pages are part of the site: the same skip link, header, main navigation, synthetic-data banner and
footer as the Dash pages (dashboard/app.py), styled by the same stylesheet (dashboard/assets/openmeasure.css),
with a link back to the dashboard. Every value is escaped; pages have a language, one h1, landmarks, and
tables with captions and header scopes in a named box that scrolls sideways on its own when the table is
wider than a phone (WCAG 1.4.10), so they work with a screen reader and without JavaScript.

They are in the reader's language as the Dash pages are (dashboard/language.py: ``?lang=``, else
``Accept-Language``, else ``languages.default``; an unknown ``?lang=`` is ignored): :func:`reader_language`
works it out, ``<html lang>`` says it, every internal link keeps it (``language.href``), and the answer varies
on ``Accept-Language``. Their words come from the UI's catalogues (dashboard/locales).
"""

from __future__ import annotations

import re
from html import escape

import flask

from core.errors import StoreError
from dashboard import language
from dashboard.api.state import state
from dashboard.components.site import FOOTER_LINKS, NAV, SIGN_IN, release_line
from dashboard.i18n import N_
from dashboard.language import _, href

#: The site's stylesheet, as Dash serves it from dashboard/assets (the pages here run no script).
STYLESHEET = "/assets/openmeasure.css"


def e(value) -> str:
    return escape("" if value is None else str(value), quote=True)


def reader_language() -> str:
    """The language of the page being answered (kept in ``flask.g`` as the Dash app's ``before_request`` keeps
    it; worked out here when that has not run, as on a server with the open-data routes only)."""
    if "language" not in flask.g:
        flask.g.language = language.negotiate(flask.request)
    return flask.g.language[0]


def use_language() -> None:
    """``before_request`` of the blueprints that draw pages: the language is known before any word is."""
    reader_language()


def page(title: str, body: str, status: int = 200) -> flask.Response:
    lang = reader_language()
    doc = f"""<!doctype html>
<html lang="{e(lang)}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(title)}</title><link rel="stylesheet" href="{STYLESHEET}"></head>
<body><a class="skip-link" href="#main">{e(_("Skip to main content"))}</a>
{_header()}{_banner()}
<main id="main" tabindex="-1" class="server-page">
<p class="back-link"><a href="{e(href("/"))}">{e(_(BACK))}</a></p>
<h1>{e(title)}</h1>
{body}
</main>
{_footer()}</body></html>"""
    resp = flask.Response(doc, status=status, mimetype="text/html")
    resp.headers["Content-Security-Policy"] = "default-src 'self'; style-src 'self' 'unsafe-inline'"
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Content-Language"] = lang
    resp.vary.add("Accept-Language")  # without ?lang=, the page is in the language the browser asks for
    return resp


BACK = N_("Back to the dashboard")
SIGN_OUT = N_("Sign out")
SIGNED_IN = N_("Signed in as {who} (internal indicators shown).")


def _header() -> str:
    here = flask.request.path if flask.has_request_context() else ""
    items = "".join(f'<li><a href="{e(href(to))}"{_current(to, here)}>{e(_(label))}</a></li>' for label, to in NAV)
    return (f'<header class="site-header"><a href="{e(href("/"))}" class="site-title">{e(_site_title())}</a>'
            f'<nav class="site-nav" aria-label="{e(_("Main"))}"><ul>{items}</ul></nav>{_account()}</header>')


def _signing() -> tuple[str | None, str | None]:
    """(who is signed in, the access mode) as the Dash header's ``account()`` sees them (dashboard/app.py);
    (None, None) without an app state (a bare Flask app)."""
    try:
        st = state()
        mode = st.config.access.mode
        return (st.access.manager() if mode != "none" else None), mode
    except (RuntimeError, KeyError):
        return None, None


def _account() -> str:
    """Who is signed in, with a way to sign out, as in the Dash pages' header: a manager who opens the
    download centre or the API guide still sees that internal indicators are shown and can end the session."""
    who, mode = _signing()
    if not who:
        return ""
    sign_out = ""
    if mode == "accounts" and not flask.request.authorization:
        sign_out = (f'<form method="post" action="/auth/logout"><input type="hidden" name="csrf" '
                    f'value="{e(state().access.csrf_token())}"><button type="submit" id="sign-out">{e(_(SIGN_OUT))}'
                    "</button></form>")
    # a div, not the Dash header's p: a form may not stand inside a p in HTML (the parser ends the p before it)
    said = e(_(SIGNED_IN)).replace("{who}", f"<strong>{e(who)}</strong>")
    return f'<div class="signed-in" id="signed-in">{said} {sign_out}</div>'


def _current(href: str, here: str) -> str:
    """``aria-current`` on the link to the page shown (or the section it is in: /data/revisions is Downloads)."""
    on = here == href or (href != "/" and here.startswith(href + "/"))
    return ' aria-current="page"' if on else ""


def _release_manifest() -> tuple[str | None, dict]:
    try:
        rel = state().public.current()
        return rel.id, rel.manifest
    except (StoreError, RuntimeError, KeyError):  # no release yet, or no app state (a bare Flask app)
        return None, {}


def _site_title() -> str:
    try:
        config = state().config
    except (RuntimeError, KeyError):
        return "OpenMeasure"
    lang = reader_language()
    return config.translations.get(lang, {}).get("title") or config.title


def _banner() -> str:
    _rid, m = _release_manifest()
    if not m.get("synthetic"):
        return ""
    return (f'<div class="banner-synthetic" role="region" aria-label="{e(_("About this data"))}" '
            f'id="synthetic-banner"><strong>{e(_("Synthetic data."))} </strong><span>'
            f'{e(_("Every figure on this site is made up for demonstration; do not use it for decisions or quote it as fact."))}'
            "</span></div>")


def _footer() -> str:
    rid, m = _release_manifest()
    said = release_line(rid, m)
    who, mode = _signing()
    sign_in = [(SIGN_IN, "/auth/login")] if who is None and mode == "accounts" else []
    links = " · ".join(link(href(to), _(label)) for label, to in [*FOOTER_LINKS, *sign_in])
    return f'<footer class="site-footer"><p>{e(said)}</p><p>{links}</p></footer>'


def table(caption: str, headers: list[str], rows: list[list[str]], raw_cols: set[int] | None = None) -> str:
    """A table in a box that scrolls sideways by itself (named by the caption, a Tab stop so the keyboard can
    scroll it); cells are escaped unless their column index is in ``raw_cols`` (pre-built links)."""
    raw_cols = raw_cols or set()
    cid = "caption-" + (re.sub(r"[^a-z0-9]+", "-", caption.lower()).strip("-") or "table")
    head = "".join(f'<th scope="col">{e(h)}</th>' for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{c if i in raw_cols else e(c)}</td>" for i, c in enumerate(r)) + "</tr>"
        for r in rows)
    return (f'<div class="table-wrap" role="region" tabindex="0" aria-labelledby="{cid}">'
            f'<table class="data-table"><caption id="{cid}">{e(caption)}</caption><thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table></div>")


def link(href: str, text: str) -> str:
    return f'<a href="{e(href)}">{e(text)}</a>'
