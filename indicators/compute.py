"""Indicator values at every level: the steps, in order, on an :class:`~indicators.engine.Engine`.

obs -> obs_k (integer keys) -> cells -> rolled (GROUPING SETS) -> vals (value, CI, status, primary
suppression) -> secondary suppression (Python, on the few groups that have a withheld cell)
-> the published table (suppression applied, comparisons, ranks, peers, progress, RAG)

Each step is SQL text from ``indicators/sql``; small tables (areas, neighbours, indicator parameters) are
prepared in Python. :func:`compute` prepares the keyed observations once; every later step runs for a chunk
of indicators at a time (:meth:`Computation.published`: an indicator's values, suppression and comparisons
depend on no other indicator), so the release writer streams the result chunk by chunk and memory is
bounded by one chunk, whatever the number of indicators.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from core.config_models import Config
from core.geography import aggregate_members, leaf_ancestors
from core.periods import period_time
from indicators import coded, disclosure, intervals, methods, registry, sqltext
from indicators.engine import Engine
from indicators.families import KEYS, absent_parents, families, spread

log = logging.getLogger(__name__)

OBS_FOR_ENGINE = ["measure", "area_code", "period", "breakdown", "value", "flags"]


@dataclass
class Computation:
    """What :func:`compute` left in the engine, and how to read the published table from it."""

    engine: Engine
    indicators: pd.DataFrame  # ind_id, indicator, ... in ind_id order
    areas: pd.DataFrame  # area_id, area_code, level_index, ...
    n_levels: int
    n_periods: int
    n_breakdowns: int
    timings: dict[str, float]
    words: coded.Dictionaries  # of the coded text columns (see indicators.coded)
    periods: pd.DataFrame | None = None  # period, period_id
    breakdowns: pd.DataFrame | None = None  # breakdown, bd_id
    previous_values: Path | None = None  # the published release's indicator_values.parquet
    #: geography.aggregate_root: "built" or "published", and the area ids of its member roots (its own id is
    #: len(areas), one past the last area's); None without one
    aggregate: str | None = None
    aggregate_members: tuple[int, ...] = ()

    def published(self, first_ind_id: int, last_ind_id: int) -> pa.Table:
        """The published rows of indicators first..last (ids), sorted by indicator, level, area, period,
        breakdown; the coded text columns (indicator, level, period...) are dictionary-encoded."""
        chunk = (first_ind_id, last_ind_id)
        t = time.perf_counter()
        self._roll_up(chunk)
        t = self._tick("rollup", t)
        self.engine.materialize("vals", sqltext.values_sql(chunk, self._area_table))
        t = self._tick("values", t)
        self.engine.register("suppressed", self._suppressed())
        self._tick("disclosure", t)
        self.engine.materialize("published_cells", sqltext.published_cells_sql(
            self.n_periods, self.n_breakdowns, chunk, len(self.areas)))
        sql = sqltext.compare_sql(self.n_periods, self.n_breakdowns, chunk, self.n_levels, len(self.areas),
                                  self.aggregate_members)
        table = coded.decode(self.engine.stream(sql),
                             *coded.for_indicators(self.words, first_ind_id, last_ind_id)).read_all()
        # Sorted here on one integer key, not by an ORDER BY. DuckDB's sort moved the whole 45-column rows
        # (0.7 CPU-s of a 0.9 M-row chunk; the argsort and the take cost nearly as much, 12 runs each), but
        # its buffers came on top of the chunk, and the SQL is left without a global sort (costly on Spark).
        keys = [pc.subtract(table.column("ind_id"), first_ind_id), table.column("level_index"),
                table.column("area_id"), table.column("period_id"), table.column("bd_id")]
        sizes = [last_ind_id - first_ind_id + 1, self.n_levels, len(self.areas), self.n_periods,
                 self.n_breakdowns]
        order = sort_order(keys, sizes)
        names, columns = table.column_names, table.columns
        del table, keys  # column by column, each unsorted column is freed once its sorted copy is made:
        for i, column in enumerate(columns):  # the chunk is held about once, not twice
            columns[i] = column.take(order)
        return pa.Table.from_arrays(columns, names=names)

    def protect_families(self, kept: pa.Table) -> None:
        """Register ``kept`` (cells withheld in the release before) with the cells every family of indicators
        on the same count must withhold together (indicators.families)."""
        groups = families(self.indicators)
        self.engine.register("kept", kept)
        if not groups:
            return
        t = time.perf_counter()
        family_of = {i: k for k, ids in enumerate(groups) for i in ids}
        members = dict(enumerate(groups))
        forced = pd.DataFrame(columns=KEYS).astype("int32")
        own = None  # each member's cells when it is protected on its own: those keep their own reason
        present: dict[int, pd.DataFrame] = {}  # each member's cells with a value (or not computed)
        parents = dict(zip(self.areas["area_id"], self.areas["parent_id"], strict=True))
        while True:
            patterns = []
            for i in family_of:
                self._roll_up((i, i))
                self.engine.materialize("vals", sqltext.values_sql((i, i), self._area_table))
                if i not in present:
                    present[i] = self.engine.query(f"SELECT {', '.join(KEYS)} FROM vals "
                                                   "WHERE value IS NOT NULL OR status = 'low_coverage'").to_pandas()
                patterns.append(self._suppressed().select(KEYS).to_pandas())
            patterns = pd.concat(patterns, ignore_index=True)
            own = set(patterns.itertuples(index=False, name=None)) if own is None else own
            wanted = spread(patterns, family_of, members)
            grown = pd.concat([forced, wanted, absent_parents(wanted, present, parents)], ignore_index=True) \
                .drop_duplicates()
            if len(grown) == len(forced):
                break
            forced = grown
            codes = [disclosure.FAMILY_OWN if key in own else disclosure.FAMILY
                     for key in forced.itertuples(index=False, name=None)]
            both = pd.concat([kept.to_pandas(), forced.assign(code=codes)], ignore_index=True) \
                .drop_duplicates(KEYS)  # a cell kept from the release before stays 'kept'
            self.engine.register("kept", pa.Table.from_pandas(both.astype("int32"), schema=KEPT_SCHEMA,
                                                              preserve_index=False))
        self._tick("disclosure", t)

    @property
    def _area_table(self) -> str:
        """The table that keys areas: with a published aggregate root, the areas and it."""
        return "area_keys" if self.aggregate == "published" else "areas"

    def _roll_up(self, chunk: tuple[int, int]) -> None:
        built = self.aggregate == "built"
        self.engine.materialize("cells", sqltext.cells_sql(self.n_levels, chunk, aggregate=built))
        self.engine.materialize("rolled", sqltext.rollup_sql(self.n_levels, aggregate=built))

    def _suppressed(self) -> pa.Table:
        table = "disclosure_areas" if self.aggregate else "areas"
        return _suppressed(self.engine, self.indicators, self._known, table)

    def _known(self, cells: pd.DataFrame) -> pd.Series:
        """Whether the attacker has each cell's count (integer keys) from the release before: its published
        numerator (the value of a sum or a published figure) is the same now, or its denominator where the
        indicator's rule counts the denominator. Withholding such a cell now protects nothing. Compared on
        the counts, not the value: a rate whose denominator was revised has a new value and the same count."""
        known = pd.Series(False, index=cells.index)
        if self.previous_values is None or cells.empty:
            return known
        names = self.indicators.set_index("ind_id")["indicator"]
        periods = self.periods.set_index("period_id")["period"]
        before = pq.read_table(
            self.previous_values, columns=["indicator", "area_code", "period", "breakdown", "value", "numerator",
                                           "denominator"],
            filters=[("indicator", "in", names.loc[cells["indicator"].unique()].tolist()),
                     ("period", "in", periods.loc[cells["period"].unique()].tolist())]).to_pandas()
        keys = pd.DataFrame({
            "indicator": before["indicator"].map(dict(zip(names.to_numpy(), names.index, strict=True))),
            "area_code": before["area_code"].map(dict(zip(self.areas["area_code"], self.areas["area_id"],
                                                          strict=True))),
            "period": before["period"].map(dict(zip(periods.to_numpy(), periods.index, strict=True))),
            "breakdown": before["breakdown"].map(dict(zip(self.breakdowns["breakdown"], self.breakdowns["bd_id"],
                                                          strict=True))),
            "count_before": before["numerator"].fillna(before["value"]).to_numpy(),
            "den_before": before["denominator"].to_numpy()})
        on = ["indicator", "area_code", "period", "breakdown"]
        keys = keys.dropna(subset=on)
        keys[on] = keys[on].astype("int64")
        merged = cells[on].astype("int64").merge(keys, on=on, how="left")
        count = cells["numerator"].fillna(cells["value"]).to_numpy(dtype="float64")
        same_count = np.isclose(count, merged["count_before"].to_numpy(dtype="float64"), rtol=1e-12, atol=0.0)
        same_den = np.isclose(cells["denominator"].to_numpy(dtype="float64"),
                              merged["den_before"].to_numpy(dtype="float64"), rtol=1e-12, atol=0.0)
        on_den = cells["indicator"].map(self.indicators.set_index("ind_id")["disclosure_on"]) \
            .isin(["denominator", "both"]).to_numpy()
        return pd.Series(same_count | (same_den & on_den), index=cells.index)

    def _tick(self, stage: str, since: float) -> float:
        now = time.perf_counter()
        self.timings[stage] = self.timings.get(stage, 0.0) + now - since
        return now

    def table(self) -> pa.Table:
        """All published rows at once, text as plain strings (small deployments and tests)."""
        return coded.plain(self.published(0, len(self.indicators) - 1))


def sort_order(keys: list[pa.ChunkedArray], sizes: list[int]) -> np.ndarray:
    """Indices that sort rows by ``keys`` (non-negative integers, the first the most significant; each key
    below its ``sizes`` entry). The keys are folded into one int64 when their sizes allow it (one sort of
    one column), else sorted together."""
    columns = [np.asarray(k.to_numpy(), dtype=np.int64) for k in keys]
    if not columns[0].size:
        return np.empty(0, dtype=np.int64)
    if math.prod(sizes) >= 2**63:
        return np.lexsort(columns[::-1])
    key = columns[0]
    for column, size in zip(columns[1:], sizes[1:], strict=True):
        key = key * size + column
    return np.argsort(key)


def compute(engine: Engine, config: Config, areas: pd.DataFrame, obs: pd.DataFrame | pa.Table,
            neighbours: pd.DataFrame, timings: dict[str, float] | None = None,
            withheld: pd.DataFrame | None = None, previous_values: Path | None = None,
            engine_tables: Sequence[str] = ()) -> Computation:
    """``withheld``: the cells (``indicator, area_code, period, breakdown``) withheld in the release now
    published; they stay withheld (indicators.disclosure, ``kept``). ``previous_values``: that release's
    indicator_values.parquet; a cell it published with the same value does not count as protection.
    ``engine_tables``: tables already in ``engine`` holding more observations (``OBS_FOR_ENGINE`` columns: the
    sources the engine read itself, etl.sources.engine_read), computed with ``obs``."""
    methods.checked(config)  # core's loader knows no method: a config made elsewhere is checked here
    timings = timings if timings is not None else {}
    n_levels = len(config.geography.levels)
    t0 = time.perf_counter()

    obs_table = obs if isinstance(obs, pa.Table) else pa.Table.from_pandas(obs[OBS_FOR_ENGINE],
                                                                            preserve_index=False)
    if engine_tables:
        engine.register("obs_etl", obs_table)
        engine.view("obs", " UNION ALL ".join(_as_observations(t) for t in ["obs_etl", *engine_tables]))
    else:
        engine.register("obs", obs_table)
    area_dim = _area_dimension(areas)
    ids = dict(zip(area_dim["area_code"], area_dim["area_id"], strict=True))
    engine.register("areas", area_dim)
    aggregate, members = _register_aggregate(engine, config, areas, area_dim)
    leaves = leaf_ancestors(areas, n_levels)
    leaves = leaves.apply(lambda col: col.map(ids))
    leaves = _aggregate_leaves(leaves, aggregate, members, len(area_dim), n_levels)
    # a ragged hierarchy leaves the skipped levels' ancestors null (core.geography.leaf_ancestors)
    engine.register("leaves", leaves.astype("Int32" if leaves.isna().any(axis=None) else "int32")
                    .rename(columns={"area_code": "area_id"}))
    measure_ids = {m.id: i for i, m in enumerate(sorted(config.measures, key=lambda m: m.id))}
    engine.register("measures", pd.DataFrame({"measure": list(measure_ids),
                                              "measure_id": pd.Series(measure_ids.values(), dtype="int32")}))
    periods = _periods(engine)
    engine.register("periods", periods)
    breakdowns = _breakdowns(engine)
    engine.register("breakdowns", breakdowns)
    engine.materialize("obs_k", sqltext.keys_sql(sort=bool(engine_tables) or not grouped_by_measure(obs),
                                                 area_table="area_keys" if aggregate == "published" else "areas"))
    engine.forget("obs")  # every later step reads obs_k: the source rows (20 M at national scale) can go
    if engine_tables:
        engine.forget("obs_etl")
    params = registry.parameter_table(config)  # base_period: the target's; else compare.sql takes the first
    params = _with_ids(params, measure_ids, dict(zip(periods["period"], periods["period_id"], strict=True)))
    engine.register("ind", params)
    engine.register("poisson", intervals.poisson_table())
    engine.register("neighbours", pd.DataFrame({
        "area_id": neighbours["area_code"].map(ids).astype("int32"),
        "neighbour_id": neighbours["neighbour_code"].map(ids).astype("int32")}))
    targets = registry.area_targets(config)
    engine.register("area_targets", pd.DataFrame({
        "ind_id": targets["indicator"].map(dict(zip(params["indicator"], params["ind_id"], strict=True)))
        .astype("int32"),
        "area_id": targets["area_code"].map(ids).astype("Int32"), "target": targets["target"]}))
    timings["prepare"] = time.perf_counter() - t0
    log.info("step=prepare levels=%d indicators=%d seconds=%.2f", n_levels, len(params),
             time.perf_counter() - t0)
    words = coded.dictionaries(params["indicator"], config.geography.levels, periods["period"],
                               breakdowns["breakdown"])
    comp = Computation(engine, params, area_dim, n_levels, len(periods), len(breakdowns), timings, words,
                       periods=periods, breakdowns=breakdowns, previous_values=previous_values,
                       aggregate=aggregate, aggregate_members=members)
    comp.protect_families(_kept(withheld, params, ids, periods, breakdowns))
    return comp


def _as_observations(table: str) -> str:
    """The observations of ``table`` with the engine's types (the ETL process's come as dictionaries)."""
    return ("SELECT CAST(measure AS STRING) AS measure, CAST(area_code AS STRING) AS area_code, "
            "CAST(period AS STRING) AS period, CAST(breakdown AS STRING) AS breakdown, "
            f"CAST(value AS DOUBLE) AS value, CAST(flags AS STRING) AS flags FROM {table}")


KEPT_SCHEMA = pa.schema([("ind_id", pa.int32()), ("area_id", pa.int32()), ("period_id", pa.int32()),
                         ("bd_id", pa.int32()), ("code", pa.int32())])


def _kept(withheld: pd.DataFrame | None, params: pd.DataFrame, area_ids: dict[str, int], periods: pd.DataFrame,
          breakdowns: pd.DataFrame) -> pa.Table:
    """The previously withheld cells with this run's integer keys; cells of indicators, areas, periods or
    breakdowns this run does not have are left out."""
    if withheld is None or withheld.empty:
        return KEPT_SCHEMA.empty_table()
    keys = pd.DataFrame({
        "ind_id": withheld["indicator"].map(dict(zip(params["indicator"], params["ind_id"], strict=True))),
        "area_id": withheld["area_code"].map(area_ids),
        "period_id": withheld["period"].map(dict(zip(periods["period"], periods["period_id"], strict=True))),
        "bd_id": withheld["breakdown"].map(dict(zip(breakdowns["breakdown"], breakdowns["bd_id"], strict=True))),
    }).dropna().astype("int32")
    keys["code"] = pd.Series(disclosure.KEPT, index=keys.index, dtype="int32")
    return pa.Table.from_pandas(keys, schema=KEPT_SCHEMA, preserve_index=False)


def grouped_by_measure(obs: pd.DataFrame | pa.Table) -> bool:
    """Whether the rows of each measure are (nearly) together: at most twice as many runs of one measure as
    measures. Sources are read a measure at a time, so they usually are. Told from the codes of a
    categorical (or single-chunk dictionary) column; plain text is not inspected (False: the keys step sorts)."""
    if isinstance(obs, pa.Table):
        column = obs.column("measure")
        if not pa.types.is_dictionary(column.type) or column.num_chunks != 1:
            return False
        codes, n_measures = column.chunk(0).indices.to_numpy(zero_copy_only=False), len(column.chunk(0).dictionary)
    elif isinstance(obs["measure"].dtype, pd.CategoricalDtype):
        codes, n_measures = obs["measure"].cat.codes.to_numpy(), len(obs["measure"].cat.categories)
    else:
        return False
    runs = int(np.count_nonzero(codes[1:] != codes[:-1])) + 1 if len(codes) else 0
    return runs <= 2 * max(n_measures, 1)


def _area_dimension(areas: pd.DataFrame) -> pd.DataFrame:
    """Areas with integer ids in code order (so sorting by id sorts by code)."""
    dim = areas[["area_code", "name", "level", "level_index", "parent_code", "top_code"]] \
        .sort_values("area_code").reset_index(drop=True)
    dim["area_id"] = pd.Series(range(len(dim)), dtype="int32")
    ids = dict(zip(dim["area_code"], dim["area_id"], strict=True))
    dim["parent_id"] = dim["parent_code"].map(ids).astype("Int32")
    dim["top_id"] = dim["top_code"].map(ids).astype("int32")
    return dim


def _register_aggregate(engine: Engine, config: Config, areas: pd.DataFrame, area_dim: pd.DataFrame
                        ) -> tuple[str | None, tuple[int, ...]]:
    """The aggregate root (geography.aggregate_root), its id one past the last area's: ``area_keys`` (the
    areas and it, for keying a published one's source rows) and ``disclosure_areas`` (each area's parent, the
    aggregate that of its member roots: it is their sum, so a withheld member must not be recoverable from
    it). Returns its source and its members' ids."""
    agg = config.geography.aggregate_root
    if agg is None:
        return None, ()
    ids = dict(zip(area_dim["area_code"], area_dim["area_id"], strict=True))
    members = tuple(sorted(ids[c] for c in aggregate_members(config.geography, areas)))
    agg_id = len(area_dim)
    engine.register("area_keys", pd.DataFrame({
        "area_code": [*area_dim["area_code"], agg.code],
        "area_id": pd.Series([*area_dim["area_id"], agg_id], dtype="int32")}))
    parent = area_dim["parent_id"].copy()
    parent[area_dim["area_id"].isin(members)] = agg_id
    engine.register("disclosure_areas", pd.DataFrame({
        "area_id": pd.Series([*area_dim["area_id"], agg_id], dtype="int32"),
        "parent_id": pd.Series([*parent, pd.NA], dtype="Int32")}))
    return agg.source, members


