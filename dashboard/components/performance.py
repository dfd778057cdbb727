"""The one vocabulary of performance status: the words, shape, colour and plain meaning of each status the
release's ``progress_status`` and ``rag`` columns can give (docs/methodology.md, 'Progress towards a target and
RAG status'), and the rule by which it is judged.

Every page that shows a status takes it from here: the overview's cards, summary and key, its "Needs
attention" table, the explorer's ranking (its table and the colour of its dots) and the methodology page's
rule. Three headline words, one per colour, say where an indicator stands against its target (or, without
one, its long-run trend): **Off track** (red), **Needs acceleration** (amber), **On track** (green); a short
detail says why (``worse than at the start``, ``target achieved``). The change since the previous period is
another thing (better or worse than last year) and is always labelled as such where it is shown, so the
two never read as one claim.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import NamedTuple

from dashboard.i18n import N_


def say(message: str) -> str:
    """``message`` in the current language, looked up once per request: a table's words are read for every row
    (a map's thousand areas with no value), and a catalogue lookup checks the ``.po`` file's date each time."""
    if not message:
        return message
    import flask

    from dashboard.language import _

    if not flask.has_request_context():
        return _(message)
    said = flask.g.setdefault("openmeasure_said", {})
    if message not in said:  # one language per request (dashboard.language)
        said[message] = _(message)
    return said[message]


class Translated(Mapping):
    """A mapping of keys to messages (marked ``N_``) that reads each message in the current language when it is
    looked up, so a module-level table (``RAG_LABEL["red"]``) speaks the page's language; ``raw`` holds the
    messages themselves (English)."""

    def __init__(self, messages: Mapping[str, str], say: Callable[[str], str] = say):
        self.raw = dict(messages)
        self.say = say

    def __getitem__(self, key):
        return self.say(self.raw[key])

    def __iter__(self) -> Iterator:
        return iter(self.raw)

    def __len__(self) -> int:
        return len(self.raw)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.raw!r})"


class Status(NamedTuple):
    key: str  # the release's progress_status, or "no_status" / "no_target"
    rag: str | None  # green, amber, red; None for no status
    label: str  # the headline word: one per colour
    detail: str  # why, in a few words
    shape: str  # shown beside the words (colour never alone) and as the ranking's marker
    symbol: str  # the plotly marker symbol of the shape
    css: str
    colour: str  # the badge's text colour and the ranking dot's colour
    meaning: str  # the plain-language meaning, for the key (marked N_: shown as _(s.meaning))


RED, AMBER, GREEN, GREY = "#b10e1e", "#8a4b00", "#00703c", "#6f777b"

#: Worst first: the order of the overview's cards and of the key.
STATUSES: dict[str, Status] = {s.key: s for s in (
    Status("deterioration", "red", N_("Off track"), N_("worse than at the start"), "■", "square", "rag-red", RED,
           N_("The value is worse now than in the base period: it moved away from the target (or, without a "
           "target, the wrong way).")),
    Status("limited_progress", "red", N_("Off track"), N_("little progress"), "■", "square", "rag-red", RED,
           N_("Improving, but at less than 60% of the pace the target needs (without a target: under 0.5% a "
           "year).")),
    Status("acceleration_needed", "amber", N_("Needs acceleration"), N_("improving too slowly"), "▲", "triangle-up",
           "rag-amber", AMBER,
           N_("Improving at 60% to 95% of the pace the target needs (without a target: 0.5% to 1.5% a year).")),
    Status("on_track", "green", N_("On track"), N_("improving fast enough"), "●", "circle", "rag-green", GREEN,
           N_("Improving at 95% or more of the pace the target needs (without a target: 1.5% a year or more).")),
    Status("achieved", "green", N_("On track"), N_("target achieved"), "●", "circle", "rag-green", GREEN,
           N_("The target is already reached.")),
    Status("no_status", None, N_("No status"), "", "○", "circle-open", "rag-none", GREY,
           N_("There is nothing to judge: no value this period, or neither direction is better.")),
    Status("no_target", None, N_("No target"), "", "○", "circle-open", "rag-none", GREY,
           N_("No target and no direction of improvement to judge a trend by.")),
)}
ORDER = {k: i for i, k in enumerate(STATUSES)}
#: The headline word of each RAG colour (the summary's and the attention table's counts).
RAG_LABEL = Translated({"red": N_("Off track"), "amber": N_("Needs acceleration"), "green": N_("On track")})
#: What stands in for a RAG the release gives without a progress_status (an older release).
_BY_RAG = {"red": "limited_progress", "amber": "acceleration_needed", "green": "on_track"}


def status(rag, progress_status=None, has_target: bool = False) -> Status:
    """The status of a row: its progress_status when it has a RAG; without one, "No status" for an indicator
    that has a target (no value to judge this period), else "No target"."""
    if rag not in RAG_LABEL:
        return STATUSES["no_status" if has_target else "no_target"]
    known = STATUSES.get(progress_status)
    return known if known is not None and known.rag == rag else STATUSES[_BY_RAG[rag]]


def words(rag, progress_status=None) -> str:
    """'Off track: worse than at the start'; empty without a status (a table cell that says nothing)."""
    if rag not in RAG_LABEL:
        return ""
    s = status(rag, progress_status)
    return say(N_("{status}: {why}")).format(status=say(s.label), why=say(s.detail))


def order(rag, progress_status=None, has_target: bool = False) -> int:
    """Where a row sorts: off track first (worse than at the start, then little progress), then needs
    acceleration, on track, achieved, no status, no target."""
    return ORDER[status(rag, progress_status, has_target).key]


def colour(rag, progress_status=None) -> str:
    """The colour of a status (a ranking dot): the badge's colour, grey without a status."""
    return status(rag, progress_status).colour


def symbol(rag, progress_status=None) -> str:
    """The plotly marker symbol of a status: the badge's shape (square, triangle, circle; open without one)."""
    return status(rag, progress_status).symbol


def rule(polarity: str | None, has_target: bool) -> str:
    """How the status is judged, in the headline words (the methodology page and the overview's key)."""
    if polarity == "neutral":
        return say(N_("No status: neither direction is better."))
    if has_target:
        return say(N_("The growth a year since the base period is set against the growth a year needed to reach the "
                "target: On track (green) at 95% of it or more, or once the target is achieved; Needs "
                "acceleration (amber) from 60%; Off track (red) below 60% (little progress) or when the value "
                "is worse than at the start."))
    return say(N_("No target: the growth a year since the first period, in the better direction: On track (green) at "
            "1.5% a year or more; Needs acceleration (amber) from 0.5%; Off track (red) below 0.5% (little "
            "progress) or when the value is worse than at the start."))
