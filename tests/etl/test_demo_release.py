"""The demo deployment end to end: its release carries every awkward case the demo data were made with."""

from __future__ import annotations

import json

import pandas as pd
import pyarrow.parquet as pq
import pytest

from core import catalogue
from core.schema import SCHEMA_VERSION
from core.store import ReleaseStore

pytestmark = pytest.mark.slow  # more than a few seconds: left out of the fast lane (README)


def values(release) -> pd.DataFrame:
    return pd.read_parquet(release.path / "indicator_values.parquet")


def test_release_files_manifest_and_datapackage(demo_release, demo_config):
    folder = demo_release.path
    for name in ("indicator_values.parquet", "by_area/part-00000.parquet", "areas.parquet",
                 "indicators.parquet", "neighbours.parquet", "quality.parquet", "manifest.json",
                 "datapackage.json", "boundaries/municipality.geojson"):
        assert (folder / name).is_file(), name
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["synthetic"] is True and manifest["schema_version"] == SCHEMA_VERSION == "1.1"
    assert len(manifest["config_hash"]) == 64
    assert set(manifest["sources"]) == {"services", "labour", "survey", "survey_sample"}
    assert manifest["files"]["indicator_values.parquet"]["rows"] == demo_release.rows
    ReleaseStore(demo_config.store).verify(demo_release.release_id)
    package = json.loads((folder / "datapackage.json").read_text())
    assert package["licenses"][0]["name"] == "CC-BY-4.0"
    assert "synthetic" in package["title"]
    resource = next(r for r in package["resources"] if r["name"] == "indicator_values")
    assert {f["name"] for f in resource["schema"]["fields"]} >= {
        "indicator", "area_code", "level", "period", "value", "numerator", "denominator", "lower_ci",
        "upper_ci", "status", "coverage"}
    assert resource["hash"].startswith("sha256:")


def test_value_columns_have_plain_types(demo_release):
    schema = pq.read_schema(demo_release.path / "indicator_values.parquet")
    kinds = {f.name: str(f.type) for f in schema}
    assert not [n for n, t in kinds.items() if t.startswith(("decimal", "null"))], kinds
    assert kinds["value"] == kinds["lower_ci"] == kinds["coverage"] == "double"
    assert kinds["n_reporting"] == kinds["n_expected"] == kinds["rank_level"] == "int64"
    # the coded columns are written from dictionary arrays: every reader still gets plain text
    for name in ("indicator", "level", "period", "breakdown", "previous_period", "significance_parent",
                 "change_significance", "progress_status", "rag", "visibility", "area_code", "status"):
        assert kinds[name] == "string", name
    for part in sorted((demo_release.path / "by_area").glob("*.parquet"))[:3]:
        assert str(pq.read_schema(part).field("rag").type) == "string"


def test_rows_are_in_indicator_level_area_period_order(demo_release):
    v = pd.read_parquet(demo_release.path / "indicator_values.parquet",
                        columns=["indicator", "level_index", "area_code", "breakdown", "period"])
    ordered = v.sort_values(["indicator", "level_index", "area_code", "period", "breakdown"], kind="stable")
    assert v.index.equals(ordered.index)


def test_main_file_is_zstd_and_by_area_files_lz4(demo_release):
    """zstd keeps the file everyone downloads small; the by-area files, written in small row groups, are LZ4
    (see etl.release_values.BY_AREA_COMPRESSION)."""
    def codecs(path):
        meta = pq.ParquetFile(path).metadata
        return {meta.row_group(g).column(c).compression for g in range(meta.num_row_groups)
                for c in range(meta.num_columns)}

    assert codecs(demo_release.path / "indicator_values.parquet") == {"ZSTD"}
    for part in sorted((demo_release.path / "by_area").glob("*.parquet"))[:3]:
        assert codecs(part) == {"LZ4"}  # pyarrow's name for what it writes as LZ4_RAW (DuckDB's metadata says so)


def test_values_are_sorted_by_indicator_with_row_groups_per_indicator(demo_release):
    f = pq.ParquetFile(demo_release.path / "indicator_values.parquet")
    seen = []
    for i in range(f.metadata.num_row_groups):
        stats = f.metadata.row_group(i).column(0).statistics
        assert stats.min == stats.max  # one indicator per row group
        seen.append(stats.min)
    assert seen == sorted(seen)
    areas = pd.read_parquet(demo_release.path / "areas.parquet", columns=["area_code", "bucket"])
    total = 0
    for bucket, group in areas.groupby("bucket"):
        part = pd.read_parquet(demo_release.path / f"by_area/part-{bucket:05d}.parquet", columns=["area_code"])
        assert part["area_code"].is_monotonic_increasing
        assert set(part["area_code"]) <= set(group["area_code"])
        total += len(part)
    assert total == f.metadata.num_rows


