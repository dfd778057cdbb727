"""Level names as people read them: geography.level_labels, and the words made from a level id without it."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.config import load_config
from core.errors import ConfigError
from dashboard.components import fmt, levels
from tests.conftest import ROOT


@pytest.mark.parametrize("level, words", [
    ("local_authority", "Local authority"), ("municipality", "Municipality"), ("nuts3", "NUTS 3"),
    ("nuts_0", "NUTS 0"), ("NUTS2", "NUTS 2"), ("lau2", "LAU 2"), ("lau", "LAU"), ("lsoa", "LSOA"),
    ("county-fips", "County FIPS"), ("level1", "Level 1"), ("region", "Region"), ("ITL3", "ITL 3"),
])
def test_default_label_from_the_id(level, words):
    assert levels.default_label(level) == words


@pytest.mark.parametrize("singular, plural", [
    ("Municipality", "Municipalities"), ("Region", "Regions"), ("NUTS 3", "NUTS 3 areas"), ("LAU", "LAU areas"),
    ("Local authority", "Local authorities"), ("Parish", "Parishes"), ("County", "Counties"),
    ("Key stage", "Key stages"),
])
def test_default_plural(singular, plural):
    assert levels.default_plural(singular) == plural


def test_mid_sentence_lowercases_a_word_but_not_an_acronym():
    assert levels.mid_sentence("Local authority") == "local authority"
    assert levels.mid_sentence("NUTS 3 region") == "NUTS 3 region"
    assert levels.mid_sentence("LAU") == "LAU"
    assert fmt.level_name("nuts3") == "NUTS 3"  # outside an app: the defaults
    assert fmt.level_name("local_authority", plural=True) == "local authorities"


def _config(tmp_path: Path, labels: str):
    text = (ROOT / "config.yaml").read_text()
    start = text.index("  level_labels:")
    end = text.index("\n", start)
    p = tmp_path / "config.yaml"
    p.write_text(text[:start] + labels + text[end:])
    return load_config(p)


def test_level_labels_key_takes_a_string_or_singular_and_plural(tmp_path):
    labels = _config(tmp_path, "  level_labels: {region: Province, municipality: {singular: Commune, "
                               "plural: Communes (LAU)}}").geography.level_labels
    assert levels.label("region", labels=labels) == "Province"
    assert levels.label("region", plural=True, labels=labels) == "Provinces"
    assert levels.label("municipality", plural=True, labels=labels) == "Communes (LAU)"
    assert levels.name("municipality", labels=labels) == "commune"
    assert levels.label("country", labels=labels) == "Country"  # not configured: from the id


def test_level_labels_must_name_a_level(tmp_path):
    with pytest.raises(ConfigError) as err:
        _config(tmp_path, "  level_labels: {district: District}")
    assert "geography" in str(err.value) and "'district'" in str(err.value) and "geography.levels" in str(err.value)


def test_the_demo_and_eurostat_configs_name_their_levels():
    demo = load_config(ROOT / "config.yaml").geography.level_labels
    assert levels.label("municipality", plural=True, labels=demo) == "Municipalities"
    eu = load_config(ROOT / "examples" / "eurostat" / "config.yaml").geography.level_labels
    assert levels.label("nuts3", labels=eu) == "NUTS 3 region"
