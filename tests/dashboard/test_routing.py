"""Pages come from Dash's page registry (dashboard/routing.py): each brings its callbacks, a callback that
names a component no page has stops the app from being built, and the sitemap and the browser tests cover
every registered page."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

import dash
import pytest
from dash import Input, Output

from dashboard import routing
from dashboard.components import ids
from tests.dashboard.test_dashboard_app import page

NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def key(id_) -> str:
    """A component id; a pattern-matching one by its type and keys (the drawn ones name an area each)."""
    return f"{id_.get('type')}{sorted(id_)}" if isinstance(id_, dict) else id_


def drawn(client, url: str) -> set[tuple[str, str]]:
    """(id, component type) of every component the router draws for ``url``."""
    path, _, query = url.partition("?")
    out: set[tuple[str, str]] = set()

    def walk(x):
        if isinstance(x, dict):
            if "props" in x and "type" in x:
                if x["props"].get("id") is not None:
                    i = x["props"]["id"]
                    out.add((key(i), x["type"]))
            for v in x.values():
                walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)
    walk(json.loads(page(client, path, "?" + query if query else "")))
    return out


def with_extra_callback(monkeypatch, view, add) -> None:
    """Make ``view``'s page register one more callback (``add(app)``) when the next app is built."""
    register = view.register

    def patched(app):
        register(app)
        add(app)
    monkeypatch.setattr(view, "register", patched)


def test_a_callback_naming_a_missing_component_stops_the_app(monkeypatch, demo_config):
    """Before issue 21 (suppress_callback_exceptions=True) such a callback was silently never called."""
    from dashboard.app import create_app
    from dashboard.views import explorer

    with_extra_callback(monkeypatch, explorer, lambda app: app.callback(
        Output("explorer-nowhere", "children"), Input(ids.EX_INDICATOR, "value"))(lambda v: v))
    with pytest.raises(routing.CallbackLayoutError, match=r"names Output explorer-nowhere\.children, a component no page has"):
        create_app(demo_config)


def test_a_property_the_component_lacks_stops_the_app(monkeypatch, demo_config):
    from dashboard.app import create_app
    from dashboard.views import explorer

    with_extra_callback(monkeypatch, explorer, lambda app: app.callback(
        Output(ids.EX_LINKS, "children"), Input(ids.EX_MAP, "clikData"))(lambda v: v))
    with pytest.raises(routing.CallbackLayoutError, match="a Graph has no property 'clikData'"):
        create_app(demo_config)


def test_a_page_that_leaves_out_its_callbacks_stops_the_app(monkeypatch, demo_config):
    """The compare page's controls would do nothing: its skeleton's components are named by no callback."""
    from dashboard.app import create_app
    from dashboard.views import compare

    monkeypatch.setattr(compare, "register", lambda app: None)
    with pytest.raises(routing.CallbackLayoutError, match=r"no callback names .*compare-areas.*callbacks="):
        create_app(demo_config)


def test_a_path_template_the_sitemap_cannot_fill_is_refused(dash_app, monkeypatch):  # noqa: ARG001
    module = next(m for m, p in dash.page_registry.items() if p.get("path_template") == "/area/<area_code>")
    monkeypatch.setitem(dash.page_registry[module], "path_template", "/area/<code>")
    with pytest.raises(dash.exceptions.PageError, match=r"'/area/<code>' must end with one of <indicator_id>"):
        routing.pages()


def test_the_app_validates_callbacks_against_a_small_data_free_layout(dash_app, release):
    html = dash_app.server.test_client().get("/").get_data(as_text=True)
    config = json.loads(re.search(r'<script id="_dash-config" type="application/json">(.*?)</script>', html,
                                  re.S).group(1))
    assert config["suppress_callback_exceptions"] is False
    layout = json.dumps(config["validation_layout"])
    assert '"explorer-map"' in layout and '"_pages_content"' in layout
    assert release.id not in layout and "VL101" not in layout and len(layout) < 8_000
    # not the one Dash's router makes at its first request, with the frame as drawn for that request
    assert "synthetic-banner" not in layout and "Synthetic" not in layout


def test_every_skeleton_component_is_on_its_page_as_drawn(dash_app):
    """A skeleton (dashboard/views/*.skeleton) names what the page really draws, with the same type: the
    callbacks are checked against the pages themselves, not against a list that drifted from them."""
    from tests.dashboard.test_dashboard_browser import PAGES

    client = dash_app.server.test_client()
    pages = routing.pages()
    for module, entry in dash.page_registry.items():
        if not entry.get("skeleton"):
            continue
        urls = [u for u in PAGES if (m := routing.match(u.split("?")[0], pages)) and m.module == module]
        seen = set().union(*(drawn(client, u) for u in urls))
        for comp in routing.components(entry["skeleton"]()):
            assert (key(comp.id), type(comp).__name__) in seen, (module, comp.id, type(comp).__name__)


def test_every_registered_page_is_in_the_sitemap_and_visited_by_the_browser_tests(dash_app):
    """The page list is the registry's: a new page missing from either fails here."""
    from tests.dashboard.test_dashboard_browser import PAGES

    pages = routing.pages()
    assert len(pages) >= 10
    locs = [urlsplit(e.text).path for e in ET.fromstring(dash_app.server.test_client().get("/sitemap.xml").data)
            .findall("s:url/s:loc", NS)]
    for p in pages:
        if p.path == routing.NOT_FOUND:
            assert any(routing.match(u.split("?")[0], pages) is None for u in PAGES)
            continue
        assert any(routing.match(loc, pages) == p for loc in locs), f"{p.module} is not in the sitemap"
        assert any(routing.match(u.split("?")[0], pages) == p for u in PAGES), \
            f"{p.module} is in no browser test (tests/dashboard/test_dashboard_browser.py PAGES)"


def test_unknown_names_and_addresses_still_answer_404(dash_app):
    client = dash_app.server.test_client()
    for url, status in [("/indicator/online_share", 200), ("/area/VL101", 200), ("/methodology/neet_rate", 200),
                        ("/indicator/XX", 404), ("/area/XX", 404), ("/methodology/XX", 404), ("/indicator", 200),
                        ("/compare?areas=VL1,XX", 404), ("/?area=XX", 404), ("/no-such-page", 404), ("/404", 404)]:
        assert client.get(url).status_code == status, url
