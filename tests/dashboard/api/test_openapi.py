"""The OpenAPI document matches the routes: a walker that calls every documented route and parameter, and
schemathesis generating requests from the document against the app (WSGI, no mocks)."""

from __future__ import annotations

import re

import pytest

from dashboard.api.download_formats import FORMATS
from tests.dashboard.api.conftest import make_app

pytestmark = pytest.mark.slow  # more than a few seconds: left out of the fast lane (README)

FORMAT_MIMES = {**{f.name: f.bare_mime for f in FORMATS.values()}, "csv": "text/csv"}


@pytest.fixture(scope="module")
def spec(app):
    return app.test_client().get("/api/v1/openapi.json").get_json()


def test_every_api_route_is_documented_and_every_documented_path_exists(app, spec):
    rules = {re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", r.rule) for r in app.url_map.iter_rules()
             if r.rule.startswith("/api/v1") and r.endpoint != "openmeasure_api_v1.not_found"}  # no route's answer
    assert rules == set(spec["paths"])


def _example(param: dict):
    schema = param["schema"]
    if schema.get("type") == "array":
        return schema["items"]["enum"][0]
    if "enum" in schema:
        return schema["enum"][0] if param["name"] != "format" else None
    return {"period_from": "2015", "period_to": "2020", "limit": "3", "bom": "false"}.get(param["name"])


def test_walk_every_route_and_parameter(client, spec):
    calls = 0
    for path, item in spec["paths"].items():
        op = item["get"]
        url = path
        for p in op["parameters"]:
            if p["in"] == "path":
                url = url.replace("{" + p["name"] + "}", _example(p))
        r = client.get(url)
        assert r.status_code == 200, (url, r.data[:200])
        documented = op["responses"]["200"]["content"]
        assert r.mimetype in documented, (url, r.mimetype)
        calls += 1
        for p in op["parameters"]:
            if p["in"] != "query":
                continue
            if p["name"] == "format":
                for fmt in p["schema"]["enum"]:
                    r = client.get(f"{url}?format={fmt}&level=region" if "data" in path else f"{url}?format={fmt}")
                    assert r.status_code == 200, (url, fmt, r.data[:200])
                    # metadata.json takes the CSV's format=csv (its query string is the CSV's) and stays metadata
                    expected = "application/csvm+json" if path.endswith("metadata.json") else FORMAT_MIMES[fmt]
                    assert r.mimetype == expected and r.mimetype in documented
                    calls += 1
                continue
            value = _example(p)
            if value is None:
                continue
            sep = "&" if "?" in url else "?"
            r = client.get(f"{url}{sep}{p['name']}={value}")
            assert r.status_code == 200, (url, p["name"], r.data[:300])
            calls += 1
        r = client.get(f"{url}{'&' if '?' in url else '?'}undocumented_parameter=1")
        assert r.status_code == 400 and r.get_json()["error"]["parameter"] == "undocumented_parameter"
    assert calls > 40


def test_errors_match_the_documented_error_schema(client, spec):
    schema = spec["components"]["schemas"]["Error"]
    body = client.get("/api/v1/data?level=planet").get_json()
    assert set(body) == set(schema["required"])
    assert set(body["error"]) <= set(schema["properties"]["error"]["properties"])
    assert body["error"]["parameter"] == "level"


schemathesis = pytest.importorskip("schemathesis")


@pytest.fixture(scope="module")
def small_app(api_config):
    """Small download limits so generated requests for a whole-release xlsx are refused quickly."""
    access = api_config.access.model_copy(update={"max_rows": 5000, "max_rows_xlsx": 500, "max_page_size": 200})
    return make_app(api_config.model_copy(update={"access": access}))


