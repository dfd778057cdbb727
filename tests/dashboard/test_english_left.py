"""The English-left scanner (tests/dashboard/english_left.py) finds an English sentence and leaves alone what
is meant to stay: text marked in another language, code, addresses, proper names and data values."""

from __future__ import annotations

import pytest

from tests.dashboard import english_left as el


@pytest.mark.parametrize(("text", "words"), [
    ("Change since 2023: +1,0 pts, better", ("change", "since", "better")),
    ("Indicators that need attention", ("indicators", "that")),
    ("Évolution depuis 2023 : +1,0 pt, meilleure", ()),
    ("Veränderung seit 2023: +1,0 Pkt., besser", ()),
    ("Télécharger au format CSV, SDMX-CSV ou Parquet (API OpenMeasure)", ()),
    ("Tendance et classement du territoire", ()),  # "trend", "ranking", "status" are German words too
    ("voir https://example.org/the/data?of=with", ()),
])
def test_english_words(text, words):
    assert el.english_words(text) == words


def test_data_values_are_left_alone():
    assert el.english_words("Valeur de Republic of Veloria", ("Republic of Veloria",)) == ()
    assert el.english_words("Valeur de Republic of Veloria") == ("of",)


def test_scan_texts_names_where_and_reports_each_text_once():
    found = el.scan_texts("/x", [("main > h1", "The latest value"), ("main > h1", "The latest value"),
                                 ("main > p", "La dernière valeur")])
    assert [(f.where, f.words) for f in found] == [("main > h1", ("the", "latest", "value"))]
    assert "/x :: main > h1 :: the, latest, value" in str(found[0])


@pytest.mark.browser
def test_the_page_walk_skips_other_languages_and_code(browser):
    page = browser.new_page()
    try:
        page.set_content("""<html lang="fr"><head><title>Vue d’ensemble</title></head><body>
            <h1>Valeur du territoire</h1><p>The value is <span lang="en">shown in English</span></p>
            <code>the_value_of</code><button aria-label="Show the chart">x</button>
            <svg><text>Latest period</text></svg></body></html>""")
        found = {(f.where, f.words) for f in el.scan(page, "/t")}
    finally:
        page.close()
    assert found == {("html > body > p", ("the", "value", "is")),
                     ("html > body > button@aria-label", ("show", "the", "chart")),
                     ("html > body > svg > text", ("latest", "period"))}
