"""The explorer's sentences, headings and table words in the reader's language (dashboard/language.py): the
map's, ranking's, distribution's and trend's summaries, the header, the values table's columns and cells.

Every word comes from the catalogue (``dashboard/locales``), numbers and counts from dashboard.components.fmt
(Babel), and an indicator's own words (title, unit, description) from the config's translations
(views.common.in_language): dashboard/views/explorer.py draws the page with them."""

from __future__ import annotations

import numpy as np
from dash import html

from dashboard import data, language
from dashboard.components import figures, fmt, ids, ui
from dashboard.i18n import N_
from dashboard.language import _, ngettext
from dashboard.release_reader import Release
from dashboard.views.common import (
    count,
    counted,
    in_language,
    level_words,
    of,
    period_words,
    semicolons,
    significance,
    status_word,
    theme_name,
)
from dashboard.views.targets import aim

#: What rank 1 and the last rank hold (fmt.rank_ends), at the start of the ranking's summary.
ENDS = {("best", "worst"): (N_("Best: {top}."), N_("Best: {top}; worst: {bottom}.")),
        ("highest", "lowest"): (N_("Highest: {top}."), N_("Highest: {top}; lowest: {bottom}.")),
        ("lowest", "highest"): (N_("Lowest: {top}."), N_("Lowest: {top}; highest: {bottom}."))}

#: The first and last quartiles' words (fmt.quartile), by what they hold.
QUARTERS = {"best": N_("best quarter"), "worst": N_("worst quarter"), "highest": N_("highest quarter"),
            "lowest": N_("lowest quarter")}

#: Why an area has no value on the map, without a status word to say it.
NO_DATA = N_("no data")


def describe(codes: list[str], values: np.ndarray, counts: dict[str, int], names, meta: dict, level: str,
             period: str) -> str:
    """One or two sentences a screen-reader user gets instead of the map."""
    unit, dec = meta["unit"], int(meta["decimals"])
    parts = [ngettext("{indicator} for {n} area at {level} level in {period}.",
                      "{indicator} for {n} areas at {level} level in {period}.", len(codes)).format(
        indicator=meta["title"], n=count(len(codes)), level=level_words(level), period=period_words(period))]
    if np.isnan(values).all():
        parts.append(_("No area has a value."))
    else:
        lo, hi = int(np.nanargmin(values)), int(np.nanargmax(values))
        parts.append(_("Values range from {low} ({low_area}) to {high} ({high_area}); the median is {median}.").format(
            low=fmt.value(float(values[lo]), dec, unit), low_area=names.get(codes[lo], codes[lo]),
            high=fmt.value(float(values[hi]), dec, unit), high_area=names.get(codes[hi], codes[hi]),
            median=fmt.value(float(np.nanmedian(values)), dec, unit)))
    gone = {s: counts[s] for s in fmt.NO_VALUE if counts.get(s, 0)}
    if gone:
        n = sum(gone.values())
        parts.append(ngettext("{n} area has no value ({statuses}), shown in grey.",
                              "{n} areas have no value ({statuses}), shown in grey.", n).format(
            n=count(n), statuses=", ".join(counted(k, status_word(s)) for s, k in sorted(gone.items()))))
    n = int(counts.get("provisional", 0))
    if n:
        parts.append(ngettext("{n} value is provisional (marked with a ringed dot).",
                              "{n} values are provisional (marked with a ringed dot).", n).format(n=count(n)))
    n = int(counts.get("estimated", 0))
    if n:
        parts.append(ngettext("{n} value is estimated (marked with a ringed dot).",
                              "{n} values are estimated (marked with a ringed dot).", n).format(n=count(n)))
    return " ".join(parts)


def no_boundaries(level: str) -> str:
    return _("There are no boundaries for the {level} level, so no map; the ranking and table below show the "
             "values.").format(level=level_words(level))


def no_value_reason(status, note) -> str:
    """Why an area is grey on the map: its status word, with its note when it has one."""
    word = status_word(status) or _(NO_DATA)
    # a note that starts with the status word already says it ("Withheld: fewer than 10 people…"), in the
    # reader's language or in the release's (a note is the release's text)
    if isinstance(note, str) and note:
        said = {w.casefold() for w in (word, fmt.status(status)) if w}
        return note if any(note.casefold().startswith(w) for w in said) else f"{word}: {note}"
    return word


def _listed(names: list[str]) -> str:
    return ", ".join(names[:5]) + (", ..." if len(names) > 5 else "")


