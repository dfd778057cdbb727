"""Numbers and words as people read them, in the reader's language (dashboard/language.py): units, decimals,
statuses, significance, progress, and the number format of a chart (:func:`separators`)."""

from __future__ import annotations

import math
from functools import lru_cache

import pandas as pd

from core import i18n, statuses
from dashboard import language
from dashboard.components import levels, performance
from dashboard.i18n import N_
from indicators import methods

Translated = performance.Translated


#: The few words after a figure for each status (core.statuses' ``short``, which core cannot mark: marked here).
_STATUS_WORDS = (N_("provisional"), N_("estimated"), N_("break in series"), N_("definition differs"),
                 N_("low reliability"), N_("confidential"), N_("no data"), N_("too few areas reported"),
                 N_("withheld"))
#: A few words after a figure for each status, and the statuses that leave no value to show (core.statuses).
STATUS_TEXT = Translated(statuses.SHORT_TEXT)
NO_VALUE = statuses.NO_VALUE

SIGNIFICANCE_TEXT = Translated({
    "better": N_("better"), "worse": N_("worse"), "similar": N_("similar"), "higher": N_("higher"),
    "lower": N_("lower"), "not compared": N_("not compared"),
})


class _ProgressText(Translated):
    def __getitem__(self, key):
        return performance.words(self.raw[key], key)


#: Each progress_status in the words of dashboard.components.performance (the one status vocabulary), in the
#: reader's language when looked up.
PROGRESS_TEXT = _ProgressText({k: s.rag for k, s in performance.STATUSES.items() if s.rag})


@lru_cache(maxsize=32)
def _separators(lang: str) -> str:
    symbols = i18n.locale(lang).number_symbols
    symbols = symbols.get("latn", symbols)
    return symbols["decimal"][:1] + symbols["group"][:1]


def separators() -> str:
    """Plotly's ``layout.separators`` for the reader's language: the decimal sign then the thousands separator,
    from CLDR (``.,`` in English, ``,`` and a narrow no-break space in French, ``,.`` in German). plotly.js makes
    its d3-format locale of these two characters, so axis ticks and a hover's ``%{y:,.1f}`` write numbers as
    :func:`number` does."""
    return _separators(language.current())


@lru_cache(maxsize=32)
def _percent_sign(lang: str) -> str:
    return "%" if lang == "en" else i18n.percent(0, lang).replace("0", "", 1)


def unit_suffix(unit: str) -> str:
    """What follows a number for its unit: ``%`` in English, a no-break space and ``%`` in French and German
    (as CLDR writes a percentage), else a space and the unit; nothing without a unit."""
    if not unit:
        return ""
    if unit == "%":
        return _percent_sign(language.current())
    return f" {unit}"


@lru_cache(maxsize=32)
def _plain_symbols(lang: str) -> dict | None:
    """For a language that writes numbers as English does but with other symbols (CLDR's ``#,##0.###``: groups of
    three), the table that turns an English number into its own; None for any other (Babel writes those)."""
    loc = i18n.locale(lang)
    if loc.decimal_formats[None].pattern != "#,##0.###":
        return None
    symbols = loc.number_symbols.get("latn", loc.number_symbols)
    return str.maketrans({",": symbols["group"], ".": symbols["decimal"], "-": symbols["minusSign"]})


def period(p) -> str:
    """A period in words in the reader's language (``2030-Q1`` -> "1st quarter 2030", "1er trimestre 2030";
    ``2030-07`` -> "July 2030", "juillet 2030"); a year, or anything else, as it is."""
    return i18n.period(str(p), language.current())


