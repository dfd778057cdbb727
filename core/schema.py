"""The tables of a release, declared once: their columns, types, and what each column means.

Every published table is a pyarrow schema whose fields carry metadata:

- ``description``: what the column holds, in the words of every output (CSVW ``dc:description``, the
  data packages' field descriptions, the OpenAPI value row, the zip's README, docs/release-schema.md);
- ``kind``: ``code`` (an identifier), ``word`` (one of a fixed list), ``number``, ``count``, ``share``
  (0 to 1), ``rank``, ``text`` or ``list``; ``unit``: the unit of a number (``indicator``: the indicator's
  own unit, see indicators.parquet);
- ``outputs``: which outputs carry it: ``release`` (the release's Parquet files), ``public`` (the public
  downloads and API: CSV, Parquet, JSON, xlsx), ``sdmx`` (feeds the SDMX-CSV download);
- on indicator_values, ``withheld`` (emptied on a suppressed cell in every public output), ``statistics``
  (min/max statistics in every row group: the columns readers filter on), ``optional`` (only in some
  releases: with ``geography.aggregate_root``), ``coded`` (the word list of a column the computation emits
  as a small integer code: indicators.coded) and ``values`` (where its words are defined).

:func:`Table.check` compares what a computation or writer produced with its declaration and names every
missing, unexpected, misplaced or mistyped column. The metadata are never written into the release's files
(those keep the plain schema they always had); they describe them.

``SCHEMA_VERSION`` is the release's ``schema_version`` (manifest.json). It moves with the schema: the
fingerprint of every version is kept in tests/data/schema/ and a test fails when the declarations change
under an unchanged version.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

import pyarrow as pa

from core.errors import OpenMeasureError

SCHEMA_VERSION = "1.1"

PUBLIC = ("release", "public")  # the default outputs of a column


class SchemaMismatch(OpenMeasureError):
    """A table that does not have the columns its declaration in core/schema.py gives."""


def column(name: str, type_: pa.DataType, description: str, kind: str, *, unit: str | None = None,
           outputs: Iterable[str] = PUBLIC, **flags: str | bool) -> pa.Field:
    """A declared column: a pyarrow field whose metadata say what it is (``flags``: ``withheld``,
    ``statistics``, ``optional`` as True; ``coded`` as the name of a word list, ``values`` as text)."""
    meta = {"description": description, "kind": kind, "outputs": ",".join(outputs)}
    if unit:
        meta["unit"] = unit
    meta.update({k: ("true" if v is True else str(v)) for k, v in flags.items() if v})
    return pa.field(name, type_, metadata=meta)


def _meta(field: pa.Field, key: str) -> str | None:
    value = (field.metadata or {}).get(key.encode())
    return value.decode() if value is not None else None


def _text(t: pa.DataType) -> bool:
    return pa.types.is_string(t) or pa.types.is_large_string(t)


def _same_type(declared: pa.DataType, actual: pa.DataType) -> bool:
    """``actual`` stores what ``declared`` says: a dictionary-encoded column by its values, large and plain
    strings alike, list columns by their items, and an all-empty (null) column as anything."""
    if pa.types.is_null(actual):
        return True
    if pa.types.is_dictionary(actual):
        actual = actual.value_type
    if _text(declared):
        return _text(actual)
    if pa.types.is_list(declared) or pa.types.is_large_list(declared):
        return ((pa.types.is_list(actual) or pa.types.is_large_list(actual))
                and _same_type(declared.value_type, actual.value_type))
    return actual == declared


class Table:
    """One table of a release: its declared schema and what is derived from it. ``open``: it may carry
    more columns than declared (areas.parquet has the attributes the config names)."""

    def __init__(self, name: str, description: str, fields: list[pa.Field], primary_key: tuple[str, ...] = (),
                 open: bool = False):
        self.name = name
        self.description = description
        self.schema = pa.schema(fields)
        self.primary_key = primary_key
        self.open = open
        unknown = [k for k in primary_key if k not in self.schema.names]
        if unknown:
            raise ValueError(f"table {name}: primary key column(s) {unknown} are not declared")

    def __repr__(self) -> str:
        return f"Table({self.name!r}, {len(self.schema)} columns)"

    @property
    def names(self) -> list[str]:
        return self.schema.names

    def field(self, name: str) -> pa.Field:
        if name not in self.schema.names:
            raise KeyError(f"{self.name} has no column {name!r} (core/schema.py declares: "
                           f"{', '.join(self.schema.names)})")
        return self.schema.field(name)

    def describe(self, name: str) -> str:
        """The column's description; empty for a column the table does not declare (an area attribute)."""
        return _meta(self.schema.field(name), "description") if name in self.schema.names else ""

    def meta(self, name: str, key: str) -> str | None:
        return _meta(self.field(name), key)

    def where(self, key: str, value: str = "true") -> tuple[str, ...]:
        """The columns whose metadata ``key`` is ``value`` (``outputs`` matches one of the listed outputs)."""
        if key == "outputs":
            return tuple(f.name for f in self.schema if value in (_meta(f, key) or "").split(","))
        return tuple(f.name for f in self.schema if _meta(f, key) == value)

    def select(self, *names: str) -> list[str]:
        """``names``, each checked to be a column of the table (a reader's projection that cannot go stale)."""
        return [self.field(n).name for n in names]

    def plain(self, output: str = "release") -> pa.Schema:
        """The schema of ``output`` without metadata (``optional`` columns included)."""
        return pa.schema([pa.field(f.name, f.type) for f in self.schema
                          if output in (_meta(f, "outputs") or "").split(",")])

    def types(self, output: str = "release") -> dict[str, pa.DataType]:
        return {f.name: f.type for f in self.plain(output)}

    def check(self, actual: pa.Schema, where: str, output: str = "release") -> None:
        """Raise :class:`SchemaMismatch` naming each column of ``actual`` (what ``where`` produced) that is
        missing, unexpected, out of order or of another type than the declaration of ``output``."""
        declared = [f for f in self.schema if output in (_meta(f, "outputs") or "").split(",")]
        have = {f.name: f for f in actual}
        known = {f.name for f in declared}
        problems = []
        missing = [f.name for f in declared if f.name not in have and not _meta(f, "optional")]
        if missing:
            problems.append(f"missing column(s) {', '.join(missing)}")
        extra = [n for n in actual.names if n not in known]
        if extra and not self.open:
            problems.append(f"unexpected column(s) {', '.join(extra)}")
        for f in declared:
            if f.name in have and not _same_type(f.type, have[f.name].type):
                problems.append(f"column {f.name} is {have[f.name].type}, declared {f.type}")
        order = [n for n in actual.names if n in known]
        expected = [f.name for f in declared if f.name in have]
        if not missing and order != expected:
            first = next(i for i, (a, b) in enumerate(zip(order, expected, strict=True)) if a != b)
            problems.append(f"columns out of order: {order[first]} where {expected[first]} is declared")
        if problems:
            raise SchemaMismatch(f"{where} does not give the {self.name} table of release schema {SCHEMA_VERSION} "
                                 f"(core/schema.py): " + "; ".join(problems))

    def fingerprint(self) -> dict:
        """Names, types and metadata, as JSON-ready data (the golden test compares them)."""
        return {"description": self.description, "primary_key": list(self.primary_key), "open": self.open,
                "columns": [{"name": f.name, "type": str(f.type),
                             **{k.decode(): v.decode() for k, v in sorted((f.metadata or {}).items())}}
                            for f in self.schema]}


