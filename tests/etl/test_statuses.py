"""Observation statuses come from explicit maps, never letter by letter: a free-text status such as
'Normal value' or 'Value for Bucks County applied to districts' is not read as the flags e, c, u, d ...;
an unknown status is a finding with row and text, and only an explicit code withholds a cell."""

from __future__ import annotations

import pandas as pd
import pytest

from core.config_models import Config, MeasureConfig, SourceConfig
from etl.observations import extract_measures
from etl.sources import read_source
from etl.sources.statuses import flag_letters
from tests.conftest import ROOT

DATA = ROOT / "tests" / "data" / "real" / "ons_sdg"
BUCKS = "Value for Bucks County applied to districts"


@pytest.mark.parametrize(("text", "flags"), [
    ("Normal value", ""), ("normal value", ""), ("Undefined", ""), ("", ""), ("Estimated value", "e"),
    ("Provisional value", "p"), ("Break in series", "b"), ("Missing value", ":"), ("Confidential", "c"),
    ("p", "p"), ("e", "e"), ("bep", "bep"), (":", ":"), ("c", "c"), ("A", ""), ("E", "e"), ("P", "p"),
    ("Value for Bucks County applied to districts", None), ("Estimate", None), ("Unknown", None),
])
def test_each_text_is_looked_up_whole(text, flags):
    assert flag_letters(text) == flags


def test_a_status_map_comes_first():
    assert flag_letters("Value for Bucks County applied to districts", {
        "Value for Bucks County applied to districts": "e"}) == "e"
    assert flag_letters("c", {"c": ""}) == ""  # a source whose 'c' means something else


def test_status_map_values_are_flag_letters():
    with pytest.raises(ValueError, match="status_map\\['Normal value'\\]: 'normal' is not a string of flag"):
        SourceConfig(id="s", format="csv", path="x.csv", status_map={"Normal value": "normal"})


def _statuses_csv(tmp_path):
    """The real 11-6-2 rows of Aberdeen City, with the free-text statuses of issue 16 in place of 'Undefined'."""
    lines = (DATA / "indicator_11-6-2.csv").read_text(encoding="utf-8").splitlines()[:7]
    texts = ["Normal value", "Value for Bucks County applied to districts", "Estimated value", "Undefined",
             "Confidential", "Provisional value"]
    rows = [lines[0]] + [line.replace("Undefined", t if "," not in t else f'"{t}"') for line, t in
                         zip(lines[1:], texts, strict=True)]
    path = tmp_path / "indicator_11-6-2.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("fmt", ["csv", "open_sdg"])
def test_free_text_statuses_give_no_letters_and_unknown_ones_are_findings(tmp_path, fmt):
    path = _statuses_csv(tmp_path)
    cols = {"area_code": "GeoCode", "period": "Year", "value": "Value", "flag": "Observation status"}
    source = SourceConfig(id="s", format=fmt, path=str(path), national_area="K02000001",
                          **({"columns": cols} if fmt == "csv" else {}))
    raw = read_source(source)
    assert raw["flags"].astype(object).tolist() == ["", "", "e", "", "c", "p"]
    found = raw.attrs["findings"]
    assert [(f["rule"], f["row"], f["column"], f["severity"]) for f in found] == [
        ("unknown_status", 3, "Observation status", "warn")]
    assert "'Value for Bucks County applied to districts'" in found[0]["message"]
    cfg = Config.model_construct(measures=[MeasureConfig(id="pm", source="s",
                                                         select={"Size of particulate matter": "PM 10"})])
    obs = extract_measures(raw, source, cfg.measures, cfg)
    # the PM 10 rows (2, 3, 4, 6). Before: 'Normal value' was estimated (its e), 'Value for Bucks ...'
    # confidential (its c), so withheld
    assert obs.sort_values("row")["status"].astype(object).tolist() == ["ok", "ok", "estimated", "confidential"]


def test_a_status_map_reads_the_publishers_own_text(tmp_path):
    path = _statuses_csv(tmp_path)
    source = SourceConfig(id="s", format="open_sdg", path=str(path), national_area="K02000001",
                          status_map={"Value for Bucks County applied to districts": "e"})
    raw = read_source(source)
    assert raw["flags"].astype(object).tolist() == ["", "e", "e", "", "c", "p"]
    assert raw.attrs["findings"] == []


def test_real_file_undefined_is_no_flag():
    raw = read_source(SourceConfig(id="s", format="open_sdg", path=str(DATA / "indicator_11-6-2.csv"),
                                   national_area="K02000001"))
    assert set(raw["flags"].astype(object)) == {""}  # 284 'Undefined': once read as u, d, e (estimated)
    assert raw.attrs["findings"] == []


def test_sdmx_obs_status_unknown_code_is_a_finding_not_a_letter(tmp_path):
    f = tmp_path / "s.csv"
    f.write_text("STRUCTURE,STRUCTURE_ID,ACTION,REF_AREA,TIME_PERIOD,OBS_VALUE,OBS_STATUS\n"
                 "dataflow,X,I,AT,2020,1,A\ndataflow,X,I,AT,2021,2,Z\ndataflow,X,I,AT,2022,3,E\n", encoding="utf-8")
    raw = read_source(SourceConfig(id="s", format="sdmx_csv", path=str(f)))
    assert raw["flags"].astype(object).tolist() == ["", "", "e"]
    assert [(x["rule"], x["row"], x["column"]) for x in raw.attrs["findings"]] == [
        ("unknown_status", 3, "OBS_STATUS")]


def test_eurostat_tsv_letters_still_flags(tmp_path):
    f = tmp_path / "t.tsv"
    f.write_text("unit,geo\\time\t2021 \t2020 \nNR,AT\t123 p\t: c\nNR,BE\t12 e\t5 \n", encoding="utf-8")
    raw = read_source(SourceConfig(id="t", format="eurostat_tsv", path=str(f)))
    got = {(r.area_code, r.period): r.flags for r in raw.itertuples()}
    assert got == {("AT", "2021"): "p", ("AT", "2020"): ":c", ("BE", "2021"): "e", ("BE", "2020"): ""}
    assert pd.isna(raw.set_index(["area_code", "period"]).loc[("AT", "2020"), "value"])


def test_deep_check_warns_of_an_unknown_status_before_a_run(tmp_path):
    from etl.deep_check import deep_check
    from tests.etl.test_open_sdg_geography import _england

    path = _statuses_csv(tmp_path)
    config = _england(tmp_path, str(path), {"Size of particulate matter": "PM 10"})
    lines = [p.line() for p in deep_check(config)]
    status = [line for line in lines if "unknown_status" in line]
    assert status == [f"warning: sources[0].columns.flag: unknown_status: status {BUCKS!r} is not a known status "
                      "code; the value is read without a flag (map the text to our flag letters in the source's "
                      f"status_map) (file {path}, row 3, column 'Observation status')"]
