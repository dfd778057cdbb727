"""``schedules[].skip_unchanged``: a run is skipped only when the current release already holds what it would
compute, and runs again as soon as the config, a file it names or a source changes."""

from __future__ import annotations

import pytest

from core import catalogue
from core.config import load_config
from core.store import ReleaseStore
from etl.pipeline import run
from etl.runner import InputsUnchanged, run_guarded
from etl.scheduler import scheduled_run
from tests.etl.scheduler.conftest import tiny_config

pytestmark = pytest.mark.slow  # more than a few seconds: left out of the fast lane (README)

SCHEDULES = [{"id": "all", "interval_seconds": 60, "skip_unchanged": True},
             {"id": "apps", "interval_seconds": 60, "indicators": ["applications"], "skip_unchanged": True}]


def skipped(config, job) -> str | None:
    """The release the run was skipped for, or None when it ran (and published)."""
    try:
        run_guarded(config, job, skip_unchanged=True, alert=False)
    except InputsUnchanged as exc:
        return exc.release_id
    return None


def test_a_run_is_skipped_only_while_nothing_it_reads_changed(tmp_path):
    path = tiny_config(tmp_path, schedules=SCHEDULES)
    config = load_config(path)
    store = ReleaseStore(config.store)
    assert skipped(config, "all") is None  # no release yet
    first = store.current_id()
    assert skipped(config, "all") == first
    assert skipped(config, "apps") == first  # its indicator was computed by that run
    assert len(store.list()) == 1

    # a run of 'apps' computes applications and carries online_share: that release did not compute all
    run(config, job="apps")
    assert skipped(config, "apps") == store.current_id()
    assert skipped(config, "all") is None
    assert skipped(config, "all") == store.current_id()

    # every input counts: the areas table, the source, the config itself
    areas = tmp_path / "in" / "areas.csv"
    areas.write_text(areas.read_text().replace("\n", "\r\n"))
    assert skipped(config, "all") is None
    services = tmp_path / "in" / "services.csv"
    services.write_text(services.read_text() + "\n")
    assert skipped(config, "all") is None
    path.write_text(path.read_text().replace("title: Testland", "title: Testland (new)"))
    config = load_config(path)
    assert skipped(config, "all") is None
    assert skipped(config, "all") == store.current_id()


def test_a_scheduled_trigger_with_nothing_changed_is_recorded_and_publishes_nothing(tmp_path):
    path = tiny_config(tmp_path, schedules=SCHEDULES)
    config = load_config(path)
    scheduled_run(str(path), "all", slot="2026-01-01T00:00:00+00:00")
    current = ReleaseStore(config.store).current_id()
    assert current is not None
    scheduled_run(str(path), "all", slot="2026-01-01T00:01:00+00:00")
    engine = catalogue.connect(config.catalogue)
    assert catalogue.run_count(engine) == 1 and ReleaseStore(config.store).current_id() == current
    event = catalogue.recent_events(engine, 1)[0]
    assert event["kind"] == "unchanged" and event["job"] == "all"
    assert current in event["message"] and "2026-01-01T00:01:00" in event["message"]
    assert set(catalogue.last_event_by_job(engine, "unchanged")) == {"all"}  # what the status page shows
    from tests.etl.scheduler.conftest import openmeasure

    catalogue.record_event(engine, "job_missing", "old_job", "job 'old_job' fired but is not in the config")
    for _ in range(60):  # a day and a half of hourly checks
        catalogue.record_event(engine, "unchanged", "all", "trigger ...: not run")
    status = openmeasure("status", "--config", str(path))
    assert status.returncode == 0 and "no input changed, not run again" in status.stdout, status.stderr
    assert "job_missing" in status.stdout  # not pushed out of the events by the frequent ones


