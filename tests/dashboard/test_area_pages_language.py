"""The area pages (``/area``, ``/area/<code>``) and the comparison (``/compare``) in French and German: every word
a reader reads comes from the catalogue or the config's translations, and numbers are in the language's format
(issue 22; docs/translations.md)."""

from __future__ import annotations

import html as htmlib
import json
import re

import plotly
import pytest

from dashboard import language
from dashboard.components import ids, ui

#: English words that French and German do not use: one of them left in a page's text is English left.
ENGLISH = re.compile(r"\b(the|of|and|with|is|are|not|no|none|compared|indicators?|areas?|values?|period|periods|"
                     r"rank|level|quarter|nearest|neighbours?|latest|download|chosen|better|worse|similar|every|"
                     r"this|these|choose|remove|significantly|interval|glance|trend|type|place|search|showing)\b",
                     re.IGNORECASE)
TAGS = re.compile(r"<[^>]+>")
#: Parts of these pages other modules draw: an indicator's breakdowns (views/breakdowns.py) and its trend
#: (views/explorer.py's trend_outputs), by their ids.
OTHERS = {"area-breakdowns", ids.AR_TREND}


def texts(component) -> list[str]:
    """Every text a person reads in a layout (children, labels, placeholders, options, tables' HTML), leaving
    out what other modules draw (charts: components/figures.py; a chart's source line and its table's
    disclosure: components/ui.py)."""
    out: list[str] = []

    def walk(c):
        if c is None or isinstance(c, (int, float)):
            return
        if isinstance(c, str):
            out.append(c)
            return
        if isinstance(c, (list, tuple)):
            for x in c:
                walk(x)
            return
        kind, props = c.get("type"), c.get("props") or {}
        if kind in ("Graph", "Summary") or "chart-source" in str(props.get("className") or ""):
            return
        if str(props.get("id")) in OTHERS or (kind == "Figure" and any(
                isinstance(x, dict) and str((x.get("props") or {}).get("id")) in OTHERS
                for x in props.get("children") or [])):
            return
        if kind == "Markdown":
            out.append(htmlib.unescape(TAGS.sub(" ", str(props.get("children")))))
            return
        for key in ("aria-label", "placeholder", "title"):
            if isinstance(props.get(key), str):
                out.append(props[key])
        if kind == "Dropdown":
            out.extend(str(o["label"]) for o in props.get("options") or [])
        walk(props.get("children"))

    walk(json.loads(json.dumps(component, cls=plotly.utils.PlotlyJSONEncoder)))
    return out


def english_left(component, release, allowed=()) -> list[str]:
    """The texts of ``component`` with an English word, once the release's area names and codes (data) and
    ``allowed`` (texts other modules own) are taken out."""
    names = sorted([*release.areas["name"].astype(str), *release.areas["area_code"].astype(str)], key=len,
                   reverse=True)
    left = []
    for text in texts(component):
        if text in allowed:
            continue
        bare = text
        for name in names:
            bare = bare.replace(name, " ")
        if ENGLISH.search(bare):
            left.append(text)
    return left


def _others(release) -> set[str]:
    """Texts other engineers' modules draw on these pages (components/ui.py's pinned note)."""
    return {str(ui.pinned_note(release.id).children)}


@pytest.mark.parametrize("lang", ["fr", "de"])
def test_an_area_s_profile_has_no_english_left(dash_app, release, lang):
    from dashboard.views import area

    with dash_app.server.test_request_context("/area/VL101"), language.using(lang):
        page = area.layout("VL101")
        detail = area.profile_sections(release, area.data.area_row(release, "VL101"), "nonexistent")
        left = english_left(page, release, _others(release))
        left += english_left(detail, release, _others(release))
    assert not left, left


@pytest.mark.parametrize("lang", ["fr", "de"])
def test_a_comparison_has_no_english_left(dash_app, release, lang):
    from dashboard.views import compare

    with dash_app.server.test_request_context("/compare"), language.using(lang):
        page = compare.layout("VL101,VL1,VL102", None)
        empty = compare.layout(None, None)
        note = compare.cap_note(3)
        left = english_left(page, release, _others(release)) + english_left(empty, release)
    assert not left, left
    assert not ENGLISH.search(note), note


@pytest.mark.parametrize("lang", ["fr", "de"])
def test_the_area_index_has_no_english_left(dash_app, release, lang):
    from dashboard.views import index, titles

    with dash_app.server.test_request_context("/area"), language.using(lang):
        page = index.areas_layout()
        found = index.areas_layout("Ven")
        title = titles.fixed("areas")()
    assert not english_left(page, release) and not english_left(found, release)
    assert title == {"fr": "Territoires", "de": "Gebiete"}[lang]


def test_numbers_counts_ranks_and_periods_are_in_the_language(dash_app, release):
    from dashboard.views import area_words as w

    with dash_app.server.test_request_context("/"), language.using("fr"):
        assert w.indicators(1) == "1 indicateur" and w.indicators(1234) == "1\u202f234 indicateurs"
        assert w.rank(3, 1204) == "3 sur 1\u202f204"
        assert w.interval(1234.5, 2000, 1) == "de 1\u202f234,5 à 2\u202f000,0"
        assert w.with_status(65.24, "provisional", 1, "%") == "65,2\u00a0% (provisoire)"
        assert w.period("2030-Q1") == "1er trimestre 2030"
        assert w.level_name("municipality") == "commune" and w.ordinal(1) == "1er"
        assert w.series(["A 1,0", "B 2,0", "C"]) == "A 1,0 ; B 2,0 ; C"  # French puts a space before ';' and ':'
        assert w.judged("19,4 jours", "better") == "19,4 jours : meilleur"
    with dash_app.server.test_request_context("/"), language.using("de"):
        assert w.indicators(2) == "2 Indikatoren" and w.rank(3, 1204) == "3 von 1.204"
        assert w.interval(1234.5, 2000, 1) == "1.234,5 bis 2.000,0"
        assert w.level_name("municipality") == "Gemeinde" and w.ordinal(3) == "3."
        assert w.quartile(1, "neutral") == "1 (höchstes Viertel)"
    with dash_app.server.test_request_context("/"), language.using("en", asked=False):
        assert w.indicators(1) == "1 indicator" and w.rank(3, 1204) == "3 of 1,204"
        assert w.quartile(4, "higher_is_better") == "4 (worst quarter)" and w.ordinal(12) == "12th"
        assert w.period("2030-Q1") == "2030-Q1"  # English keeps the code, as before


def test_the_status_words_follow_core_statuses():
    """Every status core.statuses publishes has words here, the same in English (a new one would be English
    in every language otherwise)."""
    from core import statuses
    from dashboard.views import area_words as w

    assert {k: v for k, v in w.STATUS.items()} == statuses.SHORT_TEXT


def test_a_profile_s_table_writes_numbers_the_german_way(dash_app, release):
    from dashboard.views import area

    with dash_app.server.test_request_context("/area/VL101"), language.using("de"):
        rows = area.profile_rows(release, area.data.area_row(release, "VL101"))
        table = " ".join(texts(area.layout("VL101")))
    decimals = [r for r in rows if int(r["decimals"]) > 0 and r["value"] == r["value"]]
    assert decimals
    assert re.search(r"\d,\d", table) and not re.search(r"\d\.\d\b(?!\d)", table.replace("95-%", ""))
    assert "Rang auf der Ebene" in table and " von " in table
