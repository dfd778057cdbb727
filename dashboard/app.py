"""The Dash app: ``create_app(config)`` builds one app over one deployment's release store.

Pages live in dashboard/pages (one module each, ``register_page``, naming its callbacks); their layouts and
callbacks in dashboard/views; dashboard/routing.py builds the app from Dash's page registry. The current
release is read per request (see dashboard/context.py), so publishing a new release needs no restart; the
pages and the API share one state (dashboard/api/state.py) and so one release reader. Debug is never
switched on here; ``openmeasure serve`` runs the app under gunicorn.
"""

from __future__ import annotations

import json
import logging
from html import escape
from pathlib import Path

import dash
import flask
from dash import dcc, html
from werkzeug.exceptions import HTTPException

from core import i18n
from core.config_models import Config
from core.errors import StoreError
from core.integrity import DamagedRelease
from dashboard import api, context, delivery, guard, language, routing
from dashboard.api import headers
from dashboard.api.state import state
from dashboard.components import site, ui
from dashboard.i18n import N_
from dashboard.language import _, href
from dashboard.views import index as index_view
from dashboard.views.common import title_sync

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent

INDEX = """<!DOCTYPE html>
<html lang="en">
    <head>
        {%metas%}
        <title>{%title%}</title>
        {%favicon%}
        {%css%}
    </head>
    <body>
        {%app_entry%}
        <div class="dash-scripts">
            {%config%}
            {%scripts%}
            {%renderer%}
        </div>
    </body>
</html>"""

NAV = site.NAV  # shared with the server-rendered pages (dashboard/api/html.py)


def site_title(default: str) -> str:
    """The deployment's title in the reader's language (``title`` translated in config.yaml), else ``default``."""
    try:
        config = context.config()
    except (RuntimeError, KeyError):  # no app state (a bare layout in a test)
        return default
    return config.text("title", language.current(), config.languages.default)[0] or default


def frame(title: str):
    """The page frame around every page: skip link, header, synthetic-data banner, main, footer; ``title``:
    the deployment's, shown in the reader's language when config.yaml translates it."""
    def layout():
        banner, footer_release = None, _(site.NO_RELEASE)
        try:
            rel = context.release()
            m = rel.manifest
            banner = ui.synthetic_banner(m)
            footer_release = site.release_line(rel.id, m)
            damaged = context.damaged(rel)
            if damaged is not None:
                banner = damaged_banner(damaged)
        except DamagedRelease as exc:
            log.error("frame release=%s damaged=%s problem=%s", exc.release_id, exc.name, exc.problem)
            banner = damaged_banner(exc)
        except StoreError as exc:
            log.warning("frame release_error=%s", exc)
        signed_in = account()
        footer_links = [*site.FOOTER_LINKS, *([(site.SIGN_IN, "/auth/login")]
                                              if signed_in is None and sign_in_enabled() else [])]
        return html.Div([
            html.A(_("Skip to main content"), href="#main", className="skip-link"),
            html.Header([
                html.A(site_title(title), href=href("/"), className="site-title"),
                html.Nav(html.Ul([html.Li(dcc.Link(_(label), href=href(address))) for label, address in NAV]),
                         className="site-nav", **{"aria-label": _("Main")}),
                switcher(),
                signed_in,
            ], className="site-header"),
            banner,
            html.Main(dash.page_container, id="main", tabIndex="-1"),
            html.Footer([html.P(footer_release),
                         html.P([part for i, (label, address) in enumerate(footer_links)
                                 for part in ([" · "] if i else []) + [html.A(_(label), href=href(address))]])],
                        className="site-footer"),
        ], className="frame")
    return layout


def switcher():
    """The header's language switcher (3.1.2, 2.4.4): a link to this same page in every language the
    deployment offers, each named in its own language (``lang``, ``hreflang``), the current one marked
    ``aria-current``. Its addresses are this page's (assets/language.js keeps them so as the reader moves
    between pages without reloading the frame). None when only one language is offered."""
    available, _default = language.offered()
    if len(available) < 2:
        return None
    here = language.page_address(flask.request) if flask.has_request_context() else "/"
    lang = language.current()
    parts = []
    for i, code in enumerate(available):
        parts += [" · "] if i else []
        parts.append(html.A(i18n.display_name(code), href=language.with_lang(here, code), lang=code,
                            hrefLang=code, className="language-link",
                            **({"aria-current": "true"} if code == lang else {})))
    return html.Nav(html.P(parts), className="language-switcher", id="language-switcher",
                    **{"aria-label": _("Language")})


#: The page shell's description (``<meta name="description">``) and the words shown until the page is drawn.
DESCRIPTION = N_("Public service performance: indicators, areas, data.")
LOADING = N_("Loading…")
#: The words assets/a11y.js gives the controls it names (a dropdown's open list and search box, a chart's mode
#: bar), handed to it in the reader's language in ``<meta name="openmeasure-words">``.
SCRIPT_WORDS = {"options": N_("options"), "search_options": N_("Search the options"),
                "chart_tools": N_("Chart tools"), "map": N_("Map")}


