"""The packages form layers: core <- indicators <- {etl, dashboard}, and the web app loads no ETL.

Every import counts, module-level or inside a function: a lazy import is still a dependency.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("core", "indicators", "etl", "dashboard")
#: what each package may import besides itself
ALLOWED = {"core": set(), "indicators": {"core"}, "dashboard": {"core", "indicators"},
           "etl": {"core", "indicators", "dashboard"}}


def package_imports() -> dict[tuple[str, str], list[str]]:
    found: dict[tuple[str, str], list[str]] = {}
    for pkg in PACKAGES:
        for path in sorted((ROOT / pkg).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                         else [node.module] if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module
                         else [])
                for name in names:
                    top = name.split(".")[0]
                    if top in PACKAGES and top != pkg:
                        found.setdefault((pkg, top), []).append(f"{path.relative_to(ROOT)}:{node.lineno} {name}")
    return found


def test_each_package_imports_only_the_layers_below_it():
    wrong = [f"{pkg} -> {other}: {where}" for (pkg, other), where in package_imports().items()
             if other not in ALLOWED[pkg] for where in where]
    assert not wrong, "imports across layers:\n" + "\n".join(wrong)


def test_the_package_graph_has_no_cycle():
    edges = {(a, b) for a, b in package_imports()}
    cycles = [(a, b) for a, b in edges if (b, a) in edges]
    assert not cycles, f"packages import each other: {cycles}"


def test_the_web_app_loads_no_connector_scheduler_or_pipeline():
    code = ("import sys, dashboard.app; print('\\n'.join(m for m in sys.modules if m == 'etl' "
            "or m.startswith(('etl.', 'apscheduler.schedulers', 'apscheduler.jobstores', 'openpyxl', 'odf'))))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [], f"import dashboard.app loaded: {done.stdout.split()}"
