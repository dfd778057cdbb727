"""US county unemployment (BLS, 2016) with codes a spreadsheet saved as numbers: ``1001`` for ``01001``.

The real file (tests/data/real/us_counties/SOURCE.md) has no period column, lost the leading zeros of 316 of
its 320 county codes and gives Kusilvak under its 2015 code (02158) where the county list has 02270."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

from etl.sources.area_codes import pad_codes
from tests.conftest import ROOT
from tests.etl.bad_inputs_helpers import messages, read

US = ROOT / "tests" / "data" / "real" / "us_counties"
UNEMP = US / "fips-unemp-16.csv"


def _config(tmp_path: Path, **source):
    from core.config import load_config

    src = {"id": "laus", "format": "csv", "path": str(UNEMP), "columns": {"area_code": "fips", "value": "unemp"},
           "period": "2016", **source}
    if src["path"] is None:  # a SQL source
        del src["path"]
    cfg = {
        "store": str(tmp_path / "store"), "catalogue": f"sqlite:///{tmp_path / 'catalog.db'}",
        "geography": {"levels": ["country", "state", "county"],
                      "areas": {"path": str(US / "areas.csv"), "code": "code", "name": "name", "level": "level",
                                "parent": "parent"}},
        "sources": [src],
        "measures": [{"id": "unemp", "source": "laus", "title": "Unemployment rate", "unit": "%"}],
        "indicators": [{"id": "unemployment_rate", "title": "Unemployment rate", "theme": "growth",
                        "kind": "outcome", "unit": "%", "compute": {"method": "published", "measure": "unemp"}}],
    }
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(cfg, sort_keys=False), encoding="utf-8")
    return load_config(tmp_path / "config.yaml")


def _file() -> pd.DataFrame:
    """The file's values by code as the file writes it (``1001``), read independently of the connectors."""
    df = pd.read_csv(UNEMP, dtype=str)
    return pd.DataFrame({"code": df["fips"], "value": df["unemp"].str.strip().astype(float)})


def test_pad_codes_pads_only_short_all_digit_codes():
    codes = pd.Series(["1001", "01001", "E06000001", "", "12345678", "1 01", "٣"], index=list("abcdefg"))
    assert pad_codes(codes, 5).tolist() == ["01001", "01001", "E06000001", "", "12345678", "1 01", "٣"]
    assert list(pad_codes(codes, 5).index) == list("abcdefg")
    cat = pad_codes(pd.Series(["1001", "01001", "E1"], dtype="category"), 5)
    assert cat.tolist() == ["01001", "01001", "E1"]
    assert pad_codes(pd.Series([1001, 10001]), 5).tolist() == ["01001", "10001"]


def test_without_pad_codes_one_finding_names_the_codes_that_match_after_padding(tmp_path):
    obs, found = read(_config(tmp_path))
    unknown = found[found.rule == "unknown_area"]
    # one for the 315 codes that lost a zero and match a county once padded, one for Kusilvak's 2158 (02158 is
    # not in the county list either)
    padded = unknown[unknown.message.str.contains("pad_codes")].iloc[0]
    assert padded.message.startswith("315 area code(s) are not in the geography but match one after padding with "
                                     "zeros (1001, 1003, 1005,")
    assert "; 315 row(s)): 1001 matches 01001 after padding to 5 digits; add pad_codes: 5 to the source" \
        in padded.message
    assert padded.row == 2 and padded.column == "fips" and padded.severity == "quarantine"
    assert messages(unknown[unknown.area_code == "2158"]) == [
        ("unknown_area", "quarantine", 83, "fips", "area code 2158 is not in the geography")]
    assert len(unknown) == 2
    assert sorted(obs.area_code) == ["10001", "10003", "10005", "11001"]  # the codes that kept five digits


def test_with_pad_codes_every_county_value_is_published_exactly(tmp_path):
    from etl.pipeline import run

    config = _config(tmp_path, pad_codes=5, code_mapping={"path": str(US / "code_mapping.csv")})
    result = run(config)
    values = pd.read_parquet(result.path / "indicator_values.parquet")
    county = values[values.level == "county"].set_index("area_code")
    expected = _file()
    expected["code"] = expected["code"].str.zfill(5).replace({"02158": "02270"})
    assert len(county) == len(expected) == 320
    assert set(county.period) == {"2016"}
    assert county.loc[expected["code"], "value"].tolist() == expected["value"].tolist()
    quality = pd.read_parquet(result.path / "quality.parquet")
    assert not (quality.rule == "unknown_area").any()


def test_the_recoded_county_is_left_out_with_its_padded_code_without_the_mapping(tmp_path):
    obs, found = read(_config(tmp_path, pad_codes=5))
    assert obs.area_code.nunique() == 319 and "02270" not in set(obs.area_code)
    assert messages(found) == [("unknown_area", "quarantine", 83, "fips", "area code 02158 is not in the geography")]


