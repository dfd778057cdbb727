"""``count``: a count of events or people, summed up the hierarchy (cases opened, people helped)."""

from __future__ import annotations

from indicators.methods.base import Method, measure_only

METHOD = Method(
    name="count",
    summary="a count, summed up the hierarchy",
    aggregation="sum of children",
    methodology=("**Counts** are summed over the reporting local areas; `interval: poisson` gives them exact "
                 "Poisson limits."),
    keys=("measure", "multiplier"),
    check=measure_only("count"),
    value_sql="r.numerator * i.multiplier",
    display="count",
)
