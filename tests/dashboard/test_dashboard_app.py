"""The app as a server: boundaries route, release pick-up without restart, one release per page, serve."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.slow  # more than a few seconds: left out of the fast lane (README)

ROUTER = {"output": ".._pages_content.children..._pages_store.data..",
          "outputs": [{"id": "_pages_content", "property": "children"}, {"id": "_pages_store", "property": "data"}],
          "changedPropIds": ["_pages_location.pathname"], "state": []}


def page(client, path: str, search: str = "") -> str:
    body = {**ROUTER, "inputs": [{"id": "_pages_location", "property": "pathname", "value": path},
                                 {"id": "_pages_location", "property": "search", "value": search}]}
    resp = client.post("/_dash-update-component", json=body)
    assert resp.status_code == 200, resp.data[:500]
    return resp.get_data(as_text=True)


def test_boundaries_are_served_once_and_cached_for_good(dash_app, release):
    client = dash_app.server.test_client()
    resp = client.get(f"/boundaries/{release.id}/municipality.geojson")
    assert resp.status_code == 200 and resp.mimetype == "application/geo+json"
    assert "immutable" in resp.headers["Cache-Control"]
    assert b'"VL101"' in resp.data
    assert client.get(f"/boundaries/{release.id}/planet.geojson").status_code == 404
    assert client.get("/boundaries/not-a-release/municipality.geojson").status_code == 404
    sneaky = client.get("/boundaries/..%2F..%2Fetc/passwd.geojson")  # Dash's page route answers, not ours
    assert sneaky.mimetype != "application/geo+json" and b"root:" not in sneaky.data


def test_every_page_names_the_release_it_was_drawn_from(dash_app, release):
    client = dash_app.server.test_client()
    for path in ("/", "/indicator/online_share", "/area/VL101", "/compare", "/methodology/online_share", "/status"):
        assert f'"data":"{release.id}"' in page(client, path) or path in ("/methodology/online_share", "/status")
    assert "Synthetic data" in client.get("/_dash-layout").get_data(as_text=True)


def test_a_new_release_is_picked_up_without_restart_and_callbacks_keep_their_release(
        tmp_path, demo_config, release, dash_app):
    from dashboard import context
    from dashboard.app import create_app

    store = tmp_path / "store"
    shutil.copytree(release.path, store / "releases" / release.id)
    (store / "CURRENT").write_text(release.id + "\n")
    app = create_app(demo_config.model_copy(update={"store": str(store)}))
    client = app.server.test_client()
    assert release.id in page(client, "/area/VL1")

    new_id = release.id[:-6] + "ffffff"
    shutil.copytree(release.path, store / "releases" / new_id)
    (store / "CURRENT").write_text(new_id + "\n")
    assert new_id in page(client, "/area/VL1"), "the next page view shows the new release"
    with app.server.test_request_context("/"):
        assert context.release(release.id).id == release.id, "a page's callbacks keep the page's release"
    with app.server.test_request_context("/"):
        assert context.release(None).id == new_id
    shutil.rmtree(store / "releases" / release.id)
    with app.server.test_request_context("/"):
        assert context.release(release.id).id == new_id, "a pruned release falls back to the current one"


def test_no_release_yet_gives_a_plain_message(tmp_path, demo_config):
    from dashboard.app import create_app

    app = create_app(demo_config.model_copy(update={"store": str(tmp_path / "empty")}))
    text = page(app.server.test_client(), "/indicator/online_share")
    assert "No data has been published yet" in text


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_serve_runs_gunicorn_with_the_config(demo_env, demo_release):
    port = free_port()
    env = {**os.environ, **demo_env}
    proc = subprocess.Popen([sys.executable, "-m", "etl.cli", "serve", "--config", "config.yaml", "--port", str(port),
                             "--workers", "1"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_dash-layout", timeout=5) as resp:
                    body = resp.read().decode()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"serve did not start: {proc.stdout.read() if proc.poll() is not None else ''}")
                time.sleep(0.3)
        assert "Synthetic data" in body
        # a query up to access.max_query_length (4096) reaches the app, and a longer one gets the documented
        # JSON 414, not gunicorn's HTML one (its default request-line limit, 4094 bytes, is below 4096; and
        # gunicorn's own limit is lifted, so that 20,000 bytes get the JSON too)
        for query, status in (("release=" + "a" * 4072, 400), ("release=" + "a" * 4088, 400),
                              ("release=" + "a" * 4089, 414), ("release=" + "a" * 20_000, 414)):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/data?{query}", timeout=30)
                pytest.fail("a refused query was answered 200")
            except urllib.error.HTTPError as err:
                assert (err.code, err.headers.get_content_type()) == (status, "application/json"), query
                assert json.loads(err.read())["error"]["status"] == status
    finally:
        proc.terminate()
        out = proc.communicate(timeout=30)[0]
    assert "gunicorn" in out.lower() and "Booting worker" in out


def test_serve_lets_every_over_long_request_reach_the_app():
    """Any fixed request-line limit is below some request a client may send, which then got gunicorn's HTML
    414 (tests/dashboard/api/test_request_limits.py sends them to a real gunicorn)."""
    from dashboard.serve import options

    assert options("127.0.0.1", 8050, 1)["limit_request_line"] == 0  # gunicorn's own limit lifted (1 MB)


def test_serve_with_a_bad_config_stops_with_a_message(tmp_path):
    bad = tmp_path / "config.yaml"
    bad.write_text("title: x\nstore: 3\n")
    done = subprocess.run([sys.executable, "-m", "etl.cli", "serve", "--config", str(bad)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "invalid configuration" in done.stderr and "Traceback" not in done.stderr


def test_serve_rejects_a_bad_port_before_starting(demo_env):
    done = subprocess.run([sys.executable, "-m", "etl.cli", "serve", "--config", "config.yaml", "--port", "0"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120, env={**os.environ, **demo_env})
    assert done.returncode == 2 and "--port 0" in done.stderr and "serving" not in done.stdout


def _hrefs(tree) -> set[str]:
    found = set()
    if isinstance(tree, dict):
        href = tree.get("href")
        if isinstance(href, str) and href.startswith(("/api/v1/data", "/data")):
            found.add(href)
        for v in tree.values():
            found |= _hrefs(v)
    elif isinstance(tree, list):
        for v in tree:
            found |= _hrefs(v)
    return found


def test_every_data_link_on_the_pages_works(dash_app, release):
    """Follow every link to the API and the download centre that the pages and the explorer's values table
    render: each answers 200, and a JSON one is whole, parseable JSON (not a body cut off mid-stream)."""
    import json

    from dashboard.views import explorer

    client = dash_app.server.test_client()
    hrefs = set()
    for path in ("/", "/indicator/neet_rate", "/area/VL101", "/area/VL1", "/compare", "/methodology/neet_rate",
                 "/status"):
        hrefs |= _hrefs(json.loads(page(client, path)))
    meta = release.indicators.set_index("id").loc["neet_rate"].to_dict() | {"id": "neet_rate"}
    with dash_app.server.test_request_context("/"):
        table = explorer.ranking_outputs(release, meta, "municipality", "2024")[-1]
    hrefs |= _hrefs(json.loads(json.dumps(table.to_plotly_json(), default=lambda o: o.to_plotly_json())))
    assert any("format=json" in h for h in hrefs) and any("period_from" in h for h in hrefs), hrefs
    for href in sorted(hrefs):
        resp = client.get(href)
        assert resp.status_code == 200, (href, resp.get_data(as_text=True)[:300])
        if "format=json" in href:
            assert json.loads(resp.get_data())["data"], href


def _walk(tree, found: list) -> list:
    """(type, props) of every component, in document order."""
    if isinstance(tree, dict):
        if "type" in tree and "props" in tree:
            found.append((tree["type"], tree["props"]))
        for v in tree.values():
            _walk(v, found)
    elif isinstance(tree, list):
        for v in tree:
            _walk(v, found)
    return found


def test_area_page_headings_columns_and_a_neutral_indicators_quartile(dash_app):
    """Headings do not skip a level; a region's table has one column for the country (its parent and the top
    level), not two; a neutral indicator (applications received) is never in a 'best' quarter."""
    import json
    import re

    client = dash_app.server.test_client()
    for code in ("VL1", "VL101"):
        nodes = _walk(json.loads(page(client, f"/area/{code}")), [])
        levels = [int(t[1]) for t, _ in nodes if t in ("H1", "H2", "H3", "H4")]
        assert levels[0] == 1 and all(b <= a + 1 for a, b in zip(levels, levels[1:], strict=False)), levels
        assert not re.search(r"\b1 indicators", json.dumps(nodes))
    def tables(code: str) -> list[str]:  # the page's tables, as the HTML they are rendered to
        return [p["dangerously_allow_html"] and p.get("children") or "" for t, p in
                _walk(json.loads(page(client, f"/area/{code}")), []) if p.get("className") == "table-html"]

    region = "".join(tables("VL1"))
    assert region.count(">Republic of Veloria (significance)<") == 1, region[:500]
    rows = "".join(tables("VL101")).split("<tr")
    neutral = [r for r in rows if "Applications received" in r]
    assert neutral and not any("best quarter" in r or "worst quarter" in r for r in neutral)


def test_quartile_words_follow_the_indicators_direction():
    from dashboard.components import fmt

    assert fmt.quartile(1) == "1 (best quarter)" and fmt.quartile(4.0, "lower_is_better") == "4 (worst quarter)"
    assert fmt.quartile(1, "neutral") == "1 (highest quarter)" and fmt.quartile(2, "neutral") == "2"
    assert fmt.count(1, "indicator") == "1 indicator" and fmt.count(0, "indicator") == "0 indicators"


def test_methodology_states_the_disclosure_rule_and_interval_in_words(dash_app):
    text = page(dash_app.server.test_client(), "/methodology/neet_rate")
    assert "withheld where the numerator is under 10 (including zero)" in text
    assert "Wilson score interval for a proportion" in text
    assert "threshold" not in text and "suppress_zero" not in text


def test_page_titles_name_the_indicator_or_area(dash_app):
    """WCAG 2.4.2: the title the router gives the browser says which indicator or area the page is about."""
    import json

    client = dash_app.server.test_client()

    def title(path: str) -> str:
        return json.loads(page(client, path))["response"]["_pages_store"]["data"]["title"]

    assert title("/indicator/neet_rate") == ("Young people not in education, employment or training: "
                                             "indicator explorer")
    assert title("/methodology/online_share") == "Applications completed online: methodology"
    assert title("/area/VL101") == "Venwell: area profile"
    assert title("/area/NOPE") == "Area not found" and title("/indicator/nope") == "Indicator not found"
    assert title("/area/VL10%31") == "Venwell: area profile", "a code is decoded as the server decodes it"
    # the page's HTML: Dash names the page from the path the server has already decoded (VL10%34, not VL104)
    html = client.get("/area/VL10%2534").data.decode()
    assert "Venwell" not in html and "Wynbury" not in html


def test_the_overviews_title_names_the_area_from_the_query(dash_app):
    """WCAG 2.4.2: the overview was titled 'Overview' whatever its area; Dash gives a title function the path's
    variables only, so the area comes from the router's search input (and from the page's own request)."""
    import json

    from dashboard.views import titles

    client = dash_app.server.test_client()

    def title(search: str) -> str:
        return json.loads(page(client, "/", search))["response"]["_pages_store"]["data"]["title"]

    assert title("?area=VL101&theme=jobs") == "Venwell: overview"
    assert title("") == title("?area=XX") == "Republic of Veloria: overview", "the area shown: the top level"
    with dash_app.server.test_request_context("/?area=VL2"):
        assert titles.overview() == "Eastvale: overview"
    assert json.loads(page(client, "/compare"))["response"]["_pages_store"]["data"]["title"] == "Compare areas"


def test_overview_says_how_an_indicator_without_a_target_gets_its_status(dash_app):
    """A card with a status but no target said 'On track' beside 'No target set'; it now says the status is
    the yearly trend, and the summary's counts add up (status counts + no status = indicators)."""
    import re

    text = page(dash_app.server.test_client(), "/")
    assert "No target: the status is judged on its yearly trend." in text
    assert "(without a target: 1.5% a year or more)" in text  # the rule, once, in the page's key
    m = re.search(r": (\d+) indicators: (\d+) off track, (\d+) needs acceleration, (\d+) on track, "
                  r"(\d+) with no status\.", text)
    assert m, text[:300]
    n, r, a, g, none = map(int, m.groups())
    assert g + a + r + none == n