S, F64, I64, I32 = pa.string(), pa.float64(), pa.int64(), pa.int32()
SIG = ("Compared with {}: better / similar / worse (higher / similar / lower for a neutral indicator) / "
       "not compared.")
WITH_SDMX = ("release", "public", "sdmx")

INDICATOR_VALUES = Table("indicator_values", "Every value of every indicator, at every level, period and "
                         "breakdown: one row per cell.", [
    column("indicator", S, "Indicator id (see /api/v1/indicators/<id>).", "code", outputs=WITH_SDMX,
           statistics=True, coded="indicators"),
    column("area_code", S, "Code of the area.", "code", outputs=WITH_SDMX, statistics=True),
    column("area_name", S, "Name of the area, as the release's areas table (areas.csv) gives it.", "text",
           outputs=("public",)),
    column("level", S, "Level of the geography the area belongs to.", "word", outputs=WITH_SDMX,
           statistics=True, coded="levels"),
    column("level_index", I32, "Position of the level, 0 = top.", "rank", statistics=True),
    column("parent_code", S, "Code of the parent area (empty at the top level).", "code", statistics=True),
    column("period", S, "Period, ISO 8601 (2021, 2021-Q3, 2021-07).", "code", outputs=WITH_SDMX,
           statistics=True, coded="periods"),
    column("breakdown", S, "'total' or '<dimension>=<value>'.", "code", outputs=WITH_SDMX, statistics=True,
           coded="breakdowns"),
    column("value", F64, "The indicator value, in the indicator's unit.", "number", unit="indicator",
           outputs=WITH_SDMX, statistics=True, withheld=True),
    column("numerator", F64, "Sum of the numerator counts behind the value.", "count", withheld=True),
    column("denominator", F64, "Sum of the denominator counts behind the value.", "count", withheld=True),
    column("lower_ci", F64, "Lower limit of the 95% confidence interval.", "number", unit="indicator",
           outputs=WITH_SDMX, withheld=True),
    column("upper_ci", F64, "Upper limit of the 95% confidence interval.", "number", unit="indicator",
           outputs=WITH_SDMX, withheld=True),
    column("status", S, "Normalised status of the value (see the status table).", "word", outputs=WITH_SDMX,
           statistics=True, values="core.statuses"),
    column("flags", S, "The publisher's flag letters as given (p provisional, e estimated, b break, ...).",
           "text", outputs=WITH_SDMX),
    column("note", S, "Plain-language note on how the value was computed.", "text", outputs=WITH_SDMX),
    column("coverage", F64, "Share of the areas below that reported.", "share"),
    column("coverage_denominator", F64, "Share of the denominator held by the areas that reported.", "share"),
    column("n_reporting", I64, "Number of lowest-level areas that reported.", "count", unit="areas"),
    column("n_expected", I64, "Number of lowest-level areas expected.", "count", unit="areas"),
    column("parent_value", F64, "Value of the parent area.", "number", unit="indicator"),
    column("top_value", F64, "Value of the area's own top-level area: the root of its parent chain (with "
           "several roots, such as the countries of NUTS, its own country).", "number", unit="indicator"),
    column("significance_parent", S, SIG.format("the parent"), "word", coded="significance"),
    column("significance_top", S, SIG.format("the area's own top-level area (top_value)"), "word",
           coded="significance"),
    column("aggregate_value", F64, "Value of the configured aggregate root (e.g. EU27_2020), for areas whose "
           "root is one of its members; only in releases of a geography with an aggregate root.", "number",
           unit="indicator", optional=True),
    column("significance_aggregate", S, SIG.format("the aggregate root"), "word", coded="significance",
           optional=True),
    column("rank_level", I64, "Rank among the areas of the same level (1 = best; 1 = highest for a neutral "
           "indicator).", "rank", withheld=True),
    column("n_ranked_level", I64, "Number of areas ranked at this level.", "count", unit="areas"),
    column("rank_parent", I64, "Rank among the areas with the same parent (1 = best; 1 = highest for a neutral "
           "indicator).", "rank", withheld=True),
    column("n_ranked_parent", I64, "Number of areas ranked under the same parent.", "count", unit="areas"),
    column("quartile", I64, "Quartile within the level (1 = best quarter; the highest for a neutral "
           "indicator).", "rank", withheld=True),
    column("previous_period", S, "The previous period with a value.", "code", coded="periods"),
    column("previous_value", F64, "The value in the previous period.", "number", unit="indicator"),
    column("change", F64, "Change since the previous period.", "number", unit="indicator", withheld=True),
    column("change_significance", S, "Whether the change is significant.", "word", coded="significance"),
    column("peer_mean", F64, "Mean of the published values of the area's statistical nearest neighbours: over "
           "the peer_count of them that have one (withheld values are left out); empty when none has.",
           "number", unit="indicator"),
    column("peer_count", I64, "Number of the area's nearest neighbours with a published value: those "
           "peer_mean is taken over.", "count", unit="areas"),
    column("target", F64, "Target value.", "number", unit="indicator"),
    column("target_period", S, "Period by which the target should be met.", "code"),
    column("progress_ratio", F64, "Observed / required growth towards the target.", "number", withheld=True),
    column("cagr_observed", F64, "Observed compound annual growth rate since the base period.", "number",
           unit="per year", withheld=True),
    column("progress_status", S, "Progress towards the target (achieved, on track, ...).", "word",
           coded="progress", withheld=True),
    column("rag", S, "Red / amber / green status for the target.", "word", coded="rag", withheld=True),
    column("visibility", S, "public or internal.", "word", statistics=True, coded="visibility"),
], primary_key=("indicator", "area_code", "period", "breakdown"))

