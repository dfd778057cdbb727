"""`openmeasure disclosure release-cell`: a cell withheld because its source's status was misread as
confidential stays withheld in every later release (kept); an operator releases it, with who and why recorded
in the catalogue, and the next run publishes it. A cell withheld by disclosure control is refused."""

from __future__ import annotations

import math

import pandas as pd
import pytest
import yaml

from core import catalogue
from core.config import load_config
from core.store import ReleaseStore
from etl import cell_release, cli
from etl.pipeline import run
from indicators import disclosure
from tests.indicators.world import build_config

pytestmark = pytest.mark.slow  # more than a few seconds: left out of the fast lane (README)

BUCKS = "Value for Bucks County applied to districts"
TOTAL = {"id": "total", "unit": "people", "compute": {"method": "sum", "measure": "x"}}
SMALL = {"id": "small", "unit": "people", "compute": {"method": "sum", "measure": "y"},
         "disclosure": {"threshold": 10}}


def _world(tmp_path):
    obs = [("x", "L1", 2020, 20, ""), ("x", "L2", 2020, 300, BUCKS), ("x", "L3", 2020, 40, ""),
           ("x", "L4", 2020, 50, ""), ("y", "L1", 2020, 20, ""), ("y", "L2", 2020, 30, ""),
           ("y", "L3", 2020, 40, ""), ("y", "L4", 2020, 5, "")]
    path = build_config(tmp_path, obs, [TOTAL, SMALL], ["x", "y"])
    cfg = yaml.safe_load(path.read_text())
    # the release of the error: the status text read as confidential
    cfg["sources"][0]["status_map"] = {BUCKS: "c"}
    path.write_text(yaml.safe_dump(cfg))
    return path


def _fix_the_status(path):
    cfg = yaml.safe_load(path.read_text())
    del cfg["sources"][0]["status_map"]
    path.write_text(yaml.safe_dump(cfg))


def _values(config) -> pd.DataFrame:
    return pd.read_parquet(ReleaseStore(config.store).path() / "indicator_values.parquet")


def _cell(values: pd.DataFrame, indicator: str, area: str):
    return values[(values.indicator == indicator) & (values.area_code == area) & (values.period == "2020")].iloc[0]


def test_a_cell_withheld_in_error_is_published_after_release_and_the_release_is_audited(tmp_path):
    path = _world(tmp_path)
    run(load_config(path))
    first = ReleaseStore(load_config(path).store).current_id()
    assert _cell(_values(load_config(path)), "total", "L2").note == disclosure.CONFIDENTIAL_REASON

    _fix_the_status(path)
    config = load_config(path)
    run(config)  # the status is read right now, but the cell is kept withheld: the problem
    kept = _cell(_values(config), "total", "L2")
    assert kept.status == "suppressed" and kept.note == disclosure.KEPT_REASON

    assert cli.main(["disclosure", "release-cell", "--config", str(path), "--indicator", "total", "--area", "L2",
                     "--period", "2020", "--by", "A. Operator", "--reason", f"status {BUCKS!r} misread as c"]) == 0
    engine = catalogue.connect(config.catalogue)
    done = cell_release.released(engine)
    # L1 was withheld only to protect L2 (R1 = L1 + L2): released with it
    assert done[["indicator", "area_code", "period", "breakdown", "released_by"]].values.tolist() == [
        ["total", "L2", "2020", "total", "A. Operator"], ["total", "L1", "2020", "total", "A. Operator"]]
    assert done["first_withheld_in"].tolist() == [first, first]
    assert set(done["withheld_in"]) == {ReleaseStore(config.store).current_id()} != {first}
    assert done["reason"].tolist()[1].startswith("withheld only to protect total / L2 / 2020 / total")

    run(config)
    values = _values(config)
    assert (_cell(values, "total", "L2").value, _cell(values, "total", "L1").value) == (300, 20)
    assert set(values.loc[values.indicator == "total", "status"]) == {"ok"}
    # the small count is still withheld
    assert math.isnan(_cell(_values(config), "small", "L4").value)


def test_disclosure_control_cells_are_refused_with_the_reason(tmp_path, capsys):
    path = _world(tmp_path)
    config = load_config(path)
    run(config)
    store, engine = ReleaseStore(config.store), catalogue.connect(config.catalogue)
    with pytest.raises(cell_release.ReleaseRefused, match="disclosure control .a small count, or a figure"):
        cell_release.release_cell(engine, store, cell_release.Cell("small", "L4", "2020"), "A. Operator", "why")
    with pytest.raises(cell_release.ReleaseRefused, match="secondary suppression"):
        cell_release.release_cell(engine, store, cell_release.Cell("total", "L1", "2020"), "A. Operator", "why")
    with pytest.raises(cell_release.ReleaseRefused, match="is not withheld"):
        cell_release.release_cell(engine, store, cell_release.Cell("total", "R2", "2020"), "A. Operator", "why")
    with pytest.raises(cell_release.ReleaseRefused, match="has no cell total / L9 / 2020 / total"):
        cell_release.release_cell(engine, store, cell_release.Cell("total", "L9", "2020"), "A. Operator", "why")
    code = cli.main(["disclosure", "release-cell", "--config", str(path), "--indicator", "small", "--area", "L4",
                     "--period", "2020", "--by", "A. Operator", "--reason", "why"])
    assert code == 2 and "cannot be released" in capsys.readouterr().err
    assert cell_release.released(engine).empty


def test_the_released_cells_are_listed(tmp_path, capsys):
    path = _world(tmp_path)
    config = load_config(path)
    run(config)
    assert cli.main(["disclosure", "released", "--config", str(path)]) == 0
    assert "no cell has been released" in capsys.readouterr().out
    cell_release.release_cell(catalogue.connect(config.catalogue), ReleaseStore(config.store),
                              cell_release.Cell("total", "L2", "2020"), "A. Operator", "misread status")
    assert cli.main(["disclosure", "released", "--config", str(path)]) == 0
    listed = capsys.readouterr().out
    assert "L2" in listed and "A. Operator" in listed and "misread status" in listed


def test_cells_that_also_protect_a_small_count_are_not_released_with_it(tmp_path):
    path = _world(tmp_path)
    cfg = yaml.safe_load(path.read_text())
    cfg["indicators"][0]["disclosure"] = {"threshold": 10}
    path.write_text(yaml.safe_dump(cfg))
    (tmp_path / "obs.csv").write_text((tmp_path / "obs.csv").read_text().replace("x,L3,2020,40", "x,L3,2020,5"))
    config = load_config(path)
    run(config)
    withheld = _values(config).query("indicator == 'total' and status == 'suppressed'")
    assert set(withheld["area_code"]) == {"L1", "L2", "L3", "L4"}  # L3 a small count, L4 its secondary
    done = cell_release.release_cell(catalogue.connect(config.catalogue), ReleaseStore(config.store),
                                     cell_release.Cell("total", "L2", "2020"), "A. Operator", "misread status")
    assert [r["area_code"] for r in done] == ["L2"]  # L1 may protect L3 too (C = R1 + R2): it stays


def test_a_cell_whose_first_release_was_pruned_is_refused(tmp_path):
    path = _world(tmp_path)
    run(load_config(path))
    _fix_the_status(path)
    config = load_config(path)
    run(config)
    store = ReleaseStore(config.store)
    assert store.prune(keep=1)  # the release that withheld it as confidential is gone
    with pytest.raises(cell_release.ReleaseRefused, match="no longer in the store"):
        cell_release.release_cell(catalogue.connect(config.catalogue), store,
                                  cell_release.Cell("total", "L2", "2020"), "A. Operator", "misread status")
