"""One indicator's section of ``/compare`` (views/compare.py), and the links to the data it shows.

For the chosen areas: the latest value of each with its 95% interval and whether it is significantly better,
similar or worse than its parent and its top-level area (the release's ``significance_parent`` and
``significance_top``, docs/methodology.md 'Significance': nothing is computed here), the same as bars, and
every period as a trend chart with one line per area. Every chart has its table; the links download exactly
the figures shown (the indicators, the areas, every period, the total breakdown), pinned to the release.
"""

from __future__ import annotations

from html import escape

import pandas as pd
from dash import dcc, html

from dashboard import data
from dashboard.components import compare_figures, figures, fmt, ui
from dashboard.i18n import N_
from dashboard.language import _
from dashboard.release_reader import Release
from dashboard.views import area_words as w

#: A significance (core.schema, coded "significance") against a named comparator, in the site's words.
SIG_PHRASE = {"better": N_("significantly better than {}"), "worse": N_("significantly worse than {}"),
              "higher": N_("significantly higher than {}"), "lower": N_("significantly lower than {}"),
              "similar": N_("similar to {}"), "not compared": N_("not compared with {}")}
#: The same without the comparator, for the summary that names it once.
SIG_LABEL = {"better": N_("significantly better"), "worse": N_("significantly worse"),
             "higher": N_("significantly higher"), "lower": N_("significantly lower"), "similar": N_("similar"),
             "not compared": N_("not compared")}
#: The order the summary lists them in.
SIG_ORDER = ("better", "higher", "similar", "lower", "worse", "not compared")
#: The formats the page offers (API format, words): CSV and the spreadsheets, as the area profile does.
DOWNLOADS = ui.AREA_DOWNLOAD_FORMATS
#: The longest line of the bars' axis title (the unit).
UNIT_CHARS = 12


class Raw(str):
    """A table cell that is HTML already (built here from escaped parts)."""


def significance(sig) -> str:
    """The release's word, or 'not compared' for an empty one."""
    return sig if isinstance(sig, str) and sig in SIG_PHRASE else "not compared"


def sig_words(sig, against: str) -> str:
    """'significantly better than Northmarch', 'similar to Northmarch', 'not compared with Northmarch'."""
    return _(SIG_PHRASE[significance(sig)]).format(against)


def sig_cell(sig, against: str, value: str) -> Raw:
    """The comparison as a badge: a shape and a colour (the site's ``sig-*`` classes, as the area profile's
    chart and cards use) and the words, never the colour alone; the comparator's value in brackets."""
    shape, css = ui.SIGNIFICANCE[significance(sig)]
    return Raw(f'<span class="sig {css}"><span class="sig-shape" aria-hidden="true">{escape(shape)}</span> '
               f"{escape(sig_words(sig, against))}</span> ({escape(value)})")


def table(columns: list[tuple[str, str]], rows: list[dict], caption: str):
    """As :func:`dashboard.components.ui.data_table` (one HTML block, first column as row headers), with cells
    that may be :class:`Raw` HTML."""
    def cell(v) -> str:
        return v if isinstance(v, Raw) else escape("" if v is None else str(v))

    head = "".join(f'<th scope="col">{escape(label)}</th>' for _key, label in columns)
    body = "".join("<tr>" + "".join(f'<th scope="row">{cell(r.get(k))}</th>' if i == 0 else f"<td>{cell(r.get(k))}</td>"
                                    for i, (k, _label) in enumerate(columns)) + "</tr>" for r in rows)
    markup = (f'<table class="data-table"><caption>{escape(caption)}</caption><thead><tr>{head}</tr></thead>'
              f"<tbody>{body}</tbody></table>")
    return html.Div(dcc.Markdown(markup, dangerously_allow_html=True, className="table-html"), className="table-wrap",
                    tabIndex=0, role="region", **{"aria-label": caption})


