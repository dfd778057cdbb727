"""The open-data routes as an attacker sees them: traversal, unknown and oversized input, wrong methods.

Every refusal must be a clean JSON error (no traceback, no file content) naming what was wrong.
"""

from __future__ import annotations

import pytest

from core.store import ReleaseStore
from tests.dashboard.api.conftest import MANAGER

TRAVERSAL = ["../", "..%2F", "%2e%2e%2f", "%2E%2E/", "..%5c", "....//", "%252e%252e%252f", "/etc/passwd",
             "%2Fetc%2Fpasswd", "..%00", "%00", "C:%5Cwindows", "~root"]


def assert_refused(r, statuses=(400, 404)):
    assert r.status_code in statuses, (r.request.url, r.status_code)
    assert r.mimetype == "application/json", r.request.url
    text = r.data.decode()
    assert "Traceback" not in text and "root:" not in text and "PAR1" not in text
    return r.get_json()["error"]


@pytest.mark.parametrize("bad", TRAVERSAL)
def test_traversal_in_release_ids(client, bad):
    for url in (f"/data/releases/{bad}/release.zip", f"/data/releases/{bad}manifest.json/README.md",
                f"/api/v1/releases/{bad}", f"/api/v1/releases/{bad}CURRENT",
                f"/api/v1/data?release={bad}", f"/api/v1/data?release={bad}20261128T142704Z-564ece",
                f"/api/v1/indicators?release={bad}", f"/data/revisions?from={bad}&to=current"):
        assert_refused(client.get(url, follow_redirects=True))


@pytest.mark.parametrize("bad", TRAVERSAL + ["manifest.json", "indicator_values_by_area.parquet", "CURRENT",
                                             "quality.parquet", "boundaries", "release.zip/..",
                                             "datapackage.json/../manifest.json"])
def test_traversal_and_raw_files_in_file_names(client, bad):
    assert_refused(client.get(f"/data/releases/current/{bad}", follow_redirects=True))
    assert_refused(client.get(f"/data/releases/current/{bad}/indicator_values.csv", follow_redirects=True))


def test_a_well_formed_but_unknown_release(client):
    err = assert_refused(client.get("/api/v1/data?release=20000101T000000Z-000000"))
    assert err["parameter"] == "release" and "unknown release" in err["message"]
    assert assert_refused(client.get("/api/v1/releases/20000101T000000Z-000000"))["parameter"] == "release_id"


@pytest.mark.parametrize("url", ["/api/v1/", "/api/v1/indicators", "/api/v1/indicators/neet_rate", "/api/v1/areas",
                                 "/api/v1/areas/VL1", "/api/v1/data", "/api/v1/data/metadata.json",
                                 "/api/v1/releases", "/api/v1/openapi.json", "/data", "/catalog.jsonld", "/api/",
                                 "/sitemap.xml", "/robots.txt", "/data/releases/current/README.md", "/data/revisions?from=current&to=current"])
def test_unknown_parameters_are_named(client, url):
    sep = "&" if "?" in url else "?"
    err = assert_refused(client.get(f"{url}{sep}sneaky=1"))
    assert err["parameter"] == "sneaky"


@pytest.mark.parametrize("query, parameter", [
    ("indicator=nope", "indicator"), ("indicator=neet_rate,nope", "indicator"), ("area=XX99", "area"),
    ("level=planet", "level"), ("parent=ZZ", "parent"), ("breakdown=age=Y15-24", "breakdown"),
    ("format=exe", "format"), ("format=csv&format=json", "format"), ("period_from=yesterday", "period_from"),
    ("period_to=2021-13", "period_to"),
    ("limit=0", "limit"), ("limit=-1", "limit"), ("limit=99999999", "limit"), ("limit=1e3", "limit"),
    ("cursor=garbage", "cursor"), ("cursor=eyJvIjotMX0", "cursor"), ("bom=maybe", "bom"),
    ("format=parquet&bom=maybe", "bom"), ("format=csv&limit=0", "limit"), ("indicator=", "indicator"),
    ("format=csv&cursor=%2F%2F", "cursor"),
    ("indicator=a%27%20OR%201=1--", "indicator"), ("area=<script>", "area"),
])
def test_bad_values_are_named(client, query, parameter):
    err = assert_refused(client.get(f"/api/v1/data?{query}"))
    assert err["parameter"] == parameter, err


