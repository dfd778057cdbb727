"""The SQL text of the computation, filled in for a geography of ``n_levels`` levels.

Placeholders only ever receive identifiers generated here (``a0``, ``a1``...) and fixed expressions,
never user input.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from indicators import disclosure, methods

#: The words of the published columns that take one of a few fixed values, in code order. The SQL emits the
#: code (a small integer) and :mod:`indicators.coded` turns it into a dictionary-encoded column: no string is
#: built per row, and the release writer neither hashes nor reorders strings.
SIGNIFICANCE = ("not compared", "better", "similar", "worse", "higher", "lower")
PROGRESS = ("achieved", "on_track", "acceleration_needed", "limited_progress", "deterioration")
RAG = ("green", "amber", "red")
VISIBILITY = ("public", "internal")


def _codes(words: tuple[str, ...]) -> dict[str, int]:
    return {w.replace(" ", "_"): i for i, w in enumerate(words)}


@cache
def _template(name: str) -> str:
    return resources.files("indicators").joinpath("sql", f"{name}.sql").read_text(encoding="utf-8")


def _significance(benchmark: str, exclude_self: str | None = None) -> str:
    """The code (in :data:`SIGNIFICANCE`) of the value's significance against ``benchmark``."""
    c = _codes(SIGNIFICANCE)
    self_clause = f"WHEN {exclude_self} THEN {c['not_compared']} " if exclude_self else ""
    return (
        "CASE "
        f"{self_clause}"
        f"WHEN j.{benchmark} IS NULL OR j.value IS NULL OR j.lower_ci IS NULL OR j.upper_ci IS NULL "
        f"THEN {c['not_compared']} "
        f"WHEN j.{benchmark} < j.lower_ci THEN "
        f"(CASE WHEN j.polarity = 1 THEN {c['better']} WHEN j.polarity = -1 THEN {c['worse']} "
        f"ELSE {c['higher']} END) "
        f"WHEN j.{benchmark} > j.upper_ci THEN "
        f"(CASE WHEN j.polarity = 1 THEN {c['worse']} WHEN j.polarity = -1 THEN {c['better']} "
        f"ELSE {c['lower']} END) "
        f"ELSE {c['similar']} END"
    )


#: The configured aggregate root (geography.aggregate_root), when there is one, is not an area: its rows have
#: the area id one past the last area's. ``built``: the leaves of its member roots carry it in the column
#: ``ag`` and the roll-up sums them in a grouping set of its own; ``published``: it is one more leaf, keyed
#: from the source's own rows (``area_keys``: the areas and it), with no ancestor, so it sums into nothing.
AGGREGATE_COLUMN = "ag"


def keys_sql(sort: bool = True, area_table: str = "areas") -> str:
    """``sort``: order the keyed observations by measure. Not needed when they already arrive grouped by
    measure (each row group of the table then holds a few measures: 2.2 on average with 4 threads, which
    is what the later joins' zone maps need), and sorting 21 M rows is half of the preparation.
    ``area_table``: ``area_keys`` when a published aggregate root is keyed as well."""
    return _template("keys").format(order_by="ORDER BY m.measure_id, a.area_id" if sort else "",
                                    area_table=_table_name(area_table))


def _table_name(name: str) -> str:
    if name not in ("areas", "area_keys", "disclosure_areas"):
        raise ValueError(f"unknown table {name!r}")
    return name


def cells_sql(n_levels: int, indicator_range: tuple[int, int], aggregate: bool = False) -> str:
    """``aggregate``: carry the leaves' built aggregate root (column ``ag``)."""
    ancestors = ", ".join([*(f"l.a{d}" for d in range(n_levels)), *([f"l.{AGGREGATE_COLUMN}"] if aggregate else [])])
    first, last = (int(i) for i in indicator_range)
    return _template("cells").format(ancestors=ancestors, first_ind=first, last_ind=last,
                                     local_methods=methods.local_methods_sql())