def map_coverage(release: Release, level: str, codes: list[str], geo) -> str:
    """' The map draws 3,213 of the 3,221 areas; 8 have no boundary (...).' and the areas outside its first
    view, for the map's summary; empty when every area is drawn in view."""
    missing = [c for c in codes if c not in geo.codes]
    out = ""
    if missing:
        shown = _listed([data.area_name(release, c) or c for c in missing])
        out += " " + ngettext(
            "The map draws {drawn} of the {n} areas; {missing} has no boundary ({names}) and is in the table only.",
            "The map draws {drawn} of the {n} areas; {missing} have no boundary ({names}) and are in the table only.",
            len(missing)).format(drawn=count(len(codes) - len(missing)), n=count(len(codes)),
                                 missing=count(len(missing)), names=shown)
    away = [c for c in geo.outlying if c in set(codes)]
    if away:
        shown = _listed([data.area_name(release, c) or c for c in away])
        out += " " + ngettext(
            "{n} area lies outside the map's first view ({names}): zoom out or pan to see it.",
            "{n} areas lie outside the map's first view ({names}): zoom out or pan to see them.",
            len(away)).format(n=count(len(away)), names=shown)
    return out


def rag_counts(df: dict[str, list]) -> str:
    """' Off track (red squares): 3 of 8 areas; ...' for the ranking's summary, in the words and the colours
    and shapes of the ranking's dots (components.performance)."""
    rated = [r for r in df["rag"] if r is not None]
    if not rated:
        return ""
    return " " + ngettext(
        "Off track (red squares): {red} of {n} area with a status; needs acceleration (amber triangles): "
        "{amber}; on track (green circles): {green}; the table gives each area's progress.",
        "Off track (red squares): {red} of {n} areas with a status; needs acceleration (amber triangles): "
        "{amber}; on track (green circles): {green}; the table gives each area's progress.", len(rated)).format(
        red=count(rated.count("red")), n=count(len(rated)), amber=count(rated.count("amber")),
        green=count(rated.count("green")))


def ends_text(have: dict, first: str, last: str, dec: int, unit: str) -> str:
    """'Best: Elby (95.6%), Alby (94.0%), Ceby (93.9%); worst: ...' : the areas the chart names at each end."""
    top, bottom = figures.ranking_ends(have["value"])

    def named(idx):
        return ", ".join(f"{have['name'][i]} ({fmt.value(have['value'][i], dec, unit)})" for i in idx)
    one, both = ENDS[(first, last)]
    return _(both).format(top=named(top), bottom=named(bottom[::-1])) if bottom else _(one).format(top=named(top))


def ranking_summary(have: dict, df: dict, meta: dict, first: str, last: str, target_text: str) -> str:
    """The ranking's summary: how many areas are ranked, the ends, intervals, target and statuses."""
    unit, dec = meta["unit"], int(meta["decimals"])
    n = len(have["value"])
    ci = (" " + _("Bars show 95% confidence intervals.")) if any(v is not None for v in have["lower_ci"]) else ""
    return (ngettext("{n} area ranked.", "{n} areas ranked.", n).format(n=count(n)) + " "
            + ends_text(have, first, last, dec, unit) + ci + target_text + rag_counts(df) + " "
            + _("Each area's profile is linked from the table; on the chart, select a point to open it."))


def no_ranking() -> str:
    return _("No area has a value to rank.")


def breakdown_only_note(release: Release, indicator: str, level: str, period: str | None) -> str:
    """Why an indicator published only by breakdown (Statistics Canada's rates by Sex: 'Sex=Both sexes',
    'Sex=Males', ...) has no value here: the explorer shows each area's total, and this indicator has none at
    the level and period. Empty when it has no breakdown values either."""
    t = release.values(indicators=[indicator], levels=[level], periods=[period] if period else None,
                       columns=["breakdown", "value"])
    names = sorted({b for b, v in zip(t["breakdown"].to_pylist(), t["value"].to_pylist(), strict=True)
                    if b != "total" and v is not None})
    if not names:
        return ""
    shown = ", ".join(names[:4])
    if len(names) > 4:
        shown = _("{names} and {n} more").format(names=shown, n=count(len(names) - 4))
    where = (_("This indicator has no total at this level in {period}").format(period=period_words(period)) if period
             else _("This indicator has no total at this level"))
    return " " + _("{where}: it is published by breakdown ({names}): the map and ranking show totals only; the "
                   "Breakdowns section below shows an area's categories, and the downloads (Data as CSV) give "
                   "every value.").format(where=where, names=shown)


def distribution_words(values: np.ndarray, dec: int, unit: str) -> str:
    q = np.quantile(values, [0.25, 0.5, 0.75]).tolist()
    return _("Half of the areas lie between {low} and {high}; the median is {median}.").format(
        low=fmt.value(q[0], dec, unit), high=fmt.value(q[2], dec, unit), median=fmt.value(q[1], dec, unit))