def script_words() -> str:
    """The ``<meta>`` that carries :data:`SCRIPT_WORDS` in the current language (JSON) to the page's scripts."""
    words = json.dumps({k: _(v) for k, v in SCRIPT_WORDS.items()}, ensure_ascii=False)
    return f'<meta name="openmeasure-words" content="{escape(words, quote=True)}">'


def add_html_lang(app: dash.Dash) -> None:
    """Every page's ``<html lang>`` is its language (3.1.1), and the shell's own words are in it too: the
    description, "Loading…", and the deployment's title where Dash puts it (the ``<title>`` of an address no
    page has, ``og:title``); the index string is one for all requests, so the page shell is rewritten per
    request."""
    interpolate = app.interpolate_index

    def interpolate_index(**kwargs):
        if flask.has_request_context() and language.current() != "en":
            kwargs["app_entry"] = kwargs.get("app_entry", "").replace("Loading...", escape(_(LOADING)))
        out = interpolate(**kwargs)
        if flask.has_request_context():
            out = out.replace('<html lang="en">', f'<html lang="{language.current()}">', 1)
            head, body = out.split("</head>", 1) if "</head>" in out else (out, None)
            head = head.replace(f'content="{escape(DESCRIPTION)}"', f'content="{escape(_(DESCRIPTION))}"')
            head += script_words()
            own = site_title(app.title)
            if own != app.title:
                head = head.replace(escape(app.title), escape(own))
            out = head if body is None else f"{head}</head>{body}"
        return out

    app.interpolate_index = interpolate_index


def add_noscript(app: dash.Dash) -> None:
    """The index pages (/indicator, /area) work without JavaScript: their content, rendered on the server,
    goes into the page's ``<noscript>`` (dashboard/views/index.py), and their search is a GET form."""
    interpolate = app.interpolate_index

    def interpolate_index(**kwargs):
        req = flask.request
        extra = index_view.noscript_html(req.path, req.args.get("q")) if flask.has_request_context() else None
        if extra:
            kwargs["app_entry"] = kwargs["app_entry"] + f"<noscript>{extra}</noscript>"
        return interpolate(**kwargs)

    app.interpolate_index = interpolate_index


def damaged_banner(exc: DamagedRelease):
    """Said on every page while the current release has a damaged file (the pages answer 503 meanwhile)."""
    return html.Div(
        [html.Strong(_("The published data cannot be shown.") + " "),
         html.Span(_("A file of release {release} ({file}) is damaged; the figures are withheld until it is "
                     "repaired or a new release is published. Please try again later.").format(
                         release=exc.release_id, file=exc.name))],
        className="banner-synthetic", role="region", id="damaged-banner", **{"aria-label": _("About this data")})


def sign_in_enabled() -> bool:
    """Whether managers sign in here (``access.mode: accounts``); behind a proxy they sign in there, and
    /auth/login answers 404."""
    return context.config().access.mode == "accounts"


def account():
    """Who is signed in, in the header of every page, with a way to sign out (a manager on a shared computer
    must be able to end the session that shows internal indicators); None for the public."""
    if context.config().access.mode == "none":
        return None
    access = state().access
    who = access.manager()
    if not who:
        return None
    sign_out = (html.Form([dcc.Input(type="hidden", name="csrf", value=access.csrf_token()),
                           html.Button(_("Sign out"), type="submit", id="sign-out")],
                          method="post", action="/auth/logout")
                if sign_in_enabled() and not flask.request.authorization else None)
    before, after = _("Signed in as {name} (internal indicators shown).").split("{name}", 1)
    return html.P([before, html.Strong(who), after + " ", sign_out], className="signed-in", id="signed-in")


def add_boundaries_route(server: flask.Flask) -> None:
    """Boundaries of a release's level as GeoJSON: the map fetches them once per level, the browser caches
    them for good (a release never changes), and period or indicator changes then move only values."""
    @server.route("/boundaries/<release_id>/<level>.geojson")
    def boundaries(release_id: str, level: str):
        try:
            rel = state().public.get(release_id)  # the same file whoever asks
        except StoreError:
            flask.abort(404)
        path = rel.boundaries_path(level)  # a damaged file raises DamagedRelease: 503
        if path is None:
            flask.abort(404)
        resp = flask.send_file(path, mimetype="application/geo+json", max_age=31_536_000, conditional=True)
        resp.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        return resp


#: Endpoints of Dash's page shell (every page path, known or not, is answered by it).
DASH_INDEX = ("/", "/<path:path>")