def test_a_page_for_an_unknown_indicator_or_area_answers_404(dash_app):
    client = dash_app.server.test_client()
    for path in ("/indicator/bogus", "/methodology/bogus", "/area/XX"):
        assert client.get(path).status_code == 404, path
    for path in ("/indicator/neet_rate", "/methodology/neet_rate", "/area/VL101", "/", "/compare"):
        assert client.get(path).status_code == 200, path


def test_methodology_formula_of_a_sum_count_or_published_indicator_is_the_measure_alone(dash_app):
    """The release holds NaN, not None, as the denominator of a sum, count or published indicator; NaN is
    truthy, and the page said 'Formula: employed / nan × 1'."""
    import json

    client = dash_app.server.test_client()

    def formula(indicator: str) -> str:
        nodes = _walk(json.loads(page(client, f"/methodology/{indicator}")), [])
        texts = [p.get("children") for t, p in nodes if t in ("Dt", "Dd")]
        return texts[texts.index("Formula") + 1]

    for indicator, measure in (("employed", "employed"), ("neet_count", "neet"), ("satisfaction", "satisfaction"),
                               ("applications", "applications")):
        assert formula(indicator) == measure, indicator
        assert "/ nan" not in page(client, f"/methodology/{indicator}")
    assert formula("online_share") == "applications_online / applications × 100"