def _aggregate_leaves(leaves: pd.DataFrame, aggregate: str | None, members: tuple[int, ...], agg_id: int,
                      n_levels: int) -> pd.DataFrame:
    """``built``: each leaf of a member root carries the aggregate's id in ``ag`` (null otherwise);
    ``published``: the aggregate is one more leaf, with no ancestor (it is summed into nothing)."""
    if aggregate == "built":
        return leaves.assign(**{sqltext.AGGREGATE_COLUMN: leaves["a0"].isin(members).map({True: agg_id,
                                                                                          False: None})})
    if aggregate == "published":
        row = {"area_code": agg_id, **{f"a{d}": None for d in range(n_levels - 1)}, f"a{n_levels - 1}": agg_id}
        return pd.concat([leaves, pd.DataFrame([row])], ignore_index=True)
    return leaves


def _with_ids(params: pd.DataFrame, measure_ids: dict[str, int], period_ids: dict[str, int]) -> pd.DataFrame:
    params = params.sort_values("indicator").reset_index(drop=True)
    params["ind_id"] = pd.Series(range(len(params)), dtype="int32")
    params["num_id"] = params["numerator"].map(measure_ids).astype("Int32")
    params["den_id"] = params["denominator"].map(measure_ids).astype("Int32")
    params["base_period_id"] = params["base_period"].map(period_ids).astype("Int32")
    params["method_period_id"] = params["method_period"].map(period_ids).astype("Int32")
    return params


