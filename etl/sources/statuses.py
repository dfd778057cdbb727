"""A source's observation status, read into OpenMeasure's flag letters from explicit maps only.

The rest of OpenMeasure reads Eurostat's flag letters (``etl.observations.FLAG_STATUS``; ``c`` withholds the
cell as confidential according to its publisher). A status column is never read letter by letter: the whole
cell text is looked up, in this order,

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

from etl.observations import map_categorical

#: Eurostat's flag letters (b break, c confidential, d definition differs, e estimated, f forecast,
#: n not significant, p provisional, r revised, s Eurostat estimate, u low reliability, z not applicable,
#: ':' not available) and ONS's x (not available).
EUROSTAT_LETTERS = frozenset(":bcdefnprsuxz")

#: SDMX cross-domain OBS_STATUS code -> our flags. Forecast and imputed values are estimates; the missing
#: codes (L, M, O, Q, H) mark a value that is not there.
OBS_STATUS = {"A": "", "B": "b", "D": "d", "E": "e", "F": "e", "G": "", "H": ":", "I": "e", "K": "", "L": ":",
              "M": ":", "N": "", "O": ":", "P": "p", "Q": ":", "S": "", "U": "u", "V": ""}

#: SDMX CONF_STATUS codes that withhold the value (C confidential, D secondary confidentiality set by the
#: sender, N not for publication, S secondary); F (free) and A-less codes add no flag.
CONF_STATUS = {"C": "c", "D": "c", "N": "c", "S": "c", "F": ""}

#: Open SDG / sdg-build status words (the SDMX code names), lower case -> our flags.
OPEN_SDG = {
    "": "", "undefined": "", "normal value": "", "normal": "",
    "estimated value": "e", "estimated": "e", "forecast value": "e", "imputed value": "e",
    "imputed value (ccsa definition)": "e", "provisional value": "p", "provisional": "p",
    "break": "b", "time series break": "b", "break in series": "b", "definition differs": "d",
    "low reliability": "u", "missing value": ":", "missing value; data exist but were not collected": ":",
    "missing value; data cannot exist": ":", "missing value; suppressed": ":", "not significant": "",
    "experimental value": "", "strike and other special events": "", "not applicable": "z",
    "confidential": "c", "confidential statistical information": "c", "confidential value": "c",
}


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
