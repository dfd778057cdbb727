"""config.yaml: loading, environment expansion, error messages with paths, and complete documentation."""

from __future__ import annotations

import re
import types
import typing
from pathlib import Path

import pytest
from pydantic import BaseModel

from core.config import config_hash, load_config
from core.config_models import Config
from core.errors import ConfigError
from indicators.methods import checked
from tests.conftest import ROOT


def key_paths(model: type[BaseModel], prefix: str = "") -> list[str]:
    """Every key of the config, written like `sources[].columns.area_code`."""
    out = []
    for name, field in model.model_fields.items():
        path = f"{prefix}.{name}" if prefix else name
        out.append(path)
        ann = field.annotation
        args = typing.get_args(ann)
        origin = typing.get_origin(ann)
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            out += key_paths(ann, path)
        elif origin in (list,) and args and isinstance(args[0], type) and issubclass(args[0], BaseModel):
            out += key_paths(args[0], f"{path}[]")
        elif origin in (typing.Union, types.UnionType):
            for a in args:
                if isinstance(a, type) and issubclass(a, BaseModel):
                    out += key_paths(a, path)
        elif origin is dict and len(args) == 2 and isinstance(args[1], type) and issubclass(args[1], BaseModel):
            out += key_paths(args[1], f"{path}.<name>")
    return out


def test_every_config_key_is_documented():
    doc = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    prose = re.sub(r"```.*?```", "", doc, flags=re.S)  # key names count in the text, not in examples
    documented = set(re.findall(r"`([^`\n]+)`", prose))
    missing = [p for p in key_paths(Config) if p not in documented]
    assert not missing, f"keys missing from docs/configuration.md: {missing}"


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "config.yaml"
    p.write_text(text)
    return p


def demo_text() -> str:
    return (ROOT / "config.yaml").read_text()


@pytest.mark.parametrize("change, message", [
    (("denominator: young_people", "denominator: young_peple"),
     "indicators[7].compute.denominator: unknown measure 'young_peple'; did you mean 'young_people'?"),
    (("polarity: lower_is_better\n    compute: {method: ratio, numerator: processing_days",
      "polarity: lower_better\n    compute: {method: ratio, numerator: processing_days"),
     "indicators[1].polarity: Input should be 'higher_is_better', 'lower_is_better' or 'neutral'; "
     "got 'lower_better'"),
    (("  - id: labour\n", "  - id: labour\n    colour: blue\n"),
     "sources[1].colour: unknown key"),
    (("method: sum, measure: employed", "method: sum, numerator: employed"),
     "indicators[4].compute: method 'sum' needs 'measure'"),
    (("{id: employed, source: labour,", "{id: employed, source: labor,"),
     "measures[12].source: unknown source 'labor'; did you mean 'labour'?"),
    (("    indicators: [employment_rate, employed]", "    indicators: [employment_rat]"),
     "schedules[1].indicators[0]: unknown indicator 'employment_rat'; did you mean 'employment_rate'?"),
    (("    sex:\n      F: {en: Women", "    gender:\n      F: {en: Women"),
     "dashboard.breakdown_labels.gender: unknown breakdown dimension 'gender'; known: sex"),
    (("{id: applications, source: services,", "{id: applications, breakdown_total: T, source: services,"),
     "measures[0]: breakdown_total 'T' names the total of a breakdown, but the measure has no "
     "breakdown"),
])
def test_bad_config_names_the_path(tmp_path, change, message):
    old, new = change
    assert old in demo_text()
    with pytest.raises(ConfigError) as err:  # core checks the keys, indicators.methods each method's needs
        checked(load_config(write(tmp_path, demo_text().replace(old, new, 1))))
    assert message in str(err.value)


def test_environment_variables_are_expanded_with_defaults(tmp_path, monkeypatch):
    monkeypatch.setenv("OPENMEASURE_STORE", str(tmp_path / "elsewhere"))
    config = load_config(ROOT / "config.yaml")
    assert config.store == str(tmp_path / "elsewhere")
    monkeypatch.delenv("OPENMEASURE_STORE")
    assert load_config(ROOT / "config.yaml").store == str(ROOT / "data" / "store")