def test_missing_text_fields_are_empty_not_nan():
    from dashboard.components import fmt
    from dashboard.views import info

    assert fmt.text(float("nan")) is None and fmt.text(None) is None and fmt.text(" ") is None
    assert fmt.text("x") == "x"
    assert info.sources_list(float("nan")) is None
    assert info.formula({"numerator": "a", "denominator": float("nan"), "multiplier": 1.0}) == "a"


def test_an_unknown_address_or_a_query_naming_an_unknown_area_answers_404(dash_app):
    """Soft 404s: /nonexistent drew 'Page not found' with 200, and /?area=XX and /compare?areas=XX drew their
    defaults with 200; they now answer 404 (and say which code is unknown), while real pages stay 200."""
    client = dash_app.server.test_client()
    for path in ("/nonexistent", "/?area=XX", "/compare?areas=XX", "/compare?areas=VL1,XX", "/404",
                 "/indicator/online_share?areas=XX", "/area/VL1?indicator=bogus", "/area/VL1/more"):
        assert client.get(path).status_code == 404, path
    for path in ("/", "/?area=VL1", "/compare", "/compare?areas=VL1,VL2", "/compare/", "/status", "/accessibility",
                 "/indicator/online_share?areas=VL1", "/area/VL1?indicator=online_share", "/methodology/employed"):
        assert client.get(path).status_code == 200, path
    assert client.get("/_dash-layout").status_code == 200
    assert "There is no area with the code 'XX'" in page(client, "/", "?area=XX")
    assert "There is no area with the code 'XX'" in page(client, "/compare", "?areas=XX")


