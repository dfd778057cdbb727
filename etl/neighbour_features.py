"""Nearest neighbours within a run: the features taken from the release's own indicators, and the findings.

A neighbour feature is an attribute of the areas table (``{name: urbn_type}``) or the value of one of the
configured indicators in a period (``{indicator: gdp_per_head, period: latest, transform: log}``). Indicator
features need the indicator's values before the neighbours are found, and the values published with the
neighbours' comparisons need the neighbours: so the indicators used as features are computed first, on their
own (:func:`indicator_features`, the same engine and SQL as the release, so the value is the published one,
withheld where the release withholds it), and only then are the neighbours found and the release computed.

``period: latest`` is each area's own last period with a value: regions publish at different times (the
Eurostat NUTS 3 population of 2022 lacks some countries), and a structural feature (size, wealth, age) moves
little in a year, so an area a year behind keeps its peers rather than losing them. A fixed period
(``period: "2019"``) compares every area on the same year; an area without a value in it (or with its value
withheld) has a missing feature: it has no peers and is no one's peer.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from core.config_models import Config, NeighboursConfig
from core.errors import ConfigError
from core.periods import period_time
from etl.findings import FINDING_COLUMNS
from indicators.compute import compute
from indicators.engine import DuckDBEngine, Engine
from indicators.neighbours import COLUMNS, nearest_neighbours, zero_distance_ties

FINDING = "neighbour_ties"


def feature_indicators(config: Config) -> list[str]:
    """The ids of the indicators used as neighbour features, in config order."""
    nb = config.geography.neighbours
    return list(dict.fromkeys(f.indicator for f in nb.features if f.indicator)) if nb else []


def neighbours_of(config: Config, areas: pd.DataFrame, obs: pd.DataFrame, *, spill: str | None = None,
                  engine: Engine | None = None, engine_tables: Sequence[str] = ()
                  ) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, dict[str, str]]]:
    """(neighbours, findings, periods): the peers of every area, the ``neighbour_ties`` findings and, for
    each indicator feature (by its column), the period used at each level. ``engine_tables``: observations
    the run's ``engine`` read itself (etl.sources.engine_read); indicator features are then computed there."""
    nb = config.geography.neighbours
    if nb is None:
        return pd.DataFrame(columns=COLUMNS), pd.DataFrame(), {}
    table, periods = areas, {}
    if feature_indicators(config):
        table, periods = indicator_features(config, areas, obs, spill=spill, engine=engine,
                                            engine_tables=engine_tables)
    neighbours = nearest_neighbours(table, nb, config.geography.levels)
    return neighbours, tie_findings(table, nb, config), periods


def indicator_features(config: Config, areas: pd.DataFrame, obs: pd.DataFrame, *, spill: str | None = None,
                       engine: Engine | None = None, engine_tables: Sequence[str] = ()
                       ) -> tuple[pd.DataFrame, dict[str, dict[str, str]]]:
    """``areas`` with one more column per indicator feature (``NeighbourFeature.column``), and the period(s)
    used at each level (for ``latest``: each period with its number of areas)."""
    nb = config.geography.neighbours
    wanted = set(feature_indicators(config))
    sub = config.model_copy(update={"indicators": [i for i in config.indicators if i.id in wanted]})
    own = not engine_tables  # observations read by the run's engine are computed there
    if own:
        engine = DuckDBEngine(config.engine.memory_limit, config.engine.threads, temp_directory=spill)
    try:
        empty = pd.DataFrame(columns=COLUMNS)
        values = compute(engine, sub, areas, obs, empty, engine_tables=engine_tables).table().to_pandas()
    finally:
        if own:
            engine.close()
    values = values[values["breakdown"] == "total"] if "breakdown" in values else values
    out = areas.copy()
    used: dict[str, dict[str, str]] = {}
    levels = nb.levels or config.geography.levels
    for n, f in enumerate(nb.features):
        if f.indicator is None:
            continue
        column = pd.Series(float("nan"), index=out.index)
        used[f.column] = {}
        for level in levels:
            at = values[(values["indicator"] == f.indicator) & (values["level"] == level) & values["value"].notna()]
            at = at.assign(t=at["period"].map(period_time)).sort_values(["t", "period"])
            have = list(dict.fromkeys(at["period"]))
            if f.period in (None, "latest"):
                if not have:
                    continue  # no value at this level: no area of it has peers (as a blank attribute)
                last = at.groupby("area_code", sort=False).tail(1)
                counts = last["period"].value_counts()
                used[f.column][level] = ", ".join(f"{p} ({counts[p]} areas)" for p in reversed(have) if p in counts)
                by_area = last.set_index("area_code")["value"]
            else:
                if f.period not in have:
                    shown = ", ".join(have[-5:]) if have else "none"
                    raise ConfigError([f"geography.neighbours.features[{n}].period: indicator {f.indicator!r} has "
                                       f"no value at level {level!r} in {f.period!r} (its last periods with values "
                                       f"there: {shown}); give one of them or 'latest'"])
                used[f.column][level] = f.period
                by_area = at[at["period"] == f.period].set_index("area_code")["value"]
            rows = out["level"] == level
            column[rows] = out.loc[rows, "area_code"].map(by_area).astype(float)
        out[f.column] = column
    return out, used


def tie_findings(table: pd.DataFrame, nb: NeighboursConfig, config: Config) -> pd.DataFrame:
    """One ``neighbour_ties`` warning per level where some areas share their features with more than k other
    areas: which of those are their peers is then decided by area code alone."""
    ties = zero_distance_ties(table, nb, config.geography.levels)
    rows = []
    for level, group in ties.groupby("level", sort=False):
        worst = group.sort_values(["tied", "area_code"], ascending=[False, True]).iloc[0]
        features = ", ".join(f.column for f in nb.features)
        rows.append({
            "rule": FINDING, "severity": "warn", "source": "", "file": config.geography.areas.path, "row": None,
            "column": features, "measure": "", "area_code": worst["area_code"], "period": "",
            "message": f"{len(group)} area(s) of level {level!r} share their neighbour features ({features}) with more "
                       f"than k = {nb.k} other areas (e.g. {worst['area_code']}, with {int(worst['tied'])}): their "
                       "peers among those are picked by area code alone. Add features that tell them apart "
                       "(geography.neighbours.features: e.g. log population, an indicator's value)"})
    df = pd.DataFrame(rows, columns=FINDING_COLUMNS)
    df["row"] = pd.array(df["row"], dtype="Int64")
    return df