def test_an_unset_variable_without_default_is_an_error(tmp_path, monkeypatch):
    monkeypatch.delenv("NOPE_NOT_SET", raising=False)
    text = demo_text().replace("store: ${OPENMEASURE_STORE:-data/store}", "store: ${NOPE_NOT_SET}")
    with pytest.raises(ConfigError, match=r"store: environment variable NOPE_NOT_SET is not set"):
        load_config(write(tmp_path, text))


def test_relative_paths_are_relative_to_the_config_file():
    config = load_config(ROOT / "examples" / "eurostat" / "config.yaml")
    assert Path(config.geography.areas.path).is_absolute()
    assert config.catalogue == f"sqlite:///{ROOT / 'data' / 'eurostat' / 'catalog.db'}"


def test_yaml_syntax_errors_give_the_line(tmp_path):
    with pytest.raises(ConfigError, match=r"line \d+, column \d+: not valid YAML"):
        load_config(write(tmp_path, "title: [unclosed\nstore: x\n"))


def test_every_demo_indicator_has_its_metadata():
    config = load_config(ROOT / "config.yaml")
    for ind in config.indicators:
        assert ind.title and ind.description and ind.methodology and ind.theme and ind.unit, ind.id
    kinds = {(i.visibility, i.disclosure is not None) for i in config.indicators}
    assert ("internal", False) in kinds and ("public", True) in kinds


@pytest.mark.parametrize("url, published", [
    ("https://x.org/data.csv?token=abc&dataset=gdp&lang=en#top",
     "https://x.org/data.csv?token=***&dataset=gdp&lang=en#top"),
    ("https://u:pw@x.org/a?apiKey=1&X-Amz-Signature=2&X-Amz-Date=3",
     "https://u:***@x.org/a?apiKey=***&X-Amz-Signature=***&X-Amz-Date=3"),
    ("postgresql+psycopg://user:secret@h:5432/db?password=x&sslmode=require",
     "postgresql+psycopg://user:***@h:5432/db?password=***&sslmode=require"),
    ("mssql+pyodbc:///?odbc_connect=DRIVER%3DX%3BPWD%3Dsecret", "mssql+pyodbc:///?odbc_connect=***"),
    ("sqlite:////tmp/x.db", "sqlite:////tmp/x.db"),
    ("https://ec.europa.eu/eurostat/databrowser/view/nama_10r_3gdp/default/table?lang=en",
     "https://ec.europa.eu/eurostat/databrowser/view/nama_10r_3gdp/default/table?lang=en"),
])
def test_urls_are_published_without_credentials(url, published):
    from core.config_models import SourceConfig, public_url

    assert public_url(url) == published
    if url.startswith("https"):
        assert SourceConfig(id="s", format="csv", url=url).where == published
    else:
        assert SourceConfig(id="s", format="sql", sql={"url": url, "table": "t"}).where == published


def test_the_published_config_hash_holds_no_secret_written_in_the_file(tmp_path):
    """The manifest's config_hash is public: a password written in the file (not through ${VAR}) must not be
    testable against it offline, so it is left out; a setting that shapes the figures is in."""
    import hashlib

    sql = ("  - id: counts\n    format: sql\n    sql: {url: 'postgresql://reader:%s@db/stats?sslmode=require&password=%s',"
           " table: counts}\n")
    base = demo_text().replace("sources:\n", "sources:\n" + sql % ("pw1", "pw1"), 1)
    secret = base.replace("catalogue: ${OPENMEASURE_CATALOGUE:-sqlite:///data/catalog.db}",
                          "catalogue: postgresql://om:hunter2@db/catalogue")
    assert secret != base
    first = load_config(write(tmp_path, base))
    other = load_config(write(tmp_path, secret.replace("pw1", "pw2")))
    assert config_hash(first) == config_hash(other) and len(config_hash(first)) == 64
    assert config_hash(first) != hashlib.sha256(base.encode()).hexdigest()  # not the raw text
    changed = load_config(write(tmp_path, base.replace("processing_days", "processing_time")))
    assert config_hash(changed) != config_hash(first)
    commented = load_config(write(tmp_path, "# a comment\n" + base))
    assert config_hash(commented) == config_hash(first)
