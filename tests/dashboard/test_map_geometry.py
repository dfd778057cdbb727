"""The explorer map's first view, outlying areas, colour scale and summary (dashboard.map_geometry,
figures.colour_scale, explorer.map_coverage), on real boundaries: GISCO NUTS 2021 and US Census counties."""

from __future__ import annotations

import gzip
import json
from types import SimpleNamespace

import numpy as np
import pytest

from dashboard.components import figures
from dashboard.map_geometry import level_geometry
from dashboard.views import explorer
from tests.conftest import ROOT

REAL = ROOT / "tests" / "data" / "real"


def nuts2() -> dict:
    return json.loads(gzip.decompress((REAL / "nuts" / "NUTS_RG_60M_2021_4326_LEVL_2.geojson.gz").read_bytes()))


def counties() -> dict:
    return json.loads((REAL / "us_counties" / "counties_alabama_13.geojson").read_text(encoding="utf-8"))


def box(code: str, west: float, south: float, east: float, north: float) -> dict:
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return {"type": "Feature", "id": code, "geometry": {"type": "Polygon", "coordinates": [ring]}}


def view(frame: dict) -> tuple[float, float, float]:
    """Longitude span seen at the frame's zoom in the map's design width, and the centre."""
    from dashboard.map_geometry import TILE_PX, VIEW_PX
    return 360 * VIEW_PX[0] / (TILE_PX * 2 ** frame["zoom"]), frame["center"]["lon"], frame["center"]["lat"]


def test_europe_opens_on_the_continent_with_the_overseas_regions_outlying():
    geo = level_geometry(nuts2())
    span, lon, lat = view(geo.frame)
    assert {"FRY1", "FRY2", "FRY3", "FRY4", "FRY5"} <= set(geo.outlying)  # Guadeloupe ... Mayotte
    assert not {"FR10", "ES30", "DE30", "FI1B", "EL30", "PT17"} & set(geo.outlying)
    # the Azores to the Urals, the Canaries to the North Cape; the plain min/max of every coordinate (Réunion
    # at 21°S to Svalbard at 80°N) gives zoom 0.6: Europe in a quarter of the map
    assert geo.frame["zoom"] >= 1.8 and span < 130 and 0 < lon < 20 and 45 < lat < 60
    assert len(geo.codes) == 334 and len(geo.outlying) < 10


def test_a_set_across_the_antimeridian_spans_its_width_not_359_degrees():
    # the Aleutians (02016, Aleutians West, west of +180°) beside Alaska: real Alaskan extents, in boxes
    features = [box("02016", 172.4, 51.2, 179.9, 53.0), box("02013", -169.1, 52.0, -158.9, 56.0),
                box("02050", -173.1, 59.0, -157.0, 62.3), box("02122", -154.0, 58.6, -148.6, 61.4),
                box("02020", -150.4, 60.8, -148.4, 61.5), box("02185", -166.5, 68.0, -141.0, 71.4),
                box("02290", -162.0, 63.0, -141.0, 68.0)]
    geo = level_geometry({"features": features})
    span, lon, lat = view(geo.frame)
    assert geo.outlying == []
    assert span < 80, "the view spans the areas (172°E to 141°W is 47°), not the whole world"
    assert (lon > 150 or lon < -150) and 55 < lat < 70  # centred near the antimeridian, over Alaska


def test_counties_far_from_the_rest_are_outlying_and_the_view_fits_the_rest():
    data = counties()
    data["features"] += [box("02016", 179.6, 51.9, 179.9, 52.1), box("15001", -156.1, 18.9, -154.8, 20.3)]
    geo = level_geometry(data)
    span, lon, lat = view(geo.frame)
    assert geo.outlying == ["02016", "15001"]
    assert span < 10 and -89 < lon < -85 and 31 < lat < 35  # Alabama


def test_configured_bounds_win_and_may_cross_the_antimeridian():
    geo = level_geometry(nuts2(), (-25.0, 34.0, 45.0, 72.0))
    assert geo.frame["center"]["lon"] == 10.0 and "FRY1" in geo.outlying and "FR10" not in geo.outlying
    across = level_geometry({"features": [box("A", 170, 50, 175, 55)]}, (160.0, 40.0, -160.0, 70.0))
    assert across.frame["center"]["lon"] in (180.0, -180.0) and across.outlying == []


def test_the_quantile_scale_keeps_one_outlier_from_flattening_the_rest():
    values = np.r_[np.linspace(10, 30, 99), 2917.0]  # the City of London against the rest
    linear = figures.colour_scale(values, "linear", unit="", decimals=0)
    share = (np.array(values[:-1]) - linear["zmin"]) / (linear["zmax"] - linear["zmin"])
    assert share.max() < 0.01  # linear: 99 areas in the first hundredth of the scale
    q = figures.colour_scale(values, "quantile", unit="per 1,000", decimals=0)
    assert sorted(set(q["z"])) == [0, 1, 2, 3, 4] and q["z"].count(4) == 20 and q["z"][-1] == 4
    assert q["customdata"][-1] == 2917.0  # the hover shows the value, not the class
    assert q["colorbar"]["ticktext"][-1].endswith("to 2,917") and "quintiles" in q["colorbar"]["title"]["text"]