def test_compare_link_takes_every_neighbour_and_the_country_has_none(dash_app, release):
    """The profile's compare link dropped neighbours past the third (compare takes 12 areas) and was shown
    for the country, which has no neighbours."""
    import json

    from dashboard import data

    client = dash_app.server.test_client()
    peers = data.neighbours(release, "VL101")
    assert len(peers) > 3
    links = [p["href"] for _, p in _walk(json.loads(page(client, "/area/VL101")), [])
             if str(p.get("href", "")).startswith("/compare")]
    parent = data.parents(release)["VL101"]
    assert links == ["/compare?areas=" + ",".join(["VL101", parent, *[p for p in peers if p != parent]][:12])]
    assert not data.neighbours(release, "VL")
    assert '"/compare?' not in page(client, "/area/VL")


def test_the_overview_links_to_the_areas_full_profile(dash_app, release):
    import json

    from dashboard.views import overview

    client = dash_app.server.test_client()
    links = [(p.get("children"), p["href"]) for _, p in _walk(json.loads(page(client, "/", "?area=VL101")), [])
             if p.get("href") == "/area/VL101"]
    assert links == [("Full profile of Venwell", "/area/VL101")]
    with dash_app.server.test_request_context("/"):  # a new area chosen in the page gets its own link
        shown = json.dumps([c.to_plotly_json() for c in overview.content(release, "VL2", "jobs")],
                           default=lambda o: o.to_plotly_json())
    assert '"href": "/area/VL2"' in shown and "Full profile of Eastvale" in shown


def test_compare_says_which_areas_and_indicators_are_chosen(dash_app):
    """The dropdowns show only '3 selected'; the page lists the chosen names."""
    import json

    client = dash_app.server.test_client()
    nodes = _walk(json.loads(page(client, "/compare", "?areas=VL1,VL2,VL101&indicators=neet_rate,employment_rate")),
                  [])
    chosen = next(p for _, p in nodes if p.get("id") == "compare-chosen")
    text = json.dumps(chosen)
    assert "3 areas chosen" in text and "Venwell" in text and "Eastvale" in text
    assert "2 indicators chosen" in text and "Employment rate, ages 20-64" in text


