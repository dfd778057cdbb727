"""The OpenAPI 3.1 document of ``/api/v1``, and the one table of which parameters each route takes.

The routes check incoming parameter names against :data:`ROUTE_PARAMS`, and the document is generated from
it, so the document cannot promise a parameter a route refuses (or the other way round).
"""

from __future__ import annotations

from core.licences import licence_iri
from dashboard.api.download_formats import FORMATS, PARAMETER_VALUES, TABLE_FORMATS, DownloadFormat
from dashboard.api.metadata import COLUMN_TEXT
from dashboard.api.params import MAX_VALUE_LENGTH, encoded, share_out
from dashboard.api.state import MAX_PATH_LENGTH

PERIOD = r"^[0-9]{4}(-Q[1-4]|-(0[1-9]|1[0-2]))?$"

P = {
    "release": {"in": "query", "description": "Pin the query to a release id (default: the current release); "
                "see /api/v1/releases.", "schema": {"type": "string", "pattern": r"^\d{8}T\d{6}Z-[0-9a-f]{6}$",
                                                          "maxLength": len("20250101T000000Z-abcdef")}},
    "indicator": {"in": "query", "description": "Indicator id(s), comma-separated or repeated.",
                  "schema": {"type": "string"}},
    "area": {"in": "query", "description": "Area code(s), comma-separated or repeated.", "schema": {"type": "string"}},
    "level": {"in": "query", "description": "Level name(s) of the geography.", "schema": {"type": "string"}},
    "parent": {"in": "query", "description": "Parent area code(s): the areas directly below them.",
               "schema": {"type": "string"}},
    "breakdown": {"in": "query", "description": "Breakdown(s), e.g. 'total'.", "schema": {"type": "string"}},
    "period_from": {"in": "query", "description": "Keep periods that start on or after this period starts (2015, "
                    "2015-Q1, 2015-01): 2015-Q1 keeps the year 2015, 2015-Q2 does not. After period_to, no period is "
                    "in both: the result is empty.",
                    "schema": {"type": "string", "pattern": PERIOD, "maxLength": len("2015-Q1")}},
    "period_to": {"in": "query", "description": "Keep periods that end on or before this period ends: 2015 keeps "
                  "2015-Q4 and 2015-12; 2015-Q1 does not keep the year 2015.",
                  "schema": {"type": "string", "pattern": PERIOD, "maxLength": len("2015-Q1")}},
    "theme": {"in": "query", "description": "Theme(s) of the indicators.", "schema": {"type": "string"}},
    "lang": {"in": "query", "description": "Language of the metadata's words (titles, descriptions, units, "
             "methodology, caveats, theme names; on areas, the level's name, level_label; on data, the metadata "
             "a download carries: the JSON's meta, the spreadsheets' metadata sheet, the CSVW title): one the "
             "server offers (config languages.available; another is a 400). Without it, the server's default language; Accept-Language is not read, so an "
             "address is one answer. Ids, codes and values never change with the language; a text with no "
             "translation is given in the default language and named in the record's 'fallback'.",
             "schema": {"type": "string", "pattern": r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$", "maxLength": 35}},
    "limit": {"in": "query", "description": "Rows per JSON page; ignored unless format=json (a download holds "
              "every row), though its value is still checked.", "schema": {"type": "integer", "minimum": 1}},
    "cursor": {"in": "query", "description": "Cursor from the 'next' link of the previous JSON page (a position "
               "bound to the query and the release; not signed). One the server did not hand out for this "
               "query and release names no page: 404. Ignored unless format=json (a download holds every row), "
               "though its shape is still checked.",
               "schema": {"type": "string", "minLength": 1, "maxLength": 256, "pattern": "^[A-Za-z0-9_-]+$"}},
    "bom": {"in": "query", "description": "Start a CSV with a UTF-8 byte-order mark (for Excel); ignored unless "
            "format=csv, though its value is still checked.",
            "schema": {"type": "boolean"}},
    "bom_csvw": {"in": "query", "name": "bom", "description": "Taken so that the CSV download's query string can be "
                 "passed as it is; ignored (the metadata is the same with or without a byte-order mark).",
                 "schema": {"type": "boolean"}},
    "format_data": {"in": "query", "name": "format", "description": "Output format. A format other than json is "
                    "a download of every row the query matches, refused (400) above access.max_rows rows "
                    "(access.max_rows_xlsx for a spreadsheet).",
                    "schema": {"type": "string", "enum": list(PARAMETER_VALUES), "default": PARAMETER_VALUES[0]}},
    "format_csv": {"in": "query", "name": "format", "description": "The format of the CSV described: csv (the "
                   "metadata takes the CSV download's query string as it is, so that its url is the CSV's URL).",
                   "schema": {"type": "string", "enum": ["csv"]}},
    "format_table": {"in": "query", "name": "format", "description": "Output format.",
                     "schema": {"type": "string", "enum": list(TABLE_FORMATS), "default": TABLE_FORMATS[0]}},
}
FILTERS = ["indicator", "area", "level", "parent", "breakdown", "period_from", "period_to"]

#: route (as in the OpenAPI paths) -> the query parameters it accepts (keys of P)
ROUTE_PARAMS: dict[str, list[str]] = {
    "/api/v1/": [],
    "/api/v1/indicators": ["theme", "release", "format_table", "lang"],
    "/api/v1/indicators/{indicator_id}": ["release", "lang"],
    "/api/v1/areas": ["level", "parent", "release", "format_table", "lang"],
    "/api/v1/areas/{area_code}": ["release", "lang"],
    "/api/v1/data": [*FILTERS, "release", "format_data", "limit", "cursor", "bom", "lang"],
    "/api/v1/data/metadata.json": [*FILTERS, "release", "format_csv", "bom_csvw", "lang"],
    "/api/v1/releases": [],
    "/api/v1/releases/{release_id}": [],
    "/api/v1/openapi.json": [],
    "/api/v1/sdmx/structure": ["release"],
}

SUMMARIES = {
    "/api/v1/": "Links to the routes of the API.",
    "/api/v1/indicators": "Metadata of every public indicator (unit, methodology, licence, sources).",
    "/api/v1/indicators/{indicator_id}": "Metadata of one indicator.",
    "/api/v1/areas": "Areas of the geography with their level and parent.",
    "/api/v1/areas/{area_code}": "One area, its children and its nearest neighbours.",
    "/api/v1/data": "Indicator values, filtered; JSON pages with a cursor, or a whole download in another format.",
    "/api/v1/data/metadata.json": "CSVW metadata of the CSV download for the same filters.",
    "/api/v1/releases": "Published releases, newest first.",
    "/api/v1/releases/{release_id}": "One release: date, licence, citation, indicators, links.",
    "/api/v1/openapi.json": "This document.",
    "/api/v1/sdmx/structure": "SDMX-ML 2.1 structure message of format=sdmx-csv2: the dataflow, its data structure "
                              "definition and code lists (indicators, areas, levels, breakdowns, units, statuses).",
}

PATH_PARAMS = {"indicator_id": "Indicator id.", "area_code": "Area code.", "release_id": "Release id."}
PATH_KNOWN = {"indicator_id": "indicator", "area_code": "area", "release_id": "release"}


def accepted(route: str) -> set[str]:
    """The query parameter names a route accepts."""
    return {P[k].get("name", k) for k in ROUTE_PARAMS[route]}


def _error(description: str = "Bad request: the JSON names the parameter at fault.", **headers: str) -> dict:
    """An error response: the Error object as application/json (every refusal of the API has this body)."""
    out = {"description": description,
           "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    if headers:
        out["headers"] = {name.replace("_", "-"): {"description": text, "schema": {"type": "string"}}
                          for name, text in headers.items()}
    return out


#: The error responses every operation may give, besides 400 (and 404 for a path naming a resource).
ERRORS = {
    "414": _error(f"The query string is longer than the server takes (access.max_query_length) or the path longer "
                  f"than {MAX_PATH_LENGTH} bytes: ask for less."),
    "503": _error("No release can be served: none is published yet, or a file of the release is damaged (the "
                  "message names it; the operators are told).",
                  Retry_After="Seconds to wait before trying again (for a damaged release)."),
}


def _download_schema(fmt: DownloadFormat) -> dict:
    """The body of a download: the paged format's is a DataPage; a text format's a string, another's bytes."""
    if fmt.paged:
        return {"schema": {"$ref": "#/components/schemas/DataPage"}}
    return {"schema": {"type": "string"} if fmt.text else {"type": "string", "format": "binary"}}


def _ok(route: str) -> dict:
    content: dict = {"application/json": {"schema": {"type": "object"}}}
    if route == "/api/v1/data":
        content = {FORMATS[name].bare_mime: _download_schema(FORMATS[name]) for name in PARAMETER_VALUES}
    elif route == "/api/v1/indicators":
        content = {"application/json": {"schema": {"type": "object", "properties": {
            "release": {"type": "string"}, "count": {"type": "integer"},
            "lang": {"type": "string", "description": "The language of the texts (?lang=, else the default)."},
            "data": {"type": "array", "items": {"$ref": "#/components/schemas/Indicator"}}}}},
            "text/csv": {"schema": {"type": "string"}}}
    elif route == "/api/v1/indicators/{indicator_id}":
        content = {"application/json": {"schema": {"$ref": "#/components/schemas/Indicator"}}}
    elif route == "/api/v1/areas":
        content["text/csv"] = {"schema": {"type": "string"}}
    elif route == "/api/v1/sdmx/structure":
        content = {"application/vnd.sdmx.structure+xml": {"schema": {"type": "string"}}}
    elif route == "/api/v1/data/metadata.json":
        content = {"application/csvm+json": {"schema": {"type": "object"}}}
    return {"description": "OK", "headers": {"ETag": {"schema": {"type": "string"}}},
            "content": content}


LIST_PARAMS = {"indicator", "area", "level", "parent", "breakdown", "theme"}


def _schema(key: str, known: dict[str, list[str]], max_page: int) -> dict:
    """The parameter's schema, with the values the release knows as an enum (lists are repeatable; their
    maxItems come from :func:`_max_items`)."""
    base = dict(P[key]["schema"])
    if key in known:
        base["enum"] = known[key]
    if key == "limit":
        base["maximum"] = max_page
    if key in LIST_PARAMS:
        return {"type": "array", "items": base, "minItems": 1}
    return base


def _longest(schema: dict) -> int:
    """Bytes of the longest value a parameter's schema allows, in a query string."""
    if "enum" in schema:
        return max((encoded(str(v).lower()) for v in schema["enum"]), default=0)
    if schema.get("type") == "boolean":
        return len("false")
    if schema.get("type") == "integer":
        return len(str(schema["maximum"]))
    return schema.get("maxLength", MAX_VALUE_LENGTH)


def _max_items(parameters: list[dict], max_query_length: int) -> None:
    """Give each list parameter of a route its maxItems: its share of access.max_query_length (params.share_out,
    which the routes refuse by too)."""
    lists = {p["name"]: p["schema"] for p in parameters if p["in"] == "query" and p["schema"].get("type") == "array"}
    scalars = {p["name"]: _longest(p["schema"]) for p in parameters
               if p["in"] == "query" and p["name"] not in lists}
    counts = share_out({n: (len(s["items"].get("enum", [])), _longest(s["items"])) for n, s in lists.items()},
                       scalars, max_query_length)
    for name, schema in lists.items():
        schema["maxItems"] = counts[name]


def list_limits(document: dict, route: str) -> dict[str, int]:
    """maxItems of each list parameter of ``route`` in ``document`` (what the route refuses above)."""
    return {p["name"]: p["schema"]["maxItems"] for p in document["paths"][route]["get"]["parameters"]
            if "maxItems" in p["schema"]}


def _json_type(arrow_type: str) -> str:
    if arrow_type.startswith(("int", "uint")):
        return "integer"
    if arrow_type in ("double", "float", "halffloat") or arrow_type.startswith("decimal"):
        return "number"
    return "boolean" if arrow_type == "bool" else "string"


def value_row(columns: list[tuple[str, str]]) -> dict:
    """The schema of one row of values (a JSON page's ``data`` item, a CSV or xlsx row), in column order:
    ``columns`` are (name, Arrow type) of the published values (reading.value_schema)."""
    return {"type": "object", "description": "One value: the columns of every format of /api/v1/data except "
            "SDMX-CSV, in this order (area_name, the area's name in the release, follows area_code).",
            "properties": {n: {"type": [_json_type(t), "null"], "description": COLUMN_TEXT.get(n, "")}
                           for n, t in columns}}


def _license(licence: str) -> dict:
    """OpenAPI 3.1 License object: an SPDX id as ``identifier``, an IRI as ``url`` (never both)."""
    iri = licence_iri(licence)
    return {"name": licence, "url": iri} if iri == licence else {"name": licence, "identifier": licence}


def spec(server_url: str, known: dict[str, list[str]] | None = None, max_page: int = 10_000,
         licence: str | None = None, value_columns: list[tuple[str, str]] | None = None,
         max_query_length: int = 4096) -> dict:
    """The document; ``known`` gives the accepted values (ids, codes, levels, releases) of the current release,
    ``value_columns`` the (name, Arrow type) of its published values; ``max_query_length`` (access) bounds the
    number of values of the list parameters."""
    known = known or {}
    paths = {}
    for route, names in ROUTE_PARAMS.items():
        parameters = []
        for k in names:
            param = {"name": P[k].get("name", k), "in": "query", "required": False,
                     "description": P[k]["description"], "schema": _schema(k, known, max_page)}
            if k in LIST_PARAMS:
                param.update(style="form", explode=True)
            parameters.append(param)
        _max_items(parameters, max_query_length)
        for name, text in PATH_PARAMS.items():
            if "{" + name + "}" in route:
                schema = {"type": "string"}
                if PATH_KNOWN[name] in known:
                    schema["enum"] = known[PATH_KNOWN[name]]
                parameters.append({"name": name, "in": "path", "required": True, "description": text,
                                   "schema": schema})
        responses = {"200": _ok(route), "304": {"description": "Not modified (If-None-Match matched)."},
                     "400": _error(), **ERRORS}
        if "{" in route:
            responses["404"] = _error("Not found: the path names no indicator, area or release of this server.")
        if "cursor" in names:
            responses["404"] = _error("No such page: the cursor was not handed out for this query and release "
                                      "(or points past the end of the result).")
        paths[route] = {"get": {"summary": SUMMARIES[route], "parameters": parameters, "responses": responses,
                                "operationId": route.strip("/").replace("/", "_").replace("{", "")
                                .replace("}", "").replace(".", "_") or "root"}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "OpenMeasure open-data API", "version": "1.0.0",
                 "description": "Public indicator values at every level of the geography, with metadata, "
                                "licence and citation. Internal indicators are not part of the public API; "
                                "suppressed values are withheld with status 'suppressed'.",
                 **({"license": _license(licence)} if licence else {})},
        "servers": [{"url": server_url.rstrip("/")}],
        "paths": paths,
        "components": {"schemas": {
            "Error": {"type": "object", "required": ["error"], "properties": {"error": {
                "type": "object", "required": ["status", "message"],
                "properties": {"status": {"type": "integer"}, "message": {"type": "string"},
                               "parameter": {"type": "string"}}}}},
            "DataPage": {"type": "object", "required": ["release", "total", "data"], "properties": {
                "release": {"type": "string"}, "total": {"type": "integer"}, "offset": {"type": "integer"},
                "limit": {"type": "integer"}, "next": {"type": ["string", "null"]}, "meta": {"type": "object"},
                "data": {"type": "array", "items": {"$ref": "#/components/schemas/ValueRow"}}}},
            "ValueRow": value_row(value_columns or []),
            "Indicator": {"type": "object", "required": ["id", "title", "methodology_page", "methodology_url"],
                          "description": "An indicator's metadata (the columns of indicators.csv and more).",
                          "properties": {
                              "id": {"type": "string"}, "title": {"type": "string"}, "unit": {"type": "string"},
                              "methodology": {"type": "string", "description": "How it is computed, in words."},
                              "methodology_page": {"type": "string", "format": "uri", "description":
                                                   "The human methodology page, /methodology/<id>."},
                              "methodology_url": {"type": "string", "format": "uri", "description":
                                                  "The indicator's metadata as JSON, pinned to the release."},
                              "lang": {"type": "string", "description": "The language of the texts."},
                              "theme_label": {"type": "string", "description": "The theme's name in lang "
                                              "('theme' is the code the theme filter takes)."},
                              "fallback": {"type": ["object", "null"], "description": "The texts given in the "
                                           "default language for want of a translation (null: none).",
                                           "properties": {"lang": {"type": "string"},
                                                          "fields": {"type": "array", "items": {"type": "string"}}}}}},
        }},
    }
