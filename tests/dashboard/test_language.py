"""The reader's language travels in the address (dashboard/language.py): negotiation per request, internal
links that keep ``lang``, the frame, ``<html lang>`` and numbers in the language (no browser)."""

from __future__ import annotations

import re

import pytest

from dashboard import language
from dashboard.components import fmt, ui


def test_with_lang_sets_replaces_and_removes_the_parameter_keeping_the_rest():
    assert language.with_lang("/compare?areas=A,B", "fr") == "/compare?areas=A,B&lang=fr"
    assert language.with_lang("/compare?lang=de&areas=A,B", "fr") == "/compare?areas=A,B&lang=fr"
    assert language.with_lang("/area/X?lang=de#trend", None) == "/area/X#trend"


def test_href_adds_the_language_to_internal_links_only():
    with language.using("fr"):
        assert language.href("/indicator/jobs", areas="E1") == "/indicator/jobs?areas=E1&lang=fr"
        assert language.href("/") == "/?lang=fr"
        for other in ("#main", "https://example.org/x", "//cdn.example/x", "mailto:a@b.c", "/assets/x.css"):
            assert language.href(other) == other
    with language.using("en", asked=False):  # the default language, not asked for: addresses as they were
        assert language.href("/area/X", indicator="jobs") == "/area/X?indicator=jobs"
    with language.using("en", asked=True):  # asked for in the address: kept, so a permalink stays English
        assert language.href("/area/X") == "/area/X?lang=en"


def test_plain_rewrites_every_internal_link_of_a_layout():
    from dash import html

    with language.using("de"):
        out = ui.plain(html.Div([html.A("x", href="/area/X"), html.A("y", href="https://example.org/")]))
    links = [c["props"]["href"] for c in out["props"]["children"]]
    assert links == ["/area/X?lang=de", "https://example.org/"]
    with language.using("de"):
        assert 'href="/area/X?lang=de"' in ui.table_html([("a", "A")], [{"a": ui.Link("X", "/area/X")}], "c")


def test_numbers_are_written_as_the_language_writes_them():
    with language.using("en"):
        assert (fmt.value(1234.56, 1), fmt.value(65.24, 1, "%")) == ("1,234.6", "65.2%")
    with language.using("fr"):
        assert (fmt.value(1234.56, 1), fmt.value(65.24, 1, "%")) == ("1\u202f234,6", "65,2\u00a0%")
        assert fmt.date_words("2026-12-07") == "7 décembre 2026"
    with language.using("de"):
        assert (fmt.value(1234.56, 1), fmt.value(65.24, 1, "%")) == ("1.234,6", "65,2\u00a0%")


@pytest.mark.parametrize(("query", "header", "expected", "asked"), [
    ("?lang=fr", "de", "fr", True),
    ("", "de-CH, en;q=0.5", "de", False),
    ("", None, "en", False),
    ("?lang=xx", "fr", "fr", False),  # an unknown ?lang= on a page is ignored, not an error
])
def test_a_request_s_language(dash_app, query, header, expected, asked):
    headers = {"Accept-Language": header} if header else {}
    with dash_app.server.test_request_context("/area" + query, headers=headers):
        assert language.negotiate(__import__("flask").request) == (expected, asked)


def test_dash_s_own_requests_take_the_language_of_the_page_they_are_for(dash_app):
    from flask import request

    with dash_app.server.test_request_context("/_dash-update-component", method="POST",
                                              headers={"Referer": "http://x/compare?areas=A&lang=de",
                                                       "Accept-Language": "fr"}):
        assert language.negotiate(request) == ("de", True)
        assert language.page_address(request) == "/compare?areas=A&lang=de"


def test_the_page_shell_says_its_language_and_the_frame_is_in_it(dash_app):
    client = dash_app.server.test_client()
    for path, headers, lang in [("/?lang=fr", {}, "fr"), ("/status", {"Accept-Language": "de"}, "de"),
                                ("/status", {}, "en")]:
        html = client.get(path, headers=headers).get_data(as_text=True)
        assert re.search(rf'<html lang="{lang}">', html), path
    layout = client.get("/_dash-layout", headers={"Referer": "http://x/status?lang=fr"}).get_json()
    text = str(layout)
    assert "Aller au contenu principal" in text and "Vue d’ensemble" in text
    assert "'/status?lang=fr'" in text and "'/status?lang=de'" in text  # the switcher keeps the page
    assert "'/indicator?lang=fr'" in text  # the nav keeps the language


def test_the_indicator_index_is_in_the_language_with_fallbacks_marked(dash_app, demo_config, release):
    from dashboard.views import index

    ind = demo_config.indicators[0]
    with dash_app.server.test_request_context("/indicator"), language.using("fr"):
        html = index.indicators_html(release, "")
        form = index.search_form_html("/indicator", index.INDICATOR_SEARCH, "x")
    assert ind.translations["fr"]["title"] in html
    assert f'href="/indicator/{ind.id}?lang=fr"' in html
    assert "Rechercher un indicateur" in form and 'name="lang" value="fr"' in form
    untranslated = ind.model_copy(update={"translations": {}})
    config = demo_config.model_copy(update={"indicators": [untranslated, *demo_config.indicators[1:]]})
    with dash_app.server.test_request_context("/indicator"), language.using("fr"), \
            __import__("unittest.mock").mock.patch("dashboard.context.config", return_value=config):
        html = index.indicators_html(release, "")
    assert f'<span lang="en">{ind.title}</span>' in html  # shown in English, and says so (3.1.2)


def test_an_indicator_s_title_on_the_overview_is_in_the_language(dash_app, demo_config, release):
    from dashboard.views import overview

    ind = demo_config.indicators[0]
    with dash_app.server.test_request_context("/"), language.using("de"):
        assert language.indicator_text(ind.id, "title", ind.title) == ind.translations["de"]["title"]
        area = release.areas["area_code"].iloc[0]
        page = str(ui.plain(overview.content(release, area, None, overview.freshness(release))))
    titled = [i for i in demo_config.indicators if "de" in i.translations]
    assert any(i.translations["de"]["title"] in page for i in titled)
    assert "lang=de" in page
    with dash_app.server.test_request_context("/"), language.using("en", asked=False):
        assert language.indicator_text(ind.id, "title", ind.title) == ind.title


def test_status_words_are_in_the_language():
    from dashboard.components import performance

    with language.using("fr"):
        assert performance.words("red", "deterioration") == "Hors trajectoire : moins bien qu’au départ"  # French: a space before the colon
        assert "Hors trajectoire" in str(ui.plain(ui.rag_badge("red", "deterioration")))
    with language.using("en", asked=False):
        assert performance.words("red", "deterioration") == "Off track: worse than at the start"


def test_pages_vary_on_the_language_headers_they_read(dash_app):
    """A page without ?lang= follows Accept-Language, a Dash request its page's Referer: shared caches must
    keep the answers apart (Vary), while the API, which reads only ?lang=, does not vary on them."""
    client = dash_app.server.test_client()
    page = client.get("/status", headers={"Accept-Language": "de"})
    assert "Accept-Language" in page.headers.get("Vary", "")
    layout = client.get("/_dash-layout", headers={"Referer": "http://localhost/?lang=fr"})
    assert {"Accept-Language", "Referer"} <= {v.strip() for v in layout.headers.get("Vary", "").split(",")}
    api = client.get("/api/v1/indicators")
    assert "Accept-Language" not in api.headers.get("Vary", "")
