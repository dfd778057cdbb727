"""Checks on observations. Failing rows are quarantined with a finding, never silently dropped.

A finding says which rule, where (source, file, row, column) and what: it goes to the catalogue and into the
release as ``quality.parquet``. What a rule does is set per source (``sources[].validation.rules``):

- ``warn``: the finding is recorded and the row is kept;
- ``quarantine``: the row is left out of the computation and kept in the findings;
- ``block``: as quarantine, and the run fails and publishes nothing.

Rules found while reading (``cell_error``, ``not_a_number``, ...) concern rows without a usable value: they are
always left out; their action only decides between a recorded finding and a blocked run.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from core import schema
from core.config_models import RULE_NAMES, Config, ValidationConfig
from core.periods import period_time
from etl.observations import factorize, map_unique

#: The columns of a finding: those of the release's quality table (core.schema).
FINDING_COLUMNS = schema.QUALITY.names

#: What each rule does unless a source says otherwise.
DEFAULT_ACTIONS = {name: "quarantine" for name in RULE_NAMES} | {
    "bom": "warn", "blank_row": "warn", "metadata_mismatch": "warn", "mapping_conflict": "warn",
    "coverage_shrank": "warn", "value_jump": "warn", "no_observations": "warn", "unknown_status": "warn",
    "no_total": "warn", "area_in_breakdown": "warn",
}
DROPPING = ("quarantine", "block")

#: Publishers' aggregates and pseudo-regions: EU27_2020, EU28, EA19, EFTA, DE_TOT, Extra-Regio (..Z, ..ZZ,
#: ..ZZZ) and not-regionalised (..X, ..XX, ..XXX) NUTS codes.
_AGGREGATE = re.compile(r"^(EU\d*(_\d{4})?|EA\d*(_\d{4})?|EFTA|EEA\d*|[A-Z]{2}_TOT)$")
_NUTS_PSEUDO = re.compile(r"^([A-Z]{2})(Z{1,3}|X{1,3})$")

_FREQUENCY = {"annual": re.compile(r"^\d{4}$"), "quarterly": re.compile(r"^\d{4}-Q[1-4]$"),
              "monthly": re.compile(r"^\d{4}-\d{2}$")}

Message = Callable[[pd.DataFrame], pd.Series] | str


def is_pseudo_area(code: str, known: set[str] | None = None) -> bool:
    """A publisher's aggregate, or a NUTS Extra-Regio / not-regionalised code of a country. With ``known``
    (the geography's codes), ``..Z``/``..X`` codes count only when their first two letters are a known area:
    ``LUX`` is Luxembourg's ISO code, not a pseudo-region, in a geography without ``LU``."""
    if _AGGREGATE.match(code):
        return True
    m = _NUTS_PSEUDO.match(code)
    return bool(m) and (known is None or m.group(1) in known)


def closest(value: str, candidates: Iterable[str], *, cutoff: float = 0.6) -> str | None:
    """The candidate ``value`` was most likely meant to be: the one equal to it but for case and surrounding
    blanks, else the one spelt most like it (difflib's ratio of at least ``cutoff``, ignoring case) when no
    other is as close. None when nothing is close, or several are equally close."""
    candidates = [c for c in candidates if isinstance(c, str)]
    key = value.strip().casefold()
    same = [c for c in candidates if c.strip().casefold() == key and c != value]
    if same:
        return same[0]
    matcher = difflib.SequenceMatcher()
    matcher.set_seq2(key)
    scored = []
    for c in candidates:
        matcher.set_seq1(c.strip().casefold())
        if matcher.real_quick_ratio() >= cutoff and matcher.quick_ratio() >= cutoff and matcher.ratio() >= cutoff:
            scored.append((matcher.ratio(), c))
    best = [c for r, c in scored if r == max(scored)[0]] if scored else []
    return best[0] if len(best) == 1 else None


def _header(headers: dict[str, str] | None, column: str) -> str:
    """The file's own header of a logical column (``period`` -> ``year``), as the connector recorded it."""
    return (headers or {}).get(column) or column


def action(rule: str, rules: ValidationConfig | None) -> str:
    if rules is not None and rule in rules.rules:
        return rules.rules[rule]
    return DEFAULT_ACTIONS.get(rule, "quarantine")


def empty_findings() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="Int64" if c == "row" else object) for c in FINDING_COLUMNS})


