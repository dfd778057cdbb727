"""Sources the engine reads itself (``read_by: engine``, etl/sources/engine_read.py): the same observations
and the same findings as when the ETL process reads them, on DuckDB and on Spark, and the same release."""

from __future__ import annotations

import io
import re

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from pydantic import ValidationError

from core.config_models import SourceConfig
from core.geography import load_areas
from etl.sources.extract import read_sources
from indicators.compute import OBS_FOR_ENGINE
from indicators.engine import DuckDBEngine
from tests.etl.bad_inputs_helpers import deployment

#: A source with one row of each problem the rules find, in the real NUTS 2021 geography.
MESSY = """area_code,year,sex,measure,value,status
BE100,2020,T,pop,1000,
BE100,2017,T,pop,"c	",
BE100,2016,T,pop,1_000,
BE100,2015,T,pop, 980 ,
BE100,2014,T,pop,12d,
BE100,2020,F,pop,510,
BE100,2020,M,pop,490,
BE100,2021,T,pop,1010,p
BE10,2021,T,pop,1010,provisional
BE2,2021,T,pop,:,
BE21,2021,T,pop,c,
 BE211 ,2021,T,pop,12.5,
,2021,T,pop,5,
BE211,,T,pop,5,
BE211,2021X,T,pop,5,
BE211,2021-07,T,pop,5,
EU27_2020,2021,T,pop,447000000,
ZZ999,2021,T,pop,5,
be211,2020,T,pop,5,
BE212,2021,T,pop,n/a,
BE213,2021,T,pop,#REF!,
BE213,2021,T,pop,1e400,
BE231,2021,T,pop,7,
BE231,2021,T,pop,8,
BE232,2021,T,pop,-3,
BE233,2021,T,pop,4,weird status
BE233,2021,T,other,9,
BE234,2021,F,pop,3,
BE234,2021,M,pop,4,
"""

MEASURES = [{"id": "population", "source": "s", "people": True, "select": {"measure": "pop", "sex": "T"},
             "frequency": "annual"},
            {"id": "pop_by_sex", "source": "s", "people": True, "select": {"measure": "pop"}, "breakdown": "sex",
             "breakdown_total": "T"},
            {"id": "other", "source": "s", "select": {"measure": "other"}}]
INDICATORS = [{"id": m["id"], "title": m["id"], "theme": "growth", "kind": "output", "unit": "people",
               "compute": {"method": "sum", "measure": m["id"]}} for m in MEASURES]


def messy_config(tmp_path, shared_data, fmt: str, **source):
    if fmt == "csv":
        path = tmp_path / "messy.csv"
        path.write_text(MESSY, encoding="utf-8")
    else:  # Parquet with typed columns: the year an integer (texts null), the value a float with NaN for the
        # texts (as numpy writes a missing value; DuckDB's statistics of such a column leave the NaN out) and
        # infinity for 1e400
        path = tmp_path / "messy.parquet"
        df = pd.read_csv(io.StringIO(MESSY), dtype=str, keep_default_na=False)
        year = pd.to_numeric(df["year"], errors="coerce").astype("Int64")
        value = pd.to_numeric(df["value"], errors="coerce").to_numpy(dtype="float64")
        table = pa.Table.from_pandas(df.drop(columns=["year", "value"]), preserve_index=False)
        table = table.append_column("year", pa.Array.from_pandas(year)).append_column(
            "value", pa.array(value, from_pandas=False))
        assert table.column("value").null_count == 0 and pc.sum(pc.is_nan(table.column("value"))).as_py() == 8
        pq.write_table(table, path)
    return deployment(tmp_path, shared_data, {"format": fmt, "path": str(path), "columns": {
        "area_code": "area_code", "period": "year", "value": "value", "flag": "status"},
        "status_map": {"provisional": "p"}, **source}, measures=MEASURES, indicators=INDICATORS)


def read_both(config, engine):
    """(observations, findings) read by the ETL process, then by ``engine``."""
    areas = load_areas(config.geography)
    known = set(areas.area_code)
    needed = {m.id for m in config.measures}
    etl = read_sources(config, needed, known, lambda _m: None)
    engine_config = config.model_copy(update={"sources": [s.model_copy(update={"read_by": "engine"})
                                                          for s in config.sources]})
    got = read_sources(engine_config, needed, known, lambda _m: None, engine=engine)
    assert got.observations.empty and got.engine_tables == ["source_s"]
    mine = engine.query(f"SELECT * FROM {got.engine_tables[0]}").to_pandas()
    return (etl, _sorted(etl.observations[OBS_FOR_ENGINE])), (got, _sorted(mine))