def download_links(release: Release, areas: list[str], indicators: list[str], what: str, *, label: str):
    """Links to exactly the figures the page shows (``what`` says which, in words), pinned to the release."""
    items = [html.Li(html.A(capital(_("Download {what}, as {format}").format(what=what, format=words)),
                            href=ui.data_url(release.id, f, indicator=indicators, area=areas, breakdown="total")))
             for f, words in DOWNLOADS]
    return html.Ul(items, className="data-links compare-downloads", **{"aria-label": label})


def capital(text: str) -> str:
    """A sentence with its first letter in capitals (a translation may start with the words it is given)."""
    return text[:1].upper() + text[1:]


def comparators(release: Release, areas: list[str]) -> tuple[dict[str, str | None], dict[str, str], str]:
    """Each area's parent and top-level area (None / itself at the top), and the heading of the top-level
    column: the root's name when there is one root, else 'its top-level area' (the countries of NUTS)."""
    up = data.parents(release)
    parent = {a: up.get(a) for a in areas}
    top = {a: data.root_area(release, a) for a in areas}
    roots = data.roots(release)
    heading = (_("Against {area}").format(area=data.area_name(release, roots[0])) if len(roots) == 1
               else _("Against its top-level area"))
    return parent, top, heading


def latest_rows(release: Release, meta: dict, areas: list[str], names: list[str], latest: dict[str, dict | None]
                ) -> tuple[list[dict], dict[str, list[str]]]:
    """The latest-values table's rows, and the areas by their significance against their top-level area."""
    dec, unit = int(meta["decimals"]), meta["unit"]
    parent, top, _heading = comparators(release, areas)
    rows, by_sig = [], {}
    for a, name in zip(areas, names, strict=True):
        r = latest.get(a)
        if r is None:
            rows.append({"area": name, "period": "–", "value": "–", "ci": "", "parent": "–", "top": "–"})
            continue
        p, t = parent[a], top[a]
        if fmt.missing(r["lower_ci"]) or fmt.missing(r["upper_ci"]):  # the method: docs/methodology.md
            no_ci = _("not compared: the value has no 95% interval")
            rows.append({"area": name, "period": w.period(r["period"]), "ci": _("none"),
                         "value": w.with_status(r["value"], r["status"], dec, unit),
                         "parent": no_ci if p else _("– (a top-level area)"),
                         "top": no_ci if t != a else _("– (itself)")})
            if t != a:
                by_sig.setdefault("no interval", []).append(name)
            continue
        p_cell = (sig_cell(r["significance_parent"], data.area_name(release, p), fmt.value(r["parent_value"], dec, unit))
                  if p else _("– (a top-level area)"))
        if t == a:
            t_cell = _("– (itself)")
        elif t == p:
            t_cell = _("as against its parent")
        else:
            t_cell = sig_cell(r["significance_top"], data.area_name(release, t), fmt.value(r["top_value"], dec, unit))
        if t != a:
            by_sig.setdefault(significance(r["significance_top"]), []).append(name)
        rows.append({"area": name, "period": w.period(r["period"]),
                     "value": w.with_status(r["value"], r["status"], dec, unit),
                     "ci": w.interval(r["lower_ci"], r["upper_ci"], dec) or _("none"), "parent": p_cell, "top": t_cell})
    return rows, by_sig


def significance_summary(by_sig: dict[str, list[str]], release: Release, areas: list[str]) -> str:
    """'Against Veloria: significantly better: A, B; similar: C.' (with one top-level area; with several,
    'against its top-level area')."""
    if not by_sig:
        return ""
    roots = {data.root_area(release, a) for a in areas}
    against = data.area_name(release, roots.pop()) if len(roots) == 1 else _("each area's top-level area")
    parts = [_("{significance}: {areas}").format(significance=_(SIG_LABEL[s]), areas=", ".join(by_sig[s]))
             for s in SIG_ORDER if s in by_sig]
    no_ci = by_sig.get("no interval", [])
    if not parts:
        return " " + _("No area is compared with {area} for significance: the values have no 95% interval.").format(
            area=against)
    return (" " + _("Against {area}, latest period:").format(area=against) + " " + w.series(parts) + "."
            + (" " + _("Not compared, as their values have no 95% interval: {areas}.").format(areas=", ".join(no_ci))
               if no_ci else ""))


