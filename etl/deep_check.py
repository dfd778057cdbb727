"""``openmeasure config check --deep``: open everything the config names, as a run would, and report what does
not fit, without running anything.

Every source is read by the run's own reading steps (``etl.sources.extract``: :func:`read_raw` by its
connector, then :func:`observe`: its area codes mapped and named, its measures selected, its observations put
through the source's rules), and the observations of every source together through the run's checks across
sources (``proportion_findings``, ``base_period_findings``); only the policy differs: every problem is
collected, nothing is stopped at, and each problem is one :class:`Problem` that names the key of the config to fix
(``sources[1].columns.period``, ``measures[3].select.Measure``), the file and, where it applies, the row and
column, with the closest valid name or value where one is close.

Nothing is written: no snapshot, no observation kept, no catalogue row, no store folder. A source given by
``url`` is downloaded once into a temporary folder (no retry); a SQL source is first connected to, and a
database that cannot be reached is a warning, not an error (its table, columns and values are not checked).

Errors (exit status 2) are what would stop a run or leave a measure without data: a file, sheet, resource,
column, dimension or table that is not there, a selection that matches no row, a source in which no period
parses or no area code is in the areas table, a rule set to ``block`` that fires. Warnings are what a run
records and goes on with: rows it would quarantine (an unknown area code, a period that does not parse, a value
that is not a number), a base period without data, a database or URL that cannot be reached from here.
"""

from __future__ import annotations

import re
import tempfile
import urllib.error
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from pydantic import BaseModel

from core.config_models import Config, SourceConfig
from core.errors import ConfigError, GeographyError, SourceError
from core.geography import load_areas
from etl import boundaries as boundary_files
from etl.coverage import base_period_findings, empty_measures, measures_present
from etl.findings import closest, reader_findings
from etl.observations import OBSERVATION_COLUMNS, same_categories
from etl.pipeline import check_area_targets
from etl.sources import remote, sql
from etl.sources.extract import measure_frequencies, observe, proportion_findings, read_raw
from etl.sources.frictionless import locate
from indicators import methods

#: Lines shown per key and rule (one per distinct message); the rest are counted in one more line.
SHOWN = 5
#: Names of a file's columns (sheets, resources) listed in a message.
LISTED = 12
#: The raw table's columns that are not dimensions a measure can select on.
_BASE = ("area_code", "period", "value", "flags", "row")
#: The raw table's logical columns -> the key under ``sources[].columns`` that names them.
_COLUMN_KEYS = {"area_code": "area_code", "period": "period", "value": "value", "flags": "flag",
                "area_name": "area_name"}


@dataclass(frozen=True)
class Problem:
    severity: str  # "error" | "warning"
    path: str  # the key of the config to fix: sources[1].columns.period
    message: str
    file: str = ""
    row: int | None = None
    column: str | None = None

    def line(self) -> str:
        where = ", ".join(p for p in (f"file {self.file}" if self.file else "",
                                      f"row {self.row}" if self.row is not None else "",
                                      f"column {self.column!r}" if self.column else "") if p)
        return f"{self.severity}: {self.path}: {self.message}" + (f" ({where})" if where else "")


def deep_check(config: Config) -> list[Problem]:
    """Every problem found opening what ``config`` (already loaded and valid) names, in config order."""
    problems: list[Problem] = []
    if config.demo and not Path(config.geography.areas.path).is_file():
        return [Problem("warning", "geography.areas.path", "the demo inputs are not generated yet (demo: true: the "
                        "first 'openmeasure etl run' generates them); nothing else was checked",
                        config.geography.areas.path)]
    areas = _areas(config, problems)
    problems += _boundaries(config, areas)
    if areas is not None:
        try:
            check_area_targets(config, set(areas["area_code"]))
        except ConfigError as exc:
            problems += [Problem("error", *p.split(": ", 1)) for p in exc.problems]
    frames, headers = [], {}
    for n, source in enumerate(config.sources):
        try:
            got = _check_source(config, n, source, areas, problems)
        except Exception as exc:  # noqa: BLE001  never a traceback: what could not be checked is said
            problems.append(Problem("error", f"sources[{n}]", f"could not be checked: {_first_line(exc)}",
                                    source.where))
            continue
        if got is not None:
            frames.append(got[0])
            headers[source.id] = got[1]
    if frames:
        try:
            problems += _across_sources(config, pd.concat(same_categories(frames), ignore_index=True), headers)
        except Exception as exc:  # noqa: BLE001
            problems.append(Problem("error", "sources", f"the checks across sources failed: {_first_line(exc)}"))
    return problems


