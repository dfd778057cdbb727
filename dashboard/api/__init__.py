"""Open data: downloads, the public API, the download centre, the DCAT-AP catalogue and manager sign-in.

``register(server, config)`` adds every route to the Flask server the Dash app runs on:

    /api/v1/...            the API (api_routes.py; the contract is /api/v1/openapi.json)
    /api/                  the human guide with curl, pandas and R examples
    /data                  the download centre; /data/releases/<id>/<file>; /data/revisions
    /catalog.jsonld        DCAT-AP catalogue
    /sitemap.xml, /robots.txt   the public pages for search engines (never an internal indicator)
    /auth/login, /auth/logout   managers' sign-in (access.mode: accounts)

Other parts of the app ask :func:`reader_for_request` which release reader a request may use (public, or
with internal indicators for a signed-in manager).
"""

from __future__ import annotations

import logging
import secrets

import flask
from werkzeug.exceptions import HTTPException

from dashboard.api import api_routes, data_routes, guide_routes, http, sitemap
from dashboard.api.access import Access
from dashboard.api.cache import DownloadCache, folder_for
from dashboard.api.csv_blocks import CsvBlocks
from dashboard.api.errors import ApiError
from dashboard.api.state import EXTENSION, ApiState, state
from dashboard.release_reader import ReleaseReader
from etl.config_models import Config
from etl.exceptions import StoreError

log = logging.getLogger(__name__)

OWN_PREFIXES = ("/api/", "/data", "/catalog.jsonld", "/auth/")


def register(server: flask.Flask, config: Config) -> None:
    cache = DownloadCache(folder_for(config.access.download_cache, config.store),
                          config.access.download_cache_mb * 1024 * 1024)
    server.extensions[EXTENSION] = ApiState(
        config=config, public=ReleaseReader(config.store, include_internal=False),
        internal=ReleaseReader(config.store, include_internal=True), access=Access(config), cache=cache,
        blocks=CsvBlocks(cache.folder / "csv-blocks" if cache.folder else None,
                         config.access.csv_blocks_mb * 1024 * 1024))
    if config.access.secret_key:
        server.secret_key = config.access.secret_key
    elif not server.secret_key:
        server.secret_key = secrets.token_hex(32)
        if config.access.mode == "accounts":
            log.warning("access=accounts secret_key=generated note=sessions end at restart; set access.secret_key")
    server.config.setdefault("SESSION_COOKIE_HTTPONLY", True)
    server.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    if (config.access.public_url or "").startswith("https://"):
        server.config["SESSION_COOKIE_SECURE"] = True
    for bp in (api_routes.bp, data_routes.bp, guide_routes.bp, sitemap.bp):
        server.register_blueprint(bp)
    server.register_error_handler(ApiError, lambda exc: exc.response())
    server.register_error_handler(StoreError, _store_error)
    server.register_error_handler(HTTPException, _http_error)
    server.after_request(http.cors)


def reader_for_request() -> ReleaseReader:
    """The release reader this request may use: with internal indicators only for a signed-in manager."""
    return state().reader()


def _store_error(exc: StoreError):
    log.warning("api=store_error message=%s", exc)
    return ApiError("no release is available yet; try again later", status=503).response()


def _http_error(exc: HTTPException):
    if flask.request.path.startswith(OWN_PREFIXES) or flask.request.path == "/data":
        resp = ApiError(exc.description or exc.name, status=exc.code or 500).response()
        headers = dict(exc.get_headers())
        for name in ("Allow", "Retry-After"):  # RFC 9110: a 405 says which methods the resource takes
            if name in headers:
                resp.headers[name] = headers[name]
        return resp
    return exc
