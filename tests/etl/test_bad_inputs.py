"""tests/data/bad: one deliberately broken file per problem, each with the exact finding or error it gives."""

from __future__ import annotations

import pytest

from core.errors import SourceError
from tests.etl.bad_inputs_helpers import BAD, CSV_COLUMNS, POPULATION, deployment, extract, messages, read

pytestmark = pytest.mark.slow  # more than a few seconds: left out of the fast lane (README)


def findings_of(tmp_path, shared_data, **source):
    obs, found = read(deployment(tmp_path, shared_data, source))
    return obs, messages(found)


def error_of(tmp_path, shared_data, **source) -> str:
    with pytest.raises(SourceError) as err:
        read(deployment(tmp_path, shared_data, source))
    return str(err.value)


# --- structural problems stop the source with a clear message -----------------------------------------------

def test_undecodable_bytes(tmp_path, shared_data):
    assert error_of(tmp_path, shared_data, path=str(BAD / "latin1.csv")) == (
        "source 's': byte 0xe9 at offset 87 is not valid utf-8; set 'encoding' to the file's encoding "
        f"(e.g. cp1252) (file {BAD / 'latin1.csv'}, row 3)")


def test_wrong_columns(tmp_path, shared_data):
    assert error_of(tmp_path, shared_data, path=str(BAD / "wrong_columns.csv")) == (
        "source 's': missing column(s) 'area_code'; the table has 'geo', 'year', 'measure', 'value' "
        f"(file {BAD / 'wrong_columns.csv'}, row 1)")


def test_tsv_with_the_wrong_number_of_codes(tmp_path, shared_data):
    assert error_of(tmp_path, shared_data, path=str(BAD / "tsv_wrong_key.tsv"), format="eurostat_tsv") == (
        "source 's': expected 3 comma-separated codes, got 'NR,DE111' "
        f"(file {BAD / 'tsv_wrong_key.tsv'}, row 2, column 'unit,sex,geo\\\\time')")


def test_open_sdg_national_rows_without_national_area(tmp_path, shared_data):
    assert error_of(tmp_path, shared_data, path=str(BAD / "open_sdg_no_geocode.csv"), format="open_sdg") == (
        "source 's': rows without a GeoCode or an area name are the national figures: set 'national_area' to "
        f"the country's area code (file {BAD / 'open_sdg_no_geocode.csv'}, row 2, column 'GeoCode')")


def test_excel_merged_header(tmp_path, shared_data):
    f = BAD / "excel_merged_header.xlsx"
    assert error_of(tmp_path, shared_data, path=str(f), format="excel", sheet="Data") == (
        f"source 's': merged header cells B1:C1: give each column its own header cell (file {f}, sheet 'Data', "
        "row 1)")


def test_code_mapping_with_a_bad_weight(tmp_path, shared_data):
    f = BAD / "mapping_bad_weight.csv"
    assert error_of(tmp_path, shared_data, path=str(BAD / "duplicate_key.csv"),
                    code_mapping={"path": str(f), "weight": "weight"}) == (
        f"source 's': code_mapping: weight 'about a tenth' is not a number >= 0 (file {f}, row 3, column 'weight')")


# --- row problems are quarantined (or warned about) with rule, row and column -------------------------------

