"""The release's notes in the reader's language.

Each value of a release carries a ``note`` that the computation writes in English (indicators/sql/values.sql,
the index method's base-period notes, disclosure control's reasons): the release is one set of files, the
same in every language, and its downloads keep the note as written. Pages show it in the reader's language:
:func:`translated` recognises each sentence the computation writes, from its message here (the same English,
its figures as ``{placeholders}``), and gives the catalogue's translation with the figures written as the
language writes numbers. A note it does not recognise (a publisher's own words) is shown as it is.
tests/dashboard/test_notes.py checks that every note of the demo release is recognised.
"""

from __future__ import annotations

import functools
import re

from dashboard import language
from dashboard.components import fmt
from dashboard.i18n import N_
from indicators import disclosure

#: Every sentence the computation writes into ``note``, with its figures as placeholders. The disclosure
#: reasons are indicators.disclosure's own (a test checks they are the same words).
MESSAGES = (
    N_("No value was reported for this area and period."),
    N_("No local area reported for this period."),
    N_("Not computed: {n} of {total} local areas reported, below the minimum coverage of {percent}%."),
    N_("Computed from the {n} of {total} local areas that reported."),
    N_("Not computed: no value was reported for the base period {period} here; an index needs one."),
    N_("Not computed: too few local areas reported in the base period {period}."),
    N_("Not computed: the value in the base period {period} is 0, and an index of it has no meaning."),
    N_("Not computed: the value in the base period {period} is below 0, and an index of it has no meaning."),
    N_("Withheld: fewer than {threshold} people, or a figure from which such a small count could be worked out "
       "(disclosure control)."),
    N_("Withheld: confidential according to its publisher."),
    N_("Withheld as in the release before, so that comparing the two releases cannot reveal a withheld value."),
    N_("Withheld so that a confidential value elsewhere cannot be worked out from the published figures."),
)
#: placeholders that are counts or shares, written in the reader's number format
NUMBERS = ("n", "total", "threshold", "percent")
#: the reasons of indicators.disclosure, as this module's messages spell them
DISCLOSURE_REASONS = (disclosure.DISCLOSURE_REASON, disclosure.CONFIDENTIAL_REASON, disclosure.KEPT_REASON,
                      disclosure.SECONDARY_REASON)


def _pattern(message: str) -> re.Pattern:
    parts = re.split(r"\{(\w+)\}", message)
    rx = "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>.+?)" for i, p in enumerate(parts))
    return re.compile(rx)


@functools.cache
def _patterns() -> tuple[tuple[str, re.Pattern], ...]:
    return tuple((m, _pattern(m)) for m in MESSAGES)


def recognised(note: str) -> tuple[str, dict[str, str]] | None:
    """``(message, its figures)`` when ``note`` is a sentence of :data:`MESSAGES`, else None."""
    for message, rx in _patterns():
        found = rx.fullmatch(note.strip())
        if found:
            return message, found.groupdict()
    return None


def translated(note):
    """``note`` (a release's ``note``: str, None or NaN) in the reader's language; a note the computation
    did not write, or any note in the default language, as it is."""
    text = fmt.text(note)
    if text is None or language.current() == language.default():
        return note
    found = recognised(text)
    if found is None:
        return note
    message, figures = found
    for key in NUMBERS:
        if key in figures:
            try:
                figures[key] = fmt.number(float(figures[key]), 0)
            except ValueError:
                pass
    return language._(message).format(**figures)