def test_a_fixed_period_and_a_period_column_together_are_an_error(tmp_path):
    from core.errors import SourceError

    f = tmp_path / "with_period.csv"
    f.write_text("fips,period,unemp\n1001,2016,5.3\n", encoding="utf-8")
    with pytest.raises(SourceError) as err:
        read(_config(tmp_path, path=str(f)))
    assert str(err.value) == (
        f"source 'laus': the file has a period column 'period' and the source gives a fixed period: '2016'; give "
        f"one of them (leave out 'period', or rename the column) (file {f}, row 1, column 'period')")
    with pytest.raises(Exception, match="give either 'columns.period'.*or 'period'"):
        _config(tmp_path, columns={"area_code": "fips", "value": "unemp", "period": "year"})


def test_no_period_column_and_no_fixed_period_say_how_to_give_one(tmp_path):
    from core.errors import SourceError

    config = _config(tmp_path)
    config = config.model_copy(update={"sources": [config.sources[0].model_copy(update={"period": None})]})
    with pytest.raises(SourceError, match=r"missing column\(s\) 'period'; the table has 'fips', 'unemp'; a file "
                                          r"without a period column needs a fixed period on the source"):
        read(config)


def _with_integer_codes(tmp_path: Path, fmt: str) -> dict:
    df = _file()
    codes = df["code"].astype("int64")
    if fmt == "parquet":
        path = tmp_path / "unemp.parquet"
        pq.write_table(pa.table({"fips": pa.array(codes, pa.int64()), "unemp": df["value"]}), path)
        assert pq.read_schema(path).field("fips").type == pa.int64()
        return {"format": "parquet", "path": str(path)}
    if fmt == "excel":
        from openpyxl import Workbook

        wb = Workbook()
        ws = wb.active
        ws.title = "LAUS"
        ws.append(["fips", "unemp"])
        for c, v in zip(codes, df["value"], strict=True):
            ws.append([int(c), float(v)])
        path = tmp_path / "unemp.xlsx"
        wb.save(path)
        return {"format": "excel", "path": str(path), "sheet": "LAUS"}
    if fmt == "frictionless":  # an integer field: the connector keeps the file's text, '1001'
        (tmp_path / "unemp.csv").write_text("fips,unemp\n" + "".join(
            f"{c},{v}\n" for c, v in zip(codes, df["value"], strict=True)), encoding="utf-8")
        (tmp_path / "datapackage.json").write_text(json.dumps({"name": "laus", "resources": [{
            "name": "unemp", "path": "unemp.csv", "schema": {"fields": [
                {"name": "fips", "type": "integer"}, {"name": "unemp", "type": "number"}]}}]}), encoding="utf-8")
        return {"format": "frictionless", "path": str(tmp_path / "datapackage.json")}
    path = tmp_path / "unemp.db"
    with sqlite3.connect(path) as con:
        con.execute("CREATE TABLE laus (fips INTEGER, unemp REAL)")
        con.executemany("INSERT INTO laus VALUES (?, ?)", zip(codes.tolist(), df["value"].tolist(), strict=True))
    return {"format": "sql", "path": None, "sql": {"url": f"sqlite:///{path}", "table": "laus"}}


@pytest.mark.parametrize("fmt", ["parquet", "excel", "sql", "frictionless"])
def test_an_integer_typed_code_column_is_padded_too(tmp_path, fmt):
    source = _with_integer_codes(tmp_path, fmt)
    obs, found = read(_config(tmp_path, pad_codes=5, **source))
    assert messages(found)[0][4] == "area code 02158 is not in the geography" and len(found) == 1
    expected = _file()
    expected["code"] = expected["code"].str.zfill(5)
    got = obs.set_index(obs.area_code.astype(str))["value"]
    assert len(got) == 319
    kept = expected[expected.code != "02158"]
    assert got.loc[kept["code"]].tolist() == kept["value"].tolist()


def test_config_check_deep_says_pad_codes_in_one_line(tmp_path):
    from etl.deep_check import deep_check

    lines = [p.line() for p in deep_check(_config(tmp_path))]
    padding = [line for line in lines if "pad_codes" in line]
    assert len(padding) == 1 and "add pad_codes: 5 to the source" in padding[0]
    assert padding[0].startswith("warning: sources[0].columns.area_code: unknown_area: 315 area code(s)")
    assert not any("pad_codes" in p.line() for p in deep_check(_config(tmp_path, pad_codes=5)))


def test_a_code_mapping_table_saved_without_zeros_is_padded_as_the_source(tmp_path):
    mapping = tmp_path / "mapping.csv"
    mapping.write_text("old_code,new_code\n2158,2270\n", encoding="utf-8")  # as a spreadsheet saves it
    obs, found = read(_config(tmp_path, pad_codes=5, code_mapping={"path": str(mapping)}))
    assert found.empty and obs.area_code.nunique() == 320
    assert obs.loc[obs.area_code == "02270", "value"].tolist() == [21.3]
