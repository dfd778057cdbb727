"""The index pages (/indicator, /area) with their search, and the /compare selection (views/index.py, compare.py)."""

from __future__ import annotations

import json
import re

from dashboard import data
from dashboard.components import levels
from dashboard.views import compare, index
from tests.dashboard.test_dashboard_app import _walk, page


def _deepest(release) -> str:
    """An area with the longest parent chain in the demo release."""
    return max(release.areas["area_code"], key=lambda c: len(data.ancestors(release, c)))


def test_index_pages_answer_and_are_in_the_header_and_sitemap(dash_app):
    client = dash_app.server.test_client()
    for path in ("/indicator", "/area", "/indicator?q=rate", "/area?q=VL"):
        assert client.get(path).status_code == 200, path
    nav = [p.get("href") for t, p in _walk(json.loads(client.get("/_dash-layout").get_data(as_text=True)), [])
           if t == "Link"]
    assert "/indicator" in nav and "/area" in nav
    sitemap = client.get("/sitemap.xml").get_data(as_text=True)
    assert "/indicator</loc>" in sitemap and "/area</loc>" in sitemap


def test_indicator_index_lists_every_indicator_by_theme(dash_app, release):
    nodes = _walk(json.loads(page(dash_app.server.test_client(), "/indicator")), [])
    text = "".join(p["children"] for t, p in nodes if t == "Markdown")
    for r in release.indicators.itertuples():
        assert f'href="/indicator/{r.id}"' in text, r.id
        assert f"<h2>{r.theme.capitalize()}</h2>" in text


def test_indicator_search_finds_by_word(release):
    some = release.indicators.iloc[0]
    word = str(some["title"]).split()[0]
    found = index.indicator_matches(release, word.lower())
    assert some["id"] in [r["id"] for r in found]
    assert index.indicator_matches(release, "zzzz-no-such-word") == []


def test_area_index_lists_levels_with_the_real_parent_chain(release):
    html = index.areas_html(release, "")
    for level in release.levels:
        assert f"<h2>{levels.label(level, plural=True)} (" in html
    deep = _deepest(release)
    chain = " › ".join(data.area_name(release, a) for a in data.ancestors(release, deep))
    assert len(data.ancestors(release, deep)) >= 2
    row = re.search(rf'<a href="/area/{deep}">[^<]+</a></th><td>{deep}</td><td>([^<]+)</td>', html)
    assert row and row.group(1) == chain.replace("›", "›")


def test_area_search_finds_a_place_by_name_or_code(release):
    deep = _deepest(release)
    name = data.area_name(release, deep)
    assert index.area_matches(release, deep)[0]["area_code"] == deep  # an exact code comes first
    assert deep in [r["area_code"] for r in index.area_matches(release, name.split()[0].upper())]
    html = index.areas_html(release, name)
    assert "match" in html and f'href="/area/{deep}"' in html
    assert "0 places match" in index.areas_html(release, "zzzz-no-such-place")


def test_search_works_without_javascript(dash_app, release):
    """The page's HTML itself (no script run) holds the form and the results, in <noscript>."""
    client = dash_app.server.test_client()
    deep = _deepest(release)
    html = client.get(f"/area?q={deep}").get_data(as_text=True)
    noscript = re.search(r"<noscript>(.*)</noscript>", html, re.S).group(1)
    assert '<form method="get" action="/area"' in noscript and 'name="q"' in noscript
    assert f'href="/area/{deep}"' in noscript and f'value="{deep}"' in noscript
    assert "<noscript>" not in client.get("/compare").get_data(as_text=True)
    ind = client.get("/indicator?q=%3Cscript%3E").get_data(as_text=True)
    assert "<script>" not in re.search(r"<noscript>(.*)</noscript>", ind, re.S).group(1)


def test_adding_adds_removing_removes_and_the_cap_holds():
    areas, problem = compare.change(["A"], "B", None)
    assert areas == ["A", "B"] and problem is None
    assert compare.change(["A", "B"], "A", None) == (["A", "B"], "already chosen")
    assert compare.change(["A", "B", "C"], None, "B") == (["A", "C"], None)
    full = [f"X{i}" for i in range(compare.MAX_AREAS)]
    assert compare.change(full, "Y", None) == (full, "full")
    assert "remove one to add another" in compare.cap_note(compare.MAX_AREAS)
    assert "only the first 12" in compare.cap_note(12, 296)


def test_compare_default_is_the_users_area_with_its_parent_and_peers(release):
    deep = _deepest(release)
    areas, inds = compare.defaults(release, deep)
    parent = data.parents(release)[deep]
    peers = data.neighbours(release, deep)
    assert areas[:2] == [deep, parent] and set(peers[: compare.MAX_AREAS - 2]) <= set(areas)
    assert len(areas) <= compare.MAX_AREAS and inds
    assert compare.defaults(release)[0] == []  # no area: the page says how to start


def test_compare_with_too_many_areas_keeps_twelve_and_says_so(dash_app, release):
    codes = release.areas["area_code"].tolist()
    assert len(codes) > compare.MAX_AREAS
    text = page(dash_app.server.test_client(), "/compare", "?areas=" + ",".join(codes))
    nodes = _walk(json.loads(text), [])
    store = next(p for t, p in nodes if p.get("id") == compare.CHOSEN)
    assert store["data"] == codes[: compare.MAX_AREAS]
    note = next(p for t, p in nodes if p.get("id") == compare.CAP_NOTE)
    assert f"named {len(codes)} areas; only the first 12" in note["children"]
    buttons = [p for t, p in nodes if t == "Button" and isinstance(p.get("id"), dict)]
    assert [b["id"]["area"] for b in buttons] == codes[: compare.MAX_AREAS]
    assert all(b["aria-label"] == f"Remove {data.area_name(release, b['id']['area'])}" for b in buttons)
    add = next(p for t, p in nodes if p.get("id") == "compare-areas")
    assert add["disabled"] is True


def test_compare_opens_empty_with_how_to_start(dash_app):
    text = page(dash_app.server.test_client(), "/compare")
    assert "compare-start" in text and "No area chosen yet." in text


def test_area_index_on_a_ragged_geography_with_several_roots(tmp_path):
    """Real UK data (tests/data/real/uk_ragged): four countries are roots; a Scottish council sits directly
    under Scotland, an English one under its region under England. Each row names its real chain."""
    import shutil

    from dashboard.release_reader import ReleaseReader
    from etl.pipeline import run
    from tests.conftest import ROOT, load_config_with, temp_store_env

    src = ROOT / "tests" / "data" / "real" / "uk_ragged"
    for name in ("areas.csv", "observations.csv", "config.yaml"):
        shutil.copy(src / name, tmp_path / name)
    result = run(load_config_with(tmp_path / "config.yaml", temp_store_env(tmp_path)))
    rel = ReleaseReader(result.path.parent.parent).get(result.path.name)
    html = index.areas_html(rel, "")
    countries = html.split("<h2>Region")[0]
    for name in ("England", "Scotland", "Wales", "Northern Ireland"):
        assert f">{name}</a></th><td>" in countries
    assert '<a href="/area/S12000033">Aberdeen City</a></th><td>S12000033</td><td>Scotland</td>' in html
    assert '<a href="/area/E06000001">Hartlepool</a></th><td>E06000001</td><td>England › North East</td>' in html
    assert [r["name"] for r in index.area_matches(rel, "aberdeen")] == ["Aberdeen City", "Aberdeenshire"]
    found = index.areas_html(rel, "ABERDEEN city")
    assert "1 place matches" in found and "<td>Local authority</td><td>Scotland</td>" in found
