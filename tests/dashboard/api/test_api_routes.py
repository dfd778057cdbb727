"""The /api/v1 routes on the demo release: contents, filters, pagination, pinning, caching."""

from __future__ import annotations

import pyarrow.parquet as pq

from dashboard.release_reader import ReleaseReader


def public_rows(api_store, release_id=None):
    rel = ReleaseReader(api_store["store"]).get(release_id)
    return pq.read_table(rel.path / "indicator_values.parquet").to_pandas().query("visibility == 'public'")


def test_index_links_every_route(client):
    body = client.get("/api/v1/").get_json()
    assert set(body["routes"]) == {"indicators", "areas", "data", "releases"}
    assert body["openapi"].endswith("/api/v1/openapi.json")


def test_indicators_are_the_public_ones_with_metadata(client, api_config):
    body = client.get("/api/v1/indicators").get_json()
    public = {i.id for i in api_config.indicators if i.visibility == "public"}
    assert {d["id"] for d in body["data"]} == public
    neet = next(d for d in body["data"] if d["id"] == "neet_rate")
    assert neet["unit"] == "%" and neet["licence"] == "CC-BY-4.0"
    assert neet["disclosure"]["threshold"] == 10
    assert isinstance(neet["sources"], list) and neet["sources"][0]["id"] == "services"


def test_indicators_filter_by_theme(client):
    body = client.get("/api/v1/indicators?theme=jobs").get_json()
    assert {d["id"] for d in body["data"]} == {"employment_rate", "employed"}


def test_one_indicator_and_its_links(client):
    body = client.get("/api/v1/indicators/online_share").get_json()
    assert body["title"] == "Applications completed online"
    assert "format=csv" in body["links"]["csv"]


def test_areas_by_level_and_parent(client):
    regions = client.get("/api/v1/areas?level=region").get_json()["data"]
    assert regions and all(a["level"] == "region" for a in regions)
    kids = client.get(f"/api/v1/areas?parent={regions[0]['area_code']}").get_json()["data"]
    assert kids and all(a["parent_code"] == regions[0]["area_code"] for a in kids)
    one = client.get(f"/api/v1/areas/{regions[0]['area_code']}").get_json()
    assert sorted(one["children"]) == sorted(a["area_code"] for a in kids)
    assert isinstance(one["neighbours"], list)


def test_data_filters_match_the_release(client, api_store):
    rows = public_rows(api_store)
    want = rows[(rows.indicator == "online_share") & (rows.level == "region") & (rows.period >= "2015")
                & (rows.period <= "2017")]
    body = client.get("/api/v1/data?indicator=online_share&level=region&period_from=2015&period_to=2017"
                      "&limit=10000").get_json()
    assert body["total"] == len(want) == len(body["data"])
    got = {(d["area_code"], d["period"]): d["value"] for d in body["data"]}
    assert got == {(r.area_code, r.period): r.value for r in want.itertuples()}


def test_data_by_area_and_parent(client, api_store):
    rows = public_rows(api_store)
    body = client.get("/api/v1/data?area=VL1&limit=10000").get_json()
    assert body["total"] == int((rows.area_code == "VL1").sum())
    assert {d["indicator"] for d in body["data"]} == set(rows[rows.area_code == "VL1"].indicator)
    body = client.get("/api/v1/data?parent=VL1&indicator=neet_rate&period_from=2020&period_to=2020").get_json()
    assert body["total"] == int(((rows.parent_code == "VL1") & (rows.indicator == "neet_rate")
                                 & (rows.period == "2020")).sum()) > 0


