"""``ratio``: Σ numerator / Σ denominator × multiplier at every level (rates, percentages, averages)."""

from __future__ import annotations

from core.config_models import Config, IndicatorConfig
from indicators.methods.base import Method, Problem


def check(ind: IndicatorConfig, config: Config) -> list[Problem]:
    c = ind.compute
    if not (c.numerator and c.denominator):
        return [("compute", "a ratio needs both 'numerator' and 'denominator'")]
    if c.measure:
        return [("compute.measure", "a ratio takes 'numerator' and 'denominator', not 'measure'")]
    return []


def auto_interval(ind: IndicatorConfig) -> str:
    """Wilson for a percentage or proportion, exact Poisson / Byar for a rate per 1,000 or more, none for
    the rest (means such as days per case)."""
    c = ind.compute
    if c.multiplier in (1.0, 100.0) and ind.unit in ("%", "percent", "proportion"):
        return "wilson"
    if c.multiplier >= 1000:
        return "poisson"
    return "none"


METHOD = Method(
    name="ratio",
    summary="Σnumerator / Σdenominator × multiplier at every level",
    aggregation="sum of numerators / sum of denominators x multiplier",
    methodology=(
        "**Ratios** (rates, percentages, averages): value(parent) = Σ numerator / Σ denominator × multiplier, over "
        "the local areas that report **both** numerator and denominator for the period. The mean of the children's "
        "rates is never used: it is wrong whenever denominators differ (the \"average of averages\" error)."),
    keys=("numerator", "denominator", "multiplier"),
    check=check,
    value_sql="CASE WHEN r.denominator > 0 THEN r.numerator / r.denominator * i.multiplier END",
    auto_interval=auto_interval,
    intervals=("wilson", "poisson", "none"),
    display="unit",
)