@pytest.mark.parametrize("skip", [False, True])
def test_without_the_option_every_trigger_runs(tmp_path, skip):
    schedules = [{"id": "all", "interval_seconds": 60, "skip_unchanged": skip}]
    path = tiny_config(tmp_path, schedules=schedules)
    for minute in range(2):
        scheduled_run(str(path), "all", slot=f"2026-01-01T00:0{minute}:00+00:00")
    engine = catalogue.connect(load_config(path).catalogue)
    assert catalogue.run_count(engine) == (1 if skip else 2)


def test_etl_run_skip_unchanged_on_the_command_line(tmp_path):
    from tests.etl.scheduler.conftest import openmeasure

    path = tiny_config(tmp_path, schedules=SCHEDULES)
    first = openmeasure("etl", "run", "--config", str(path), "--skip-unchanged")
    assert first.returncode == 0 and "published release" in first.stdout, first.stderr
    again = openmeasure("etl", "run", "--config", str(path), "--skip-unchanged")
    current = ReleaseStore(load_config(path).store).current_id()
    assert again.returncode == 0 and "nothing to do" in again.stdout and current in again.stdout, again.stderr
    forced = openmeasure("etl", "run", "--config", str(path))
    assert forced.returncode == 0 and "published release" in forced.stdout
    # 'openmeasure demo' (the README's main command) runs the ETL through the same function, always
    demo = openmeasure("demo", "--config", str(path), "--no-serve")  # crashed once: a missing argument
    assert demo.returncode == 0 and "published release" in demo.stdout, demo.stderr


def test_a_source_no_indicator_reads_does_not_count(tmp_path):
    import yaml

    path = tiny_config(tmp_path, schedules=SCHEDULES)
    cfg = yaml.safe_load(path.read_text())
    (tmp_path / "in" / "later.csv").write_text("area_code,year,value\nVL1,2024,1\n")
    cfg["sources"].append({"id": "later", "format": "csv", "path": "in/later.csv",
                           "columns": {"area_code": "area_code", "period": "year", "value": "value"}})
    cfg["measures"].append({"id": "not_used_yet", "source": "later"})
    path.write_text(yaml.safe_dump(cfg, sort_keys=False))
    config = load_config(path)
    assert skipped(config, "all") is None
    (tmp_path / "in" / "later.csv").write_text("area_code,year,value\nVL1,2024,2\n")
    assert skipped(config, "all") == ReleaseStore(config.store).current_id()


def test_settings_from_the_environment_and_the_software_count(tmp_path, monkeypatch):
    from core import built_with

    path = tiny_config(tmp_path, schedules=SCHEDULES)
    # a target set by an environment variable: the config file's text (and hash) stays the same
    path.write_text(path.read_text().replace("value: 50", "value: ${OM_TARGET:-50}"))
    config = load_config(path)
    assert skipped(config, "all") is None and skipped(config, "all") is not None
    monkeypatch.setenv("OM_TARGET", "10")
    assert skipped(load_config(path), "all") is None
    # new code or a new library version, same inputs
    current = ReleaseStore(config.store).current_id()
    assert skipped(load_config(path), "all") == current
    real = built_with.software()
    monkeypatch.setattr(built_with, "software", lambda: {**real, "duckdb": "99.0.0"})
    assert skipped(load_config(path), "all") is None


