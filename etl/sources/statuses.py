"""A source's observation status, read into OpenMeasure's flag letters from explicit maps only.

The rest of OpenMeasure reads Eurostat's flag letters, each the flag of one status of the vocabulary
(``core.statuses``; ``c`` withholds the cell as confidential according to its publisher): the maps below
name the status a source's code means, and take its letter from there. A status column is never read
letter by letter: the whole cell text is looked up, in this order,

1. the source's ``status_map`` (the source's text -> our flag letters, ``""`` for no flag);
2. Eurostat flags: a short text made only of Eurostat's flag letters (``p``, ``e``, ``bep``, ``:``, ``c``);
3. SDMX ``OBS_STATUS`` codes (one upper-case letter: ``A`` normal, ``E`` estimated, ``P`` provisional, ...);
4. Open SDG's status words, which are the names of the SDMX codes (``Normal value``, ``Estimated value``,
   ``Undefined``, ...), compared without case.

A text none of them knows (``Value for Bucks County applied to districts``) is an ``unknown_status`` finding
with the row and the text, and gives no flag: only an explicit code withholds a cell.
"""

from __future__ import annotations

import pandas as pd

from core import statuses
from etl.observations import map_categorical

#: Eurostat's flag letters: those of our statuses (core.statuses.FLAG_PRIORITY: b break, c confidential,
#: d definition differs, e estimated, p provisional, u low reliability, z not applicable, ':' and ONS's x not
#: available) and those that give no status of their own (f forecast, n not significant, r revised,
#: s Eurostat estimate).
EUROSTAT_LETTERS = frozenset(statuses.FLAG_PRIORITY) | frozenset("fnrs")


def _flags(words: dict[str, str]) -> dict[str, str]:
    """Source code or text -> the flag letters of our status word (core.statuses; ``ok``: no flag)."""
    return {code: statuses.flag(word) for code, word in words.items()}


#: SDMX cross-domain OBS_STATUS code -> our status. Forecast and imputed values are estimates; the missing
#: codes (L, M, O, Q, H) mark a value that is not there.
OBS_STATUS = _flags({
    "A": "ok", "B": "break", "D": "definition_differs", "E": "estimated", "F": "estimated", "G": "ok",
    "H": "missing", "I": "estimated", "K": "ok", "L": "missing", "M": "missing", "N": "ok", "O": "missing",
    "P": "provisional", "Q": "missing", "S": "ok", "U": "low_reliability", "V": "ok"})

#: SDMX CONF_STATUS codes that withhold the value (C confidential, D secondary confidentiality set by the
#: sender, N not for publication, S secondary); F (free) and A-less codes add no flag.
CONF_STATUS = _flags({"C": "confidential", "D": "confidential", "N": "confidential", "S": "confidential",
                      "F": "ok"})

#: Open SDG / sdg-build status words (the SDMX code names), lower case -> our status.
OPEN_SDG = _flags({
    "": "ok", "undefined": "ok", "normal value": "ok", "normal": "ok",
    "estimated value": "estimated", "estimated": "estimated", "forecast value": "estimated",
    "imputed value": "estimated", "imputed value (ccsa definition)": "estimated",
    "provisional value": "provisional", "provisional": "provisional",
    "break": "break", "time series break": "break", "break in series": "break",
    "definition differs": "definition_differs", "low reliability": "low_reliability",
    "missing value": "missing", "missing value; data exist but were not collected": "missing",
    "missing value; data cannot exist": "missing", "missing value; suppressed": "missing",
    "not significant": "ok", "experimental value": "ok", "strike and other special events": "ok",
    "not applicable": "not_applicable",
    "confidential": "confidential", "confidential statistical information": "confidential",
    "confidential value": "confidential",
})


def flag_letters(text: str, status_map: dict[str, str] | None = None) -> str | None:
    """Our flag letters for one status text, or None when no map knows it."""
    text = str(text).strip()
    if status_map and text in status_map:
        return status_map[text]
    if not text:
        return ""
    if len(text) <= 4 and set(text) <= EUROSTAT_LETTERS and len(set(text)) == len(text):
        return text
    if text in OBS_STATUS:
        return OBS_STATUS[text]
    return OPEN_SDG.get(text.casefold())


def read_statuses(flags: pd.Series, rows: pd.Series, status_map: dict[str, str] | None, column: str,
                  areas: pd.Series, periods: pd.Series) -> tuple[pd.Series, list[dict]]:
    """The status column as our flag letters (unknown texts give no flag), and one ``unknown_status`` finding
    per row whose text no map knows. Each distinct text is looked up once."""
    mapped = pd.Series(map_categorical(flags, lambda t: flag_letters(t, status_map) or ""), index=flags.index)
    unknown = {t for t in pd.unique(flags.astype(object)) if flag_letters(t, status_map) is None}
    if not unknown:
        return mapped, []
    hit = flags.astype(object).isin(unknown).to_numpy()
    from etl.sources.tidy import reader_finding  # tidy reads its status column with this module

    found = [reader_finding("unknown_status", int(r), column,
                            f"status {t!r} is not a known status code; the value is read without a flag (map "
                            "the text to our flag letters in the source's status_map)",
                            area_code=str(a), period=str(p), severity="warn")
             for r, t, a, p in zip(rows[hit], flags[hit].astype(object), areas[hit], periods[hit], strict=True)]
    return mapped, found