def test_a_percent_encoded_code_is_read_as_the_server_reads_it(dash_app, release):
    """/area/VL%31 is /area/VL1 to the server (200), and the page showed 'no area with the code VL%31'."""
    import json

    from dashboard import data

    client = dash_app.server.test_client()
    assert client.get("/area/VL%31").status_code == 200
    h1 = [p["children"] for t, p in _walk(json.loads(page(client, "/area/VL%31")), []) if t == "H1"]
    assert h1 == [data.area_name(release, "VL1")]
    assert "Applications completed online" in json.dumps(
        [p.get("children") for t, p in _walk(json.loads(page(client, "/indicator/online%5Fshare")), []) if t == "H1"])
    unknown = json.dumps(json.loads(page(client, "/area/%3Cscript%3E")))
    assert client.get("/area/%3Cscript%3E").status_code == 404
    assert "no area with the code '<script>'" in unknown and "%3C" not in unknown


def test_a_value_the_address_asks_for_and_the_page_cannot_show_is_named(dash_app):
    """An unknown level, period or indicator in the query was silently replaced, so the address no longer
    reproduced the view; the page now says what it shows instead."""
    client = dash_app.server.test_client()
    text = page(client, "/indicator/online_share", "?level=nope&period=1999")
    assert "There is no level 'nope' for this indicator; showing municipality." in text
    assert "There is no period '1999' for this indicator; showing 2024." in text
    assert "There is no level" not in page(client, "/indicator/online_share", "?level=region&period=2024")
    text = page(client, "/area/VL101", "?indicator=nope")
    assert "There is no indicator called 'nope'; showing " in text
    assert "There is no indicator" not in page(client, "/area/VL101", "?indicator=online_share")
    for path in ("/area/VL101/extra", "/indicator/online_share/x", "/area/VL1%2F2",
                 "/area/VL101?indicator=nope"):  # answered 404 since ab03a75: keep it so
        assert client.get(path).status_code == 404, path
    # /area/ with no code is the index of areas (dashboard/views/index.py), drawn and answered 200
    assert client.get("/area/").status_code == 200
    assert [p["children"] for t, p in _walk(json.loads(page(client, "/area/")), []) if t == "H1"] == ["Areas"]


def test_the_country_profile_does_not_compare_the_country_with_itself_or_its_level(dash_app):
    """/area/VL said 'Better than Republic of Veloria: 0 indicators' and 'In the best quarter of its level: 10'
    (the only area at its level) above an empty spine chart."""
    import json

    client = dash_app.server.test_client()
    text = page(client, "/area/VL")
    assert "Better than Republic of Veloria" not in text and "best quarter of its level" not in text
    assert "area-spine" not in text and "compared with all country areas" not in text
    nodes = _walk(json.loads(text), [])
    table = next(p["children"] for _, p in nodes if p.get("className") == "table-html"
                 and "every indicator, latest period" in p["children"])
    assert "Applications completed online" in table
    assert "Rank in level" not in table and "(significance)" not in table and "Quartile" not in table
    region = page(client, "/area/VL1")  # below the top level the comparisons stay
    assert "Better than Republic of Veloria" in region and "area-spine" in region


def test_the_area_profiles_detail_charts_are_headed_inside_their_section(dash_app):
    """'Statistical nearest neighbours' and 'Trend' are inside 'One indicator in detail' (h2): h3 (WCAG 1.3.1)."""
    import json

    nodes = _walk(json.loads(page(dash_app.server.test_client(), "/area/VL101")), [])
    headings = {p.get("children"): t for t, p in nodes if t in ("H2", "H3")}
    assert headings["One indicator in detail"] == "H2"
    assert headings["Statistical nearest neighbours"] == "H3" and headings["Trend"] == "H3"


def test_an_unknown_api_address_is_a_json_404_not_the_sites_html_page(dash_app):
    """Dash's page route answers every path, so /api/v1/nope got the HTML 'page not found'; every API refusal
    is JSON (docs/api.md)."""
    client = dash_app.server.test_client()
    for path in ("/api/v1/nope", "/api/v1/indicators/online_share/more", "/api/v1/data/", "/api/v1/%3Cx%3E"):
        resp = client.get(path)
        assert resp.status_code == 404 and resp.mimetype == "application/json", path
        error = resp.get_json()["error"]
        assert error["status"] == 404 and "no API route" in error["message"], path
    assert client.post("/api/v1/nope").get_json()["error"]["status"] == 405
    assert client.get("/api/v1/indicators").status_code == 200
    assert client.get("/api/v1/indicators/nope").get_json()["error"]["parameter"] == "indicator_id"
    assert client.get("/nonexistent").mimetype == "text/html", "pages keep their HTML 404"