def rollup_sql(n_levels: int, aggregate: bool = False) -> str:
    """Local areas (level ``n_levels - 1``) as they are; the levels above in one GROUPING SETS pass. With one
    level there is nothing above: the second part keeps its shape but selects no row. ``aggregate``: one more
    grouping set, the built aggregate root over the leaves of its members."""
    keys = "ind_id, period_id, bd_id"
    upper = max(n_levels - 1, 1)
    sets = [f"({keys}, {', '.join(f'a{d}' for d in range(k + 1))})" for k in range(upper)]
    if upper == 1:
        area_case = "a0"
    else:
        whens = " ".join(f"WHEN GROUPING(a{d}) = 0 THEN a{d}" for d in range(upper - 1, 0, -1))
        area_case = f"CASE {whens} ELSE a0 END"
    has_parents = n_levels > 1
    if aggregate:
        ag = AGGREGATE_COLUMN
        sets = [*sets[:upper if has_parents else 0], f"({keys}, {ag})"]
        inner = area_case if has_parents else "NULL"
        area_case = f"CASE WHEN GROUPING({ag}) = 0 THEN {ag} ELSE {inner} END"
        has_parents = True
    rounded = {f"round_{c}": _significant(c) for c in ("numerator", "denominator", "denominator_known")}
    return _template("rollup").format(leaf=f"a{n_levels - 1}", grouping_sets=", ".join(sets), area_case=area_case,
                                      has_parents="1 = 1" if has_parents else "1 = 0", **rounded)


def _significant(column: str, digits: int = 15) -> str:
    """``column`` rounded to ``digits`` significant digits (0, null, magnitudes of 10^digits or more and below
    10^-250, whose scale would overflow, as they are). Scaled up by a power of ten and divided back, so the
    result is the double nearest the decimal (multiplying by 0.1 would not be); ROUND's scale is a constant
    in Spark, so it is not used."""
    scale = f"POWER(10, {digits - 1} - FLOOR(LOG10(ABS({column}))))"
    return (f"CASE WHEN {column} = 0 OR ABS({column}) >= 1e{digits} OR ABS({column}) < 1e-250 THEN {column} "
            f"ELSE ROUND({column} * {scale}) / {scale} END")


def values_sql(indicator_range: tuple[int, int], area_table: str = "areas") -> str:
    """``area_table``: ``area_keys`` when a published aggregate root takes published figures too."""
    first, last = (int(i) for i in indicator_range)
    return _template("values").format(first_ind=first, last_ind=last, area_table=_table_name(area_table),
                                      **methods.values_fragments())


def disclosure_sql(area_table: str = "areas") -> str:
    """The cells of disclosure control; ``withheld`` in the codes of indicators.disclosure. ``area_table``:
    ``disclosure_areas`` when an aggregate root is the parent of its member roots."""
    return _template("disclosure").format(hidden=disclosure.HIDDEN, none=disclosure.NONE,
                                          area_table=_table_name(area_table))


def published_cells_sql(n_periods: int, n_breakdowns: int, indicator_range: tuple[int, int], n_areas: int) -> str:
    """The chunk's cells as published, with the integer keys of compare.sql (``published_cells``, materialised
    before it): the sizes and range as :func:`compare_sql`'s."""
    first, last = (int(i) for i in indicator_range)
    return _template("published_cells").format(n_periods=int(n_periods), n_breakdowns=int(n_breakdowns),
                                               n_areas=int(n_areas), first_ind=first, last_ind=last)