def add_not_found_status(server) -> None:
    """A page for an unknown address, indicator or area still says so in words (the router draws it, or the
    page shows its defaults), and also answers 404, so that crawlers and link checkers do not take it for a
    page: an address no page has (/nonexistent), and a known page whose path or query names an indicator or
    area the release does not have (/area/XX, /?area=XX, /compare?areas=XX)."""

    @server.after_request
    def _not_found(resp):
        req = flask.request
        if req.method != "GET" or resp.status_code != 200 or req.endpoint not in DASH_INDEX:
            return resp
        pages = state().pages
        if not routing.is_page(req.path, pages):
            resp.status_code = 404
            return resp
        try:
            if routing.names_unknown(req.path, req.args, context.release(), pages):
                resp.status_code = 404
        except StoreError:
            pass
        return resp


def add_damaged_status(server) -> None:
    """A page of a release with a damaged file answers 503 (its shell then says why: :func:`damaged_banner`),
    so that a monitor or crawler sees the outage; the check is the cheap one (size, Parquet magic)."""

    @server.after_request
    def _damaged(resp):
        req = flask.request
        if req.method != "GET" or resp.status_code != 200 or req.endpoint not in DASH_INDEX:
            return resp
        try:
            if context.damaged(context.release()) is not None:
                resp.status_code = 503
                resp.headers["Retry-After"] = "300"
        except DamagedRelease:
            resp.status_code = 503
        except StoreError:
            pass
        return resp


#: The pages' own error pages (the API answers its errors in JSON: dashboard/api): status -> (title, what to do).
ERROR_PAGES = {
    405: (N_("Not possible at this address"),
          N_("This address does not take this kind of request. Open it as a page, or start from the overview.")),
    500: (N_("Something went wrong"),
          N_("The server could not answer this request. Please try again later; if it keeps happening, tell the "
             "site's managers.")),
}


def add_error_pages(server) -> None:
    """A page address that fails (500) or is asked the wrong way (405) answers a page in the reader's language
    with a way back, not the server's English default; the API's and Dash's own routes keep their answers."""
    from dashboard.api import OWN_PREFIXES

    def error_page(exc):
        from dashboard.api import _http_error
        from dashboard.api import html as server_pages

        path = flask.request.path
        if path.startswith(OWN_PREFIXES) or path.startswith(("/_dash", "/assets/", "/boundaries/")):
            return _http_error(exc) if isinstance(exc, HTTPException) else exc
        title, what = ERROR_PAGES[exc.code]
        body = (f"<p>{escape(_(what))}</p>"
                f'<p><a href="{escape(href("/"), quote=True)}">{escape(_("Go to the overview"))}</a></p>')
        resp = server_pages.page(_(title), body, status=exc.code)
        resp.set_data(resp.get_data(as_text=True).replace('<html lang="en">',
                                                          f'<html lang="{language.current()}">', 1))
        for name, value in exc.get_headers():
            if name == "Allow":
                resp.headers[name] = value
        return resp

    for code in ERROR_PAGES:
        server.register_error_handler(code, error_page)


def add_private_cache_control(server) -> None:
    """What a signed-in manager is shown (pages, layouts and callback answers with internal indicators) is
    neither stored by a browser nor by a shared cache: after signing out on a shared computer, Back or the
    cache must not bring internal figures back. The API sets its own header; this covers the dashboard."""

    @server.after_request
    def _private(resp):
        if "Cache-Control" in resp.headers or context.config().access.mode == "none":
            return resp
        if state().access.manager():
            resp.headers["Cache-Control"] = "private, no-store"
        return resp


def create_app(config: Config, include_internal: bool = False) -> dash.Dash:
    """The dashboard over ``config.store``; internal indicators only with ``include_internal=True``."""
    app = dash.Dash(
        __name__, use_pages=True, pages_folder=str(HERE / "pages"), assets_folder=str(HERE / "assets"),
        title=config.title, update_title=None, serve_locally=True,
        use_async=False,  # Dash 4 turns async on when asgiref is installed: a thread and event loop per request
        meta_tags=[{"name": "viewport", "content": "width=device-width, initial-scale=1"},
                   {"name": "description", "content": DESCRIPTION}],
    )
    delivery.use_partial_plotly()
    app.index_string = INDEX
    # every registered page's callbacks, and the validation layout that checks them (before the layout)
    routing.install(app, frame_callbacks=(title_sync,))
    app.layout = frame(config.title)
    add_noscript(app)
    add_html_lang(app)
    language.install(app.server)
    add_boundaries_route(app.server)
    add_not_found_status(app.server)
    add_damaged_status(app.server)
    add_private_cache_control(app.server)
    add_error_pages(app.server)
    # the open-data API, downloads, catalogue and sign-in; and the state the pages share with them
    api.register(app.server, config, pages=routing.pages(), pages_internal=include_internal)
    guard.install(app)
    headers.allow_scripts(app.server, app.csp_hashes)
    delivery.install(app)  # cache headers, and gzip around everything (security headers included)
    log.info("app=created store=%s include_internal=%s", config.store, include_internal)
    return app
