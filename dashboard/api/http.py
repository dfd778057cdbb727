"""HTTP plumbing shared by the routes: conditional GET (ETag, 304), Cache-Control, streamed bodies.

Streamed bodies are plain generators that need no request context: everything they use (release, query,
base URL) is resolved before the response starts.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

import flask
import orjson

from core.built_with import code_sha256
from dashboard.api.cache import RENDER_VERSION

#: The installed OpenMeasure's version and a hash of the dashboard's code: part of every ETag.
SOFTWARE = code_sha256(packages=("dashboard",))


def etag_for(release_id: str, scope: str) -> str:
    """Strong validator from the release id, who asks (public / manager), the exact request and the version
    of what renders it: a release is immutable, but a new version of this code may answer it differently
    (a column left out, a field added), and a client holding the old body must not get a 304 for it."""
    req = flask.request
    items = sorted((k, v) for k in req.args for v in req.args.getlist(k))
    raw = orjson.dumps([release_id, scope, req.path, items, RENDER_VERSION, SOFTWARE])
    return hashlib.sha256(raw).hexdigest()[:40]


def not_modified(etag: str) -> bool:
    return etag in flask.request.if_none_match


def finish(resp: flask.Response, etag: str | None, public: bool, max_age: int) -> flask.Response:
    if etag is not None:
        resp.set_etag(etag)
    if public:
        resp.headers["Cache-Control"] = f"public, max-age={max_age}"
    else:
        resp.headers["Cache-Control"] = "private, no-cache"
    for name in ("Cookie", "Authorization"):  # kept beside what the answer already varies on (a page's language)
        resp.vary.add(name)
    resp.headers["X-Content-Type-Options"] = "nosniff"
    return resp


def conditional(etag: str, public: bool, max_age: int) -> flask.Response | None:
    """A 304 when the client already holds this representation."""
    if not_modified(etag):
        return finish(flask.Response(status=304), etag, public, max_age)
    return None


#: Paths whose public answers any web page may read (``fetch`` from a notebook or a newsroom's chart): the
#: API, the download centre and its files, the catalogue and the boundaries. Not the sign-in routes.
CORS_PREFIXES = ("/api/", "/data", "/catalog.jsonld", "/boundaries/")
#: Response headers a script in a browser may read besides the CORS-safelisted ones.
CORS_EXPOSED = ("ETag, Link, X-Total-Count, X-OpenMeasure-Release, X-OpenMeasure-Cache, X-OpenMeasure-Render, "
                "Content-Disposition")


def cors(resp: flask.Response) -> flask.Response:
    """after_request of the server: ``Access-Control-Allow-Origin: *`` on the open data, so that a script in a
    browser on another site can read it, and the answer to its preflight (``If-None-Match`` is not a
    safelisted header). Never on an answer made for a signed-in manager (``flask.g.om_manager``, set by
    :meth:`~dashboard.api.access.Access.manager` when the route asked who is asking): with a proxy that
    identifies managers by something the browser sends on its own (its address, a client certificate), a
    page on another site could otherwise read internal indicators through a manager's browser. No
    ``Allow-Credentials``: a browser does not send cookies or passwords with such a request."""
    req = flask.request
    if not req.path.startswith(CORS_PREFIXES) or req.path.startswith("/auth/") or flask.g.get("om_manager"):
        return resp
    resp.headers["Access-Control-Allow-Origin"] = "*"
    resp.headers["Access-Control-Expose-Headers"] = CORS_EXPOSED
    if req.method == "OPTIONS":
        resp.headers["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
        resp.headers["Access-Control-Allow-Headers"] = "If-None-Match, Accept, Accept-Language"
        resp.headers["Access-Control-Max-Age"] = "86400"
    return resp


def current_document(release_id: str, max_age: int, build) -> flask.Response:
    """A public document drawn from the current release (catalogue, sitemap): 304 when the client holds it,
    else ``build()`` with its ETag and Cache-Control."""
    etag = etag_for(release_id, "public")
    return conditional(etag, True, max_age) or finish(build(), etag, True, max_age)


def json_response(body, status: int = 200) -> flask.Response:
    return flask.Response(orjson.dumps(body, option=orjson.OPT_SERIALIZE_NUMPY), status=status,
                          mimetype="application/json")


def stream(chunks: Iterable[bytes], mimetype: str, filename: str | None = None) -> flask.Response:
    resp = flask.Response(iter(chunks), content_type=mimetype,
                          direct_passthrough=True)
    if filename:
        resp.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return resp


def send_cached(path, mimetype: str, filename: str) -> flask.Response:
    """A finished download from the cache folder (the server may use sendfile)."""
    resp = flask.send_file(path, mimetype=mimetype, as_attachment=True, download_name=filename,
                           conditional=False, etag=False, max_age=None)
    resp.headers["Content-Type"] = mimetype
    resp.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    resp.headers["X-OpenMeasure-Cache"] = "hit"
    return resp
