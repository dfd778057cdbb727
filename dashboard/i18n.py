"""The UI's text in the reader's language: the gettext catalogues of ``dashboard/locales/`` (one ``.po`` per
language, compiled in memory by :func:`core.i18n.gettext_catalogue`; docs/translations.md says how to add one).

:func:`translator` gives a language's ``gettext``/``ngettext``; :data:`N_` marks a message for extraction
where it is defined and leaves the translation to where it is shown. The default language's text is the msgid
itself (English), so a message with no translation yet reads in English.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from core import i18n

LOCALES = Path(__file__).resolve().parent / "locales"


def N_(message: str) -> str:
    """Marks ``message`` for ``pybabel extract``; translated where it is shown."""
    return message


@dataclass(frozen=True)
class Translator:
    lang: str

    def gettext(self, message: str) -> str:
        return i18n.gettext_catalogue(LOCALES, self.lang).gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return i18n.gettext_catalogue(LOCALES, self.lang).ngettext(singular, plural, n)


def translator(lang: str) -> Translator:
    return Translator(lang)


def catalogue_languages() -> list[str]:
    """The languages the UI has a catalogue for, besides English (the msgids)."""
    return i18n.catalogue_languages(LOCALES)


#: How an answer marks a text that has no translation in the language asked for and is given in the default
#: language instead (``{language}``: that language's name, in the language asked for).
FALLBACK_NOTE = N_("not translated yet: shown in {language}")


def fallback_note(lang: str, default: str) -> str:
    name = i18n.locale(default).get_display_name(i18n.locale(lang)) or default
    return translator(lang).gettext(FALLBACK_NOTE).format(language=name)
