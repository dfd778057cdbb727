"""The public API, ``/api/v1/``: indicators, areas, data, releases, each pinnable to a release.

JSON by default; ``format=`` any of download_formats.FORMATS on ``data`` (and ``csv`` on the small tables). Every
response carries an ETag (release id + who asks + the exact query) and Cache-Control, and answers a
matching ``If-None-Match`` with 304. Bad input is a 400 whose JSON names the parameter (errors.py).
"""

from __future__ import annotations

import re
from urllib.parse import urlencode

import flask
import orjson
from werkzeug.datastructures import MultiDict

from dashboard.api import formats, http, language, links, openapi, params, reading, sdmx, sdmx_structure
from dashboard.api.download_formats import FORMATS, PARAMETER_VALUES, TABLE_FORMATS, Values
from dashboard.api.errors import ApiError
from dashboard.api.metadata import COLUMN_TEXT, csvw, download_metadata, methodology_page
from dashboard.api.state import limit_request, state
from dashboard.api.tables import area_records, flat_table, indicator_records, public_areas
from dashboard.release_reader import Release

bp = flask.Blueprint("openmeasure_api_v1", __name__, url_prefix="/api/v1")
bp.before_request(limit_request)


def _cached(release_id: str, build) -> flask.Response:
    st = state()
    scope = st.scope()
    public = scope == "public"
    etag = http.etag_for(release_id, scope)
    max_age = st.config.access.cache_seconds
    return http.conditional(etag, public, max_age) or http.finish(build(), etag, public, max_age)


def _release_headers(resp: flask.Response, release: Release) -> flask.Response:
    resp.headers["X-OpenMeasure-Release"] = release.id
    return resp


@bp.get("/")
def index():
    params.check_names(flask.request.args, openapi.accepted("/api/v1/"))
    st = state()
    base = st.base_url() + "api/v1/"
    # the same for every release: its ETag needs none (it holds the code's version, which is what can change)
    etag, max_age = http.etag_for("", "public"), st.config.access.cache_seconds
    return http.conditional(etag, True, max_age) or http.finish(http.json_response({
        "title": "OpenMeasure open-data API", "version": "1",
        "openapi": base + "openapi.json", "documentation": st.base_url() + "api/",
        "routes": {k: base + k for k in ("indicators", "areas", "data", "releases")},
    }), etag, True, max_age)


# --- indicators ------------------------------------------------------------------------------------
@bp.get("/indicators")
def indicators():
    args = flask.request.args
    params.check_names(args, openapi.accepted("/api/v1/indicators"))
    rel = params.release(state().reader(), args)
    fmt = params.one(args, "format", TABLE_FORMATS, "json")
    themes = params.known(args, "theme", "theme", set(rel.indicators["theme"]), limits("/api/v1/indicators")["theme"])
    df = rel.indicators if themes is None else rel.indicators[rel.indicators["theme"].isin(themes)]
    config, lang = state().config, language.requested(args, state().config)

    def records(d):
        return language.mark_records(indicator_records(rel, d), config, lang, d)
    df = _methodology_links(rel, df)
    resp = _list_response(rel, fmt, df if fmt == "json" else language.translated_indicators(df, config, lang),
                          "indicators", records, lang=lang)
    resp.headers["Content-Language"] = lang
    return resp


def _methodology_links(rel: Release, df):
    """The indicators with the links every download's metadata gives them (last, so the columns before keep
    their places): ``methodology_page``, the human page /methodology/<id>, and ``methodology_url``, the
    indicator's metadata as JSON pinned to the release."""
    base = state().base_url()
    return df.assign(methodology_page=[methodology_page(base, i) for i in df["id"]],
                     methodology_url=[f"{base}api/v1/indicators/{i}?release={rel.id}" for i in df["id"]])


@bp.get("/indicators/<indicator_id>")
def indicator(indicator_id: str):
    args = flask.request.args
    params.check_names(args, openapi.accepted("/api/v1/indicators/{indicator_id}"))
    rel = params.release(state().reader(), args)
    if indicator_id not in rel.indicator_ids:
        raise ApiError(f"unknown indicator {indicator_id[:64]!r}", parameter="indicator_id", status=404)
    df = _methodology_links(rel, rel.indicators[rel.indicators["id"] == indicator_id])
    base = state().base_url()
    config, lang = state().config, language.requested(args, state().config)

    def build():
        rec = language.mark_records(indicator_records(rel, df), config, lang, df)[0]
        rec["release"] = rel.id
        rec["links"] = {
            "data": f"{base}api/v1/data?indicator={indicator_id}&release={rel.id}",
            "csv": f"{base}api/v1/data?indicator={indicator_id}&release={rel.id}&format=csv",
        }
        return http.json_response(rec)
    resp = _release_headers(_cached(rel.id, build), rel)
    resp.headers["Content-Language"] = lang
    return resp