def _findings(rows: pd.DataFrame, rule: str, severity: str, file: str, column: str, message: Message
              ) -> pd.DataFrame:
    rows = rows.astype({c: object for c in rows.columns if isinstance(rows[c].dtype, pd.CategoricalDtype)})
    out = pd.DataFrame({
        "rule": rule, "severity": severity, "source": rows["source"].to_numpy(), "file": file,
        "row": pd.array(rows["row"].to_numpy(), dtype="Int64"), "column": column,
        "measure": rows["measure"].to_numpy(), "area_code": rows["area_code"].to_numpy(),
        "period": rows["period"].to_numpy(),
    })
    out["message"] = message(rows).to_numpy() if callable(message) else message
    return out[FINDING_COLUMNS]


def reader_findings(found: list[dict], source: str, file: str, rules: ValidationConfig | None) -> pd.DataFrame:
    """Findings a connector or the area-code step made while reading (rows already left out)."""
    if not found:
        return empty_findings()
    df = pd.DataFrame(found)
    df["severity"] = [action(r, rules) if action(r, rules) != "quarantine" or s != "warn" else s
                      for r, s in zip(df["rule"], df["severity"], strict=True)]
    df["source"], df["file"] = source, file
    df["measure"] = df["measure"].fillna("").astype(object) if "measure" in df.columns else ""
    df["row"] = pd.array(df["row"], dtype="Int64")
    for c in ("column", "area_code", "period"):
        df[c] = df[c].fillna("").astype(object)
    return df[FINDING_COLUMNS]