#: The columns of an area's rows the trend reads.
TREND_COLUMNS = ["indicator", "period", "value", "lower_ci", "upper_ci", "status"]


def by_indicator(df: pd.DataFrame) -> dict[str, dict[str, dict]]:
    """An area's rows (``data.area_values``) as plain rows by indicator and period: split once in Python (a
    hundred small pandas frames, filtered and reindexed, cost a second for 12 areas and 8 indicators)."""
    out: dict[str, dict[str, dict]] = {}
    for r in df[TREND_COLUMNS].to_dict("records"):
        out.setdefault(str(r["indicator"]), {})[str(r["period"])] = r
    return out


def trend_series(frames: dict[str, dict[str, dict[str, dict]]], ind: str, areas: list[str], names: list[str]
                 ) -> tuple[list[str], list[dict]]:
    """Every period any chosen area has a row for (oldest first), and one series per area over them.
    ``frames``: each area's rows by indicator and period (:func:`by_indicator`)."""
    rows = {a: frames[a].get(ind, {}) for a in areas}
    periods = sorted(set().union(*(r.keys() for r in rows.values()))) if rows else []
    series = []
    for a, name in zip(areas, names, strict=True):
        got = [rows[a].get(p, {}) for p in periods]
        series.append({"code": a, "name": name, "x": periods, **{
            key: [g.get(col) for g in got] for key, col in (("y", "value"), ("lower", "lower_ci"),
                                                             ("upper", "upper_ci"), ("status", "status"))}})
    return periods, series


def trend_table(meta: dict, periods: list[str], series: list[dict]):
    dec, unit = int(meta["decimals"]), meta["unit"]

    def cell(s, i) -> str:
        if fmt.missing(s["y"][i]) and not isinstance(s["status"][i], str):
            return "–"
        text = w.with_status(s["y"][i], s["status"][i], dec)
        ci = w.interval(s["lower"][i], s["upper"][i], dec)
        return f"{text} [{ci}]" if ci else text

    cols = [("period", _("Period"))] + [(s["code"], s["name"]) for s in series]
    rows = [{"period": w.period(p), **{s["code"]: cell(s, i) for s in series}} for i, p in enumerate(periods)]
    return ui.data_table(cols, rows, _("{indicator} ({unit}), every period by area; the 95% interval in square "
                                       "brackets").format(indicator=meta["title"], unit=unit))


def trend_summary(meta: dict, periods: list[str], series: list[dict]) -> str:
    """'2013 to 2024, in days: Venwell from 20.0 to 11.6; Holham from 32.5 (2014) to 19.2; ...': each area's
    first and last value, with its period where it is not the first or last of all."""
    if not periods:
        return _("No values for these areas.")
    dec, unit = int(meta["decimals"]), meta["unit"]

    def at(p: str, v, end: str) -> str:
        return fmt.number(v, dec) + ("" if p == end else f" ({w.period(p)})")

    parts = []
    for s in series:
        have = [(p, v) for p, v in zip(s["x"], s["y"], strict=True) if not fmt.missing(v)]
        if len(have) >= 2:
            parts.append(_("{area} from {start} to {end}").format(area=s["name"], start=at(*have[0], periods[0]),
                                                                 end=at(*have[-1], periods[-1])))
        elif have:
            parts.append(_("{area} {value} ({period}) only").format(
                area=s["name"], value=fmt.number(have[0][1], dec), period=w.period(have[0][0])))
        else:
            parts.append(_("{area} no value").format(area=s["name"]))
    bars = " " + _("Bars show 95% intervals where the figures have them.") if any(
        not fmt.missing(v) for s in series for v in s["lower"]) else ""
    span = w.span(w.period(periods[0]), w.period(periods[-1]))
    words = _("{span}, in {unit}: {areas}.") if unit else _("{span}: {areas}.")
    return capital(words.format(span=span, unit=unit, areas=w.series(parts))) + bars


