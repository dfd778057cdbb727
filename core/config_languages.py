"""Typed models of the config's languages (``languages``) and of translated texts (a field written as
``{en: ..., fr: ...}``, or ``translations: {fr: {...}}``): docs/translations.md. Part of core.config_models,
which re-exports these names."""

from __future__ import annotations

import re
from typing import ClassVar

from pydantic import Field, ValidationInfo, field_validator, model_validator

from core.config_models import Strict

#: A language tag of ``languages`` (core.i18n.LANGUAGE_TAG: ``fr``, ``pt-BR``).
LanguageTag = Field(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
#: Texts in other languages than the default: language -> field -> text.
Translations = dict[str, dict[str, str]]


def split_translations(data, fields: tuple[str, ...], info: ValidationInfo):
    """A translatable field may be written as a plain string (the default language's text) or as a map of
    languages (``title: {en: Jobs, fr: Emploi}``). The map is split here: the field keeps the default
    language's text, so every reader of the config sees a plain string, and the other languages go to the
    model's ``translations`` (language -> field -> text), which may also be written directly. The default
    language is ``languages.default`` (the validation context's ``default_language``; ``en`` without one)."""
    if not isinstance(data, dict):
        return data
    default = (info.context or {}).get("default_language") or "en"
    out = dict(data)
    written = out.get("translations")
    translations: dict = {k: dict(v) for k, v in written.items() if isinstance(v, dict)} \
        if isinstance(written, dict) else {}
    for field in fields:
        value = out.get(field)
        if not isinstance(value, dict):
            continue
        if not isinstance(value.get(default), str):
            raise ValueError(f"{field}: no text in the default language {default!r} (languages.default); a "
                             f"translated field gives it as {field}.{default}, beside the other languages")
        out[field] = value[default]
        for lang, text in value.items():
            if lang != default:
                translations.setdefault(lang, {})[field] = text
    if translations or written is not None:
        out["translations"] = translations if written is None or isinstance(written, dict) else written
    return out


class Translatable(Strict):
    """A model with texts in several languages: ``translations`` holds all but the default language's, which is
    in the fields themselves (:func:`split_translations`). Not part of the release's settings hash: a
    translation does not change a figure (core.built_with)."""

    #: the fields that may be translated
    TRANSLATABLE: ClassVar[tuple[str, ...]] = ()
    translations: Translations = Field(default_factory=dict, exclude=True)

    @model_validator(mode="before")
    @classmethod
    def _split(cls, data, info: ValidationInfo):
        return split_translations(data, cls.TRANSLATABLE, info)

    @field_validator("translations")
    @classmethod
    def _known_fields(cls, v: Translations) -> Translations:
        for lang, texts in v.items():
            if not re.fullmatch(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})*", lang):
                raise ValueError(f"{lang!r} is not a language tag (such as 'fr' or 'pt-BR')")
            for field in texts:
                if field not in cls.TRANSLATABLE:
                    raise ValueError(f"{lang}.{field}: not a translatable field; these are "
                                     f"{', '.join(cls.TRANSLATABLE)}")
        return v

    def text(self, field: str, lang: str, default: str) -> tuple[str, bool]:
        """``(text, fell_back)``: the field in ``lang``, or the ``default`` language's with ``fell_back`` True
        (never for an empty text, nor when ``lang`` is the default, nor for a text without a letter, such as
        the unit ``%``, which every language writes alike)."""
        own = getattr(self, field) or ""
        found = self.translations.get(lang, {}).get(field)
        if lang == default:
            return own, False
        if found:
            return found, False
        return own, needs_translation(own)


def needs_translation(text: str | None) -> bool:
    """Whether a text has words to translate (``%`` has none)."""
    return any(c.isalpha() for c in text or "")


class LanguagesConfig(Strict):
    """The languages the deployment speaks (docs/translations.md): the default one, which every text of the
    config is written in first, and the others it offers; names of themes and levels in the other languages."""

    default: str = LanguageTag
    available: list[str] = Field(default_factory=list)
    #: theme (as indicators name it) -> language -> name
    themes: dict[str, dict[str, str]] = Field(default_factory=dict)
    #: level (of geography.levels) -> language -> name
    levels: dict[str, dict[str, str]] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _defaults(cls, data):
        if isinstance(data, dict):
            data = {"default": "en", **data}
            data.setdefault("available", [data["default"]])
        return data

    @property
    def others(self) -> list[str]:
        """The offered languages besides the default."""
        return [lang for lang in self.available if lang != self.default]
