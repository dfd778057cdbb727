"""Processes that start together against a new catalogue (two schedulers, a scheduler and a manual run)
must all get it, not fail on 'table already exists'."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT


def test_concurrent_first_connections_all_succeed(tmp_path):
    url = f"sqlite:///{tmp_path / 'catalog.db'}"
    code = f"from core import catalogue; catalogue.connect({url!r}); print('ok')"
    procs = [subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(8)]
    results = [p.communicate(timeout=120) for p in procs]
    assert [out.strip() for out, _ in results] == ["ok"] * 8, [err for _, err in results if err]



def test_the_scheduler_job_table_is_made_before_apscheduler_looks_for_it(tmp_path):
    """APScheduler creates its table when it starts, by check-then-create: two schedulers starting together on
    a new catalogue both found it missing and the second died ('table apscheduler_jobs already exists', once
    in ten runs of the two-process tests). build() makes it first, where 'already exists' is retried."""
    from sqlalchemy import inspect

    from core import catalogue
    from core.config import load_config
    from etl import scheduler
    from tests.etl.scheduler.conftest import tiny_config

    config = load_config(tiny_config(tmp_path))
    sched = scheduler.build(config)
    assert inspect(catalogue.connect(config.catalogue)).has_table(scheduler.JOBS_TABLE)
    sched.start(paused=True)
    scheduler.close(sched)


def test_a_table_another_process_made_first_is_not_an_error():
    from sqlalchemy.exc import OperationalError

    from core import catalogue

    class Racing:  # the other process creates the table between our check and our CREATE
        calls = 0

        def create_all(self, engine):
            self.calls += 1
            if self.calls == 1:
                raise OperationalError("CREATE TABLE x", {}, Exception("table x already exists"))

    tables = Racing()
    catalogue.create_tables(None, tables)
    assert tables.calls == 2
