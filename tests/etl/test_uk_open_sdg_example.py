"""examples/uk-open-sdg and docs/bring-your-own-data.md: the guide's commands, run on the example as a user
types them (the CLI in a subprocess), give what the guide shows; the published values are the source file's,
worked out here from the CSV rows themselves; the boundaries match by lad19cd; every command of the guide's
code blocks is one the CLI accepts."""

from __future__ import annotations

import csv
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from tests.conftest import ROOT, temp_store_env

pytestmark = pytest.mark.slow  # more than a few seconds: left out of the fast lane (README)

EXAMPLE = ROOT / "examples" / "uk-open-sdg"
GUIDE = ROOT / "docs" / "bring-your-own-data.md"
FILES = ["indicator_11-6-2.csv", "indicator_17-8-1.csv", "areas.csv", "lad_2019_subset.geojson"]


def cli(*args: str, env: dict[str, str] | None = None, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    full = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200", **(env or {})}
    return subprocess.run([sys.executable, "-m", "etl.cli", *args], capture_output=True, text=True, env=full,
                          cwd=cwd, timeout=300)


def rows(name: str) -> list[dict]:
    with (EXAMPLE / name).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def code_blocks(kind: str) -> list[str]:
    return re.findall(rf"```{kind}\n(.*?)```", GUIDE.read_text(encoding="utf-8"), flags=re.S)


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    """The example run as the guide runs it: etl run against a store of its own."""
    tmp = tmp_path_factory.mktemp("uk")
    env = temp_store_env(tmp)
    done = cli("etl", "run", "--config", str(EXAMPLE / "config.yaml"), env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    return tmp, env, done.stdout


def test_deep_check_of_the_example_passes_with_the_warnings_the_guide_explains():
    done = cli("config", "check", str(EXAMPLE / "config.yaml"), "--deep")
    out = done.stdout
    assert done.returncode == 0, out
    assert "deep check of 2 sources: 0 errors, 19 warnings (nothing was written)" in out
    assert "4 of 59 local_authority areas have a boundary; 0 of 4 features match no area" in out
    assert ("unknown_area: area name 'Armagh' matches no area of the geography (2 rows, period 2013)" in out
            and "row 8, column 'Local Authority'" in out)
    assert "unknown_area: and 23 more like these" in out  # 5 shown + 23 = the 28 towns
    assert "duplicate observation for pm25 E06000023 2013 total; all copies quarantined" in out
    assert "area name 'Durham CC' matches no area of the geography" in out
    assert "Norfolk" not in out  # matched by name


def test_the_guides_first_config_fails_with_the_three_errors_it_shows(tmp_path):
    first = next(b for b in code_blocks("yaml") if b.startswith("title:"))
    for name in FILES:
        shutil.copy(EXAMPLE / name, tmp_path / name)
    (tmp_path / "config.yaml").write_text(first, encoding="utf-8")
    assert yaml.safe_load(first)["geography"]["boundaries"] == {"local_authority": "lad_2019_subset.geojson"}
    done = cli("config", "check", "config.yaml", "--deep", cwd=tmp_path)
    assert done.returncode == 2, done.stdout
    errors = [line for line in done.stdout.splitlines() if line.startswith("error:")]
    assert [e.split(":")[1].strip() for e in errors] == [
        "geography.boundaries.local_authority.code_property", "sources[0].national_area", "sources[1].national_area"]
    assert "set geography.boundaries.local_authority.code_property: lad19cd" in errors[0]
    assert "row 282, column 'GeoCode'" in errors[1] and "row 2, column 'GeoCode'" in errors[2]
    guide = GUIDE.read_text(encoding="utf-8")
    for e in errors:  # the guide shows them as they are, with the folder's name
        assert e.replace(f"(file {tmp_path}/", "(file my-uk/") in guide


def test_run_report_and_audit_say_what_the_guide_says(run_dir):
    _, env, out = run_dir
    assert re.search(r"published release \S+: 438 indicator values, 50 data-quality findings", out)
    report = cli("etl", "report", "--config", str(EXAMPLE / "config.yaml"), "--limit", "5", env=env)
    assert report.returncode == 0
    by_rule = re.findall(r"│ (\S+)\s+│ (\w+)\s+│ (\w+)\s+│ (\d+)\s+│", report.stdout)
    assert [(s, r, n) for s, r, _, n in by_rule] == [
        ("sdg_11_6_2", "unknown_area", "28"), ("sdg_11_6_2", "duplicate_key", "14"),
        ("sdg_17_8_1", "unknown_area", "7"), ("geography.boundaries.local_authority", "boundary_missing", "1")]
    audit = cli("disclosure", "audit", "--config", str(EXAMPLE / "config.yaml"), env=env)
    assert audit.returncode == 0 and "no indicator has a disclosure rule" in audit.stdout


def _release(run_dir) -> Path:
    tmp = run_dir[0]
    return tmp / "store" / "releases" / (tmp / "store" / "CURRENT").read_text().strip()


def test_published_values_are_the_source_files_rows(run_dir):
    values = pd.read_parquet(_release(run_dir) / "indicator_values.parquet")
    got = values.set_index(["indicator", "area_code", "period"])
    pm = rows("indicator_11-6-2.csv")
    internet = rows("indicator_17-8-1.csv")

    def pm25(authority: str, year: str) -> list[float]:
        return [float(r["Value"]) for r in pm if r["Local Authority"] == authority and r["Year"] == year
                and r["Size of particulate matter"] == "PM 2.5"]

    # a Scottish council directly under Scotland (no region), by its GeoCode
    aberdeen = got.loc[("pm25", "S12000033", "2013")]
    assert [aberdeen["value"]] == pm25("Aberdeen City", "2013")
    assert (aberdeen["level"], aberdeen["parent_code"]) == ("local_authority", "S92000003")
    assert [got.loc[("pm25", "S12000033", "2016"), "value"]] == pm25("Aberdeen City", "2016") == [5.0]
    assert pd.isna(got.loc[("pm25", "S92000003", "2016"), "value"])  # the file gives no figure for Scotland
    # Welsh and Northern Irish councils under their country
    assert [got.loc[("pm25", "W06000015", "2016"), "value"]] == pm25("Cardiff", "2016")
    assert got.loc[("pm25", "N09000003", "2016"), "parent_code"] == "N92000002"
    # the national rows: neither a GeoCode nor a local authority
    national = [float(r["Value"]) for r in pm if not r["GeoCode"] and not r["Local Authority"]
                and r["Size of particulate matter"] == "PM 2.5" and r["Year"] == "2016"]
    assert [got.loc[("pm25", "K02000001", "2016"), "value"]] == national
    # Bristol 2013 is published twice with different values: both left out, no figure picked
    assert len(set(pm25("Bristol", "2013"))) == 2
    assert pd.isna(got.loc[("pm25", "E06000023", "2013"), "value"])
    # Norfolk has no GeoCode: matched by name to the county, under the East of England
    norfolk_rows = [r for r in internet if r["Local Authority"] == "Norfolk"]
    assert [r["GeoCode"] for r in norfolk_rows] == [""]
    norfolk = got.loc[("internet_use", "E10000020", "2013")]
    assert norfolk["value"] == float(norfolk_rows[0]["Value"]) == 78.3
    assert norfolk["parent_code"] == "E12000006"
    # a region's own row
    assert got.loc[("internet_use", "E12000006", "2013"), "value"] == next(
        float(r["Value"]) for r in internet if r["GeoCode"] == "E12000006")


def test_boundaries_are_matched_by_lad19cd(run_dir):
    source = json.loads((EXAMPLE / "lad_2019_subset.geojson").read_text(encoding="utf-8"))
    written = json.loads((_release(run_dir) / "boundaries" / "local_authority.geojson").read_text(encoding="utf-8"))
    areas = {r["area_code"]: r for r in rows("areas.csv")}
    assert [f["id"] for f in written["features"]] == [f["properties"]["lad19cd"] for f in source["features"]]
    for f in written["features"]:
        assert areas[f["id"]]["level"] == "local_authority"
        assert areas[f["id"]]["name"] == f["properties"]["lad19nm"]
    assert [f["geometry"] for f in written["features"]] == [f["geometry"] for f in source["features"]]


def test_every_command_of_the_guide_is_one_the_cli_accepts():
    from etl.cli import build_parser

    commands = []
    for block in code_blocks("bash"):
        for line in block.splitlines():
            line = line.split("#")[0].strip()
            if "openmeasure " in line or line.endswith("openmeasure"):
                commands.append(shlex.split(line[line.index("openmeasure"):])[1:])
    assert len(commands) >= 8 and ["config", "check", "my-uk/config.yaml", "--deep"] in commands
    for args in commands:
        if args == ["--help"]:
            continue
        build_parser().parse_args(args)  # SystemExit(2) on anything the CLI does not accept