def _periods(engine: Engine) -> pd.DataFrame:
    """Every period seen, with ``t`` in years and ids in time order (LAG orders by id)."""
    periods = engine.query("SELECT DISTINCT period FROM obs").column("period").to_pylist()
    df = pd.DataFrame({"period": periods, "t": [period_time(p) for p in periods]})
    df = df.sort_values(["t", "period"]).reset_index(drop=True)
    df["period_id"] = pd.Series(range(len(df)), dtype="int32")
    return df


def _breakdowns(engine: Engine) -> pd.DataFrame:
    names = sorted(engine.query("SELECT DISTINCT breakdown FROM obs").column("breakdown").to_pylist())
    return pd.DataFrame({"breakdown": names, "bd_id": pd.Series(range(len(names)), dtype="int32")})


def protection_rules(params: pd.DataFrame) -> pd.DataFrame:
    """The disclosure rules :mod:`indicators.protection` checks, by indicator id."""
    return pd.DataFrame({
        "threshold": params["disclosure_threshold"].astype("float64").to_numpy(),
        "zero": params["disclosure_zero"].astype("float64").to_numpy(),
        "on": params["disclosure_on"].astype(object).where(params["disclosure_on"].notna(), None).to_numpy(),
        # methods whose parents are the sums of their children's counts (``published`` figures are not)
        "rolled_up": methods.by_name(params["method"], "rolled_up").to_numpy(dtype=bool),
        "protection": params["disclosure_protection"].astype("float64").to_numpy(),
    }, index=params["ind_id"].to_numpy())


