"""SDMX: the values in SDMX-CSV 2.0 and the data structure definition (DSD) with its code lists.

``/api/v1/sdmx/structure`` is an SDMX-ML 2.1 structure message: the dataflow
``OPENMEASURE:INDICATOR_VALUES(1.0)``, its DSD ``OPENMEASURE:DSD_INDICATOR_VALUES(1.0)``, the concept scheme
and one code list per coded component. ``format=sdmx-csv2`` of ``/api/v1/data`` is SDMX-CSV 2.0.0
(``STRUCTURE,STRUCTURE_ID,ACTION``, the dimensions, ``OBS_VALUE``, the attributes) of that dataflow; the older
SDMX-CSV 1.0 download (formats.sdmx_batch) keeps its columns and free-text units.

Codes come from the SDMX cross-domain code lists where one exists: ``FREQ`` (CL_FREQ: A, S, Q, M, W, D),
``OBS_STATUS`` (CL_OBS_STATUS, via core.statuses), ``CONF_STATUS`` (CL_CONF_STATUS: F free, C confidential,
D secondary confidentiality), ``UNIT_MULT`` (CL_UNIT_MULT: the power of ten) and ``UNIT_MEASURE`` (the
Eurostat/ESS CL_UNIT codes: PC percentage, PERS persons, NR number, P_THAB per thousand inhabitants, EUR, DAY,
...; "million EUR" is EUR with UNIT_MULT 6). A unit none of them has keeps a code made from its own words
(``days per FTE`` -> ``DAYS_PER_FTE``), named by them. Eurostat's ``:`` (not available) is no flag: such a value is
OBS_STATUS M with an empty OBS_VALUE.

SDMX identifiers allow ``A-Z a-z 0-9 _ - @ $`` only. An indicator, area, level or breakdown whose code has
another character is written with it escaped: ``=`` as ``$`` (``sex=F`` -> ``sex$F``) and any other as
``@`` and four hex digits (a space: ``@0020``); the breakdown ``total`` is the cross-domain ``_T``. Each
code's name in the code list is the text it stands for.
"""

from __future__ import annotations

import re

import pyarrow as pa
import pyarrow.compute as pc

from core.schema import SDMX2_VALUES
from dashboard.api import formats

AGENCY = "OPENMEASURE"
VERSION = "1.0"
DATAFLOW_ID = "INDICATOR_VALUES"
DSD_ID = "DSD_INDICATOR_VALUES"
CONCEPTS_ID = "CS_INDICATOR_VALUES"
STRUCTURE_ID = f"{AGENCY}:{DATAFLOW_ID}({VERSION})"
#: The media type of the structure message.
STRUCTURE_MIME = "application/vnd.sdmx.structure+xml; version=2.1; charset=utf-8"
#: ACTION I: information (the data as they stand, not an update to apply).
ACTION = "I"
TOTAL = "_T"

S = pa.string()
DIMENSIONS = ("FREQ", "INDICATOR", "REF_AREA", "BREAKDOWN")  # then the time dimension TIME_PERIOD

# --- codes --------------------------------------------------------------------------------------------------
_ID_OK = re.compile(r"[A-Za-z0-9_-]")


def code_id(text: str) -> str:
    """An SDMX identifier for ``text``, one to one: ``=`` -> ``$``, another character outside A-Z a-z 0-9 _ -
    -> ``@`` and four hex digits."""
    return "".join(c if _ID_OK.fullmatch(c) else "$" if c == "=" else f"@{ord(c):04X}" for c in text)


def breakdown_id(text: str) -> str:
    return TOTAL if text == "total" else code_id(text)


FREQ = {"A": "Annual", "S": "Half-yearly", "Q": "Quarterly", "M": "Monthly", "W": "Weekly", "D": "Daily"}
_FREQ_PATTERNS = (("Q", r"^\d{4}-Q[1-4]$"), ("S", r"^\d{4}-S[12]$"), ("W", r"^\d{4}-W\d{2}$"),
                  ("M", r"^\d{4}-\d{2}$"), ("D", r"^\d{4}-\d{2}-\d{2}$"), ("A", r"^\d{4}(-A1)?$"))


def freq(period: str) -> str:
    """The CL_FREQ code of a period; a form none matches is an error that names it."""
    for code, pattern in _FREQ_PATTERNS:
        if re.match(pattern, period):
            return code
    raise ValueError(f"period {period!r} has no SDMX frequency (expected 2021, 2021-S1, 2021-Q3, 2021-W05, "
                     "2021-07 or 2021-07-31)")


