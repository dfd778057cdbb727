"""The UI's gettext catalogues (dashboard/locales): the template holds every message the code marks, and every
shipped language translates every one of them (docs/translations.md)."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from dashboard import i18n as ui

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ("fr", "de")


def _messages_in_code() -> set[str]:
    found = set()
    with (ROOT / "babel.cfg").open() as cfg:
        from babel.messages.frontend import parse_mapping_cfg
        method_map, options_map = parse_mapping_cfg(cfg)
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
    for _file, _line, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=keywords):
        found.add(message if isinstance(message, str) else message[0])
    return found


def _read(path: Path):
    with path.open("rb") as fh:
        return read_po(fh)


def test_the_template_holds_every_message_the_code_marks():
    template = {m.id if isinstance(m.id, str) else m.id[0] for m in _read(ui.LOCALES / "messages.pot") if m.id}
    missing = _messages_in_code() - template
    assert not missing, ("dashboard/locales/messages.pot is out of date (run the pybabel extract and update of "
                         f"docs/translations.md): {sorted(missing)}")


@pytest.mark.parametrize("lang", SHIPPED)
def test_each_shipped_language_translates_every_message(lang):
    catalog = _read(ui.LOCALES / lang / "LC_MESSAGES" / "messages.po")
    template = _read(ui.LOCALES / "messages.pot")
    ids = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id}
    untranslated = [m.id for m in catalog if m.id and (m.fuzzy or not all(
        m.string if isinstance(m.string, tuple) else (m.string,)))]
    missing = {m.id if isinstance(m.id, str) else m.id[0] for m in template if m.id} - ids
    assert not untranslated and not missing, f"{lang}: untranslated {untranslated}, not in the catalogue {missing}"
    assert ui.catalogue_languages() == sorted(SHIPPED)


def test_the_fallback_note_is_in_the_reader_s_language():
    assert ui.fallback_note("fr", "en") == "pas encore traduit : affiché en anglais"
    assert ui.fallback_note("de", "en") == "noch nicht übersetzt: angezeigt auf Englisch"
    assert ui.fallback_note("en", "fr") == "not translated yet: shown in French"