def test_the_clipped_scale_says_so_in_its_legend():
    values = np.r_[np.linspace(10, 30, 99), 2917.0]
    c = figures.colour_scale(values, "clipped", unit="", decimals=0, clip=(2, 98))
    assert c["zmax"] < 31 and c["colorbar"]["ticktext"][-1].startswith("≥ ")
    assert "clipped at the 2nd and 98th percentiles" in c["colorbar"]["title"]["text"]
    assert c["z"][-1] == 2917.0  # beyond the range: the end colour


def test_a_scale_with_too_few_distinct_values_is_linear_and_no_value_stays_empty():
    c = figures.colour_scale([1.0, 1.0, float("nan")], "quantile", unit="", decimals=0)
    assert c["z"] == [1.0, 1.0, None] and c["zmax"] > c["zmin"]


@pytest.fixture
def fake_release(monkeypatch):
    monkeypatch.setattr(explorer.data, "area_name", lambda _r, code: {"FRY1": "Guadeloupe"}.get(code))
    return SimpleNamespace()


def test_the_summary_counts_the_areas_drawn_and_names_those_outside_the_first_view(fake_release):
    geo = level_geometry(nuts2())
    codes = sorted(geo.codes - {"ITC1", "ITC2"} | {"ZZ01", "ZZ02"})
    text = explorer.map_coverage(fake_release, "nuts2", codes, geo)
    assert "The map draws 332 of the 334 areas; 2 have no boundary (ZZ01, ZZ02) and are in the table only." in text
    assert "outside the map's first view (Guadeloupe" in text and "zoom out or pan to see them" in text
    assert explorer.map_coverage(fake_release, "nuts2", ["DE30"], geo) == ""


def test_the_spine_chart_cuts_a_row_an_outlier_would_flatten():
    # people per km²-like: quartiles 15 and 25, the City of London at 2,917 (higher is better here)
    row = {"label": "density", "area": 22.0, "top": 20.0, "vmin": 5.0, "q1": 15.0, "q3": 25.0, "vmax": 2917.0,
           "polarity": "higher_is_better", "significance": "better"}
    fig = figures.spine([row])
    area = next(t for t in fig["data"] if t["name"].startswith("This area"))
    middle = fig["data"][1]
    assert area["x"][0] > 0.3 and middle["x"][0] > 0.15  # uncut: 0.006 and 0.003, all squeezed at the left
    cut = next(t for t in fig["data"] if t["name"].startswith("Scale cut"))
    assert cut["x"] == [1.0] and cut["marker"]["symbol"] == ["triangle-right"]
    london = figures.spine([{**row, "area": 2917.0}])
    marker = next(t for t in london["data"] if t["name"].startswith("This area"))
    assert marker["x"] == [1.0] and "beyond the end of the scale" in marker["text"][0]
    flipped = figures.spine([{**row, "polarity": "lower_is_better"}])
    assert next(t for t in flipped["data"] if t["name"].startswith("Scale cut"))["x"] == [0.0]
    plain = figures.spine([{**row, "vmax": 40.0}])  # no outlier: nothing is cut
    assert not any(t["name"].startswith("Scale cut") for t in plain["data"])


def test_the_westernmost_area_is_not_sent_round_the_world_by_a_rounding_error():
    # Belfast's centre, the westernmost of four UK councils (ONS LAD 2019 boundaries, examples/uk-open-sdg),
    # came back from the wrap in _origin as -5.943819998999999 against its own -5.943819999: it was unwrapped
    # to +354 degrees, called outlying and left out of the first view, though it lies between Cardiff and Aberdeen
    uk = examples_uk_lads()
    geo = level_geometry(uk)
    assert geo.outlying == []
    span, lon, _ = view(geo.frame)
    assert lon - span / 2 <= -5.95 and lon + span / 2 >= -0.09


def test_a_far_area_west_of_the_rest_is_still_outlying():
    far = {"type": "FeatureCollection", "features": [
        box("A", 10, 50, 11, 51), box("B", 11, 50, 12, 51), box("C", 12, 50, 13, 51), box("D", 13, 50, 14, 51),
        box("FAR", -60.94381999, 14, -60.9, 14.1)]}
    assert level_geometry(far).outlying == ["FAR"]


def examples_uk_lads() -> dict:
    data = json.loads((ROOT / "examples" / "uk-open-sdg" / "lad_2019_subset.geojson").read_text(encoding="utf-8"))
    for f in data["features"]:
        f["id"] = f["properties"]["lad19cd"]
    return data
