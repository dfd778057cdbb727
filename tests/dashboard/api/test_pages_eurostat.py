"""The pages on real data with several roots (Eurostat, NUTS 2021: 37 countries, no common root) and an
indicator whose latest period reached few areas (GDP per head 2021: Greece and most countries have none).

Each area is compared with its own country, never with the first one of the table (Shqipëria); each area
shows its own latest value with its period; the map opens on a period that most areas have; a level
without values lists its children; sentences claim no comparison or status the data do not have."""

from __future__ import annotations

import csv
import gzip
import json

import numpy as np
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from dashboard import data
from dashboard.components import fmt
from dashboard.views import area as area_view
from dashboard.views import attention, explorer, overview, period_choice

pytestmark = pytest.mark.slow  # more than a few seconds: left out of the fast lane (README)


def text_of(tree) -> str:
    return json.dumps(tree, default=lambda o: o.to_plotly_json(), ensure_ascii=False)


def walk(tree, found: list) -> list:
    """(type, props) of every component, in document order."""
    if isinstance(tree, dict):
        if "type" in tree and "props" in tree:
            found.append((tree["type"], tree["props"]))
        for v in tree.values():
            walk(v, found)
    elif isinstance(tree, list):
        for v in tree:
            walk(v, found)
    return found


@pytest.fixture(scope="module")
def world(eurostat_example):
    config, release, app = eurostat_example
    with app.server.test_request_context("/"):
        yield config, release


def profile(code: str):
    return json.loads(text_of(area_view.layout(area_code=code)))


def _words(children) -> str:
    """A component's text: a native name is a ``<span lang>`` beside the Latin one (България (Bulgaria))."""
    if isinstance(children, list):
        return "".join(_words(c) for c in children)
    if isinstance(children, dict):
        return _words(children.get("props", {}).get("children"))
    return "" if children is None else str(children)


def crumbs(tree) -> list[tuple[str, str]]:
    nav = next(p for t, p in walk(tree, []) if t == "Nav" and p.get("className") == "breadcrumbs")
    return [(_words(p["children"]), p["href"]) for t, p in walk(nav["children"], []) if t == "A"]


def source_hierarchy(shared_data) -> dict[str, str]:
    """nuts_id -> parent_id, read from the NUTS hierarchy file itself (not from the release)."""
    with open(shared_data / "nuts2021-boundaries" / "nuts2021_hierarchy.csv", encoding="utf-8") as f:
        return {r["nuts_id"]: r["parent_id"] for r in csv.DictReader(f)}


def test_every_area_is_compared_with_its_own_country(world, shared_data):
    """München (DE212) said "Shqipëria › Oberbayern" and "Better than Shqipëria"; every NUTS 3 area's
    benchmark is its own country: the root of its chain in the NUTS file, whose code begins its own."""
    _, rel = world
    parents = source_hierarchy(shared_data)
    nuts3 = rel.areas[rel.areas["level"] == "nuts3"]["area_code"].tolist()
    assert len(nuts3) > 1000 and len(data.roots(rel)) == 37
    for code in nuts3:
        chain, up = [], parents[code]
        while up:
            chain.append(up)
            up = parents.get(up) or ""
        assert data.ancestors(rel, code) == chain[::-1] and data.root_area(rel, code) == chain[-1] == code[:2]

    # the release's top_value of every NUTS 3 area is its own country's value (what the pages name)
    t = pq.read_table(rel.path / "indicator_values.parquet",
                      columns=["indicator", "area_code", "period", "value", "top_value", "breakdown"],
                      filters=[("indicator", "=", "population"), ("period", "=", "2021")])
    t = t.filter(pc.equal(t["breakdown"], "total")).to_pandas()
    country = dict(zip(t["area_code"], t["value"], strict=True))
    rows = t[t["area_code"].isin(nuts3) & t["top_value"].notna()]
    assert len(rows) > 1000
    assert np.allclose(rows["top_value"], [country[c[:2]] for c in rows["area_code"]])

    # the pages: one NUTS 3 area of every country that has one, and München
    picks = sorted({c[:2]: c for c in sorted(nuts3, reverse=True)}.values()) + ["DE212"]
    assert len(picks) > 30
    for code in picks:
        tree = profile(code)
        name = data.area_name(rel, code[:2])
        chain = data.ancestors(rel, code)
        assert crumbs(tree) == [(data.area_name(rel, c), f"/area/{c}") for c in chain], code
        text = text_of(tree)
        assert f"Better than {name}" in text or f"Against {name}" in text, code
        assert f"{name} (significance)" in text, code
        others = {data.area_name(rel, r) for r in data.roots(rel)} - {name}
        assert not any(f"than {o}" in text or f"Against {o}\"" in text for o in others), code
    munich = text_of(profile("DE212"))
    assert crumbs(profile("DE212")) == [("Deutschland", "/area/DE"), ("Bayern", "/area/DE2"),
                                        ("Oberbayern", "/area/DE21")]
    assert "Shqipëria" not in munich