@pytest.mark.parametrize(("name", "source", "expected"), [
    ("bom.csv", {}, [("bom", "warn", 1, "", "the file starts with a UTF-8 byte-order mark; it was removed")]),
    ("not_a_number.csv", {}, [("not_a_number", "quarantine", 3, "value", "value is not a number: '39x807'")]),
    ("duplicate_key.csv", {}, [
        ("duplicate_key", "quarantine", 2, "area_code",
         "duplicate observation for population DE111 2019 total; all copies quarantined"),
        ("duplicate_key", "quarantine", 3, "area_code",
         "duplicate observation for population DE111 2019 total; all copies quarantined")]),
    ("negative_count.csv", {}, [("negative_count", "quarantine", 3, "value", "negative count -392807 for population")]),
    ("wrong_frequency.csv", {}, [("wrong_frequency", "quarantine", 3, "year",
                                  "period 2019-Q3 is not annual (the measure's declared frequency)")]),
    ("bad_period.csv", {}, [("bad_period", "quarantine", 3, "year",
                             "period '2019-13' is not a year, quarter or month")]),
    ("blank_area.csv", {}, [("missing_required", "quarantine", 3, "area_code", "the area code is blank")]),
    ("unknown_area.csv", {}, [("unknown_area", "quarantine", 3, "area_code",
                               "area code DE11X is not in the geography")]),
    ("pseudo_area.csv", {}, [
        ("pseudo_area", "quarantine", row, "area_code",
         f"aggregate or pseudo-region {code} is not an area of the geography; kept out of the roll-up")
        for row, code in ((3, "EU27_2020"), (4, "DE_TOT"), (5, "ATZZZ"), (6, "FRXXX"))]),
    ("ambiguous_name.csv", {"columns": {"area_code": "code", "area_name": "name", "period": "year",
                                        "value": "value"}}, [
        ("ambiguous_area", "quarantine", 3, "name",
         "area name 'Luxembourg' matches several areas (LU, LU0, LU00, LU000); give the code"),
        ("unknown_area", "quarantine", 4, "name", "area name 'Atlantis' matches no area of the geography")]),
    ("sdmx_not_a_number.csv", {"format": "sdmx_csv"},
     [("not_a_number", "quarantine", 3, "OBS_VALUE", "value is not a number: 'n/a'")]),
    ("excel_ref_error.xlsx", {"format": "excel", "sheet": "Data"},
     [("cell_error", "quarantine", 3, "value", "value holds the spreadsheet error '#REF!'")]),
    ("excel_blank_row.xlsx", {"format": "excel", "sheet": "Data"},
     [("blank_row", "warn", 3, "", "blank row inside the table; rows after it were read as part of the same table")]),
    ("excel_merged_cells.xlsx", {"format": "excel", "sheet": "Data"}, [
        ("merged_cells", "quarantine", 2, "year", "merged cells B2:B3: the value is in the first cell only"),
        ("merged_cells", "quarantine", 3, "year", "merged cells B2:B3: the value is in the first cell only")]),
    ("frictionless_type_error", {"format": "frictionless",
                                 "columns": {"area_code": "Country Code", "period": "Year", "value": "Value"}}, [
        ("type_error", "quarantine", 4, "Year", "'20x9' is not a valid year"),
        # Namibia's 'NA' is read as a code (and is not a NUTS area), '-' is a declared missing value
        ("unknown_area", "quarantine", 3, "Country Code", "area code NA is not in the geography")]),
])
def test_bad_rows_give_exact_findings(tmp_path, shared_data, name, source, expected):
    obs, found = findings_of(tmp_path, shared_data, path=str(BAD / name), **source)
    assert found == expected
    assert not obs["area_code"].isin([f[4].split()[2] for f in expected if f[0] == "unknown_area"]).any()


def test_blank_row_keeps_both_rows(tmp_path, shared_data):
    obs, _ = findings_of(tmp_path, shared_data, path=str(BAD / "excel_blank_row.xlsx"), format="excel",
                         sheet="Data")
    assert sorted(obs["area_code"]) == ["DE111", "DE112"]


def test_numerator_above_denominator(tmp_path, shared_data):
    measures = [{"id": "population", "source": "s"}, {"id": "aged_65", "source": "s"}]
    share = {"id": "share_65", "title": "Aged 65+", "theme": "inclusion", "kind": "outcome", "unit": "%",
             "compute": {"method": "ratio", "numerator": "aged_65", "denominator": "population", "multiplier": 100}}
    config = deployment(tmp_path, shared_data, {"path": str(BAD / "numerator_above_denominator.csv"),
                                                "columns": CSV_COLUMNS}, measures=measures, indicators=[share])
    obs, found = read(config)
    assert messages(found) == [("numerator_above_denominator", "quarantine", 3, "value",
                                "aged_65 950000 is above population 635911")]
    assert len(obs) == 3 and not ((obs.measure == "aged_65") & (obs.area_code == "DE111")).any()