AREAS = Table("areas", "The areas of the geography, one row each, with the attributes the config names "
              "(geography.areas.attributes) after parent_code.", [
    column("area_code", S, "Code of the area.", "code"),
    column("name", S, "Name of the area.", "text"),
    column("level", S, "Level of the geography the area belongs to.", "word"),
    column("parent_code", S, "Code of the parent area (empty at the top level).", "code"),
    column("level_index", I32, "Position of the level, 0 = top.", "rank"),
    column("top_code", S, "Code of the area's own top-level area: the root of its parent chain.", "code"),
    column("bucket", I32, "Which by-area file of the release holds the area's values (storage: not "
           "published).", "rank", outputs=("release",)),
    column("neighbours", pa.list_(S), "Codes of the area's statistical nearest neighbours, nearest first "
           "(separated by ';' in CSV).", "list"),
], primary_key=("area_code",), open=True)

INDICATORS = Table("indicators", "Every indicator's metadata: what a reader needs to use a figure honestly.", [
    column("id", S, "Indicator id.", "code"),
    column("title", S, "Title of the indicator.", "text"),
    column("description", S, "What the indicator measures.", "text"),
    column("theme", S, "Theme the indicator belongs to.", "word"),
    column("kind", S, "Kind of indicator (outcome, output, ...).", "word"),
    column("unit", S, "Unit of the values.", "text"),
    column("decimals", I64, "Decimals a value is shown with.", "count"),
    column("multiplier", F64, "Factor a ratio is multiplied by (100 for a percentage).", "number"),
    column("polarity", S, "Which way is better: higher, lower or neutral.", "word"),
    column("method", S, "How the value is computed: ratio, sum, count or published.", "word"),
    column("aggregation", S, "How a parent's value is made from its children's, in words.", "text"),
    column("numerator", S, "Measure summed as the numerator (or the measure of a sum or count).", "code"),
    column("denominator", S, "Measure summed as the denominator (ratios only).", "code"),
    column("interval", S, "Method of the 95% confidence interval.", "word"),
    column("sources", S, "The sources the indicator is computed from (JSON: id, title, publisher, url).",
           "text"),
    column("licence", S, "Licence of the figures.", "text"),
    column("attribution", S, "Attribution the licence requires.", "text"),
    column("methodology", S, "How the indicator is computed, in words.", "text"),
    column("caveats", S, "What to bear in mind when using the figures.", "text"),
    column("visibility", S, "public or internal.", "word"),
    column("frequency", S, "How often the indicator is updated.", "word"),
    column("disclosure", S, "The disclosure control rule applied (JSON), empty when none is.", "text"),
    column("target", F64, "Target value.", "number", unit="indicator"),
    column("target_period", S, "Period by which the target should be met.", "code"),
    column("min_coverage", F64, "Share of the areas below that must report for a parent's value to be "
           "published.", "share"),
], primary_key=("id",))

