"""One state per app: the pages and the open-data routes read the store through one release reader, whose
public and internal releases share what does not depend on the audience."""

from __future__ import annotations

import pytest


@pytest.fixture()
def readers(monkeypatch) -> list:
    """Every ReleaseReader made from now on."""
    from dashboard import release_reader

    made = []
    init = release_reader.ReleaseReader.__init__

    def counting(self, *args, **kwargs):
        made.append(self)
        init(self, *args, **kwargs)

    monkeypatch.setattr(release_reader.ReleaseReader, "__init__", counting)
    return made


def test_pages_and_api_share_one_release_reader(readers, demo_config, release):
    """Before issue 21 an app made three (the pages', the API's public and internal ones), each reading the
    same files; now every page, callback, download and the sitemap go through one."""
    from dashboard.app import create_app
    from tests.dashboard.test_dashboard_app import page

    app = create_app(demo_config)
    client = app.server.test_client()
    for url in ("/", "/area/VL101", f"/boundaries/{release.id}/region.geojson", "/api/v1/releases",
                "/api/v1/data?indicator=neet_rate&level=region", "/sitemap.xml", "/data"):
        assert client.get(url).status_code == 200, url
    assert "online_share" in page(client, "/indicator/online_share")
    assert len(readers) == 1
    st = app.server.extensions["openmeasure_api"]
    assert st.releases is readers[0] and st.public.reader is st.internal.reader is readers[0]


def test_public_and_internal_releases_share_their_files_not_their_indicators(demo_release):
    from dashboard.release_reader import ReleaseReader

    reader = ReleaseReader(demo_release.path.parent.parent)
    public, internal = reader.view(False).current(), reader.view(True).current()
    assert public is not internal and public is reader.current() and internal is reader.get(None, True)
    assert public.id == internal.id and public.files is internal.files
    assert public.areas is internal.areas  # read once per process
    assert "sickness_absence" in set(internal.indicators["id"]) - set(public.indicators["id"])
    assert public.memo(("who",), lambda: "public") == "public"
    assert internal.memo(("who",), lambda: "internal") == "internal", "a page's memo stays its audience's"


def test_include_internal_app_shows_internal_pages_and_a_public_api(demo_config):
    from dashboard import context
    from dashboard.app import create_app

    app = create_app(demo_config, include_internal=True)
    with app.server.test_request_context("/"):
        assert context.reader().include_internal
        assert not app.server.extensions["openmeasure_api"].reader().include_internal