def test_open_sdg_metadata_for_another_indicator(tmp_path, shared_data):
    (tmp_path / "indicator_1-1-1.csv").write_text("Year,Sex,GeoCode,Value\n2019,,DE111,635911\n2019,F,DE111,321000\n")
    (tmp_path / "8-5-2.md").write_text("---\nindicator_number: 8.5.2\n---\n")
    obs, found = findings_of(tmp_path, shared_data, format="open_sdg", path=str(tmp_path / "indicator_1-1-1.csv"),
                             metadata=str(tmp_path / "8-5-2.md"))
    assert found == [("metadata_mismatch", "warn", None, "indicator_number",
                      "metadata 8-5-2.md is for indicator 8.5.2, the data file is indicator_1-1-1.csv")]
    assert obs[["area_code", "breakdown", "value"]].values.tolist() == [["DE111", "total", 635911.0]]


def test_structural_failure_fails_the_run_with_a_clear_message(tmp_path, shared_data):
    from tests.etl.test_cli import cli

    deployment(tmp_path, shared_data, {"path": str(BAD / "wrong_columns.csv")})
    done = cli("etl", "run", "--config", str(tmp_path / "config.yaml"))
    assert done.returncode == 2
    assert "missing column(s) 'area_code'; the table has 'geo', 'year', 'measure', 'value'" in \
        " ".join(done.stderr.split())
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "store" / "CURRENT").exists()


# --- messages name the file's own headers and say what to fix -----------------------------------------------

OWN_HEADERS = {"area_code": "district", "period": "yr", "value": "value"}


def test_findings_name_the_files_own_headers(tmp_path, shared_data):
    _, found = findings_of(tmp_path, shared_data, path=str(BAD / "own_headers.csv"), columns=OWN_HEADERS)
    assert found == [
        ("bad_period", "quarantine", 4, "yr", "period '2019/20' is not a year, quarter or month"),
        ("unknown_area", "quarantine", 3, "district", "area code DE11X is not in the geography")]


def test_a_column_of_no_period_names_the_files_header(tmp_path, shared_data):
    f = BAD / "all_bad_periods.csv"
    assert error_of(tmp_path, shared_data, path=str(f), columns=OWN_HEADERS) == (
        f"source 's': period 'FY2019' is not a year, quarter or month (file {f}, row 2, column 'yr')")


def _workbook(path, rows: list[list]) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Cases"
    ws.append(["Population by district"])
    ws.append([])
    for r in rows:
        ws.append(r)
    wb.save(path)


EXCEL_COLUMNS = {"area_code": "District code", "period": "Year", "value": "Residents"}


def test_excel_findings_name_the_sheets_headers(tmp_path, shared_data):
    _workbook(tmp_path / "w.xlsx", [["District code", "Year", "measure", "Residents"],
                                    ["DE111", 2019, "population", 635911], ["DE11X", 2019, "population", 1],
                                    ["DE112", "2019/20", "population", 392807], ["DE113", 2019, "population", "n/a"]])
    _, found = findings_of(tmp_path, shared_data, path=str(tmp_path / "w.xlsx"), format="excel", sheet="Cases",
                           header_row=3, columns=EXCEL_COLUMNS)
    assert found == [
        ("not_a_number", "quarantine", 7, "Residents", "value is not a number: 'n/a'"),
        ("bad_period", "quarantine", 6, "Year", "period '2019/20' is not a year, quarter or month"),
        ("unknown_area", "quarantine", 5, "District code", "area code DE11X is not in the geography")]


def test_excel_missing_column_names_the_header_row(tmp_path, shared_data):
    f = tmp_path / "w.xlsx"
    _workbook(f, [["District code", "Year", "measure", "Residents"], ["DE111", 2019, "population", 635911]])
    assert error_of(tmp_path, shared_data, path=str(f), format="excel", sheet="Cases", header_row=3,
                    columns={**EXCEL_COLUMNS, "value": "Resident"}) == (
        "source 's': missing column(s) 'Resident'; the table has 'District code', 'Year', 'measure', 'Residents' "
        f"(file {f}, sheet 'Cases', row 3)")


