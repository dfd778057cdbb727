"""Real ONS Open SDG files (tests/data/real/ons_sdg, see SOURCE.md): geography columns are the area, never a
breakdown; a row without a GeoCode is matched by the name in its most specific geography column; every row
left out is a finding with its row and name. Read through the real readers and the run's name matching."""

from __future__ import annotations

import pandas as pd
import pytest

from core.config_models import Config, MeasureConfig, SourceConfig
from etl.observations import extract_measures
from etl.sources import read_source
from etl.sources.area_codes import match_names
from etl.sources.open_sdg import geography_columns
from tests.conftest import ROOT

DATA = ROOT / "tests" / "data" / "real" / "ons_sdg"
UK = "K02000001"
#: The towns of indicator_11-6-2.csv published without a GeoCode (none is a local authority).
TOWNS = ["Armagh", "Barnstaple", "Birkenhead", "Chepstow", "Derry", "Didcot", "Eccles", "Erith", "Gibraltar",
         "Gillingham", "Grangemouth", "Harlington", "Hull", "Inverness", "Leamington Spa", "Londonderry",
         "Penicuik", "Port Talbot", "Prestonpans", "Rochester", "Saltash", "Sandy", "Scunthorpe", "Speke",
         "Stanford le Hope", "Stanmore", "Stockbridge", "Storrington"]


def _areas() -> pd.DataFrame:
    return pd.read_csv(DATA / "areas_uk.csv", dtype=str, keep_default_na=False)


def _osdg(name: str, **extra) -> SourceConfig:
    return SourceConfig(id="ons", format="open_sdg", path=str(DATA / name), national_area=UK, **extra)


def _read(source: SourceConfig) -> tuple[pd.DataFrame, list[dict]]:
    raw = read_source(source)
    out, found = match_names(raw, _areas())
    return out, [*raw.attrs.get("findings", []), *found]


def test_local_authority_is_the_area_and_unmatched_towns_are_findings():
    out, found = _read(_osdg("indicator_11-6-2.csv"))
    # 284 rows: 211 with a GeoCode, 4 national (no GeoCode, no name), 69 towns without a GeoCode
    assert len(out) == 215
    assert "Local Authority" not in out.columns  # not a breakdown
    assert [c for c in out.columns if c not in ("area_code", "period", "value", "flags", "row", "area_name")] == [
        "Size of particulate matter", "Unit multiplier", "Unit measure"]
    # one finding per town, not per row (as for an unknown code), with its first row, rows and periods
    assert len(found) == 28 and {f["rule"] for f in found} == {"unknown_area"}
    assert {f["column"] for f in found} == {"Local Authority"}
    named = {f["message"].split("'")[1] for f in found}
    assert sorted(named) == TOWNS
    armagh = [f for f in found if "'Armagh'" in f["message"]]
    assert [(f["row"], f["period"]) for f in armagh] == [(8, "2013")]
    assert armagh[0]["message"] == "area name 'Armagh' matches no area of the geography (2 rows, period 2013)"
    leamington = next(f for f in found if "'Leamington Spa'" in f["message"])
    assert (leamington["row"], leamington["period"]) == (112, "")
    assert leamington["message"].endswith("(5 rows, periods 2013, 2016)")
    national = out[out["area_code"] == UK].sort_values("row")
    assert national["value"].tolist() == [23.42292083, 20.76593781, 12.4, 10.5]
    assert national["row"].tolist() == [282, 283, 284, 285]
    aberdeen = out[(out["area_code"] == "S12000033") & (out["period"] == "2008")]
    assert aberdeen["value"].tolist() == [16.8705]
    assert set(out["area_code"]) - {UK} <= set(_areas()["area_code"])  # every code in the file is a real one


def test_a_measure_of_one_breakdown_gets_every_area_not_only_the_blank_ones():
    out, _ = _read(_osdg("indicator_11-6-2.csv"))
    cfg = Config.model_construct(measures=[MeasureConfig(id="pm25", source="ons",
                                                         select={"Size of particulate matter": "PM 2.5"})])
    obs = extract_measures(out, _osdg("indicator_11-6-2.csv"), cfg.measures, cfg)
    # PM 2.5 rows of the file: 139; 99 with a GeoCode (46 areas), 2 national, 38 towns without a code
    assert len(obs) == 101
    assert obs["area_code"].nunique() == 47
    assert set(obs["status"]) == {"ok"}  # 'Undefined' is Open SDG's "no status", not the letters u, d, e


def test_region_county_and_local_authority_columns_with_codes():
    out, found = _read(_osdg("indicator_3-9-1.csv"))
    assert found == [] and len(out) == 19
    assert set(out["period"]) == {"2010"}  # the file writes 2010.0
    assert out.attrs["headers"]["area_name"] == "Region / County / Local Authority"
    by_code = dict(zip(out["area_code"], out["value"], strict=True))
    assert by_code[UK] == 5.6 and by_code["E12000007"] == 7.2 and by_code["E09000001"] == 9.0
    assert by_code["E10000002"] == 5.6  # Buckinghamshire, a county row
    assert [c for c in out.columns if c not in ("area_code", "period", "value", "flags", "row", "area_name")] == [
        "Unit multiplier", "Unit measure"]


