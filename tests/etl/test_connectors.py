"""Each connector reads a real file in its real format, or a fixture built from the real Eurostat data, and
its values are checked against the source."""

from __future__ import annotations

import os
import socket
import sqlite3
import uuid

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa
from openpyxl import Workbook

from core.config_models import CsvColumns, SourceConfig, SqlConfig
from core.errors import SourceError
from etl.sources import read_source

pytestmark = pytest.mark.slow  # more than a few seconds: left out of the fast lane (README)

PAGE = "eurostat-regional-population-gdp/sdmx-csv/demo_r_pjanaggr3_page_linear.csv.gz"
COLS = CsvColumns(area_code="geo", period="year", value="population", flag="flag")


@pytest.fixture(scope="module")
def population(shared_data) -> pd.DataFrame:
    """Eurostat population of the NUTS 3 regions of DE, FI and RO, 2000-2020 (real data), as a tidy table."""
    df = read_source(SourceConfig(id="p", format="sdmx_csv", path=str(shared_data / PAGE)))
    return pd.DataFrame({"geo": df["area_code"].astype(object), "year": df["period"].astype(int),
                         "population": df["value"], "flag": df["flags"].astype(object)})


def _check_against(raw: pd.DataFrame, population: pd.DataFrame) -> None:
    got = raw[["area_code", "period", "value", "flags"]].astype({"area_code": object, "period": object,
                                                                  "flags": object})
    want = pd.DataFrame({"area_code": population["geo"], "period": population["year"].astype(str).astype(object),
                         "value": population["population"], "flags": population["flag"]})
    key = ["area_code", "period"]
    pd.testing.assert_frame_equal(got.sort_values(key).reset_index(drop=True),
                                  want.sort_values(key).reset_index(drop=True))


# --- Excel ---------------------------------------------------------------------------------------------------

def test_excel_named_sheet_and_header_row(tmp_path, population):
    wb = Workbook()
    wb.active.title = "Notes"
    ws = wb.create_sheet("Population")
    ws.append(["Population on 1 January, Eurostat demo_r_pjanaggr3"])
    ws.append([])
    ws.append(list(population.columns))
    for r in population.itertuples(index=False):
        ws.append([r.geo, r.year, r.population, r.flag or None])
    wb.save(tmp_path / "pop.xlsx")
    raw = read_source(SourceConfig(id="x", format="excel", path=str(tmp_path / "pop.xlsx"), sheet="Population",
                                   header_row=3, columns=COLS))
    _check_against(raw, population)
    assert raw["row"].iloc[0] == 4 and raw.attrs.get("findings", []) == []


def test_excel_unknown_sheet_names_the_sheets(tmp_path):
    wb = Workbook()
    wb.active.title = "Data"
    wb.save(tmp_path / "w.xlsx")
    with pytest.raises(SourceError, match=r"no sheet named 'Population'; the workbook has 'Data'"):
        read_source(SourceConfig(id="x", format="excel", path=str(tmp_path / "w.xlsx"), sheet="Population"))


# --- Parquet -------------------------------------------------------------------------------------------------

def test_parquet(tmp_path, population):
    pq.write_table(pa.Table.from_pandas(population, preserve_index=False), tmp_path / "pop.parquet")
    raw = read_source(SourceConfig(id="x", format="parquet", path=str(tmp_path / "pop.parquet"), columns=COLS))
    _check_against(raw, population)


# --- SQL -----------------------------------------------------------------------------------------------------

def _sql_source(url: str, **kw) -> SourceConfig:
    return SourceConfig(id="db", format="sql", sql=SqlConfig(url=url, **kw), columns=COLS)


@pytest.fixture(scope="module")
def pg_url() -> str:
    url = os.environ.get("OPENMEASURE_TEST_PG_URL")
    if not url:
        pytest.fail("OPENMEASURE_TEST_PG_URL is not set: run `source scripts/services.sh` first")
    return url


@pytest.fixture(scope="module")
def pg_table(pg_url, population):
    schema = f"om_src_{uuid.uuid4().hex[:8]}"
    engine = sa.create_engine(pg_url)
    with engine.begin() as con:
        con.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        con.execute(sa.text(f'CREATE TABLE "{schema}".population (geo text, year integer, population numeric, '
                            'flag text)'))
        con.execute(sa.text(f'INSERT INTO "{schema}".population VALUES (:geo, :year, :population, :flag)'),
                    population.to_dict("records"))
    yield schema
    with engine.begin() as con:
        con.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    engine.dispose()


@pytest.mark.postgres
def test_postgresql_table(pg_url, pg_table, population):
    raw = read_source(_sql_source(pg_url, table="population", schema_name=pg_table))
    _check_against(raw, population)


@pytest.mark.postgres
def test_postgresql_query_with_bound_parameters(pg_url, pg_table, population):
    q = f'SELECT geo, year, population, flag FROM "{pg_table}".population WHERE geo LIKE :prefix AND year >= :y'
    raw = read_source(_sql_source(pg_url, query=q, params={"prefix": "FI%", "y": 2010}))
    want = population[population.geo.str.startswith("FI") & (population.year >= 2010)]
    _check_against(raw, want)
    # a parameter is a value, never SQL: this finds nothing instead of everything
    raw = read_source(_sql_source(pg_url, query=q, params={"prefix": "x' OR '1'='1", "y": 0}))
    assert raw.empty


