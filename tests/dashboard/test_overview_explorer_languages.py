"""The overview and the indicator explorer in French and German (issue 22): every word of their layouts and
callbacks comes from the catalogue, with numbers in the language's format. Read as the pages' components (no
browser), then the explorer in Chromium: axe, and French/German numbers after a control is used."""

from __future__ import annotations

import html as htmllib
import re

import pytest

from dashboard import data, language
from dashboard.components import ui
from dashboard.views import attention, breakdowns, explorer, overview, period_choice
from tests.dashboard import english_left

#: English drawn by components other modules own and translate (dashboard/components/ui.py's download links and
#: table disclosures, chart_source.py's source line, data.py's area choices): left out here, checked there.
OTHERS = (re.compile(r"^(Data as \w+|Methodology|All downloads|Data behind this view|Download all rows as CSV)$"),
          re.compile(r"^Downloads give the figures of release"), re.compile(r": data table$"),
          re.compile(r"^Source: "), re.compile(r"\((country|region|municipality), [A-Z0-9]+\)$"))

#: Attributes a person reads or hears.
READ = ("aria-label", "placeholder", "title", "hint")


def texts(node, out: list[str]) -> list[str]:
    """Every text of a layout (plain dicts, ui.plain): children, option labels and the attributes people read;
    a table drawn as HTML is read as its text. Figures are the charts' (components/figures.py)."""
    if isinstance(node, dict):
        if "type" in node and "props" in node:
            props = node["props"]
            texts(props.get("children"), out)
            for option in props.get("options") or []:
                texts(option.get("label") if isinstance(option, dict) else option, out)
            out += [props[k] for k in READ if isinstance(props.get(k), str)]
        else:
            for v in node.values():
                texts(v, out)
    elif isinstance(node, list | tuple):
        for v in node:
            texts(v, out)
    elif isinstance(node, str):
        out += [t for t in re.split(r"\s*<[^>]+>\s*", htmllib.unescape(node)) if t.strip()]
    return out


def english_left_in(node, names: tuple[str, ...]) -> list[tuple[str, tuple[str, ...]]]:
    found = []
    for text in texts(ui.plain(node), []):
        if any(p.search(text) for p in OTHERS):
            continue
        words = english_left.english_words(text, names)
        if words:
            found.append((text[:120], words))
    return found


@pytest.fixture(scope="module")
def names(release) -> tuple[str, ...]:
    """Data values and proper names: area names, the release's notes (the publisher's words) and its id."""
    notes = release.values(columns=["note"]).column("note").unique().to_pylist()
    notes = [n for n in notes if n] + [n.rstrip(". ") for n in notes if n]  # the overview says a note once
    return tuple(sorted({*release.areas["name"].tolist(), *notes, release.id}, key=len,
                        reverse=True))


def _drawn(release, lang: str):
    """The overview and the explorer drawn in ``lang``, and their callbacks' answers after the controls move."""
    with language.using(lang):
        return [overview.layout(area=None), overview.layout(area="VL1"),
                overview.content(release, "VL101", "service use"),
                explorer.layout(indicator_id="online_share", areas="VL101"),
                explorer.layout(indicator_id="neet_count", level="region", period="1999", areas="VL1"),
                explorer.layout(indicator_id="satisfaction_by_sex"),
                explorer.layout(indicator_id="no_such_thing"),
                explorer.on_indicator(release, "applications", "2024", "municipality")[0],
                explorer.on_selection(release, "neet_count", "municipality", "2013", full=True)[1:],
                [p for k, p in enumerate(explorer.on_ranking(release, "employment_rate", "region", "2020"))
                 if k not in (0, 2)],  # not its figures (components/figures.py)
                explorer.on_trend(release, "processing_days", ["VL101", "VL205"])[1:],
                period_choice.note(release, "online_share", "municipality", "2015"),
                breakdowns.explorer_content(release, "satisfaction_by_sex", "municipality", "2024", ["VL101"])]


@pytest.mark.parametrize("lang", ["fr", "de"])
def test_no_english_is_left_on_the_overview_and_the_explorer(app_context, release, names, lang):
    found = [f for part in _drawn(release, lang) for f in english_left_in(part, names)]
    assert found == [], "\n".join(map(str, found))


def test_the_same_pages_in_english_are_found_english(app_context, release, names):
    """The check can fail: drawn in English, the same components hold English sentences."""
    found = [f for part in _drawn(release, "en") for f in english_left_in(part, names)]
    assert len(found) > 50