def _sorted(obs: pd.DataFrame) -> pd.DataFrame:
    obs = obs.astype({c: str for c in OBS_FOR_ENGINE if c != "value"})
    return obs.sort_values(["measure", "area_code", "period", "breakdown", "value"]).reset_index(drop=True)


def rows_of(findings: pd.DataFrame) -> dict[tuple[str, str], int]:
    """Rows each (rule, severity) took: one per finding of the ETL path, ``(N rows)`` of a grouped one."""
    out: dict[tuple[str, str], int] = {}
    for r in findings.itertuples():
        m = re.search(r"\((\d+) rows", r.message)
        out[(r.rule, r.severity)] = out.get((r.rule, r.severity), 0) + (int(m.group(1)) if m else 1)
    return out


def check_same(etl, mine):
    (etl_read, etl_obs), (got, obs) = etl, mine
    pd.testing.assert_frame_equal(obs, etl_obs, check_dtype=False)
    assert rows_of(got.findings) == rows_of(etl_read.findings)
    for rule in ("unknown_area", "pseudo_area", "bad_period", "duplicate_key", "negative_count", "unknown_status"):
        def where(f, rule=rule):
            return sorted(set(zip(f.loc[f.rule == rule, "area_code"], f.loc[f.rule == rule, "period"], strict=True)))
        if rule != "unknown_status":
            assert where(got.findings) == where(etl_read.findings), rule
    # every line of the file (the ETL path counts the rows its reader kept: not the values that are not numbers)
    assert got.stats[0]["rows_read"] == MESSY.count("\n") - 1
    assert got.stats[0]["rows_written"] == etl_read.stats[0]["rows_written"]
    # the rows the findings that drop rows name (the ETL path counts those findings, one per row or code)
    # (an unknown status drops nothing: its value is read without a flag, whatever the rule's action)
    dropping = sum(n for (rule, severity), n in rows_of(got.findings).items()
                   if severity in ("quarantine", "block") and rule != "unknown_status")
    assert got.stats[0]["rows_quarantined"] == dropping


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_duckdb_reads_a_messy_source_as_the_etl_process_does(tmp_path, shared_data, fmt):
    config = messy_config(tmp_path, shared_data, fmt)
    engine = DuckDBEngine(temp_directory=str(tmp_path / "spill"))
    try:
        etl, mine = read_both(config, engine)
    finally:
        engine.close()
    check_same(etl, mine)
    obs = mine[1]
    # what the rules left: the blank-padded code trimmed, the missing markers as flags, the breakdown
    assert ("BE211", "2021", "total", 12.5) in set(zip(obs.area_code, obs.period, obs.breakdown, obs.value,
                                                       strict=True))
    if fmt == "csv":
        population = obs[obs.measure == "population"]
        flags = dict(zip(population["area_code"], population["flags"], strict=True))
        assert (flags["BE2"], flags["BE21"], flags["BE10"]) == (":", "c", "p")
    assert set(obs.loc[obs.measure == "pop_by_sex", "breakdown"]) == {"total", "sex=F", "sex=M"}
    rules = set(mine[0].findings.rule)
    assert {"missing_required", "pseudo_area", "unknown_area", "duplicate_key", "negative_count",
            "unknown_status"} <= rules
    assert "not_a_number" in rules  # 1e400: infinity
    if fmt == "csv":  # the Parquet file's integer year has no '2021X' or '2021-07', nor its float value 'n/a'
        assert {"bad_period", "wrong_frequency", "cell_error"} <= rules
    else:  # NaN is a missing value (BE2's ':', BE21's 'c', BE212's 'n/a', BE213's '#REF!')
        missing = obs[obs.value.isna() & (obs.measure == "population")]
        assert {"BE2", "BE21", "BE212", "BE213"} <= set(missing["area_code"])


def same_on_duckdb(config):
    """The source read both ways on DuckDB, checked the same (:func:`check_same`); the engine's reading."""
    engine = DuckDBEngine()
    try:
        etl, mine = read_both(config, engine)
    finally:
        engine.close()
    check_same(etl, mine)
    return mine


def test_an_unknown_status_set_to_block_blocks_in_the_engine_too(tmp_path, shared_data):
    mine = same_on_duckdb(messy_config(tmp_path, shared_data, "csv",
                                       validation={"rules": {"unknown_status": "block"}}))
    assert set(mine[0].findings.loc[mine[0].findings.rule == "unknown_status", "severity"]) == {"block"}


