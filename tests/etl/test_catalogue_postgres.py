"""The catalogue on a real PostgreSQL (started by scripts/services.sh), as deployments that outgrow the
SQLite file use it."""

from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import create_engine, text

from core import catalogue


@pytest.fixture()
def pg_database():
    url = os.environ.get("OPENMEASURE_TEST_PG_URL")
    if not url:
        if os.environ.get("CI"):
            pytest.fail("OPENMEASURE_TEST_PG_URL is not set: scripts/services.sh did not start PostgreSQL")
        pytest.skip("no PostgreSQL: run `source scripts/services.sh` first")
    name = f"om_cat_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as con:
        con.execute(text(f'CREATE DATABASE "{name}"'))
    yield url.rsplit("/", 1)[0] + "/" + name
    catalogue._engines.pop(url.rsplit("/", 1)[0] + "/" + name).dispose()
    with admin.connect() as con:
        con.execute(text(f'DROP DATABASE "{name}"'))
    admin.dispose()


def test_a_pipeline_run_is_recorded_in_postgresql(demo_config, demo_release, pg_database):
    from etl.pipeline import run

    config = demo_config.model_copy(update={"catalogue": pg_database})
    result = run(config, job="labour_market")
    engine = catalogue.connect(pg_database)
    runs = catalogue.recent_runs(engine)
    assert list(runs.status) == ["succeeded"] and runs.iloc[0].release_id == result.release_id
    assert runs.iloc[0].job == "labour_market"
    assert catalogue.run_count(engine, "succeeded") == 1
