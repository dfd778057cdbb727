"""Every chart in the reader's language (issue 22): the figures of dashboard/components built in French and German
have their titles, axis and colour-bar titles, legends, hover text, boxes, target labels, status words and source
line from the catalogues, Plotly's ``separators`` of the language, and no English word left in any text field."""

from __future__ import annotations

import json
import re

import pytest
from babel.messages.pofile import read_po

from dashboard import i18n as ui
from dashboard import language
from dashboard.components import (
    breakdown_figure,
    compare_figures,
    figures,
    fmt,
    levels,
    performance,
    plotly_locale,
)

#: Data a chart is given (names, units, the source's words): not the software's, so not translated.
NAMES = ["Anvers", "Bruges", "Gand", "Liège", "Namur", "Mons", "Arlon", "Hasselt"]
METAS = [{"sources": json.dumps([{"publisher": "Statbel", "title": "Enquête"}]), "licence": "CC-BY-4.0"}]
#: Keys of a figure whose strings are drawn as text (a point's data is not: codes, geojson URL, customdata).
TEXT_KEYS = {"text", "name", "hovertemplate", "hovertext", "ticktext"}


def all_figures() -> dict[str, dict]:
    """One of each figure the dashboard draws, with every optional part (status legend, target, boxes, a cut
    spine row, a withheld category, intervals, quarterly periods, a clipped and a classed colour bar)."""
    source = figures.source_text(METAS, "r1", "2026-12-07")
    values = [95.6, 93.8, 1234.5, 80.0, 75.25, 70.0, 61.8, 58.7]
    no_value = (["X1"], ["Gand-Sud"])
    points = (["A"], ["Anvers"], [4.4], [51.2])
    return {
        "map": figures.choropleth("/b.json", list("ABCDEFGH"), NAMES, values, no_value, unit="%", decimals=1,
                                  frame={}, uirevision="u", flag_points=points, source=source),
        "map_clipped": figures.choropleth("/b.json", list("ABCDEFGH"), NAMES, values, no_value, unit="%",
                                          decimals=1, frame={}, uirevision="u", scale={"scale": "clipped",
                                                                                    "clip": (2.0, 98.0)}),
        "ranking": figures.ranking(list("ABCDEFGH"), NAMES, values, [v - 1 for v in values],
                                   [v + 1 for v in values], unit="%", decimals=1,
                                   statuses=["green", "red", "amber", None] * 2, target=90.0, source=source),
        "distribution": figures.distribution([2, 3, 3], [50.0, 70.0, 90.0, 1300.0], unit="%", decimals=1,
                                             source=source),
        "trends": figures.trends([{"name": "Anvers", "x": ["2024-Q1", "2024-Q2", "2024-Q3"], "y": [1.5, 2.5, 3.5],
                                   "lower": [1, 2, 3], "upper": [2, 3, 4]}], unit="%", decimals=1, target=4.0,
                                 target_period="2030", source=source),
        "bars": figures.bars(NAMES[:3], values[:3], unit="%", decimals=1, highlight=0, source=source),
        "spine": figures.spine([
            {"label": "Chômage", "area": 3000.0, "top": 10.0, "vmin": 1.0, "q1": 8.0, "q3": 12.0, "vmax": 3000.0,
             "polarity": "lower_is_better", "significance": "worse"},
            {"label": "Emploi", "area": 50.0, "top": 55.0, "vmin": 40.0, "q1": 50.0, "q3": 60.0, "vmax": 70.0,
             "polarity": "higher_is_better", "significance": "better"},
            {"label": "Santé", "area": 50.0, "top": 55.0, "vmin": 40.0, "q1": 50.0, "q3": 60.0, "vmax": 70.0,
             "polarity": "higher_is_better", "significance": "similar"},
            {"label": "Logement", "area": 50.0, "top": 55.0, "vmin": 40.0, "q1": 50.0, "q3": 60.0, "vmax": 70.0,
             "polarity": "higher_is_better", "significance": None}], source=source),
        "breakdown": breakdown_figure.breakdown_figure(
            [{"dimension": "Sexe", "category": "F", "label": "Femmes", "value": 51.5, "lower": 50.0, "upper": 53.0},
             {"dimension": "Sexe", "category": "M", "label": "Hommes", "value": None, "withheld": True}],
            52.0, unit="%", decimals=1),
        "compare": compare_figures.area_trends([{"name": "Anvers", "x": ["2023", "2024"], "y": [1.5, 2.5],
                                                 "lower": [1.0, 2.0], "upper": [2.0, 3.0]}], unit="%", decimals=1),
    }


def drawn_text(node, key: str | None = None) -> list[str]:
    """Every string of a figure that is drawn as text: its text fields, titles and annotations."""
    if isinstance(node, dict):
        if "showarrow" in node:  # an annotation: its name is an id, its text is drawn
            return [node.get("text") or ""]
        found = []
        for k, v in node.items():
            if k == "title" and isinstance(v, dict):
                found += [v.get("text") or ""]
            elif k in TEXT_KEYS or isinstance(v, (dict, list)):
                found += drawn_text(v, k)
        return found
    if isinstance(node, list):
        return [s for v in node for s in drawn_text(v, key)]
    return [node] if isinstance(node, str) and key in TEXT_KEYS else []