def test_blank_geocodes_are_matched_by_the_most_specific_name():
    out, found = _read(_osdg("indicator_17-8-1.csv"))
    assert len(out) == 21
    assert dict(zip(out["area_name"], out["area_code"], strict=True))["Norfolk"] == "E10000020"
    got = out.set_index("area_code")["value"]
    assert got["E10000020"] == 78.3 and got["E10000029"] == 82.6 and got["E10000015"] == 88.1
    assert sorted((f["row"], f["message"].split("'")[1]) for f in found) == [
        (6, "Hartlepool and Stockton-on-Tees"), (7, "South Teesside"), (9, "Durham CC"), (11, "Tyneside"),
        (15, "Cambridgeshire CC"), (19, "Bedfordshire CC"), (23, "Essex CC")]
    assert {f["column"] for f in found} == {"Region / Local Authority"}
    # the breakdowns stay breakdowns: the national total row, a 16 to 24 row and a Male row
    national = out[out["area_code"] == UK]
    assert sorted(zip(national["Age"], national["Sex"], national["value"], strict=True)) == [
        ("16 to 24", "total", 98.3), ("total", "Male", 85.6), ("total", "total", 83.3)]


def test_an_ambiguous_name_is_a_finding_with_row_and_name():
    raw = read_source(_osdg("indicator_17-8-1.csv"))
    areas = pd.concat([_areas(), pd.DataFrame({"area_code": ["E07000999"], "name": ["NORFOLK"]})])
    out, found = match_names(raw, areas)
    ambiguous = [f for f in found if f["rule"] == "ambiguous_area"]
    assert [(f["row"], f["message"]) for f in ambiguous] == [
        (16, "area name 'Norfolk' matches several areas (E10000020, E07000999); give the code")]
    assert "E10000020" not in set(out["area_code"])


@pytest.mark.parametrize("fmt", ["csv", "open_sdg"])
def test_area_name_on_categorical_columns_adds_codes_the_file_does_not_have(fmt):
    """The readers give categorical columns: a code matched from a name is a new category (this raised
    'Cannot setitem on a Categorical with a new category'; on open_sdg, KeyError: 'Local Authority')."""
    cols = {"area_code": "GeoCode", "period": "Year", "value": "Value", "area_name": "Local Authority"}
    source = (SourceConfig(id="ons", format="csv", path=str(DATA / "indicator_17-8-1.csv"), columns=cols)
              if fmt == "csv" else _osdg("indicator_17-8-1.csv", columns={"area_name": "Local Authority"}))
    raw = read_source(source)
    assert isinstance(raw["area_code"].dtype, pd.CategoricalDtype)
    assert "E10000020" not in set(raw["area_code"].cat.categories)
    out, found = match_names(raw, _areas())
    assert {"E10000020", "E10000029", "E10000015"} <= set(out["area_code"])
    # as csv, the 3 national rows (no GeoCode, no Local Authority) are findings too: a csv has no national_area
    assert len(found) == (7 if fmt == "open_sdg" else 7 + 3)
    cfg = Config.model_construct(measures=[MeasureConfig(id="m", source="ons")])
    obs = extract_measures(out, source, cfg.measures, cfg)
    assert obs.set_index("area_code").loc["E10000029", "value"] == 82.6


def test_geography_columns_default_and_declared():
    source = _osdg("indicator_17-8-1.csv")
    assert geography_columns(source, ["Year", "Local authority", "Country", "Sex", "Value"]) == [
        "Country", "Local authority"]
    declared = _osdg("indicator_17-8-1.csv", geography_columns=["Region"])
    out = read_source(declared)
    assert "Local Authority" in out.columns  # not declared: a breakdown again
    with pytest.raises(Exception, match="geography_columns: no column 'Ward'"):
        read_source(_osdg("indicator_17-8-1.csv", geography_columns=["Ward"]))


def _england(tmp_path, file: str, select: dict | None = None):
    """A deployment of one Open SDG source on the England part of areas_uk.csv (a hierarchy core.geography
    accepts: the Scottish, Welsh and Northern Irish councils hang under their country)."""
    import yaml

    from core.config import load_config

    areas = _areas()
    areas[areas["area_code"].str[0].isin(["K", "E"])].to_csv(tmp_path / "areas.csv", index=False)
    cfg = {
        "store": str(tmp_path / "store"), "catalogue": f"sqlite:///{tmp_path / 'c.db'}",
        "geography": {"levels": ["uk", "country", "region", "local_authority"],
                      "areas": {"path": "areas.csv", "code": "area_code", "name": "name", "level": "level",
                                "parent": "parent_code"}},
        "sources": [{"id": "ons", "format": "open_sdg", "path": str(DATA / file), "national_area": UK}],
        "measures": [{"id": "m", "source": "ons", **({"select": select} if select else {})}],
        "indicators": [{"id": "m", "title": "M", "theme": "sdg", "kind": "outcome", "unit": "%",
                        "compute": {"method": "published", "measure": "m"}}],
    }
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(cfg), encoding="utf-8")
    return load_config(tmp_path / "config.yaml")


