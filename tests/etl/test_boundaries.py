"""Boundary files normalised for the release (etl.boundaries): codes from a property, as text, padded and
mapped; what does not match is a finding. On real files: GISCO's NUTS 2021 level 2 and US Census counties."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pandas as pd
import pytest

from core.config_models import BoundaryFile, CodeMappingConfig, GeographyConfig
from etl import boundaries
from tests.conftest import ROOT

REAL = ROOT / "tests" / "data" / "real"
NUTS2 = REAL / "nuts" / "NUTS_RG_60M_2021_4326_LEVL_2.geojson.gz"
COUNTIES = REAL / "us_counties" / "counties_alabama_13.geojson"


def nuts2_codes() -> set[str]:
    return set(pd.read_csv(REAL / "nuts" / "nuts2_areas.csv", dtype=str, keep_default_na=False)["nuts_id"])


def county_codes() -> set[str]:
    return {f["id"] for f in json.loads(COUNTIES.read_text(encoding="utf-8"))["features"]}


def write(tmp_path: Path, data: dict, name: str = "b.geojson") -> str:
    (tmp_path / name).write_text(json.dumps(data), encoding="utf-8")
    return str(tmp_path / name)


def nuts_without_ids(tmp_path: Path) -> str:
    data = json.loads(gzip.decompress(NUTS2.read_bytes()))
    for f in data["features"]:
        del f["id"]
    return write(tmp_path, data)


def test_a_file_keyed_by_a_property_maps_every_area(tmp_path):
    path = nuts_without_ids(tmp_path)
    lb = boundaries.normalise("nuts2", BoundaryFile(path=path, code_property="NUTS_ID"), nuts2_codes())
    assert lb.matched == lb.areas == 334 and not lb.unmatched_features and not lb.findings
    ids = {f["id"] for f in lb.geojson["features"]}
    assert ids == nuts2_codes()
    fry1 = next(f for f in lb.geojson["features"] if f["id"] == "FRY1")
    assert fry1["properties"]["NAME_LATN"] == "Guadeloupe"  # the feature itself is as it was


def test_without_the_property_nothing_matches_and_the_finding_names_it(tmp_path):
    lb = boundaries.normalise("nuts2", BoundaryFile(path=nuts_without_ids(tmp_path)), nuts2_codes())
    assert lb.matched == 0
    rules = {f["rule"]: f for f in lb.findings}
    assert "blank" in rules["boundary_no_match"]["message"]
    assert "set geography.boundaries.nuts2.code_property: NUTS_ID" in rules["boundary_no_match"]["message"]
    assert rules["boundary_no_code"]["message"].startswith("334 of 334 features have no 'id'")


def test_the_gzipped_real_file_is_read_by_its_id():
    lb = boundaries.normalise("nuts2", BoundaryFile(path=str(NUTS2)), nuts2_codes())
    assert lb.matched == 334


def integer_ids(tmp_path: Path) -> str:
    data = json.loads(COUNTIES.read_text(encoding="utf-8"))
    for f in data["features"]:
        f["id"] = int(f["id"])  # 1001 for 01001, as a spreadsheet or a careless export writes it
    return write(tmp_path, data)


def test_integer_ids_match_only_when_padded_and_the_finding_says_so(tmp_path):
    path, codes = integer_ids(tmp_path), county_codes()
    lb = boundaries.normalise("county", BoundaryFile(path=path), codes)
    assert lb.matched == 0
    padding = next(f for f in lb.findings if f["rule"] == "boundary_code_padding")
    assert padding["message"].startswith("13 feature codes are numbers that match area codes only when left-padded "
                                         "with zeros to 5 digits (1001 -> 01001")
    assert padding["message"].endswith("set geography.boundaries.county.pad_codes: 5")
    fixed = boundaries.normalise("county", BoundaryFile(path=path, pad_codes=5), codes)
    assert fixed.matched == 13 and not fixed.findings
    assert {f["id"] for f in fixed.geojson["features"]} == codes


def test_some_areas_without_a_boundary_and_features_without_an_area_are_counted(tmp_path):
    codes = county_codes() - {"01001", "01009"} | {"01003"}
    lb = boundaries.normalise("county", BoundaryFile(path=str(COUNTIES)), codes)
    assert (lb.matched, lb.areas) == (11, 12)
    assert lb.missing_areas == ["01003"] and lb.unmatched_features == ["01001", "01009"]
    messages = {f["rule"]: f["message"] for f in lb.findings}
    assert messages["boundary_missing"] == "1 of 12 county areas have no boundary and are not on the map: 01003"
    assert messages["boundary_unmatched"] == "2 of 13 features match no county area: 01001, 01009"


def test_a_code_mapping_carries_a_recoded_area_to_its_boundary_and_merges_two(tmp_path):
    (tmp_path / "map.csv").write_text("old_code,new_code\n01001,01901\n01017,01999\n01021,01999\n",
                                      encoding="utf-8")
    codes = county_codes() - {"01001", "01017", "01021"} | {"01901", "01999"}
    spec = BoundaryFile(path=str(COUNTIES), code_mapping=CodeMappingConfig(path=str(tmp_path / "map.csv")))
    lb = boundaries.normalise("county", spec, codes)
    assert lb.matched == lb.areas == 12 and not lb.findings
    merged = next(f for f in lb.geojson["features"] if f["id"] == "01999")
    assert merged["geometry"]["type"] == "MultiPolygon" and len(merged["geometry"]["coordinates"]) == 2


def test_plain_paths_and_tables_are_both_accepted():
    geo = GeographyConfig.model_validate({
        "levels": ["a", "b"], "areas": {"path": "x.csv"},
        "boundaries": {"a": "a.geojson", "b": {"path": "b.geojson", "code_property": "GEOID", "pad_codes": 5}}})
    assert geo.boundaries["a"] == BoundaryFile(path="a.geojson")
    assert geo.boundaries["b"].code_property == "GEOID" and geo.boundaries["b"].pad_codes == 5


@pytest.mark.parametrize("text", ["[]", "{\"type\": \"Feature\"}", "not json"])
def test_a_file_that_is_not_a_feature_collection_names_the_key(tmp_path, text):
    (tmp_path / "b.geojson").write_text(text, encoding="utf-8")
    with pytest.raises(Exception, match="geography.boundaries.nuts2.*GeoJSON"):
        boundaries.normalise("nuts2", BoundaryFile(path=str(tmp_path / "b.geojson")), {"AT11"})


def test_findings_are_quality_rows(tmp_path):
    path = integer_ids(tmp_path)
    areas = pd.DataFrame({"area_code": sorted(county_codes()), "level": "county"})
    from core.config_models import Config  # noqa: PLC0415
    cfg = Config.model_construct(geography=GeographyConfig.model_validate(
        {"levels": ["county"], "areas": {"path": "x.csv"}, "boundaries": {"county": path}}))
    found = boundaries.findings(boundaries.normalise_all(cfg, areas))
    assert set(found["rule"]) == {"boundary_no_match", "boundary_code_padding"}
    assert set(found["severity"]) == {"warn"} and set(found["source"]) == {"geography.boundaries.county"}
    assert str(found["row"].dtype) == "Int64"


def square(lon: float, lat: float) -> dict:
    return {"type": "Polygon", "coordinates": [[[lon, lat], [lon + 1, lat], [lon + 1, lat + 1], [lon, lat + 1],
                                                [lon, lat]]]}


def starter_with_boundaries(tmp_path: Path, features: list[dict], spec: dict | None = None) -> Path:
    """The starter deployment (examples/starter) with district boundaries, its store in tmp_path."""
    import shutil

    import yaml

    for name in ("areas.csv", "returns.csv", "config.yaml"):
        shutil.copyfile(ROOT / "examples" / "starter" / name, tmp_path / name)
    cfg = yaml.safe_load((tmp_path / "config.yaml").read_text(encoding="utf-8"))
    cfg["store"], cfg["catalogue"] = str(tmp_path / "store"), f"sqlite:///{tmp_path / 'catalog.db'}"
    write(tmp_path, {"type": "FeatureCollection", "features": features}, "districts.geojson")
    cfg["geography"]["boundaries"] = {"district": {"path": "districts.geojson", **(spec or {})}}
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(cfg, sort_keys=False), encoding="utf-8")
    return tmp_path / "config.yaml"


def district_features(codes: list[str], key: str = "CODE") -> list[dict]:
    return [{"type": "Feature", "properties": {key: c}, "geometry": square(n, 50)} for n, c in enumerate(codes)]


def test_deep_check_counts_areas_with_a_boundary_and_names_the_property_to_set(tmp_path):
    from core.config import load_config
    from etl.deep_check import deep_check

    path = starter_with_boundaries(tmp_path, district_features(["XD01", "XD02", "XD03", "XD04"]))
    lines = [p.line() for p in deep_check(load_config(path))]
    file = tmp_path / "districts.geojson"
    # one line, the one with the fix: not also '0 of 4 district areas have a boundary' and '4 of 4 features
    # have no id' (three lines for one missing key, as the UK example's first deep check showed)
    assert lines == ["error: geography.boundaries.district.code_property: no feature's 'id' matches an area code "
                     "of level 'district': the map of this level is blank; property 'CODE' matches 4 areas: set "
                     f"geography.boundaries.district.code_property: CODE (file {file}, column 'id')"]
    path = starter_with_boundaries(tmp_path, district_features(["XD98", "XD99"]), {"code_property": "CODE"})
    lines = [p.line() for p in deep_check(load_config(path))]
    assert f"error: geography.boundaries.district: 0 of 4 district areas have a boundary; 2 of 2 features match " \
           f"no area (file {file})" in lines  # no property to suggest: the count stays
    path = starter_with_boundaries(tmp_path, district_features(["XD01", "XD02", "XD99"]), {"code_property": "CODE"})
    lines = [p.line() for p in deep_check(load_config(path))]
    assert lines == [f"warning: geography.boundaries.district: 2 of 4 district areas have a boundary; 1 of 3 "
                     f"features match no area (file {file})"]


def test_a_run_writes_boundaries_keyed_by_area_code_and_records_what_did_not_match(tmp_path):
    from core.config import load_config
    from etl.pipeline import run

    path = starter_with_boundaries(tmp_path, district_features(["XD01", "XD02", "XD03", "XD99"]),
                                   {"code_property": "CODE"})
    result = run(load_config(path), progress=lambda _m: None)
    written = json.loads((result.path / "boundaries" / "district.geojson").read_text(encoding="utf-8"))
    assert [f["id"] for f in written["features"]] == ["XD01", "XD02", "XD03"]  # XD99 is no area: not drawn
    quality = pd.read_parquet(result.path / "quality.parquet")
    found = quality[quality["rule"].str.startswith("boundary_")].set_index("rule")["message"].to_dict()
    assert found == {"boundary_missing": "1 of 4 district areas have no boundary and are not on the map: XD04",
                     "boundary_unmatched": "1 of 4 features match no district area: XD99"}
    manifest = json.loads((result.path / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["boundaries"] == {"district": {"areas": 4, "matched": 3, "unmatched_features": 1}}
    assert manifest["map"]["colour_scale"] == "quantile"


def test_the_release_holds_only_the_levels_areas_so_the_map_fits_them():
    """Found trying Eurostat's demo_r_gind3 on Albania, Austria and Belgium (tests/data/real/eurostat_gind3):
    the release kept all 334 features of GISCO's file, so the map's first view fitted all of Europe and the 23
    regions were a speck in its middle."""
    from dashboard.map_geometry import level_geometry

    areas = pd.read_csv(REAL / "eurostat_gind3" / "nuts_al_at_be.csv", dtype=str, keep_default_na=False)
    codes = set(areas.loc[areas["level"] == "2", "nuts_id"])
    assert len(codes) == 23
    lb = boundaries.normalise("nuts2", BoundaryFile(path=str(NUTS2)), codes)
    assert {f["id"] for f in lb.geojson["features"]} == codes
    assert lb.matched == 23 and len(lb.unmatched_features) == 311  # still counted and named in the finding
    assert [f["rule"] for f in lb.findings] == ["boundary_unmatched"]
    frame = level_geometry(lb.geojson).frame
    # Belgium to Albania: some 2.5 to 21 degrees east, 39.6 to 51.5 north
    assert 9 < frame["center"]["lon"] < 14 and 44 < frame["center"]["lat"] < 47
    assert frame["zoom"] > 2.5
