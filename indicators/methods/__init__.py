"""The compute methods, one module each (``ratio``, ``sum``, ``count``, ``published``, ``index``...).

Each module declares one :class:`~indicators.methods.base.Method`: its config keys and checks, its SQL
fragments, its intervals, whether it rolls up, how the dashboard words it and its methodology text. This
registry is built from them, and every other part asks it instead of naming methods: config validation
(:func:`check_config`), the ``ind`` parameter table (``indicators.registry``), the value SQL
(``indicators.sqltext.values_sql``), intervals, disclosure, the release metadata and the dashboard.
Adding a method is adding a module here (and its tests and docs): the registry finds its modules itself.
"""

from __future__ import annotations

import difflib
import importlib
import pkgutil

import pandas as pd

from core.config_models import Config, IndicatorConfig
from core.errors import ConfigError
from indicators.methods.base import DISPLAYS, Method


def _discover() -> dict[str, Method]:
    """Every module of this package but ``base``, each with its ``METHOD``, by name. (Importing them makes
    them attributes of this module: ``sum`` here is the module ``sum``, not the builtin.)"""
    found = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if info.name != "base":
            method = importlib.import_module(f"{__name__}.{info.name}").METHOD
            found[method.name] = method
    return found


METHODS: dict[str, Method] = _discover()

__all__ = ["DISPLAYS", "METHODS", "Method", "check_config", "checked", "get"]

#: ``compute`` keys every method may leave at their defaults; a key set that the method does not read is an error
_COMPUTE_KEYS = ("measure", "numerator", "denominator", "multiplier", "base_period")


def get(name: str) -> Method:
    """The method called ``name`` (KeyError for an unknown one: configs are checked before this is asked)."""
    return METHODS[name]


def names() -> list[str]:
    return sorted(METHODS)


def check_indicator(n: int, ind: IndicatorConfig, config: Config) -> list[str]:
    """The problems of ``indicators[n]``'s method settings, each as ``path: message``."""
    where = f"indicators[{n}]"
    method = METHODS.get(ind.compute.method)
    if method is None:
        close = difflib.get_close_matches(ind.compute.method, list(METHODS), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        return [f"{where}.compute.method: unknown method {ind.compute.method!r}{hint} (methods: "
                f"{', '.join(names())})"]
    problems = [f"{where}.{key}: {message}" for key, message in method.check(ind, config)]
    for key in _COMPUTE_KEYS:
        if key in ind.compute.model_fields_set and key not in method.keys and key not in ("measure", "numerator",
                                                                                           "denominator"):
            problems.append(f"{where}.compute.{key}: method {method.name!r} does not take {key!r} (it takes "
                            f"{', '.join(method.keys)})")
    if ind.interval != "auto" and ind.interval not in method.intervals:
        problems.append(f"{where}.interval: {ind.interval!r} is not an interval of method {method.name!r} "
                        f"(it allows {', '.join(method.intervals)})"
                        + (" ('wilson' needs a ratio, a proportion)" if ind.interval == "wilson" else ""))
    return problems


def check_config(config: Config) -> list[str]:
    """Every indicator's method problems (an unknown method, keys it needs or does not take, intervals)."""
    return [p for n, ind in enumerate(config.indicators) for p in check_indicator(n, ind, config)]


def checked(config: Config) -> Config:
    """``config``, once its methods are checked; :class:`ConfigError` (with every problem) otherwise. The
    entry points that load a config call this after ``core.config.load_config`` (core knows no method)."""
    problems = check_config(config)
    if problems:
        raise ConfigError(problems, config._file or None)
    return config


def interval_method(ind: IndicatorConfig) -> str:
    """The indicator's interval: its own, or with ``auto`` the one its method takes for it."""
    return ind.interval if ind.interval != "auto" else get(ind.compute.method).auto_interval(ind)


def local_measures(config: Config) -> set[str]:
    """The measures of the indicators computed from local observations (counts and their denominators)."""
    return {x for i in config.indicators if get(i.compute.method).local for x in i.compute.measures}


def proportion_pairs(config: Config) -> list[tuple[str, str]]:
    """(numerator, denominator) of each proportion: a ratio with a Wilson interval (a numerator above its
    denominator is a finding)."""
    return [(i.compute.numerator, i.compute.denominator) for i in config.indicators
            if i.compute.numerator and i.compute.denominator and interval_method(i) == "wilson"]


def by_name(values: pd.Series, attribute: str) -> pd.Series:
    """``attribute`` of the method named in each of ``values`` (a column of method names)."""
    return values.map(lambda m: getattr(METHODS[m], attribute))


def findings(config: Config, indicators, obs: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """The methods' own findings about the run's ``indicators`` (ids), as warnings of the measure's source
    (the ``columns`` of etl.validate's findings)."""
    wanted = set(indicators)
    rows = []
    for n, ind in enumerate(config.indicators):
        method = METHODS[ind.compute.method]
        if ind.id in wanted and method.findings is not None and not obs.empty:
            rows += method.findings(n, ind, obs)
    if not rows:
        return pd.DataFrame(columns=columns)
    df = pd.DataFrame(rows)
    sources = {m.id: config.source(m.source) for m in config.measures}
    df["severity"] = "warn"
    df["source"] = [sources[m].id for m in df["measure"]]
    df["file"] = [sources[m].where for m in df["measure"]]
    df["row"] = pd.array([None] * len(df), dtype="Int64")
    df["column"] = ""
    return df[columns]


# -- the SQL of values.sql, assembled from the methods' fragments ------------------------------------------


def _quoted(names_: list[str]) -> str:
    return ", ".join(f"'{n}'" for n in names_)


def _by_method(attribute: str, default: str) -> str:
    """``CASE WHEN i.method = 'm' THEN <fragment> ... ELSE <default> END`` over the local methods whose fragment
    differs from ``default`` (just ``default`` when none does)."""
    whens = [f"WHEN i.method = '{m.name}' THEN {getattr(m, attribute)}" for m in METHODS.values()
             if m.local and getattr(m, attribute) not in (None, default)]
    return f"CASE {' '.join(whens)} ELSE {default} END" if whens else default


def values_fragments() -> dict[str, str]:
    """The placeholders of values.sql that depend on the methods."""
    raw = "CASE WHEN r.n_reporting = 0 THEN NULL " + " ".join(
        f"WHEN i.method = '{m.name}' THEN {m.value_sql}" for m in METHODS.values() if m.local) + " END"
    return {
        "method_ctes": "\n".join(m.ctes for m in METHODS.values() if m.ctes),
        "method_joins": "\n    ".join(m.join for m in METHODS.values() if m.join),
        "raw_value": raw,
        "numerator": _by_method("numerator_sql", "r.numerator"),
        "denominator": _by_method("denominator_sql", "r.denominator"),
        "method_note": _by_method("note_sql", "CAST(NULL AS STRING)"),
        "as_published": _quoted([m.name for m in METHODS.values() if not m.local]),
    }


def local_methods_sql() -> str:
    """The methods computed from local observations, as an SQL list (cells.sql)."""
    return _quoted([m.name for m in METHODS.values() if m.local])