def compare_sql(n_periods: int, n_breakdowns: int, indicator_range: tuple[int, int], n_levels: int,
                n_areas: int, aggregate_members: tuple[int, ...] = ()) -> str:
    """``n_periods``, ``n_breakdowns`` and ``n_areas`` (area ids are 0..n_areas-1) size the composite integer
    keys (slice = indicator x period x breakdown, cell = slice x area, series = indicator x breakdown) that
    joins and windows run on; ``indicator_range`` (first and last ``ind_id``) selects the chunk of
    indicators to compute; ``n_levels`` tells which rows can be a parent or the top. ``aggregate_members``:
    the ids of the roots an aggregate root (id ``n_areas``) totals; their areas get ``aggregate_value`` and
    ``significance_aggregate``. Without one the published table has neither column."""
    first, last = (int(i) for i in indicator_range)
    keys = dict(n_periods=int(n_periods), n_breakdowns=int(n_breakdowns), first_ind=first, last_ind=last)
    if aggregate_members:
        members = ", ".join(str(int(m)) for m in aggregate_members)
        aggregate = {
            "aggregate_cte": _AGGREGATE_CTE.format(aggregate_id=int(n_areas), **keys),
            "aggregate_join": f"LEFT JOIN aggregate ag ON ag.slice = x.slice AND x.top_id IN ({members})",
            "aggregate_value": "ag.value AS aggregate_value,",
            "aggregate_columns": f"j.aggregate_value, {_significance('aggregate_value')} AS significance_aggregate,",
        }
    else:
        aggregate = dict.fromkeys(("aggregate_cte", "aggregate_join", "aggregate_value", "aggregate_columns"), "")
    return _template("compare").format(**aggregate,
        n_periods=int(n_periods), n_breakdowns=int(n_breakdowns), n_areas=int(n_areas), n_levels=int(n_levels),
        first_ind=first, last_ind=last,
        leaf_level=max(int(n_levels) - 1, 1),  # a one-level geography: its areas are their own top
        significance_parent=_significance("parent_value"),
        significance_top=_significance("top_value", exclude_self="j.level_index = 0"),
        significance_change=_significance("previous_value"),
        progress=_codes(PROGRESS), rag=_codes(RAG), visibility=_codes(VISIBILITY),
        cagr_observed=_growth_rate("m.value / m.base_value", "m.t - m.base_t"),
        cagr_required=_growth_rate("m.target / m.base_value", "m.target_t - m.base_t"),
    )


def _growth_rate(ratio: str, years: str) -> str:
    """The compound annual growth rate ``ratio^(1/years) - 1`` (``ratio`` >= 0, ``years`` > 0), as
    expm1(ln(ratio) / years) with Kahan's expm1, (u - 1) * y / ln(u) where u = exp(y): the rounding error of u
    cancels out. ``POWER(ratio, 1 / years) - 1`` lost the last bits of a power near 1 to the subtraction, and
    the engines' POWER differ in the last bit of it (Java's and the C library's): 1e-12 relative in a growth
    rate of 0.02% at 4.2 M observations (bench/engines.py). Neither engine has EXPM1 in common."""
    y = f"(LN({ratio}) / ({years}))"
    u = f"EXP{y}"
    return (f"(CASE WHEN {ratio} = 0 THEN -1 WHEN {u} = 1 THEN {y} WHEN {u} = 0 THEN -1 "
            f"ELSE ({u} - 1) * {y} / LN({u}) END)")


_AGGREGATE_CTE = """aggregate AS (
    -- the aggregate root's value per slice, as published (none where it is withheld)
    SELECT (CAST(x.ind_id - {first_ind} AS BIGINT) * {n_periods} + x.period_id) * {n_breakdowns} + x.bd_id AS slice,
           x.value
    FROM vals x
    LEFT JOIN suppressed s
        ON s.ind_id = x.ind_id AND s.area_id = x.area_id AND s.period_id = x.period_id AND s.bd_id = x.bd_id
    WHERE x.area_id = {aggregate_id} AND s.area_id IS NULL AND x.ind_id BETWEEN {first_ind} AND {last_ind}
),"""


def _column(i: int) -> str:
    return f"c{int(i)}"


def source_value_text(value: int) -> str:
    """A source's value cell as text, as the engine writes it (blank for a null cell)."""
    return f"COALESCE(CAST(s.{_column(value)} AS STRING), '')"


def source_plain_number(value: int) -> str:
    """Whether a source's value cell (text) is a plain number: only digits, ``.``, ``-``, ``+``, ``e``, and the
    engine reads it as a number. Such a cell is a number for both engines and for the ETL path alike; any other
    text (spaces, a missing marker, ``1_000``, ``1d``, ``n/a``) is judged by the ETL process's own rules, from
    the lookup ``<name>_value`` of the distinct texts (etl.sources.engine_read)."""
    text = source_value_text(value)
    return f"(TRANSLATE({text}, '0123456789.-+eE', '') = '' AND TRY_CAST({text} AS DOUBLE) IS NOT NULL)"