class Checker:
    """Collects findings over one table; a row whose finding drops it is not checked by later rules."""

    def __init__(self, obs: pd.DataFrame, file: str, rules: ValidationConfig | None):
        self.obs, self.file, self.rules = obs, file, rules
        self.dropped = np.zeros(len(obs), dtype=bool)
        self.found: list[pd.DataFrame] = []

    def flag(self, mask, rule: str, column: str, message: Message, *, summary: bool = False) -> None:
        """``summary``: ``message`` takes the flagged rows and gives the findings' rows itself (fewer than the
        flagged rows: one per code, say), as a frame of ``row, area_code, period, message``."""
        mask = np.asarray(mask, dtype=bool) & ~self.dropped
        if not mask.any():
            return
        what = action(rule, self.rules)
        if summary:
            rows = message(self.obs[mask])
            rows["source"], rows["measure"] = self.obs["source"].iat[0], ""
            self.found.append(_findings(rows, rule, what, self.file, column, rows["message"]))
        else:
            self.found.append(_findings(self.obs[mask], rule, what, self.file, column, message))
        if what in DROPPING:
            self.dropped |= mask

    def result(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        found = pd.concat(self.found, ignore_index=True) if self.found else empty_findings()
        return self.obs[~self.dropped].reset_index(drop=True), found


def validate_observations(obs: pd.DataFrame, known_areas: set[str], file: str, count_measures: set[str], *,
                          frequencies: dict[str, str] | None = None, rules: ValidationConfig | None = None,
                          headers: dict[str, str] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return (clean observations, findings) for one source. Missing values are kept (they are observations
    of absence). Findings name the file's own column headers (``headers``: logical column -> header, as the
    connector recorded them in ``raw.attrs["headers"]``)."""
    obs = obs.reset_index(drop=True)
    c = Checker(obs, file, rules)
    area_col, period_col, value_col = (_header(headers, k) for k in ("area_code", "period", "value"))
    area, period = obs["area_code"], obs["period"]  # may be categoricals: no conversion of 650k strings
    c.flag(area == "", "missing_required", area_col, "the area code is blank")
    c.flag(period == "", "missing_required", period_col, "the period is blank")
    bad_period = (period != "") & ~obs.get("period_ok", pd.Series(True, index=obs.index)).to_numpy()
    c.flag(bad_period, "bad_period", period_col, lambda r: "period " + r["period"].map(repr)
           + " is not a year, quarter or month")
    unknown = ~area.isin(known_areas) & (area != "")
    pseudo = unknown & map_unique(area, lambda a: is_pseudo_area(a, known_areas), bool)
    c.flag(pseudo, "pseudo_area", area_col, pseudo_area_findings, summary=True)
    c.flag(unknown & ~pseudo, "unknown_area", area_col, lambda r: unknown_area_findings(r, known_areas),
           summary=True)
    by_frequency: dict[str, list[str]] = {}
    for measure, freq in (frequencies or {}).items():
        by_frequency.setdefault(freq, []).append(measure)
    if by_frequency:
        # one pass per frequency (not per measure: a source can hold hundreds of measures)
        p_codes, p_uniques = pd.factorize(period, use_na_sentinel=False)
        m_codes, m_uniques = pd.factorize(obs["measure"], use_na_sentinel=False)
        for freq, measures in by_frequency.items():
            fits = np.fromiter((p == "" or bool(_FREQUENCY[freq].match(p)) for p in p_uniques), bool,
                               len(p_uniques))
            declared = np.isin(np.asarray(m_uniques, dtype=object), measures)
            wrong = declared[m_codes] & ~fits[p_codes]
            c.flag(wrong, "wrong_frequency", period_col,
                   lambda r, f=freq: "period " + r["period"] + f" is not {f} (the measure's declared frequency)")
    dup = duplicated_key(obs) & ~c.dropped
    c.flag(dup, "duplicate_key", area_col, lambda r: "duplicate observation for " + r["measure"] + " "
           + r["area_code"] + " " + r["period"] + " " + r["breakdown"] + "; all copies quarantined")
    negative = obs["measure"].isin(count_measures) & (obs["value"] < 0)
    c.flag(negative, "negative_count", value_col,
           lambda r: "negative count " + r["value"].map("{:g}".format) + " for " + r["measure"])
    return c.result()


def unknown_area_findings(rows: pd.DataFrame, known: set[str]) -> pd.DataFrame:
    """The ``unknown_area`` findings of ``rows`` (observations whose code is not in the geography): one per
    code, with its number of rows, periods and first row, rather than one per row (64 old NUTS codes are
    4,224 rows of the Eurostat tables); and one per width for all-digit codes that match a known code once
    padded with zeros (1001 -> 01001: a spreadsheet dropped the zeros), which ``pad_codes`` fixes."""
    by_code = _by_code(rows)
    padded = _padding_matches(list(by_code.index), known)
    hints = _area_hints(pd.Series([c for c in by_code.index if c not in padded], dtype=object), known)
    out = []
    for code, g in by_code.iterrows():
        if code in padded:
            continue
        text = f"area code {code} is not in the geography"
        if g.n > 1:
            text += f" ({g.n} rows, {_periods_text(g.periods)})"
        out.append({"row": g.row, "area_code": code, "period": g.periods[0] if len(g.periods) == 1 else "",
                    "message": text + (hints.get(code) or (_older_version_hint(code, known) if len(g.periods) > 1
                                                           else ""))})
    for width in sorted({w for _, w in padded.values()}):
        codes = [c for c, (_, w) in padded.items() if w == width]
        listed = ", ".join(codes[:_LISTED]) + (f" and {len(codes) - _LISTED} more" if len(codes) > _LISTED else "")
        n_rows = int(by_code.loc[codes, "n"].sum())
        first = codes[0]
        out.append({
            "row": by_code.loc[codes, "row"].min(), "area_code": first if len(codes) == 1 else "", "period": "",
            "message": f"{len(codes)} area code(s) are not in the geography but match one after padding with zeros "
                       f"({listed}; {n_rows} row(s)): {first} matches {padded[first][0]} after padding to {width} "
                       f"digits; add pad_codes: {width} to the source (a spreadsheet drops the leading zeros of "
                       "codes it takes for numbers)"})
    return pd.DataFrame(out, columns=["row", "area_code", "period", "message"])


def pseudo_area_findings(rows: pd.DataFrame) -> pd.DataFrame:
    """The ``pseudo_area`` findings of ``rows``: one per aggregate or pseudo-region, with its rows and periods."""
    out = []
    for code, g in _by_code(rows).iterrows():
        counted = f" ({g.n} rows, {_periods_text(g.periods)})" if g.n > 1 else ""
        out.append({"row": g.row, "area_code": code, "period": g.periods[0] if len(g.periods) == 1 else "",
                    "message": f"aggregate or pseudo-region {code} is not an area of the geography{counted}; kept "
                               "out of the roll-up"})
    return pd.DataFrame(out, columns=["row", "area_code", "period", "message"])


def _by_code(rows: pd.DataFrame) -> pd.DataFrame:
    """Per area code of ``rows``, in order of appearance: its first row, number of rows and periods (in time
    order)."""
    rows = rows.astype({c: object for c in ("area_code", "period") if isinstance(rows[c].dtype,
                                                                                pd.CategoricalDtype)})
    return rows.groupby("area_code", sort=False).agg(
        row=("row", "min"), n=("row", "size"), periods=("period", lambda p: sorted(set(p), key=_period_key)))


def _period_key(p: str) -> tuple:
    try:
        return (period_time(p), p)
    except (ValueError, TypeError):
        return (float("inf"), str(p))


def _periods_text(periods: list[str]) -> str:
    if len(periods) <= 3:
        return ("period " if len(periods) == 1 else "periods ") + ", ".join(map(str, periods))
    return f"{len(periods)} periods, {periods[0]} to {periods[-1]}"


def _padding_matches(codes: list[str], known: set[str]) -> dict[str, tuple[str, int]]:
    """Each all-digit code that matches exactly one known code once left-padded with zeros: (that code, width)."""
    widths = sorted({len(k) for k in known if k.isascii() and k.isdigit()})
    out = {}
    for code in codes:
        if isinstance(code, str) and code.isascii() and code.isdigit():
            hits = [(code.zfill(w), w) for w in widths if w > len(code) and code.zfill(w) in known]
            if len(hits) == 1:
                out[code] = hits[0]
    return out


def _older_version_hint(code: str, known: set[str]) -> str:
    """A code whose parent-looking prefix (``BE22`` of ``BE221``) is a known area, reported over several periods
    (a series, not a typo in one row), is likely a code of another version of the geography (a NUTS 2016 code in
    NUTS 2021 data)."""
    if not isinstance(code, str) or len(code) < 3 or code[:-1] not in known:
        return ""
    return (f"; {code[:-1]} is: probably a code of another version of the geography (recoded or split); "
            "map it to the current code with the source's code_mapping (docs/configuration.md)")


#: Unknown codes x known codes above which only case-insensitive matches are suggested (difflib is slow).
_FUZZY_PAIRS = 2_000_000


def _area_hints(codes: pd.Series, known: set[str]) -> dict[str, str]:
    """``; did you mean NR101?`` for each distinct unknown code that matches a known one but for case and blanks
    (``nr101``), else is closer to one known code of its length than to any other (``NR1O1``); blank for the
    others."""
    unknown = [u for u in pd.unique(codes) if isinstance(u, str)]
    folded: dict[str, list[str]] = {}
    for k in known:
        folded.setdefault(k.strip().casefold(), []).append(k)
    by_length: dict[int, list[str]] = {}
    for k in known:
        by_length.setdefault(len(k), []).append(k)
    fuzzy = len(unknown) * len(known) <= _FUZZY_PAIRS
    hints = {}
    for u in unknown:
        same = folded.get(u.strip().casefold(), [])
        # a mistyped character keeps the length: 'DE11X' is not taken for 'DE11' (its region)
        hint = same[0] if len(same) == 1 else (closest(u, by_length.get(len(u), []), cutoff=0.8)
                                               if fuzzy and not same else None)
        hints[u] = f"; did you mean {hint}?" if hint else ""
    return hints


def _int_key(obs: pd.DataFrame, columns: tuple[str, ...]) -> tuple[np.ndarray, int]:
    """The values of ``columns`` in each row as one integer (equal rows, equal integers), and the number of
    integers possible (every key is below it). Categorical columns give their codes, not rehashed."""
    key, size = np.zeros(len(obs), dtype=np.int64), 1
    for col in columns:
        codes, uniques = factorize(obs[col])
        key = key * max(len(uniques), 1) + codes
        size *= max(len(uniques), 1)
    return key, size


def duplicated_key(obs: pd.DataFrame) -> np.ndarray:
    """Rows whose (measure, area_code, period, breakdown) occurs more than once, all copies marked."""
    key, size = _int_key(obs, ("measure", "area_code", "period", "breakdown"))
    if size <= 4 * len(obs):  # a full grid or near it: counting each key is one pass, not a hash table
        return np.bincount(key, minlength=size)[key] > 1
    return pd.Series(key).duplicated(keep=False).to_numpy()


def check_proportions(obs: pd.DataFrame, pairs: list[tuple[str, str]], files: dict[str, str],
                      rules: dict[str, ValidationConfig], headers: dict[str, dict[str, str]] | None = None
                      ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A proportion's numerator must not exceed its denominator for the same area, period and breakdown.
    The numerator's row is flagged (under the numerator's source), in the column ``headers[source]["value"]``
    (the file's own header of the value; ``value`` without it)."""
    if not pairs or obs.empty:
        return obs, empty_findings()
    drop = np.zeros(len(obs), dtype=bool)
    found = []
    rows_of = _rows_by_measure(obs["measure"])
    key, _ = _int_key(obs, ("area_code", "period", "breakdown"))
    values = obs["value"].to_numpy(dtype="float64", na_value=np.nan)
    for num, den in pairs:
        n_rows, d_rows = rows_of(num), rows_of(den)
        if not len(n_rows) or not len(d_rows):
            continue
        d_index = pd.Index(key[d_rows])
        if d_index.is_unique:
            at = d_index.get_indexer(key[n_rows])
            n_rows, d_rows = n_rows[at >= 0], d_rows[at[at >= 0]]
        else:  # the same cell from two sources: every pairing, as an inner join gives
            pairs_ = pd.DataFrame({"k": key[n_rows], "n": n_rows}).merge(
                pd.DataFrame({"k": key[d_rows], "d": d_rows}), on="k")
            n_rows, d_rows = pairs_["n"].to_numpy(), pairs_["d"].to_numpy()
        over = values[n_rows] > values[d_rows]
        if not over.any():
            continue
        rows = obs.iloc[n_rows[over]].copy()
        rows["den"] = values[d_rows[over]]
        rows["index"] = n_rows[over]
        for source, group in rows.groupby("source", observed=True):
            what = action("numerator_above_denominator", rules.get(source))
            found.append(_findings(group, "numerator_above_denominator", what, files.get(source, ""),
                                   _header((headers or {}).get(source), "value"),
                                   lambda r, den_id=den: r["measure"] + " " + r["value"].map("{:g}".format)
                                   + " is above " + den_id + " " + r["den"].map("{:g}".format)))
            if what in DROPPING:
                drop[group["index"].to_numpy()] = True
    if not found:
        return obs, empty_findings()
    return obs[~drop].reset_index(drop=True), pd.concat(found, ignore_index=True)


def _rows_by_measure(measure: pd.Series):
    """A function from a measure to the positions of its rows, from one sort of the column."""
    codes, uniques = pd.factorize(measure, use_na_sentinel=False)
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(len(uniques) + 1))
    where = {m: i for i, m in enumerate(uniques)}

    def rows_of(m: str) -> np.ndarray:
        i = where.get(m)
        return order[bounds[i]:bounds[i + 1]] if i is not None else np.empty(0, dtype=np.intp)
    return rows_of


