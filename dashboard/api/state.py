"""The per-server state of the open-data routes: the config, two release readers and the access rule.

The public reader never returns internal indicators; the internal one is used only for a request that
:class:`~dashboard.api.access.Access` identified as a signed-in manager's.
"""

from __future__ import annotations

from dataclasses import dataclass

import flask

from core.config_models import Config
from dashboard.api.access import Access
from dashboard.api.cache import DownloadCache
from dashboard.api.csv_blocks import CsvBlocks
from dashboard.api.errors import ApiError
from dashboard.release_reader import ReleaseReader

EXTENSION = "openmeasure_api"


@dataclass
class ApiState:
    config: Config
    public: ReleaseReader
    internal: ReleaseReader
    access: Access
    cache: DownloadCache
    blocks: CsvBlocks

    def reader(self) -> ReleaseReader:
        """The reader for this request: internal indicators only for a signed-in manager."""
        return self.internal if self.access.manager() else self.public

    def scope(self) -> str:
        who = self.access.manager()
        return f"manager:{who}" if who else "public"

    def base_url(self) -> str:
        url = self.config.access.public_url or flask.request.url_root
        return url if url.endswith("/") else url + "/"


def state() -> ApiState:
    return flask.current_app.extensions[EXTENSION]


def limit_request() -> None:
    """before_request of every open-data blueprint: refuse oversized queries and GETs with a body."""
    cfg = state().config.access
    if len(flask.request.query_string) > cfg.max_query_length:
        raise ApiError(f"the query string is longer than {cfg.max_query_length} bytes; ask for less or "
                       "download the whole release from /data", status=414)
    if flask.request.method == "GET" and (flask.request.content_length or 0) > 0:
        raise ApiError("a GET request takes no body", status=400)