def test_the_accessibility_statement_has_status_failures_date_contact_and_enforcement(dash_app):
    """The statement said only 'contact the publisher': a public-sector statement (EU model) gives the compliance
    status with what does not comply, when it was prepared, how it was tested, a contact and the enforcement
    procedure; the deployment's parts come from publication.accessibility."""
    import json

    from dashboard.views import statement

    response = json.loads(page(dash_app.server.test_client(), "/accessibility"))["response"]
    assert response["_pages_store"]["data"]["title"] == "Accessibility statement"
    text = json.dumps(response, separators=(",", ":"))
    assert "partially compliant with the Web Content Accessibility Guidelines (WCAG) 2.1 level AA" in text
    for what, criterion, _ in statement.NON_COMPLIANT:
        assert what in text and f"WCAG {criterion}" in text
    assert "prepared on 29 November 2026 and last reviewed on 29 November 2026" in text
    assert "axe-core" in text and "keyboard alone" in text and "not yet been tested with screen reader software" in text
    assert '"href":"mailto:accessibility@veloria.example"' in text  # config.yaml's publication.accessibility
    assert "Veloria Digital Accessibility Authority" in text and '"href":"https://accessibility.veloria.example/"' in text
    assert "Enforcement procedure" in text and "contact the publisher" not in text
    # a deployment that has not set them: a plain fallback, never a made-up address
    assert statement.contact_part(None) == ["contact the organisation that publishes these statistics"]
    assert "Directive (EU) 2016/2102" in statement.enforcement_part(None)[0]
    form = statement.contact_part("https://example.org/contact")
    assert form[1].href == "https://example.org/contact"


def _page_release(tree) -> str:
    """The id of the release a page was drawn from (its dcc.Store ids.RELEASE)."""
    from dashboard.components import ids

    return next(props["data"] for kind, props in _walk(tree, []) if kind == "Store" and props.get("id") == ids.RELEASE)


def test_every_data_link_pins_the_release_the_page_shows(dash_app, monkeypatch):
    """The pages linked /api/v1/data without release=: a figure downloaded a minute after a new release was
    published could differ from the one the page showed. Every data link now names the page's release, and
    following it gives that release's figures."""
    from urllib.parse import parse_qs, urlsplit

    from dashboard import context
    from dashboard.views import explorer

    client = dash_app.server.test_client()
    with dash_app.server.test_request_context("/"):
        rel = context.release()
    checked = 0
    for path in ("/indicator/neet_rate", "/methodology/neet_rate"):
        tree = json.loads(page(client, path))
        if path.startswith("/indicator/"):  # the explorer keeps the id for its callbacks
            assert _page_release(tree) == rel.id
        hrefs = {h for h in _hrefs(tree) if h.startswith("/api/v1/data")}
        assert hrefs, path
        for href in hrefs:
            assert parse_qs(urlsplit(href).query)["release"] == [rel.id], (path, href)
            checked += 1
        text = json.dumps(tree)
        assert f"Downloads give the figures of release {rel.id}, the one this page shows." in text, path
    with dash_app.server.test_request_context("/"):
        level, period = explorer.choose(rel, "neet_rate", "municipality", None)
        meta = rel.indicators.set_index("id").loc["neet_rate"].to_dict() | {"id": "neet_rate"}
        monkeypatch.setattr(explorer, "TABLE_LIMIT", 10)  # more rows than the table shows: "download all rows"
        table = explorer.ranking_outputs(rel, meta, level, period)[-1]
        links = explorer.on_selection(rel, "neet_rate", "region", period, full=False)[2]  # after a new choice
    for part in (table, links):
        hrefs = {h for h in _hrefs(json.loads(json.dumps(part.to_plotly_json(), default=lambda o: o.to_plotly_json())))
                 if h.startswith("/api/v1/data")}
        assert hrefs and all(parse_qs(urlsplit(h).query)["release"] == [rel.id] for h in hrefs), hrefs
    resp = client.get(next(h for h in sorted(hrefs) if "format=csv" in h))
    assert resp.status_code == 200 and resp.headers["X-OpenMeasure-Release"] == rel.id
    assert checked >= 8