def test_cursor_pages_walk_the_whole_result_once(client):
    full = client.get("/api/v1/data?indicator=neet_rate&level=region&limit=10000").get_json()
    seen, url, pages = [], "/api/v1/data?indicator=neet_rate&level=region&limit=37", 0
    while url:
        page = client.get(url).get_json()
        seen += page["data"]
        url = page["next"]
        pages += 1
    assert pages == -(-full["total"] // 37)
    assert seen == full["data"]


def test_release_pinning_gives_the_old_values(client, api_store):
    old, new = api_store["old"], api_store["new"]
    q = "/api/v1/data?indicator=online_share&level=country&limit=10000"
    a = client.get(q + f"&release={old}").get_json()
    b = client.get(q).get_json()
    assert a["release"] == old and b["release"] == new
    old_rows = public_rows(api_store, old)
    want = old_rows[(old_rows.indicator == "online_share") & (old_rows.level == "country")]
    assert [d["value"] for d in a["data"]] == want.value.tolist()


def test_releases_list_and_detail(client, api_store):
    body = client.get("/api/v1/releases").get_json()
    assert [r["id"] for r in body["data"]] == [api_store["new"], api_store["old"]]
    assert body["current"] == api_store["new"]
    one = client.get(f"/api/v1/releases/{api_store['old']}").get_json()
    assert api_store["old"] in one["citation"]
    assert "sickness_absence" not in one["indicators"]


def test_etag_and_304(client):
    r = client.get("/api/v1/data?indicator=neet_rate&limit=5")
    assert r.status_code == 200 and r.headers["ETag"]
    assert r.headers["Cache-Control"].startswith("public, max-age=")
    again = client.get("/api/v1/data?indicator=neet_rate&limit=5", headers={"If-None-Match": r.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    other = client.get("/api/v1/data?indicator=neet_rate&limit=6", headers={"If-None-Match": r.headers["ETag"]})
    assert other.status_code == 200 and other.headers["ETag"] != r.headers["ETag"]


def test_etag_depends_on_the_release(client, api_store):
    a = client.get("/api/v1/indicators").headers["ETag"]
    b = client.get(f"/api/v1/indicators?release={api_store['old']}").headers["ETag"]
    assert a != b


def test_etag_depends_on_the_code_that_renders_the_answer(client, monkeypatch):
    """A release never changes, but a new version may answer it differently (the areas lost their 'bucket'
    column): a client revalidating the old body must get the new one, not a 304."""
    from dashboard.api import http

    old = client.get("/api/v1/areas").headers["ETag"]
    monkeypatch.setattr(http, "SOFTWARE", "another version")
    again = client.get("/api/v1/areas", headers={"If-None-Match": old})
    assert again.status_code == 200 and again.headers["ETag"] != old


def test_csv_lists_of_the_small_tables(client):
    r = client.get("/api/v1/areas?format=csv&level=municipality")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    assert r.data.decode().splitlines()[0].startswith('"area_code"')
    r = client.get("/api/v1/indicators?format=csv")
    assert b"neet_rate" in r.data


def test_human_guide_has_examples(client):
    html = client.get("/api/").data.decode()
    for needle in ("curl -s", "import pandas as pd", "read_csv(url)", "release=", "openapi.json"):
        assert needle in html


def test_dashboard_links_are_accepted_by_the_api(client):
    import pytest

    from dashboard.api.links import data_url, download_links
    url = data_url(indicator=["neet_rate", "online_share"], level="region", period_from="2018", area=None)
    assert url == "/api/v1/data?format=csv&indicator=neet_rate,online_share&level=region&period_from=2018"
    for fmt, link in download_links(indicator="neet_rate", parent="VL1").items():
        r = client.get(link)
        assert r.status_code == 200, (fmt, r.data[:200])
    with pytest.raises(ValueError, match="not a parameter"):
        data_url(indicatr="neet_rate")


def test_period_bounds_mixing_years_with_quarters_and_months(client):
    """A bound's span, not its string, decides: a year that ends after a quarter is not 'before' it."""
    for q in ("period_from=2020-Q3&period_to=2020", "period_from=2020-Q1&period_to=2020-Q1",
              "period_from=2020-02&period_to=2020-Q1", "period_from=2020&period_to=2020-Q1"):
        assert client.get(f"/api/v1/data?indicator=online_share&limit=1&{q}").status_code == 200, q
    for q in ("period_from=2020-Q3&period_to=2020-Q2", "period_from=2021&period_to=2020-12",
              "period_from=2020-07&period_to=2020-Q2"):
        # no period is in both: an empty result, as the document says (it was a 400 the document did not allow)
        assert client.get(f"/api/v1/data?{q}").get_json()["total"] == 0, q
    annual = client.get("/api/v1/data?indicator=online_share&period_from=2020-Q1&period_to=2020").get_json()
    assert annual["total"] > 0 and {d["period"] for d in annual["data"]} == {"2020"}
    assert client.get("/api/v1/data?indicator=online_share&period_to=2020-Q1&period_from=2020"
                      ).get_json()["total"] == 0  # the year 2020 ends after its first quarter


def test_areas_are_published_without_the_storage_bucket(client, api_store):
    """areas.parquet of a release keeps 'bucket' (which by-area file holds an area's rows: the reader needs it);
    what the API and the downloads publish leaves it out."""
    import io
    import zipfile

    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    store = f"{api_store['store']}/releases/{api_store['new']}"
    assert "bucket" in pq.read_schema(f"{store}/areas.parquet").names  # the release file, written by etl/
    listed = client.get("/api/v1/areas").get_json()["data"]
    assert listed and not any("bucket" in a for a in listed) and "neighbours" in listed[0]
    assert "bucket" not in client.get("/api/v1/areas/VL1").get_json()
    header = client.get("/api/v1/areas?format=csv").data.split(b"\n", 1)[0].decode()
    assert "area_code" in header and "bucket" not in header
    parquet = pq.read_table(io.BytesIO(client.get("/data/releases/current/areas.parquet").data))
    assert "area_code" in parquet.column_names and "bucket" not in parquet.column_names
    csv = pacsv.read_csv(io.BytesIO(client.get("/data/releases/current/areas.csv").data))
    assert "bucket" not in csv.column_names
    zf = zipfile.ZipFile(io.BytesIO(client.get("/data/releases/current/release.zip").data))
    zipped = pq.read_table(io.BytesIO(zf.read(next(n for n in zf.namelist() if n.endswith("/areas.parquet")))))
    assert "bucket" not in zipped.column_names
    package = client.get("/data/releases/current/datapackage.json").get_json()
    fields = {f["name"] for r in package["resources"] if r["name"] == "areas" for f in r["schema"]["fields"]}
    assert "area_code" in fields and "bucket" not in fields
    assert client.get("/api/v1/data?area=VL101&limit=1").get_json()["total"] > 0  # the by-area files still found


def test_next_is_an_absolute_link_a_script_can_follow(client, api_config):
    """'next' was a bare path (/api/v1/data?...): requests.get(page["next"]) raised MissingSchema, and R's
    jsonlite could not open it either, while every other link of the API is absolute."""
    page = client.get("/api/v1/data?indicator=neet_rate&level=region&limit=10")
    nxt = page.get_json()["next"]
    assert nxt.startswith("http://localhost/api/v1/data?"), nxt
    assert page.headers["Link"] == f'<{nxt}>; rel="next"'
    second = client.get(nxt).get_json()
    assert second["offset"] == 10 and second["data"][0] != page.get_json()["data"][0]
    from tests.dashboard.api.conftest import make_app

    access = api_config.access.model_copy(update={"public_url": "https://data.example.org/om/"})
    behind = make_app(api_config.model_copy(update={"access": access})).test_client()
    nxt = behind.get("/api/v1/data?indicator=neet_rate&limit=10").get_json()["next"]
    assert nxt.startswith("https://data.example.org/om/api/v1/data?") and "cursor=" in nxt and "release=" in nxt


def test_every_route_carries_an_etag_and_cache_control(client):
    """docs/api.md: 'Every response has an ETag'; /api/v1/ (the first thing a script asks) and the /api/ guide
    had neither ETag nor Cache-Control, so they were fetched again every time."""
    for url in ("/api/v1/", "/api/", "/api/v1/indicators", "/api/v1/data?indicator=neet_rate&limit=1"):
        r = client.get(url)
        assert r.status_code == 200 and r.headers.get("ETag"), url
        assert r.headers.get("Cache-Control", "").startswith("public, max-age="), url
        again = client.get(url, headers={"If-None-Match": r.headers["ETag"]})
        assert again.status_code == 304, url


def test_the_guides_pandas_example_reads_periods_as_the_api_gives_them(client):
    """The guide's pd.read_csv(url, ...) read 'period' as the integer 2013 while the JSON, the revisions and
    the filters give '2013' (and '2013-Q1' in a quarterly release): a journalist's join of the CSV with
    anything else from the API matched nothing. The example is run as the guide prints it."""
    import html as html_lib
    import io
    import re
    import types

    import pandas as pd

    page = client.get("/api/").data.decode()
    code = next(html_lib.unescape(c) for c in re.findall(r"<pre><code>(.*?)</code></pre>", page, re.S)
                if "import pandas" in c)
    code = code.replace("import pandas as pd\n", "")
    shim = types.SimpleNamespace(read_csv=lambda url, **kw: pd.read_csv(io.BytesIO(client.get(url).data), **kw))
    scope = {"pd": shim}
    exec(code, scope)  # noqa: S102 (our own page's example)
    df = scope["df"]
    first = client.get("/api/v1/data?indicator=applications&level=municipality&limit=1").get_json()["data"][0]
    row = df.iloc[0]
    assert row["period"] == first["period"] and row["area_code"] == first["area_code"]
    assert isinstance(df.loc[df["previous_period"].notna(), "previous_period"].iloc[0], str)


def test_the_indicator_list_links_each_methodology_page(client, api_store):
    """Every download's metadata links the human methodology page (methodology_page) and the JSON metadata
    (methodology_url); /api/v1/indicators, where a script finds the indicators, linked neither."""
    import io

    import pandas as pd

    body = client.get("/api/v1/indicators").get_json()
    assert body["data"]
    for ind in body["data"]:
        assert ind["methodology_page"] == f"http://localhost/methodology/{ind['id']}"
        assert ind["methodology_url"] == f"http://localhost/api/v1/indicators/{ind['id']}?release={body['release']}"
    # the same names and values as in a download's metadata
    meta = client.get("/api/v1/data?indicator=neet_rate&limit=1").get_json()["meta"]["indicators"][0]
    neet = next(i for i in body["data"] if i["id"] == "neet_rate")
    assert (neet["methodology_page"], neet["methodology_url"]) == (meta["methodology_page"], meta["methodology_url"])

    one = client.get("/api/v1/indicators/neet_rate").get_json()
    assert one["methodology_page"] == "http://localhost/methodology/neet_rate"
    pinned = client.get(f"/api/v1/indicators?release={api_store['old']}&theme=jobs").get_json()["data"]
    assert pinned and all(i["methodology_url"].endswith(f"?release={api_store['old']}") for i in pinned)

    df = pd.read_csv(io.BytesIO(client.get("/api/v1/indicators?format=csv").data))
    assert list(df.columns[-2:]) == ["methodology_page", "methodology_url"]  # added last: other columns keep places
    assert df.loc[df["id"] == "neet_rate", "methodology_page"].item() == "http://localhost/methodology/neet_rate"

    schema = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]["Indicator"]
    assert {"methodology_page", "methodology_url"} <= set(schema["required"])