def test_the_code_hash_changes_with_any_engine_file(tmp_path):
    from core.built_with import code_sha256

    for name in ("etl/a.py", "indicators/sql/b.sql", "dashboard/c.py"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x = 1\n")
    before = code_sha256(tmp_path)
    (tmp_path / "dashboard/c.py").write_text("x = 2\n")  # the dashboard does not compute a release
    assert code_sha256(tmp_path) == before
    (tmp_path / "indicators/sql/b.sql").write_text("SELECT 2\n")
    assert code_sha256(tmp_path) != before
    assert len(code_sha256()) == 64  # this very code


def _with_empty_measure(tmp_path, rules: dict | None = None):
    """The tiny deployment plus an indicator whose measure has no observation in its source."""
    import yaml

    path = tiny_config(tmp_path, schedules=SCHEDULES)
    cfg = yaml.safe_load(path.read_text())
    cfg["measures"].append({"id": "complaints", "source": "services"})
    cfg["indicators"].append({"id": "complaints", "title": "Complaints", "theme": "service use", "kind": "output",
                              "unit": "complaints", "compute": {"method": "sum", "measure": "complaints"}})
    if rules:
        cfg["sources"][0]["validation"] = {"rules": rules}
    path.write_text(yaml.safe_dump(cfg, sort_keys=False))
    return load_config(path)


def test_an_indicator_without_observations_is_reported_and_does_not_stop_skipping(tmp_path):
    from core.freshness import freshness

    config = _with_empty_measure(tmp_path)
    assert skipped(config, "all") is None
    db = catalogue.connect(config.catalogue)
    _, found = catalogue.last_run_findings(db)
    assert found[["rule", "severity", "measure"]].values.tolist() == [["no_observations", "warn", "complaints"]]
    assert found["message"].iloc[0] == (
        "no observation of measure 'complaints' in source 'services': no row has measure 'complaints' (the column "
        "'measure' holds 'applications', 'applications_online'); the indicators computed from it have no value "
        "this run")
    # it was computed (no rows): the next trigger with nothing changed is skipped, not run forever
    assert "complaints" in catalogue.indicators_computed(db, ReleaseStore(config.store).current_id())
    assert skipped(config, "all") == ReleaseStore(config.store).current_id()
    # but a run that found nothing did not refresh it
    states = {f.indicator: f.state for f in freshness(config)}
    assert states == {"online_share": "fresh", "applications": "fresh", "complaints": "stale"}


def test_a_source_that_arrives_without_a_measure_can_block_the_run(tmp_path):
    from core.errors import StepFailed

    config = _with_empty_measure(tmp_path, {"no_observations": "block"})
    with pytest.raises(StepFailed, match="1 no_observations finding"):
        run(config)
    assert ReleaseStore(config.store).current_id() is None


def test_a_measure_whose_every_row_is_quarantined_has_no_observation(tmp_path):
    """The rule that drops rows after reading (numerator above denominator) leaves the measure empty too."""
    import yaml

    path = tiny_config(tmp_path, schedules=SCHEDULES)
    services = tmp_path / "in" / "services.csv"
    cfg = yaml.safe_load(path.read_text())
    cfg["measures"].append({"id": "complaints", "source": "services"})
    cfg["indicators"].append({"id": "complaint_share", "title": "Complaints", "theme": "service use", "kind": "outcome",
                              "unit": "%", "compute": {"method": "ratio", "numerator": "complaints",
                                                       "denominator": "applications", "multiplier": 100}})
    path.write_text(yaml.safe_dump(cfg, sort_keys=False))
    (tmp_path / "in" / "services.csv").write_text(services.read_text() + "complaints,T11,2022,2000,\n")
    config = load_config(path)
    run(config)
    _, found = catalogue.last_run_findings(catalogue.connect(config.catalogue))
    rules = sorted(zip(found["rule"], found["measure"], strict=True))
    assert ("no_observations", "complaints") in rules  # its one row was above its denominator (1000)
    assert ("numerator_above_denominator", "complaints") in rules


def test_a_chunk_of_indicators_without_rows_writes_nothing_and_the_release_is_whole(tmp_path, monkeypatch):
    """One indicator per chunk, the first of them with no observation: its empty chunk is skipped (it must
    not fix the release's schema or write empty row groups), and the others are written."""
    import pandas as pd

    from etl import release_values

    config = _with_empty_measure(tmp_path)
    config = config.model_copy(update={"indicators": [
        i.model_copy(update={"id": "a_complaints"}) if i.id == "complaints" else i for i in config.indicators]})
    monkeypatch.setattr(release_values, "ROWS_PER_CHUNK", 1)
    result = run(config)
    values = pd.read_parquet(result.path / "indicator_values.parquet")
    assert set(values["indicator"]) == {"online_share", "applications"}
    assert values["value"].dtype == "float64"
    by_area = pd.read_parquet(result.path / "by_area")
    assert len(by_area) == len(values)