def test_every_level_and_the_awkward_cases(demo_release):
    v = values(demo_release)
    assert set(v.level) == {"country", "region", "municipality"}
    # small counts are suppressed (primary and secondary), with nothing left to recover
    neet = v[v.indicator == "neet_rate"]
    sup = neet[neet.status == "suppressed"]
    assert len(sup) > 0 and sup[["value", "numerator", "denominator", "lower_ci"]].isna().all().all()
    # one note for every cell withheld by disclosure control, small or protecting another
    assert set(sup.note) == {"Withheld: fewer than 10 people, or a figure from which such a small count could be "
                             "worked out (disclosure control)."}
    # the late-reporting councils: three municipalities missing in 2024, parents computed from the rest
    country = v[(v.indicator == "online_share") & (v.area_code == "VL") & (v.period == "2024")].iloc[0]
    assert (country.n_reporting, country.n_expected) == (283, 286) and country.status == "provisional"
    assert (v[(v.indicator == "online_share") & (v.period == "2024")].status == "missing").sum() == 3
    # the survey was not run in 2017; its values are published at every level
    survey = v[v.indicator == "satisfaction"]
    assert "2017" not in set(survey.period) and survey.level.nunique() == 3
    # the internal indicator is in the release, marked internal
    assert set(v.loc[v.indicator == "sickness_absence", "visibility"]) == {"internal"}
    assert set(v.loc[v.indicator != "sickness_absence", "visibility"]) == {"public"}
    # targets give RAG statuses
    assert set(v.loc[v.indicator == "online_share", "rag"].dropna()) <= {"green", "amber", "red"}


def test_the_catalogue_records_the_run(demo_release, demo_config):
    engine = catalogue.connect(demo_config.catalogue)
    runs = catalogue.recent_runs(engine, 50)
    run = runs[runs.id == demo_release.run_id].iloc[0]
    assert run.status == "succeeded" and run.release_id == demo_release.release_id
    with engine.connect() as con:
        stats = pd.read_sql(catalogue.run_stats.select().where(catalogue.run_stats.c.run_id == int(run.id)), con)
    services = stats[(stats.kind == "source") & (stats.name == "services")].iloc[0]
    assert services.rows_read == services.rows_written + services.rows_quarantined > 0
    assert len(stats[stats.kind == "indicator"]) == 13


def test_a_job_refreshes_its_indicators_and_carries_the_rest_forward(demo_config, demo_release):
    from etl.pipeline import run

    before = values(demo_release)
    result = run(demo_config, job="labour_market")
    after = pd.read_parquet(result.path / "indicator_values.parquet")
    assert len(after) == len(before)
    assert set(after.indicator) == set(before.indicator)
    key = ["indicator", "area_code", "period", "breakdown"]
    a = after.set_index(key).sort_index()
    b = before.set_index(key).sort_index()
    pd.testing.assert_series_equal(a["value"], b["value"])
    # the release still says what every figure was built from, carried ones included
    assert set(ReleaseStore(demo_config.store).manifest(result.release_id)["sources"]) == \
        set(ReleaseStore(demo_config.store).manifest(demo_release.release_id)["sources"])


def test_a_job_naming_one_indicator_on_a_count_refreshes_the_others_on_it(demo_config, demo_release):
    """neet_rate and neet_count publish the same counts (a family): a job refreshing the rate alone would
    protect it on its own while the count, carried forward, kept the pattern of the release before."""
    from core.config_models import ScheduleConfig
    from etl.pipeline import run, selected_indicators

    config = demo_config.model_copy(update={"schedules": [
        *demo_config.schedules, ScheduleConfig(id="neet_only", cron="0 3 * * *", indicators=["neet_rate"])]})
    assert set(selected_indicators(config, "neet_only")) == {"neet_count", "neet_rate"}
    assert set(selected_indicators(config, "labour_market")) == {"employed", "employment_rate"}
    result = run(config, job="neet_only")
    engine = catalogue.connect(demo_config.catalogue)
    with engine.connect() as con:
        stats = pd.read_sql(catalogue.run_stats.select().where(catalogue.run_stats.c.run_id == result.run_id), con)
    assert set(stats[stats.kind == "indicator"].name) == {"neet_count", "neet_rate"}
