"""``sum``: a measure summed up the hierarchy (employed residents, spending)."""

from __future__ import annotations

from indicators.methods.base import Method, measure_only

METHOD = Method(
    name="sum",
    summary="the measure summed up the hierarchy",
    aggregation="sum of children",
    methodology="**Sums** are summed over the reporting local areas (× multiplier).",
    keys=("measure", "multiplier"),
    check=measure_only("sum"),
    value_sql="r.numerator * i.multiplier",
    display="count",
    # a total grows with the area's size: its ranks say highest and lowest, not best and worst
    ranked_by_performance=False,
)
