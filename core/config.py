"""Load config.yaml once, at the entry point, into typed models.

- ``${VAR}`` and ``${VAR:-default}`` are expanded in every string value.
- Relative paths are resolved against the folder of the config file, so a config works from any cwd.
- Every problem is reported with its path in the file (``indicators[3].denominator: ...``) as a
  :class:`ConfigError`; the CLI prints it without a traceback.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import os
import re
import types
import typing
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from core.config_models import DEFAULT_EU_THEMES, EU_DATA_THEMES, Config, needs_translation, public_url
from core.errors import ConfigError

_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


def load_config(path: str | os.PathLike) -> Config:
    """Read, expand, validate and cross-check a config file."""
    file = Path(path)
    if not file.is_file():
        raise ConfigError([f"file not found: {file}"], str(file))
    text = file.read_text(encoding="utf-8")
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise ConfigError([f"{where}not valid YAML ({getattr(exc, 'problem', exc)})"], str(file)) from None
    if not isinstance(raw, dict):
        raise ConfigError(["the file must be a mapping of keys (store, geography, sources, ...)"], str(file))
    problems: list[str] = []
    public_hash = _public_hash(raw)  # of the file as written, before ${VAR} expansion
    raw = _expand_env(raw, "", problems)
    if problems:
        raise ConfigError(problems, str(file))
    _resolve_paths(raw, file.parent.resolve())
    try:
        config = Config.model_validate(raw, context={"default_language": _default_language(raw)})
    except ValidationError as exc:
        raise ConfigError([_format_error(e, raw) for e in exc.errors()], str(file)) from None
    problems = check_references(config)
    if problems:
        raise ConfigError(problems, str(file))
    config._file = str(file.resolve())
    config._hash = public_hash
    return config


def _default_language(raw: dict) -> str:
    """``languages.default`` as written (checked with the rest), for splitting translated fields."""
    languages = raw.get("languages")
    default = languages.get("default") if isinstance(languages, dict) else None
    return default if isinstance(default, str) and default else "en"


#: Settings that hold, or may hold, a secret written in the file: left out of the config hash.
SECRET_SETTINGS = ("catalogue", "access", "alerts")


def _public_hash(raw: dict) -> str:
    """sha256 of the config as written (canonical JSON of the parsed file, ``${VAR}`` references as they
    are), without what may hold a secret: the catalogue URL, access and alerts settings, and the password
    and credential parameters of source and SQL URLs (:func:`public_url`). It is published in every
    release's manifest, so a secret written in the file must not be testable against it offline; and
    comments or layout do not change it."""
    data = {k: v for k, v in raw.items() if k not in SECRET_SETTINGS}
    sources = []
    for source in data.get("sources") or []:
        if isinstance(source, dict):
            source = dict(source)
            if isinstance(source.get("url"), str):
                source["url"] = public_url(source["url"])
            if isinstance(source.get("sql"), dict) and isinstance(source["sql"].get("url"), str):
                source["sql"] = {**source["sql"], "url": public_url(source["sql"]["url"])}
        sources.append(source)
    if "sources" in data:
        data["sources"] = sources
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode("utf-8")).hexdigest()


def config_hash(config: Config) -> str:
    """The config's published hash (:func:`_public_hash`); recorded with every run and in the manifest."""
    return getattr(config, "_hash", "")


def config_file(config: Config) -> str:
    return getattr(config, "_file", "")