def _list_response(rel, fmt: str, df, name: str, records, lang: str | None = None):
    """A list of indicators or areas as CSV (streamed) or JSON, cached per release and query (``lang``: the
    language of the list's texts, given in the JSON)."""
    def build():
        if fmt == "csv":
            t = flat_table(df)
            return http.stream(formats.csv_stream(t.schema, t.to_batches()), FORMATS["csv"].mime,
                               f"openmeasure-{rel.id}-{name}.csv")
        return http.json_response({"release": rel.id, "count": len(df), **({"lang": lang} if lang else {}),
                                   "data": records(df)})
    return _release_headers(_cached(rel.id, build), rel)


# --- areas -----------------------------------------------------------------------------------------
@bp.get("/areas")
def areas():
    args = flask.request.args
    params.check_names(args, openapi.accepted("/api/v1/areas"))
    rel = params.release(state().reader(), args)
    fmt = params.one(args, "format", TABLE_FORMATS, "json")
    codes = set(rel.areas["area_code"])
    most = limits("/api/v1/areas")
    levels = params.known(args, "level", "level", set(rel.levels), most["level"])
    parents = params.known(args, "parent", "area", codes, most["parent"])
    df = rel.areas
    if levels is not None:
        df = df[df["level"].isin(levels)]
    if parents is not None:
        df = df[df["parent_code"].isin(parents)]
    config, lang = state().config, language.requested(args, state().config)

    def records(d):
        return language.mark_areas(area_records(d), config, lang)
    resp = _list_response(rel, fmt, public_areas(df), "areas", records, lang=lang)
    resp.headers["Content-Language"] = lang
    return resp


@bp.get("/areas/<area_code>")
def area(area_code: str):
    args = flask.request.args
    params.check_names(args, openapi.accepted("/api/v1/areas/{area_code}"))
    rel = params.release(state().reader(), args)
    df = rel.areas[rel.areas["area_code"] == area_code]
    if df.empty:
        raise ApiError(f"unknown area {area_code[:64]!r}", parameter="area_code", status=404)
    base = state().base_url()
    config, lang = state().config, language.requested(args, state().config)

    def build():
        rec = language.mark_areas(area_records(df), config, lang)[0]
        rec["release"] = rel.id
        rec["children"] = rel.areas.loc[rel.areas["parent_code"] == area_code, "area_code"].tolist()
        rec["links"] = {"data": f"{base}api/v1/data?area={area_code}&release={rel.id}"}
        return http.json_response(rec)
    resp = _release_headers(_cached(rel.id, build), rel)
    resp.headers["Content-Language"] = lang
    return resp


# --- data ------------------------------------------------------------------------------------------
def value_query(rel: Release, args: MultiDict, route: str) -> reading.ValueQuery:
    codes = set(rel.areas["area_code"])
    most = limits(route)
    q = reading.ValueQuery(
        indicators=params.known(args, "indicator", "indicator", rel.indicator_ids, most["indicator"]),
        areas=params.known(args, "area", "area", codes, most["area"]),
        levels=params.known(args, "level", "level", set(rel.levels), most["level"]),
        parents=params.known(args, "parent", "area", codes, most["parent"]),
        breakdowns=params.known(args, "breakdown", "breakdown", reading.known_breakdowns(rel), most["breakdown"]),
        period_from=params.period(args, "period_from"),
        period_to=params.period(args, "period_to"),
    )
    return q


def _query_dict(q: reading.ValueQuery) -> dict:
    return {k: (list(v) if isinstance(v, tuple) else v) for k, v in vars(q).items() if v is not None}


def _filename(rel: Release, q: reading.ValueQuery, fmt: str) -> str:
    what = q.indicators[0] if q.indicators and len(q.indicators) == 1 else "data"
    return f"openmeasure-{rel.id}-{what}.{FORMATS[fmt].extension}"


def _too_large(n: int, limit: int, fmt: str) -> ApiError:
    return ApiError(
        f"the query matches {n:,} rows, more than the {limit:,} a {fmt} download may hold; narrow it with "
        "indicator, area, level, parent, breakdown, period_from or period_to, or download the whole release "
        "as one zip from /data", parameter="format" if FORMATS[fmt].spreadsheet else None, status=400)


