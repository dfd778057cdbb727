"""Area names in more than one language (core/area_names.py, geography.areas.native_name / native_language /
names): which name a reader is shown, how the config is checked, and the real NUTS 2021 names read from
examples/data/nuts2021-boundaries (Greek, Bulgarian, Cypriot regions beside their Latin names)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from core.area_names import NUTS_LANGUAGES, language_of, name_columns, name_parts, plain
from core.built_with import settings_sha256
from core.config import load_config
from core.errors import ConfigError, GeographyError
from core.geography import load_areas
from tests.conftest import ROOT

EUROSTAT = ROOT / "examples" / "eurostat" / "config.yaml"
HIERARCHY = ROOT / "examples" / "data" / "nuts2021-boundaries" / "nuts2021_hierarchy.csv"


def test_a_reader_gets_the_name_in_their_language_else_the_native_one_beside_the_latin_one():
    greek = {"native": "Κύπρος", "native_lang": "el"}
    assert name_parts("Kýpros", "en", **greek) == [("Κύπρος", "el"), (" (Kýpros)", None)]
    assert plain(name_parts("Kýpros", "fr", **greek)) == "Κύπρος (Kýpros)"
    assert name_parts("Kýpros", "el", **greek) == [("Κύπρος", "el")]  # a Greek reader: the Greek name alone
    assert name_parts("Kýpros", "fr", **greek, names={"fr": "Chypre"}) == [("Chypre", "fr")]
    assert name_parts("Bayern", "fr", native="Bayern", native_lang="de") == [("Bayern", None)]  # same: unchanged
    assert name_parts("Serbia", "de", native="Srbija/Сpбија", native_lang="sr-ME") == [
        ("Srbija/Сpбија", "sr-ME"), (" (Serbia)", None)]
    assert name_parts("Serbia", "sr", native="Србија", native_lang="sr-ME") == [("Србија", "sr-ME")]
    assert name_parts("North", "en", native="Север", native_lang="") == [("Север", None), (" (North)", None)]
    assert name_parts("North", "en", names={"fr": ""}) == [("North", None)]


def test_the_language_of_a_code_is_its_longest_prefix():
    table = {"BE": "nl", "BE1": "fr", "BE10": "fr", "EL": "el"}
    assert language_of("BE100", table) == "fr"
    assert language_of("BE211", table) == "nl"
    assert language_of("EL30", table) == "el"
    assert language_of("XX", table) == ""
    assert language_of("EL30", NUTS_LANGUAGES) == "el" and language_of("CY000", NUTS_LANGUAGES) == "el"
    assert all(re.fullmatch(r"[a-z]{2,3}(-[A-Z]{2})?", t) for t in NUTS_LANGUAGES.values())


def test_every_nuts_country_with_names_in_another_script_has_a_language():
    """Every area of the real NUTS 2021 table whose NUTS_NAME differs from NAME_LATN gets a language, and
    the multilingual countries (BE, CH, LU), left out of the table, never need one."""
    areas = load_areas(load_config(EUROSTAT).geography)
    differ = areas[areas["native_name"] != areas["name"]]
    assert len(differ) == 158 and set(differ["area_code"].str[:2]) == {"BG", "CY", "EL", "ME", "MK", "RS"}
    assert (differ["native_lang"] != "").all()
    left_out = areas[areas["native_lang"] == ""]
    assert set(left_out["area_code"].str[:2]) == {"BE", "CH", "LU"}


def test_the_real_greek_bulgarian_and_cypriot_names(tmp_path):
    areas = load_areas(load_config(EUROSTAT).geography).set_index("area_code")
    # NUTS_NAME as GISCO writes it: Attica's first letter is a Latin A (U+0041), not a Greek Alpha
    assert areas.loc["EL30", ["name", "native_name", "native_lang"]].tolist() == ["Attiki", "Aττική", "el"]
    assert areas.loc["EL52", ["name", "native_name"]].tolist() == ["Kentriki Makedonia", "Κεντρική Μακεδονία"]
    assert areas.loc["BG311", ["name", "native_name", "native_lang"]].tolist() == ["Vidin", "Видин", "bg"]
    assert areas.loc["BG", ["name", "native_name"]].tolist() == ["Bulgaria", "България"]
    assert areas.loc["CY000", ["name", "native_name", "native_lang"]].tolist() == ["Kýpros", "Κύπρος", "el"]
    assert areas.loc["ME", "native_lang"] == "sr-ME" and areas.loc["MK001", "native_lang"] == "mk"
    row = areas.loc["BG311"]
    assert plain(name_parts(row["name"], "en", native=row["native_name"], native_lang=row["native_lang"])) == \
        "Видин (Vidin)"


def eurostat(tmp_path: Path, *changes: tuple[str, str]) -> Path:
    text = EUROSTAT.read_text(encoding="utf-8")
    for old, new in changes:
        assert old in text, old
        text = text.replace(old, new, 1)
    text = text.replace("../data/", f"{EUROSTAT.parent.parent / 'data'}/")
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_names_per_language_come_from_their_columns(tmp_path):
    """``names: {fr: column}``: a column read as the names in French (here the hierarchy's Latin names stand in
    for a table of French names), kept as name_fr."""
    path = eurostat(tmp_path, ("    native_language: nuts\n",
                               "    native_language: nuts\n    names: {fr: name_latn}\n"))
    areas = load_areas(load_config(path).geography).set_index("area_code")
    assert areas.loc["EL30", "name_fr"] == "Attiki"
    missing = eurostat(tmp_path, ("    native_language: nuts\n", "    native_language: nuts\n    names: {fr: nom}\n"))
    with pytest.raises(GeographyError, match="missing column.*'nom'"):
        load_areas(load_config(missing).geography)


@pytest.mark.parametrize("change, message", [
    (("    native_language: nuts\n", ""),
     "native_name 'nuts_name' needs native_language, the language of those names: 'nuts'"),
    (("    native_name: nuts_name\n", ""), "native_language is given without native_name"),
    (("    native_language: nuts\n", "    native_language: nut\n"), "geography.areas.native_language"),
    (("    native_language: nuts\n", "    native_language: {EL: greek}\n"),
     "EL: 'greek' is not a language tag"),
    (("    native_language: nuts\n", "    native_language: nuts\n    names: {French: nom_fr}\n"),
     "'French' is not a language tag"),
    (("    native_language: nuts\n", "    native_language: nuts\n    names: {it: nom_it}\n"),
     "geography.areas.names.it: 'it' is not in languages.available (en, fr, de)"),
    (("    attributes: [urbn_type, mount_type, coast_type]\n",
      "    attributes: [urbn_type, mount_type, coast_type, native_name]\n"),
     "attributes 'native_name': the release keeps the area names in columns of that name"),
])
def test_bad_area_names_name_the_key(tmp_path, change, message):
    with pytest.raises(ConfigError) as exc:
        load_config(eurostat(tmp_path, change))
    problems = "\n".join(exc.value.problems)
    assert message in problems, problems
    assert "geography.areas" in problems


def test_a_config_without_area_names_keeps_its_settings_hash(tmp_path):
    """The new keys are left out of the settings while unset: the demo's release, and every release built
    before them, keep their settings hash."""
    config = load_config(eurostat(tmp_path))
    dumped = config.geography.areas.model_dump()
    assert dumped["native_name"] == "nuts_name" and dumped["native_language"] == "nuts"
    plain_config = load_config(eurostat(tmp_path, ("    native_name: nuts_name\n    native_language: nuts\n", "")))
    assert not {"native_name", "native_language", "names"} & set(plain_config.geography.areas.model_dump())
    assert settings_sha256(plain_config) != settings_sha256(config)
    assert load_config(ROOT / "config.yaml").geography.areas.model_dump().keys() == {
        "path", "code", "name", "level", "parent", "level_values", "attributes"}


def test_the_columns_of_names_per_language_are_told_from_other_columns():
    assert name_columns(["name", "name_fr", "name_pt-BR", "name_short", "name_label", "native_name"]) == {
        "fr": "name_fr", "pt-BR": "name_pt-BR"}
