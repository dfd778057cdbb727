"""The schemathesis command line itself (``schemathesis run <served openapi.json> --checks all``) against the
demo served by gunicorn, as a publisher's user would run it: every check, every phase, every operation, with a
bounded number of examples per operation so the run stays under two minutes. Any failure fails the test, with
schemathesis's own report of it.

tests/standards/test_http_conformance.py runs the same checks in-process (WSGI) through the Python API; this
one checks what goes over the wire (gunicorn, real headers, the document at its served URL)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.standards.conftest import _serve

pytestmark = pytest.mark.slow

#: Examples per operation and phase: enough to send each parameter with and without the others, few enough
#: for the whole run to take about a minute on a shared machine.
MAX_EXAMPLES = 15


@pytest.fixture(scope="module")
def served_demo(demo_release, demo_env):
    gen = _serve(ROOT / "config.yaml", demo_env)
    yield next(gen)
    gen.close()


def schemathesis_cli() -> list[str]:
    """The schemathesis executable of this interpreter's environment."""
    exe = Path(sys.executable).with_name("schemathesis")
    if not exe.exists():
        pytest.skip("the schemathesis command line is not installed")
    return [str(exe)]


#: What a schema-violating request may get: schemathesis's defaults and 414, which the document gives every
#: operation (a query string over access.max_query_length, whatever else is wrong with it; gunicorn's own,
#: HTML, 414 is lifted above the app's by the serve options _serve uses).
NEGATIVE_STATUSES = ["400", "401", "403", "404", "405", "406", "409", "414", "415", "422", "428", "429", "5xx"]


def test_schemathesis_cli_with_every_check_finds_no_failure(served_demo, tmp_path):
    config = tmp_path / "schemathesis.toml"
    statuses = ", ".join(f'"{s}"' for s in NEGATIVE_STATUSES)
    config.write_text(f"[checks.negative_data_rejection]\nexpected-statuses = [{statuses}]\n")
    cmd = [*schemathesis_cli(), "--config-file", str(config), "run", f"{served_demo}/api/v1/openapi.json",
           "--checks", "all",
           "--max-examples", str(MAX_EXAMPLES), "--seed", "18", "--generation-database", "none",
           "--workers", "1", "--request-timeout", "60", "--suppress-health-check", "all", "--no-color"]
    done = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=600)
    out = done.stdout + done.stderr
    cases = re.search(r"Test cases:\s*(\d+) generated, (\d+) passed", out)
    assert done.returncode == 0 and cases, out[-8000:]  # schemathesis exits 1 on any failure or error
    generated, passed = int(cases[1]), int(cases[2])
    assert generated == passed and generated >= 500, out[-3000:]
    assert "No issues found" in out, out[-3000:]
