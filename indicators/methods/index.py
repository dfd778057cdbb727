"""``index``: an indicator's value relative to a base period, = 100 there (population index, 2015 = 100).

The underlying value is a measure summed up the hierarchy (``measure``), or a ratio of two sums
(``numerator`` and ``denominator``), made at every level as ``sum`` and ``ratio`` make it; the index at each
level is that level's own underlying value in period t over its underlying value in ``base_period`` × 100,
per area and breakdown (never a mean or sum of the children's indices). Where the base period has no value
for an area (not reported, too few local areas, or 0 or less) the area has no index in any period: its rows
say why in ``note``, and the run's findings name the indicator, the area and the periods that have data.
"""

from __future__ import annotations

import pandas as pd

from core.config_models import Config, IndicatorConfig
from core.periods import period_time
from indicators.methods.base import Method, Problem

#: The underlying value of the rolled-up row ``r``: the sum, or the ratio of the sums (without multiplier: it
#: cancels in the index).
UNDERLYING = "CASE WHEN i.den_id IS NULL THEN r.numerator WHEN r.denominator > 0 THEN r.numerator / r.denominator END"

CTES = f"""index_base AS (
    -- each index's underlying value in its base period, per area and breakdown (indicators/methods/index.py);
    -- empty where too few local areas reported there
    SELECT r.ind_id, r.area_id, r.bd_id, r.n_reporting AS base_reporting,
           CASE WHEN CAST(r.n_reporting AS DOUBLE) / r.n_expected >= i.min_coverage THEN {UNDERLYING} END
               AS base_value
    FROM rolled r
    JOIN ind i ON i.ind_id = r.ind_id
    WHERE i.method = 'index' AND r.period_id = i.method_period_id
),"""

JOIN = "LEFT JOIN index_base ib ON ib.ind_id = r.ind_id AND ib.area_id = r.area_id AND ib.bd_id = r.bd_id"

NOTE = (
    "CASE "
    "WHEN ib.base_reporting IS NULL OR ib.base_reporting = 0 THEN "
    "CONCAT('Not computed: no value was reported for the base period ', i.method_period, ' here; an index needs one.') "
    "WHEN ib.base_value IS NULL THEN "
    "CONCAT('Not computed: too few local areas reported in the base period ', i.method_period, '.') "
    "WHEN ib.base_value <= 0 THEN "
    "CONCAT('Not computed: the value in the base period ', i.method_period, ' is ', "
    "CASE WHEN ib.base_value = 0 THEN '0' ELSE 'below 0' END, ', and an index of it has no meaning.') "
    "END")


def check(ind: IndicatorConfig, config: Config) -> list[Problem]:
    c = ind.compute
    problems: list[Problem] = []
    if not c.base_period:
        problems.append(("compute.base_period", "an index needs 'base_period', the period whose value is 100 "
                                                "(such as '2015')"))
    if c.measure and (c.numerator or c.denominator):
        problems.append(("compute", "an index takes 'measure' (the index of its sum) or 'numerator' and "
                                    "'denominator' (the index of their ratio), not both"))
    elif not c.measure and not (c.numerator and c.denominator):
        problems.append(("compute", "an index needs 'measure' (the index of its sum) or both 'numerator' and "
                                    "'denominator' (the index of their ratio)"))
    if "multiplier" in c.model_fields_set:
        problems.append(("compute.multiplier", "an index is 100 in its base period; 'multiplier' does not apply"))
    if ind.interval not in ("auto", "none"):
        problems.append(("interval", f"an index has no confidence interval (not {ind.interval!r}): write 'none' "
                                     "or leave it out"))
    counted = _counted_measures(config)
    protected = sorted(set(c.measures) & counted)
    if ind.disclosure is not None or protected:
        what = (f"measure {protected[0]!r} is a count that disclosure control protects" if protected
                else "it has a disclosure rule")
        problems.append(("compute.method", f"an index of a count that disclosure control protects is not supported "
                                           f"({what}): its values and the published counts would give the "
                                           "withheld counts of its base period away"))
    return problems


def _counted_measures(config: Config) -> set[str]:
    """The measures some disclosure rule counts: those of people (``people: true``: the publication's or the
    default rule), and those an indicator's own rule counts."""
    out = {m.id for m in config.measures if m.people}
    for other in config.indicators:
        rule, c = other.disclosure, other.compute
        if rule is None:
            continue
        if rule.apply_to in ("numerator", "both"):
            out |= {m for m in (c.numerator or c.measure,) if m}
        if rule.apply_to in ("denominator", "both") and c.denominator:
            out.add(c.denominator)
    return out