@pytest.mark.parametrize("url, parameter", [
    ("/api/v1/data?limit=5&limit=6", "limit"), ("/api/v1/data?limit=5&limit=5", "limit"),
    ("/api/v1/data?format=csv&bom=true&bom=false", "bom"),
    ("/api/v1/data?period_from=2019&period_from=2020", "period_from"),
    ("/api/v1/data?period_to=2019&period_to=2020", "period_to"), ("/api/v1/data?cursor=a&cursor=b", "cursor"),
    ("/api/v1/data?release=current&release=current", "release"), ("/api/v1/areas?release=a&release=b", "release"),
    ("/api/v1/data/metadata.json?period_from=2019&period_from=2019", "period_from"),
    ("/data/revisions?from=current&from=current&to=current", "from"),
    ("/data/revisions?from=current&to=current&to=current", "to"),
])
def test_a_single_value_parameter_given_twice_is_refused(client, url, parameter):
    """?limit=5&limit=6 was answered as limit=5, the 6 silently dropped."""
    err = assert_refused(client.get(url), statuses=(400,))
    assert err["parameter"] == parameter and "once" in err["message"], err


def test_cursor_from_another_query_is_refused(client):
    nxt = client.get("/api/v1/data?indicator=neet_rate&limit=2").get_json()["next"]
    cursor = nxt.split("cursor=")[1].split("&")[0]
    err = assert_refused(client.get(f"/api/v1/data?indicator=online_share&limit=2&cursor={cursor}"))
    assert err["parameter"] == "cursor"


def test_a_forged_cursor_past_the_end_is_refused_and_the_messages_say_what_is_checked(client):
    """A cursor is base64 JSON, not signed: one re-encoded with a huge offset got 200 and an empty page, while
    the error for a malformed one claimed it could tell cursors 'this API handed out' from others."""
    import base64
    import json

    nxt = client.get("/api/v1/data?indicator=neet_rate&limit=2").get_json()["next"]
    token = nxt.split("cursor=")[1].split("&")[0]
    data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    data["o"] = 10**12
    forged = base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")
    r = client.get(f"/api/v1/data?indicator=neet_rate&limit=2&cursor={forged}&release={data['r']}")
    err = assert_refused(r, statuses=(404,))  # the page it names is not there
    assert err["parameter"] == "cursor" and "past the end of the result" in err["message"], err
    total = client.get("/api/v1/data?indicator=neet_rate&limit=1").get_json()["total"]
    data["o"] = total - 1  # the last row: a position inside the result is just another offset
    inside = base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")
    last = client.get(f"/api/v1/data?indicator=neet_rate&limit=2&cursor={inside}&release={data['r']}").get_json()
    assert len(last["data"]) == 1 and last["next"] is None
    bad = assert_refused(client.get("/api/v1/data?cursor=garbage"))
    assert "handed out" not in bad["message"] and "not a valid cursor" in bad["message"]


def test_oversized_requests(client, api_config):
    long = "indicator=" + ",".join(["neet_rate"] * 2000)
    r = client.get(f"/api/v1/data?{long}")  # too many values: the 400 the document promises, before the 414
    assert r.status_code == 400 and r.get_json()["error"]["parameter"] == "indicator"
    r = client.get(f"/api/v1/data?indicator=neet_rate&release={'2' * 5000}")
    assert r.status_code == 414 and "longer than" in r.get_json()["error"]["message"]
    many = "area=" + ",".join(f"A{i}" for i in range(501))
    assert_refused(client.get(f"/api/v1/data?{many}"))
    err = assert_refused(client.get("/api/v1/data?area=" + "A" * 200))
    assert err["parameter"] == "area"
    r = client.get("/api/v1/data", data=b"x" * 10_000)
    assert r.status_code == 400 and "takes no body" in r.get_json()["error"]["message"]


def test_wrong_methods_and_unknown_routes(client):
    for method in ("post", "put", "delete", "patch"):
        assert assert_refused(getattr(client, method)("/api/v1/data"), (405,))
    assert assert_refused(client.get("/api/v1/secrets"), (404,))
    assert assert_refused(client.get("/api/v2/data"), (404,))


def test_headers_do_not_let_content_be_sniffed(client):
    r = client.get("/api/v1/data?area=VL1&limit=1")
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    html = client.get("/data")
    assert "default-src 'self'" in html.headers["Content-Security-Policy"]


def test_html_pages_escape_what_they_show(client):
    r = client.get("/data/revisions?from=current&to=current&indicator=<script>")
    assert r.status_code == 400 and b"<script>" not in r.data.replace(b"\\u003c", b"")


def _outputs(spec: str) -> list[dict]:
    parts = spec.strip(".").split("...") if spec.startswith("..") else [spec]
    return [{"id": p.rsplit(".", 1)[0], "property": p.rsplit(".", 1)[1]} for p in parts]


