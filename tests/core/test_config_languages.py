"""languages and translated metadata in config.yaml: how they are read, checked and warned about."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.built_with import settings_sha256
from core.config import load_config, missing_translations
from core.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]


def demo(tmp_path: Path, *changes: tuple[str, str]) -> Path:
    text = (ROOT / "config.yaml").read_text(encoding="utf-8")
    for old, new in changes:
        assert old in text, old
        text = text.replace(old, new, 1)
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_demo_speaks_three_languages_with_nothing_missing():
    config = load_config(ROOT / "config.yaml")
    assert config.languages.default == "en" and config.languages.available == ["en", "fr", "de"]
    assert config.title.startswith("Republic of Veloria")  # the default language's text stays a plain string
    assert config.translations["fr"]["title"].startswith("République de Vélorie")
    neet = config.indicator("neet_rate")
    assert neet.text("caveats", "de", "en")[0].startswith("In kleinen Gemeinden")
    assert neet.text("unit", "fr", "en") == ("%", False)  # no words to translate: no fallback
    assert neet.text("title", "en", "en") == (neet.title, False)
    assert config.languages.themes["jobs"] == {"fr": "Emploi", "de": "Beschäftigung"}
    assert missing_translations(config) == []


def test_a_field_written_as_a_map_of_languages_is_split_into_translations(tmp_path):
    path = demo(tmp_path, ("    title: Employed residents\n",
                           "    title: {en: Employed residents, fr: Actifs occupés, it: Occupati}\n"))
    ind = load_config(path).indicator("employed")
    assert ind.title == "Employed residents"
    assert ind.translations["fr"]["title"] == "Actifs occupés"  # the map wins over translations.fr.title
    assert ind.translations["fr"]["unit"] == "personnes"  # ... and keeps the rest of translations.fr
    warnings = missing_translations(load_config(path))
    assert warnings == ["indicators[4] (employed): a translation in 'it', which languages.available does not "
                        "list (en, fr, de): it is never shown"]


def test_a_map_without_the_default_language_names_the_key(tmp_path):
    path = demo(tmp_path, ("    title: Employed residents\n", "    title: {fr: Actifs occupés}\n"))
    with pytest.raises(ConfigError, match=r"indicators\[4\]: title: no text in the default language 'en'"):
        load_config(path)


def test_the_default_language_can_be_another_one(tmp_path):
    path = demo(tmp_path, ("  default: en\n", "  default: fr\n"),
                ("    title: Employed residents\n", "    title: {fr: Actifs occupés, en: Employed residents}\n"))
    config = load_config(path)
    ind = config.indicator("employed")
    assert ind.title == "Actifs occupés" and ind.translations["en"]["title"] == "Employed residents"
    assert ind.text("title", "fr", "fr") == ("Actifs occupés", False)


@pytest.mark.parametrize("change, message", [
    (("  available: [en, fr, de]\n", "  available: [fr, de]\n"),
     "languages.default: 'en' is not in languages.available (fr, de); list it there"),
    (("  available: [en, fr, de]\n", "  available: [en, fr, xx]\n"),
     "languages.available[2]: 'xx' is not a language CLDR knows"),
    (("    jobs: {fr: Emploi, de: Beschäftigung}\n", "    job: {fr: Emploi, de: Beschäftigung}\n"),
     "languages.themes.job: unknown theme 'job'; did you mean 'jobs'?"),
    (("    region: {fr: Région, de: Region}\n", "    regio: {fr: Région, de: Region}\n"),
     "languages.levels.regio: unknown level 'regio'; did you mean 'region'?"),
    (("    region: {fr: Région, de: Region}\n", "    region: {fr: Région, it: Regione}\n"),
     "languages.levels.region.it: 'it' is not in languages.available (en, fr, de)"),
    (("        title: \"Habitants en emploi\"\n", "        titel: \"Habitants en emploi\"\n"),
     "fr.titel: not a translatable field; these are title, description, unit, methodology, caveats"),
])
def test_bad_languages_name_the_key(tmp_path, change, message):
    with pytest.raises(ConfigError) as exc:
        load_config(demo(tmp_path, change))
    assert any(message in p for p in exc.value.problems), exc.value.problems


def test_config_check_warns_of_missing_translations_per_language(tmp_path):
    path = demo(tmp_path, ("        caveats: \"L'enquête n'a pas été menée en 2017.\"\n", ""),
                ("    inclusion: {fr: Inclusion, de: Teilhabe}\n", "    inclusion: {fr: Inclusion}\n"))
    assert missing_translations(load_config(path)) == [
        "languages: fr (Français): indicators[9] (satisfaction): no caveats in fr; shown in en, marked as not "
        "translated",
        "languages.themes: no name in de (Deutsch) for inclusion",
    ]


def test_a_config_without_languages_speaks_its_default_only(tmp_path):
    start = (ROOT / "config.yaml").read_text(encoding="utf-8").index("languages:\n")
    end = (ROOT / "config.yaml").read_text(encoding="utf-8").index("\nstore:")
    text = (ROOT / "config.yaml").read_text(encoding="utf-8")
    path = demo(tmp_path, (text[start:end + 1], ""))
    config = load_config(path)
    assert config.languages.available == ["en"] and config.languages.default == "en"
    warnings = missing_translations(config)  # the demo's translations are now in languages it does not offer
    assert warnings and all(w.endswith("which languages.available does not list (en): it is never shown")
                            for w in warnings)


def test_translations_do_not_change_the_release_settings_hash(tmp_path):
    same = settings_sha256(load_config(demo(tmp_path)))  # one folder: the settings hold absolute paths
    plain = demo(tmp_path, ("        title: \"Habitants en emploi\"\n", ""))
    assert settings_sha256(load_config(plain)) == same
    other = demo(tmp_path, ("    title: Employed residents\n", "    title: Employed people\n"))
    assert settings_sha256(load_config(other)) != same


def test_the_publication_words_and_breakdown_categories_are_translated(tmp_path):
    config = load_config(ROOT / "config.yaml")
    pub = config.publication
    assert pub.attribution == "OpenMeasure demo (synthetic data)"
    assert pub.text("attribution", "fr", "en") == ("Démonstration OpenMeasure (données synthétiques)", False)
    assert pub.text("citation", "de", "en")[0].startswith("OpenMeasure-Demo, Veröffentlichung {release_id}")
    assert pub.accessibility.text("enforcement", "fr", "en")[0].startswith("l’Autorité vélorienne")
    board = config.dashboard
    assert board.breakdown_labels["sex"] == {"F": "Women", "M": "Men", "T": "Both sexes"}
    assert board.breakdown_label("sex", "F", "de", "en") == ("Frauen", False)
    assert board.breakdown_label("sex", "F", "en", "en") == ("Women", False)
    assert board.breakdown_label("sex", "X", "fr", "en") == ("X", False)  # a code is no language's

    path = demo(tmp_path, ("      M: {en: Men, fr: Hommes, de: Männer}\n", "      M: {en: Men, fr: Hommes}\n"),
                ("    de: \"OpenMeasure-Demo (synthetische Daten)\"\n", ""))
    config = load_config(path)
    assert config.dashboard.breakdown_label("sex", "M", "de", "en") == ("Men", True)
    assert config.publication.text("attribution", "de", "en") == ("OpenMeasure demo (synthetic data)", True)
    assert missing_translations(config) == [
        "languages: de (Deutsch): publication: no attribution in de; shown in en, marked as not translated",
        "dashboard.breakdown_labels.sex: no words in de (Deutsch) for M; shown in en, marked as not translated"]


def test_breakdown_words_without_the_default_language_name_the_key(tmp_path):
    path = demo(tmp_path, ("      F: {en: Women, fr: Femmes, de: Frauen}\n", "      F: {fr: Femmes}\n"))
    with pytest.raises(ConfigError, match=r"dashboard: .*breakdown_labels\.sex\.F: no words in the default "
                                          r"language 'en'"):
        load_config(path)
