"""Indicator declarations: the registry ``{id: IndicatorConfig}`` and the tables built from it.

The arithmetic lives in the SQL and in small pure functions; this module only turns declarations into
rows: the ``ind`` parameter table the SQL joins on, and the ``indicators.parquet`` metadata of a release.
"""

from __future__ import annotations

import json

import pandas as pd

from core.config_models import Config, DisclosureConfig, IndicatorConfig
from core.periods import period_time
from indicators import methods
from indicators.families import counted_measures

POLARITY = {"higher_is_better": 1, "lower_is_better": -1, "neutral": 0}


#: The rule for counts of people when the deployment gives none: fewer than 10, zero included, withheld
#: (the UK longitudinal studies' rule in METHODS.md; NHS statistics use 1-7).
DEFAULT_DISCLOSURE = DisclosureConfig(threshold=10, suppress_zero=True)


def registry(config: Config) -> dict[str, IndicatorConfig]:
    return {i.id: i for i in config.indicators}


def interval_method(ind: IndicatorConfig) -> str:
    """``auto``: the interval the indicator's method takes for it (indicators.methods: Wilson for a percentage
    or proportion, exact Poisson / Byar for a rate per 1,000 or more, none otherwise: means, published values,
    plain sums, indices)."""
    return methods.interval_method(ind)


def disclosure_rule(ind: IndicatorConfig, config: Config) -> DisclosureConfig | None:
    """The indicator's own rule; else, when one of its measures counts people (``people: true``), the
    publication's rule, or without one :data:`DEFAULT_DISCLOSURE` on the side that counts people: small
    counts about people are suppressed whether or not the deployment wrote a rule. A ``published`` figure of
    such a measure is a count of people too (its own count, values.sql), so it has the same rule."""
    if ind.disclosure is not None:
        return ind.disclosure
    c = ind.compute
    people = {m.id for m in config.measures if m.people}
    counted = {c.measure, c.numerator} & people, {c.denominator} & people
    if not (counted[0] or counted[1]):
        return None
    if config.publication.disclosure is not None:
        return config.publication.disclosure
    side = "both" if all(counted) else "numerator" if counted[0] else "denominator"
    return DEFAULT_DISCLOSURE.model_copy(update={"apply_to": side})


def parameter_table(config: Config, first_period: dict[str, str] | None = None) -> pd.DataFrame:
    """The ``ind`` table: one row of computation parameters per indicator. ``base_period`` is the target's
    base period, else the indicator's entry in ``first_period``; left empty, compare.sql takes the
    indicator's first period with a value."""
    first_period = first_period or {}
    rows = []
    for ind in config.indicators:
        c = ind.compute
        rule = disclosure_rule(ind, config)
        target = ind.target
        rows.append({
            "indicator": ind.id,
            "method": c.method,
            **methods.get(c.method).parameters(ind),  # numerator, denominator, multiplier, method_period
            "interval_method": interval_method(ind),
            "min_coverage": float(ind.min_coverage if ind.min_coverage is not None
                                  else config.publication.min_coverage),
            "disclosure_threshold": rule.threshold if rule else None,
            "disclosure_zero": int(rule.suppress_zero) if rule else None,
            "disclosure_on": rule.apply_to if rule else None,
            "disclosure_protection": rule.protection if rule else None,
            "polarity": POLARITY[ind.polarity],
            "rank_sign": -1 if ind.polarity == "lower_is_better" else 1,
            "visibility": ind.visibility,
            "target": float(target.value) if target else None,
            "target_period": target.period if target else None,
            "target_t": period_time(target.period) if target else None,
            "base_period": (target.base_period if target and target.base_period
                            else first_period.get(ind.id)),
        })
    df = pd.DataFrame(rows)
    # the denominator is a count some disclosure rule protects: its coverage share must not give part of it away
    counted = set().union(*(counted_measures(r) for _, r in df[df["disclosure_threshold"].notna()].iterrows()))
    df["den_counted"] = df["denominator"].isin(counted).astype("int32")
    for col in ("denominator", "disclosure_on", "target_period", "base_period", "method_period"):
        df[col] = df[col].astype(pd.StringDtype())  # typed even when every value is empty
    for col in ("disclosure_threshold", "disclosure_zero", "disclosure_protection"):
        df[col] = df[col].astype("Int64")
    for col in ("target", "target_t"):
        df[col] = df[col].astype("float64")
    return df


def area_targets(config: Config) -> pd.DataFrame:
    rows = [(i.id, t.area_code, float(t.value)) for i in config.indicators if i.target for t in i.target.areas]
    return pd.DataFrame(rows, columns=["indicator", "area_code", "target"]).astype(
        {"indicator": object, "area_code": object, "target": "float64"})


def metadata_table(config: Config) -> pd.DataFrame:
    """``indicators.parquet``: everything a reader needs to use a figure honestly."""
    measures = {m.id: m for m in config.measures}
    sources = {s.id: s for s in config.sources}
    rows = []
    for ind in config.indicators:
        c = ind.compute
        used = [x for x in (c.measure, c.numerator, c.denominator) if x]
        src_ids = sorted({measures[m].source for m in used})
        rule = disclosure_rule(ind, config)
        rows.append({
            "id": ind.id, "title": ind.title, "description": ind.description, "theme": ind.theme,
            "kind": ind.kind, "unit": ind.unit, "decimals": ind.decimals, "multiplier": c.multiplier,
            "polarity": ind.polarity, "method": c.method,
            "aggregation": methods.get(c.method).aggregation,
            "numerator": c.numerator or c.measure, "denominator": c.denominator,
            "interval": interval_method(ind),
            "sources": json.dumps([{"id": s, "title": sources[s].title, "publisher": sources[s].publisher,
                                    "url": sources[s].url} for s in src_ids]),
            "licence": ind.licence or config.publication.licence,
            "attribution": ind.attribution or config.publication.attribution
            or "; ".join(a for s in src_ids if (a := sources[s].attribution)),
            "methodology": ind.methodology, "caveats": ind.caveats, "visibility": ind.visibility,
            "frequency": ind.frequency,
            "disclosure": json.dumps(rule.model_dump()) if rule else None,
            "target": ind.target.value if ind.target else None,
            "target_period": ind.target.period if ind.target else None,
            "min_coverage": ind.min_coverage if ind.min_coverage is not None else config.publication.min_coverage,
        })
    return pd.DataFrame(rows)