def _boundaries(config: Config, areas: pd.DataFrame | None) -> list[Problem]:
    """Per level: how many areas have a boundary and how many features match no area, as a run matches them
    (:mod:`etl.boundaries`); a level none of whose areas has a boundary is an error (its map is blank)."""
    out = []
    for level, spec in config.geography.boundaries.items():
        key = f"geography.boundaries.{level}"
        if not Path(spec.path).is_file():
            out.append(Problem("error", f"{key}.path" if spec.code_property or spec.pad_codes or spec.code_mapping
                               else key, "file not found", spec.path))
            continue
        if areas is None:
            continue
        codes = set(areas.loc[areas["level"] == level, "area_code"].astype(str))
        try:
            lb = boundary_files.normalise(level, spec, codes)
        except SourceError as exc:
            out.append(Problem("error", f"{key}.{exc.key}" if exc.key else key, exc.message, exc.file or spec.path,
                               exc.row, exc.column))
            continue
        severity = "error" if codes and not lb.matched else "warning"
        # a blank map whose fix is a property to set is one line, that one: the count of areas without a
        # boundary and the features without an 'id' are what that property fixes, not more problems to read
        renamed = any(f["rule"] == "boundary_no_match" and ".code_property: " in f["message"] for f in lb.findings)
        if codes and (lb.missing_areas or lb.features_unmatched) and not renamed:
            out.append(Problem(severity, key, f"{lb.matched:,} of {lb.areas:,} {level} areas have a boundary; "
                               f"{lb.features_unmatched:,} of {lb.features:,} features match no area", spec.path))
        for f in lb.findings:
            if f["rule"] in ("boundary_missing", "boundary_unmatched") or (renamed and f["rule"] == "boundary_no_code"):
                continue  # counted in the line above, or fixed by the property the no-match line names
            fix = re.search(r"set (geography\.boundaries\.[^:]+):", f["message"])
            out.append(Problem(severity if f["rule"] == "boundary_no_match" else "warning",
                               fix.group(1) if fix else key, f["message"], spec.path, f["row"], f["column"] or None))
    return out


def _first_line(exc: Exception) -> str:
    return f"{type(exc).__name__}: {(str(exc).strip().splitlines() or [''])[0]}"


def _areas(config: Config, problems: list[Problem]) -> pd.DataFrame | None:
    spec = config.geography.areas
    try:
        return load_areas(config.geography)
    except GeographyError as exc:
        if exc.key is None and exc.column:  # a row of the table: name the key that names its column
            exc.key = next(iter(_keys_holding(spec, exc.column)), None)
        problems += _from_error(exc, "geography.areas", spec)
    except Exception as exc:  # noqa: BLE001  a file that is not a CSV at all
        problems.append(Problem("error", "geography.areas.path", f"could not be read: {_first_line(exc)}",
                                spec.path))
    return None