NEIGHBOURS = Table("neighbours", "Each area's statistical nearest neighbours (geography.neighbours).", [
    column("area_code", S, "Code of the area.", "code"),
    column("neighbour_code", S, "Code of the neighbour.", "code"),
    column("rank", I64, "1 = the nearest neighbour.", "rank"),
    column("distance", F64, "Distance between the two areas' standardised features.", "number"),
], primary_key=("area_code", "neighbour_code"))

QUALITY = Table("quality", "The run's data-quality findings, one row each (bad rows quarantined, codes not "
                "found, ...).", [
    column("rule", S, "The rule the finding is about.", "code"),
    column("severity", S, "error, warn or info.", "word"),
    column("source", S, "Source id.", "code"),
    column("file", S, "File the finding is in.", "text"),
    column("row", I64, "Row of the file (1 = the first data row).", "rank"),
    column("column", S, "Column of the file.", "text"),
    column("measure", S, "Measure id.", "code"),
    column("area_code", S, "Code of the area.", "code"),
    column("period", S, "Period.", "code"),
    column("message", S, "What was found and what to do, in words.", "text"),
])

LEVEL_RANGES = Table("level_ranges", "The spread of each public indicator's published values per level and "
                     "period (total breakdown).", [
    column("indicator", S, "Indicator id.", "code"),
    column("level", S, "Level of the geography.", "word"),
    column("period", S, "Period.", "code"),
    column("vmin", F64, "Smallest value.", "number", unit="indicator"),
    column("q1", F64, "First quartile.", "number", unit="indicator"),
    column("median", F64, "Median.", "number", unit="indicator"),
    column("q3", F64, "Third quartile.", "number", unit="indicator"),
    column("vmax", F64, "Largest value.", "number", unit="indicator"),
    column("n", I64, "Number of published values.", "count", unit="areas"),
], primary_key=("indicator", "level", "period"))

