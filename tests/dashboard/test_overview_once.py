"""The managers' overview says each thing once and in one vocabulary (issue 20): the same rule text sat on
seven cards, every value said "(provisional)", a raw release id and ISO timestamps filled the page, cards were
not sorted by status, and the status words disagreed (the summary said "off track", the badge "Getting worse"
beside "+1.0 pts (better)", the ranking's dots were all blue while its text said "red 8 of 8")."""

from __future__ import annotations

import json
import re

import pytest

from dashboard.components import fmt, performance, ui
from dashboard.views import attention, explorer, info, overview
from tests.conftest import ROOT


def text_of(component) -> str:
    return json.dumps(component if isinstance(component, list | dict) else component.to_plotly_json(),
                      default=lambda o: o.to_plotly_json(), ensure_ascii=False)


def cards(content) -> list:
    return next(c for c in content if getattr(c, "className", None) == "cards").children


def test_every_status_is_worded_alike_on_the_badge_in_the_tables_and_the_summary(release):
    latest, _ = overview.overview_rows(release, "VL", None)
    assert set(latest["rag"].dropna()) >= {"red", "green"}, "the demo has indicators off and on track"
    for rag, label in performance.RAG_LABEL.items():
        for key, s in performance.STATUSES.items():
            if s.rag != rag:
                continue
            said = performance.words(rag, key)
            assert said == f"{label}: {s.detail}"
            assert said == attention.status_words(rag, key) == explorer.progress_words(rag, key) \
                == fmt.PROGRESS_TEXT[key]
            badge = text_of(ui.rag_badge(rag, key))
            assert f'"{label}"' in badge and s.detail in badge and s.shape in badge and s.css in badge
    summary = overview.status_summary(latest)
    for rag, label in performance.RAG_LABEL.items():
        assert f"{int((latest['rag'] == rag).sum())} {label.lower()}" in summary
    content = overview.content(release, "VL", "all")
    page = text_of(content)
    for old in ("Getting worse", "Progress, acceleration needed", "needing acceleration:"):
        assert old not in page, old
    statuses = text_of([*cards(content), next(c for c in content if getattr(c, "id", None) == "attention")])
    for colour in ("(red)", "(amber)", "(green)"):  # the colour is shown, and the key names it; words say the rest
        assert colour not in statuses, colour


def test_the_badge_colours_are_the_ones_the_stylesheet_and_the_ranking_use(release):
    css = (ROOT / "dashboard" / "assets" / "openmeasure.css").read_text(encoding="utf-8")
    for s in performance.STATUSES.values():
        if s.rag:
            assert re.search(rf"\.{s.css} {{ color: {s.colour}; }}", css), s.css
    from dashboard import data
    meta = data.indicator_meta(release, "employment_rate")
    period = data.latest_period(release, "employment_rate")
    ranked = explorer.ranked(release, meta, "region", period)
    marker = explorer.ranking_outputs(release, meta, "region", period)[0]["data"][0]["marker"]
    want = [performance.colour(r, p) for r, p, v in zip(ranked["rag"], ranked["progress_status"], ranked["value"],
                                                        strict=True) if v is not None]
    assert marker["color"] == want and performance.RED in want
    assert marker["symbol"][want.index(performance.RED)] == "square"


def test_status_and_change_are_two_labelled_things_on_a_card(release):
    """'Getting worse' beside '+1.0 pts (better)' read as a contradiction: the status judges the whole period
    since the base, the change only the last one, and each now says which it is."""
    content = overview.content(release, "VL", "all")
    for card, r in zip(cards(content), overview.overview_rows(release, "VL", None)[0].itertuples(), strict=True):
        text = text_of(card)
        assert '"Status: "' in text and "Change since" in text and "(better)" not in text
        if r.change_significance == "better" and r.rag == "red":
            assert f"{r.previous_period}: " in text and ", better" in text


def test_the_rule_is_said_once_on_the_page_and_the_methodology_uses_the_same_words(release, dash_app,
                                                                                   app_context):
    content = overview.content(release, "VL", "all")
    page = text_of(content)
    for s in performance.STATUSES.values():  # the key: each status, its meaning and thresholds, once
        assert page.count(s.meaning) == 1, s.key
    judged_on_trend = 0
    for c in cards(content):
        text = text_of(c)
        assert "a year or more" not in text and "95%" not in text  # no card repeats the rule
        judged_on_trend += overview.NO_TARGET_WORDS in text
    assert judged_on_trend >= 2  # each such card says so in a few words
    assert page.count("How the status is judged") == 1
    no_target, with_target = text_of(info.methodology("form_hours")), text_of(info.methodology("employment_rate"))
    assert performance.rule("higher_is_better", False) in no_target
    assert performance.rule("higher_is_better", True) in with_target
    for label in performance.RAG_LABEL.values():
        assert label in no_target and label in with_target


def test_a_status_every_value_shares_is_said_once(release):
    latest, series = overview.overview_rows(release, "VL", None)
    assert set(latest["status"]) == {"provisional"}, "the demo's latest values are all provisional"
    content = overview.content(release, "VL", "all")
    page = text_of(content)
    assert "(provisional)" not in page and page.count("Every figure below is provisional") == 1
    mixed = overview.Shared(None, None)  # when they differ, each card says its own
    for r in latest.itertuples():
        assert "(provisional)" in text_of(overview.card(r, series, "VL", None, mixed))


def test_cards_are_sorted_off_track_first(release):
    latest, _ = overview.overview_rows(release, "VL", None)
    ranks = [performance.order(r.rag, r.progress_status, not fmt.missing(r.target)) for r in latest.itertuples()]
    assert ranks == sorted(ranks) and len(set(ranks)) >= 3
    shown = [c.className for c in cards(overview.content(release, "VL", "all"))]
    assert shown[0] == "card card-rag-red" and shown[-1] in ("card card-rag-none", "card card-rag-green")


def test_the_release_is_a_date_in_words_with_its_id_behind_a_link(release, dash_app, app_context):
    created = release.manifest["created"]
    line = overview.release_line(release.id, created)
    summary = line.children[0].children
    assert summary == f"Data released {fmt.date_words(created)}"
    assert re.fullmatch(r"Data released \d{1,2} [A-Z][a-z]+ \d{4}", summary)
    assert release.id in text_of(line) and created in text_of(line)  # behind the disclosure
    page = text_of(overview.layout())
    assert page.count(release.id) == 2 and page.count(created) == 1  # the release store holds its id too
    assert summary in page
    cards_text = text_of(cards(overview.content(release, "VL", "all")))
    assert not re.search(r"\d{4}-\d{2}-\d{2}", cards_text), "no ISO date on the cards"


@pytest.mark.browser
def test_on_a_phone_needs_attention_is_on_the_first_screen(browser, live_server):
    """At 390×844 'Needs attention' began at 968 px (below the fold) and the page was 7,299 px tall."""
    context = browser.new_context(viewport={"width": 390, "height": 844})
    try:
        page = context.new_page()
        page.goto(live_server + "/")
        page.wait_for_selector("#attention h2", timeout=20_000)
        top = page.evaluate("document.querySelector('#attention h2').getBoundingClientRect().top + window.scrollY")
        height = page.evaluate("document.documentElement.scrollHeight")
    finally:
        context.close()
    assert top + 60 < 844, top
    assert height < 6500, height
