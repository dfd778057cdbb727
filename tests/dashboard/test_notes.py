"""The release's notes (written in English by the computation) read in the page's language: every sentence the
computation writes is recognised, its figures written as the language writes numbers; other notes are left as
they are."""

from __future__ import annotations

import pyarrow.compute as pc
import pytest

from dashboard import language
from dashboard.components import notes
from indicators import disclosure


def test_the_messages_are_the_computation_s_own_words():
    assert set(notes.DISCLOSURE_REASONS) <= set(notes.MESSAGES)
    for sql in ("indicators/sql/values.sql", "indicators/methods/index.py"):
        text = open(sql, encoding="utf-8").read()
        for phrase in ("No value was reported for this area and period.", "No local area reported for this period.",
                       " local areas reported, below the minimum coverage of ", " local areas that reported.",
                       " here; an index needs one.", "Not computed: too few local areas reported in the base period ",
                       ", and an index of it has no meaning."):
            if phrase in text:
                assert any(phrase.strip() in m for m in notes.MESSAGES), phrase
    assert disclosure.DISCLOSURE_REASON.format(threshold=10) == notes.DISCLOSURE_REASONS[0].format(threshold=10)


def test_every_note_of_the_demo_release_is_recognised(release):
    written = {n for n in pc.unique(release.values(columns=["note"])["note"]).to_pylist() if n}
    assert written, "the demo release has notes"
    assert [n for n in written if notes.recognised(n) is None] == []


@pytest.mark.parametrize(("lang", "expected"), [
    ("fr", "Calculé à partir des 1\u202f283 territoires locaux sur 1\u202f286 qui ont transmis des données."),
    ("de", "Berechnet aus den 1.283 von 1.286 lokalen Gebieten, die Daten gemeldet haben."),
    ("en", "Computed from the 1283 of 1286 local areas that reported."),
])
def test_a_note_in_the_language_with_its_numbers(lang, expected):
    with language.using(lang):
        assert notes.translated("Computed from the 1283 of 1286 local areas that reported.") == expected


def test_the_disclosure_reason_and_other_notes():
    reason = disclosure.DISCLOSURE_REASON.format(threshold=10)
    with language.using("de"):
        assert notes.translated(reason).startswith("Geheim gehalten: weniger als 10 Personen")
        assert notes.translated("Revised by the publisher in March.") == "Revised by the publisher in March."
        assert notes.translated(None) is None
    with language.using("fr"):
        assert notes.translated("Not computed: 3 of 8 local areas reported, below the minimum coverage of 75%.") \
            == ("Non calculé : 3 territoires locaux sur 8 ont transmis des données, en deçà de la couverture "
                "minimale de 75 %.")
