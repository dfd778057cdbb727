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
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from etl.config_models import Config, public_url
from etl.exceptions import ConfigError

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
        config = Config.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError([_format_error(e) for e in exc.errors()], str(file)) from None
    problems = check_references(config)
    if problems:
        raise ConfigError(problems, str(file))
    config._file = str(file.resolve())
    config._hash = public_hash
    return config


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
            geo["boundaries"] = {k: fix(v) for k, v in geo["boundaries"].items()}
    for src in raw.get("sources") or []:
        if isinstance(src, dict) and "path" in src:
            src["path"] = fix(src["path"])
        if isinstance(src, dict) and isinstance(src.get("metadata"), str):
            src["metadata"] = fix(src["metadata"])
        if isinstance(src, dict) and isinstance(src.get("code_mapping"), dict) and "path" in src["code_mapping"]:
            src["code_mapping"]["path"] = fix(src["code_mapping"]["path"])


def _format_error(err: dict) -> str:
    loc = ""
    for part in err["loc"]:
        if isinstance(part, int):
            loc += f"[{part}]"
        elif part in ("function-after", "function-before") or str(part).startswith("function-"):
            continue
        else:
            loc = _join(loc, str(part))
    msg = err["msg"]
    if err["type"] == "extra_forbidden":
        msg = "unknown key (see docs/configuration.md for the keys this section takes)"
    elif err["type"] == "missing":
        msg = "required key is missing"
    elif err["type"] == "literal_error":
        msg = f"{msg}; got {err.get('input')!r}"
    elif msg.startswith("Value error, "):
        msg = msg[len("Value error, "):]
    return f"{loc or '(top level)'}: {msg}"


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
    nb = config.geography.neighbours
    if nb:
        for n, level in enumerate(nb.levels):
            if level not in levels:
                problems.append(f"geography.neighbours.levels[{n}]: {_unknown('level', level, levels)}")
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
        if ind.interval == "wilson" and c.method != "ratio":
            problems.append(f"indicators[{n}].interval: 'wilson' needs a ratio (a proportion)")
        if ind.target and ind.target.base_period and ind.target.base_period >= ind.target.period:
            problems.append(f"indicators[{n}].target.base_period: must come before target.period")
    for n, s in enumerate(config.schedules):
        for k, i in enumerate(s.indicators):
            if i not in indicators:
                problems.append(f"schedules[{n}].indicators[{k}]: {_unknown('indicator', i, indicators)}")
    return problems