def section(release: Release, ind: str, areas: list[str], names: list[str], frames: dict[str, dict[str, dict]],
            latest: dict[str, dict | None], ends: str):
    """The indicator's section: latest values with intervals and significance (table and bars), the trend
    (chart and table) and its download links. ``ends``: the 'Best: ...' words of views/compare.py."""
    source = figures.release_source(release, [data.indicator_meta(release, ind)])
    meta = w.indicator(data.indicator_meta(release, ind))
    dec, unit = int(meta["decimals"]), meta["unit"]
    rows, by_sig = latest_rows(release, meta, areas, names, latest)
    have = [(n, latest[a]["value"]) for a, n in zip(areas, names, strict=True)
            if latest.get(a) is not None and not fmt.missing(latest[a]["value"])]
    summary = ((_("Latest values:") + " " + w.series([f"{n} {fmt.value(v, dec, unit)}" for n, v in have]) + ends
                + ".") if have else _("No values for these areas.")) + significance_summary(by_sig, release, areas)
    top_heading = comparators(release, areas)[2]
    cols = [("area", _("Area")), ("period", _("Period")), ("value", _("Value")), ("ci", _("95% interval")),
            ("parent", _("Against its parent")), ("top", top_heading)]
    latest_table = table(cols, rows, _("{indicator}: latest value of each area, its 95% interval and how it "
                                       "compares").format(indicator=meta["title"]))
    vals = {k: [None if latest.get(a) is None else latest[a][k] for a in areas] for k in ("value", "lower_ci", "upper_ci")}
    bars = figures.bars(names, vals["value"], vals["lower_ci"], vals["upper_ci"], unit=unit, decimals=dec)
    # centred under a plot pushed right by the area names, a long unit ran off a 320 px screen (WCAG 1.4.10)
    title = figures.wrap_label(unit, UNIT_CHARS)
    bars["layout"]["xaxis"]["title"]["text"] = title
    bars["layout"]["margin"]["b"] += 18 * title.count("<br>")
    bars["layout"]["height"] += 18 * title.count("<br>")
    # the names push the plot right: the line starts near the figure's edge, where the longest name does (an
    # estimate, kept short of it: a line that started left of the figure would be cut)
    longest = max(map(len, map(str, names)), default=0)
    bars = figures.with_source(bars, source, left=10 + round(0.9 * figures.BAR_LABEL_PX * longest))
    bars_table = ui.data_table([("area", _("Area")), ("value", _("Value")), ("ci", _("95% interval"))],
                               [{"area": r["area"], "value": f"{r['value']} ({r['period']})", "ci": r["ci"]}
                                for r in rows], _("{indicator}: latest value by area").format(indicator=meta["title"]))
    periods, series = trend_series(frames, ind, areas, names)
    trend = figures.with_source(compare_figures.area_trends(series, unit=unit, decimals=dec), source)
    return html.Section([
        html.H2(meta["title"]),
        html.P(summary, className="compare-summary"),
        latest_table,
        ui.chart(f"compare-chart-{ind}", bars, _("Each bar is an area's latest value; the lines across it its 95% "
                                                 "interval, where the figures have one."), bars_table,
                 title=_("Latest values"), level=3, source=source),
        ui.chart(f"compare-trend-{ind}", trend, trend_summary(meta, periods, series),
                 trend_table(meta, periods, series), title=_("Trend"), level=3, source=source),
        download_links(release, areas, [ind], _("{indicator} for these {areas}, every period").format(
                           indicator=meta["title"], areas=w.areas(len(areas))),
                       label=_("Data behind {indicator}").format(indicator=meta["title"])),
    ], className="compare-indicator", id=f"compare-{ind}")
