"""An area's profile and the comparison in French and German in Chromium: the page's words and its tables'
numbers in the language, also after using the controls (the callbacks answer in the page's language, which
they take from its address), and axe-core finds no violation (issue 22)."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser

WORDS = {
    "fr": {"profile": ["En bref", "Un indicateur en détail", "Rang dans le niveau", "Plus proches voisins statistiques"],
           "compare": ["Territoires choisis", "Tous les indicateurs choisis", "Intervalle à 95 %", "Retirer"],
           "added": "3 territoires choisis", "broadband": "haut débit"},
    "de": {"profile": ["Auf einen Blick", "Ein Indikator im Detail", "Rang auf der Ebene",
                       "Statistisch nächste Nachbarn"],
           "compare": ["Ausgewählte Gebiete", "Alle ausgewählten Indikatoren", "95-%-Intervall", "Entfernen"],
           "added": "3 Gebiete ausgewählt", "broadband": "Breitband"},
}
#: A decimal number as the language writes it: "65,2" (no "65.2").
DECIMAL = re.compile(r"\d,\d")
ENGLISH_DECIMAL = re.compile(r"(?<![\d.])\d{1,3}\.\d(?!\d{2})")


#: an open dropdown's list is filtered down to the options holding the typed words (Enter picks the first): pressing
#: Enter after a fixed pause lost that race on a loaded machine
FILTERED = ("w => { const o = [...document.querySelectorAll('.dash-dropdown-content .dash-dropdown-option')];"
            " return o.length > 0 && o.every(e => e.textContent.includes(w)); }")


def _tables(tab) -> str:
    tab.page.wait_for_selector("main table", state="attached")  # dcc.Markdown draws them after its script loads
    return " ".join(tab.page.eval_on_selector_all("table", "ts => ts.map(t => t.textContent)"))


@pytest.mark.parametrize("lang", ["fr", "de"])
def test_an_area_s_profile_in_a_language(tab, lang):
    tab.open(f"/area/VL101?lang={lang}")
    assert tab.page.get_attribute("html", "lang") == lang
    tables = _tables(tab)
    text = tab.page.eval_on_selector("main", "m => m.textContent")
    for words in WORDS[lang]["profile"]:
        assert words in text, words
    assert DECIMAL.search(tables) and not ENGLISH_DECIMAL.search(tables), tables[:500]
    # the indicator control's callback answers in the page's language
    tab.page.click("#area-indicator")
    tab.page.keyboard.type(WORDS[lang]["broadband"])  # the options are in the language too
    tab.page.wait_for_function(FILTERED, arg=WORDS[lang]["broadband"])
    tab.page.keyboard.press("Enter")
    tab.settle()
    tab.page.wait_for_function("() => location.search.includes('indicator=')")  # the callback answered
    assert "broadband" in tab.page.url
    tab.page.wait_for_function(f"() => document.querySelector('#area-detail figure')?.textContent.includes("
                               f"{WORDS[lang]['profile'][3]!r})")
    neighbours = tab.page.eval_on_selector("#area-detail figure", "f => f.textContent")
    assert WORDS[lang]["profile"][3] in neighbours
    assert not re.search(r"\b(of|in|nearest|neighbours|average|hatched)\b", neighbours.split("Source")[0]), neighbours
    assert DECIMAL.search(neighbours)
    assert tab.axe() == []
    assert not tab.errors, tab.errors


@pytest.mark.parametrize("lang", ["fr", "de"])
def test_a_comparison_in_a_language(tab, lang):
    tab.open(f"/compare?areas=VL101,VL1&lang={lang}")
    tables = _tables(tab)
    text = tab.page.eval_on_selector("main", "m => m.textContent")
    for words in WORDS[lang]["compare"]:
        assert words in text, words
    assert DECIMAL.search(tables) and not ENGLISH_DECIMAL.search(tables), tables[:500]
    assert "significantly" not in text and "Latest values" not in text
    assert tab.axe() == []
    # adding an area: the note the callback writes is in the page's language
    tab.page.click("#compare-areas")
    tab.page.keyboard.type("VL102")
    tab.page.wait_for_function(FILTERED, arg="VL102")
    tab.page.keyboard.press("Enter")
    tab.settle()
    tab.page.wait_for_function(f"() => document.querySelector('#compare-cap').textContent.includes("
                               f"{WORDS[lang]['added']!r})")
    assert "chosen" not in tab.page.inner_text("#compare-cap")
    assert "selected" not in tab.page.inner_text("main")  # the dropdowns' own words (their labels)
    assert f"lang={lang}" in tab.page.url
    assert not tab.errors, tab.errors

