"""Checks on the rows of one source's observations: blank keys, periods and area codes that are not the
geography's, wrong frequencies, duplicate keys, negative counts. Failing rows are quarantined with a finding
(:mod:`etl.findings`), never silently dropped.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from core.config_models import ValidationConfig
from core.periods import period_time
from etl.findings import DROPPING, LISTED, Message, action, closest, empty_findings, finding_rows, header_of
from etl.observations import factorize, map_unique

#: Publishers' aggregates and pseudo-regions: EU27_2020, EU28, EA19, EFTA, DE_TOT, Extra-Regio (..Z, ..ZZ,
#: ..ZZZ) and not-regionalised (..X, ..XX, ..XXX) NUTS codes.
_AGGREGATE = re.compile(r"^(EU\d*(_\d{4})?|EA\d*(_\d{4})?|EFTA|EEA\d*|[A-Z]{2}_TOT)$")

_NUTS_PSEUDO = re.compile(r"^([A-Z]{2})(Z{1,3}|X{1,3})$")

_FREQUENCY = {"annual": re.compile(r"^\d{4}$"), "quarterly": re.compile(r"^\d{4}-Q[1-4]$"),
              "monthly": re.compile(r"^\d{4}-\d{2}$")}


def is_pseudo_area(code: str, known: set[str] | None = None) -> bool:
    """A publisher's aggregate, or a NUTS Extra-Regio / not-regionalised code of a country. With ``known``
    (the geography's codes), ``..Z``/``..X`` codes count only when their first two letters are a known area:
    ``LUX`` is Luxembourg's ISO code, not a pseudo-region, in a geography without ``LU``."""
    if _AGGREGATE.match(code):
        return True
    m = _NUTS_PSEUDO.match(code)
    return bool(m) and (known is None or m.group(1) in known)


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
            self.found.append(finding_rows(rows, rule, what, self.file, column, rows["message"]))
        else:
            self.found.append(finding_rows(self.obs[mask], rule, what, self.file, column, message))
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
    area_col, period_col, value_col = (header_of(headers, k) for k in ("area_code", "period", "value"))
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
        listed = ", ".join(codes[:LISTED]) + (f" and {len(codes) - LISTED} more" if len(codes) > LISTED else "")
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
    # a source the engine read gives its rows grouped, with their number in ``n``
    rows = rows.assign(n=rows["n"] if "n" in rows.columns else 1)
    return rows.groupby("area_code", sort=False).agg(
        row=("row", "min"), n=("n", "sum"), periods=("period", lambda p: sorted(set(p), key=_period_key)))


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


def int_key(obs: pd.DataFrame, columns: tuple[str, ...]) -> tuple[np.ndarray, int]:
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
    key, size = int_key(obs, ("measure", "area_code", "period", "breakdown"))
    if size <= 4 * len(obs):  # a full grid or near it: counting each key is one pass, not a hash table
        return np.bincount(key, minlength=size)[key] > 1
    return pd.Series(key).duplicated(keep=False).to_numpy()
