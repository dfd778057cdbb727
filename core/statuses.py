"""The status words of a published value, defined once: word, SDMX codes, flag letters and public texts.

Every status a value can carry is one :class:`Status` of :data:`STATUSES`, in the order the public reads them
(the status table of a download, the README, the xlsx metadata sheet):

- ``word``: what ``indicator_values.status`` holds (the computation writes it: indicators/sql/values.sql
  and compare.sql), and the code everything inside OpenMeasure compares with;
- ``obs_status``: the SDMX cross-domain ``OBS_STATUS`` code (CL_OBS_STATUS) of the SDMX-CSV download;
  ``withheld`` statuses also get a ``CONF_STATUS`` other than F there (C or D: see dashboard.api.formats);
- ``flags``: the publisher's flag letters (Eurostat's, with ONS's ``x``) that give the status when a source
  row carries them, in :data:`FLAG_PRIORITY` order when it carries several;
- ``short``: a few words after a figure (``65.2% (provisional)``); ``long``: the sentence of the status
  table; ``message``: the dashboard's plain-language message beside a figure (None: ``Status: <word>.``);
- ``no_value``: the value is empty (nothing to show but the status);
- ``published``: a release can carry it (``not_applicable`` describes a source observation only: the
  computation turns it into ``missing`` or ``ok``).

``etl.sources.statuses`` reads a source's own status texts (SDMX codes, Open SDG words) into flag letters;
this module says what those letters mean once they are read.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Status:
    word: str
    obs_status: str | None
    flags: str
    short: str
    long: str
    message: str | None = None
    withheld: bool = False
    no_value: bool = False
    published: bool = True


STATUSES: tuple[Status, ...] = (
    Status("ok", "A", "", "", "Published value with no flag."),
    Status("provisional", "P", "p", "provisional", "Provisional: the publisher may revise this value.",
           "This figure is provisional and may be revised."),
    Status("estimated", "E", "e", "estimated", "Estimated by the publisher.",
           "This figure is an estimate by the publisher."),
    Status("break", "B", "b", "break in series",
           "Break in the time series: not directly comparable with earlier periods.",
           "There is a break in the series: compare with earlier periods with care."),
    Status("definition_differs", "D", "d", "definition differs",
           "The definition differs from the standard one (see the publisher's metadata)."),
    Status("low_reliability", "U", "u", "low reliability", "Low reliability: treat with caution."),
    Status("confidential", "Q", "c", "confidential", "Confidential: withheld by the publisher.", withheld=True),
    Status("missing", "M", ":x", "no data", "No value: nothing was reported for this area and period.",
           "There is no data for this period.", no_value=True),
    Status("low_coverage", "L", "", "too few areas reported",
           "Not computed: too few of the areas below reported to give a fair figure.",
           "Too few local areas reported to give a reliable figure.", no_value=True),
    Status("suppressed", "Q", "", "withheld",
           "Withheld to protect individuals: the count is below the disclosure threshold (or would let one be "
           "worked out). The value, counts, interval, rank and change are left empty.",
           "This figure is withheld to protect the privacy of the people it counts.", withheld=True,
           no_value=True),
    Status("not_applicable", None, "z", "not applicable", "Not applicable: the value cannot exist.",
           published=False),
)

BY_WORD: dict[str, Status] = {s.word: s for s in STATUSES}
#: The statuses a release can carry, in public order.
PUBLISHED: tuple[Status, ...] = tuple(s for s in STATUSES if s.published)

OK = "ok"
#: Withheld by disclosure control (indicators.disclosure): the value and what it could be worked out from are
#: left empty in every output.
SUPPRESSED = "suppressed"
#: Flag letters in the order they decide a status when a source row carries several (``pc`` is confidential).
FLAG_PRIORITY = ":xzcpeubd"

#: A value cell holding a missing marker instead of a number gets its flag (Eurostat ':', ONS 'x'/'z'/'c', '..'
#: of UN tables), unless the source's status column gives one.
MARKER_FLAGS = {":": ":", ".": ":", "..": ":", "x": "x", "z": "z", "c": "c"}

#: Flag letter -> status word, in :data:`FLAG_PRIORITY` order.
FLAG_STATUS: dict[str, str] = {letter: s.word for letter in FLAG_PRIORITY for s in STATUSES if letter in s.flags}
#: Status word -> SDMX OBS_STATUS code (published statuses).
OBS_STATUS: dict[str, str] = {s.word: s.obs_status for s in PUBLISHED if s.obs_status}
#: The statuses whose value is withheld (SDMX CONF_STATUS C or D rather than F).
WITHHELD: tuple[str, ...] = tuple(s.word for s in PUBLISHED if s.withheld)
#: The statuses whose value is empty.
NO_VALUE: frozenset[str] = frozenset(s.word for s in PUBLISHED if s.no_value)
#: The status table of a download: word -> sentence.
LONG_TEXT: dict[str, str] = {s.word: s.long for s in PUBLISHED}
#: Word -> a few words after a figure.
SHORT_TEXT: dict[str, str] = {s.word: s.short for s in PUBLISHED}


def status(word: str) -> Status:
    """The status called ``word``; a word that is not one names the known ones."""
    try:
        return BY_WORD[word]
    except KeyError:
        raise KeyError(f"{word!r} is not a status (known: {', '.join(BY_WORD)})") from None


def flag(word: str) -> str:
    """The flag letter that gives the status ``word`` (its first, when it has several; none for ``ok``)."""
    letters = status(word).flags
    if not letters and word != OK:
        raise ValueError(f"status {word!r} is given by no flag letter: a source cannot carry it")
    return letters[:1]