def compare_with_previous(obs: pd.DataFrame, previous: Path | None, file: str, rules: ValidationConfig, *,
                          memory_limit: str = "1GB", threads: int = 2, temp_directory: Path | None = None,
                          headers: dict[str, str] | None = None
                          ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Against the previous release's observations of the same source (``previous``: their Parquet file):
    areas that reported a measure last time and do not now (``coverage_shrank``), and values that moved by
    more than ``jump_factor`` times (``value_jump``: a lost ×1,000 or a change of unit). Both are joins of
    two tables of up to tens of millions of rows: DuckDB runs them, reading the previous file as it goes.

    Returns the observations that pass, the findings, and the reference rows: each quarantined jump with the
    previous value it was compared with. Those are kept with the observations for the next run, so the same
    jump is found (and held back) again, not published next time for want of anything to compare with."""
    if previous is None or obs.empty:
        return obs, empty_findings(), obs.iloc[:0]
    key = ["measure", "area_code", "period", "breakdown"]
    cur = pa.Table.from_pandas(obs[[*key, "value"]], preserve_index=False)
    cur = cur.append_column("pos", pa.array(np.arange(len(obs), dtype=np.int64)))
    settings = {"memory_limit": memory_limit, "threads": int(threads)}
    if temp_directory is not None:
        temp_directory.mkdir(parents=True, exist_ok=True)
        settings["temp_directory"] = str(temp_directory)  # spills beyond memory_limit go there
    con = duckdb.connect(config=settings)
    try:
        con.register("cur_raw", cur)
        con.execute("CREATE VIEW cur AS SELECT CAST(measure AS VARCHAR) AS measure, "
                    "CAST(area_code AS VARCHAR) AS area_code, CAST(period AS VARCHAR) AS period, "
                    "CAST(breakdown AS VARCHAR) AS breakdown, value, pos FROM cur_raw")
        con.read_parquet(str(previous)).create_view("prev_raw")
        con.execute("CREATE VIEW prev AS SELECT CAST(measure AS VARCHAR) AS measure, "
                    "CAST(area_code AS VARCHAR) AS area_code, CAST(period AS VARCHAR) AS period, "
                    "CAST(breakdown AS VARCHAR) AS breakdown, value FROM prev_raw")
        found = []
        if rules.coverage:
            gone = con.sql("""
                WITH before AS (SELECT DISTINCT measure, area_code FROM prev WHERE value IS NOT NULL),
                     now AS (SELECT DISTINCT measure, area_code FROM cur WHERE value IS NOT NULL),
                     last AS (SELECT measure, area_code, MAX(period) AS period FROM prev GROUP BY ALL)
                SELECT b.measure, b.area_code, l.period FROM before b
                JOIN last l ON l.measure = b.measure AND l.area_code = b.area_code
                WHERE b.measure IN (SELECT measure FROM cur)
                  AND NOT EXISTS (SELECT 1 FROM now n WHERE n.measure = b.measure AND n.area_code = b.area_code)
                ORDER BY b.measure, b.area_code""").df()
            if not gone.empty:
                gone["source"], gone["row"] = obs["source"].iat[0], pd.NA
                found.append(_findings(gone, "coverage_shrank", action("coverage_shrank", rules), file,
                                       _header(headers, "area_code"),
                                       lambda r: r["area_code"] + " reported " + r["measure"] + " in the previous "
                                       "release (last period " + r["period"] + ") and does not now"))
        f = rules.jump_factor
        # The join runs on one integer per key (codes numbered from the current rows: a previous row with a
        # code not seen now cannot match), not on four strings: its hash table is 16 bytes a row (about
        # 350 MB at 21 M rows instead of 2 GB).
        for col, short in (("measure", "m"), ("area_code", "a"), ("period", "p"), ("breakdown", "b")):
            con.execute(f"CREATE TEMP TABLE d_{short} AS SELECT {col}, "
                        f"CAST(ROW_NUMBER() OVER (ORDER BY {col}) - 1 AS BIGINT) AS id FROM "
                        f"(SELECT DISTINCT {col} FROM cur)")
        sizes = [con.execute(f"SELECT COUNT(*) FROM d_{x}").fetchone()[0] for x in ("a", "p", "b")]
        key = (f"((m.id * {sizes[0]} + a.id) * {sizes[1]} + p.id) * {sizes[2]} + b.id")
        dims = ("JOIN d_m m ON m.measure = t.measure JOIN d_a a ON a.area_code = t.area_code "
                "JOIN d_p p ON p.period = t.period JOIN d_b b ON b.breakdown = t.breakdown")
        moved = con.execute(f"""
            WITH c AS (SELECT {key} AS k, t.value, t.pos FROM cur t {dims} WHERE t.value <> 0),
                 q AS (SELECT {key} AS k, t.value FROM prev t {dims} WHERE t.value <> 0)
            SELECT c.pos, q.value AS before FROM c JOIN q ON q.k = c.k
            WHERE abs(c.value / q.value) > $f OR abs(c.value / q.value) < 1 / $f
            ORDER BY c.pos""", {"f": float(f)}).fetchnumpy()
    finally:
        con.close()
    drop = np.zeros(len(obs), dtype=bool)
    reference = obs.iloc[:0]
    if len(moved["pos"]):
        pos = np.asarray(moved["pos"], dtype=np.int64)
        jumps = obs.iloc[pos].copy()
        jumps["before"] = np.asarray(moved["before"], dtype="float64")
        what = action("value_jump", rules)
        found.append(_findings(jumps, "value_jump", what, file, _header(headers, "value"),
                               lambda r: r["measure"] + " went from " + r["before"].map("{:g}".format) + " to "
                               + r["value"].map("{:g}".format) + f" (more than x{f:g} or /{f:g} the previous "
                               "release's value)"))
        if what in DROPPING:
            drop[pos] = True
            reference = obs.iloc[pos].copy()
            reference["value"] = jumps["before"].to_numpy()
    out = pd.concat(found, ignore_index=True) if found else empty_findings()
    return obs[~drop].reset_index(drop=True), out, reference.reset_index(drop=True)


def measures_present(obs: pd.DataFrame) -> dict[str, set[str]]:
    """The measures each source has observations of. Counted on the categorical codes (one bincount over 20 M
    rows), not grouped."""
    if obs.empty:
        return {}
    source, measure = obs["source"], obs["measure"]
    if not (isinstance(source.dtype, pd.CategoricalDtype) and isinstance(measure.dtype, pd.CategoricalDtype)):
        pairs = obs[["source", "measure"]].drop_duplicates()
        out: dict[str, set[str]] = {}
        for s, m in zip(pairs["source"], pairs["measure"], strict=True):
            out.setdefault(s, set()).add(m)
        return out
    n = len(measure.cat.categories)
    key = source.cat.codes.to_numpy().astype(np.int64) * n + measure.cat.codes.to_numpy()
    counts = np.bincount(key[key >= 0], minlength=len(source.cat.categories) * n).reshape(-1, n)
    return {s: {measure.cat.categories[j] for j in np.flatnonzero(counts[i])}
            for i, s in enumerate(source.cat.categories)}


@dataclass(frozen=True)
class NoMatch:
    """A measure whose selection matches no row of its source: what it selects (column -> value, the file's
    own headers), the distinct values each of those columns holds, and the values other measures select
    alone (``taken``: not suggested, since they are another measure's rows)."""
    select: dict[str, str]
    held: dict[str, list[str]]
    taken: dict[str, set[str]] = field(default_factory=dict)

    def hint(self) -> str:
        """Why the selection matches nothing: what the selecting columns hold instead, with the closest value
        to the one selected (``no row has Measure 'Cases Closed' (the column 'Measure' holds ...; did you
        mean 'Cases closed'?)``)."""
        if not self.select:
            return "the source has no rows"
        wanted = " and ".join(f"{col} {value!r}" for col, value in self.select.items())
        parts = []
        for col, value in self.select.items():
            held = self.held.get(col, [])
            if value in held:
                continue
            listed = ", ".join(map(repr, held[:_LISTED])) + (f" and {len(held) - _LISTED} more"
                                                              if len(held) > _LISTED else "")
            part = f"the column {col!r} holds {listed}" if held else f"the column {col!r} is blank on every row"
            near = closest(value, [v for v in held if v not in self.taken.get(col, set())])
            parts.append(part + (f"; did you mean {near!r}?" if near else ""))
        if not parts:
            return f"no row has {wanted} together"
        # several columns: one sentence each, so that a question mark never runs into a semicolon
        sentences = [p if p.endswith("?") or i == len(parts) - 1 else p + "." for i, p in enumerate(parts)]
        return f"no row has {wanted} (" + " ".join([sentences[0], *(x[0].upper() + x[1:] for x in sentences[1:])]) + ")"


#: How many of a column's values a finding lists.
_LISTED = 10


def empty_measures(missing: list[str], source: str, file: str, rules: ValidationConfig | None,
                   unmatched: dict[str, NoMatch] | None = None) -> pd.DataFrame:
    """One ``no_observations`` finding per measure that the source was read for and that has no observation
    left (none in the file, or every row quarantined): its indicators get no value this run. ``warn`` by
    default; ``block`` stops a run whose source arrived empty. Nothing to quarantine, so that means warn.

    ``unmatched`` (measure -> :class:`NoMatch`, ``SourceExtract.unmatched``) names the measures whose
    selection matched no row of the file: their finding says what the selecting columns hold instead, with the
    closest value, and names those columns."""
    if not missing:
        return empty_findings()
    unmatched = unmatched or {}
    what = action("no_observations", rules)
    messages, columns = [], []
    for m in missing:
        text = f"no observation of measure {m!r} in source {source!r}"
        hint = f" {unmatched[m].hint()};" if m in unmatched else ""
        messages.append(f"{text}:{hint} the indicators computed from it have no value this run")
        columns.append(", ".join(unmatched[m].select) if m in unmatched else "measure")
    out = pd.DataFrame({
        "rule": "no_observations", "severity": "warn" if what == "quarantine" else what, "source": source,
        "file": file, "row": pd.array([None] * len(missing), dtype="Int64"), "column": columns,
        "measure": missing, "area_code": "", "period": "", "message": messages,
    })
    return out[FINDING_COLUMNS]


def base_period_findings(config: Config, indicators: Iterable[str], obs: pd.DataFrame) -> pd.DataFrame:
    """One ``base_period_without_data`` finding (always ``warn``) per indicator of ``indicators`` whose
    ``target.base_period`` has no observation of a measure it is computed from: its growth since the base
    period, and so its progress against the target, is empty in every area. The finding names the indicator,
    the base period and the periods that do have data (of every measure of the indicator). An indicator with
    no period of data at all says nothing here: the ``no_observations`` finding of its measure does."""
    wanted = set(indicators)
    targets = [(n, i) for n, i in enumerate(config.indicators)
               if i.id in wanted and i.target is not None and i.target.base_period]
    measures = {m for _, i in targets for m in i.compute.measures}
    if not measures or obs.empty:
        return empty_findings()
    rows = (obs["measure"].isin(measures) & obs["value"].notna()).to_numpy()
    m_codes, m_values = factorize(obs["measure"][rows])
    p_codes, p_values = factorize(obs["period"][rows])
    width = max(len(p_values), 1)
    periods: dict[str, set[str]] = {}
    for key in np.unique(m_codes.astype(np.int64) * width + p_codes):  # each (measure, period) once
        periods.setdefault(m_values[key // width], set()).add(p_values[key % width])
    out = []
    for n, ind in targets:
        base = ind.target.base_period
        lacking = [m for m in ind.compute.measures if base not in periods.get(m, set())]
        with_data = set.intersection(*(periods.get(m, set()) for m in ind.compute.measures))
        if not lacking or not with_data:
            continue
        source = config.source(config.measure(lacking[0]).source)
        listed = sorted(with_data, key=lambda p: (period_time(p), p))
        shown = ", ".join(listed) if len(listed) <= _LISTED else \
            ", ".join(listed[:5]) + ", ..., " + ", ".join(listed[-5:]) + f" ({len(listed)} periods)"
        out.append({
            "rule": "base_period_without_data", "severity": "warn", "source": source.id, "file": source.where,
            "row": None, "column": "", "measure": lacking[0], "area_code": "", "period": base,
            "message": f"indicator {ind.id!r}: its target's base period {base!r} has no observation of measure"
                       f"{'s' if len(lacking) > 1 else ''} {' and '.join(map(repr, lacking))}; the periods with "
                       f"data are {shown}: its progress against the target (the growth since the base period) is "
                       f"empty in every area. Set indicators[{n}].target.base_period to one of them, or leave it out "
                       f"to use the first period with data ({listed[0]})",
        })
    if not out:
        return empty_findings()
    df = pd.DataFrame(out)
    df["row"] = pd.array(df["row"], dtype="Int64")
    return df[FINDING_COLUMNS]


def blocking(findings: pd.DataFrame) -> str | None:
    """A message naming the rules that block publication, or None."""
    block = findings[findings["severity"] == "block"]
    if block.empty:
        return None
    counts = block.groupby(["source", "rule"]).size()
    first = block.iloc[0]
    parts = [f"{n} {rule} finding(s) in source {src!r}" for (src, rule), n in counts.items()]
    where = f"first: {first['file']}" + (f", row {first['row']}" if pd.notna(first["row"]) else "") \
        + (f", column {first['column']!r}" if first["column"] else "") + f": {first['message']}"
    return ("validation blocks publication: " + "; ".join(parts) + f" ({where}); see "
            "'openmeasure etl report'")
