"""The SQL text of the computation, filled in for a geography of ``n_levels`` levels.

Placeholders only ever receive identifiers generated here (``a0``, ``a1``...) and fixed expressions,
never user input.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from indicators import disclosure

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


def keys_sql(sort: bool = True) -> str:
    """``sort``: order the keyed observations by measure. Not needed when they already arrive grouped by
    measure (each row group of the table then holds a few measures: 2.2 on average with 4 threads, which
    is what the later joins' zone maps need), and sorting 21 M rows is half of the preparation."""
    return _template("keys").format(order_by="ORDER BY m.measure_id, a.area_id" if sort else "")


def cells_sql(n_levels: int, indicator_range: tuple[int, int]) -> str:
    ancestors = ", ".join(f"l.a{d}" for d in range(n_levels))
    first, last = (int(i) for i in indicator_range)
    return _template("cells").format(ancestors=ancestors, first_ind=first, last_ind=last)


def rollup_sql(n_levels: int) -> str:
    """Local areas (level ``n_levels - 1``) as they are; the levels above in one GROUPING SETS pass. With one
    level there is nothing above: the second part keeps its shape but selects no row."""
    keys = "ind_id, period_id, bd_id"
    upper = max(n_levels - 1, 1)
    sets = ", ".join(f"({keys}, {', '.join(f'a{d}' for d in range(k + 1))})" for k in range(upper))
    if upper == 1:
        area_case = "a0"
    else:
        whens = " ".join(f"WHEN GROUPING(a{d}) = 0 THEN a{d}" for d in range(upper - 1, 0, -1))
        area_case = f"CASE {whens} ELSE a0 END"
    rounded = {f"round_{c}": _significant(c) for c in ("numerator", "denominator", "denominator_known")}
    return _template("rollup").format(leaf=f"a{n_levels - 1}", grouping_sets=sets, area_case=area_case,
                                      has_parents="1 = 1" if n_levels > 1 else "1 = 0", **rounded)


def _significant(column: str, digits: int = 15) -> str:
    """``column`` rounded to ``digits`` significant digits (0, null, magnitudes of 10^digits or more and below
    10^-250, whose scale would overflow, as they are). Scaled up by a power of ten and divided back, so the
    result is the double nearest the decimal (multiplying by 0.1 would not be); ROUND's scale is a constant
    in Spark, so it is not used."""
    scale = f"POWER(10, {digits - 1} - FLOOR(LOG10(ABS({column}))))"
    return (f"CASE WHEN {column} = 0 OR ABS({column}) >= 1e{digits} OR ABS({column}) < 1e-250 THEN {column} "
            f"ELSE ROUND({column} * {scale}) / {scale} END")


def values_sql(indicator_range: tuple[int, int]) -> str:
    first, last = (int(i) for i in indicator_range)
    return _template("values").format(first_ind=first, last_ind=last)


def disclosure_sql() -> str:
    """The cells of disclosure control; ``withheld`` in the codes of indicators.disclosure."""
    return _template("disclosure").format(hidden=disclosure.HIDDEN, none=disclosure.NONE)


def compare_sql(n_periods: int, n_breakdowns: int, indicator_range: tuple[int, int], n_levels: int,
                n_areas: int) -> str:
    """``n_periods``, ``n_breakdowns`` and ``n_areas`` (area ids are 0..n_areas-1) size the composite integer
    keys (slice = indicator x period x breakdown, cell = slice x area, series = indicator x breakdown) that
    joins and windows run on; ``indicator_range`` (first and last ``ind_id``) selects the chunk of
    indicators to compute; ``n_levels`` tells which rows can be a parent or the top."""
    first, last = (int(i) for i in indicator_range)
    return _template("compare").format(
        n_periods=int(n_periods), n_breakdowns=int(n_breakdowns), n_areas=int(n_areas), n_levels=int(n_levels),
        first_ind=first, last_ind=last,
        leaf_level=max(int(n_levels) - 1, 1),  # a one-level geography: its areas are their own top
        significance_parent=_significance("parent_value"),
        significance_top=_significance("top_value", exclude_self="j.level_index = 0"),
        significance_change=_significance("previous_value"),
        progress=_codes(PROGRESS), rag=_codes(RAG), visibility=_codes(VISIBILITY),
    )
