"""A real Open SDG file of Statistics Canada (tests/data/real/canada_sdg, see SOURCE.md), tried as a new user
would: its area is in a column headed ``Geography``, and its provinces have ``Both sexes`` rows but never a
blank ``Sex``. Every one of its 206 values must be read, and a measure that takes the blank total must say which
areas it leaves without a value (``no_total``) instead of dropping them in silence."""

from __future__ import annotations

import pandas as pd
import yaml

from core.config_models import Config, MeasureConfig, SourceConfig
from etl.observations import extract_measures, missing_totals
from etl.sources import read_source
from etl.sources.area_codes import match_names
from tests.conftest import ROOT

DATA = ROOT / "tests" / "data" / "real" / "canada_sdg"
PROVINCES = ["10", "11", "12", "13", "24", "35", "46", "47", "48", "59", "60", "61", "62"]


def _source() -> SourceConfig:
    return SourceConfig(id="sdg", format="open_sdg", path=str(DATA / "indicator_3-4-2.csv"), national_area="01")


def _read() -> tuple[pd.DataFrame, list[dict]]:
    raw = read_source(_source())
    areas = pd.read_csv(DATA / "areas_canada.csv", dtype=str, keep_default_na=False)
    out, found = match_names(raw, areas)
    return out, [*raw.attrs.get("findings", []), *found]


def _measures(*measures: MeasureConfig) -> Config:
    return Config.model_construct(measures=list(measures))


def test_geography_is_the_area_not_a_breakdown():
    out, found = _read()
    assert found == [] and len(out) == 206
    assert "Geography" not in out.columns and "Sex" in out.columns
    assert sorted(out["area_code"].unique()) == ["01", *PROVINCES]
    nunavut = out[(out["area_code"] == "62") & (out["period"] == "2015")].set_index("Sex")["value"]
    assert nunavut.to_dict() == {"Both sexes": 79.2, "Males": 132.0, "Females": 22.6}
    # the headline rows (no Geography, no Sex) and the 'Canada' rows are both the country
    canada = out[(out["area_code"] == "01") & (out["period"] == "2016")].set_index("Sex")["value"]
    assert canada.to_dict() == {"total": 11.0, "Both sexes": 11.0, "Males": 16.3, "Females": 5.7}


def test_a_breakdown_by_sex_reads_every_value_of_every_province():
    out, _ = _read()
    cfg = _measures(MeasureConfig(id="by_sex", source="sdg", breakdown="Sex"))
    obs = extract_measures(out, _source(), cfg.measures, cfg)
    assert len(obs) == 206
    assert missing_totals(out, cfg.measures) == []


def test_a_measure_of_the_blank_total_names_each_province_it_leaves_without_a_value():
    out, _ = _read()
    cfg = _measures(MeasureConfig(id="rate", source="sdg"))
    obs = extract_measures(out, _source(), cfg.measures, cfg)
    assert sorted(obs["area_code"].unique()) == ["01"]  # only the headline rows have a blank Sex
    found = missing_totals(out, cfg.measures)
    assert [f["area_code"] for f in found] == PROVINCES
    assert {(f["rule"], f["severity"], f["column"], f["measure"]) for f in found} == {
        ("no_total", "warn", "Sex", "rate")}
    yukon = next(f for f in found if f["area_code"] == "60")
    assert yukon["row"] == 40  # the line in the file
    assert yukon["message"] == (
        "measure 'rate' takes the total of 'Sex' (its blank cells), and area 60 has no such row: its 6 row(s) "
        "(2015 to 2016) hold 'Both sexes', 'Females', 'Males'; the measure has no value for this area from this "
        "source: select one (select: {Sex: Both sexes}) or break down by 'Sex'")
    chosen = _measures(MeasureConfig(id="rate", source="sdg", select={"Sex": "Both sexes"}))
    assert missing_totals(out, chosen.measures) == []
    assert len(extract_measures(out, _source(), chosen.measures, chosen)) == 67  # 14 areas x 5 years, Yukon 2 years


def test_a_run_and_the_deep_check_report_the_provinces(tmp_path):
    from core import catalogue
    from core.config import load_config
    from core.store import ReleaseStore
    from etl.deep_check import deep_check
    from etl.pipeline import run

    cfg = {
        "store": str(tmp_path / "store"), "catalogue": f"sqlite:///{tmp_path / 'c.db'}",
        "geography": {"levels": ["country", "province"], "areas": {"path": str(DATA / "areas_canada.csv")}},
        "sources": [{"id": "sdg", "format": "open_sdg", "path": str(DATA / "indicator_3-4-2.csv"),
                     "national_area": "01"}],
        "measures": [{"id": "rate", "source": "sdg"}],
        "indicators": [{"id": "rate", "title": "Suicide mortality rate", "theme": "inclusion", "kind": "outcome",
                        "unit": "per 100,000", "compute": {"method": "published", "measure": "rate"}}],
    }
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(cfg), encoding="utf-8")
    config = load_config(tmp_path / "config.yaml")
    lines = [p.line() for p in deep_check(config)]
    assert sum(line.startswith("warning: measures[0].select: no_total: measure 'rate'") for line in lines) == 5
    assert not any("area_in_breakdown" in line for line in lines)
    run(config)
    values = pd.read_parquet(ReleaseStore(config.store).path() / "indicator_values.parquet")
    assert sorted(values.loc[values["value"].notna(), "area_code"].unique()) == ["01"]
    _, found = catalogue.last_run_findings(catalogue.connect(config.catalogue))
    no_total = found[found["rule"] == "no_total"]
    assert sorted(no_total["area_code"]) == PROVINCES and set(no_total["measure"]) == {"rate"}