def test_a_rule_set_to_warn_keeps_its_rows_in_the_engine_too(tmp_path, shared_data):
    mine = same_on_duckdb(messy_config(tmp_path, shared_data, "csv",
                                       validation={"rules": {"duplicate_key": "warn", "unknown_area": "warn"}}))
    assert {"BE231", "ZZ999"} <= set(mine[1].area_code)


@pytest.mark.slow  # a JVM
def test_spark_reads_a_messy_source_as_the_etl_process_does(spark, tmp_path, shared_data):
    from indicators.spark_engine import SparkEngine

    for fmt in ("csv", "parquet"):
        (tmp_path / fmt).mkdir()
        config = messy_config(tmp_path / fmt, shared_data, fmt)
        engine = SparkEngine(session=spark, work_dir=str(tmp_path / "work"))
        try:
            etl, mine = read_both(config, engine)
        finally:
            engine.close()
        check_same(etl, mine)


def test_read_by_engine_is_for_parquet_and_csv_files_given_by_path():
    base = {"id": "s", "read_by": "engine"}
    assert SourceConfig(**base, format="parquet", path="big.parquet").read_by == "engine"
    with pytest.raises(ValidationError, match="not format 'excel'"):
        SourceConfig(**base, format="excel", path="a.xlsx", sheet="x")
    with pytest.raises(ValidationError, match="needs 'path'"):
        SourceConfig(**base, format="csv", url="https://example.org/a.csv")
    with pytest.raises(ValidationError, match="columns.area_name need the ETL process"):
        SourceConfig(**base, format="csv", path="a.csv", columns={"area_name": "name"})
    with pytest.raises(ValidationError, match="UTF-8"):
        SourceConfig(**base, format="csv", path="a.csv", encoding="cp1252")


def test_a_missing_column_names_the_file_and_what_it_has(tmp_path, shared_data):
    from core.errors import SourceError

    config = messy_config(tmp_path, shared_data, "csv")
    config = config.model_copy(update={"sources": [s.model_copy(update={
        "read_by": "engine", "columns": s.columns.model_copy(update={"value": "amount"})}) for s in config.sources]})
    engine = DuckDBEngine()
    try:
        with pytest.raises(SourceError, match=r"missing column\(s\) 'amount'.*'area_code', 'year'") as err:
            read_sources(config, {"population"}, set(), lambda _m: None, engine=engine)
    finally:
        engine.close()
    assert "messy.csv" in str(err.value)


def test_a_folder_of_parquet_files_is_one_source(tmp_path, shared_data):
    """A source written by a cluster job (part files in a folder): the engine reads them all, the snapshot
    keeps them all, as one file would be."""
    config = messy_config(tmp_path, shared_data, "parquet")
    whole = pq.read_table(tmp_path / "messy.parquet")
    folder = tmp_path / "parts"
    folder.mkdir()
    pq.write_table(whole.slice(0, 10), folder / "part-0.parquet")
    pq.write_table(whole.slice(10), folder / "part-1.parquet")
    (folder / "_SUCCESS").write_text("")
    in_folder = config.model_copy(update={"sources": [s.model_copy(update={"path": str(folder), "read_by": "engine"})
                                                      for s in config.sources]})
    engine = DuckDBEngine()
    try:
        got = read_sources(in_folder, {m.id for m in config.measures}, set(load_areas(config.geography).area_code),
                           lambda _m: None, engine=engine)
        obs = _sorted(engine.query("SELECT * FROM source_s").to_pandas())
    finally:
        engine.close()
    etl = read_sources(config, {m.id for m in config.measures}, set(load_areas(config.geography).area_code),
                       lambda _m: None)
    pd.testing.assert_frame_equal(obs, _sorted(etl.observations[OBS_FOR_ENGINE]), check_dtype=False)
    assert got.entries["s"]["files"] == ["part-0.parquet", "part-1.parquet"]


@pytest.mark.slow  # two pipeline runs
def test_the_demo_with_its_csv_sources_read_by_duckdb_is_the_same_release(demo_release, demo_config, tmp_path):
    from etl.pipeline import run
    from etl.release_parity import differences
    from tests.conftest import temp_store_env

    env = temp_store_env(tmp_path)
    config = demo_config.model_copy(update={
        "store": env["OPENMEASURE_STORE"], "catalogue": env["OPENMEASURE_CATALOGUE"],
        "sources": [s.model_copy(update={"read_by": "engine"}) if s.format == "csv" else s
                    for s in demo_config.sources]})
    assert sum(s.read_by == "engine" for s in config.sources) == 3
    result = run(config)
    assert differences(demo_release.path, result.path) == []
