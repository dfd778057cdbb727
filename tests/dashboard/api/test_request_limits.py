"""Request-size limits as the OpenAPI document states them: an over-long path or query string gets the
documented JSON 414 (also under a real gunicorn, whose own request-line limit sits above the app's), and each
list parameter's ``maxItems`` is the count the routes take, reachable under ``access.max_query_length``."""

from __future__ import annotations

from urllib.parse import quote

import pytest
import requests

from dashboard.api.state import MAX_PATH_LENGTH
from tests.conftest import ROOT
from tests.dashboard.api.conftest import make_app
from tests.dashboard.api.served_app import gunicorn

LISTS = ("indicator", "area", "level", "parent", "breakdown")


def _problem(status: int, mimetype: str, body: dict, expected: int) -> None:
    assert (status, mimetype) == (expected, "application/json"), body
    assert body["error"]["status"] == expected and body["error"]["message"]


def _list_schemas(app) -> dict[str, dict]:
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    return {p["name"]: p["schema"] for p in spec["paths"]["/api/v1/data"]["get"]["parameters"]
            if p["name"] in LISTS}


def _longest(schema: dict) -> str:
    return max(schema["items"]["enum"], key=lambda v: len(quote(v, safe="")))


@pytest.mark.parametrize("max_query_length", [4096, 600])
def test_max_items_is_the_routes_limit_and_fits_in_the_query(api_config, max_query_length):
    """maxItems values of the longest code, repeated as the document says, are answered; one more (in the
    shorter comma form, so that the query still fits) is a 400 naming the parameter."""
    access = api_config.access.model_copy(update={"max_query_length": max_query_length})
    app = make_app(api_config.model_copy(update={"access": access}))
    client = app.test_client()
    schemas = _list_schemas(app)
    for name, schema in schemas.items():
        # a parent may be any area (one without areas below it has no rows), so its count is the areas'
        n, longest = schema["maxItems"], _longest(schemas["area"] if name == "parent" else schema)
        query = "&".join([f"{name}={quote(longest, safe='')}"] * n)
        assert len(query) <= max_query_length < len(query) + len(name) + 2 + len(quote(longest, safe="")), name
        r = client.get(f"/api/v1/data?{query}")
        assert r.status_code == 200, (name, n, r.data[:300])
        over = f"{name}=" + ",".join([quote(longest, safe="")] * (n + 1))
        assert len(over) <= max_query_length, name
        r = client.get(f"/api/v1/data?{over}")
        _problem(r.status_code, r.mimetype, r.get_json(), 400)
        assert r.get_json()["error"]["parameter"] == name and f"at most {n}" in r.get_json()["error"]["message"]


def test_an_over_long_path_or_query_is_a_documented_json_414(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    for path, item in spec["paths"].items():
        assert "414" in item["get"]["responses"], path
    for url in ("/api/v1/areas/" + "A" * MAX_PATH_LENGTH, "/data/releases/" + "%41" * MAX_PATH_LENGTH,
                "/api/v1/data?indicator=" + "n" * 4096):
        r = client.get(url)
        _problem(r.status_code, r.mimetype, r.get_json(), 414)
    # a page answers in plain text, not the API's JSON
    r = client.get("/" + "a" * MAX_PATH_LENGTH)
    assert r.status_code == 414 and r.mimetype == "text/plain"


@pytest.mark.slow
def test_served_by_gunicorn_an_over_long_request_gets_the_json_414_not_gunicorns_html(api_store):
    env = {"OPENMEASURE_CONFIG": str(ROOT / "config.yaml"), "OPENMEASURE_STORE": api_store["store"],
           "OPENMEASURE_CATALOGUE": api_store["catalogue"]}
    with gunicorn(env) as base:
        longest_query = "indicator=" + "n" * (4096 - len("indicator="))
        r = requests.get(f"{base}/api/v1/data?{longest_query}", timeout=30)
        assert r.status_code == 400 and r.json()["error"]["parameter"] == "indicator"  # reaches the route
        for url in (f"/api/v1/data?{longest_query}n",  # one byte over access.max_query_length
                    "/api/v1/areas/" + "A" * (MAX_PATH_LENGTH + 1),
                    # the longest path and query the app refuses itself, together
                    "/api/v1/" + "a" * (MAX_PATH_LENGTH - len("/api/v1/")) + f"?{longest_query}n"):
            r = requests.get(base + url, timeout=30)
            _problem(r.status_code, r.headers["Content-Type"].split(";")[0], r.json(), 414)