def _expand_env(node: Any, path: str, problems: list[str]) -> Any:
    if isinstance(node, dict):
        return {k: _expand_env(v, _join(path, str(k)), problems) for k, v in node.items()}
    if isinstance(node, list):
        return [_expand_env(v, f"{path}[{i}]", problems) for i, v in enumerate(node)]
    if isinstance(node, str):
        def sub(m: re.Match[str]) -> str:
            name, default = m.group(1), m.group(2)
            if name in os.environ:
                return os.environ[name]
            if default is not None:
                return default
            problems.append(f"{path}: environment variable {name} is not set (write ${{{name}:-default}} "
                            "to give a default)")
            return m.group(0)
        return _ENV.sub(sub, node)
    return node


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _resolve_paths(raw: dict, base: Path) -> None:
    """Make file paths absolute against the config file's folder (URLs and absolute paths untouched)."""

    def fix(value: Any) -> Any:
        if isinstance(value, str) and value and "://" not in value and not Path(value).is_absolute():
            return str((base / value).resolve())
        return value

    if "store" in raw:
        raw["store"] = fix(raw["store"])
    else:
        raw["store"] = fix("data/store")
    cat = raw.get("catalogue", "sqlite:///data/catalog.db")
    if isinstance(cat, str) and cat.startswith("sqlite:///") and not cat.startswith("sqlite:////"):
        rel = cat[len("sqlite:///"):]
        if rel and rel != ":memory:":
            cat = "sqlite:///" + str((base / rel).resolve())
    raw["catalogue"] = cat
    geo = raw.get("geography")
    if isinstance(geo, dict):
        if isinstance(geo.get("areas"), dict):
            geo["areas"]["path"] = fix(geo["areas"].get("path"))
        if isinstance(geo.get("boundaries"), dict):
            for level, spec in geo["boundaries"].items():
                if isinstance(spec, dict):
                    spec["path"] = fix(spec.get("path"))
                    if isinstance(spec.get("code_mapping"), dict) and "path" in spec["code_mapping"]:
                        spec["code_mapping"]["path"] = fix(spec["code_mapping"]["path"])
                else:
                    geo["boundaries"][level] = fix(spec)
    for src in raw.get("sources") or []:
        if isinstance(src, dict) and "path" in src:
            src["path"] = fix(src["path"])
        if isinstance(src, dict) and isinstance(src.get("metadata"), str):
            src["metadata"] = fix(src["metadata"])
        if isinstance(src, dict) and isinstance(src.get("code_mapping"), dict) and "path" in src["code_mapping"]:
            src["code_mapping"]["path"] = fix(src["code_mapping"]["path"])


#: The lists whose items have an ``id``: an error in one names the item as well as its position.
_ITEMS = {"sources": "source", "measures": "measure", "indicators": "indicator", "schedules": "schedule"}


def _format_error(err: dict, raw: dict | None = None) -> str:
    """``path: message`` for one pydantic error, with what to do about it where that can be told: the
    closest valid key or value, quotes for a number or boolean YAML read where text was meant, and the id
    of the source, measure, indicator or schedule the error is in."""
    parts = [p for p in err["loc"] if not str(p).startswith("function-")]
    is_key = bool(parts) and parts[-1] == "[key]"  # the key of a mapping, not its value
    if is_key:
        parts = parts[:-1]
    loc = ""
    for n, part in enumerate(parts):
        if isinstance(part, int) and not (is_key and n == len(parts) - 1):
            loc += f"[{part}]"
        else:
            loc = _join(loc, str(part))
    owner = _owner(parts, raw)
    msg, value = err["msg"], err.get("input")
    if err["type"] == "extra_forbidden":
        keys = _keys_at(parts[:-1])
        close = difflib.get_close_matches(str(parts[-1]), keys, n=1) if parts else []
        hint = (f"; did you mean {close[0]!r}?" if close
                else f"; this section takes {', '.join(keys)}" if keys
                else " (see docs/configuration.md for the keys this section takes)")
        return f"{loc or '(top level)'}: unknown key{f' in {owner}' if owner else ''}{hint}"
    if err["type"] == "literal_error":
        allowed = re.findall(r"'([^']*)'", str((err.get("ctx") or {}).get("expected", "")))
        close = difflib.get_close_matches(value, allowed, n=1) if isinstance(value, str) else []
        if is_key:
            hint = f"; did you mean {close[0]!r}?" if close else f"; {msg}"
            return f"{loc}: unknown key{f' in {owner}' if owner else ''}{hint}"
        msg = f"{msg}; got {value!r}" + (f"; did you mean {close[0]!r}?" if close else "")
    elif err["type"] == "missing":
        msg = "required key is missing"
    elif err["type"] == "string_type" and isinstance(value, bool):
        msg += f"; YAML read {value} (an unquoted yes, no, on, off, true or false): write the value in quotes"
    elif err["type"] == "string_type" and isinstance(value, int | float):
        msg += f"; YAML read the number {value!r}: write it in quotes: '{value}'"
    elif msg.startswith("Value error, "):
        msg = msg[len("Value error, "):]
    return f"{loc or '(top level)'}: {msg}" + (f" ({owner})" if owner else "")