def test_a_semicolon_separated_file_read_with_commas_suggests_the_delimiter(tmp_path, shared_data):
    f = BAD / "semicolon.csv"
    assert error_of(tmp_path, shared_data, path=str(f)) == (
        "source 's': missing column(s) 'year', 'value', 'area_code'; the table has "
        "'area_code;year;measure;value'; the file looks ';'-separated: set the source's delimiter: \";\" "
        f"(file {f}, row 1)")
    obs, found = findings_of(tmp_path, shared_data, path=str(f), delimiter=";")
    assert found == [] and len(obs) == 2


def test_an_area_code_in_the_wrong_case_suggests_the_geographys_code(tmp_path, shared_data):
    _, found = findings_of(tmp_path, shared_data, path=str(BAD / "lowercase_area.csv"))
    assert found == [("unknown_area", "quarantine", 3, "area_code",
                      "area code de112 is not in the geography; did you mean DE112?")]


def test_an_area_code_one_character_off_one_code_suggests_it():
    import pandas as pd

    from etl.validate import validate_observations

    obs = pd.DataFrame({"measure": "m", "area_code": ["NR1O1", "nr102", "NR10X", "QQQQQ"], "period": "2019",
                        "breakdown": "total", "value": 1.0, "flags": "", "status": "ok", "source": "s",
                        "row": [2, 3, 4, 5]})
    _, found = validate_observations(obs, {"NR1", "NR101", "NR102", "NR103"}, "f.csv", set(),
                                     headers={"area_code": "district"})
    assert found[["row", "column", "message"]].values.tolist() == [
        [2, "district", "area code NR1O1 is not in the geography; did you mean NR101?"],
        [3, "district", "area code nr102 is not in the geography; did you mean NR102?"],
        [4, "district", "area code NR10X is not in the geography"],  # as close to NR101, NR102 and NR103
        [5, "district", "area code QQQQQ is not in the geography"]]


# --- a measure that matches no row says what the file holds ------------------------------------------------

def _no_observations(config):
    from etl.coverage import empty_measures

    got = extract(config)
    found = empty_measures(sorted(got.unmatched), "s", config.sources[0].where, None, unmatched=got.unmatched)
    return [(r.column, r.message) for r in found.itertuples()]


def _sum_of(measure: str) -> dict:
    return {**POPULATION, "id": f"sum_{measure}", "compute": {"method": "sum", "measure": measure}}


def test_a_select_value_in_the_wrong_case_is_suggested(tmp_path, shared_data):
    measures = [{"id": "population", "source": "s", "select": {"Measure": "Population Total"}},
                {"id": "aged_65", "source": "s", "select": {"Measure": "Population aged 65+"}}]
    config = deployment(tmp_path, shared_data, {"path": str(BAD / "select_case.csv")}, measures=measures,
                        indicators=[_sum_of("population"), _sum_of("aged_65")])
    assert _no_observations(config) == [("Measure", (
        "no observation of measure 'population' in source 's': no row has Measure 'Population Total' (the column "
        "'Measure' holds 'Population aged 65+', 'Population total'; did you mean 'Population total'?); the "
        "indicators computed from it have no value this run"))]


def test_a_measure_id_not_in_the_measure_column_is_suggested_among_the_unused_values(tmp_path, shared_data):
    (tmp_path / "two.csv").write_text("area_code,year,measure,value\nDE111,2019,population,635911\n"
                                      "DE111,2019,population_65,130000\n")
    measures = [{"id": "population", "source": "s"}, {"id": "population_aged_65", "source": "s"}]
    config = deployment(tmp_path, shared_data, {"path": str(tmp_path / "two.csv")}, measures=measures,
                        indicators=[_sum_of("population"), _sum_of("population_aged_65")])
    # 'population' is closer in spelling, but it is another measure's: not suggested
    assert _no_observations(config) == [("measure", (
        "no observation of measure 'population_aged_65' in source 's': no row has measure 'population_aged_65' "
        "(the column 'measure' holds 'population', 'population_65'; did you mean 'population_65'?); the "
        "indicators computed from it have no value this run"))]


def test_a_measure_without_a_selection_problem_keeps_the_plain_message():
    from etl.coverage import empty_measures

    found = empty_measures(["x"], "s", "f.csv", None)
    assert found[["column", "message"]].values.tolist() == [
        ["measure", "no observation of measure 'x' in source 's': the indicators computed from it have no value "
                    "this run"]]


