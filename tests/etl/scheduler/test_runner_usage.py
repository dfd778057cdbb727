"""Usage errors of ``etl run`` and what a run that did nothing says: no run record for a run that never started."""

from __future__ import annotations

import pytest

from tests.etl.scheduler.conftest import openmeasure, runs, tiny_config

pytestmark = pytest.mark.slow  # more than a few seconds: left out of the fast lane (README)


def test_an_unknown_job_is_an_error_not_a_failed_run(tmp_path):
    config = tiny_config(tmp_path, schedules=[{"id": "nightly", "cron": "0 2 * * *"}])
    done = openmeasure("etl", "run", "--config", str(config), "--job", "nightli")
    assert done.returncode == 2
    assert "unknown job 'nightli'; the config declares: nightly" in " ".join(done.stderr.split())
    assert "Traceback" not in done.stderr
    # nothing ran: no run of 'nightli' in the catalogue (nor on /status), nothing published
    assert runs(config) == []
    assert not (tmp_path / "store" / "CURRENT").exists()


def test_an_unknown_job_with_skip_unchanged_is_the_same_error(tmp_path):
    config = tiny_config(tmp_path, schedules=[{"id": "nightly", "cron": "0 2 * * *"}])
    done = openmeasure("etl", "run", "--config", str(config), "--job", "nightli", "--skip-unchanged")
    assert done.returncode == 2 and "unknown job 'nightli'" in done.stderr
    assert runs(config) == []


def test_inputs_unchanged_reads_as_a_sentence():
    from etl.runner import InputsUnchanged

    assert f"nothing to do: {InputsUnchanged('20260301T020000Z-abc123')}" == (
        "nothing to do: release 20260301T020000Z-abc123 already holds these indicators, computed from the config, "
        "the settings in effect, the files it names, the software and every source as they are now")