def test_schemathesis_finds_no_mismatch(small_app):
    from hypothesis import HealthCheck, given, settings
    from schemathesis import checks

    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", small_app)
    selected = [checks.not_a_server_error, checks.status_code_conformance, checks.content_type_conformance,
                checks.response_schema_conformance]
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 9, [op.label for op in operations]
    failures = []
    for op in operations:
        @given(case=op.as_strategy())
        @settings(max_examples=15, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        def run(case):
            case.call_and_validate(checks=selected)

        try:
            run()
        except Exception as exc:  # a failure group from schemathesis: collect them all, then report
            failures.append(f"{op.path}: {exc}")
    assert not failures, "\n".join(failures)


def test_the_document_names_the_data_licence_and_parents_are_areas_with_children(spec, api_config):
    assert spec["info"]["license"]["identifier"] == api_config.publication.licence
    data = spec["paths"]["/api/v1/data"]["get"]["parameters"]
    parent = next(p for p in data if p["name"] == "parent")["schema"]
    parents = set(parent.get("items", parent).get("enum", []))
    assert {"VL", "VL1"} <= parents and "VL101" not in parents  # a municipality has no areas below it


def test_list_parameters_take_as_many_values_as_the_routes_do(client, spec):
    """The document said at most 50 values per list parameter while the routes take 500: a client generated or
    validated from it refused to ask for the 286 municipalities of the demo by code, which the API answers
    (and the count the routes take follows access.max_query_length: tests/dashboard/api/test_request_limits.py).
    Since the demo publishes a breakdown (total, sex=F, sex=M) the breakdown list takes its share of the 4,096 bytes:
    277 of them."""
    data = {p["name"]: p["schema"] for p in spec["paths"]["/api/v1/data"]["get"]["parameters"]}
    municipalities = [a["area_code"] for a in client.get("/api/v1/areas?level=municipality").get_json()["data"]]
    most = data["area"]["maxItems"]
    assert 250 < most <= len(municipalities) == 286
    asked = municipalities[:most]
    r = client.get(f"/api/v1/data?indicator=neet_rate&period_from=2020&period_to=2020&area={','.join(asked)}")
    assert r.status_code == 200 and r.get_json()["total"] == len(asked)
    # twice as many, too long a query: the 400 naming the parameter over its maxItems, not a 414
    long = client.get("/api/v1/data?" + "&".join(f"area={c}" for c in municipalities * 2))
    assert long.status_code == 400 and long.get_json()["error"]["parameter"] == "area"


def test_every_refusal_is_the_documented_error_object(client, spec, api_config, tmp_path):
    """400, 404, 405, 414 and 503 each answer the Error object as the document's media type, with the status
    the document lists for the operation (a 405 is about a method the document does not list: it says which
    it takes, in Allow)."""
    import jsonschema

    error = spec["components"]["schemas"]["Error"]
    empty = make_app(api_config.model_copy(update={"store": str(tmp_path / "no-store")})).test_client()
    cases = [("/api/v1/data", client.get("/api/v1/data?planet=1"), 400),
             ("/api/v1/areas/{area_code}", client.get("/api/v1/areas/NOWHERE"), 404),
             ("/api/v1/releases/{release_id}", client.get("/api/v1/releases/20000101T000000Z-000000"), 404),
             ("/api/v1/areas/{area_code}", client.get("/api/v1/areas/" + "A" * 2000), 414),
             ("/api/v1/data", client.get("/api/v1/data?release=" + "2" * 5000), 414),
             ("/api/v1/data", empty.get("/api/v1/data"), 503),
             ("/api/v1/data", client.post("/api/v1/data"), 405),
             ("/api/v1/releases", client.delete("/api/v1/releases"), 405)]
    for route, r, status in cases:
        assert r.status_code == status, (route, r.status_code, r.data[:200])
        jsonschema.validate(r.get_json(), error)
        assert r.get_json()["error"]["status"] == status
        if status == 405:
            assert set(r.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "HEAD"}
            continue
        documented = spec["paths"][route]["get"]["responses"][str(status)]
        assert r.mimetype in documented["content"], (route, status, r.mimetype)