def _check_source(config: Config, n: int, source: SourceConfig, areas: pd.DataFrame | None,
                  problems: list[Problem]) -> tuple[pd.DataFrame, dict[str, str]] | None:
    """Check one source as a run reads it (:func:`etl.sources.extract.observe`), without a snapshot or a
    comparison with the previous release; its clean observations and the file's own headers, or None when it
    cannot be read."""
    at = f"sources[{n}]"
    measures = [(k, m) for k, m in enumerate(config.measures) if m.source == source.id]
    if not measures:
        problems.append(Problem("warning", at, f"no measure reads source {source.id!r}: a run never opens it",
                                source.where))
    with tempfile.TemporaryDirectory(prefix="openmeasure-check-") as tmp:
        raw = _open(n, source, Path(tmp), problems)
    if raw is None:
        return None
    file = source.where
    headers = dict(raw.attrs.get("headers", {}))
    usable = [(k, m) for k, m in measures if _dimensions_exist(n, source, k, m, raw, problems)]
    # without the areas table (its problem is reported), every code is taken as known: nothing else to say
    known = None
    if areas is not None:
        agg = config.geography.aggregate_root
        known = set(areas["area_code"]) | ({agg.code} if agg is not None and agg.source == "published" else set())
    try:
        seen = observe(raw, source, [m for _, m in usable], config, known, (lambda: areas) if areas is not None
                       else None, count_measures=methods.local_measures(config), frequencies=measure_frequencies(config),
                       keep_extracted=True)
    except SourceError as exc:
        problems += _from_error(exc, at, source, headers)
        return None
    obs, clean, checked, unmatched = seen.extracted, seen.observations, seen.checked, seen.unmatched
    index = {m.id: k for k, m in measures}
    for measure, nomatch in unmatched.items():
        k = index[measure]
        key = f"measures[{k}].select" if config.measures[k].select else f"measures[{k}].id"
        what = "the file has no rows" if not nomatch.select else nomatch.hint()
        problems.append(Problem("error", key, f"measure {measure!r} selects nothing in source {source.id!r}: {what}",
                                file, _header_row(source) if nomatch.select else None,
                                ", ".join(nomatch.select) or None))
    none_known = known is not None and len(obs) > 0 and not obs["area_code"].isin(known).any()
    if none_known:  # the wrong column, or codes of another geography: one error, not one line per code
        codes = sorted(str(c) for c in obs["area_code"].unique() if str(c))
        header = headers.get("area_code", source.columns.area_code)
        problems.append(Problem(
            "error", f"{at}.columns.area_code", f"none of the {len(codes)} area codes of source {source.id!r} is in "
            f"the areas table (e.g. {', '.join(map(repr, codes[:3]))}; the table has e.g. "
            f"{', '.join(map(repr, sorted(known)[:3]))}): is {header!r} the column of area codes? Codes of another "
            "version of the geography need a code_mapping", file, None, header))
        checked = checked[~checked["rule"].isin(["unknown_area", "pseudo_area"])]
    findings = [reader_findings(seen.found, source.id, file, source.validation), checked]
    present = measures_present(clean)
    emptied = [m.id for _, m in usable if m.id not in present.get(source.id, set()) and m.id not in unmatched]
    if not none_known:  # otherwise every measure is empty, for the reason just given
        findings.append(empty_measures(emptied, source.id, file, source.validation))
    problems += _from_findings(locate(pd.concat([f for f in findings if not f.empty] or [checked], ignore_index=True),
                                      raw.attrs.get("parts"), file), config, n, headers)
    return clean[OBSERVATION_COLUMNS], headers


def _open(n: int, source: SourceConfig, tmp: Path, problems: list[Problem]) -> pd.DataFrame | None:
    """The source's raw table, read by its connector; None (with the problem) when it cannot be read."""
    at = f"sources[{n}]"
    try:
        if source.format == "sql":
            return _open_sql(n, source, problems)
        if source.remote:
            once = source.model_copy(update={"fetch": source.fetch.model_copy(update={"retries": 0})})
            try:
                got = remote.fetch(once, tmp)
            except SourceError as exc:
                cause = exc.__cause__
                if exc.__cause__ is None or (isinstance(cause, urllib.error.HTTPError) and cause.code < 500):
                    raise  # a URL that is wrong, not one that cannot be reached from here
                problems.append(Problem("warning", f"{at}.url", f"could not download the file: {exc.message}; the "
                                        "source was not checked", source.where))
                return None
            source = source.model_copy(update={"path": str(got.path)})
        return read_raw(source)[0]
    except SourceError as exc:
        problems += _from_error(exc, at, source)
        return None


