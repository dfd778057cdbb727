"""The pages in French and German in a browser: ``<html lang>``, axe, the language switcher, numbers in the
language's format, and a French permalink that stays French in a fresh browser."""

from __future__ import annotations

import re

import pytest

from tests.dashboard.conftest import Page

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(("lang", "overview", "number"), [
    ("fr", "Vue d’ensemble", r"\d,\d\u00a0%|\d\u202f\d{3}"),
    ("de", "Übersicht", r"\d,\d\u00a0%|\d\.\d{3}"),
])
def test_the_overview_in_a_language(tab, lang, overview, number):
    tab.open(f"/?lang={lang}")
    page = tab.page
    assert page.get_attribute("html", "lang") == lang
    assert page.inner_text(".site-nav").startswith(overview)
    current = page.locator(".language-switcher a[aria-current='true']")
    assert current.get_attribute("lang") == lang and current.get_attribute("hreflang") == lang
    assert page.locator(".language-switcher a").count() == 3
    values = page.locator(".card-value").all_inner_texts()
    assert any(re.search(number, v) for v in values), values
    assert tab.axe() == []
    assert tab.errors == [] and tab.csp_violations() == []


def test_the_switcher_keeps_the_page_and_the_nav_keeps_the_language(tab):
    tab.open("/?lang=fr")
    tab.page.click(".site-nav a[href^='/status']")  # moves without reloading the frame
    tab.settle()
    assert tab.page.url.endswith("/status?lang=fr")
    tab.page.click(".language-switcher a[hreflang='de']")
    tab.page.wait_for_url(re.compile(r"/status\?lang=de$"))
    tab.settle()
    assert tab.page.get_attribute("html", "lang") == "de"
    assert "Datenstand" in tab.page.inner_text(".site-nav")
    assert tab.errors == []


def test_a_french_permalink_stays_french_in_a_fresh_browser(browser, live_server):
    first = Page(browser, live_server)
    try:
        first.open("/indicator?lang=fr")
        link = first.page.locator("main a[href^='/indicator/']").first.get_attribute("href")
    finally:
        first.close()
    assert link.endswith("lang=fr")
    fresh = Page(browser, live_server)
    try:
        fresh.open(link)
        assert fresh.page.get_attribute("html", "lang") == "fr"
        assert "Aller au contenu principal" in fresh.page.inner_text(".skip-link")
    finally:
        fresh.close()


def test_accept_language_without_lang_gets_german(browser, live_server):
    tab = Page(browser, live_server)
    tab.context.close()
    tab.context = browser.new_context(locale="de-DE", extra_http_headers={"Accept-Language": "de"})
    tab.page = tab.context.new_page()
    try:
        tab.open("/status")
        assert tab.page.get_attribute("html", "lang") == "de"
        assert "Zum Hauptinhalt springen" in tab.page.inner_text(".skip-link")
    finally:
        tab.context.close()
