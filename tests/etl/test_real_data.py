"""The real data in examples/data is the repository's own: a fresh clone runs its tests, examples and benches.

Nothing in tests/, examples/, scripts/, bench/ or docs/ refers to the data folder that used to lie beside the
repository; the example configs' file paths are all inside the repository; and every file in examples/data is
the one its folder's SOURCE.md describes (by SHA-256, a gzipped copy by its content).
"""

from __future__ import annotations

import gzip
import hashlib
import re
from pathlib import Path

import pytest
import yaml

from tests.conftest import REAL_DATA, ROOT

#: Written in pieces so that this file does not match itself.
OUTSIDE = [b"../" + b"shared", b"shared" + b"/data", b"OPENMEASURE_" + b"SHARED_DATA"]
SCANNED = ["tests", "examples", "scripts", "bench", "docs"]
SKIPPED = {"__pycache__", ".pytest_cache", "node_modules"}
CONFIGS = ["examples/eurostat/config.yaml", "tests/dashboard/api/eurostat/config.yaml"]


def references_outside(folder: Path) -> list[str]:
    """``file:line: text`` of every line under ``folder`` that refers to the old data folder outside the repository."""
    found = []
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if not path.is_file() or SKIPPED & set(rel.parts) or rel.parts[:2] == ("bench", "out"):
            continue
        data = path.read_bytes()
        if any(p in data for p in OUTSIDE):
            for n, line in enumerate(data.splitlines(), 1):
                if any(p in line for p in OUTSIDE):
                    found.append(f"{rel}:{n}: {line.decode('utf-8', 'replace').strip()}")
    return found


def test_nothing_refers_to_data_outside_the_repository():
    found = [f"{name}/{hit}" for name in SCANNED if (ROOT / name).is_dir() for hit in references_outside(ROOT / name)]
    assert found == []


def test_a_reference_outside_is_found(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.md").write_text("fine\npath: ../" + "shared" + "/data/x.csv\n")
    (tmp_path / "c.yaml").write_text("path: ${OPENMEASURE_" + "SHARED_DATA:-x}/y\n")
    (tmp_path / "ok.md").write_text("a shared computer, the shared data of a team\n")
    assert references_outside(tmp_path) == ["c.yaml:1: path: ${OPENMEASURE_" + "SHARED_DATA:-x}/y",
                                            "docs/a.md:2: path: ../" + "shared" + "/data/x.csv"]


def config_paths(config: Path) -> dict[str, str]:
    """The file paths of a config, by key, as written."""
    raw = yaml.safe_load(config.read_text(encoding="utf-8"))
    geo = raw.get("geography") or {}
    paths = {"geography.areas.path": geo["areas"]["path"]}
    paths |= {f"geography.boundaries.{k}": v for k, v in (geo.get("boundaries") or {}).items()}
    for i, src in enumerate(raw.get("sources") or []):
        for key in ("path", "metadata"):
            if key in src:
                paths[f"sources[{i}].{key}"] = src[key]
        if "path" in (src.get("code_mapping") or {}):
            paths[f"sources[{i}].code_mapping.path"] = src["code_mapping"]["path"]
    return paths


@pytest.mark.parametrize("name", CONFIGS)
def test_every_file_of_the_example_configs_is_in_the_repository(name):
    config = ROOT / name
    paths = config_paths(config)
    assert len(paths) >= 2
    for key, value in paths.items():
        assert "${" not in value, f"{name}: {key} depends on the environment: {value}"
        path = (config.parent / value).resolve()
        assert path.is_file(), f"{name}: {key}: {path} not found"
        assert path.is_relative_to(ROOT), f"{name}: {key}: {path} is outside the repository"


def listed_checksums(source_md: Path) -> dict[str, str]:
    """File (relative to the folder) -> SHA-256, from the ``SHA-256 of the files`` block of a SOURCE.md."""
    block = source_md.read_text(encoding="utf-8").split("## SHA-256 of the files", 1)[1].split("```")[1]
    return {name.removeprefix("./"): digest for digest, name in re.findall(r"([0-9a-f]{64})\s+(\S+)", block)}


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def differences(base: Path) -> list[str]:
    """The files of a data folder that are not the ones its SOURCE.md lists (a ``.gz`` copy of a listed file
    counts as that file once unpacked)."""
    listed = listed_checksums(base / "SOURCE.md")
    problems = []
    for path in sorted(p for p in base.rglob("*") if p.is_file() and p.name != "SOURCE.md"):
        name, data = str(path.relative_to(base)), path.read_bytes()
        if name not in listed and name.endswith(".gz") and name.removesuffix(".gz") in listed:
            name, data = name.removesuffix(".gz"), gzip.decompress(data)
        if name not in listed:
            problems.append(f"{path.relative_to(base)}: not listed in SOURCE.md")
        elif sha256(data) != listed[name]:
            problems.append(f"{path.relative_to(base)}: differs from the file SOURCE.md describes")
    return problems


@pytest.mark.parametrize("folder", sorted(p.name for p in REAL_DATA.iterdir() if p.is_dir()))
def test_every_file_is_the_published_one(folder):
    base = REAL_DATA / folder
    assert any(p.name != "SOURCE.md" for p in base.rglob("*") if p.is_file())
    assert differences(base) == []
    assert f"`{folder}/`" in (REAL_DATA / "README.md").read_text(encoding="utf-8")


def test_a_changed_or_unlisted_file_is_found(tmp_path):
    same, changed = b"a,b\n1,2\n", b"a,b\n1,3\n"
    (tmp_path / "SOURCE.md").write_text(f"# x\n\n## SHA-256 of the files in this folder\n```\n"
                                        f"{sha256(same)}  ./same.csv\n{sha256(same)}  ./data/changed.csv\n"
                                        f"{sha256(same)}  ./packed.tsv\n{sha256(same)}  ./left-out.csv\n```\n")
    (tmp_path / "data").mkdir()
    (tmp_path / "same.csv").write_bytes(same)
    (tmp_path / "data" / "changed.csv").write_bytes(changed)
    (tmp_path / "packed.tsv.gz").write_bytes(gzip.compress(same))
    (tmp_path / "extra.csv").write_bytes(same)
    assert differences(tmp_path) == ["data/changed.csv: differs from the file SOURCE.md describes",
                                     "extra.csv: not listed in SOURCE.md"]
