"""The server-rendered pages in French and German in a browser: ``<html lang>``, axe (``html-has-lang``,
``valid-lang``...), and the words of the page in the language."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(("lang", "path", "heading"), [
    ("fr", "/data", "Centre de téléchargement"),
    ("de", "/data", "Download-Center"),
    ("fr", "/api/", "API de données ouvertes d’OpenMeasure"),
    ("de", "/api/", "API für offene Daten von OpenMeasure"),
])
def test_a_server_page_in_a_language(tab, lang, path, heading):
    tab.open(f"{path}?lang={lang}")
    page = tab.page
    assert page.get_attribute("html", "lang") == lang
    assert page.inner_text("h1") == heading
    assert "Back to the dashboard" not in page.inner_text("main")
    assert tab.axe() == []
    assert tab.csp_violations() == []  # (the browser asks for /favicon.ico, which there is none of)


@pytest.mark.parametrize("lang", ["fr", "de"])
def test_no_english_is_left_on_the_server_pages(tab, lang, api_store):
    from tests.dashboard import english_left as el

    pages = ("/data", "/api/", f"/data/revisions?from={api_store['old']}&to={api_store['new']}")
    found = []
    for path in pages:
        el.open_page(tab, path + ("&" if "?" in path else "?") + f"lang={lang}")
        found += [str(f) for f in el.scan(tab.page, path) if "footer" not in f.where]
    assert not found, "\n".join(found)
