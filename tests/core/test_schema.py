"""The release schema (core/schema.py): what the computation and the writers produce is checked against it at
run time, the demo release matches it, and it cannot change under an unchanged SCHEMA_VERSION."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from core import schema, schema_docs
from core.config import load_config
from core.geography import load_areas
from etl.observations import extract_measures
from etl.release_values import write_values
from etl.sources import read_source
from indicators import sqltext
from indicators.compute import compute
from indicators.engine import DuckDBEngine
from tests.indicators.world import build_config

GOLDEN = Path(__file__).parents[1] / "data" / "schema"

OBS = [
    ("x", "L1", 2020, 10, ""), ("n", "L1", 2020, 100, ""), ("x", "L2", 2020, 60, "p"), ("n", "L2", 2020, 300, ""),
    ("x", "L3", 2020, 13, ""), ("n", "L3", 2020, 120, ""), ("x", "L4", 2020, 100, ""), ("n", "L4", 2020, 480, ""),
    ("x", "L1", 2019, 20, ""), ("n", "L1", 2019, 100, ""), ("x", "L2", 2019, 30, ""), ("n", "L2", 2019, 300, ""),
    ("x", "L3", 2019, 12, ""), ("n", "L3", 2019, 120, ""), ("x", "L4", 2019, 48, ""), ("n", "L4", 2019, 480, ""),
]
RATE = {"id": "rate", "compute": {"method": "ratio", "numerator": "x", "denominator": "n", "multiplier": 100}}


def _write_world(tmp_path: Path) -> None:
    """Compute the four-area world and write its values as a release does."""
    config = load_config(build_config(tmp_path, OBS, [RATE], ["x", "n"]))
    areas = load_areas(config.geography)
    source = config.sources[0]
    obs = extract_measures(read_source(source), source, config.measures, config)
    neighbours = pd.DataFrame(columns=["area_code", "neighbour_code", "rank", "distance"])
    engine = DuckDBEngine("1GB", 1)
    try:
        comp = compute(engine, config, areas, obs, neighbours)
        (tmp_path / "release").mkdir()
        write_values(comp, tmp_path / "release")
    finally:
        engine.close()


def _sql_with(monkeypatch, old: str, new: str) -> None:
    original = sqltext.compare_sql

    def patched(*args, **kwargs):
        sql = original(*args, **kwargs)
        assert old in sql, f"compare.sql no longer has {old!r}: update this test"
        return sql.replace(old, new)
    monkeypatch.setattr(sqltext, "compare_sql", patched)


def test_the_computation_gives_the_declared_values_table(tmp_path):
    _write_world(tmp_path)
    written = pq.read_schema(tmp_path / "release" / "indicator_values.parquet")
    schema.INDICATOR_VALUES.check(written, "the world's release")
    assert [n for n in schema.INDICATOR_VALUES.where("outputs", "release")
            if not schema.INDICATOR_VALUES.meta(n, "optional")] == written.names


def test_a_renamed_column_of_the_sql_is_refused_with_both_names(tmp_path, monkeypatch):
    _sql_with(monkeypatch, "j.peer_mean, j.peer_count,", "j.peer_mean, j.peer_count AS peer_total,")
    with pytest.raises(schema.SchemaMismatch) as err:
        _write_world(tmp_path)
    message = str(err.value)
    assert "compare.sql" in message and "indicator_values" in message
    assert "missing column(s) peer_count" in message and "unexpected column(s) peer_total" in message


def test_a_mistyped_column_of_the_sql_is_refused_with_both_types(tmp_path, monkeypatch):
    _sql_with(monkeypatch, "j.peer_mean, j.peer_count,", "j.peer_mean, CAST(j.peer_count AS DOUBLE) AS peer_count,")
    with pytest.raises(schema.SchemaMismatch, match="column peer_count is double, declared int64"):
        _write_world(tmp_path)


def test_check_names_missing_extra_misplaced_and_mistyped_columns():
    table = schema.NEIGHBOURS
    table.check(pa.schema([("area_code", pa.large_string()), ("neighbour_code", pa.dictionary(pa.int32(), pa.string())),
                           ("rank", pa.int64()), ("distance", pa.null())]), "fine")
    cases = {
        "missing column(s) distance": [("area_code", pa.string()), ("neighbour_code", pa.string()),
                                       ("rank", pa.int64())],
        "unexpected column(s) extra": [("area_code", pa.string()), ("neighbour_code", pa.string()),
                                       ("rank", pa.int64()), ("distance", pa.float64()), ("extra", pa.string())],
        "column rank is string, declared int64": [("area_code", pa.string()), ("neighbour_code", pa.string()),
                                                  ("rank", pa.string()), ("distance", pa.float64())],
        "out of order: distance where rank is declared": [("area_code", pa.string()), ("neighbour_code", pa.string()),
                                              ("distance", pa.float64()), ("rank", pa.int64())],
    }
    for expected, fields in cases.items():
        with pytest.raises(schema.SchemaMismatch, match=re.escape(expected)):
            table.check(pa.schema(fields), "a test")
    # an open table (areas: the configured attributes) takes more columns, not fewer
    schema.AREAS.check(pa.schema([*schema.AREAS.plain(), ("population", pa.int64())]), "areas")
    with pytest.raises(schema.SchemaMismatch, match="missing column"):
        schema.AREAS.check(pa.schema(list(schema.AREAS.plain())[1:]), "areas")


def test_every_file_of_the_demo_release_matches_its_declaration(demo_release):
    folder = Path(demo_release.path)
    for name, table in schema.TABLES.items():
        if (folder / f"{name}.parquet").exists():
            table.check(pq.read_schema(folder / f"{name}.parquet"), f"demo {name}.parquet")
    for part in (folder / "by_area").glob("*.parquet"):
        schema.INDICATOR_VALUES.check(pq.read_schema(part), part.name)
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["schema_version"] == schema.SCHEMA_VERSION


def test_a_reader_projection_of_an_undeclared_column_fails_at_once():
    with pytest.raises(KeyError, match="indicator_values has no column 'valu'"):
        schema.INDICATOR_VALUES.select("area_code", "valu")


def test_the_schema_is_the_fingerprint_of_its_version():
    """Changing a table of core/schema.py changes what readers of a release get: the version must move."""
    path = GOLDEN / f"{schema.SCHEMA_VERSION}.json"
    assert path.exists(), (
        f"no fingerprint for release schema {schema.SCHEMA_VERSION}: write it with "
        f"`python -m core.schema > {path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}`")
    changes = schema.fingerprint_changes(json.loads(path.read_text()))
    assert not changes, (
        f"the release schema (core/schema.py) changed but SCHEMA_VERSION is still {schema.SCHEMA_VERSION}: "
        + "; ".join(changes) + ". If the change is meant, bump SCHEMA_VERSION in core/schema.py and write the new "
        "version's fingerprint with `python -m core.schema > tests/data/schema/<new version>.json` (keep the old "
        "versions' files); otherwise undo the change.")


def test_a_changed_description_shows_in_the_fingerprint_changes():
    kept = json.loads((GOLDEN / f"{schema.SCHEMA_VERSION}.json").read_text())
    column = kept["tables"]["indicator_values"]["columns"][0]
    column["description"] = "something else"
    del kept["tables"]["quality"]
    kept["tables"]["neighbours"]["columns"].pop()
    assert schema.fingerprint_changes(kept) == ["table quality added", "indicator_values.indicator: description "
                                                "changed", "neighbours.distance added"]


def test_every_version_fingerprint_differs_from_the_others():
    kept = {p.stem: json.loads(p.read_text())["tables"] for p in GOLDEN.glob("*.json")}
    assert schema.SCHEMA_VERSION in kept
    assert len({json.dumps(t, sort_keys=True) for t in kept.values()}) == len(kept)


def test_the_schema_page_of_the_docs_is_written_from_the_declarations():
    page = Path(__file__).parents[2] / "docs" / "release-schema.md"
    assert page.read_text(encoding="utf-8") == schema_docs.markdown(), (
        "docs/release-schema.md is not what core/schema.py and core/statuses.py declare: rewrite it with "
        "`python -m core.schema_docs > docs/release-schema.md`")
