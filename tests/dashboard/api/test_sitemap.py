"""/sitemap.xml lists every public page of the current release and nothing internal; /robots.txt points at it."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


@pytest.fixture(scope="module")
def dashboard_client(api_config):
    """The dashboard's server: the sitemap lists the pages Dash's registry has (dashboard/routing.py)."""
    from dashboard.app import create_app

    return create_app(api_config).server.test_client()


def locations(client) -> list[str]:
    return [e.text for e in ET.fromstring(client.get("/sitemap.xml").data).findall("s:url/s:loc", NS)]


def test_the_sitemap_lists_public_pages_only(dashboard_client, api_store):
    client = dashboard_client
    r = client.get("/sitemap.xml")
    assert r.status_code == 200 and r.mimetype == "application/xml" and r.headers["ETag"]
    locs = [e.text for e in ET.fromstring(r.data).findall("s:url/s:loc", NS)]
    base = "http://localhost/"
    assert base in locs and f"{base}data" in locs and f"{base}api/" in locs
    assert f"{base}indicator/neet_rate" in locs and f"{base}methodology/neet_rate" in locs
    assert f"{base}area/VL1" in locs
    assert not [u for u in locs if "sickness" in u]  # the demo's internal indicator
    assert len(locs) == len(set(locs))
    lastmod = ET.fromstring(r.data).find("s:url/s:lastmod", NS).text
    assert len(lastmod) == 10 and lastmod[4] == "-"
    assert client.get("/sitemap.xml", headers={"If-None-Match": r.headers["ETag"]}).status_code == 304


def test_robots_points_at_the_sitemap_and_keeps_crawlers_off_the_api(client):
    text = client.get("/robots.txt").get_data(as_text=True)
    assert "Sitemap: http://localhost/sitemap.xml" in text
    assert "Disallow: /api/v1/" in text and "Disallow: /auth/" in text


def test_an_api_without_the_dashboard_lists_only_its_own_pages(client):
    assert locations(client) == ["http://localhost/data", "http://localhost/api/"]