def test_an_unknown_geography_header_holding_area_names_is_a_finding(tmp_path):
    """The same file with its area column under a header no default knows ('Province'): it is read as a
    breakdown, so the measure of its total has only the headline rows. The run says which column holds names."""
    from etl.sources.area_codes import names_in_breakdowns

    text = (DATA / "indicator_3-4-2.csv").read_text(encoding="utf-8")
    (tmp_path / "indicator_3-4-2.csv").write_text(text.replace("Year,Geography,", "Year,Province,", 1),
                                                 encoding="utf-8")
    raw = read_source(_source().model_copy(update={"path": str(tmp_path / "indicator_3-4-2.csv")}))
    areas = pd.read_csv(DATA / "areas_canada.csv", dtype=str, keep_default_na=False)
    assert "Province" in raw.columns
    found = names_in_breakdowns(raw, areas)
    assert [(f["rule"], f["severity"], f["column"], f["row"]) for f in found] == [
        ("area_in_breakdown", "warn", "Province", 7)]
    assert found[0]["message"].startswith("column 'Province' is read as a breakdown, but 14 of its 14 values are "
                                          "names of areas ('Canada', 'Newfoundland and Labrador',")
    assert found[0]["message"].endswith("list it in the source's geography_columns")
    declared = _source().model_copy(update={"path": str(tmp_path / "indicator_3-4-2.csv"),
                                            "geography_columns": ["Province"]})
    assert names_in_breakdowns(read_source(declared), areas) == []


def test_breakdowns_of_the_ons_files_are_not_taken_for_areas():
    from etl.sources.area_codes import names_in_breakdowns

    ons = ROOT / "tests" / "data" / "real" / "ons_sdg"
    areas = pd.read_csv(ons / "areas_uk.csv", dtype=str, keep_default_na=False)
    for name in ("indicator_11-6-2.csv", "indicator_17-8-1.csv", "indicator_3-9-1.csv"):
        source = SourceConfig(id="ons", format="open_sdg", path=str(ons / name), national_area="K02000001")
        assert names_in_breakdowns(read_source(source), areas) == []


def test_the_explorer_says_why_an_indicator_published_only_by_sex_has_no_ranking(tmp_path):
    """Every value of the by-sex indicator is by Sex ('Both sexes', 'Males', 'Females'): the explorer, which
    shows totals, said only 'No area has a value to rank.' as though the provinces had no data."""
    from core.config import load_config
    from core.store import ReleaseStore
    from dashboard.release_reader import Release
    from dashboard.views.explorer import breakdown_only_note, ranking_outputs
    from etl.pipeline import run

    cfg = {
        "store": str(tmp_path / "store"), "catalogue": f"sqlite:///{tmp_path / 'c.db'}",
        "geography": {"levels": ["country", "province"], "areas": {"path": str(DATA / "areas_canada.csv")}},
        "sources": [{"id": "sdg", "format": "open_sdg", "path": str(DATA / "indicator_3-4-2.csv"),
                     "national_area": "01"}],
        "measures": [{"id": "by_sex", "source": "sdg", "breakdown": "Sex"}],
        "indicators": [{"id": "by_sex", "title": "Suicide mortality rate by sex", "theme": "inclusion",
                        "kind": "outcome", "unit": "per 100,000", "compute": {"method": "published",
                                                                             "measure": "by_sex"}}],
    }
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(cfg), encoding="utf-8")
    config = load_config(tmp_path / "config.yaml")
    run(config)
    release = Release(ReleaseStore(config.store).path())
    values = release.values(indicators=["by_sex"], levels=["province"]).to_pandas()
    have = values[values["value"].notna()]
    assert len(have) == 3 * 62 and set(have["breakdown"]) == {
        "Sex=Both sexes", "Sex=Females", "Sex=Males"}  # 62 province-years (Yukon has 2), none with a blank Sex
    meta = release.indicators.set_index("id").loc["by_sex"].to_dict() | {"id": "by_sex"}
    _, summary, *_ = ranking_outputs(release, meta, "province", "2019")
    assert summary == ("No area has a value to rank. This indicator has no total at this level in 2019: it is "
                       "published by breakdown (Sex=Both sexes, Sex=Females, Sex=Males): the map and ranking show "
                       "totals only; the Breakdowns section below shows an area's categories, and the downloads "
                       "(Data as CSV) give every value.")
    assert breakdown_only_note(release, "by_sex", "province", "1999") == ""  # no value at all: nothing to add