#: The SDMX-CSV 1.0 download of the values (dataflow OPENMEASURE:INDICATOR_VALUES).
SDMX_VALUES = Table("indicator_values_sdmx", "The public values in SDMX-CSV 1.0.", [
    column("DATAFLOW", S, "The dataflow: OPENMEASURE:INDICATOR_VALUES(1.0).", "code", outputs=("sdmx",)),
    column("INDICATOR", S, "Indicator id.", "code", outputs=("sdmx",)),
    column("REF_AREA", S, "Code of the area.", "code", outputs=("sdmx",)),
    column("AREA_LEVEL", S, "Level of the geography.", "word", outputs=("sdmx",)),
    column("TIME_PERIOD", S, "Period, ISO 8601.", "code", outputs=("sdmx",)),
    column("BREAKDOWN", S, "'total' or '<dimension>=<value>'.", "code", outputs=("sdmx",)),
    column("OBS_VALUE", F64, "The value (empty when withheld).", "number", unit="indicator", outputs=("sdmx",)),
    column("OBS_STATUS", S, "SDMX observation status (CL_OBS_STATUS).", "word", outputs=("sdmx",)),
    column("CONF_STATUS", S, "SDMX confidentiality status: F free, C confidential, D secondary.", "word",
           outputs=("sdmx",)),
    column("UNIT_MEASURE", S, "Unit of the indicator.", "text", outputs=("sdmx",)),
    column("LOWER_CI", F64, "Lower limit of the 95% confidence interval.", "number", unit="indicator",
           outputs=("sdmx",)),
    column("UPPER_CI", F64, "Upper limit of the 95% confidence interval.", "number", unit="indicator",
           outputs=("sdmx",)),
    column("OBS_FLAG", S, "The publisher's flag letters (without ':').", "text", outputs=("sdmx",)),
])