def _reasons(out: pd.DataFrame, params: pd.DataFrame) -> list[str]:
    """The public note of each withheld cell: for an indicator with a disclosure rule (its own, or its family's),
    one text for every kind of disclosure control; the publisher's own for a confidential value; and for an
    indicator without a rule, which protects only confidential values, why (kept, or to protect one)."""
    threshold = dict(zip(params["ind_id"], params["disclosure_threshold"], strict=True))
    ruled = {i: t for i, t in threshold.items() if not pd.isna(t)}
    for ids in families(params):
        rule = [ruled[i] for i in ids if i in ruled]
        ruled.update({i: ruled.get(i, min(rule)) for i in ids} if rule else {})

    def text(i, kind):
        if kind == "confidential":
            return disclosure.CONFIDENTIAL_REASON
        if i in ruled:
            return disclosure.DISCLOSURE_REASON.format(threshold=int(ruled[i]))
        return disclosure.KEPT_REASON if kind == "kept" else disclosure.SECONDARY_REASON
    return [text(i, k) for i, k in zip(out["indicator"], out["kind"], strict=True)]


SUPPRESSED_SCHEMA = pa.schema([("ind_id", pa.int32()), ("area_id", pa.int32()), ("period_id", pa.int32()),
                               ("bd_id", pa.int32()), ("reason", pa.string())])