def _crafted_callbacks(client, config, internal_id: str) -> list[tuple[str, str, str]]:
    """Call every dashboard callback that takes an indicator, with ``internal_id``, once with the current
    release id and once with a forged one. Returns (output, release, response text) for each call."""
    client.get("/")  # the first request registers the pages' callbacks
    current = ReleaseStore(config.store).current_id()
    defaults = {"level": "municipality", "period": "2024", "areas": ["VL101", "VL102"], "area": "VL101",
                "theme": None}
    answers = []
    for dep in client.get("/_dash-dependencies").get_json():
        fields = dep["inputs"] + dep["state"]
        if not any("indicator" in str(f["id"]) for f in fields):
            continue
        for release in (current, "../../etc/passwd"):
            def value(f, release=release):
                key = str(f["id"])
                if key == "release-id":
                    return release
                if "indicators" in key:
                    return [internal_id]
                if "indicator" in key:
                    return internal_id
                return next((v for k, v in defaults.items() if key.endswith(k)), None)

            body = {"output": dep["output"], "outputs": _outputs(dep["output"]),
                    "inputs": [{**f, "value": value(f)} for f in dep["inputs"]],
                    "state": [{**f, "value": value(f)} for f in dep["state"]],
                    "changedPropIds": [f"{dep['inputs'][0]['id']}.{dep['inputs'][0]['property']}"]}
            r = client.post("/_dash-update-component", json=body)
            assert r.status_code in (200, 204, 400, 404, 500), (dep["output"], r.status_code)
            answers.append((dep["output"], release, r.get_data(as_text=True)))
    return answers


def test_a_crafted_dash_callback_reveals_no_internal_indicator(api_config):
    """Every dashboard callback, called directly with the internal indicator's id (and with a forged
    release id), answers without its title, unit or methodology."""
    from dashboard.app import create_app

    internal = next(i for i in api_config.indicators if i.visibility == "internal")
    answers = _crafted_callbacks(create_app(api_config).server.test_client(), api_config, internal.id)
    assert len(answers) >= 6  # the explorer, area, compare and overview callbacks were all tried
    for output, release, text in answers:
        for secret in (internal.title, internal.unit, internal.methodology):
            assert secret not in text, (output, release, secret)
        assert "Traceback" not in text


def test_a_signed_in_manager_sees_internal_indicators_in_the_dashboard(api_config, manager_app):  # noqa: ARG001
    """The same callbacks show the internal indicator to a manager who signed in (accounts mode; the
    manager_app fixture creates the account in the catalogue)."""
    from dashboard.app import create_app
    from tests.dashboard.api.test_privacy import sign_in

    internal = next(i for i in api_config.indicators if i.visibility == "internal")
    access = api_config.access.model_copy(update={"mode": "accounts", "secret_key": "s" * 32})
    config = api_config.model_copy(update={"access": access})
    client = create_app(config).server.test_client()
    before = _crafted_callbacks(client, config, internal.id)
    assert not any(internal.title in text for _, _, text in before)
    assert sign_in(client, *MANAGER).status_code == 303
    after = _crafted_callbacks(client, config, internal.id)
    assert any(internal.title in text for _, _, text in after)


def test_no_release_yet_is_a_clean_503(api_config, tmp_path):
    from tests.dashboard.api.conftest import make_app

    client = make_app(api_config.model_copy(update={"store": str(tmp_path / "empty")})).test_client()
    for url in ("/api/v1/data", "/api/v1/releases", "/data", "/catalog.jsonld"):
        r = client.get(url)
        assert r.status_code == 503 and "no release" in r.get_json()["error"]["message"], url


def test_a_pinned_release_the_store_no_longer_keeps_says_so(client, api_store):
    """A script pinned with release=<id> a week ago got "unknown release '...'", which reads as a typo: the
    store had pruned it (publication.keep_releases). The answer says so, and how to keep the figures."""
    gone = "20000101T000000Z-0a0b0c"
    for url, parameter in ((f"/api/v1/data?indicator=neet_rate&release={gone}", "release"),
                           (f"/data/revisions?from={gone}&to=current", "from")):
        err = assert_refused(client.get(url), statuses=(400,))
        assert err["parameter"] == parameter, err
        assert "older than every release this server keeps" in err["message"] and api_store["old"] in err["message"]
        assert "release.zip" in err["message"]
    err = assert_refused(client.get("/api/v1/data?release=29991231T235959Z-abcdee"), statuses=(400,))
    assert "did you mean '29991231T235959Z-abcdef'" in err["message"] and "keeps" not in err["message"]
    guide = client.get("/api/").get_data(as_text=True)  # it promised "the same answer next year"
    assert "next year" not in guide and "keeps its 5 most recent releases" in guide


def test_a_release_named_in_the_path_that_is_not_there_is_a_404(client):
    """/api/v1/indicators/<unknown> was a 404 but /api/v1/releases/<unknown> and /data/releases/<unknown>/<file>
    were 400s: a script checking for 'not found' had to special-case them."""
    for url in ("/api/v1/releases/20000101T000000Z-000000", "/api/v1/releases/nope",
                "/data/releases/nope/release.zip", "/data/releases/20000101T000000Z-000000/README.md"):
        err = assert_refused(client.get(url), statuses=(404,))
        assert err["parameter"] == "release_id", (url, err)
    assert client.get("/api/v1/data?release=nope").status_code == 400  # a query parameter stays a 400