@bp.get("/data")
def data():
    st = state()
    args = flask.request.args
    params.check_names(args, openapi.accepted("/api/v1/data"))
    rel = params.release(st.reader(), args)
    fmt = params.one(args, "format", PARAMETER_VALUES, "json")
    q = value_query(rel, args, "/api/v1/data")
    # every parameter's value is checked against the document, but one that means nothing for the format is
    # ignored, not refused (the document cannot tie one parameter to another): bom unless format=csv, limit and
    # cursor unless format=json (a download holds every row)
    bom = params.flag(args, "bom") and fmt == "csv"
    cfg = st.config.access
    limit = params.integer(args, "limit", cfg.page_size, 1, cfg.max_page_size)
    key = params.query_key(args, ignore=("cursor", "release"))
    cursor = params.cursor_shape(params.single(args, "cursor"))
    offset = params.read_cursor(cursor, rel.id, key) if fmt == "json" else 0
    lang = language.requested(args, st.config)
    st.blocks.ensure_current(st.public)  # pre-render the current release's CSV (once, in the background)

    def build():
        # the base URL is part of the key: downloads embed links, and a Host header must not poison them
        cache_key = f"{http.etag_for(rel.id, 'public')}|{st.base_url()}" \
            if fmt != "json" and st.scope() == "public" else None
        hit = st.cache.get(cache_key) if cache_key else None
        n = st.cache.notes.get(cache_key) if hit else None
        parts = None
        if n is None:
            parts = reading.plan(rel, q)
            n = reading.count(rel, q, parts)
        meta = lambda: download_metadata(  # noqa: E731 (only the formats that embed it pay for the scan)
            rel, indicator_ids=list(q.indicators) if q.indicators else None, periods=reading.period_span(rel, q),
            base_url=st.base_url(), url=flask.request.url, query=_query_dict(q), config=st.config, lang=lang)
        if fmt == "json":
            return _json_page(rel, q, n, offset, limit, key, meta())
        cap = cfg.max_rows_xlsx if FORMATS[fmt].spreadsheet else cfg.max_rows
        if n > cap:
            raise _too_large(n, cap, fmt)
        filename = _filename(rel, q, fmt)
        if cache_key:
            st.cache.notes[cache_key] = n
        if hit is not None:
            resp = http.send_cached(hit, FORMATS[fmt].mime, filename)
        else:
            reading.verify_before_sending(rel, parts)  # a damaged file: 503 now, not a body that breaks off
            body, how = _download_body(rel, q, fmt, bom, meta, parts)
            resp = http.stream(st.cache.tee(cache_key, body) if cache_key else body, FORMATS[fmt].mime,
                               filename)
            resp.headers["X-OpenMeasure-Cache"] = "miss" if cache_key and st.cache.enabled else "off"
            resp.headers["X-OpenMeasure-Render"] = how
        resp.headers["X-Total-Count"] = str(n)
        if fmt == "csv":
            resp.headers["Link"] = links.csv_link_header(
                f"{st.base_url()}api/v1/data/metadata.json?{flask.request.query_string.decode()}",
                rel.manifest.get("licence"))
        return resp
    return _release_headers(_cached(rel.id, build), rel)


def _download_body(rel: Release, q: reading.ValueQuery, fmt: str, bom: bool, meta,
                   parts: list[reading.Part] | None = None):
    """(body, how) of a download: ``how`` is 'blocks' when a CSV is put together from the release's
    pre-rendered CSV blocks (csv_blocks.py), else 'rendered'. ``parts`` is the query's plan when the count
    already made it."""
    schema = reading.value_schema(rel)
    if fmt == "csv":
        parts = reading.plan(rel, q) if parts is None else parts
        body = state().blocks.csv_body(rel, schema, parts, bom)  # None for an internal reader
        if body is not None:
            return body, "blocks"
    units = lambda: dict(zip(rel.indicators["id"], rel.indicators["unit"], strict=True))  # noqa: E731
    values = Values(schema, lambda columns: reading.batches(rel, q, columns, parts=parts), meta, units, COLUMN_TEXT,
                    bom)
    return FORMATS[fmt].writer(values), "rendered"


def _args_without(args: MultiDict, drop: tuple[str, ...]) -> dict:
    return {k: args.getlist(k) for k in args if k not in drop}


