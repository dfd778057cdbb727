"""Open data: downloads, the public API, the download centre, the DCAT-AP catalogue and manager sign-in.

``register(server, config)`` adds every route to the Flask server the Dash app runs on:

    /api/v1/...            the API (api_routes.py; the contract is /api/v1/openapi.json)
    /api/                  the human guide with curl, pandas and R examples
    /data                  the download centre; /data/releases/<id>/<file>; /data/revisions
    /catalog.jsonld        DCAT-AP catalogue
    /sitemap.xml, /robots.txt   the public pages for search engines (never an internal indicator)
    /auth/login, /auth/logout   managers' sign-in (access.mode: accounts)

``register`` makes the app's one state (dashboard/api/state.py: its one release reader, shared with the
pages); other parts of the app ask :func:`reader_for_request` which releases a request may read (public, or
with internal indicators for a signed-in manager).
"""

from __future__ import annotations

import logging
import secrets

import flask
from werkzeug.exceptions import HTTPException

from core.config_models import Config
from core.errors import StoreError
from core.integrity import DamagedRelease
from dashboard.api import api_routes, data_routes, guide_routes, headers, http, sitemap
from dashboard.api.access import Access
from dashboard.api.cache import DownloadCache, folder_for
from dashboard.api.csv_blocks import CsvBlocks
from dashboard.api.errors import ApiError
from dashboard.api.state import EXTENSION, AppState, refuse_long_targets, state
from dashboard.release_reader import ReleaseGone, ReleaseReader, ReleaseView

log = logging.getLogger(__name__)

OWN_PREFIXES = ("/api/", "/data", "/catalog.jsonld", "/auth/")


def register(server: flask.Flask, config: Config, *, pages: tuple = (), pages_internal: bool = False) -> AppState:
    """Add the open-data routes to ``server`` and make its state; ``pages`` and ``pages_internal`` come from
    the Dash app (dashboard/app.py), whose pages share the state."""
    cache = DownloadCache(folder_for(config.access.download_cache, config.store),
                          config.access.download_cache_mb * 1024 * 1024)
    st = server.extensions[EXTENSION] = AppState(
        config=config, releases=ReleaseReader(config.store), access=Access(config), cache=cache,
        blocks=CsvBlocks(cache.folder / "csv-blocks" if cache.folder else None,
                         config.access.csv_blocks_mb * 1024 * 1024),
        pages_internal=pages_internal, pages=pages, count_check=api_routes.check_counts)
    if config.access.secret_key:
        server.secret_key = config.access.secret_key
    elif not server.secret_key:
        server.secret_key = secrets.token_hex(32)
        if config.access.mode == "accounts":
            log.warning("access=accounts secret_key=generated note=sessions end at restart; set access.secret_key")
    server.config.setdefault("SESSION_COOKIE_HTTPONLY", True)
    server.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    if config.access.https or (config.access.public_url or "").startswith("https://"):
        server.config["SESSION_COOKIE_SECURE"] = True
    server.before_request(lambda: refuse_long_targets(OWN_PREFIXES))
    for bp in (api_routes.bp, data_routes.bp, guide_routes.bp, sitemap.bp):
        server.register_blueprint(bp)
    server.register_error_handler(ApiError, lambda exc: exc.response())
    server.register_error_handler(StoreError, _store_error)
    server.register_error_handler(ReleaseGone, _release_gone)
    server.register_error_handler(HTTPException, _http_error)
    server.after_request(http.cors)
    headers.install(server, config)
    return st


def reader_for_request() -> ReleaseView:
    """The releases this request may read: with internal indicators only for a signed-in manager."""
    return state().reader()


#: Seconds a client is asked to wait before it tries a damaged release again (Retry-After).
RETRY_DAMAGED = 300


def _store_error(exc: StoreError):
    """503 for a store that cannot answer: nothing published yet, or a damaged release (which file, not a
    path; the full message is logged for the operator, and ``openmeasure status`` says it too)."""
    if isinstance(exc, DamagedRelease):
        log.error("api=damaged_release release=%s file=%s problem=%s", exc.release_id, exc.name, exc.problem)
        resp = ApiError(f"release {exc.release_id} cannot be served: its file {exc.name} is damaged. The "
                        "operators have been told (see /status); try again later", status=503).response()
        resp.headers["Retry-After"] = str(RETRY_DAMAGED)
        return resp
    log.warning("api=store_error message=%s", exc)
    return ApiError("no release is available yet; try again later", status=503).response()


def _release_gone(exc: ReleaseGone):
    """A release pruned while this request read it: the request is answered once more from the start (a page
    then falls back to the current release; a pinned API request says the release is no longer kept)."""
    if flask.g.get("om_retried"):
        return _store_error(exc)
    log.info("release=%s pruned_during_request=true retrying=once", exc.release_id)
    flask.g.om_retried = True
    flask.g.pop("om_release", None)
    view = flask.current_app.view_functions[flask.request.endpoint]
    try:
        return view(**(flask.request.view_args or {}))
    except ApiError as again:
        return again.response()
    except HTTPException as again:
        return _http_error(again)
    except StoreError as again:
        return _store_error(again)


def _http_error(exc: HTTPException):
    if flask.request.path.startswith(OWN_PREFIXES) or flask.request.path == "/data":
        resp = ApiError(exc.description or exc.name, status=exc.code or 500).response()
        headers = dict(exc.get_headers())
        for name in ("Allow", "Retry-After"):  # RFC 9110: a 405 says which methods the resource takes
            if name in headers:
                resp.headers[name] = headers[name]
        return resp
    return exc
