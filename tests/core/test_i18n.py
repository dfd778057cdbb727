"""core.i18n: language negotiation and locale formatting, as Babel (CLDR) writes them."""

from __future__ import annotations

import datetime as dt

import pytest

from core import i18n

NNBSP, NBSP = "\u202f", "\u00a0"
OFFERED = ["en", "fr", "de"]


def test_a_lang_parameter_wins_over_the_header_and_the_default():
    assert i18n.negotiate("de", "fr-FR,fr;q=0.9", OFFERED, "en") == "de"
    assert i18n.negotiate("FR", None, OFFERED, "en") == "fr"


def test_a_lang_the_deployment_does_not_offer_is_refused_naming_what_it_offers():
    with pytest.raises(i18n.UnknownLanguage, match="'it'.*en, fr, de"):
        i18n.negotiate("it", "it", OFFERED, "en")


def test_the_header_is_read_by_weight_and_a_region_matches_its_language():
    assert i18n.negotiate(None, "it;q=1, de;q=0.5, fr-CH;q=0.8", OFFERED, "en") == "fr"
    assert i18n.negotiate("", "de-AT", OFFERED, "en") == "de"
    assert i18n.negotiate(None, "pt-BR,pt;q=0.9", OFFERED, "fr") == "fr"
    assert i18n.negotiate(None, None, OFFERED, "de") == "de"
    assert i18n.negotiate(None, "fr;q=0, de;q=0.1", OFFERED, "en") == "de"  # q=0 means "not this one"


def test_a_plain_language_matches_an_offered_regional_one():
    assert i18n.negotiate(None, "pt", ["en", "pt-BR"], "en") == "pt-BR"


def test_a_malformed_header_is_ignored_not_an_error():
    assert i18n.accept_language("fr;q=abc, ;;, de;q=2, 12345, en-GB;q=0.3") == ["en-GB"]
    assert i18n.negotiate(None, "\x00garbage", OFFERED, "en") == "en"


def test_numbers_as_babel_writes_them_french_groups_with_a_narrow_no_break_space():
    assert i18n.number(1234.5, "en", 1) == "1,234.5"
    assert i18n.number(1234.5, "fr", 1) == f"1{NNBSP}234,5"  # CLDR 42+: U+202F, not U+00A0
    assert i18n.number(1234.5, "de", 1) == "1.234,5"
    assert i18n.number(2.0, "de", 2) == "2,00"
    assert i18n.number(None, "fr") == "" and i18n.number(float("nan"), "fr") == ""


def test_percentages_keep_each_language_s_sign_and_spacing():
    assert i18n.percent(0.125, "en", 1) == "12.5%"
    assert i18n.percent(0.125, "fr", 1) == f"12,5{NBSP}%"
    assert i18n.percent(0.125, "de", 1) == f"12,5{NBSP}%"


def test_dates_and_periods_in_words():
    assert i18n.date(dt.date(2026, 12, 7), "fr") == "7 décembre 2026"
    assert i18n.date("2026-12-07T10:00:00+00:00", "de") == "7. Dezember 2026"
    assert i18n.period("2030-07", "fr") == "juillet 2030"
    assert i18n.period("2030-Q1", "de") == "1. Quartal 2030"
    assert i18n.period("2030-Q4", "en") == "4th quarter 2030"
    assert i18n.period("2030", "fr") == "2030"
    assert i18n.period("2030-13", "fr") == "2030-13" and i18n.period("soon", "fr") == "soon"


def test_plural_forms_follow_cldr_french_zero_is_singular():
    forms = {"one": "{n} zone", "other": "{n} zones"}
    assert i18n.plural(0, forms, "fr") == "0 zone"
    assert i18n.plural(0, {"one": "{n} area", "other": "{n} areas"}, "en") == "0 areas"
    assert i18n.plural(1500, forms, "fr") == f"1{NNBSP}500 zones"
    assert i18n.plural(2, {"other": "{n} Gebiete"}, "de") == "2 Gebiete"


def test_pick_marks_a_fallback_to_the_default_language():
    assert i18n.pick("Jobs", {"fr": "Emploi"}, "fr") == ("Emploi", False)
    assert i18n.pick("Jobs", {"fr": "Emploi"}, "de") == ("Jobs", True)
    assert i18n.pick("", {}, "de") == ("", False)


def test_language_tags_are_checked_against_cldr():
    assert i18n.is_language("fr") and i18n.is_language("pt-BR")
    assert not i18n.is_language("xx") and not i18n.is_language("fr_FR") and not i18n.is_language("")
    assert i18n.display_name("fr") == "Français" and i18n.display_name("de") == "Deutsch"


def test_a_catalogue_is_compiled_in_memory_and_fuzzy_entries_are_left_out(tmp_path):
    po = tmp_path / "fr" / "LC_MESSAGES" / "messages.po"
    po.parent.mkdir(parents=True)
    po.write_text('msgid ""\nmsgstr ""\n"Language: fr\\n"\n"Plural-Forms: nplurals=2; plural=(n > 1);\\n"\n\n'
                  'msgid "Area"\nmsgstr "Zone"\n\n#, fuzzy\nmsgid "Areas"\nmsgstr "Zonesss"\n\n'
                  'msgid "{n} area"\nmsgid_plural "{n} areas"\nmsgstr[0] "{n} zone"\nmsgstr[1] "{n} zones"\n',
                  encoding="utf-8")
    cat = i18n.gettext_catalogue(tmp_path, "fr")
    assert cat.gettext("Area") == "Zone" and cat.gettext("Areas") == "Areas"
    assert cat.ngettext("{n} area", "{n} areas", 0) == "{n} zone"  # French: 0 is singular
    assert i18n.gettext_catalogue(tmp_path, "de").gettext("Area") == "Area"
    assert i18n.catalogue_languages(tmp_path) == ["fr"]
