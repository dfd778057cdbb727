"""The overview says the coverage note most cards share once, above the cards (issue 20: "Computed from the 283
of 286 local areas that reported." stood on 10 of 11 cards), keeps a note on the cards it differs on, and says
"None" rather than "0 got significantly worse"."""

from __future__ import annotations

import pandas as pd

from dashboard.views import overview
from tests.dashboard.test_overview_once import cards, text_of


def _shared_text(content) -> str:
    return next(c for c in content if getattr(c, "id", None) == "overview-shared").children


def test_the_note_most_cards_share_is_said_once_above_them(release):
    latest, _ = overview.overview_rows(release, "VL", "all")
    notes = latest["note"].dropna()
    assert notes.value_counts().iloc[0] >= 2, "the demo's national cards share a coverage note"
    common_note = notes.value_counts().index[0]
    content = overview.content(release, "VL", "all")
    shared = _shared_text(content)
    assert shared.count(common_note.rstrip(". ")) == 1, shared
    on_cards = [text_of(c) for c in cards(content)]
    assert sum(common_note in c for c in on_cards) == 0
    for r, c in zip(latest.itertuples(), on_cards, strict=True):
        if isinstance(r.note, str) and r.note and r.note != common_note:
            assert r.note in c, r.title
    others = latest.loc[latest["note"] != common_note, "title"].tolist()
    assert all(t in shared for t in others) if 0 < len(others) <= 3 else True


def test_the_cards_that_differ_are_named_or_counted():
    latest = pd.DataFrame({"indicator": list("abcde"), "title": ["A", "B", "C", "D", "E"],
                           "note": ["n", "n", "n", "other", None]})
    common = overview.shared(latest.assign(status="ok", period="2024", frequency="annual"), None)
    assert common.note == "n" and common.note_on == ("a", "b", "c")
    assert overview.shared_note_words(latest, common) == "n, for every indicator but D; E."
    alone = latest.assign(note=["n", "m", None, None, None])
    assert overview.shared(alone.assign(status="ok", period="2024", frequency="annual"), None).note is None  # one card's note stays on its card


def test_no_change_got_worse_reads_none():
    latest = pd.DataFrame({"change_significance": ["better", "similar"]})
    assert overview.worse_summary(latest, 0).startswith("None got significantly worse")
    assert overview.worse_summary(latest, 1).startswith("1 got significantly worse")