def test_an_etl_run_publishes_the_matched_areas_and_records_every_row_left_out(tmp_path):
    from core import catalogue
    from core.store import ReleaseStore
    from etl.pipeline import run

    config = _england(tmp_path, "indicator_17-8-1.csv")
    run(config)
    values = pd.read_parquet(ReleaseStore(config.store).path() / "indicator_values.parquet")
    got = values.set_index("area_code")["value"]
    assert (got["E10000020"], got["E10000015"], got["E06000005"], got[UK]) == (78.3, 88.1, 74.4, 83.3)
    _, found = catalogue.last_run_findings(catalogue.connect(config.catalogue))
    names = found[found["column"] == "Region / Local Authority"]
    assert sorted(names["row"]) == [6, 7, 9, 11, 15, 19, 23] and set(names["rule"]) == {"unknown_area"}
    codes = found[(found["column"] == "GeoCode") & (found["rule"] == "unknown_area")]
    assert sorted(codes["area_code"]) == ["N92000002", "S12000046", "S92000003", "W06000001", "W06000011",
                                          "W92000004"]


def test_deep_check_shows_the_rows_a_run_leaves_out(tmp_path):
    """`config check --deep` reads the file as a run does: the same 69 towns, plus the Scottish, Welsh and
    Northern Irish codes, which this England-only geography does not have."""
    from etl.deep_check import deep_check

    config = _england(tmp_path, "indicator_11-6-2.csv", {"Size of particulate matter": "PM 2.5"})
    lines = [p.line() for p in deep_check(config)]
    towns = [line for line in lines if "matches no area of the geography" in line]
    towns = [line for line in lines if line.startswith("warning: sources[0].columns.area_name: unknown_area:")]
    assert len(towns) == 6  # 5 towns shown, then one line counting the other 23 of the 28 towns
    assert towns[0].startswith("warning: sources[0].columns.area_name: unknown_area: area name 'Armagh' matches "
                               "no area of the geography (2 rows, period 2013)")
    assert "row 8, column 'Local Authority'" in towns[0]
    assert "and 23 more like these ('openmeasure etl report' lists each one after a run)" in towns[5]
    codes = [line for line in lines if "columns.area_code: unknown_area" in line]
    assert [line.split(" is not")[0][-9:] for line in codes[:5]] == [
        "S12000033", "N09000003", "W06000015", "S12000036", "S12000046"]
    # the file publishes 7 area-years twice (Bristol 2013 PM 2.5: 12.80943467 and 13.0): quarantined, not picked
    assert "duplicate observation for m E06000023 2013 total" in next(x for x in lines if "duplicate_key" in x)


def test_geography_columns_belong_to_open_sdg_sources():
    with pytest.raises(ValueError, match="'geography_columns' is for format 'open_sdg'"):
        SourceConfig(id="s", format="csv", path="x.csv", geography_columns=["Region"])


def test_deep_check_of_a_csv_matched_by_name(tmp_path):
    """The CSV case of issue 16 item 2: --deep crashed on the first name it matched."""
    import yaml

    from core.config import load_config
    from etl.deep_check import deep_check

    config = _england(tmp_path, "indicator_17-8-1.csv")
    cfg = yaml.safe_load((tmp_path / "config.yaml").read_text())
    cfg["sources"][0] = {"id": "ons", "format": "csv", "path": str(DATA / "indicator_17-8-1.csv"),
                         "columns": {"area_code": "GeoCode", "period": "Year", "value": "Value",
                                     "area_name": "Local Authority"}}
    cfg["measures"][0]["select"] = {"Age": "", "Sex": ""}
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(cfg), encoding="utf-8")
    del config
    lines = [p.line() for p in deep_check(load_config(tmp_path / "config.yaml"))]
    assert not [line for line in lines if line.startswith("error")]
    names = [line for line in lines if "columns.area_name: unknown_area" in line]
    assert names[0].startswith("warning: sources[0].columns.area_name: unknown_area: area name "
                               "'Hartlepool and Stockton-on-Tees' matches no area")


def test_deep_check_counts_the_rows_of_findings_made_one_per_row(tmp_path):
    """duplicate_key is a finding per row: the line counting the rest says how many rows (7 area-years of
    11-6-2 are published twice: 14 rows, 5 shown, the other 2 area-years on 4 rows)."""
    from etl.deep_check import deep_check

    config = _england(tmp_path, "indicator_11-6-2.csv", {"Size of particulate matter": "PM 2.5"})
    dups = [p.line() for p in deep_check(config) if "duplicate_key" in p.line()]
    assert len(dups) == 6 and all("(1 more row(s) like it)" in line for line in dups[:5])
    assert "duplicate_key: and 2 more like these, on 4 row(s) ('openmeasure etl report'" in dups[5]