def _open_sql(n: int, source: SourceConfig, problems: list[Problem]) -> pd.DataFrame | None:
    from sqlalchemy.engine import make_url

    at = f"sources[{n}]"
    url = make_url(source.sql.url)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:") \
            and not Path(url.database).is_file():  # connecting would create an empty database there
        problems.append(Problem("error", f"{at}.sql.url", f"no SQLite database file {url.database}", source.where))
        return None
    reason = sql.connect_error(source)
    if reason is not None:
        problems.append(Problem("warning", f"{at}.sql.url", f"could not connect to the database: {reason}; its "
                                f"{'table' if source.sql.table else 'query'}, columns and values were not checked",
                                source.where))
        return None
    return read_raw(source)[0]


def _dimensions_exist(n: int, source: SourceConfig, k: int, measure, raw: pd.DataFrame,
                      problems: list[Problem]) -> bool:
    """Whether every column the measure selects or breaks down by is in the source (extract_measures would
    stop at the first one that is not); a problem for each that is not."""
    dims = [str(c) for c in raw.columns if c not in _BASE]
    keys = [(f"measures[{k}].select.{dim}", dim) for dim in measure.select]
    if measure.breakdown:
        keys.append((f"measures[{k}].breakdown", measure.breakdown))
    ok = True
    for key, dim in keys:
        if dim not in raw.columns:
            near = closest(dim, dims)
            problems.append(Problem("error", key, f"source {source.id!r} has no column {dim!r}; it has "
                                    f"{_listed(dims) or 'none to select on'}"
                                    + (f"; did you mean {near!r}?" if near else ""), source.where,
                                    _header_row(source)))
            ok = False
    return ok


def _header_row(source: SourceConfig) -> int | None:
    """The line of the file's header (the column names), None for a database."""
    return None if source.format == "sql" else source.header_row if source.format == "excel" else 1


def _from_error(exc: SourceError, at: str, section: BaseModel, headers: dict[str, str] | None = None
                ) -> list[Problem]:
    """The problems a connector's error names: one per configured column the file lacks, else one at the key
    the error names (``at`` itself when it names none), with the closest of what the file has."""
    file = exc.file or (section.where if isinstance(section, SourceConfig) else "")
    if exc.missing:
        part = exc.key if exc.key in ("columns", "code_mapping") else ""
        held = getattr(section, part) if part else section
        prefix = f"{at}.{part}" if part else at
        excel = isinstance(section, SourceConfig) and section.format == "excel"
        if excel and not set(exc.available) & {v for v in section.columns.model_dump().values() if v}:
            # not one column the config names: the header is on another row
            return [Problem("error", f"{at}.header_row", f"none of the columns {_listed(exc.missing)} is in row "
                            f"{section.header_row} of the sheet, which holds {_listed(exc.available) or 'nothing'}: "
                            "is header_row the row of the table's header?", file, exc.row)]
        out = []
        for header in exc.missing:
            near = closest(header, exc.available)
            message = (f"no column {header!r} in the file; it has {_listed(exc.available) or 'no header'}"
                       + (f"; did you mean {near!r}?" if near else ""))
            for key in _keys_holding(held, header) or [""]:
                out.append(Problem("error", f"{prefix}.{key}" if key else prefix, message, file, exc.row, header))
        return out
    key = exc.key
    if key is None and exc.column and headers:  # a logical column: the key that maps it
        logical = exc.column if exc.column in _COLUMN_KEYS else next(
            (k for k, h in headers.items() if h == exc.column), None)
        key = f"columns.{_COLUMN_KEYS[logical]}" if logical in _COLUMN_KEYS else None
    message = exc.message
    if key and message.startswith(f"{key}: "):  # the message names the key already: it is the line's path
        message = message[len(key) + 2:]
    value = _value_at(section, key) if key else None
    if exc.available and isinstance(value, str):
        near = closest(value, exc.available)
        message += f"; did you mean {near!r}?" if near and near != value else ""
    column = headers.get(exc.column, exc.column) if headers and exc.column else exc.column
    return [Problem("error", f"{at}.{key}" if key else at, message, file, exc.row, column)]


