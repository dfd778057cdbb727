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


def _problem(status: int, mimetype: str, body: dict, expected: int) -> None:
    assert (status, mimetype) == (expected, "application/json"), body
    assert body["error"]["status"] == expected and body["error"]["message"]


#: A valid value of each scalar parameter a request below sends (the others are left out).
SCALARS = {"period_from": "2015", "period_to": "2020-12", "format": "csv", "bom": "false"}


def _longest(schema: dict) -> str:
    return max(schema["enum"], key=lambda v: len(quote(str(v).lower(), safe="")))


def _scalar_bytes(schema: dict) -> int:
    if "enum" in schema:
        return len(quote(str(_longest(schema)).lower(), safe=""))
    if schema.get("type") == "integer":
        return len(str(schema["maximum"]))
    return len("false") if schema.get("type") == "boolean" else schema["maxLength"]


def _query(lists: dict[str, dict], counts: dict[str, int], scalars: dict[str, str]) -> str:
    items = [f"{name}={quote(_longest(schema['items']), safe='')}" for name, schema in lists.items()
             for _ in range(counts[name])]
    return "&".join(items + [f"{k}={v}" for k, v in scalars.items()])


@pytest.mark.parametrize("max_query_length", [4096, 900])
def test_every_list_at_max_items_fits_with_every_parameter_and_one_more_is_a_400(api_config, max_query_length):
    """Each route's list parameters at maxItems of their longest value, with every other parameter at its
    longest, fit in access.max_query_length, even with one value more of each: a request the document allows
    is answered (never a 414), and one value too many is a 400 that names the parameter."""
    access = api_config.access.model_copy(update={"max_query_length": max_query_length})
    app = make_app(api_config.model_copy(update={"access": access}))
    client = app.test_client()
    spec = client.get("/api/v1/openapi.json").get_json()
    checked = 0
    for route in ("/api/v1/data", "/api/v1/data/metadata.json", "/api/v1/areas", "/api/v1/indicators"):
        query = [p for p in spec["paths"][route]["get"]["parameters"] if p["in"] == "query"]
        lists = {p["name"]: p["schema"] for p in query if p["schema"].get("type") == "array"}
        most = {name: schema["maxItems"] for name, schema in lists.items()}
        scalar_room = sum(len(p["name"]) + 2 + _scalar_bytes(p["schema"]) for p in query if p["name"] not in lists)
        over = _query(lists, {n: c + 1 for n, c in most.items()}, {})
        assert len(over) + scalar_room <= max_query_length, route
        scalars = {k: v for k, v in SCALARS.items() if k in {p["name"] for p in query}}
        r = client.get(f"{route}?{_query(lists, most, scalars)}")
        assert r.status_code == 200, (route, r.data[:300])
        for name in lists:
            r = client.get(f"{route}?{_query(lists, {**most, name: most[name] + 1}, scalars)}")
            assert (r.status_code, r.mimetype) == (400, "application/json"), (route, name, r.data[:300])
            err = r.get_json()["error"]
            assert err["parameter"] == name and f"at most {most[name]}" in err["message"], err
            checked += 1
    assert checked >= 11
    # the count follows the limit: most of the demo's 286 municipalities by code fit in the default one (277
    # since the demo publishes a breakdown, whose values take their share)
    if max_query_length == 4096:
        assert next(p for p in spec["paths"]["/api/v1/data"]["get"]["parameters"]
                    if p["name"] == "area")["schema"]["maxItems"] >= 250