def params(ind: IndicatorConfig) -> dict:
    c = ind.compute
    return {"numerator": c.numerator or c.measure, "denominator": c.denominator, "multiplier": 100.0,
            "method_period": c.base_period}


#: How many periods a finding lists before it elides the middle ones.
LISTED = 12


def findings(n: int, ind: IndicatorConfig, obs: pd.DataFrame) -> list[dict]:
    """One finding per area (and breakdown) that has observations of the index's measures but no value in
    its base period, or a value of 0 or less there: that area has no index in any period. The finding names
    the indicator, the area, the base period and the periods that have data."""
    c = ind.compute
    base = c.base_period
    rows = obs[obs["measure"].isin(c.measures) & obs["value"].notna()]
    if rows.empty or not base:
        return []
    wide = rows.pivot_table(index=["area_code", "breakdown", "period"], columns="measure", values="value",
                            aggfunc="sum", observed=True)
    wide = wide.dropna(subset=[m for m in c.measures if m in wide.columns])
    if any(m not in wide.columns for m in c.measures):
        return []  # a measure without any observation: its no_observations finding says so
    underlying = wide[c.measure] if c.measure else wide[c.numerator] / wide[c.denominator].where(wide[c.denominator] > 0)
    out = []
    for (area, breakdown), series in underlying.groupby(level=["area_code", "breakdown"], observed=True):
        values = series.droplevel(["area_code", "breakdown"])
        at_base = values.get(base)
        if at_base is not None and at_base > 0:
            continue
        periods = sorted(values.index.astype(str), key=lambda p: (period_time(p), p))
        shown = ", ".join(periods) if len(periods) <= LISTED else \
            ", ".join(periods[:5]) + ", ..., " + ", ".join(periods[-5:]) + f" ({len(periods)} periods)"
        why = (f"has no value in the base period {base!r}" if at_base is None or pd.isna(at_base)
               else f"has {'0' if at_base == 0 else 'a value below 0'} in the base period {base!r}")
        where = f"area {area!r}" + (f" (breakdown {breakdown!r})" if str(breakdown) not in ("", "total") else "")
        out.append({
            "rule": "index_base_without_data", "measure": c.measure or c.numerator, "area_code": str(area),
            "period": base,
            "message": f"indicator {ind.id!r}: {where} {why}; the periods with data are {shown}: its index is "
                       f"empty in every period. indicators[{n}].compute.base_period may name one of them",
        })
    return out


METHOD = Method(
    name="index",
    summary="the value relative to `base_period` (= 100), per area and breakdown",
    aggregation="sum (or ratio of sums) at each level / the same in the base period x 100",
    methodology=(
        "**Indices** (`index`): value(area, t) = U(area, t) / U(area, base period) × 100, where U is the "
        "underlying value made at the area's own level as a sum (`measure`) or a ratio of sums (`numerator` and "
        "`denominator`) is made, so a parent's index is that of its aggregated value, never a mean of its "
        "children's indices. The base period is 100 exactly. Where the base period has no value for an area "
        "(not reported, or below the minimum coverage) or its value is 0 or less, the area has no index in any "
        "period: its rows say why in `note`, and the run's findings (`index_base_without_data`) name the "
        "indicator, the area and the periods that have data. `numerator` and `denominator` hold U in the "
        "period and in the base period. An index has no confidence interval (the base period's sampling error "
        "would enter every period's; OpenMeasure does not model it), so it is `not compared` with its parent. "
        "Coverage and flags are those of period t; a parent whose reporting areas differ between the two "
        "periods compares different sets of areas (set `min_coverage: 1` to rule that out). An index of a count "
        "that disclosure control protects is refused when the config is loaded: the index and the published "
        "counts would give its base period's withheld counts away."),
    keys=("measure", "numerator", "denominator", "base_period"),
    check=check,
    rolled_up=False,
    value_sql=f"CASE WHEN ib.base_value > 0 THEN ({UNDERLYING}) / ib.base_value * i.multiplier END",
    numerator_sql=UNDERLYING,
    denominator_sql="ib.base_value",
    ctes=CTES,
    join=JOIN,
    note_sql=NOTE,
    intervals=("none",),
    params=params,
    display="index",
    findings=findings,
)
