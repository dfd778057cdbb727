"""The compute-method registry (indicators/methods): every method declares every part, and the rest of the
code base asks the registry instead of naming methods."""

from __future__ import annotations

import importlib
import pkgutil
import re
import subprocess

import pytest

import indicators.methods as registry
from indicators.methods import DISPLAYS, METHODS, Method
from indicators.sqltext import values_sql
from tests.conftest import ROOT

MODULES = sorted(m.name for m in pkgutil.iter_modules(registry.__path__) if m.name != "base")


def test_the_registry_holds_one_method_per_module_named_as_the_module():
    found = {}
    for name in MODULES:
        method = importlib.import_module(f"indicators.methods.{name}").METHOD
        assert isinstance(method, Method), name
        found[method.name] = name
    assert sorted(found) == sorted(METHODS) and all(k == v for k, v in found.items())


@pytest.mark.parametrize("name", sorted(METHODS))
def test_every_method_has_all_its_parts(name):
    m = METHODS[name]
    assert m.summary and m.aggregation and len(m.methodology) > 40 and m.keys
    assert set(m.keys) <= {"measure", "numerator", "denominator", "multiplier", "base_period"}
    assert m.display in DISPLAYS and "none" in m.intervals
    assert callable(m.check) and callable(m.auto_interval)
    if m.local:  # made from the roll-up: it needs a value, and its fragments must be in the SQL
        assert m.value_sql
        sql = values_sql((0, 0))
        assert f"WHEN i.method = '{name}' THEN {m.value_sql}" in sql
        for fragment in (m.ctes, m.join, m.note_sql):
            assert not fragment or fragment in sql
    else:
        assert m.value_sql is None and not (m.ctes or m.join or m.note_sql)


@pytest.mark.parametrize("name", sorted(METHODS))
def test_every_method_is_documented(name):
    """Its methodology paragraph is in docs/methodology.md word for word, and configuration.md names it."""
    flat = re.sub(r"\s+", " ", (ROOT / "docs" / "methodology.md").read_text(encoding="utf-8"))
    assert re.sub(r"\s+", " ", METHODS[name].methodology) in flat, f"{name}: docs/methodology.md differs"
    config_doc = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    row = next(line for line in config_doc.splitlines() if line.startswith("| `indicators[].compute.method`"))
    assert f"`{name}`" in row


def test_no_module_outside_the_registry_names_a_method():
    """Branches on a method's name belong in its module: the SQL, the engine, the release and the dashboard
    ask the registry."""
    names = "|".join(METHODS)
    # a comparison with a method's name, or a dict keyed by method names ({"ratio": ..., "sum": ...})
    pattern = rf"""(method\s*(==|!=|<>|=|\bin\b|\bnot in\b)\s*\(?\s*["']({names})["']|\{{\s*["']({names})["']\s*:)"""
    done = subprocess.run(["grep", "-rnE", pattern, "core", "indicators", "etl", "dashboard",
                           "--include=*.py", "--include=*.sql"], cwd=ROOT, capture_output=True, text=True)
    hits = [h for h in done.stdout.splitlines() if not h.startswith("indicators/methods/")]
    assert not hits, "\n".join(hits)


def test_the_dashboard_ranks_by_the_methods_rule():
    from dashboard.components import fmt

    assert not fmt.by_performance("higher_is_better", "sum")  # a total grows with the area's size
    assert fmt.by_performance("higher_is_better", "ratio") and fmt.by_performance("lower_is_better", "count")
    assert not fmt.by_performance("neutral", "ratio")
    # a share moves in percentage points, a count in its unit
    assert fmt.change(2.5, 1, "%", "ratio") == "+2.5 pts" and fmt.change(-3, 0, "people", "sum") == "-3 people"
    assert [fmt.display(m) for m in ("ratio", "sum", "count", "published", None)] == \
        ["unit", "count", "count", "unit", "unit"]
    # an index moves in points of its base (100), and ranks best to worst by its polarity
    assert fmt.display("index") == "index" and fmt.change(17.03, 1, "index (2015 = 100)", "index") == "+17.0 pts"
    assert fmt.by_performance("lower_is_better", "index")
