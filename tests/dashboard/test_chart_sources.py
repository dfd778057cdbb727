"""Every chart says where its figures come from, inside the figure (so a PNG export carries it) and under it;
the ranking names its ends, colours areas by status as the cards do, and draws the target."""

from __future__ import annotations

import json

from dashboard import data
from dashboard.components import figures
from dashboard.views import area, compare, explorer, targets

META = {"sources": json.dumps([{"id": "nama", "title": "GDP by NUTS 3 region", "publisher": "Eurostat"}]),
        "licence": "CC-BY-4.0"}


def test_source_text_names_the_source_release_and_licence():
    text = figures.source_text([META], "20261203T101010Z-abc", "2026-12-03T10:10:10+00:00", "other")
    assert text == "Source: Eurostat (GDP by NUTS 3 region) · OpenMeasure release 2026-12-03 · Licence: CC-BY-4.0"
    assert "release 20261203T101010Z-abc" in figures.source_text([META], "20261203T101010Z-abc")
    many = [{"sources": json.dumps([{"id": f"s{i}", "title": f"T{i}", "publisher": "Eurostat" if i % 2 else "ONS"}])}
            for i in range(5)]
    assert figures.source_text(many, "r", None, "OGL").startswith("Sources: ONS; Eurostat · ")  # publishers, once
    assert figures.source_text([{"sources": "not json"}], "r").startswith("Source: not recorded")


def _source_annotations(fig: dict) -> list[str]:
    return [a["text"] for a in fig["layout"].get("annotations", []) if a.get("name") == "source"]


def test_with_source_draws_the_line_under_the_plot_and_keeps_the_plot_size():
    fig = figures.distribution([1, 2], [0.0, 1.0, 2.0], unit="%", decimals=1)
    before = dict(fig["layout"])
    text = "Source: " + "x " * 60
    out = figures.with_source(figures.distribution([1, 2], [0.0, 1.0, 2.0], unit="%", decimals=1), text)
    (drawn,) = _source_annotations(out)
    assert drawn.replace("<br>", " ") == text.strip() and drawn.count("<br>") == len(text) // figures.SOURCE_CHARS  # wrapped
    grown = out["layout"]["height"] - before["height"]
    assert grown > 0 and out["layout"]["margin"]["b"] - before["margin"]["b"] == grown
    assert _source_annotations(figures.with_source(out, "Source: other")) == ["Source: other"]  # replaced, not added
    assert figures.with_source(fig, None) == fig


def test_ranking_names_its_ends_colours_statuses_and_draws_the_target():
    n = 10
    names = [f"Area {i}" for i in range(n)]
    values = [100.0 - i for i in range(n)]
    rags = ["green"] * 3 + ["amber"] * 3 + ["red"] * 3 + [None]
    fig = figures.ranking([f"A{i}" for i in range(n)], names, values, [None] * n, [None] * n, unit="%", decimals=1,
                          statuses=rags, target=95.0, source="Source: test")
    by_name = {t["name"]: t for t in fig["data"]}
    areas = fig["data"][0]  # every area, in rank order: a click reads the code of the point
    assert areas["customdata"] == [f"A{i}" for i in range(n)]
    for i, rag in enumerate(rags):
        colour, symbol, words = figures.status_style(rag)
        assert (areas["marker"]["color"][i], areas["marker"]["symbol"][i], areas["hovertext"][i]) == \
            (colour, symbol, words)
        assert by_name[words]["marker"]["color"] == colour and by_name[words]["x"] == [None]  # its legend entry
    assert len({figures.status_style(r)[0] for r in ("green", "amber", "red", None)}) == 4
    assert by_name["Target (95.0%)"]["y"] == [95.0, 95.0]
    boxes = {a["name"]: a["text"] for a in fig["layout"]["annotations"]}
    assert "1. Area 0: 100.0" in boxes["ranking-best"] and "3. Area 2: 98.0" in boxes["ranking-best"]
    assert "10. Area 9: 91.0" in boxes["ranking-worst"] and "8. Area 7" in boxes["ranking-worst"]
    assert figures.short_name("Wolfsburg, Kreisfreie Stadt") == "Wolfsburg…"  # a box fits a phone; the summary has it whole
    assert figures.short_name("Verylongsinglewordnamexx") == "Verylongsinglewor…" and figures.short_name("Elby") == "Elby"
    assert boxes["source"] == "Source: test"
    plain = figures.ranking(["A", "B"], ["a", "b"], [2.0, 1.0], [None] * 2, [None] * 2, unit="", decimals=0)
    assert [t["name"] for t in plain["data"] if t["name"] != "Named area"] == ["Area"]
    assert plain["data"][0]["marker"]["color"] == [figures.PALETTE[0]] * 2
    assert plain["layout"]["showlegend"] is False


def test_every_chart_of_the_explorer_profile_and_compare_carries_its_source(release):
    meta = data.indicator_meta(release, "online_share")
    want = figures.release_source(release, [meta])
    assert "Veloria Ministry of Public Administration" in want and "CC-BY-4.0" in want
    figs = [explorer.map_figure(release, meta, "municipality", "2024")[0],
            *explorer.ranking_outputs(release, meta, "municipality", "2024")[0:3:2],
            explorer.trend_outputs(release, meta, ["VL101"])[0],
            area.neighbour_outputs(release, data.area_row(release, "VL101"), "online_share")[0]]
    for fig in figs:
        assert _source_annotations(fig) == ["<br>".join(figures.textwrap.wrap(want, figures.SOURCE_CHARS))]
    patch = explorer.map_figure(release, meta, "municipality", "2015", full=False)[0].to_plotly_json()
    drawn = "<br>".join(figures.textwrap.wrap(want, figures.SOURCE_CHARS))
    assert any(drawn in json.dumps(op, ensure_ascii=False) for op in patch["operations"])  # another indicator's
    shown = repr(compare.content(release, ["VL101", "VL102"], ["online_share"]))
    assert f"P(children='{want}', id='compare-chart-online_share-source'" in shown and "'name': 'source'" in shown


def test_the_ranking_table_and_summary_give_the_target(release):
    meta = data.indicator_meta(release, "online_share")
    _, rsum, *_, table = explorer.ranking_outputs(release, meta, "municipality", "2024")
    assert f"Target: {meta['target']:.1f}% by 2030, met by " in rsum
    text = json.dumps(table.to_plotly_json(), default=str)
    assert f"Target ({meta['target']:.1f}%)" in text and "Not met (" in text
    assert targets.target_words(95.0, meta, 1, "%") == "Met"
    assert targets.target_words(80.0, meta, 1, "%") == "Not met (-10.0 pts)"
    lower = {**meta, "polarity": "lower_is_better", "target": 15.0}
    assert targets.target_words(12.0, lower, 1, "days") == "Met"
    no_target = data.indicator_meta(release, "form_hours")
    assert "Target" not in explorer.ranking_outputs(release, no_target, "municipality", "2024")[1]
