"""docs/configuration.md: every source and measure key is documented, and every worked example is a valid
config; the examples on the real files in examples/data are read as the pipeline reads them."""

from __future__ import annotations

import re
import typing

import pytest
import yaml
from pydantic import BaseModel

from core.config_models import MeasureConfig, SourceConfig
from tests.conftest import ROOT
from tests.etl.bad_inputs_helpers import deployment, read

pytestmark = pytest.mark.slow  # more than a few seconds: left out of the fast lane (README)

DOC = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")


def field_paths(model: type[BaseModel], prefix: str) -> list[str]:
    out = []
    for name, field in model.model_fields.items():
        path = f"{prefix}.{name}"
        out.append(path)
        for arg in (field.annotation, *typing.get_args(field.annotation)):
            if isinstance(arg, type) and issubclass(arg, BaseModel):
                out += field_paths(arg, path)
    return out


@pytest.mark.parametrize("path", field_paths(SourceConfig, "sources[]") + field_paths(MeasureConfig, "measures[]"))
def test_every_key_is_documented(path):
    assert f"`{path}`" in DOC


def examples() -> dict[str, dict]:
    part = DOC.split("## Worked examples", 1)[1]
    found = {}
    for title, block in re.findall(r"### (.+?)\n.*?```yaml\n(.*?)```", part, flags=re.S):
        found[title.split(":")[0].strip("` ")] = yaml.safe_load(block)
    return found


def test_there_is_an_example_per_format_and_one_remote():
    formats = {s["format"] for ex in examples().values() for s in ex["sources"]}
    assert formats == set(typing.get_args(SourceConfig.model_fields["format"].annotation))
    assert any("url" in s and "path" not in s for ex in examples().values() for s in ex["sources"])


@pytest.mark.parametrize("name", list(examples()))
def test_example_is_a_valid_config(tmp_path, shared_data, name):
    from core.config import check_references
    from core.config_models import Config

    ex = examples()[name]
    geography = {"levels": ["country"], "areas": {"path": "areas.csv"}}
    config = Config.model_validate({"geography": geography, **ex})
    assert check_references(config) == []


@pytest.mark.parametrize("name", ["eurostat_tsv", "sdmx_csv", "frictionless"])
def test_real_data_example_reads(tmp_path, shared_data, name):
    ex = examples()[name]
    source = dict(ex["sources"][0])
    assert source["path"].startswith("examples/data/")  # relative to the repository's root folder
    source["path"] = str(ROOT / source["path"])
    if "code_mapping" in source:
        table = DOC.split("`nuts2016_to_2021.csv` (next to `config.yaml`):", 1)[1].split("```")[1]
        (tmp_path / "nuts2016_to_2021.csv").write_text(table.strip() + "\n")
        source["code_mapping"] = {**source["code_mapping"], "path": str(tmp_path / "nuts2016_to_2021.csv")}
    config = deployment(tmp_path, shared_data, source, measures=ex["measures"], indicators=ex["indicators"])
    obs, findings = read(config)
    if name == "frictionless":
        # World Bank codes are ISO alpha-3, the geography NUTS 2021: every row is reported, none dropped silently
        # (LUX and MEX look like NUTS not-regionalised codes of LU and ME, so they are reported as pseudo-areas)
        # (one finding per code, with its number of rows)
        coded = findings[findings.rule.isin(["unknown_area", "pseudo_area"])]
        rows = coded.message.str.extract(r"\((\d+) rows, ")[0].fillna(1).astype(int).sum()
        assert obs.empty and rows == 17_195
        assert coded.area_code.is_unique and len(findings) == len(coded) + 1
        assert findings.loc[findings.rule == "no_observations", "measure"].tolist() == ["wb_population"]
        assert set(findings.loc[findings.rule == "pseudo_area", "area_code"]) == {"LUX", "MEX"}
        return
    assert len(obs) > 1000
    assert set(obs["measure"]) == {m["id"] for m in ex["measures"]}
    if name == "eurostat_tsv":
        # a mapped NUTS 2016 code now counts under its NUTS 2021 code
        assert obs[(obs.area_code == "EE009") & (obs.period == "2019") & (obs.measure == "population")
                   ]["value"].tolist() == [122922.0]
    if name == "sdmx_csv":
        assert set(findings.loc[findings.rule == "pseudo_area", "severity"]) == {"warn"}
