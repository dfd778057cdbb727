"""The open-data API on a ragged geography with several roots and an aggregate root (real UK data,
tests/data/real/uk_ragged): an area answer names the real parent and the area's own root; values answers
compare each area with its real parent and root, and give the aggregate root's value as a benchmark."""

from __future__ import annotations

import io
import json
import shutil

import pandas as pd
import pytest
import yaml

from tests.conftest import ROOT, load_config_with, temp_store_env
from tests.dashboard.api.conftest import make_app

DATA = ROOT / "tests" / "data" / "real" / "uk_ragged"


@pytest.fixture(scope="module")
def ragged(tmp_path_factory):
    from etl.pipeline import run

    tmp = tmp_path_factory.mktemp("uk-ragged")
    for name in ("areas.csv", "observations.csv"):
        shutil.copy(DATA / name, tmp / name)
    cfg = yaml.safe_load((DATA / "config.yaml").read_text())
    cfg["geography"]["aggregate_root"] = {"code": "K02000001", "name": "United Kingdom"}
    (tmp / "config.yaml").write_text(yaml.safe_dump(cfg, sort_keys=False))
    config = load_config_with(tmp / "config.yaml", temp_store_env(tmp))
    result = run(config)
    return config, result.path


@pytest.fixture(scope="module")
def client(ragged):
    return make_app(ragged[0]).test_client()


def test_an_area_answer_names_its_real_parent_and_its_root(client):
    aberdeen = client.get("/api/v1/areas/S12000033").get_json()
    assert (aberdeen["parent_code"], aberdeen["top_code"], aberdeen["level"]) == \
        ("S92000003", "S92000003", "local_authority")
    hartlepool = client.get("/api/v1/areas/E06000001").get_json()
    assert (hartlepool["parent_code"], hartlepool["top_code"]) == ("E12000001", "E92000001")
    scotland = client.get("/api/v1/areas/S92000003").get_json()
    assert sorted(scotland["children"]) == ["S12000013", "S12000023", "S12000027", "S12000033", "S12000034",
                                            "S12000041"]
    listed = client.get("/api/v1/areas?parent=S92000003").get_json()["data"]
    assert {a["area_code"] for a in listed} == set(scotland["children"])
    # the aggregate root is a benchmark, not an area
    assert client.get("/api/v1/areas/K02000001").status_code == 404


def test_values_compare_each_area_with_its_real_parent_root_and_the_aggregate(client, ragged):
    rows = pd.read_csv(io.BytesIO(client.get("/api/v1/data?indicator=key_workers&format=csv").data),
                       dtype={"area_code": str})
    rows = rows.set_index("area_code")
    scotland = rows.loc["S92000003", "value"]
    assert scotland == 111000
    assert rows.loc["S12000033", "parent_code"] == "S92000003"
    assert rows.loc["S12000033", "parent_value"] == rows.loc["S12000033", "top_value"] == scotland
    assert rows.loc["E06000001", "top_value"] == rows.loc["E92000001", "value"]
    total = rows.loc[["E92000001", "S92000003", "W92000004"], "value"].sum()
    assert (rows["aggregate_value"] == total).all()
    manifest = json.loads((ragged[1] / "manifest.json").read_text())
    assert manifest["aggregate_root"] == {"code": "K02000001", "name": "United Kingdom", "members": "all",
                                          "source": "built"}