def words(texts) -> set[str]:
    """The words of ``texts`` (three letters or more), without HTML tags, Plotly's %{...} and the messages'
    {...} placeholders."""
    out = set()
    for t in texts:
        t = re.sub(r"<[^>]+>|%?\{[^}]*\}", " ", str(t))
        out |= {w.casefold() for w in re.findall(r"[^\W\d_]{3,}", t)}
    return out


def catalogue_words(lang: str) -> set[str]:
    with (ui.LOCALES / lang / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        return words(s for m in read_po(fh) if m.id for s in (m.string if isinstance(m.string, tuple) else (m.string,)))


def data_words() -> set[str]:
    return words(NAMES + ["Gand-Sud", "Statbel", "Enquête", "Chômage", "Emploi", "Santé", "Logement", "Sexe",
                          "Femmes", "Hommes", "CC-BY"])


@pytest.mark.parametrize("lang", ["fr", "de"])
def test_no_english_word_is_left_in_any_figure(lang):
    """The English of every figure (its words that are neither data nor also a word of the language's
    catalogue) appears in none of the figures drawn in the language."""
    english = {name: words(drawn_text(fig)) for name, fig in all_figures().items()}
    own = catalogue_words(lang) | data_words()
    with language.using(lang):
        drawn = {name: words(drawn_text(fig)) for name, fig in all_figures().items()}
    assert {"rank", "target", "licence" if lang == "de" else "period", "provisional"} <= set().union(*english.values()) - own
    left = {name: sorted((english[name] - own) & drawn[name]) for name in drawn}
    assert not any(left.values()), left


@pytest.mark.parametrize(("lang", "separators", "decimal"), [("fr", ",\u202f", ","), ("de", ",.", ","),
                                                             ("en", ".,", ".")])
def test_every_figure_has_the_language_s_separators(lang, separators, decimal):
    with language.using(lang):
        figs = all_figures()
    for name, fig in figs.items():
        assert fig["layout"]["separators"] == separators, name
    # the numbers written on the server (the ranking's boxes, the colour bar's classes) in the same format
    boxes = " ".join(a["text"] for a in figs["ranking"]["layout"]["annotations"] if a["name"].startswith("ranking-"))
    assert f"1{separators[1]}234{decimal}5" in boxes
    assert f"95{decimal}6" in boxes


def test_french_titles_axis_titles_legends_and_hover():
    with language.using("fr"):
        figs = all_figures()
        ranking, trends = figs["ranking"], figs["trends"]
        assert ranking["layout"]["xaxis"]["title"]["text"] == "Rang (1 = le meilleur)"
        legend = [t["name"] for t in ranking["data"] if t.get("showlegend", True) and t["name"]]
        assert {"Sur la bonne voie", "Hors trajectoire", "À accélérer", "Objectif (90,0\u00a0%)"} <= set(legend)
        # the % is written as French writes it: a no-break space before it, after the locale's number
        assert ranking["data"][0]["hovertemplate"].startswith("<b>%{text}</b><br>rang %{x}<br>%{y:,.1f}\u00a0%")
        assert [a["text"].split("<br>")[0] for a in ranking["layout"]["annotations"][:2]] == [
            "<b>Meilleurs</b>", "<b>Moins bons</b>"]
        assert figs["distribution"]["layout"]["yaxis"]["title"]["text"] == "Nombre de territoires"
        assert "Nombre de territoires : %{y}" in figs["distribution"]["data"][0]["hovertemplate"]
        assert figs["map"]["data"][0]["colorbar"]["title"]["text"] == "% (quintiles des territoires)"
        assert figs["map"]["data"][0]["colorbar"]["ticktext"][0].startswith("de 58,7<br>à ")
        assert figs["map_clipped"]["data"][0]["colorbar"]["title"]["text"] == "% (bornée aux 2e et 98e centiles)"
        assert figs["map"]["data"][2]["name"] == "Valeur provisoire ou estimée"
        # periods in words on the axis and in the hover; the target by its period
        assert trends["layout"]["xaxis"]["title"]["text"] == "Période"
        assert trends["layout"]["xaxis"]["ticktext"] == ["1er trimestre 2024", "2e trimestre 2024", "3e trimestre 2024"]
        assert trends["data"][0]["text"][0] == "1er trimestre 2024"
        assert trends["data"][1]["name"] == "Objectif 4,0\u00a0% d’ici 2030"
        assert "intervalle à 95" in figs["compare"]["data"][0]["hovertemplate"]
        assert figs["breakdown"]["data"][0]["y"][1] == ["Femmes", "Hommes (non diffusé)"]
        assert figs["breakdown"]["layout"]["annotations"][0]["text"] == "Total : 52,0\u00a0%"
        assert figs["spine"]["layout"]["xaxis"]["ticktext"] == ["Moins bon<br>territoire", "Meilleur<br>territoire"]
        source = [a["text"] for a in ranking["layout"]["annotations"] if a["name"] == "source"][0]
        assert source.replace("<br>", " ") == "Source : Statbel (Enquête) · Publication OpenMeasure 2026-12-07 · Licence : CC-BY-4.0"


def test_german_titles_and_hover():
    with language.using("de"):
        figs = all_figures()
    assert figs["ranking"]["layout"]["xaxis"]["title"]["text"] == "Rang (1 = bester Wert)"
    assert figs["trends"]["layout"]["xaxis"]["ticktext"][0] == "1. Quartal 2024"
    assert figs["distribution"]["layout"]["yaxis"]["title"]["text"] == "Anzahl der Gebiete"
    assert figs["bars"]["data"][0]["hovertemplate"] == "%{y}: %{x:,.1f}\u00a0%<extra></extra>"
    with language.using("fr"):
        french = all_figures()
    # French puts a (no-break) space before a colon, in every hover that names what a value is of
    assert french["bars"]["data"][0]["hovertemplate"] == "%{y} : %{x:,.1f}\u00a0%<extra></extra>"
    assert french["trends"]["data"][0]["hovertemplate"] == "Anvers<br>%{text} : %{y:,.1f}\u00a0%<extra></extra>"
    assert figs["map_clipped"]["data"][0]["colorbar"]["title"]["text"] == "% (gekappt beim 2. und 98. Perzentil)"
    assert "Ziel (90,0\u00a0%)" in [t["name"] for t in figs["ranking"]["data"]]


def test_english_figures_keep_their_words():
    figs = all_figures()
    assert figs["ranking"]["layout"]["xaxis"]["title"]["text"] == "Rank (1 = best)"
    assert figs["map_clipped"]["data"][0]["colorbar"]["title"]["text"] == "% (clipped at the 2nd and 98th percentiles)"
    assert figs["trends"]["data"][1]["name"] == "Target 4.0% by 2030"
    assert figs["trends"]["layout"]["xaxis"]["ticktext"][0] == "1st quarter 2024"
    assert figs["ranking"]["data"][0]["hovertemplate"].startswith("<b>%{text}</b><br>rank %{x}<br>%{y:,.1f}%")


def test_annual_periods_are_left_to_plotly():
    """Years are words already: the axis keeps Plotly's own ticks (no forced label on every year)."""
    with language.using("fr"):
        fig = figures.trends([{"name": "A", "x": ["2023", "2024"], "y": [1, 2]}], unit="", decimals=0)
    assert "ticktext" not in fig["layout"]["xaxis"]


def test_status_words_and_word_tables_are_read_in_the_language():
    with language.using("fr"):
        assert performance.RAG_LABEL["red"] == "Hors trajectoire"
        assert dict(performance.RAG_LABEL)["green"] == "Sur la bonne voie"
        assert figures.status_style("amber")[2] == "À accélérer"
        assert figures.status_style(None)[2] == "Sans statut"
        assert fmt.PROGRESS_TEXT["deterioration"] == "Hors trajectoire : moins bien qu’au départ"
        assert fmt.SIGNIFICANCE_TEXT.get("better") == "meilleur"
        assert fmt.status("provisional") == "provisoire"
        assert fmt.with_status(65.2, "provisional", 1, "%") == "65,2\u00a0% (provisoire)"
        assert fmt.rank(3, 1204) == "3 sur 1\u202f204"
        assert fmt.interval(1.5, 2.5) == "de 1,5 à 2,5"
        assert fmt.count(2, "area") == "2 territoires" and fmt.count(1, "indicator") == "1 indicateur"
        assert fmt.quartile(1) == "1 (meilleur quart)"
        assert performance.rule("neutral", False).startswith("Sans statut")
    with language.using("de"):
        assert performance.RAG_LABEL["amber"] == "Beschleunigung nötig"
        assert fmt.count(3, "value") == "3 Werte"
        assert levels.name("nuts3", plural=True, labels={}) == "Gebiete der Ebene NUTS 3"
        assert levels.mid_sentence("Gemeinde") == "Gemeinde"  # a German noun keeps its capital
    # and English as it was
    assert performance.RAG_LABEL["red"] == "Off track"
    assert fmt.PROGRESS_TEXT["on_track"] == "On track: improving fast enough"
    assert fmt.count(1204, "area") == "1,204 areas" and fmt.rank(3, 12) == "3 of 12"
    assert levels.name("nuts3", plural=True, labels={}) == "NUTS 3 areas"


def test_plotly_s_own_words_and_format_are_given_in_the_graph_s_config():
    base = {"displaylogo": False}
    with language.using("de"):
        config = plotly_locale.graph_config(base)
    assert config["locale"] == "de" and config["displaylogo"] is False
    german = config["locales"]["de"]
    assert german["dictionary"]["Download plot as a PNG"] == "Diagramm als PNG herunterladen"
    assert german["format"]["months"][0] == "Januar" and german["format"]["days"][0] == "Sonntag"
    assert (german["format"]["decimal"], german["format"]["thousands"]) == (",", ".")
    assert plotly_locale.graph_config(base) == base  # English: plotly's own
