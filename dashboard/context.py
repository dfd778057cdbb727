"""Where a layout or a callback finds the release it shows, without module state.

The app's one state (dashboard/api/state.py, made by ``create_app``) holds the config and the release
reader the pages share with the API; a request asks for the current release once and keeps it in
``flask.g``, so everything one response shows comes from one release. A page remembers the id it was drawn
from (in a ``dcc.Store``) and its callbacks ask for that same release, so an update never mixes the page's
boundaries or options with a newer release's values.
"""

from __future__ import annotations

import logging

import flask

from core.config_models import Config
from core.errors import StoreError
from core.integrity import DamagedRelease, quick_problems
from dashboard.api.state import state
from dashboard.release_reader import Release, ReleaseView

log = logging.getLogger(__name__)


def reader() -> ReleaseView:
    """The releases this request's pages may show: internal indicators only for a manager signed in
    through the access rules of dashboard.api (default deny), or when the app shows them to everyone."""
    return state().pages_reader()


def config() -> Config:
    return state().config


def release(release_id: str | None = None) -> Release:
    """The release a page was drawn from (when it still exists), else the current one; one per request."""
    if release_id is not None and not isinstance(release_id, str):  # a forged callback body
        flask.abort(400, "a release id is a string")
    cached = flask.g.get("om_release")
    if cached is not None and (release_id is None or cached.id == release_id):
        return cached
    rdr = reader()
    rel = None
    if release_id:
        try:
            rel = rdr.get(release_id)
        except StoreError:
            log.info("release=%s gone=true falling_back=current", release_id)
    if rel is None:
        rel = rdr.current()  # raises StoreError when nothing is published
    flask.g.om_release = rel
    return rel


def damaged(rel: Release) -> DamagedRelease | None:
    """The first damaged file of ``rel`` by the cheap check (every file's size and Parquet magic), once per
    request; None when every file passes."""
    key = ("om_damaged", rel.id)
    if flask.g.get("om_damaged_key") != key:
        problems = quick_problems(rel.path)
        flask.g.om_damaged = DamagedRelease(rel.id, *problems[0]) if problems else None
        flask.g.om_damaged_key = key
    return flask.g.om_damaged
