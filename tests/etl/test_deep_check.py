"""`openmeasure config check --deep`: every source the config names is opened as a run reads it, and each
problem is one line naming the key to fix, the file and the row / column; nothing is written."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from core.config import load_config
from etl import deep_check as deep
from tests.conftest import ROOT

pytestmark = pytest.mark.slow  # more than a few seconds: left out of the fast lane (README)

STARTER = ROOT / "examples" / "starter"
COLUMNS = {"area_code": "district", "period": "year", "value": "value"}


def _returns() -> pd.DataFrame:
    return pd.read_csv(STARTER / "returns.csv", dtype=str, keep_default_na=False)


def _deployment(tmp_path: Path, sources: list[dict], measures: list[dict], indicators: list[dict] | None = None,
                areas: dict | None = None) -> Path:
    shutil.copyfile(STARTER / "areas.csv", tmp_path / "areas.csv")
    cfg = {
        "store": str(tmp_path / "store"),
        "catalogue": f"sqlite:///{tmp_path / 'catalog.db'}",
        "geography": {"levels": ["country", "region", "district"],
                      "areas": areas or {"path": "areas.csv", "code": "code", "name": "name", "level": "level",
                                         "parent": "parent"}},
        "sources": sources,
        "measures": measures,
        "indicators": indicators or [{"id": "total", "title": "Total", "theme": "service use", "kind": "output",
                                      "unit": "cases", "compute": {"method": "sum", "measure": measures[0]["id"]}}],
    }
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(cfg, sort_keys=False), encoding="utf-8")
    return path


def _csv(tmp_path: Path, frame: pd.DataFrame | None = None, name: str = "returns.csv", **source) -> dict:
    (frame if frame is not None else _returns()).to_csv(tmp_path / name, index=False)
    return {"id": "returns", "format": "csv", "path": name, "columns": COLUMNS, **source}


def _lines(path: Path) -> list[str]:
    return [p.line() for p in deep.deep_check(load_config(path))]


APPLICATIONS = [{"id": "applications", "source": "returns"}]


def _cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if k != "COLUMNS"} | (env or {})
    return subprocess.run([sys.executable, "-m", "etl.cli", *args], capture_output=True, text=True, cwd=ROOT,
                          env=environ, timeout=300)


def test_the_starter_deployment_is_clean_and_nothing_is_written(tmp_path):
    env = {"OPENMEASURE_STORE": str(tmp_path / "store"), "OPENMEASURE_CATALOGUE": f"sqlite:///{tmp_path / 'c.db'}"}
    config = str(STARTER / "config.yaml")
    plain = _cli("config", "check", config, env=env)
    done = _cli("config", "check", config, "--deep", env=env)
    assert plain.returncode == 0 and done.returncode == 0, plain.stderr + done.stderr
    assert plain.stdout == f"{config}: valid (1 sources, 4 measures, 4 indicators, levels country > region > " \
                           "district)\n"  # without --deep: as before
    assert done.stdout == plain.stdout + f"{config}: deep check of 1 source: 0 errors, 0 warnings (nothing was " \
                                         "written)\n"
    assert list(tmp_path.iterdir()) == []  # no store, no catalogue


def test_a_broken_deployment_exits_2_with_one_line_per_problem_and_no_traceback(tmp_path):
    frame = _returns()
    frame.loc[frame["measure"] == "applications", "district"] = "XD09"
    path = _deployment(tmp_path, [_csv(tmp_path, frame, columns={**COLUMNS, "period": "Year"})],
                       [{"id": "applications", "source": "returns", "select": {"measure": "aplications"}}])
    done = _cli("config", "check", str(path), "--deep", env={"OPENMEASURE_STORE": str(tmp_path / "store")})
    assert done.returncode == 2 and "Traceback" not in done.stderr + done.stdout
    assert done.stdout.splitlines()[1:] == [
        f"error: sources[0].columns.period: no column 'Year' in the file; it has 'measure', 'district', 'year', "
        f"'value'; did you mean 'year'? (file {tmp_path / 'returns.csv'}, row 1, column 'Year')",
        f"{path}: deep check of 1 source: 1 error, 0 warnings (nothing was written)"]
    assert not (tmp_path / "store").exists() and not (tmp_path / "catalog.db").exists()


def test_a_selection_that_matches_nothing_names_the_measure_key_and_the_closest_value(tmp_path):
    path = _deployment(tmp_path, [_csv(tmp_path)], [
        {"id": "applications", "source": "returns", "select": {"measure": "aplications"}},
        {"id": "online", "source": "returns", "select": {"Measure": "applications_online"}},
        {"id": "rough_sleeperz", "source": "returns"},  # no select: the measure column holding the id
        {"id": "sick", "source": "returns", "select": {"measure": "staff_sick_days"}, "breakdown": "sex"},
    ])
    file = tmp_path / "returns.csv"
    assert _lines(path) == [
        f"error: measures[1].select.Measure: source 'returns' has no column 'Measure'; it has 'measure'; did you "
        f"mean 'measure'? (file {file}, row 1)",
        f"error: measures[3].breakdown: source 'returns' has no column 'sex'; it has 'measure' (file {file}, row 1)",
        "error: measures[0].select: measure 'applications' selects nothing in source 'returns': no row has measure "
        "'aplications' (the column 'measure' holds 'applications', 'applications_online', 'rough_sleepers', "
        f"'staff_sick_days'; did you mean 'applications'?) (file {file}, row 1, column 'measure')",
        "error: measures[2].id: measure 'rough_sleeperz' selects nothing in source 'returns': no row has measure "
        "'rough_sleeperz' (the column 'measure' holds 'applications', 'applications_online', 'rough_sleepers', "
        f"'staff_sick_days'; did you mean 'rough_sleepers'?) (file {file}, row 1, column 'measure')",
    ]


def test_area_codes_not_in_the_areas_table(tmp_path):
    frame = _returns()
    rows = frame.index[frame["measure"] == "applications"]
    frame.loc[rows[0], "district"], frame.loc[rows[1], "district"] = "xd02", "XD77"
    path = _deployment(tmp_path, [_csv(tmp_path, frame)], APPLICATIONS)
    file = tmp_path / "returns.csv"
    assert _lines(path) == [
        f"warning: sources[0].columns.area_code: unknown_area: area code xd02 is not in the geography; did you mean "
        f"XD02? (file {file}, row {rows[0] + 2}, column 'district')",
        f"warning: sources[0].columns.area_code: unknown_area: area code XD77 is not in the geography (file {file}, "
        f"row {rows[1] + 2}, column 'district')",
    ]
    # a rule set to block would stop the run: an error
    path = _deployment(tmp_path, [_csv(tmp_path, frame, validation={"rules": {"unknown_area": "block"}})],
                       APPLICATIONS)
    assert [line.split(":")[0] for line in _lines(path)] == ["error", "error"]
    # not one code known: the wrong column, or codes of another geography
    other = _returns().assign(district=lambda f: "Z" + f["district"])
    path = _deployment(tmp_path, [_csv(tmp_path, other)], APPLICATIONS)
    assert _lines(path) == [
        "error: sources[0].columns.area_code: none of the 4 area codes of source 'returns' is in the areas table "
        "(e.g. 'ZXD01', 'ZXD02', 'ZXD03'; the table has e.g. 'XC', 'XD01', 'XD02'): is 'district' the column of area "
        f"codes? Codes of another version of the geography need a code_mapping (file {file}, column 'district')"]


def test_periods_that_do_not_parse(tmp_path):
    frame = _returns()
    row = frame.index[frame["measure"] == "applications"][2]
    frame.loc[row, "year"] = "2020/21"
    path = _deployment(tmp_path, [_csv(tmp_path, frame)], APPLICATIONS)
    file = tmp_path / "returns.csv"
    assert _lines(path) == [f"warning: sources[0].columns.period: bad_period: period '2020/21' is not a year, "
                            f"quarter or month (file {file}, row {row + 2}, column 'year')"]
    path = _deployment(tmp_path, [_csv(tmp_path, frame, columns={**COLUMNS, "period": "measure"})],
                       [{"id": "applications", "source": "returns"}])
    assert _lines(path) == [f"error: sources[0].columns.period: period 'applications' is not a year, quarter or "
                            f"month (file {file}, row 2, column 'measure')"]
    path = _deployment(tmp_path, [_csv(tmp_path, frame, columns={**COLUMNS, "period": "value"})], APPLICATIONS)
    assert _lines(path) == [f"error: sources[0].columns.value: columns.period and columns.value both name the "
                            f"column 'value' (file {file}, row 1)"]


def test_excel_sheet_and_header_row(tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Returns"
    sheet.append(["District returns (made up)"])
    sheet.append([])
    frame = _returns().rename(columns={"district": "District", "year": "Year", "value": "Cases"})
    sheet.append(list(frame.columns))
    for row in frame.itertuples(index=False):
        sheet.append([row.measure, row.District, int(row.Year), float(row.Cases)])
    book.save(tmp_path / "book.xlsx")
    source = {"id": "returns", "format": "excel", "path": "book.xlsx", "sheet": "returns", "header_row": 3,
              "columns": {"area_code": "District", "period": "Year", "value": "Cases"}}
    file = tmp_path / "book.xlsx"
    path = _deployment(tmp_path, [source], APPLICATIONS)
    assert _lines(path) == [f"error: sources[0].sheet: no sheet named 'returns'; the workbook has 'Returns'; did "
                            f"you mean 'Returns'? (file {file})"]
    path = _deployment(tmp_path, [{**source, "sheet": "Returns"}], APPLICATIONS)
    assert _lines(path) == []
    path = _deployment(tmp_path, [{**source, "sheet": "Returns"}],
                       [{"id": "applications", "source": "returns", "select": {"measure": "Applications"}}])
    assert _lines(path) == [
        "error: measures[0].select: measure 'applications' selects nothing in source 'returns': no row has measure "
        "'Applications' (the column 'measure' holds 'applications', 'applications_online', 'rough_sleepers', "
        f"'staff_sick_days'; did you mean 'applications'?) (file {file}, row 3, column 'measure')"]
    path = _deployment(tmp_path, [{**source, "sheet": "Returns", "header_row": 1}], APPLICATIONS)
    assert _lines(path) == [
        "error: sources[0].header_row: none of the columns 'Year', 'Cases', 'District' is in row 1 of the sheet, "
        "which holds 'District returns (made up)': is header_row the row of the table's header? "
        f"(file {file}, sheet 'Returns', row 1)"]
    path = _deployment(tmp_path, [{**source, "sheet": "Returns",
                                   "columns": {"area_code": "district", "period": "Year", "value": "Cases"}}],
                       APPLICATIONS)
    assert _lines(path) == [
        "error: sources[0].columns.area_code: no column 'district' in the file; it has 'measure', 'District', "
        f"'Year', 'Cases'; did you mean 'District'? (file {file}, sheet 'Returns', row 3, column 'district')"]


def test_sql_sources(tmp_path):
    with sqlite3.connect(tmp_path / "ops.db") as con:
        _returns().to_sql("returns", con, index=False)
    table = {"id": "returns", "format": "sql", "columns": COLUMNS,
             "sql": {"url": f"sqlite:///{tmp_path / 'ops.db'}", "table": "returns"}}
    assert _lines(_deployment(tmp_path, [table], APPLICATIONS)) == []
    typo = {**table, "sql": {**table["sql"], "table": "retruns"}}
    assert _lines(_deployment(tmp_path, [typo], APPLICATIONS)) == [
        f"error: sources[0].sql.table: no table 'retruns' in the database; it has 'returns'; did you mean "
        f"'returns'? (file sqlite:///{tmp_path / 'ops.db'})"]
    query = {**table, "sql": {"url": table["sql"]["url"], "query": "SELECT measure, district, year FROM returns"}}
    assert _lines(_deployment(tmp_path, [query], APPLICATIONS)) == [
        "error: sources[0].columns.value: no column 'value' in the file; it has 'measure', 'district', 'year' "
        f"(file sqlite:///{tmp_path / 'ops.db'}, row 1, column 'value')"]
    missing = {**table, "sql": {**table["sql"], "url": f"sqlite:///{tmp_path / 'nothere.db'}"}}
    assert _lines(_deployment(tmp_path, [missing], APPLICATIONS)) == [
        f"error: sources[0].sql.url: no SQLite database file {tmp_path / 'nothere.db'} "
        f"(file sqlite:///{tmp_path / 'nothere.db'})"]
    assert not (tmp_path / "nothere.db").exists()  # not created by connecting to it
    down = {**table, "sql": {"url": "postgresql+psycopg://user:secret@127.0.0.1:1/ops", "table": "returns",
                             "connect_timeout": 2}}
    path = _deployment(tmp_path, [down], APPLICATIONS)
    (line,) = _lines(path)
    assert line.startswith("warning: sources[0].sql.url: could not connect to the database: ")
    assert line.endswith("its table, columns and values were not checked (file "
                         "postgresql+psycopg://user:***@127.0.0.1:1/ops)")
    assert _cli("config", "check", str(path), "--deep").returncode == 0  # a warning: the config may be right


def test_remote_sources(tmp_path):
    from tests.etl.test_remote_and_snapshots import Server

    www = tmp_path / "www"
    www.mkdir()
    _returns().to_csv(www / "returns.csv", index=False)
    with Server(www) as server:
        remote = {"id": "returns", "format": "csv", "url": f"{server.url}/returns.csv", "columns": COLUMNS,
                  "fetch": {"retries": 3, "backoff": 5}}
        assert _lines(_deployment(tmp_path, [remote], APPLICATIONS)) == []
        gone = {**remote, "url": f"{server.url}/returnz.csv"}
        assert _lines(_deployment(tmp_path, [gone], APPLICATIONS)) == [
            f"error: sources[0].url: cannot download {server.url}/returnz.csv: HTTP 404 Not Found (1 attempt) "
            f"(file {server.url}/returnz.csv)"]
        server.fail_next = 1  # a server that is down is not retried here: one attempt, a warning
        assert _lines(_deployment(tmp_path, [remote], APPLICATIONS)) == [
            f"warning: sources[0].url: could not download the file: cannot download {server.url}/returns.csv: HTTP "
            f"503 Service Unavailable (1 attempt); the source was not checked (file {server.url}/returns.csv)"]
    assert not (tmp_path / "store").exists()


def test_the_areas_table_and_a_code_mapping(tmp_path):
    areas = {"path": "areas.csv", "code": "area_code", "name": "name", "level": "level", "parent": "parent"}
    path = _deployment(tmp_path, [_csv(tmp_path)], APPLICATIONS, areas=areas)
    assert _lines(path) == [
        "error: geography.areas.code: no column 'area_code' in the file; it has 'code', 'name', 'level', 'parent', "
        f"'population'; did you mean 'code'? (file {tmp_path / 'areas.csv'}, row 1, column 'area_code')"]
    pd.DataFrame({"old": ["XD1"], "new_code": ["XD01"]}).to_csv(tmp_path / "map.csv", index=False)
    path = _deployment(tmp_path, [_csv(tmp_path, code_mapping={"path": "map.csv"})], APPLICATIONS)
    assert _lines(path) == [
        "error: sources[0].code_mapping.old: no column 'old_code' in the file; it has 'old', 'new_code'; did you mean "
        f"'new_code'? (file {tmp_path / 'map.csv'}, row 1, column 'old_code')"]


def test_a_base_period_without_data_is_a_warning(tmp_path):
    indicator = {"id": "total", "title": "Total", "theme": "service use", "kind": "output", "unit": "cases",
                 "compute": {"method": "sum", "measure": "applications"},
                 "target": {"value": 1000, "period": "2030", "base_period": "2015"}}
    path = _deployment(tmp_path, [_csv(tmp_path)], APPLICATIONS, [indicator])
    (line,) = _lines(path)
    assert line.startswith("warning: indicators[0].target.base_period: indicator 'total': its target's base period "
                           "'2015' has no observation of measure 'applications'; the periods with data are 2020, ")


def test_an_unforeseen_failure_is_a_line_naming_the_source(tmp_path, monkeypatch):
    def broken(source, snapshot_root=None):
        raise ValueError("something no one foresaw\nsecond line")

    monkeypatch.setattr(deep, "read_raw", broken)
    path = _deployment(tmp_path, [_csv(tmp_path)], APPLICATIONS)
    assert _lines(path) == ["error: sources[0]: could not be checked: ValueError: something no one foresaw "
                            f"(file {tmp_path / 'returns.csv'})"]


@pytest.mark.parametrize("where", ["path", "format"])
def test_a_file_that_is_missing_or_of_another_format(tmp_path, where):
    source = _csv(tmp_path, path="nothere.csv") if where == "path" else \
        {**_csv(tmp_path), "format": "eurostat_tsv"}
    (line,) = _lines(_deployment(tmp_path, [source], APPLICATIONS))
    assert line.startswith(f"error: sources[0].{where}: ")


def test_a_bad_row_of_the_areas_table_and_a_source_no_measure_reads(tmp_path):
    path = _deployment(tmp_path, [_csv(tmp_path), _csv(tmp_path, id="spare")], APPLICATIONS)
    with open(tmp_path / "areas.csv", "a", encoding="utf-8") as fh:
        fh.write("XD02,District 2 again,district,XR1,100\n")
    assert _lines(path) == [
        f"error: geography.areas.code: duplicate area code 'XD02' (file {tmp_path / 'areas.csv'}, row 9, column "
        "'code')",
        f"warning: sources[1]: no measure reads source 'spare': a run never opens it (file {tmp_path / 'returns.csv'})",
    ]
