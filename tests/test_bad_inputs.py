"""tests/data/bad: one deliberately broken file per problem, each with the exact finding or error it gives."""

from __future__ import annotations

import pytest

from etl.exceptions import SourceError
from tests.bad_inputs_helpers import BAD, CSV_COLUMNS, deployment, messages, read


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
        "source 's': rows without a GeoCode are the national figures: set 'national_area' to the country's "
        f"area code (file {BAD / 'open_sdg_no_geocode.csv'}, row 2, column 'GeoCode')")


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
    ("wrong_frequency.csv", {}, [("wrong_frequency", "quarantine", 3, "period",
                                  "period 2019-Q3 is not annual (the measure's declared frequency)")]),
    ("bad_period.csv", {}, [("bad_period", "quarantine", 3, "period",
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
        ("ambiguous_area", "quarantine", 3, "area_name",
         "area name 'Luxembourg' matches several areas (LU, LU0, LU00, LU000); give the code"),
        ("unknown_area", "quarantine", 4, "area_name", "area name 'Atlantis' matches no area of the geography")]),
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
        ("unknown_area", "quarantine", 3, "area_code", "area code NA is not in the geography")]),
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
    from tests.test_cli import cli

    deployment(tmp_path, shared_data, {"path": str(BAD / "wrong_columns.csv")})
    done = cli("etl", "run", "--config", str(tmp_path / "config.yaml"))
    assert done.returncode == 2
    assert "missing column(s) 'area_code'; the table has 'geo', 'year', 'measure', 'value'" in \
        " ".join(done.stderr.split())
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "store" / "CURRENT").exists()
