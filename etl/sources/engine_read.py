"""A large Parquet or CSV source read by the engine itself (``read_by: engine``), not by the ETL process.

The ETL path (:mod:`etl.sources.extract`) reads a source into pandas in the ETL process: at national scale
(20 M rows) that is the driver's largest table. Here the engine (DuckDB, or Spark's executors) reads the file
where it is, and the ETL process only sees what is small:

- the **distinct values** of the area code, period, status and selecting columns: each is cleaned by the same
  Python as the ETL path's (text of a cell, ``pad_codes``, :func:`core.periods.normalise_period`, the status
  maps, the measures' selections and breakdowns) and sent back as a small lookup table;
- the engine joins the file with those tables into observations (``indicators/sql/source_rows.sql``), with one
  column per validation rule;
- the **findings** come back grouped (one per code, period, bad value text or duplicate key, with its number of
  rows), not one per row, and the rows a rule quarantines are left out in the engine.

Rules checked as on the ETL path: blank codes and periods, periods that are not a year, quarter or month,
aggregates and unknown area codes, wrong frequency, duplicate keys, negative counts, values that are not
numbers (a value text that is not a plain number is judged here, by pandas, as on the ETL path), unknown
statuses. Not done for an engine-read source (docs/scale-out.md): row numbers in findings (an engine reads a
file in parallel pieces: no line numbers), the comparison with the previous release's observations (jumps,
areas that stopped reporting), the proportion check (a numerator above its denominator), the base-period
checks, ``code_mapping`` and area names (``config check`` refuses them with ``read_by: engine``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa

from core import statuses
from core.config_models import Config, MeasureConfig, SourceConfig
from core.errors import SourceError
from core.periods import normalise_period
from etl.findings import DROPPING, FINDING_COLUMNS, action, empty_findings, header_of
from etl.sources.area_codes import pad_codes
from etl.sources.statuses import flag_letters
from etl.sources.tidy import CELL_ERRORS, MISSING_MARKERS, cell_text
from etl.validate import _FREQUENCY, is_pseudo_area, pseudo_area_findings, unknown_area_findings
from indicators import sqltext
from indicators.engine import Engine, engine_error

log = logging.getLogger(__name__)

#: Findings listed one by one at most (duplicate keys, negative counts, codes, periods, value texts): beyond,
#: one more says there are more.
LISTED_ROWS = 1000
#: Distinct texts of a value column that are not plain numbers, at most (etl.sources.engine_read._value_lookup).
MAX_TEXTS = 100_000

#: The validation rules of the ETL path, in its order (a row a rule drops is not checked by the later ones).
RULES = ("missing_area", "missing_period", "bad_period", "pseudo_area", "unknown_area", "wrong_frequency",
         "duplicate_key", "negative_count")


@dataclass
class EngineSource:
    """A source the engine read: the table of its observations in the engine, and what the ETL process keeps."""
    table: str  #: the engine's table of clean observations (``measure, area_code, period, breakdown, value, flags``)
    findings: pd.DataFrame
    rows_read: int
    rows_written: int
    rows_quarantined: int  #: rows a rule left out (values that are not numbers included)
    measures: set[str]  #: the measures with at least one observation
    headers: dict[str, str] = field(default_factory=dict)


def read_in_engine(engine: Engine, source: SourceConfig, measures: list[MeasureConfig], config: Config,
                   known_areas: set[str], *, count_measures: set[str], frequencies: dict[str, str],
                   files: list[str] | None = None) -> EngineSource:
    """Read ``source`` in ``engine``: ``files``, the files the snapshot took (a folder's Parquet files), else
    ``source.path``. An error of the engine's (a file it cannot parse) is a :class:`SourceError` naming the
    source and the file."""
    try:
        return _read(engine, source, measures, config, known_areas, count_measures, frequencies, files)
    except SourceError:
        raise
    except Exception as exc:
        if not engine_error(exc):
            raise
        first = next((line for line in str(exc).strip().splitlines() if line.strip()), type(exc).__name__)
        raise SourceError(source.id, f"the engine cannot read the file: {first[:400]}", file=source.where,
                          key="path") from None


def _read(engine: Engine, source: SourceConfig, measures: list[MeasureConfig], config: Config,
          known_areas: set[str], count_measures: set[str], frequencies: dict[str, str],
          files: list[str] | None) -> EngineSource:
    name = _table_name(source)
    file = source.where
    names = engine.read_file(f"{name}_file", files or source.path, source.format, delimiter=source.delimiter,
                             encoding=source.encoding)
    schema = engine.query(f"SELECT * FROM {name}_file LIMIT 0").schema
    headers = _headers(source, names, file)
    at = {n: i for i, n in enumerate(names)}
    dims = _dimensions(source, measures, config, names, headers)
    freq = {m.id: frequencies[m.id] for m in measures if m.id in frequencies}
    found: list[pd.DataFrame] = []
    lookups = {"area": _area_lookup(engine, name, at[headers["area_code"]], source, known_areas),
               "sel": _selection_lookup(engine, name, [at[d] for d in dims], dims, measures, count_measures, freq),
               "period": _period_lookup(engine, name, at.get(headers.get("period")), source)}
    if "flags" in headers:
        lookups["flag"], unknown = _flag_lookup(engine, name, at[headers["flags"]], source)
        found.append(unknown)
    value = at[headers["value"]]
    kind = schema.field(f"c{value}").type
    numeric = pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_decimal(kind)
    if not numeric:
        lookups["value"] = _value_lookup(engine, name, value, source, headers["value"])
    for key, table in lookups.items():
        engine.register(f"{name}_{key}", table)
    engine.materialize(f"{name}_rows", sqltext.source_rows_sql(
        name, at[headers["area_code"]], value, [at[d] for d in dims], period=at.get(headers.get("period")),
        flag=at.get(headers.get("flags")), numeric=numeric))
    rows_read = _count(engine, f"{name}_file")
    bad, bad_rows = _value_findings(engine, name, source, headers, value, numeric)
    found.append(bad)
    table, dropped = f"{name}_rows", []  # the rules that drop rows so far: a row one drops is not checked further
    for rule in RULES:
        what = action(_rule_name(rule), source.validation)
        if rule == "duplicate_key":
            found.append(_duplicate_findings(engine, name, headers, what, dropped))
            table = f"{name}_checked"
        else:
            found.append(_rule_findings(engine, table, rule, headers, known_areas, what, dropped, freq))
        if what in DROPPING:
            dropped.append(rule)
    engine.view(name, f"SELECT measure, area_code, period, breakdown, value, flags FROM {table} "
                      f"WHERE {_none_of(dropped)}")
    present = engine.query(f"SELECT measure, COUNT(*) AS n FROM {name} GROUP BY measure").to_pandas()
    found = [f for f in found if not f.empty]
    findings = pd.concat(found, ignore_index=True) if found else empty_findings()
    findings = findings.assign(source=source.id, file=file)[FINDING_COLUMNS]
    written = int(present["n"].sum())
    quarantined = bad_rows + (_count(engine, table, f"NOT ({_none_of(dropped)})") if dropped else 0)
    log.info("step=extract source=%s read_by=engine rows=%d observations=%d quarantined=%d findings=%d", source.id,
             rows_read, written, quarantined, len(findings))
    return EngineSource(name, findings, rows_read, written, quarantined, set(present["measure"]), headers)


def forget(engine: Engine, name: str) -> None:
    """Drop every table of a source the engine read (once the computation has keyed its observations)."""
    for suffix in ("", "_checked", "_dup", "_rows", "_sel", "_area", "_period", "_flag", "_value", "_file"):
        engine.forget(f"{name}{suffix}")


def _count(engine: Engine, table: str, where: str = "TRUE") -> int:
    return int(engine.query(f"SELECT COUNT(*) AS n FROM {table} WHERE {where}").column("n")[0].as_py())


def _table_name(source: SourceConfig) -> str:
    text = "".join(c if c.isalnum() else "_" for c in source.id)
    return f"source_{text}"


def _rule_name(rule: str) -> str:
    return "missing_required" if rule in ("missing_area", "missing_period") else rule


def _none_of(rules: list[str]) -> str:
    return " AND ".join(f"NOT {r}" for r in rules) if rules else "TRUE"


def _headers(source: SourceConfig, available: list[str], file: str) -> dict[str, str]:
    """The file's column of each logical one (area_code, period, value, flags), as the ETL path's tidy step
    names them; a missing one is an error naming what the file has."""
    cols = source.columns
    wanted = {"area_code": cols.area_code, "value": cols.value}
    if source.period is None:
        wanted["period"] = cols.period
    elif cols.period in available:
        raise SourceError(source.id, f"the file has a period column {cols.period!r} and the source gives a fixed "
                          f"period: {source.period!r}; give one of them", file=file, key="period")
    if cols.flag:
        wanted["flags"] = cols.flag
    missing = [c for c in wanted.values() if c not in available]
    if missing:
        raise SourceError(source.id, f"missing column(s) {', '.join(map(repr, missing))}; the table has "
                          f"{', '.join(map(repr, available))}", file=file, key="columns", missing=missing,
                          available=available)
    return wanted


def _dimensions(source: SourceConfig, measures: list[MeasureConfig], config: Config, available: list[str],
                headers: dict[str, str]) -> list[str]:
    """The columns the measures select on or break down by."""
    logical = set(headers.values())
    dims = [c for c in available if c not in logical]
    used: list[str] = []
    ids = [x.id for x in config.measures]
    for m in measures:
        select = dict(m.select) or ({"measure": m.id} if "measure" in dims else {})
        for dim in [*select, *([m.breakdown] if m.breakdown else [])]:
            if dim not in dims:
                key = "select" if dim in select else "breakdown"
                raise SourceError(source.id, f"measures[{ids.index(m.id)}].{key}: the source has no dimension "
                                  f"{dim!r}; it has {', '.join(map(repr, dims)) or 'none'}", file=source.where)
            if dim not in used:
                used.append(dim)
    return used


def _distinct(engine: Engine, name: str, columns: list[int]) -> pa.Table:
    return engine.query(f"SELECT DISTINCT {', '.join(f'c{i}' for i in columns)} FROM {name}_file")


def _area_lookup(engine: Engine, name: str, column: int, source: SourceConfig, known: set[str]) -> pa.Table:
    """Each distinct cell of the area column: its code (text, padded as ``pad_codes`` says), whether the
    geography has it, and whether it is an aggregate or pseudo-region (etl.validate.is_pseudo_area)."""
    raw = _distinct(engine, name, [column]).column(0)
    codes = pd.Series([cell_text(v) for v in raw.to_pylist()], dtype=object)
    if source.pad_codes:
        codes = pad_codes(codes, source.pad_codes)
    codes = [str(c) for c in codes]
    return pa.table({"raw": raw, "area_code": pa.array(codes, pa.string()),
                     "known": pa.array([c in known for c in codes], pa.bool_()),
                     "pseudo": pa.array([is_pseudo_area(c, known) for c in codes], pa.bool_())})


def _period_lookup(engine: Engine, name: str, column: int | None, source: SourceConfig) -> pa.Table:
    """Each distinct cell of the period column (or the source's fixed ``period``): the period as the
    observations write it, whether it is one, its text as in the file, and its frequency."""
    raw = _distinct(engine, name, [column]).column(0) if column is not None else pa.array([None], pa.string())
    texts = [cell_text(v) for v in raw.to_pylist()] if column is not None else [source.period]
    periods = [normalise_period(t) if t else None for t in texts]
    if any(texts) and all(p is None for p, t in zip(periods, texts, strict=True) if t):
        first = next(t for t in texts if t)  # not one period parses: the wrong column, not a few bad rows
        raise SourceError(source.id, f"period {first!r} is not a year, quarter or month", file=source.where,
                          column=source.columns.period, key="columns.period")
    shown = [p or t for p, t in zip(periods, texts, strict=True)]
    return pa.table({"raw": raw, "period": pa.array(shown, pa.string()),
                     "period_ok": pa.array([p is not None for p in periods], pa.bool_()),
                     "period_text": pa.array(texts, pa.string()),
                     "frequency": pa.array([next((f for f, rx in _FREQUENCY.items() if rx.match(p)), "none")
                                            for p in shown], pa.string())})


def _flag_lookup(engine: Engine, name: str, column: int, source: SourceConfig) -> tuple[pa.Table, pd.DataFrame]:
    """Each distinct cell of the status column as our flag letters (the status maps), and one
    ``unknown_status`` finding per text no map knows."""
    raw = _distinct(engine, name, [column]).column(0)
    texts = [cell_text(v) for v in raw.to_pylist()]
    letters = [flag_letters(t, source.status_map) for t in texts]
    header = source.columns.flag or ""
    unknown = sorted({t for t, x in zip(texts, letters, strict=True) if x is None})
    # as etl.findings.reader_findings: warn, unless the source's rules make it block (or ignore... warn)
    what = action("unknown_status", source.validation)
    what = "warn" if what == "quarantine" else what
    found = _frame([_finding("unknown_status", what, header, "", "", "", None,
                             f"status {t!r} is not a known status code; the value is read without a flag "
                             "(map the text to our flag letters in the source's status_map)") for t in unknown])
    return pa.table({"raw": raw, "flags": pa.array([x or "" for x in letters], pa.string())}), found


def _selection_lookup(engine: Engine, name: str, columns: list[int], dims: list[str], measures: list[MeasureConfig],
                      count_measures: set[str], frequencies: dict[str, str]) -> pa.Table:
    """Each distinct combination of the selecting columns with the measures whose selection it matches and the
    breakdown each gives (``total``, or ``<dimension>=<value>``), the measure's declared frequency and whether
    it counts people or events (``counted``: negative values are findings). A row of the file is an observation
    of every measure its combination is listed with: of several, as on the ETL path (their duplicates are
    findings)."""
    raw = _distinct(engine, name, columns) if columns else None
    n = raw.num_rows if raw is not None else 1
    texts = {d: [cell_text(v) for v in raw.column(k).to_pylist()] for k, d in enumerate(dims)}
    picks: list[tuple[int, MeasureConfig, str]] = []
    for m in measures:
        select = dict(m.select) or ({"measure": m.id} if "measure" in dims else {})
        for i in range(n):
            if all(texts[d][i] == v for d, v in select.items()):
                v = texts[m.breakdown][i] if m.breakdown else None
                picks.append((i, m, "total" if v is None or v == m.breakdown_total else f"{m.breakdown}={v}"))
    rows = pa.array([p[0] for p in picks], pa.int64())
    keys = {f"d{k}": raw.column(k).take(rows) for k in range(len(dims))} if raw is not None else {}
    return pa.table({**keys, "measure": pa.array([p[1].id for p in picks], pa.string()),
                     "breakdown": pa.array([p[2] for p in picks], pa.string()),
                     "frequency": pa.array([frequencies.get(p[1].id, "") for p in picks], pa.string()),
                     "counted": pa.array([p[1].id in count_measures for p in picks], pa.bool_())})


def _finding(rule: str, severity: str, column: str, measure: str, area: str, period: str, row,
             message: str) -> dict:
    return {"rule": rule, "severity": severity, "source": "", "file": "", "row": row, "column": column,
            "measure": measure, "area_code": area, "period": period, "message": message}


def _frame(found: list[dict]) -> pd.DataFrame:
    out = pd.DataFrame(found, columns=FINDING_COLUMNS)
    out["row"] = pd.array(out["row"], dtype="Int64")
    return out


def _value_lookup(engine: Engine, name: str, value: int, source: SourceConfig, header: str) -> pa.Table:
    """Each distinct text of the value column that is not a plain number (sqltext.source_plain_number), judged
    as the ETL path's tidy step judges it: stripped, a missing marker (a null value with the marker's flag), a
    number (pandas' reading), or not a number. Those texts are few in a file of figures; more than
    ``MAX_TEXTS`` is an error (the column is not one of figures)."""
    text = sqltext.source_value_text(value)
    got = engine.query(f"SELECT DISTINCT {text} AS raw FROM {name}_file s "
                       f"WHERE NOT {sqltext.source_plain_number(value)} LIMIT {MAX_TEXTS + 1}").column("raw")
    raw = got.to_pylist()
    if len(raw) > MAX_TEXTS:
        examples = ", ".join(repr(t) for t in raw[:3])
        raise SourceError(source.id, f"the value column {header!r} holds more than {MAX_TEXTS:,} distinct texts "
                          f"that are not plain numbers (such as {examples}): name the column of figures in "
                          "columns.value, or leave read_by out", file=source.where, column=header, key="columns.value")
    cells = [cell_text(t) for t in raw]
    numbers = pd.to_numeric(pd.Series([c if c not in MISSING_MARKERS else None for c in cells], dtype=object),
                            errors="coerce").to_numpy(dtype="float64")
    marker = [c in MISSING_MARKERS for c in cells]
    bad = [not m and not np.isfinite(n) for m, n in zip(marker, numbers, strict=True)]
    return pa.table({"raw": pa.array(raw, pa.string()),
                     "value": pa.array([None if m or b else float(n) for m, b, n in zip(marker, bad, numbers,
                                                                                        strict=True)], pa.float64()),
                     "flag": pa.array([statuses.MARKER_FLAGS.get(c, "") if m else "" for c, m in zip(cells, marker,
                                                                                                 strict=True)],
                                      pa.string()),
                     "bad": pa.array(bad, pa.bool_())})


def _value_findings(engine: Engine, name: str, source: SourceConfig, headers: dict[str, str], value: int,
                    numeric: bool) -> tuple[pd.DataFrame, int]:
    """One finding per distinct text of the value column that is not a number (nor a missing marker), with its
    number of rows (the LISTED_ROWS most frequent); those rows are not observations (as on the ETL path). And the
    number of those rows."""
    got = engine.query(sqltext.bad_values_sql(name, value, numeric, LISTED_ROWS + 1)).to_pylist()
    out = []
    for g in got[:LISTED_ROWS]:
        cell = cell_text(g["value_text"])
        rule = "cell_error" if cell in CELL_ERRORS else "not_a_number"
        what = ("holds the spreadsheet error" if rule == "cell_error" else
                "is not a finite number (beyond the range of a 64-bit float):" if _infinite(cell) else
                "is not a number:")
        out.append(_finding(rule, action(rule, source.validation), headers["value"], "", "", "", None,
                            f"value {what} {cell!r}{_rows(g['n'])}"))
    if len(got) > LISTED_ROWS:
        out.append(_finding("not_a_number", action("not_a_number", source.validation), headers["value"], "", "", "",
                            None, f"more value texts that are not numbers than the {LISTED_ROWS} listed"))
    return _frame(out), int(got[0]["total"]) if got else 0


def _rows(n: int) -> str:
    return f" ({n} rows)" if n > 1 else ""


def _infinite(text: str) -> bool:
    try:
        return abs(float(text)) == float("inf")
    except ValueError:
        return False


def _rule_findings(engine: Engine, table: str, rule: str, headers: dict[str, str], known: set[str], what: str,
                   dropped: list[str], frequencies: dict[str, str]) -> pd.DataFrame:
    """The findings of one rule on the rows no earlier dropping rule took, grouped."""
    where = f"{rule} AND {_none_of(dropped)}"
    area_col, period_col, value_col = (header_of(headers, k) for k in ("area_code", "period", "value"))
    if rule in ("missing_area", "missing_period"):
        n = _count(engine, table, where)
        which, column = ("area code", area_col) if rule == "missing_area" else ("period", period_col)
        return _frame([_finding("missing_required", what, column, "", "", "", None,
                                f"the {which} is blank{_rows(n)}")] if n else [])
    if rule == "bad_period":
        got = engine.query(f"SELECT period, COUNT(*) AS n, COUNT(DISTINCT area_code) AS areas, MIN(area_code) AS area "
                           f"FROM {table} WHERE {where} GROUP BY period ORDER BY period LIMIT {LISTED_ROWS}").to_pylist()
        return _frame([_finding(rule, what, period_col, "", g["area"] if g["areas"] == 1 else "", g["period"], None,
                                f"period {g['period']!r} is not a year, quarter or month{_rows(g['n'])}"
                                + (f" in {g['areas']} areas" if g["areas"] > 1 else "")) for g in got])
    if rule in ("pseudo_area", "unknown_area"):
        # the LISTED_ROWS codes with the most rows (a wrong area column must not bring the file to the driver)
        got = engine.query(f"SELECT g.area_code, g.period, g.n FROM (SELECT area_code, period, COUNT(*) AS n FROM "
                           f"{table} WHERE {where} GROUP BY area_code, period) g JOIN (SELECT area_code FROM {table} "
                           f"WHERE {where} GROUP BY area_code ORDER BY COUNT(*) DESC, area_code LIMIT {LISTED_ROWS}) c "
                           "ON c.area_code = g.area_code ORDER BY g.area_code, g.period").to_pandas()
        if got.empty:
            return empty_findings()
        got["row"] = None
        rows = pseudo_area_findings(got) if rule == "pseudo_area" else unknown_area_findings(got, known)
        return _frame([_finding(rule, what, area_col, "", r.area_code, r.period, None, r.message)
                       for r in rows.itertuples()])
    if rule == "wrong_frequency":
        got = engine.query(f"SELECT measure, period, COUNT(*) AS n FROM {table} WHERE {where} "
                           "GROUP BY measure, period ORDER BY measure, period").to_pylist()
        return _frame([_finding(rule, what, period_col, g["measure"], "", g["period"], None,
                                f"period {g['period']} is not {frequencies.get(g['measure'], '')} (the measure's "
                                f"declared frequency){_rows(g['n'])}") for g in got])
    # negative_count: one finding per row (few, and each a figure someone must look at), at most LISTED_ROWS
    got = engine.query(f"SELECT measure, area_code, period, value FROM {table} WHERE {where} "
                       f"ORDER BY measure, area_code, period LIMIT {LISTED_ROWS + 1}").to_pylist()
    out = [_finding(rule, what, value_col, g["measure"], g["area_code"], g["period"], None,
                    f"negative count {g['value']:g} for {g['measure']}") for g in got[:LISTED_ROWS]]
    if len(got) > LISTED_ROWS:
        out.append(_finding(rule, what, value_col, "", "", "", None,
                            f"more negative counts than the {LISTED_ROWS} listed"))
    return _frame(out)


def _duplicate_findings(engine: Engine, name: str, headers: dict[str, str], what: str,
                        dropped: list[str]) -> pd.DataFrame:
    """Keys (measure, area, period, breakdown) that more than one row no earlier rule dropped has: all copies
    are the rule's (``<name>_checked``: the rows with a ``duplicate_key`` column)."""
    keys = "measure, area_code, period, breakdown"
    engine.materialize(f"{name}_dup", f"SELECT {keys}, COUNT(*) AS n FROM {name}_rows WHERE {_none_of(dropped)} "
                                      f"GROUP BY {keys} HAVING COUNT(*) > 1")
    engine.view(f"{name}_checked", f"SELECT r.*, d.n IS NOT NULL AS duplicate_key FROM {name}_rows r "
                                   f"LEFT JOIN {name}_dup d ON r.measure = d.measure AND r.area_code = d.area_code "
                                   "AND r.period = d.period AND r.breakdown = d.breakdown")
    got = engine.query(f"SELECT * FROM {name}_dup ORDER BY {keys} LIMIT {LISTED_ROWS + 1}").to_pylist()
    column = header_of(headers, "area_code")
    out = [_finding("duplicate_key", what, column, g["measure"], g["area_code"], g["period"], None,
                    f"duplicate observation for {g['measure']} {g['area_code']} {g['period']} {g['breakdown']} "
                    f"({g['n']} rows); all copies quarantined") for g in got[:LISTED_ROWS]]
    if len(got) > LISTED_ROWS:
        out.append(_finding("duplicate_key", what, column, "", "", "", None,
                            f"more duplicate keys than the {LISTED_ROWS} listed"))
    return _frame(out)
