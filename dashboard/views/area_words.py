"""The words the area pages (``/area``, ``/area/<code>``, ``/compare``) write around their figures, in the reader's
language (dashboard/language.py, docs/translations.md): counts with their plural, ranks, intervals, statuses,
significance, quarters, periods and level names. Numbers go through :mod:`dashboard.components.fmt` (Babel);
English reads as before, so addresses, tests and downloads written in English are unchanged.
"""

from __future__ import annotations

from core import i18n, statuses
from dashboard import language
from dashboard.components import fmt, levels
from dashboard.i18n import N_
from dashboard.language import _, ngettext

#: A status (core.statuses) in a few words after a figure; the English is core.statuses' ``short``.
STATUS = {"ok": "", "provisional": N_("provisional"), "estimated": N_("estimated"),
          "break": N_("break in series"), "definition_differs": N_("definition differs"),
          "low_reliability": N_("low reliability"), "confidential": N_("confidential"), "missing": N_("no data"),
          "low_coverage": N_("too few areas reported"), "suppressed": N_("withheld")}
#: A significance (core.schema's coded ``significance``) as a word in a table cell.
#: ("higher" and "lower" alone are other messages' words: info.py's "better when higher")
SIGNIFICANCE = {"better": N_("better"), "worse": N_("worse"), "similar": N_("similar"),
                "higher": N_("significantly higher"), "lower": N_("significantly lower"),
                "not compared": N_("not compared")}


def whole(n) -> str:
    """A count in the language: ``1,204``, ``1 204``, ``1.204``."""
    return fmt.number(int(n), 0)


def status(s) -> str:
    """A status in the reader's words; an unknown one as it is."""
    words = STATUS.get(s or "ok")
    if words is None:
        return str(s)
    return _(words) if words else ""


def with_status(v, s, decimals: int = 1, unit: str = "") -> str:
    """``–  (withheld)``, ``65,2 % (provisoire)``: fmt.with_status in the reader's language."""
    words = status(s)
    text = "–" if s in statuses.NO_VALUE else fmt.value(v, decimals, unit)
    return f"{text} ({words})" if words else text


def significance(sig) -> str:
    return _(SIGNIFICANCE[sig]) if sig in SIGNIFICANCE else ""


def interval(lo, hi, decimals: int = 1) -> str:
    """``1.2 to 3.4``, ``de 1,2 à 3,4``, ``1,2 bis 3,4``; empty without both ends."""
    if fmt.missing(lo) or fmt.missing(hi):
        return ""
    return span(fmt.number(lo, decimals), fmt.number(hi, decimals))


def span(start: str, end: str) -> str:
    return _("{start} to {end}").format(start=start, end=end)


def rank(r, n) -> str:
    """``3 of 12``, ``3 sur 12``, ``3 von 12``."""
    if fmt.missing(r) or fmt.missing(n):
        return "–"
    return _("{rank} of {n}").format(rank=whole(r), n=whole(n))


#: The quarter a rank falls in, by what the first or last rank holds (fmt.rank_ends' words).
FIRST_QUARTER = {"best": N_("top quarter"), "highest": N_("highest quarter"), "lowest": N_("lowest quarter")}
LAST_QUARTER = {"worst": N_("bottom quarter"), "highest": N_("highest quarter"), "lowest": N_("lowest quarter")}
MIDDLE_QUARTER = {2: N_("2nd quarter"), 3: N_("3rd quarter")}
#: The release's quartile 1 and 4 in a table cell, by what it holds.
FIRST_QUARTILE = {"best": N_("1 (best quarter)"), "highest": N_("1 (highest quarter)"),
                  "lowest": N_("1 (lowest quarter)")}
LAST_QUARTILE = {"worst": N_("4 (worst quarter)"), "highest": N_("4 (highest quarter)"),
                 "lowest": N_("4 (lowest quarter)")}


def quarter(q: int, polarity: str | None, method: str | None = None) -> str:
    """'top quarter', '3rd quarter', 'lowest quarter' (for an indicator with no better direction)."""
    first, last = fmt.rank_ends(polarity, method)
    if q == 1:
        return _(FIRST_QUARTER[first])
    if q == 4:
        return _(LAST_QUARTER[last])
    return _(MIDDLE_QUARTER[q])


def quartile(q, polarity: str = "higher_is_better", method: str | None = None) -> str:
    """fmt.quartile in the reader's language: ``1 (best quarter)``, ``4 (lowest quarter)``, ``2``."""
    if fmt.missing(q):
        return "–"
    first, last = fmt.rank_ends(polarity, method)
    return {1: _(FIRST_QUARTILE[first]), 4: _(LAST_QUARTILE[last])}.get(int(q), str(int(q)))