def _json_page(rel: Release, q: reading.ValueQuery, n: int, offset: int, limit: int, key: str,
               meta: dict) -> flask.Response:
    if offset and offset >= n:  # every cursor handed out points inside the result, which never changes
        raise ApiError(f"this cursor points past the end of the result ({n:,} rows): follow the 'next' link of "
                       "the previous page, or start again without 'cursor'", parameter="cursor",
                       status=params.CURSOR_UNKNOWN)
    nxt = None
    if offset + limit < n:
        args = _args_without(flask.request.args, ("cursor",))
        args["cursor"] = [params.make_cursor(rel.id, offset + limit, key)]
        args["release"] = [rel.id]
        # absolute, like every other link of the API: a client follows it as given (requests, R's httr and
        # jsonlite refuse a path without scheme and host)
        nxt = f"{state().base_url()}api/v1/data?{urlencode(args, doseq=True)}"

    def rows():
        skip, left = offset, limit
        for batch in reading.batches(rel, q):
            if skip >= batch.num_rows:
                skip -= batch.num_rows
                continue
            part = batch.slice(skip, left)
            skip = 0
            yield from formats.json_rows(part)
            left -= part.num_rows
            if left <= 0:
                break

    # a page holds at most max_page_size rows: read them all before the first byte, so a damaged file gives
    # a 503 rather than a 200 that breaks off mid-way
    data = b",".join(rows())

    def body():
        yield b'{"release":' + orjson.dumps(rel.id) + b',"total":' + str(n).encode()
        yield b',"offset":' + str(offset).encode() + b',"limit":' + str(limit).encode()
        yield b',"next":' + orjson.dumps(nxt) + b',"meta":' + orjson.dumps(meta) + b',"data":['
        yield data
        yield b"]}"
    resp = http.stream(body(), "application/json")
    resp.headers["X-Total-Count"] = str(n)
    if nxt:
        resp.headers["Link"] = f'<{nxt}>; rel="next"'
    return resp


@bp.get("/data/metadata.json")
def data_metadata():
    """The CSVW companion of a CSV download (same query parameters, minus format and bom)."""
    st = state()
    args = flask.request.args
    params.check_names(args, openapi.accepted("/api/v1/data/metadata.json"))
    params.one(args, "format", ("csv",), "csv")
    params.flag(args, "bom")
    rel = params.release(st.reader(), args)
    q = value_query(rel, args, "/api/v1/data/metadata.json")
    lang = language.requested(args, st.config)

    def build():
        # the CSV this describes is the one whose Link header names this URL: the same query string, as it is
        # (CSVW ignores metadata whose url is not the CSV's own); without format, the CSV in the former form
        csv_url = (f"{st.base_url()}api/v1/data?{flask.request.query_string.decode()}" if "format" in args
                   else flask.url_for(".data", _external=True, format="csv", **_args_without(args, ())))
        meta = download_metadata(rel, indicator_ids=list(q.indicators) if q.indicators else None,
                                 periods=reading.period_span(rel, q), base_url=st.base_url(), url=csv_url,
                                 query=_query_dict(q), config=st.config, lang=lang)
        fields = [(f.name, str(f.type)) for f in reading.value_schema(rel)]
        resp = http.json_response(csvw(meta, csv_url, fields))
        resp.mimetype = "application/csvm+json"
        return resp
    return _release_headers(_cached(rel.id, build), rel)


# --- releases --------------------------------------------------------------------------------------
def release_summary(rel: Release, base: str) -> dict:
    m = rel.manifest
    return {
        "id": rel.id, "created": m.get("created"), "title": m.get("title"), "synthetic": m.get("synthetic"),
        "schema_version": m.get("schema_version"), "levels": m.get("levels"), "licence": m.get("licence"),
        "attribution": m.get("attribution"), "citation": m.get("citation", "").replace("{release_id}", rel.id),
        "indicators": sorted(rel.indicator_ids), "rows": reading.count(rel, reading.ValueQuery()),
        "links": {"self": f"{base}api/v1/releases/{rel.id}", "zip": f"{base}data/releases/{rel.id}/release.zip",
                  "datapackage": f"{base}data/releases/{rel.id}/datapackage.json",
                  "data": f"{base}api/v1/data?release={rel.id}"},
    }