def missing(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def text(v) -> str | None:
    """A text field of a release table, or None when it is empty. A missing string arrives from pandas as
    NaN, which is truthy: ``if meta["denominator"]`` would take it for a value and print 'nan'."""
    if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
        return None
    v = str(v)
    return v if v.strip() else None


def number(v, decimals: int = 1) -> str:
    """A number in the reader's language (dashboard/language.py): ``1,204.5``, ``1 204,5``, ``1.204,5``."""
    if missing(v):
        return "–"
    lang = language.current()
    english = f"{float(v):,.{int(decimals)}f}"
    if lang == "en":
        return english
    # the same digits in every language (rounded as English is), with the language's symbols: some 20 times
    # faster than Babel's formatting, which a table of thousands of areas would feel
    symbols = _plain_symbols(lang)
    return english.translate(symbols) if symbols is not None else i18n.number(float(v), lang, int(decimals))


def value(v, decimals: int = 1, unit: str = "") -> str:
    """``72.4%``, ``12.5 days``, ``1,204 people``; an en dash when there is no value."""
    if missing(v):
        return "–"
    text = number(v, decimals)
    if not unit:
        return text
    return text + unit_suffix(unit)


def interval(lo, hi, decimals: int = 1) -> str:
    if missing(lo) or missing(hi):
        return ""
    return performance.say(N_("{low} to {high}")).format(low=number(lo, decimals), high=number(hi, decimals))


def display(method: str | None) -> str:
    """How the indicator's method says its values read (indicators.methods: ``unit``, ``count``, ``index``)."""
    return methods.get(method).display if method in methods.METHODS else "unit"


def change(v, decimals: int = 1, unit: str = "", method: str | None = None) -> str:
    """A change in points where the values are shares or an index (100 in the base period), else in the unit."""
    if missing(v):
        return "–"
    sign = "+" if v > 0 else ""
    return sign + value(v, decimals, "pts" if unit == "%" or display(method) == "index" else unit)


def status(s) -> str:
    return STATUS_TEXT.get(s or "ok", str(s))  # translated (STATUS_TEXT reads each in the reader's language)


def with_status(v, s, decimals: int = 1, unit: str = "") -> str:
    """A value with its status in words: ``–  (withheld)``, ``65.2% (provisional)``."""
    words = status(s)
    text = "–" if s in NO_VALUE else value(v, decimals, unit)
    return f"{text} ({words})" if words else text


def rank(r, n) -> str:
    if missing(r) or missing(n):
        return "–"
    return performance.say(N_("{rank} of {count}")).format(rank=number(int(r), 0), count=number(int(n), 0))


def by_performance(polarity: str | None, method: str | None = None) -> bool:
    """Whether an indicator's ranks and quartiles run from best to worst: not a neutral one (children in care:
    neither direction is better), nor a count summed over the area (employed residents), which grows with the
    area's size, not its performance (its method says: indicators.methods). The others are ranked too (1 = best
    by polarity), but worded by value."""
    return polarity != "neutral" and (method not in methods.METHODS or methods.get(method).ranked_by_performance)


def rank_ends(polarity: str | None, method: str | None = None) -> tuple[str, str]:
    """What rank 1 and the last rank hold, in words: best and worst, or (without a better direction)
    highest and lowest: the ranks follow the polarity, and a neutral indicator ranks its highest value first."""
    if by_performance(polarity, method):
        return "best", "worst"
    return ("lowest", "highest") if polarity == "lower_is_better" else ("highest", "lowest")


def quartile(q, polarity: str = "higher_is_better", method: str | None = None) -> str:
    """Quartile 1 holds the best values; for an indicator with no better direction (neutral, or a count that
    grows with the area's size) it holds the first-ranked values, and says which (highest or lowest) rather
    than calling them best."""
    if missing(q):
        return "–"
    first, last = rank_ends(polarity, method)
    return {1: "1 (" + performance.say(QUARTER_WORDS[first]) + ")",
            4: "4 (" + performance.say(QUARTER_WORDS[last]) + ")"}.get(int(q), str(int(q)))


#: A ranking's ends as rank_ends names them (kept in English: callers compare them), in words.
END_WORDS = {"best": N_("best"), "worst": N_("worst"), "highest": N_("highest"), "lowest": N_("lowest")}
#: The quarter of the areas a quartile holds.
QUARTER_WORDS = {"best": N_("best quarter"), "worst": N_("worst quarter"), "highest": N_("highest quarter"),
                 "lowest": N_("lowest quarter")}


def end_words(end: str) -> str:
    """One of :func:`rank_ends`'s words (``best``) in the reader's language; any other text as it is."""
    return performance.say(END_WORDS[end]) if end in END_WORDS else end


def level_name(level: str, plural: bool = False) -> str:
    """A level as words inside a sentence: ``geography.level_labels``, else from the id (``local_authority`` ->
    ``local authority``, ``nuts3`` -> ``NUTS 3``): dashboard.components.levels."""
    return levels.name(str(level), plural=plural)


def _counted(n: int, noun: str) -> str | None:
    """``n`` of one of the nouns :func:`count` is called with, in the reader's language (None for another)."""
    ngettext = language.ngettext
    words = {"area": lambda: ngettext("{n} area", "{n} areas", n),
             "indicator": lambda: ngettext("{n} indicator", "{n} indicators", n),
             "value": lambda: ngettext("{n} value", "{n} values", n),
             "finding": lambda: ngettext("{n} finding", "{n} findings", n),
             "top-level area": lambda: ngettext("{n} top-level area", "{n} top-level areas", n)}.get(noun)
    return words().format(n=number(n, 0)) if words else None


def count(n: int, noun: str) -> str:
    """'1 indicator', '3 indicators' (in the reader's language for the nouns of :func:`_counted`; another noun
    is made plural the English way)."""
    counted = _counted(n, noun)
    if counted is not None:
        return counted
    return f"{n:,} {noun}" + ("" if n == 1 else "s")


def date_words(ts) -> str:
    """'7 December 2026' from a timestamp or an ISO text; empty when there is none (or it does not parse)."""
    if ts is None or (isinstance(ts, str) and not ts.strip()):
        return ""
    try:
        t = pd.Timestamp(ts)
    except (ValueError, TypeError):
        return ""
    if pd.isna(t):
        return ""
    lang = language.current()
    return f"{t.day} {t:%B %Y}" if lang == "en" else i18n.date(t.date(), lang, "long")
