"""A level's name as people read it: ``geography.level_labels`` when the config gives one, else words made
from the level's id (``local_authority`` -> "Local authority", ``nuts3`` -> "NUTS 3"). Ids are written for
configs and stay in addresses, downloads and the API; pages show these words.

A label is written as it starts a sentence; :func:`name` lowercases a plain first word mid-sentence
("all municipality areas") and leaves an acronym as it is ("all NUTS 3 areas")."""

from __future__ import annotations

import logging
import re

log = logging.getLogger(__name__)

#: Words of a level id written in capitals: statistical geographies named by their acronym.
ACRONYMS = frozenset({"nuts", "lau", "itl", "lsoa", "msoa", "lad", "oa", "cbsa", "fips", "iso", "sa1", "sa2",
                      "sa3", "sa4", "ua", "cma", "csd"})


def default_label(level: str) -> str:
    """Words for a level id: ``local_authority`` -> "Local authority", ``nuts3`` / ``nuts_3`` -> "NUTS 3",
    ``lau2`` -> "LAU 2", ``level1`` -> "Level 1"; the first letter capitalised, known acronyms in capitals."""
    words = []
    for raw in re.split(r"[_\-\s]+", str(level).strip()):
        if not raw:
            continue
        m = re.fullmatch(r"([A-Za-z]+?)(\d+)", raw)
        if raw.casefold() in ACRONYMS:
            words.append(raw.upper())
        elif m and m.group(1).casefold() in ACRONYMS:
            words += [m.group(1).upper(), m.group(2)]
        elif m:
            words += [m.group(1).lower(), m.group(2)]
        else:
            words.append(raw if raw.isupper() and len(raw) > 1 else raw.lower())
    if not words:
        return str(level)
    return words[0][:1].upper() + words[0][1:] + "".join(" " + w for w in words[1:])


def default_plural(singular: str) -> str:
    """'Municipality' -> 'Municipalities', 'Region' -> 'Regions', 'NUTS 3' -> 'NUTS 3 areas' (a label that ends
    in a code or an acronym names no noun to make plural: "Territoires de niveau NUTS 3" in French)."""
    last = singular.split()[-1] if singular.split() else singular
    if last.isdigit() or (last.isupper() and len(last) > 1):
        from dashboard.language import _

        return _("{level} areas").format(level=singular)
    if singular.endswith("y") and len(singular) > 1 and singular[-2] not in "aeiou":
        return singular[:-1] + "ies"
    if singular.endswith(("s", "x", "ch", "sh")):
        return singular if singular.endswith("s") and not singular.endswith("ss") else singular + "es"
    return singular + "s"


def mid_sentence(label: str) -> str:
    """The label inside a sentence: a plain first word lowercased ("Local authority" -> "local authority"),
    an acronym or a name kept ("NUTS 3 region", "LAU"); German keeps its nouns' capitals ("alle Gemeinden")."""
    from dashboard import language

    if language.current() == "de":
        return label
    first = label.split(" ", 1)[0]
    if len(first) > 1 and first[1:].islower():
        return label[:1].lower() + label[1:]
    return label


def translated(level: str) -> str | None:
    """The level's name in the reader's language from the app's config (``languages.levels``), when the reader's
    language is not the default one and the config gives it; None otherwise (or outside an app)."""
    from dashboard import language

    lang = language.current()
    if lang == language.default():
        return None
    try:
        from dashboard import context
        return context.config().languages.levels.get(level, {}).get(lang)
    except Exception:  # noqa: BLE001 (no app: the default language's words stand)
        log.debug("languages.levels=none", exc_info=True)
        return None


def configured() -> dict:
    """``geography.level_labels`` of the app's config; empty outside an app (a view called in a test)."""
    try:
        from dashboard import context
        return dict(context.config().geography.level_labels)
    except Exception:  # noqa: BLE001 (no app, or a config without geography: the defaults stand)
        log.debug("level_labels=defaults", exc_info=True)
        return {}


def label(level: str, plural: bool = False, labels: dict | None = None) -> str:
    """The level's label as it starts a sentence ("Municipality", "NUTS 3 regions"), from ``labels`` (level ->
    :class:`core.config_models.LevelLabel`; the app's config when not given) or the id."""
    if labels is None and (words := translated(level)):
        return words  # the config names a level once per language: singular and plural alike
    own = (configured() if labels is None else labels).get(level)
    singular = own.singular if own is not None else default_label(level)
    if not plural:
        return singular
    return (own.plural if own is not None and own.plural else None) or default_plural(singular)


def name(level: str, plural: bool = False, start: bool = False, labels: dict | None = None) -> str:
    """The level's label as a sentence shows it: at its start (``start``) as written, else :func:`mid_sentence`."""
    text = label(level, plural, labels)
    return text if start else mid_sentence(text)
