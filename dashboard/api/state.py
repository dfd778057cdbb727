"""The one state of an app, shared by its pages and its open-data routes: the config, the release reader,
the access rule, the download caches and the registered pages.

There is one :class:`~dashboard.release_reader.ReleaseReader` per app (so per worker process); ``public``
never returns internal indicators, ``internal`` does, and :meth:`AppState.reader` picks the one a request may
use: internal indicators only for a request that :class:`~dashboard.api.access.Access` identified as a
signed-in manager's. The pages ask through dashboard/context.py, the API through :func:`state`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import flask

from core.config_models import Config
from dashboard.api.access import Access
from dashboard.api.cache import DownloadCache
from dashboard.api.csv_blocks import CsvBlocks
from dashboard.api.errors import ApiError
from dashboard.release_reader import ReleaseReader, ReleaseView

EXTENSION = "openmeasure_api"


@dataclass
class AppState:
    config: Config
    releases: ReleaseReader
    access: Access
    cache: DownloadCache
    blocks: CsvBlocks
    #: the pages show internal indicators to everyone (``create_app(include_internal=True)``); the API never
    pages_internal: bool = False
    #: the Dash pages the app serves (dashboard/routing.py), for the sitemap and the 404 status; none for the
    #: open-data routes on a server of their own
    pages: tuple = ()
    #: run before a 414 for a long query: raises the 400 the document promises for a list parameter given more
    #: values than its maxItems (dashboard/api/api_routes.py: check_counts)
    count_check: Callable[[], None] | None = None

    @property
    def public(self) -> ReleaseView:
        return self.releases.view(False)

    @property
    def internal(self) -> ReleaseView:
        return self.releases.view(True)

    def reader(self) -> ReleaseView:
        """The releases this request may read: internal indicators only for a signed-in manager."""
        return self.internal if self.access.manager() else self.public

    def pages_reader(self) -> ReleaseView:
        """The releases this request's pages show (internal indicators too when the app shows them all)."""
        return self.internal if self.pages_internal else self.reader()

    def scope(self) -> str:
        who = self.access.manager()
        return f"manager:{who}" if who else "public"

    def base_url(self) -> str:
        url = self.config.access.public_url or flask.request.url_root
        return url if url.endswith("/") else url + "/"


def state() -> AppState:
    return flask.current_app.extensions[EXTENSION]


#: Longest path (bytes, as sent: percent-encoded) any route answers; the longest route's path is under 100
#: bytes, and an area code or indicator id in a path is at most a few dozen. dashboard/serve.py sets gunicorn's
#: request-line limit above this plus ``access.max_query_length``, so that a longer request reaches the app
#: and gets the 414 the OpenAPI document promises rather than gunicorn's HTML one.
MAX_PATH_LENGTH = 1024


def _raw_target(environ: dict) -> tuple[int, int]:
    """(path, query string) lengths of the request target as the client sent it."""
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if raw:
        path, _, query = raw.partition("?")
        return len(path), len(query)
    return len(environ.get("PATH_INFO", "")), len(environ.get("QUERY_STRING", ""))


def too_long(max_query_length: int) -> str | None:
    """What is too long in this request's target (path or query string), or None."""
    path, query = _raw_target(flask.request.environ)
    if path > MAX_PATH_LENGTH:
        return f"the path is longer than {MAX_PATH_LENGTH} bytes"
    if query > max_query_length:
        return (f"the query string is longer than {max_query_length} bytes; ask for less or download the "
                "whole release from /data")
    return None


def refuse_long_targets(own_prefixes: tuple[str, ...]) -> flask.Response | None:
    """before_request of the whole server (pages too): a 414 for an over-long path or query string, JSON
    problem details for the open-data routes, plain text for the pages."""
    st = state()
    problem = too_long(st.config.access.max_query_length)
    if problem is None:
        return None
    if flask.request.path.startswith(own_prefixes):
        if st.count_check is not None and not problem.startswith("the path"):
            try:
                st.count_check()
            except ApiError as err:
                return err.response()
        return ApiError(problem, status=414).response()
    resp = flask.Response(problem + "\n", status=414, mimetype="text/plain")
    resp.headers["Cache-Control"] = "no-store"
    return resp


def limit_request() -> None:
    """before_request of every open-data blueprint: refuse oversized targets and GETs with a body."""
    problem = too_long(state().config.access.max_query_length)
    if problem is not None:  # refuse_long_targets has answered already on a server that installs it
        raise ApiError(problem, status=414)
    if flask.request.method == "GET" and (flask.request.content_length or 0) > 0:
        raise ApiError("a GET request takes no body", status=400)