def distribution_table(counts, edges, meta: dict, period):
    dec = int(meta["decimals"])
    return ui.data_table([("range", _("Range ({unit})").format(unit=meta["unit"])), ("n", _("Number of areas"))],
                         [{"range": _("{start} to {end}").format(start=fmt.number(a, dec), end=fmt.number(b, dec)),
                           "n": count(int(n))}
                          for a, b, n in zip(edges[:-1], edges[1:], counts, strict=True) if n],
                         _("Distribution of {indicator}, {period} (ranges with no area left out)").format(
                             indicator=meta["title"], period=period_words(period)))


def no_values() -> tuple[str, object]:
    return _("No values to show."), ui.no_data(_("There is no data for this selection."))


def trend_label(name: str, role: str) -> str:
    """An area's line on the trend: its name, or the name with its role (the top level, the parent)."""
    if role == "top":
        return _("{name} (top level)").format(name=name)
    return _("{name} (parent)").format(name=name) if role == "parent" else name


def trend_summary(series: list[dict], lines: list, meta: dict, dec: int, unit: str) -> str:
    bits = []
    for s in series:
        pts = [(x, y) for x, y in zip(s["x"], s["y"], strict=True) if not fmt.missing(y)]
        if len(pts) >= 2:
            bits.append(_("{area}: {first} in {start}, {last} in {end}").format(
                area=s["name"], first=fmt.value(pts[0][1], dec, unit), start=period_words(pts[0][0]),
                last=fmt.value(pts[-1][1], dec, unit), end=period_words(pts[-1][0])))
    summary = ((semicolons(bits) + ".") if bits else _("Not enough values for a trend.") if lines
               else _("Choose an area to follow over time: its parent and its own top-level area are shown with it."))
    if meta.get("target") is not None and not fmt.missing(meta.get("target")) and lines:
        summary += " " + _("The target, {target}, is the dashed line.").format(target=aim(meta))
    return summary


def header(meta: dict):
    """The explorer's heading, description, unit, theme, target and the way to its methodology (``meta``: the
    release's, in the default language: the heading and description say so where they have no translation)."""
    words = in_language(meta)
    target = aim(words)
    said = [_("Unit: {unit}.").format(unit=words["unit"]), _("Theme: {theme}.").format(theme=theme_name(meta["theme"]))]
    if target:
        said.append(_("Target: {target}.").format(target=target))
    return [html.H1(language.indicator_text(meta["id"], "title", meta["title"]), id=ids.EX_HEADING),
            html.P(language.indicator_text(meta["id"], "description", meta["description"]), className="lead"),
            html.P([" ".join(said) + " ", html.A(_("How this is measured"), href=f"/methodology/{meta['id']}")])]


def replaced_note(asked: tuple, shown: tuple):
    """What the address asked for and could not be shown (an unknown level, a period with no data), said in
    words rather than silently replaced, since the address no longer reproduces the view."""
    said = (N_("There is no level {asked} for this indicator; showing {shown}."),
            N_("There is no period {asked} for this indicator; showing {shown}."))
    bits = [_(message).format(asked=repr(a), shown=s) for message, a, s in zip(said, asked, shown, strict=True)
            if a and a != s]
    return ui.no_data(" ".join(bits)) if bits else None


def quartile(q, polarity: str | None, method: str | None) -> str:
    """'1 (best quarter)' (fmt.quartile) in the reader's language."""
    if fmt.missing(q):
        return "–"
    first, last = fmt.rank_ends(polarity or "higher_is_better", method)
    end = {1: first, 4: last}.get(int(q))
    return f"{int(q)} ({_(QUARTERS[end])})" if end else str(int(q))


def rank(r, n) -> str:
    return "–" if fmt.missing(r) or fmt.missing(n) else of(int(r), int(n))


def table_columns(meta: dict, target, rated: bool) -> list[tuple[str, str]]:
    """The values table's columns: the target's and the progress's only when the indicator has them."""
    cols = [("rank", _("Rank")), ("area", _("Area")), ("value", _("Value")), ("ci", _("95% interval")),
            ("quartile", _("Quartile")), ("parent", _("Against its parent")),
            ("top", _("Against its top-level area"))]
    if target is not None:
        cols.append(("target", _("Target ({target})").format(
            target=fmt.value(target, int(meta["decimals"]), meta["unit"]))))
    if rated:  # a neutral indicator has no status
        cols.append(("progress", _("Progress (target or trend)")))
    cols.append(("note", _("Note")))
    return cols


def table_caption(meta: dict, level: str, period) -> str:
    return _("{indicator}, {level} level, {period}").format(indicator=meta["title"], level=level_words(level),
                                                           period=period_words(period))


def interval(lo, hi, decimals: int = 1) -> str:
    if fmt.missing(lo) or fmt.missing(hi):
        return ""
    return _("{start} to {end}").format(start=fmt.number(lo, decimals), end=fmt.number(hi, decimals))


__all__ = ["describe", "map_coverage", "rag_counts", "ends_text", "breakdown_only_note", "header",
           "replaced_note", "quartile", "rank", "significance", "interval"]
