"""The computation's SQL stays in the subset Spark SQL runs too (indicators/sql/README.md): it parses in
sqlglot's Spark dialect and uses none of DuckDB's own constructs."""

from __future__ import annotations

import re

import pytest
import sqlglot

from indicators import sqltext

SQL = {
    "keys": sqltext.keys_sql(),
    "cells": sqltext.cells_sql(4, (0, 9)),
    "rollup": sqltext.rollup_sql(4),
    "values": sqltext.values_sql((0, 9)),
    "disclosure": sqltext.disclosure_sql(),
    "published_cells": sqltext.published_cells_sql(20, 3, (0, 9), 500),
    "compare": sqltext.compare_sql(20, 3, (0, 9), 3, 500),
    # with an aggregate root (geography.aggregate_root): built, and published
    "cells_aggregate": sqltext.cells_sql(4, (0, 9), aggregate=True),
    "rollup_aggregate": sqltext.rollup_sql(4, aggregate=True),
    "rollup_aggregate_one_level": sqltext.rollup_sql(1, aggregate=True),
    "keys_aggregate": sqltext.keys_sql(area_table="area_keys"),
    "values_aggregate": sqltext.values_sql((0, 9), area_table="area_keys"),
    "disclosure_aggregate": sqltext.disclosure_sql(area_table="disclosure_areas"),
    "compare_aggregate": sqltext.compare_sql(20, 3, (0, 9), 3, 500, aggregate_members=(0, 7)),
    # a source the engine reads (read_by: engine): text and typed values, a fixed period, no selection
    "source_rows": sqltext.source_rows_sql("source_s", 0, 4, [2, 3], period=1, flag=5, numeric=False),
    "source_rows_typed": sqltext.source_rows_sql("source_s", 0, 1, [], period=None, flag=None, numeric=True),
    "bad_values": sqltext.bad_values_sql("source_s", 4, False, 1001),
    "bad_values_typed": sqltext.bad_values_sql("source_s", 4, True, 1001),
}

DUCKDB_ONLY = [r"::", r"\bQUALIFY\b", r"GROUP BY ALL", r"\bILIKE\b", r"\bEXCLUDE\b", r"\bREPLACE\s*\(",
               r"read_parquet", r"\bIF\s*\(", r"\blist_", r"\bstruct_", r"\bstring_agg\b", r"\bCOLUMNS\s*\(",
               # an ordered aggregate (AVG(x ORDER BY y)): Spark SQL has none; a window ordered over the whole
               # partition is the portable form
               r"\b(AVG|SUM|COUNT|MIN|MAX)\s*\([^()]*\bORDER\s+BY"]


@pytest.mark.parametrize("name", SQL)
def test_parses_as_spark_sql(name):
    tree = sqlglot.parse_one(SQL[name], read="spark", error_level=sqlglot.ErrorLevel.RAISE)
    assert tree.find(sqlglot.exp.Select) is not None


@pytest.mark.parametrize("name", SQL)
def test_uses_no_duckdb_only_syntax(name):
    body = re.sub(r"--[^\n]*", "", SQL[name])
    used = [p for p in DUCKDB_ONLY if re.search(p, body, flags=re.I)]
    assert not used, f"{name}.sql uses {used}"


def test_templates_hold_no_unfilled_placeholders():
    for name, sql in SQL.items():
        assert not re.search(r"\{[a-z_]+\}", sql), name