def test_an_over_long_path_or_query_is_a_documented_json_414(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    for path, item in spec["paths"].items():
        assert "414" in item["get"]["responses"], path
    for url in ("/api/v1/areas/" + "A" * MAX_PATH_LENGTH, "/data/releases/" + "%41" * MAX_PATH_LENGTH,
                "/api/v1/data?release=" + "2" * 4096):
        r = client.get(url)
        _problem(r.status_code, r.mimetype, r.get_json(), 414)
    # too many values of a list parameter is the 400 the document promises, even in a query too long to answer
    r = client.get("/api/v1/data?" + "&".join(["level=region"] * 1000))
    _problem(r.status_code, r.mimetype, r.get_json(), 400)
    assert r.get_json()["error"]["parameter"] == "level"
    # a page answers in plain text, not the API's JSON
    r = client.get("/" + "a" * MAX_PATH_LENGTH)
    assert r.status_code == 414 and r.mimetype == "text/plain"


@pytest.mark.slow
def test_served_by_gunicorn_an_over_long_request_gets_the_json_414_not_gunicorns_html(api_store):
    env = {"OPENMEASURE_CONFIG": str(ROOT / "config.yaml"), "OPENMEASURE_STORE": api_store["store"],
           "OPENMEASURE_CATALOGUE": api_store["catalogue"]}
    with gunicorn(env) as base:
        longest_query = "release=" + "2" * (4096 - len("release="))
        r = requests.get(f"{base}/api/v1/data?{longest_query}", timeout=30)
        assert r.status_code == 400 and r.json()["error"]["parameter"] == "release"  # reaches the route
        for url in (f"/api/v1/data?{longest_query}2",  # one byte over access.max_query_length
                    "/api/v1/areas/" + "A" * (MAX_PATH_LENGTH + 1),
                    # the longest path and query the app refuses itself, together
                    "/api/v1/" + "a" * (MAX_PATH_LENGTH - len("/api/v1/")) + f"?{longest_query}n"):
            r = requests.get(base + url, timeout=30)
            _problem(r.status_code, r.headers["Content-Type"].split(";")[0], r.json(), 414)
        # gunicorn's own limit is lifted: far longer requests are the app's to refuse, with the JSON the document
        # promises: too many values of a list parameter is a 400 naming it (not a 414), anything else a 414
        r = requests.get(f"{base}/api/v1/data", params={"area": ["VL1"] * 5000}, timeout=30)
        _problem(r.status_code, r.headers["Content-Type"].split(";")[0], r.json(), 400)
        assert r.json()["error"]["parameter"] == "area"
        r = requests.get(f"{base}/api/v1/data", params={"release": "2" * 50_000}, timeout=30)
        _problem(r.status_code, r.headers["Content-Type"].split(";")[0], r.json(), 414)


def test_a_manager_may_name_every_indicator_they_see_and_the_public_document_stays_public(manager_app):
    """maxItems came from the public document alone: a signed-in manager, who also sees internal indicators,
    was refused a query naming all of them (one more than the public count). A manager's limits are now those
    of the same document made from what the manager sees; the document served stays the public one."""
    import base64
    import json

    from dashboard.api.openapi import list_limits
    from tests.dashboard.api.conftest import MANAGER

    client = manager_app.test_client()
    auth = {"Authorization": "Basic " + base64.b64encode(f"{MANAGER[0]}:{MANAGER[1]}".encode()).decode()}
    public = client.get("/api/v1/openapi.json").get_json()
    most = list_limits(public, "/api/v1/data")["indicator"]
    public_ids = {d["id"] for d in client.get("/api/v1/indicators").get_json()["data"]}
    seen = sorted(d["id"] for d in client.get("/api/v1/indicators", headers=auth).get_json()["data"])
    internal = set(seen) - public_ids
    assert internal and len(seen) > most
    r = client.get(f"/api/v1/data?indicator={','.join(seen)}&limit=1", headers=auth)
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["total"] > 0
    over = client.get(f"/api/v1/data?indicator={','.join([*seen, seen[0]])}&limit=1", headers=auth)
    assert over.status_code == 400 and over.get_json()["error"]["parameter"] == "indicator"
    served = json.dumps(client.get("/api/v1/openapi.json", headers=auth).get_json())
    assert served == json.dumps(public) and not any(i in served for i in internal)
    public_over = client.get(f"/api/v1/data?indicator={','.join(sorted(public_ids) + [seen[0]])}&limit=1")
    assert public_over.status_code == 400  # the public limit is unchanged