def _owner(parts: list, raw: dict | None) -> str:
    """``indicator 'neet_rate'`` for an error inside ``indicators[n]`` whose id can be read, else ``""``."""
    if not isinstance(raw, dict) or len(parts) < 3 or parts[0] not in _ITEMS or not isinstance(parts[1], int):
        return ""
    items = raw.get(parts[0])
    item = items[parts[1]] if isinstance(items, list) and parts[1] < len(items) else None
    ident = item.get("id") if isinstance(item, dict) else None
    return f"{_ITEMS[parts[0]]} {ident!r}" if isinstance(ident, str) and parts[2] != "id" else ""


def _keys_at(parts: list) -> list[str]:
    """The keys the section of the config at ``parts`` (a pydantic location) takes, or ``[]``."""
    kind: Any = Config
    for part in parts:
        kind = _optional(kind)
        origin, args = typing.get_origin(kind), typing.get_args(kind)
        if isinstance(kind, type) and issubclass(kind, BaseModel) and part in kind.model_fields:
            kind = kind.model_fields[part].annotation
        elif origin is list and isinstance(part, int):
            kind = args[0]
        elif origin is dict and len(args) == 2:
            kind = args[1]
        else:
            return []
    kind = _optional(kind)
    return list(kind.model_fields) if isinstance(kind, type) and issubclass(kind, BaseModel) else []


def _optional(kind: Any) -> Any:
    """``X`` for ``X | None``; anything else as it is."""
    if typing.get_origin(kind) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(kind) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return kind