def _suppressed(engine: Engine, params: pd.DataFrame, known: Callable[[pd.DataFrame], pd.Series],
                area_table: str = "areas") -> pa.Table:
    """The withheld cells of the chunk and why (the ``suppressed`` table compare.sql reads); ``known`` tells
    which cells the release before published with the same value. ``area_table``: the areas and their parents
    (``disclosure_areas`` with an aggregate root)."""
    cells = engine.query(sqltext.disclosure_sql(area_table)).to_pandas()
    if cells.empty:
        return SUPPRESSED_SCHEMA.empty_table()
    cells["known"] = known(cells)
    cells["parent_code"] = cells["parent_code"].fillna(-1)
    out = disclosure.secondary_suppression(cells, protection_rules(params))
    out["reason"] = _reasons(out, params)
    out = out.rename(columns={"indicator": "ind_id", "area_code": "area_id", "period": "period_id",
                              "breakdown": "bd_id"})
    counts = out["kind"].value_counts()
    log.info("step=disclosure %s", " ".join(f"{k}={counts.get(k, 0)}" for k in
                                            (*disclosure.DISCLOSURE_KINDS, "confidential")))
    return pa.Table.from_pandas(out[SUPPRESSED_SCHEMA.names], schema=SUPPRESSED_SCHEMA, preserve_index=False)