@pytest.mark.postgres
def test_postgresql_query_timeout(pg_url):
    with pytest.raises(SourceError, match=r"SQL failed: the query took longer than sql.query_timeout = 0.2 s"):
        read_source(_sql_source(pg_url, query="SELECT pg_sleep(3)", query_timeout=0.2))


@pytest.mark.postgres
def test_postgresql_connect_timeout():
    with socket.socket() as silent:  # accepts TCP connections, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(5)
        port = silent.getsockname()[1]
        with pytest.raises(SourceError, match=r"source 'db': SQL failed: .*timeout expired"):
            read_source(_sql_source(f"postgresql+psycopg://u:secret@127.0.0.1:{port}/x", query="SELECT 1",
                                    connect_timeout=1))


@pytest.fixture()
def sqlite_db(tmp_path, population):
    path = tmp_path / "pop.db"
    with sqlite3.connect(path) as con:
        con.execute("CREATE TABLE population (geo TEXT, year INTEGER, population REAL, flag TEXT)")
        con.executemany("INSERT INTO population VALUES (?, ?, ?, ?)", population.itertuples(index=False))
    return f"sqlite:///{path}"


def test_sqlite_table_and_query(sqlite_db, population):
    _check_against(read_source(_sql_source(sqlite_db, table="population")), population)
    raw = read_source(_sql_source(sqlite_db, query="SELECT * FROM population WHERE geo = :g", params={"g": "DE111"}))
    _check_against(raw, population[population.geo == "DE111"])


def test_sqlite_query_timeout(sqlite_db):
    endless = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT max(i) FROM n"
    with pytest.raises(SourceError, match=r"the query took longer than sql.query_timeout = 0.3 s"):
        read_source(_sql_source(sqlite_db, query=endless, query_timeout=0.3))


def test_sql_unknown_table_and_password_not_shown(sqlite_db):
    with pytest.raises(SourceError, match=r"sql.table: no table 'populaton' in the database"):
        read_source(_sql_source(sqlite_db, table="populaton"))
    src = _sql_source("postgresql+psycopg://user:hunter2@127.0.0.1:1/db", query="SELECT 1")
    assert "hunter2" not in src.where


# --- Frictionless --------------------------------------------------------------------------------------------

def test_frictionless_worldbank_json(shared_data):
    src = SourceConfig(id="wb", format="frictionless", path=str(shared_data / "worldbank-population-datapackage"),
                       columns=CsvColumns(area_code="Country Code", period="Year", value="Value"))
    raw = read_source(src)
    assert len(raw) == 17_195
    aruba = raw[(raw.area_code == "ABW") & (raw.period == "1960")]
    assert aruba[["value", "row"]].values.tolist() == [[54922.0, 2]]
    assert raw.attrs.get("findings", []) == []
    assert raw["Country Name"].iloc[0] == "Aruba"


def test_frictionless_yaml_keeps_namibia(shared_data):
    src = SourceConfig(id="cc", format="frictionless", path=str(shared_data / "country-codes-datapackage"),
                       columns=CsvColumns(area_code="ISO3166-1-Alpha-2", period="ISO3166-1-numeric", value="M49"))
    raw = read_source(src)
    assert len(raw) == 249
    namibia = raw[raw["ISO3166-1-Alpha-3"] == "NAM"]
    assert namibia["area_code"].tolist() == ["NA"]


# --- Open SDG ------------------------------------------------------------------------------------------------

def test_open_sdg_blank_breakdown_is_total_and_metadata(tmp_path, shared_data):
    tsv = read_source(SourceConfig(id="t", format="eurostat_tsv",
                                   path=str(shared_data / "eurostat-regional-population-gdp/tsv/demo_r_pjanaggr3.tsv.gz")))
    de = tsv[tsv.area_code.isin(["DE", "DE111", "DE112"]) & (tsv.age == "TOTAL") & tsv.period.isin(["2019", "2020"])]
    rows = []
    for r in de.itertuples():
        rows.append({"Year": r.period, "Sex": "" if r.sex == "T" else r.sex,
                     "GeoCode": "" if r.area_code == "DE" else r.area_code, "Value": int(r.value)})
    (tmp_path / "data").mkdir()
    (tmp_path / "meta").mkdir()
    pd.DataFrame(rows).to_csv(tmp_path / "data/indicator_1-1-1.csv", index=False)
    (tmp_path / "meta/1-1-1.md").write_text("---\nindicator_number: 1.1.1\ncomputation_units: persons\n---\nText\n")
    src = SourceConfig(id="sdg", format="open_sdg", path=str(tmp_path / "data/indicator_1-1-1.csv"),
                       metadata=str(tmp_path / "meta/1-1-1.md"), national_area="DE")
    raw = read_source(src)
    assert raw.attrs["defaults"] == {"Sex": "total"}
    assert set(raw["Units"]) == {"persons"}
    total = raw[(raw.Sex == "total") & (raw.area_code == "DE") & (raw.period == "2019")]
    want = de[(de.sex == "T") & (de.area_code == "DE") & (de.period == "2019")]["value"]
    assert total["value"].tolist() == want.tolist()
    assert raw.attrs.get("findings", []) == []