def source_value_sql(value: int, numeric: bool) -> tuple[str, str, str]:
    """A source's value column (``value``: its position) read by the engine: the value (null for a missing
    marker or NaN), whether the cell is not a number (text that is neither a number nor a missing marker, or a
    number beyond a double's range), and the flag of its missing marker (``:``, ``x``, ``z``, ``c``). A text
    column that is not a plain number (:func:`source_plain_number`) is read from the lookup ``vl``."""
    col = f"s.{_column(value)}"
    if numeric:
        # NaN and infinities told by their text ('nan'/'NaN', 'inf'/'Infinity'): DuckDB 2.0 folds isnan() and
        # comparisons of a Parquet column to constants from the file's statistics, which leave NaN out, so
        # isnan(c) was false for every NaN of a file (42,031 of them in the bench's observations)
        number = f"CAST({col} AS DOUBLE)"
        text = f"UPPER(CAST({number} AS STRING))"
        return (f"CASE WHEN {text} = 'NAN' THEN NULL ELSE {number} END",
                f"COALESCE({text} IN ('INF', '-INF', 'INFINITY', '-INFINITY'), FALSE)", "''")
    plain = source_plain_number(value)
    number = f"TRY_CAST({source_value_text(value)} AS DOUBLE)"
    infinite = f"UPPER(CAST({number} AS STRING)) IN ('INF', '-INF', 'INFINITY', '-INFINITY')"
    return (f"CASE WHEN {plain} THEN {number} ELSE vl.value END",
            # a text missing from the lookup (the file changed while it was read) is not taken for a number
            f"CASE WHEN {plain} THEN {infinite} ELSE COALESCE(vl.bad, TRUE) END",
            f"CASE WHEN {plain} THEN '' ELSE COALESCE(vl.flag, '') END")


def _value_join(name: str, value: int, numeric: bool) -> str:
    return "" if numeric else f"LEFT JOIN {name}_value vl ON {source_value_text(value)} = vl.raw"


def source_rows_sql(name: str, area: int, value: int, dims: list[int], *, period: int | None, flag: int | None,
                    numeric: bool) -> str:
    """The rows of a source the engine reads (``source_rows.sql``): ``name`` prefixes its tables (the file
    ``<name>_file``, the lookups ``<name>_area``, ``_period``, ``_flag``, ``_sel``, ``_value``); the other
    arguments are the positions of the file's columns (``dims``: those the selection lookup is keyed on, in its
    order ``d0``, ``d1``...). ``period`` None: the source gives a fixed period (a lookup of one row)."""
    if not name.isidentifier():
        raise ValueError(f"not a table name: {name!r}")
    value_sql, bad, marker = source_value_sql(value, numeric)
    sel = " AND ".join(f"s.{_column(c)} IS NOT DISTINCT FROM g.d{k}" for k, c in enumerate(dims))
    return _template("source_rows").format(
        name=name, value=value_sql, bad=bad, marker_flag=marker, area=_column(area),
        flag="COALESCE(f.flags, '')" if flag is not None else "''", value_join=_value_join(name, value, numeric),
        sel_join=f"JOIN {name}_sel g ON {sel}" if dims else f"CROSS JOIN {name}_sel g",
        period_join=(f"JOIN {name}_period p ON s.{_column(period)} IS NOT DISTINCT FROM p.raw" if period is not None
                     else f"CROSS JOIN {name}_period p"),
        flag_join=f"LEFT JOIN {name}_flag f ON s.{_column(flag)} IS NOT DISTINCT FROM f.raw" if flag is not None
        else "")


def bad_values_sql(name: str, value: int, numeric: bool, limit: int) -> str:
    """The distinct texts of a source's value column that are not numbers (see :func:`source_value_sql`), each
    with its number of rows, the most frequent first (at most ``limit``), and the number of such rows (the same
    on every row: ``total``)."""
    _, bad, _ = source_value_sql(value, numeric)
    text = source_value_text(value)
    return (f"SELECT value_text, n, SUM(n) OVER (ORDER BY n ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED "
            f"FOLLOWING) AS total FROM (SELECT {text} AS value_text, COUNT(*) AS n FROM {name}_file s "
            f"{_value_join(name, value, numeric)} WHERE {bad} GROUP BY {text}) b "
            f"ORDER BY n DESC, value_text LIMIT {int(limit)}")
