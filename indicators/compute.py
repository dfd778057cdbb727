"""Indicator values at every level: the steps, in order, on an :class:`~indicators.engine.Engine`.

cells -> rolled (GROUPING SETS) -> vals (value, CI, status, primary suppression)
      -> secondary suppression (Python, on the few groups that have a withheld cell)
      -> final (suppression applied, comparisons, ranks, peers, progress, RAG)

Each step is SQL text from ``indicators/sql``; small tables (areas, neighbours, indicator parameters) are
prepared in Python. The result is left in the engine as the table ``final``.
"""

from __future__ import annotations

import logging
import time

import pandas as pd
import pyarrow as pa

from etl.config_models import Config
from etl.geography import leaf_ancestors
from etl.observations import period_time
from indicators import intervals, registry, sqltext
from indicators.disclosure import PRIMARY_REASON, SECONDARY_REASON, secondary_suppression
from indicators.engine import Engine

log = logging.getLogger(__name__)

OBS_FOR_ENGINE = ["measure", "area_code", "period", "breakdown", "value", "flags"]


def compute(engine: Engine, config: Config, areas: pd.DataFrame, obs: pd.DataFrame | pa.Table,
            neighbours: pd.DataFrame, timings: dict[str, float] | None = None) -> None:
    timings = timings if timings is not None else {}
    n_levels = len(config.geography.levels)
    t0 = time.perf_counter()

    obs_table = obs if isinstance(obs, pa.Table) else pa.Table.from_pandas(obs[OBS_FOR_ENGINE],
                                                                            preserve_index=False)
    engine.register("obs", obs_table)
    engine.register("areas", areas[["area_code", "name", "level", "level_index", "parent_code", "top_code"]])
    engine.register("leaves", leaf_ancestors(areas, n_levels))
    first = _first_periods(engine, config)
    params = registry.parameter_table(config, first)
    engine.register("ind", params)
    engine.register("periods", _periods(engine))
    engine.register("poisson", intervals.poisson_table())
    engine.register("neighbours", neighbours[["area_code", "neighbour_code"]])
    engine.register("area_targets", registry.area_targets(config))
    timings["prepare"] = time.perf_counter() - t0

    t = time.perf_counter()
    engine.materialize("cells", sqltext.cells_sql(n_levels))
    engine.materialize("rolled", sqltext.rollup_sql(n_levels))
    timings["rollup"] = time.perf_counter() - t

    t = time.perf_counter()
    engine.materialize("vals", sqltext.values_sql())
    timings["values"] = time.perf_counter() - t

    t = time.perf_counter()
    engine.register("suppressed", _suppressed(engine, params))
    timings["disclosure"] = time.perf_counter() - t

    t = time.perf_counter()
    engine.materialize("final", sqltext.compare_sql())
    timings["compare"] = time.perf_counter() - t
    log.info("step=compute levels=%d indicators=%d seconds=%.2f", n_levels, len(params),
             time.perf_counter() - t0)


def _first_periods(engine: Engine, config: Config) -> dict[str, str]:
    """Each indicator's first period with data: the base of its growth rate when no target says otherwise."""
    t = engine.query("SELECT measure, MIN(period) AS first FROM obs WHERE value IS NOT NULL GROUP BY measure")
    first = dict(zip(t.column("measure").to_pylist(), t.column("first").to_pylist(), strict=True))
    return {i.id: first.get(i.compute.numerator or i.compute.measure) for i in config.indicators}


def _periods(engine: Engine) -> pd.DataFrame:
    periods = engine.query("SELECT DISTINCT period FROM obs").column("period").to_pylist()
    return pd.DataFrame({"period": periods, "t": [period_time(p) for p in periods]})


def _suppressed(engine: Engine, params: pd.DataFrame) -> pd.DataFrame:
    controlled = params[params["disclosure_threshold"].notna()]
    cols = ["indicator", "area_code", "period", "breakdown", "reason"]
    if controlled.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
    cells = engine.query(
        "SELECT v.indicator, v.period, v.breakdown, v.area_code, a.parent_code, "
        "COALESCE(v.numerator, v.value) AS size, v.primary_suppressed = 1 AS \"primary\" "
        "FROM vals v JOIN areas a ON a.area_code = v.area_code "
        "JOIN ind i ON i.indicator = v.indicator "
        "WHERE i.disclosure_threshold IS NOT NULL AND v.value IS NOT NULL").to_pandas()
    out = secondary_suppression(cells)
    threshold = dict(zip(controlled["indicator"], controlled["disclosure_threshold"], strict=True))
    out["reason"] = [PRIMARY_REASON.format(threshold=threshold[i]) if k == "primary" else SECONDARY_REASON
                     for i, k in zip(out["indicator"], out["kind"], strict=True)]
    log.info("step=disclosure primary=%d secondary=%d", int((out["kind"] == "primary").sum()),
             int((out["kind"] == "secondary").sum()))
    return out[cols]
