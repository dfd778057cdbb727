"""SDMX-CSV against the real Eurostat files, and against the same dataset's TSV."""

from __future__ import annotations

import gzip

import pandas as pd
import pytest

from core.config_models import SourceConfig
from core.errors import SourceError
from etl.sources import read_source

pytestmark = pytest.mark.slow  # more than a few seconds: left out of the fast lane (README)

EUROSTAT = "eurostat-regional-population-gdp"


def _src(path, **kw) -> SourceConfig:
    return SourceConfig(id="s", format=kw.pop("format", "sdmx_csv"), path=str(path), **kw)


def test_tsv_and_sdmx_csv_of_the_same_dataset_give_identical_observations(shared_data):
    tsv = read_source(_src(shared_data / EUROSTAT / "tsv/nama_10r_3gdp.tsv.gz", format="eurostat_tsv"))
    sdmx = read_source(_src(shared_data / EUROSTAT / "sdmx-csv/nama_10r_3gdp_linear.csv.gz"))
    # SDMX-CSV leaves out an observation that is simply missing (':' in the TSV); everything else matches.
    tsv = tsv[tsv["flags"] != ":"]
    cols = ["unit", "area_code", "period", "value", "flags"]

    def norm(df: pd.DataFrame) -> pd.DataFrame:
        return (df[cols].astype({c: object for c in cols if c != "value"})
                .sort_values(cols[:3]).reset_index(drop=True))

    assert len(sdmx) == 253_544
    pd.testing.assert_frame_equal(norm(tsv), norm(sdmx))


def test_sdmx_csv_values_flags_and_rows_match_the_file(shared_data):
    path = shared_data / EUROSTAT / "sdmx-csv/demo_r_pjanaggr3_page_linear.csv.gz"
    df = read_source(_src(path))
    assert list(df.columns) == ["freq", "unit", "sex", "age", "area_code", "period", "value", "flags", "row"]
    assert len(df) == 9_403
    first = df.iloc[0]
    assert (first["area_code"], first["period"], first["value"], first["row"]) == ("DE111", "2000", 582443.0, 2)
    lines = gzip.open(path, "rt", newline="").read().split("\r\n")  # CRLF, as published
    for _, r in df.sample(25, random_state=1).iterrows():
        cells = lines[r["row"] - 1].split(",")
        assert cells[6] == r["area_code"] and cells[7] == r["period"]
        assert float(cells[8]) == r["value"] and cells[9] == r["flags"]


def test_sdmx_csv_2_0_layout_with_obs_status(tmp_path):
    f = tmp_path / "data.csv"
    f.write_bytes(b"STRUCTURE,STRUCTURE_ID,ACTION,FREQ,REF_AREA,TIME_PERIOD,OBS_VALUE,OBS_STATUS,UNIT_MULT\r\n"
                  b"dataflow,ESTAT:NAMA_10R_3GDP(1.0),I,A,DE111,2019,57510.22,E,0\r\n"
                  b"dataflow,ESTAT:NAMA_10R_3GDP(1.0),I,A,DE112,2019,,P,0\r\n")
    df = read_source(_src(f))
    assert df[["FREQ", "area_code", "period", "flags", "row"]].values.tolist() == [
        ["A", "DE111", "2019", "e", 2], ["A", "DE112", "2019", ":p", 3]]
    assert df["value"].iloc[0] == 57510.22 and pd.isna(df["value"].iloc[1])


def test_sdmx_status_codes_become_statuses(tmp_path):
    from etl.observations import status_from_flags

    f = tmp_path / "data.csv"
    f.write_text("STRUCTURE,STRUCTURE_ID,ACTION,REF_AREA,TIME_PERIOD,OBS_VALUE,OBS_STATUS,CONF_STATUS\n"
                 + "".join(f"dataflow,X:Y(1.0),I,DE{i},2020,{v},{s},{c}\n" for i, (v, s, c) in enumerate(
                     [("1", "A", "F"), ("2", "E", "F"), ("3", "P", ""), ("", "M", ""), ("5", "A", "C"),
                      ("6", "B", "F")])))
    df = read_source(_src(f))
    # recoded to the letters the indicator engine reads (Eurostat's)
    assert df["flags"].astype(object).tolist() == ["", "e", "p", ":", "c", "b"]
    assert status_from_flags(df["flags"]).tolist() == ["ok", "estimated", "provisional", "missing", "confidential",
                                                       "break"]


def test_not_sdmx_csv_is_a_clear_error(tmp_path):
    f = tmp_path / "x.csv"
    f.write_text("geo,TIME_PERIOD,OBS_VALUE\nDE1,2020,1\n")
    with pytest.raises(SourceError) as err:
        read_source(_src(f))
    assert str(err.value) == (f"source 's': not SDMX-CSV: the first column is 'geo', expected 'DATAFLOW' "
                              f"(SDMX-CSV 1.0) or 'STRUCTURE' (2.0) (file {f}, row 1)")


def test_gzip_is_detected_by_content(tmp_path, shared_data):
    """An API download (``...?compressed=true``) has no '.gz' name."""
    packed = shared_data / EUROSTAT / "tsv/nama_10r_3gdp.tsv.gz"
    plain = tmp_path / "nama_10r_3gdp.tsv"
    plain.write_bytes(gzip.decompress(packed.read_bytes()))
    (tmp_path / "nama_10r_3gdp").write_bytes(packed.read_bytes())
    a = read_source(_src(plain, format="eurostat_tsv"))
    b = read_source(_src(tmp_path / "nama_10r_3gdp", format="eurostat_tsv"))
    pd.testing.assert_frame_equal(a, b)
    (tmp_path / "page").write_bytes((shared_data / EUROSTAT / "sdmx-csv/nama_10r_3gdp_page_linear.csv.gz").read_bytes())
    assert len(read_source(_src(tmp_path / "page"))) == 9_744