def test_a_trend_shows_the_areas_own_country(world):
    _, rel = world
    meta = data.indicator_meta(rel, "gdp_per_head")
    fig, summary, _ = explorer.trend_outputs(rel, meta, ["DE212"])
    names = [s["name"] for s in fig["data"] if s.get("name")] if isinstance(fig, dict) else []
    text = text_of(fig) + summary
    assert "Deutschland (top level)" in text and "Shqipëria" not in text, names
    _, nothing, _ = explorer.trend_outputs(rel, meta, [])
    assert "Choose an area" in nothing  # 37 countries: none is the reader's top level


def attiki_from_source(shared_data) -> tuple[str, float]:
    """Attiki's (EL30) latest year of GDP per head, and its value, worked out from the TSV files: GDP and
    1 January population of its NUTS 3 regions, summed, x 1,000,000 (the indicator's definition)."""
    kids = [c for c, p in source_hierarchy(shared_data).items() if p == "EL30"]

    def read(name: str, key: str) -> dict[str, dict[str, float]]:
        out: dict[str, dict[str, float]] = {}
        path = shared_data / "eurostat-regional-population-gdp" / "tsv" / name
        with gzip.open(path, "rt", encoding="utf-8") as f:
            head = f.readline().rstrip("\n").split("\t")
            years = [h.strip() for h in head[1:]]
            for line in f:
                cells = line.rstrip("\n").split("\t")
                dims = cells[0].split(",")
                if ",".join(dims[:-1]) != key or dims[-1] not in kids:
                    continue
                out[dims[-1]] = {y: float(v.split()[0]) for y, v in zip(years, cells[1:], strict=True)
                                 if v.strip() and v.split()[0] != ":"}
        return out

    gdp, pop = read("nama_10r_3gdp.tsv.gz", "MIO_EUR"), read("demo_r_pjanaggr3.tsv.gz", "NR,T,TOTAL")
    years = sorted({y for c in kids for y in gdp.get(c, {})})
    year = years[-1]
    have = [c for c in kids if year in gdp.get(c, {}) and year in pop.get(c, {})]
    return year, sum(gdp[c][year] for c in have) / sum(pop[c][year] for c in have) * 1_000_000


def test_attiki_shows_its_latest_value_with_its_period(world, shared_data):
    """Attiki's GDP per head read "2021 – (no data)" because 107 of 334 regions have 2021; it has 2020."""
    _, rel = world
    year, value = attiki_from_source(shared_data)
    assert data.latest_period(rel, "gdp_per_head") == "2021" and year == "2020"
    shown = f"{value:,.0f} EUR per inhabitant"
    latest, series = overview.overview_rows(rel, "EL30", None)
    row = next(r for r in latest.itertuples() if r.indicator == "gdp_per_head")
    assert row.period == year and row.value == pytest.approx(value, rel=1e-9)
    card = text_of(overview.card(row, series, "EL30"))
    assert f"{shown} (provisional) in 2020" in card
    assert "Value for 2020; the latest period, 2021, has no published value for this area" in card
    rows = area_view.profile_rows(rel, data.area_row(rel, "EL30"))
    gdp = next(r for r in rows if r["indicator"] == "gdp_per_head")
    assert (gdp["period"], area_view.period_words(gdp)) == ("2020", "2020 (2021: no value)")
    assert gdp["value"] == pytest.approx(value, rel=1e-9)
    page = text_of(profile("EL30"))
    assert "2020 (2021: no value)" in page and f"{shown} (provisional)" in page
    # a region with 2021 says its period once, as the indicator's latest
    fr = next(r for r in area_view.profile_rows(rel, data.area_row(rel, "FR10")) if r["indicator"] == "gdp_per_head")
    assert area_view.period_words(fr) == fr["period"] == "2021"


def coverage_from_file(rel, level: str) -> dict[str, int]:
    t = pq.read_table(rel.path / "indicator_values.parquet",
                      columns=["indicator", "level", "period", "value", "breakdown"],
                      filters=[("indicator", "=", "gdp_per_head"), ("level", "=", level)]).to_pandas()
    t = t[(t["breakdown"] == "total") & t["value"].notna()]
    return t.groupby("period").size().to_dict()


