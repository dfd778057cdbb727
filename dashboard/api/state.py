"""The one state of an app, shared by its pages and its open-data routes: the config, the release reader,
the access rule, the download caches and the registered pages.

There is one :class:`~dashboard.release_reader.ReleaseReader` per app (so per worker process); ``public``
never returns internal indicators, ``internal`` does, and :meth:`AppState.reader` picks the one a request may
use: internal indicators only for a request that :class:`~dashboard.api.access.Access` identified as a
signed-in manager's. The pages ask through dashboard/context.py, the API through :func:`state`.
"""

from __future__ import annotations

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


def limit_request() -> None:
    """before_request of every open-data blueprint: refuse oversized queries and GETs with a body."""
    cfg = state().config.access
    if len(flask.request.query_string) > cfg.max_query_length:
        raise ApiError(f"the query string is longer than {cfg.max_query_length} bytes; ask for less or "
                       "download the whole release from /data", status=414)
    if flask.request.method == "GET" and (flask.request.content_length or 0) > 0:
        raise ApiError("a GET request takes no body", status=400)