#: Unit words (lower case, spaces squeezed) -> (UNIT_MEASURE code, UNIT_MULT, name): codes and names of the
#: ESS/Eurostat unit code list (ESTAT:UNIT, the CL_UNIT SDMX data in Europe use for UNIT_MEASURE), checked against
#: Eurostat's own list (tests/data/real/eurostat_unit/). A multiple (thousand, million) is the plain unit with
#: its UNIT_MULT, as SDMX has it, rather than Eurostat's THS_/MIO_ codes.
UNITS: dict[str, tuple[str, int, str]] = {
    "%": ("PC", 0, "Percentage"), "percent": ("PC", 0, "Percentage"), "percentage": ("PC", 0, "Percentage"),
    "people": ("PERS", 0, "Persons"), "persons": ("PERS", 0, "Persons"), "residents": ("PERS", 0, "Persons"),
    "inhabitants": ("PERS", 0, "Persons"), "thousand persons": ("PERS", 3, "Persons"),
    "number": ("NR", 0, "Number"), "applications": ("NR", 0, "Number"), "businesses": ("NR", 0, "Number"),
    "households": ("NR", 0, "Number"), "enterprises": ("NR", 0, "Number"),
    "per 1,000 residents": ("P_THAB", 0, "Per thousand inhabitants"),
    "per 1,000 inhabitants": ("P_THAB", 0, "Per thousand inhabitants"),
    "per 1,000 people": ("P_THAB", 0, "Per thousand inhabitants"),
    "per 100,000 residents": ("P_HTHAB", 0, "Per hundred thousand inhabitants"),
    "per 100,000 inhabitants": ("P_HTHAB", 0, "Per hundred thousand inhabitants"),
    "per 100,000 people": ("P_HTHAB", 0, "Per hundred thousand inhabitants"),
    "eur": ("EUR", 0, "Euro"), "euro": ("EUR", 0, "Euro"), "thousand eur": ("EUR", 3, "Euro"),
    "million eur": ("EUR", 6, "Euro"), "billion eur": ("EUR", 9, "Euro"),
    "eur per inhabitant": ("EUR_HAB", 0, "Euro per inhabitant"),
    "index (2015 = 100)": ("I15", 0, "Index, 2015=100"), "index (2010 = 100)": ("I10", 0, "Index, 2010=100"),
    "µg/m3": ("MCG_M3", 0, "Micrograms per cubic metre"),
    "days": ("DAY", 0, "Day"), "hours": ("HR", 0, "Hour"),
}
UNIT_MULT = {0: "Units", 3: "Thousands", 6: "Millions", 9: "Billions"}


def unit(text: str | None) -> tuple[str, int, str]:
    """(UNIT_MEASURE code, UNIT_MULT, name) of an indicator's unit; one no code list has keeps its own words
    (upper case, as an identifier) as its code and name. No unit: ``_Z`` (not applicable)."""
    words = " ".join((text or "").split())
    if not words:
        return "_Z", 0, "Not applicable"
    if words.lower() in UNITS:
        return UNITS[words.lower()]
    return code_id(words.upper().replace(" ", "_")), 0, words


CONF_STATUS = {"F": "Free", "C": "Confidential statistical information",
               "D": "Secondary confidentiality set by the sender, not for publication"}
#: CL_OBS_STATUS names of the codes a status can give (core.statuses).
OBS_STATUS_NAMES = {"A": "Normal value", "B": "Time series break", "D": "Definition differs", "E": "Estimated value",
                    "F": "Forecast value", "L": "Missing value; data exist but were not collected",
                    "M": "Missing value; data cannot exist", "P": "Provisional value",
                    "Q": "Missing value; suppressed", "U": "Low reliability"}


# --- SDMX-CSV 2.0 ------------------------------------------------------------------------------------
def sdmx2_schema() -> pa.Schema:
    return SDMX2_VALUES.plain("sdmx")


def _strings(col: pa.Array) -> pa.Array:
    return col.cast(pa.string()) if pa.types.is_dictionary(col.type) else col


def _coded(col: pa.Array, to_code) -> pa.Array:
    """``to_code`` of every value, computed once per distinct value."""
    enc = pc.dictionary_encode(_strings(col))
    enc = enc.combine_chunks() if isinstance(enc, pa.ChunkedArray) else enc
    codes = pa.array([None if v is None else to_code(v) for v in enc.dictionary.to_pylist()], pa.string())
    return pc.take(codes, enc.indices)


def sdmx2_batch(batch: pa.RecordBatch, units: dict[str, str]) -> pa.RecordBatch:
    """One batch of the values (formats.SDMX_SOURCE_COLUMNS) as SDMX-CSV 2.0 rows."""
    n = batch.num_rows
    ind, status = batch.column("indicator"), batch.column("status")
    arrays = [
        pa.array(["dataflow"] * n, S), pa.array([STRUCTURE_ID] * n, S), pa.array([ACTION] * n, S),
        _coded(batch.column("period"), freq), _coded(ind, code_id), _coded(batch.column("area_code"), code_id),
        _coded(batch.column("breakdown"), breakdown_id), _strings(batch.column("period")), batch.column("value"),
        _coded(batch.column("level"), code_id), _coded(ind, lambda i: unit(units.get(i))[0]),
        _coded(ind, lambda i: str(unit(units.get(i))[1])),
        formats._map(_strings(status), formats.OBS_STATUS, "A"),
        formats._conf_status(status, batch.column("note")), batch.column("lower_ci"), batch.column("upper_ci"),
        formats.obs_flag(batch.column("flags")), _strings(batch.column("note")),
    ]
    return pa.RecordBatch.from_arrays(arrays, schema=sdmx2_schema())
