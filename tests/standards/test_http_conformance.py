"""The open-data API against its own OpenAPI document, with every check of schemathesis 4 (``--checks all``:
status codes, content types, response schemas, headers such as ``Allow`` on a 405, refusal of requests the
document forbids, acceptance of requests it allows), on a fixed number of examples per operation so the run
stays within a couple of minutes.

``positive_data_acceptance`` (every request the document allows is answered 2xx, or 404 for a cursor that
names no page) is checked on every request but a spreadsheet download, refused over access.max_rows_xlsx rows
as the format's description says (OpenAPI cannot relate a parameter to the data; the app's text downloads take
every row of the demo). Parameters that mean nothing for the chosen format (bom unless format=csv, limit and
cursor unless format=json) are ignored, not refused, so every combination the document allows is sent."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import checks

from dashboard.api.download_formats import FORMATS
from tests.dashboard.api.conftest import make_app

EXAMPLES = 12
#: Above the demo's rows, so that no text download of it is refused for its size.
MAX_ROWS = 100_000


@pytest.fixture(scope="module")
def small_demo_app(demo_config, demo_release):
    access = demo_config.access.model_copy(update={"max_rows": MAX_ROWS, "max_rows_xlsx": 500, "max_page_size": 200})
    return make_app(demo_config.model_copy(update={"access": access}))


def _promised(case) -> bool:
    """Whether the document promises this request an answer: not a spreadsheet over the row cap."""
    q = case.query or {}
    return not FORMATS.get(q.get("format", "json"), FORMATS["json"]).spreadsheet


def test_schemathesis_all_checks_find_nothing(small_demo_app):
    client = small_demo_app.test_client()
    assert client.get("/api/v1/data?limit=1").get_json()["total"] < MAX_ROWS
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", small_demo_app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 9
    failures, accepted = [], []
    for op in operations:
        @given(case=op.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        def run(case):
            promised = _promised(case)
            accepted.append(promised)
            case.call_and_validate(excluded_checks=[] if promised else [checks.positive_data_acceptance])

        try:
            run()
        except BaseException as exc:  # schemathesis's failure group: collect every operation's, then report
            if not isinstance(exc, Exception | BaseExceptionGroup):
                raise
            failures.append(f"{op.path}: {str(exc)[:1500]}")
    assert not failures, "\n".join(failures)
    assert sum(accepted) > len(accepted) / 2  # most requests were held to positive_data_acceptance


def test_an_empty_period_range_is_an_empty_result_and_an_unknown_cursor_names_no_page(small_demo_app):
    """Both were a 400 for a request the document allows: period_from after period_to now matches nothing,
    and a cursor the server did not hand out is a 404 (the page it names is not there), documented."""
    client = small_demo_app.test_client()
    for fmt in ("json", "csv"):
        r = client.get(f"/api/v1/data?period_from=2021&period_to=2019&format={fmt}")
        assert r.status_code == 200, r.data[:200]
    assert client.get("/api/v1/data?period_from=2021&period_to=2019").get_json()["total"] == 0
    spec = client.get("/api/v1/openapi.json").get_json()
    r = client.get("/api/v1/data?cursor=abc")
    assert r.status_code == 404 and r.get_json()["error"]["parameter"] == "cursor"
    assert "cursor" in spec["paths"]["/api/v1/data"]["get"]["responses"]["404"]["description"]


def test_a_refused_method_says_which_are_allowed_and_an_empty_cursor_is_outside_the_document(small_demo_app):
    client = small_demo_app.test_client()
    r = client.post("/api/v1/data")
    assert r.status_code == 405 and set(r.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "HEAD"}
    assert r.get_json()["error"]["status"] == 405
    spec = client.get("/api/v1/openapi.json").get_json()
    cursor = next(p for p in spec["paths"]["/api/v1/data"]["get"]["parameters"] if p["name"] == "cursor")
    assert cursor["schema"]["minLength"] == 1


def test_sdmx_obs_flag_carries_no_eurostat_colon():
    """Eurostat's ':' marks a missing value (OBS_STATUS M says so); it was passed on as an OBS_FLAG."""
    import pyarrow as pa

    from dashboard.api.formats import obs_flag

    got = obs_flag(pa.array([":", ": p", ":b", "e", "", None, "bp"], pa.string())).to_pylist()
    assert got == [None, "p", "b", "e", None, None, "bp"]