SDMX2_VALUES = Table("indicator_values_sdmx2", "The public values in SDMX-CSV 2.0.0, against the dataflow, data "
                     "structure and code lists of the SDMX-ML structure message /api/v1/sdmx/structure.", [
    column("STRUCTURE", S, "The kind of structure: dataflow.", "word", outputs=("sdmx",)),
    column("STRUCTURE_ID", S, "The dataflow: OPENMEASURE:INDICATOR_VALUES(1.0).", "code", outputs=("sdmx",)),
    column("ACTION", S, "I: information.", "code", outputs=("sdmx",)),
    column("FREQ", S, "Frequency of the period (CL_FREQ: A, S, Q, M, W, D).", "code", outputs=("sdmx",)),
    column("INDICATOR", S, "Indicator code (CL_INDICATOR).", "code", outputs=("sdmx",)),
    column("REF_AREA", S, "Area code (CL_AREA).", "code", outputs=("sdmx",)),
    column("BREAKDOWN", S, "Breakdown code (CL_BREAKDOWN; _T: total).", "code", outputs=("sdmx",)),
    column("TIME_PERIOD", S, "Period, ISO 8601 / SDMX (2021, 2021-Q3, 2021-07).", "code", outputs=("sdmx",)),
    column("OBS_VALUE", F64, "The value (empty when withheld or missing).", "number", unit="indicator",
           outputs=("sdmx",)),
    column("AREA_LEVEL", S, "Level of the geography (CL_AREA_LEVEL).", "code", outputs=("sdmx",)),
    column("UNIT_MEASURE", S, "Unit (CL_UNIT_MEASURE).", "code", outputs=("sdmx",)),
    column("UNIT_MULT", S, "Power of ten the value is in (CL_UNIT_MULT).", "code", outputs=("sdmx",)),
    column("OBS_STATUS", S, "Observation status (CL_OBS_STATUS).", "code", outputs=("sdmx",)),
    column("CONF_STATUS", S, "Confidentiality status (CL_CONF_STATUS).", "code", outputs=("sdmx",)),
    column("LOWER_CI", F64, "Lower limit of the 95% confidence interval.", "number", unit="indicator",
           outputs=("sdmx",)),
    column("UPPER_CI", F64, "Upper limit of the 95% confidence interval.", "number", unit="indicator",
           outputs=("sdmx",)),
    column("OBS_FLAG", S, "The publisher's flag letters (without ':').", "text", outputs=("sdmx",)),
    column("COMMENT_OBS", S, "How the value was computed, in words.", "text", outputs=("sdmx",)),
])

TABLES: dict[str, Table] = {t.name: t for t in (INDICATOR_VALUES, AREAS, INDICATORS, NEIGHBOURS, QUALITY,
                                                LEVEL_RANGES, SDMX_VALUES, SDMX2_VALUES)}


def fingerprint() -> dict:
    """Every table's names, types and metadata under the version (tests/data/schema/<version>.json)."""
    return {"schema_version": SCHEMA_VERSION, "tables": {n: t.fingerprint() for n, t in TABLES.items()}}


def fingerprint_changes(kept: dict) -> list[str]:
    """What differs between a kept fingerprint and the declarations, one line per table or column."""
    now = fingerprint()["tables"]
    was = kept.get("tables", {})
    out = [f"table {n} {'added' if n in now else 'removed'}" for n in sorted(set(now) ^ set(was))]
    for name in sorted(set(now) & set(was)):
        a, b = was[name], now[name]
        out += [f"{name}: {k} changed" for k in ("description", "primary_key", "open") if a.get(k) != b.get(k)]
        cols_a = {c["name"]: c for c in a.get("columns", [])}
        cols_b = {c["name"]: c for c in b.get("columns", [])}
        out += [f"{name}.{c} {'added' if c in cols_b else 'removed'}" for c in sorted(set(cols_a) ^ set(cols_b))]
        for c in cols_b:
            if c in cols_a and cols_a[c] != cols_b[c]:
                keys = [k for k in sorted(set(cols_a[c]) | set(cols_b[c])) if cols_a[c].get(k) != cols_b[c].get(k)]
                out.append(f"{name}.{c}: {', '.join(keys)} changed")
        if set(cols_a) == set(cols_b) and list(cols_a) != list(cols_b):
            out.append(f"{name}: columns reordered")
    return out


if __name__ == "__main__":  # python -m core.schema > tests/data/schema/<SCHEMA_VERSION>.json
    print(json.dumps(fingerprint(), indent=2, sort_keys=True))