def period(p) -> str:
    """A period as the reader's language writes it (``2030-Q1``: "1er trimestre 2030"); English keeps the code."""
    lang = language.current()
    return str(p) if lang == language.default() else i18n.period(str(p), lang)


def level_label(level: str) -> str:
    """A level's name as it starts a sentence: ``languages.levels`` in a language other than the default,
    else ``geography.level_labels`` (components/levels.py)."""
    lang = language.current()
    if lang != language.default():
        from dashboard import context
        from dashboard.api import language as texts

        try:
            found, fell_back = texts.level_label(context.config(), str(level), lang)
        except Exception:  # noqa: BLE001 (no app: a view called in a test)
            found, fell_back = str(level), True
        if not fell_back and found != level:
            return found
    return levels.label(str(level))


def level_name(level: str) -> str:
    """A level's name inside a sentence ("commune", "Gemeinde": German keeps its nouns' capital)."""
    label = level_label(level)
    return label if language.current() == "de" else levels.mid_sentence(label)


def indicators(n: int) -> str:
    """'1 indicator', '3 indicators' in the reader's language."""
    return ngettext("{n} indicator", "{n} indicators", int(n)).format(n=whole(n))


def areas(n: int) -> str:
    return ngettext("{n} area", "{n} areas", int(n)).format(n=whole(n))


def ordinal(n: int) -> str:
    """A rank as an ordinal: 1st, 2nd, 3rd, 11th (English); 1er, 2e (French); 1., 2. (German); the number
    itself in a language without a rule here."""
    n = int(n)
    lang = language.current()
    if lang == "fr":
        return "1er" if n == 1 else f"{n}e"
    if lang == "de":
        return f"{n}."
    if lang != "en":
        return whole(n)
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def indicator(meta: dict | None) -> dict | None:
    """An indicator's metadata (``data.indicator_meta``) with its title, unit, description and theme in the
    reader's language (the config's translations); a text with none keeps the default language's."""
    lang = language.current()
    if meta is None or lang == language.default():
        return meta
    from dashboard import context
    from dashboard.api import language as texts

    config = context.config()
    words, _fell_back = texts.indicator_texts(config, meta, lang)
    out = {**meta, **{k: v for k, v in words.items() if v}}
    if meta.get("theme"):
        out["theme"] = texts.theme_label(config, str(meta["theme"]), lang)[0]
    return out


def title(release, indicator_id: str, text: str | None = None) -> str:
    """An indicator's title in the reader's language."""
    from dashboard import data

    meta = indicator(data.indicator_meta(release, indicator_id))
    return str(meta["title"]) if meta else str(text or indicator_id)


def indicator_options(release) -> list[dict]:
    """data.indicator_options in the reader's language: 'Title (theme)', by theme and title."""
    from dashboard import data

    if language.current() == language.default():
        return data.indicator_options(release)
    metas = [indicator(data.indicator_meta(release, i)) for i in data.indicators_in_order(release)]
    return [{"label": f"{m['title']} ({m['theme']})", "value": m["id"]} for m in metas]


def area_options(release) -> list[dict]:
    """data.area_options in the reader's language: 'Name (level, code)'."""
    from dashboard import data

    if language.current() == language.default():
        return data.area_options(release)
    rows = sorted(release.areas.itertuples(),
                  key=lambda r: (r.level_index, data.natural_key(r.name), data.natural_key(r.area_code)))
    return [{"label": f"{r.name} ({level_name(str(r.level))}, {r.area_code})", "value": r.area_code} for r in rows]


def word_list(items: list[str]) -> str:
    """'a, b and c' as the language joins a list ('a, b et c', 'a, b und c')."""
    from babel.lists import format_list

    return format_list(list(items), locale=i18n.locale(language.current())) if items else ""


#: The words a dcc.Dropdown writes itself (its ``labels``: Dash's English by default).
DROPDOWN_LABELS = {"select_all": N_("Select All"), "deselect_all": N_("Deselect All"),
                   "selected_count": N_("{num_selected} selected"), "search": N_("Search"),
                   "clear_search": N_("Clear search"), "clear_selection": N_("Clear selection"),
                   "no_options_found": N_("No options found")}


def dropdown_labels() -> dict[str, str]:
    """A dropdown's own words in the reader's language (``{num_selected}`` is Dash's, filled in the browser)."""
    return {k: _(v) for k, v in DROPDOWN_LABELS.items()}


def series(parts: list[str]) -> str:
    """Items of a summary one after the other, as the language separates them ('a; b', French 'a ; b')."""
    out = ""
    for i, part in enumerate(parts):
        out = part if not i else _("{previous}; {next}").format(previous=out, next=part)
    return out


def judged(value: str, sig) -> str:
    """A comparator's value and how the area compares with it: '19.4 days: better'."""
    return _("{value}: {significance}").format(value=value, significance=significance(sig))
