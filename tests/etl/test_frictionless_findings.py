"""Findings about a Frictionless data-package source name the resource's data file (not the descriptor), the
row's line in that file, and the row's area and period, whether the reader found the problem (a cell of the
wrong type) or a later step did (an area the geography does not have). The package is the World Bank's
population package vendored under examples/data/, cut to four countries and broken in a copy in tmp_path."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import yaml

from tests.conftest import ROOT

PACKAGE = ROOT / "examples" / "data" / "worldbank-population-datapackage"
COUNTRIES = ["ABW", "AFG", "AGO", "ALB"]


def _deployment(tmp_path: Path, parts: list[pd.DataFrame]):
    """The package with its resource split into ``parts`` (data/part-N.csv), a geography of COUNTRIES, and a
    config reading it: (config, the data files)."""
    from core.config import load_config

    pkg = tmp_path / "package"
    shutil.copytree(PACKAGE, pkg)
    desc = json.loads((pkg / "datapackage.json").read_text())
    files = [f"data/part-{n}.csv" for n in range(1, len(parts) + 1)]
    for name, part in zip(files, parts, strict=True):
        part.to_csv(pkg / name, index=False)
    (pkg / "data" / "population.csv").unlink()
    desc["resources"][0]["path"] = files if len(files) > 1 else files[0]
    (pkg / "datapackage.json").write_text(json.dumps(desc, indent=2))
    areas = tmp_path / "areas.csv"
    pd.DataFrame({"code": ["W", *COUNTRIES], "name": ["World", *COUNTRIES], "level": ["world"] + ["country"] * 4,
                  "parent": ["", *["W"] * 4]}).to_csv(areas, index=False)
    cfg = {
        "store": str(tmp_path / "store"), "catalogue": f"sqlite:///{tmp_path / 'catalog.db'}",
        "geography": {"levels": ["world", "country"],
                      "areas": {"path": str(areas), "code": "code", "name": "name", "level": "level",
                                "parent": "parent"}},
        "sources": [{"id": "wb", "format": "frictionless", "path": str(pkg),
                     "columns": {"area_code": "Country Code", "period": "Year", "value": "Value"}}],
        "measures": [{"id": "population", "source": "wb", "people": True}],
        "indicators": [{"id": "population", "title": "Population", "theme": "growth", "kind": "output",
                        "unit": "people", "compute": {"method": "sum", "measure": "population"}}],
    }
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(cfg, sort_keys=False), encoding="utf-8")
    return load_config(tmp_path / "config.yaml"), [str(pkg / f) for f in files]


def _findings(config) -> pd.DataFrame:
    from core.geography import load_areas
    from etl.sources.extract import extract_source

    areas = load_areas(config.geography)
    return extract_source(config, config.sources[0], config.measures, set(areas.area_code), lambda: areas,
                          count_measures=set(), frequencies={}).findings


def _line(file: str, row: int) -> dict:
    """Line ``row`` of a CSV file (the header is line 1) as a dict of its cells."""
    df = pd.read_csv(file, dtype=str, keep_default_na=False)
    return df.iloc[row - 2].to_dict()


def _rows() -> pd.DataFrame:
    df = pd.read_csv(PACKAGE / "data" / "population.csv", dtype=str, keep_default_na=False)
    return df[df["Country Code"].isin(COUNTRIES)].reset_index(drop=True)


def _one(found: pd.DataFrame, rule: str, **where) -> pd.Series:
    hit = found[found["rule"] == rule]
    for k, v in where.items():
        hit = hit[hit[k] == v]
    assert len(hit) == 1, (rule, where, found[["rule", "file", "row", "area_code", "period", "message"]])
    return hit.iloc[0]


def test_findings_of_a_resource_of_two_files_name_the_file_line_area_and_period(tmp_path):
    rows = _rows()
    first, second = rows[rows["Country Code"].isin(COUNTRIES[:2])].copy(), rows[rows["Country Code"].isin(
        COUNTRIES[2:])].copy()
    first.loc[first.index[70], "Year"] = "19x1"             # a reader finding in the first file
    second.loc[second.index[5], "Value"] = "lots"           # a reader finding in the second file
    second.loc[second.index[40], "Country Code"] = "XKX"    # a later step's finding (unknown area), second file
    config, (file1, file2) = _deployment(tmp_path, [first, second])
    found = _findings(config)
    assert not (found["file"] == config.sources[0].where).any(), "a finding names the package, not its file"

    year = _one(found, "type_error", column="Year")
    assert (year["file"], year["area_code"], year["period"]) == (file1, first["Country Code"].iloc[70], "19x1")
    assert _line(file1, int(year["row"]))["Year"] == "19x1"

    value = _one(found, "type_error", column="Value")
    cells = _line(file2, int(value["row"]))
    assert value["file"] == file2 and cells["Value"] == "lots" and int(value["row"]) == 5 + 2
    assert (value["area_code"], value["period"]) == (cells["Country Code"], cells["Year"])

    area = _one(found, "unknown_area", area_code="XKX")
    assert area["file"] == file2 and int(area["row"]) == 40 + 2
    cells = _line(file2, int(area["row"]))
    assert cells["Country Code"] == "XKX" and area["period"] == cells["Year"]


def test_findings_of_a_resource_of_one_file_name_that_file(tmp_path):
    rows = _rows()
    rows.loc[3, "Country Code"] = "XKX"
    rows.loc[9, "Year"] = "20x9"
    config, (file1,) = _deployment(tmp_path, [rows])
    found = _findings(config)
    assert set(found["file"]) == {file1}
    area = _one(found, "unknown_area", area_code="XKX")
    assert int(area["row"]) == 3 + 2 and area["period"] == rows.loc[3, "Year"]
    year = _one(found, "type_error", column="Year")
    assert int(year["row"]) == 9 + 2 and (year["area_code"], year["period"]) == (rows.loc[9, "Country Code"], "20x9")


def test_the_unbroken_cut_gives_no_reader_finding(tmp_path):
    config, _ = _deployment(tmp_path, [_rows()])
    found = _findings(config)
    assert not found["rule"].isin(["type_error", "missing_required", "unknown_area"]).any()
