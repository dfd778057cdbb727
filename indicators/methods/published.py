"""``published``: the publisher's own figure at each level, taken as given and never re-derived."""

from __future__ import annotations

from indicators.methods.base import Method, measure_only

METHOD = Method(
    name="published",
    summary="taken as given at each level, never re-derived",
    aggregation="as published at each level, not re-derived",
    methodology=(
        "**Published figures** (`published`) are the opposite of the computed methods: the publisher's value at "
        "each level is taken as it is and never re-derived from the local areas; they have no numerator, "
        "denominator or coverage, and no interval."),
    keys=("measure", "multiplier"),
    check=measure_only("published"),
    local=False,
    rolled_up=False,
    display="unit",
)