@pytest.mark.parametrize(("lang", "percent", "thousands", "ranked", "unit"), [
    ("fr", r"\d,\d\u00a0%", r"\d\u202f\d{3}", r"^\d+ territoires classés\. Meilleurs : ", "Unité : "),
    ("de", r"\d,\d\u00a0%", r"\d\.\d{3}", r"^\d+ Gebiete in der Rangfolge\. Beste: ", "Einheit: "),
])
def test_numbers_and_words_are_the_language_s(app_context, release, lang, percent, thousands, ranked, unit):
    with language.using(lang):
        _fig, rsum, _dfig, dsum, _dtable, table = explorer.on_ranking(release, "online_share", "municipality", "2024")
        cards = texts(ui.plain(overview.content(release, "VL", "all")), [])
        head = texts(ui.plain(explorer.header(data.indicator_meta(release, "online_share"))), [])
    assert re.search(ranked, rsum) and re.search(percent, rsum) and re.search(percent, dsum)
    assert re.search(percent, " ".join(texts(ui.plain(table), [])))
    assert any(re.search(thousands, t) for t in cards), cards
    assert any(t.startswith(unit) for t in head)


@pytest.mark.parametrize(("lang", "women", "level"), [("fr", "Femmes", "de niveau commune"),
                                                      ("de", "Frauen", "der Ebene Gemeinde")])
def test_breakdown_categories_and_levels_are_named_in_the_language(app_context, release, lang, women, level):
    """The config's words for them (dashboard.breakdown_labels, languages.levels), not the default language's."""
    with language.using(lang):
        slot = " ".join(texts(ui.plain(breakdowns.explorer_content(
            release, "satisfaction_by_sex", "municipality", None, ["VL101"])), []))
        note = ui.plain(period_choice.note(release, "online_share", "municipality", "2015"))["props"]["children"]
    assert women in slot and "Women" not in slot
    assert level in note


def test_periods_are_written_in_words_in_the_language(app_context):
    """A quarter or a month reads as the language says it (core.i18n.period), in the period choice and the
    sentences; the address keeps the observations' own writing. English keeps it too."""
    from dashboard.views import common

    with language.using("fr"):
        assert common.period_options(["2030-Q1", "2030-07"]) == [{"label": "1er trimestre 2030", "value": "2030-Q1"},
                                                                {"label": "juillet 2030", "value": "2030-07"}]
    with language.using("de"):
        assert common.period_words("2030-Q1") == "1. Quartal 2030"
    with language.using("en", asked=False):
        assert common.period_options(["2030-Q1"]) == ["2030-Q1"] and common.period_words("2030-07") == "2030-07"


@pytest.mark.parametrize(("lang", "level"), [("fr", "région"), ("de", "Region")])
def test_every_all_clear_sentence_names_the_level_in_the_language(lang, level):
    """The translations name the child level in the singular the config gives ({level}), the English in the
    plural ({areas}): each of the sentences gets both."""
    with language.using(lang):
        said = [attention.all_clear("Attiki", "regions", here, below, level) for here, below in ((0, 0), (0, 3), (2, 3))]
    assert all(level in s and "regions" not in s for s in said), said


def test_english_wording_is_unchanged(app_context, release):
    with language.using("en", asked=False):
        _fig, rsum, *_ = explorer.on_ranking(release, "online_share", "municipality", "2024")
        note = period_choice.note(release, "online_share", "municipality", "2015")
    assert re.match(r"^\d+ areas ranked\. Best: ", rsum) and "Each area's profile is linked" in rsum
    assert ui.plain(note)["props"]["children"].startswith("Showing 2015: ")


@pytest.mark.browser
@pytest.mark.parametrize(("lang", "number", "ranked", "level"), [
    ("fr", r"\d,\d\u00a0%", "territoires classés", "Région"),
    ("de", r"\d,\d\u00a0%", "Gebiete in der Rangfolge", "Region"),
])
def test_the_explorer_in_a_language_after_its_controls_move(tab, lang, number, ranked, level):
    tab.open(f"/indicator/online_share?lang={lang}")
    page = tab.page
    assert page.get_attribute("html", "lang") == lang
    assert tab.axe() == []
    before = page.inner_text("#explorer-ranking-summary")
    page.focus("#explorer-level")  # another level: the map, ranking and table are drawn again by callbacks
    page.keyboard.press("Enter")
    page.locator(".dash-dropdown-content .dash-dropdown-option", has_text=level).first.click()
    page.wait_for_function("before => document.querySelector('#explorer-ranking-summary').innerText !== before",
                           arg=before, timeout=20_000)
    tab.settle()
    summary = page.inner_text("#explorer-ranking-summary")
    assert ranked in summary and re.search(number, summary), summary
    assert re.search(number, page.text_content("#explorer-table")), "the values table (in its disclosure)"
    assert re.search(number, page.inner_text("#explorer-map-summary"))
    assert tab.axe() == []
    assert tab.errors == [] and tab.csp_violations() == []