@bp.get("/releases")
def releases():
    st = state()
    params.check_names(flask.request.args, openapi.accepted("/api/v1/releases"))
    reader = st.reader()
    listed = reader.store.list()
    current = reader.current()

    def build():
        base = st.base_url()
        return http.json_response({"current": current.id, "data": [
            {"id": r["id"], "created": r["created"], "current": r["current"], "title": r["title"],
             "links": {"self": f"{base}api/v1/releases/{r['id']}"}} for r in listed]})
    return _cached("|".join(r["id"] for r in listed), build)


@bp.get("/releases/<release_id>")
def release(release_id: str):
    st = state()
    params.check_names(flask.request.args, openapi.accepted("/api/v1/releases/{release_id}"))
    rel = params.release_by_id(st.reader(), release_id, "release_id", status=404)
    return _release_headers(_cached(rel.id, lambda: http.json_response(release_summary(rel, st.base_url()))),
                            rel)


def _known(rel: Release, view) -> dict[str, list[str]]:
    """The values each parameter takes on ``rel`` as ``view`` (a reader: public, or internal) lists them."""
    return {"indicator": sorted(rel.indicator_ids), "area": sorted(rel.areas["area_code"]),
            "parent": sorted({p for p in rel.areas["parent_code"].dropna() if p}),  # areas with children
            "level": list(rel.levels), "breakdown": sorted(reading.known_breakdowns(rel)),
            "theme": sorted(set(rel.indicators["theme"])),
            "release": [r["id"] for r in view.store.list()], "lang": list(state().config.languages.available)}


def _document_of(view, kind: str) -> dict:
    """The OpenAPI document of ``view``'s current release, built once per release, base URL and ``kind``."""
    st = state()
    rel = view.current()
    cache = flask.current_app.extensions.setdefault("openmeasure_api_documents", {})
    key = (rel.id, st.base_url(), kind)
    if key not in cache:
        columns = [(f.name, str(f.type)) for f in reading.value_schema(rel)]
        if len(cache) >= 8:
            cache.clear()
        cache[key] = openapi.spec(st.base_url(), _known(rel, view), st.config.access.max_page_size,
                                  st.config.publication.licence, columns, st.config.access.max_query_length)
    return cache[key]


def document() -> dict:
    """The OpenAPI document of the current public release (the one served, to everyone)."""
    return _document_of(state().public, "public")


def limits(route: str) -> dict[str, int]:
    """How many values each list parameter of ``route`` takes for whoever asks: the public document's maxItems,
    or, for a signed-in manager, those of the same document made from what the manager can see (internal
    indicators too, whose ids may be more and longer). That document is never served: the internal ids stay
    out of the public one."""
    st = state()
    if not st.access.manager():
        return openapi.list_limits(document(), route)
    return openapi.list_limits(_document_of(st.internal, "internal"), route)


def check_counts() -> None:
    """For a query too long to answer: a 400 naming a list parameter of the route given more values than its
    maxItems (or a value that is not a code), which the document promises, rather than a 414."""
    rule = flask.request.url_rule
    route = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule) if rule is not None else None
    if route in openapi.ROUTE_PARAMS:
        for name, most in limits(route).items():
            params.values(flask.request.args, name, most)


@bp.get("/openapi.json")
def openapi_document():
    params.check_names(flask.request.args, openapi.accepted("/api/v1/openapi.json"))
    st = state()
    resp = http.json_response(document())
    return http.finish(resp, http.etag_for(st.public.current().id, "public"), True, st.config.access.cache_seconds)


@bp.get("/sdmx/structure")
def sdmx_structure_message():
    """The SDMX-ML 2.1 structure message (dataflow, DSD, code lists) of format=sdmx-csv2 (dashboard/api/sdmx.py)."""
    args = flask.request.args
    params.check_names(args, openapi.accepted("/api/v1/sdmx/structure"))
    rel = params.release(state().reader(), args)

    def build():
        body = rel.memo(("sdmx_structure",), lambda: sdmx_structure.structure_message(
            rel, reading.known_breakdowns(rel)))
        return flask.Response(body, content_type=sdmx.STRUCTURE_MIME)
    return _release_headers(_cached(rel.id, build), rel)


@bp.get("/<path:rest>")
def not_found(rest: str):
    """An address under /api/v1/ that no route has. Without this, Dash's page route (every path) answers it with
    the site's HTML 'page not found'; an API client gets the JSON error every other refusal gives."""
    shown = rest if len(rest) <= 64 else rest[:61] + "..."
    raise ApiError(f"no API route at /api/v1/{shown}; the routes are listed at /api/v1/", status=404)