# --- the geography's areas table ----------------------------------------------------------------------------

AREAS = "code,name,lvl,parent\nNR,Nordland,0,\nNR1,North,1,NR\nNR101,District 1,2,NR1\n"


def _areas_error(tmp_path, text: str | None, **spec) -> str:
    from core.config_models import GeographyConfig
    from core.errors import GeographyError
    from core.geography import load_areas

    path = tmp_path / "areas.csv"
    if text is not None:
        path.write_text(text)
    geo = GeographyConfig(levels=["country", "region", "district"], areas={
        "path": str(path), "code": "code", "name": "name", "level": "lvl", "parent": "parent",
        "level_values": {"0": "country", "1": "region", "2": "district"}, **spec})
    with pytest.raises(GeographyError) as err:
        load_areas(geo)
    return str(err.value)


@pytest.mark.parametrize(("extra", "spec", "expected"), [
    ("NR102,District 2,2,NR4\n", {}, "parent 'NR4' of NR102 is not in the table (file {f}, row 5, column 'parent')"),
    ("NR102,District 2,2,\n", {}, "the parent of NR102 is blank; an area at level 'district' needs a parent at "
                                  "a higher level ('country', 'region') (file {f}, row 5, column 'parent')"),
    ("NR102,District 2,2,NR101\n", {}, "parent 'NR101' of NR102 is at level 'district', not above 'district': a "
                                       "parent must be at a higher level ('country', 'region') (file {f}, row 5, "
                                       "column 'parent')"),
    ("NR102,District 2,3,NR1\n", {}, "level '3' is not one of the configured levels ['country', 'region', "
                                     "'district']; geography.areas.level_values maps only '0', '1', '2' (file {f}, "
                                     "row 5, column 'lvl')"),
    ("", {"level_values": {}}, "level '0' is not one of the configured levels ['country', 'region', 'district']; to "
                               "use the table's level numbers, map them with geography.areas.level_values, e.g. "
                               "{{\"0\": country, \"1\": region, \"2\": district}} (file {f}, row 2, column 'lvl')"),
    ("NR101,Again,2,NR1\n", {}, "duplicate area code 'NR101' (file {f}, row 5, column 'code')"),
])
def test_areas_table_errors_name_its_own_headers(tmp_path, extra, spec, expected):
    assert _areas_error(tmp_path, AREAS + extra, **spec) == \
        "the geography's areas table: " + expected.format(f=tmp_path / "areas.csv")


def test_a_missing_areas_table_names_its_config_key(tmp_path):
    assert _areas_error(tmp_path, None) == (
        f"the geography's areas table: file {tmp_path / 'areas.csv'} not found; check geography.areas.path")


def _obs(rows: list[tuple[str, str, float]]):
    import pandas as pd

    return pd.DataFrame({"measure": [r[0] for r in rows], "area_code": [r[1] for r in rows], "period": "2019",
                         "breakdown": "total", "value": [r[2] for r in rows], "flags": "", "status": "ok",
                         "source": "s", "row": range(2, len(rows) + 2)})


def test_comparisons_name_the_files_value_and_area_headers(tmp_path):
    from core.config_models import ValidationConfig
    from etl.history_checks import compare_with_previous
    from etl.proportion_checks import check_proportions

    headers = {"area_code": "District code", "period": "Year", "value": "Residents"}
    _obs([("population", "DE111", 635911.0), ("population", "DE112", 392807.0),
          ("population", "DE113", 533859.0)]).to_parquet(tmp_path / "before.parquet")
    _, found, _ = compare_with_previous(_obs([("population", "DE111", 635.911), ("population", "DE112", 392807.0)]),
                                        tmp_path / "before.parquet", "f.xlsx", ValidationConfig(), headers=headers)
    assert found[["rule", "column"]].values.tolist() == [["coverage_shrank", "District code"],
                                                         ["value_jump", "Residents"]]
    _, over = check_proportions(_obs([("aged_65", "DE111", 950000.0), ("population", "DE111", 635911.0)]),
                                [("aged_65", "population")], {"s": "f.xlsx"}, {}, headers={"s": headers})
    assert over[["rule", "column"]].values.tolist() == [["numerator_above_denominator", "Residents"]]
