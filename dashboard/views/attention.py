"""The overview's answer to "what needs my attention": the indicators that are off track or need acceleration in
the chosen area, and, one level down, which areas (regions, councils) are off track, without opening every
indicator. The status words are the one vocabulary of components.performance (from the release's
``progress_status`` and ``rag``: docs/methodology.md)."""

from __future__ import annotations

import pandas as pd
import pyarrow.compute as pc
from dash import html

from dashboard import data
from dashboard.components import fmt, performance, ui
from dashboard.language import _, ngettext
from dashboard.release_reader import Release
from dashboard.views.common import in_language, level_words, of, period_words

COLUMNS = ["indicator", "area_code", "period", "rag", "progress_status"]
ORDER = {"red": 0, "amber": 1}
NAMED = 5  # child areas named in a cell; the rest are counted


def plural(level: str) -> str:
    """'region' -> 'regions', 'municipality' -> 'municipalities'."""
    if level.endswith("y") and len(level) > 1 and level[-2] not in "aeiou":
        return level[:-1] + "ies"
    return level if level.endswith("s") else level + "s"


def children(release: Release, area: str) -> pd.DataFrame:
    """The area's child areas (area_code, name, level), in natural order of their names."""
    df = release.areas
    kids = df[df["parent_code"] == area][["area_code", "name", "level"]]
    return kids.iloc[sorted(range(len(kids)), key=lambda i: data.natural_key(kids["name"].iloc[i]))]


def child_status(release: Release, kids: pd.DataFrame, latest: pd.DataFrame) -> pd.DataFrame:
    """Each child's RAG for each indicator in ``latest``, at the period ``latest`` shows for the area."""
    if kids.empty or latest.empty:
        return pd.DataFrame(columns=COLUMNS)
    t = release.values(areas=kids["area_code"].tolist(), columns=COLUMNS + ["breakdown"])
    t = t.filter(pc.equal(t["breakdown"], "total")).drop_columns(["breakdown"])
    rows = t.to_pandas()
    return rows.merge(latest[["indicator", "period"]], on=["indicator", "period"])


def names(codes: list[str], kids: pd.DataFrame) -> str:
    order = {c: i for i, c in enumerate(kids["area_code"])}
    lookup = dict(zip(kids["area_code"], kids["name"], strict=True))
    listed = [lookup[c] for c in sorted(codes, key=order.get)]
    text = ", ".join(listed[:NAMED])
    if len(listed) <= NAMED:
        return text
    return _("{names} and {n} more").format(names=text, n=fmt.number(len(listed) - NAMED, 0))


def status_words(rag, progress_status) -> str:
    """'Off track: worse than at the start', as the overview's cards say it (components.performance)."""
    return performance.words(rag, progress_status) or _(performance.STATUSES["no_status"].label)


def all_clear(name: str, level: str | None, rated_here: int, rated_below: int, unit: str | None = None) -> str:
    """The sentence when nothing is off track: it says "on track" only of what has a status, and says so when
    nothing has one (a release without targets or trends, or only neutral indicators)."""
    if not rated_here and not rated_below:
        if level:
            return _("No indicator has a status in {name} or its {areas}: none has a target or a trend to judge "
                     "it by, so none is flagged here.").format(name=name, areas=level, level=unit or level)
        return _("No indicator has a status in {name}: none has a target or a trend to judge it by, so none is "
                 "flagged here.").format(name=name)
    below = level and rated_below
    if not rated_here:
        if below:
            return _("No indicator has a status in {name} itself; every one with a status is on track and in every "
                     "one of its {areas} with a status.").format(name=name, areas=level, level=unit or level)
        return _("No indicator has a status in {name} itself; every one with a status is on track.").format(
            name=name)
    if below:
        return _("Every indicator with a status is on track or has achieved its target in {name} and in every one "
                 "of its {areas} with a status.").format(name=name, areas=level, level=unit or level)
    return _("Every indicator with a status is on track or has achieved its target in {name}.").format(name=name)


def section(release: Release, area: str, name: str, latest: pd.DataFrame):
    """The "Needs attention" section of the overview for ``area`` (``latest``: its latest row per indicator)."""
    kids = children(release, area)
    level = fmt.level_name(str(kids["level"].iloc[0]), plural=True) if not kids.empty else None
    unit = level_words(str(kids["level"].iloc[0])) if not kids.empty else None  # the level, singular
    kid_rows = child_status(release, kids, latest)
    rows = []
    for r in latest.itertuples():
        mine = kid_rows[kid_rows["indicator"] == r.indicator]
        red = mine[mine["rag"] == "red"]["area_code"].tolist()
        amber = mine[mine["rag"] == "amber"]["area_code"].tolist()
        if r.rag not in ORDER and not red and not amber:
            continue
        rated = int(mine["rag"].notna().sum())
        link = f"/indicator/{r.indicator}?areas={area}" + (
            f"&level={kids['level'].iloc[0]}&period={r.period}" if level else "")
        title = in_language({"id": r.indicator, "title": r.title})["title"]
        row = {"indicator": ui.Link(title, link), "here": status_words(r.rag, r.progress_status),
               "period": period_words(r.period), "_key": (ORDER.get(r.rag, 2), -len(red), -len(amber), performance.order(r.rag, r.progress_status), r.title)}
        if level:
            row["red"] = of(len(red), rated) + (f": {names(red, kids)}" if red else "")
            row["amber"] = of(len(amber), rated) + (f": {names(amber, kids)}" if amber else "")
        rows.append(row)
    rows.sort(key=lambda x: x["_key"])
    here_red = sum(1 for x in rows if x["_key"][0] == 0)
    here_amber = sum(1 for x in rows if x["_key"][0] == 1)
    if not rows:
        body = [html.P(all_clear(name, level, int(latest["rag"].notna().sum()), int(kid_rows["rag"].notna().sum()),
                                 unit),
                       id="attention-summary")]
    else:
        lead = _("{indicators}: {statuses}").format(
            indicators=ngettext("{n} indicator needs attention", "{n} indicators need attention", len(rows)).format(
                n=fmt.number(len(rows), 0)),
            statuses=ngettext("{red} off track and {amber} needs acceleration in {name}",
                              "{red} off track and {amber} need acceleration in {name}", here_amber).format(
                red=fmt.number(here_red, 0), amber=fmt.number(here_amber, 0), name=name))
        if level:
            with_red = sum(1 for x in rows if x["_key"][1] < 0)
            lead = _("{sentence}; {n} off track in at least one of its {areas}").format(
                sentence=lead, n=fmt.number(with_red, 0), areas=level, level=unit)
        lead += ". " + _("Off track first; each indicator links to its map and ranking.")
        columns = [("indicator", _("Indicator")), ("period", _("Period")),
                   ("here", _("Status in {name}").format(name=name))]
        if level:
            areas = level[:1].upper() + level[1:]
            columns += [("red", _("{areas} off track").format(areas=areas, level=unit)),
                        ("amber", _("{areas} needing acceleration").format(areas=areas, level=unit))]
        body = [html.P(lead, id="attention-summary"),
                ui.data_table(columns, rows, _("Indicators that need attention in {name}, off track first").format(
                    name=name))]
    return html.Section([html.H2(_("Needs attention")), *body], className="attention", id="attention")