def _unknown(kind: str, name: str, known: list[str]) -> str:
    close = difflib.get_close_matches(name, known, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else f"; known: {', '.join(sorted(known)) or 'none'}"
    return f"unknown {kind} {name!r}{hint}"


def check_references(config: Config) -> list[str]:
    """Cross-reference checks that a single model cannot make."""
    problems: list[str] = []
    levels = config.geography.levels
    sources = [s.id for s in config.sources]
    measures = [m.id for m in config.measures]
    indicators = [i.id for i in config.indicators]
    for kind, ids, section in (("source", sources, "sources"), ("measure", measures, "measures"),
                               ("indicator", indicators, "indicators"),
                               ("schedule", [s.id for s in config.schedules], "schedules")):
        seen: set[str] = set()
        for n, i in enumerate(ids):
            if i in seen:
                problems.append(f"{section}[{n}].id: duplicate {kind} id {i!r}")
            seen.add(i)
    for level in config.geography.boundaries:
        if level not in levels:
            problems.append(f"geography.boundaries.{level}: {_unknown('level', level, levels)}")
    bounds = config.dashboard.map.bounds
    for level in bounds if isinstance(bounds, dict) else ():
        if level not in levels:
            problems.append(f"dashboard.map.bounds.{level}: {_unknown('level', level, levels)}")
    dims = sorted({m.breakdown for m in config.measures if m.breakdown})
    for dim in config.dashboard.breakdown_labels:
        if dim not in dims:
            problems.append(f"dashboard.breakdown_labels.{dim}: {_unknown('breakdown dimension', dim, dims)} "
                            "(the measures' breakdown)")
    nb = config.geography.neighbours
    if nb:
        for n, level in enumerate(nb.levels):
            if level not in levels:
                problems.append(f"geography.neighbours.levels[{n}]: {_unknown('level', level, levels)}")
        attributes = config.geography.areas.attributes
        for n, feature in enumerate(nb.features):
            if feature.indicator is not None:
                if feature.indicator not in indicators:
                    problems.append(f"geography.neighbours.features[{n}].indicator: "
                                    f"{_unknown('indicator', feature.indicator, indicators)}")
            elif feature.name not in attributes:
                problems.append(f"geography.neighbours.features[{n}].name: "
                                f"{_unknown('attribute', feature.name, attributes)} (a feature must be one of "
                                "geography.areas.attributes)")
    for code, level in config.geography.areas.level_values.items():
        if level not in levels:
            problems.append(f"geography.areas.level_values.{code}: {_unknown('level', level, levels)}")
    for n, m in enumerate(config.measures):
        if m.source not in sources:
            problems.append(f"measures[{n}].source: {_unknown('source', m.source, sources)}")
    for n, ind in enumerate(config.indicators):
        c = ind.compute
        for key in ("measure", "numerator", "denominator"):
            name = getattr(c, key)
            if name is not None and name not in measures:
                problems.append(f"indicators[{n}].compute.{key}: {_unknown('measure', name, measures)}")
        if ind.target and ind.target.base_period and ind.target.base_period >= ind.target.period:
            problems.append(f"indicators[{n}].target.base_period: must come before target.period")
    for n, s in enumerate(config.schedules):
        for k, i in enumerate(s.indicators):
            if i not in indicators:
                problems.append(f"schedules[{n}].indicators[{k}]: {_unknown('indicator', i, indicators)}")
    problems += _check_schedules(config)
    problems += _check_open_data(config)
    problems += _check_languages(config)
    return problems


def _check_languages(config: Config) -> list[str]:
    """The offered languages are languages CLDR knows, the default among them; names in ``languages.themes``
    and ``languages.levels`` are themes and levels the config has, in offered languages."""
    from core.i18n import is_language

    problems = []
    languages = config.languages
    offered = ", ".join(languages.available)
    for n, lang in enumerate(languages.available):
        if not is_language(lang):
            problems.append(f"languages.available[{n}]: {lang!r} is not a language CLDR knows (such as 'en', 'fr' "
                            "or 'pt-BR')")
        elif lang in languages.available[:n]:
            problems.append(f"languages.available[{n}]: {lang!r} is listed twice")
    if languages.default not in languages.available:
        problems.append(f"languages.default: {languages.default!r} is not in languages.available ({offered}); "
                        "list it there")
    for section in ("themes", "levels"):
        for name, texts in getattr(languages, section).items():
            for lang in texts:
                if lang not in languages.available:
                    problems.append(f"languages.{section}.{name}.{lang}: {lang!r} is not in languages.available "
                                    f"({offered})")
    for lang in config.geography.areas.names:  # area names in a language no reader is offered: a typo
        if lang not in languages.available:
            problems.append(f"geography.areas.names.{lang}: {lang!r} is not in languages.available ({offered})")
    themes = sorted({i.theme for i in config.indicators})
    for theme in config.languages.themes:
        if theme not in themes:
            problems.append(f"languages.themes.{theme}: {_unknown('theme', theme, themes)} (a theme as "
                            "indicators[].theme names it)")
    for level in config.languages.levels:
        if level not in config.geography.levels:
            problems.append(f"languages.levels.{level}: {_unknown('level', level, config.geography.levels)}")
    return problems


def missing_translations(config: Config) -> list[str]:
    """Warnings (``config check``), one per offered language and item: the texts a reader of that language
    will see in the default language instead (marked as such), and translations in a language the deployment
    does not offer (never shown). Internal indicators count too: their readers read them."""
    from core.i18n import display_name

    languages = config.languages
    warnings = []
    for lang in languages.others:
        name = display_name(lang)
        pub = config.publication
        items = [("title", config, ("title",)), ("publication", pub, pub.TRANSLATABLE),
                 ("publication.accessibility", pub.accessibility, pub.accessibility.TRANSLATABLE)]
        items += [(f"sources[{n}] ({src.id})", src, src.TRANSLATABLE) for n, src in enumerate(config.sources)]
        items += [(f"indicators[{n}] ({ind.id})", ind, ind.TRANSLATABLE) for n, ind in enumerate(config.indicators)]
        for where, item, fields in items:
            missing = [f for f in fields if needs_translation(getattr(item, f))
                       and not item.translations.get(lang, {}).get(f)]
            if missing:
                warnings.append(f"languages: {lang} ({name}): {where}: no {', '.join(missing)} in {lang}; "
                                f"shown in {languages.default}, marked as not translated")
        for section, names in (("themes", sorted({i.theme for i in config.indicators})),
                               ("levels", config.geography.levels)):
            missing = [x for x in names if lang not in getattr(languages, section).get(x, {})]
            if missing:
                warnings.append(f"languages.{section}: no name in {lang} ({name}) for {', '.join(missing)}")
        board = config.dashboard
        for dim, codes in board.breakdown_labels.items():
            missing = [c for c in codes if board.breakdown_label(dim, c, lang, languages.default)[1]]
            if missing:
                warnings.append(f"dashboard.breakdown_labels.{dim}: no words in {lang} ({name}) for "
                                f"{', '.join(missing)}; shown in {languages.default}, marked as not translated")
    offered = set(languages.available)
    written = [("title", config.translations), ("publication", config.publication.translations),
               ("publication.accessibility", config.publication.accessibility.translations),
               ("dashboard.breakdown_labels", config.dashboard.breakdown_translations)]
    written += [(f"sources[{n}] ({src.id})", src.translations) for n, src in enumerate(config.sources)]
    written += [(f"indicators[{n}] ({ind.id})", ind.translations) for n, ind in enumerate(config.indicators)]
    for where, translations in written:
        for lang in sorted(set(translations) - offered):
            warnings.append(f"{where}: a translation in {lang!r}, which languages.available does not list "
                            f"({', '.join(languages.available)}): it is never shown")
    return warnings


#: An SPDX licence id (https://spdx.org/licenses/: CC-BY-4.0, OGL-UK-3.0, LicenseRef-...) or an IRI.
_LICENCE = re.compile(r"[A-Za-z0-9][A-Za-z0-9.+-]*|https?://[^\s<>\"{}|\\^`]+")


def _check_open_data(config: Config) -> list[str]:
    """What open-data portals need to read the catalogue: a licence they can resolve (an SPDX id or an IRI,
    not words)."""
    problems = []
    licences = [("publication.licence", config.publication.licence)]
    licences += [(f"indicators[{n}].licence", i.licence) for n, i in enumerate(config.indicators) if i.licence]
    for key, licence in licences:
        if not _LICENCE.fullmatch(licence):
            problems.append(f"{key}: {licence!r} is neither an SPDX licence id (such as CC-BY-4.0, see "
                            "https://spdx.org/licenses/) nor the IRI of a licence: a portal cannot tell what it "
                            "allows; put conditions in words in publication.attribution")
    return problems


def unmapped_themes(config: Config) -> list[str]:
    """Warnings (``config check``): public indicators whose theme has no EU data theme; the catalogue gives
    them no ``dcat:theme`` (a recommended property portals warn of), which is no reason to refuse a deployment."""
    themes = {**DEFAULT_EU_THEMES, **config.publication.catalogue.themes}
    return [f"indicators[{n}].theme: {ind.theme!r} has no EU data theme; map it in publication.catalogue.themes "
            f"to one of {', '.join(EU_DATA_THEMES)} so that portals can file it"
            for n, ind in enumerate(config.indicators) if ind.visibility == "public" and ind.theme not in themes]


def _check_schedules(config: Config) -> list[str]:
    """The scheduler's time zone and every cron expression, read as the scheduler reads them, so that a bad
    one stops ``config check`` rather than ``openmeasure schedule`` later."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    problems: list[str] = []
    timezone = config.scheduler.timezone
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(f"scheduler.timezone: unknown time zone {timezone!r} (an IANA name such as "
                        "'Europe/Oslo', or 'UTC')")
        timezone = "UTC"
    crons = [(n, s) for n, s in enumerate(config.schedules) if s.cron is not None]
    if crons:
        from apscheduler.triggers.cron import CronTrigger

        for n, s in crons:
            try:
                CronTrigger.from_crontab(s.cron, timezone=timezone)
            except ValueError as exc:
                problems.append(f"schedules[{n}].cron: {exc}: {s.cron!r} (schedule {s.id!r}); a cron has five "
                                "fields, minute hour day month weekday, e.g. '0 2 * * *'")
                continue
            never = _never_fires(s.cron, timezone)
            if never:
                problems.append(f"schedules[{n}].cron: {s.cron!r} never fires: {never} (schedule {s.id!r})")
    return problems


#: The Gregorian calendar repeats every 400 years (146,097 days, a whole number of weeks): a cron of five fields
#: that does not fire within that long never fires.
_CALENDAR_CYCLE_DAYS = 146_097


def _never_fires(cron: str, timezone: str) -> str | None:
    """Why a (valid) five-field cron can never fire, or None when it fires. APScheduler's own trigger finds its
    next fire time from now, bounded by an end date one calendar cycle ahead: an impossible date (the 31st of
    February) ends the search there instead of running on to the year 9999."""
    from datetime import UTC, datetime, timedelta

    from apscheduler.triggers.cron import CronTrigger

    minute, hour, day, month, weekday = cron.split()
    now = datetime.now(UTC)
    horizon = now + timedelta(days=_CALENDAR_CYCLE_DAYS + 1)

    def fires(day_of_week: str) -> bool:
        trigger = CronTrigger(minute=minute, hour=hour, day=day, month=month, day_of_week=day_of_week,
                              timezone=timezone, end_date=horizon)
        return trigger.get_next_fire_time(None, now) is not None

    if fires(weekday):
        return None
    if weekday != "*" and fires("*"):
        return (f"no day {day} of month {month} falls on weekday {weekday} (the scheduler fires only when the day "
                "of the month and the weekday both match, not when either does as some crons do); put '*' in one "
                "of the two fields")
    return (f"there is no day {day} in month {month} (February has at most 29 days; April, June, September and "
            "November have 30)")