def test_the_map_opens_on_the_latest_period_most_areas_have(world):
    """The map opened on 2021, with 1,167 of 1,514 NUTS 3 regions grey."""
    config, rel = world
    assert config.dashboard.map_min_coverage == 0.5
    total = int((rel.areas["level"] == "nuts3").sum())
    filled = coverage_from_file(rel, "nuts3")
    want = max(p for p, n in filled.items() if n / total >= 0.5)
    assert filled["2021"] / total < 0.5 and want == "2020"
    level, period = explorer.choose(rel, "gdp_per_head", None, None)
    assert (level, period) == ("nuts3", want)
    assert explorer.choose(rel, "gdp_per_head", None, "2021") == ("nuts3", "2021")  # the address wins
    assert period_choice.default_period(rel, "gdp_per_head", "nuts3", 0.0) == "2021"
    note = text_of(period_choice.note(rel, "gdp_per_head", "nuts3", "2020"))
    assert (f"Showing 2020, the latest period with values for at least half of the {total:,} {fmt.level_name('nuts3', plural=True)} "
            f"({filled['2020']:,} have one); 2021 has values for {filled['2021']:,} of {total:,}") in note
    page = text_of(explorer.layout(indicator_id="gdp_per_head"))
    assert "Showing 2020, the latest period" in page
    nuts2 = coverage_from_file(rel, "nuts2")
    assert f"2021 has values for {nuts2['2021']:,} of 334" in text_of(period_choice.note(rel, "gdp_per_head", "nuts2", "2020"))


def test_an_area_without_values_says_where_the_data_is_and_lists_its_children(world):
    _, rel = world
    empty = [c for c in rel.areas["area_code"]
             if all(r["value"] is None or np.isnan(r["value"]) for r in data.area_latest(rel, c))]
    kids = rel.areas.groupby("parent_code")["area_code"].apply(list).to_dict()
    parents = [c for c in empty if kids.get(c)]
    assert parents  # Jan Mayen and Svalbard (NO0B), whose regions have no figures either
    for code in parents:
        tree = profile(code)
        text = text_of(tree)
        links = [p["href"] for t, p in walk(tree, []) if t == "A" and p.get("href", "").startswith("/area/")]
        assert all(f"/area/{k}" in links for k in kids[code]), code
        # the levels by the names pages give them (geography.level_labels), never by their ids
        assert "This release has values at the country, NUTS 1 region, NUTS 2 region, and NUTS 3 region levels" in text
        assert "nuts0" not in text
        assert not any(t == "Graph" for t, _ in walk(tree, [])), "no empty chart"


def test_no_sentence_claims_a_comparison_or_status_the_data_do_not_have(world):
    """'Better than X: 0 indicators' when nothing was compared with X; 'every indicator with a status is on
    track' when none has a status."""
    _, rel = world
    seen = 0
    for code in ["DE212", "EL30", "FR101", "ITC11", "PL911", "NO0B1"]:
        rows = area_view.profile_rows(rel, data.area_row(rel, code))
        judged = [r for r in rows if area_view.ranked(r)]
        compared = [r for r in judged if r["significance_top"] in ("better", "similar", "worse")]
        text = text_of(profile(code))
        if any(r["value"] is not None and not np.isnan(r["value"]) for r in rows) and not compared:
            seen += 1
            assert "Better than" not in text and "Not compared" in text, code
    assert seen  # GDP per head has no interval: nothing is significantly better or worse than a country
    assert "on track" not in attention.all_clear("Attiki", "regions", 0, 0)
    assert "No indicator has a status" in attention.all_clear("Attiki", "regions", 0, 0)
    latest, _ = overview.overview_rows(rel, "EL30", None)
    no_status = latest.assign(rag=None, progress_status=None)
    words = overview.status_summary(no_status, 0)
    assert "None has a status" in words and "On track" not in words


def test_freshness_says_the_eurostat_figures_are_overdue_though_just_refreshed(world):
    """The pipeline just ran (every run fresh), but GDP per head stops at 2021 and population at 2022: the
    next periods were due by 2024 and 2025, so /status, `openmeasure status` and the cards say overdue."""
    from datetime import UTC, datetime

    from core.freshness import freshness
    from dashboard.views import info

    config, rel = world
    now = datetime(2026, 12, 6, tzinfo=UTC)
    found = {f.indicator: f for f in freshness(config, now=now)}
    assert {f.state for f in found.values()} == {"fresh"}
    assert (found["gdp_per_head"].latest_period, found["population"].latest_period) == ("2021", "2022")
    assert {f.overall for f in found.values()} == {"stale"}
    page = text_of(info.status())
    assert page.count("Overdue (data)") == len(rel.indicator_ids) and "2024-01-01" in page
    fresh = overview.freshness(rel)
    cards = text_of(overview.content(rel, "DE", "all", fresh))
    assert cards.count(": overdue. The next period was due by") == len(rel.indicator_ids)


def test_the_overview_without_an_area_asks_which_of_the_37_countries(world, monkeypatch):
    """With several roots and no area in the address, no country is the reader's: the page lists them all
    instead of opening on the first of the table (Albania)."""
    _, rel = world
    from dashboard import context

    monkeypatch.setattr(context, "release", lambda rid=None: rel)
    page = text_of(overview.layout())
    assert f"This release covers 37 top-level areas ({fmt.level_name('nuts0')})" in page
    links = [p["href"] for t, p in walk(overview.layout(), []) if t == "A"]
    assert len(links) == 37 and "/?area=DE" in links and "/?area=AL" in links
    assert "Shqipëria: " not in page  # no cards of the first country
    named = text_of(overview.layout(area="DE"))
    assert "Deutschland: " in named and "This release covers" not in named