def _keys_holding(section: BaseModel | None, name: str) -> list[str]:
    """The keys of a config section whose value is ``name`` (``period``), or a list holding it
    (``attributes[2]``)."""
    if section is None:
        return []
    out = []
    for key in type(section).model_fields:
        value = getattr(section, key)
        if value == name:
            out.append(key)
        elif isinstance(value, list) and name in value:
            out.append(f"{key}[{value.index(name)}]")
    return out


def _value_at(section: BaseModel, key: str):
    value = section
    for part in key.split("."):
        value = getattr(value, part, None)
    return value


def _listed(names: list[str]) -> str:
    return ", ".join(map(repr, names[:LISTED])) + (f" and {len(names) - LISTED} more" if len(names) > LISTED else "")


def _from_findings(findings: pd.DataFrame, config: Config, n: int, headers: dict[str, str]) -> list[Problem]:
    """The run's findings as problems: one line per key, rule and message (with the first row and how many more
    rows say the same), at most :data:`SHOWN` per key and rule. ``block`` is an error, the rest warnings."""
    if findings.empty:
        return []
    logical = {header: _COLUMN_KEYS[k] for k, header in headers.items() if k in _COLUMN_KEYS}
    index = {m.id: k for k, m in enumerate(config.measures)}

    def key(rule: str, measure: str, column: str) -> str:
        if rule == "no_observations" and measure in index:
            return f"measures[{index[measure]}]"
        if rule == "no_total" and measure in index:  # fixed by selecting a value of the dimension
            return f"measures[{index[measure]}].select"
        if rule == "area_in_breakdown":
            return f"sources[{n}].geography_columns"
        mapped = logical.get(column) or _COLUMN_KEYS.get(column)
        return f"sources[{n}].columns.{mapped}" if mapped else f"sources[{n}]"

    frame = findings.assign(key=[key(r, m, c) for r, m, c in zip(findings["rule"], findings["measure"],
                                                                  findings["column"], strict=True)])
    out = []
    for (at, rule), group in frame.groupby(["key", "rule"], sort=False):
        messages = list(group.groupby("message", sort=False))
        for message, rows in messages[:SHOWN]:
            first = rows.iloc[0]
            more = f" ({len(rows) - 1} more row(s) like it)" if len(rows) > 1 else ""
            out.append(Problem(_severity(rows), at, f"{rule}: {message}{more}", first["file"],
                               None if pd.isna(first["row"]) else int(first["row"]), first["column"] or None))
        rest = messages[SHOWN:]
        if rest:
            rows = pd.concat([r for _, r in rest])
            codes = [str(c) for c in rows["area_code"].unique() if c] if rule == "unknown_area" else []
            listed = f" ({', '.join(codes[:LISTED])}{', ...' if len(codes) > LISTED else ''})" if codes else ""
            # a finding per row (duplicate_key) says how many rows; one per code or name says so in its message
            on = f", on {len(rows)} row(s)" if len(rows) > len(rest) else ""
            out.append(Problem(_severity(rows), at, f"{rule}: and {len(rest)} more like these{listed}{on} "
                               "('openmeasure etl report' lists each one after a run)", rows["file"].iat[0]))
    return out


def _severity(findings: pd.DataFrame) -> str:
    """``block`` stops a run: an error. Rows a run quarantines or records: a warning."""
    return "error" if (findings["severity"] == "block").any() else "warning"


def _across_sources(config: Config, obs: pd.DataFrame, headers: dict[str, dict[str, str]]) -> list[Problem]:
    """What a run finds on the observations of every source together: proportions whose numerator is above
    the denominator, and targets whose base period has no data."""
    _, over = proportion_findings(config, obs, headers)
    out = []
    for n, source in enumerate(config.sources):
        mine = over[over["source"] == source.id]
        if not mine.empty:
            out += _from_findings(mine, config, n, headers.get(source.id, {}))
    for n, ind in enumerate(config.indicators):
        if ind.target is not None and ind.target.base_period:
            for r in base_period_findings(config, [ind.id], obs).itertuples():
                out.append(Problem("warning", f"indicators[{n}].target.base_period", r.message, r.file))
    return out
