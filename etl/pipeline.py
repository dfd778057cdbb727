"""The ETL run: a plan, then named steps, from the sources to a published and recorded release.

    plan -> read sources -> validate -> geography -> compute -> write release -> disclosure audit -> publish
    -> record

Each step is a small function of the run's :class:`RunContext`: it reads what the steps before it put there
and adds what it makes (the observations, the computation, the staged release...); every finding goes into
``ctx.findings`` as the step that makes it goes. :func:`run` is the one place that handles a failure: a run
that fails publishes nothing (the current release stays as it is), is recorded in the catalogue as failed with
the findings made so far, and the log names the step it failed in. Each step's duration is logged
(``step=<name> seconds=<s>``); ``RunResult.timings`` keeps the stage timings the benchmarks read.

The reading and validation of the sources are :mod:`etl.sources.extract`'s, which ``openmeasure config check
--deep`` (:mod:`etl.deep_check`) uses too, with its own policy.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import NoReturn

import pandas as pd
import pyarrow.parquet as pq

from core import catalogue
from core.built_with import built_with
from core.config import config_hash
from core.config_models import Config
from core.errors import ConfigError, OpenMeasureError, PublishedUnrecorded, StepFailed
from core.geography import aggregate_members, load_areas
from core.store import ReleaseStore
from etl import boundaries as boundary_files
from etl import cell_release
from etl.coverage import base_period_findings
from etl.demo import ensure_demo
from etl.findings import Findings, closest
from etl.locks import Held, LockLost
from etl.neighbour_features import feature_indicators, neighbours_of
from etl.release import write_release
from etl.release_values import withheld_cells
from etl.sources import engine_read, snapshots
from etl.sources.extract import SourcesRead, read_sources
from indicators import registry
from indicators.compute import Computation, compute
from indicators.engine import Engine, engine_error, make_engine
from indicators.families import with_families
from indicators.release_audit import audit_release

log = logging.getLogger(__name__)

Progress = Callable[[str], None]


@dataclass
class RunResult:
    run_id: int
    release_id: str
    path: Path
    rows: int
    timings: dict[str, float] = field(default_factory=dict)
    findings: int = 0


@dataclass
class RunContext:
    """What one run knows so far: set up by :func:`run`, filled in by the steps in their order."""

    config: Config
    job: str | None
    progress: Progress
    lock: Held | None
    db: object  # the catalogue's SQLAlchemy engine
    store: ReleaseStore
    run_id: int
    started: float = field(default_factory=time.perf_counter)
    findings: Findings = field(default_factory=Findings)
    stats: list[dict] = field(default_factory=list)  # the catalogue's run_stats rows
    timings: dict[str, float] = field(default_factory=dict)
    # plan
    inputs: dict = field(default_factory=dict)  # what the release is built with (etl.built_with)
    wanted: list[str] = field(default_factory=list)  # the indicators this run computes
    partial: bool = False  # the others are carried forward from the current release
    needed: set[str] = field(default_factory=set)  # the measures to read
    # read sources, validate
    areas: pd.DataFrame | None = None
    read: SourcesRead | None = None
    obs: pd.DataFrame | None = None
    checksums: dict[str, dict] = field(default_factory=dict)  # the manifest's sources entries
    engine_tables: list[str] = field(default_factory=list)  # observations of the sources the engine read
    # geography
    boundaries: dict | None = None
    neighbours: pd.DataFrame | None = None
    # compute, write release
    before: Path | None = None  # the current release's indicator values
    engine: Engine | None = None
    comp: Computation | None = None
    release_id: str | None = None
    staging: Path | None = None
    manifest: dict = field(default_factory=dict)
    per_indicator: dict[str, int] = field(default_factory=dict)
    # publish
    path: Path | None = None
    published: str | None = None
    pruned: int = 0

    @property
    def run_config(self) -> Config:
        """The config with only the indicators this run computes."""
        return self.config.model_copy(update={"indicators": [i for i in self.config.indicators
                                                             if i.id in self.wanted]})

    def close_engine(self) -> None:
        if self.engine is not None:
            self.engine.close()
            self.engine = None


def selected_indicators(config: Config, job: str | None) -> list[str]:
    if job is None:
        return [i.id for i in config.indicators]
    jobs = {s.id: s for s in config.schedules}
    if job not in jobs:
        raise OpenMeasureError(f"unknown job {job!r}; the config declares: {', '.join(jobs) or 'none'}")
    named = jobs[job].indicators or [i.id for i in config.indicators]
    # a job that names one indicator on a count refreshes the others on it too: they are protected together
    wanted = with_families(registry.parameter_table(config, {}), named)
    if len(wanted) > len(named):
        log.info("step=job job=%s also_refreshing=%s", job, ",".join(sorted(set(wanted) - set(named))))
    return wanted


def check_area_targets(config: Config, known: set[str]) -> None:
    """Raise :class:`ConfigError` for a per-area target whose area is not in the areas table (it would
    match nothing, and that area would be judged against the indicator's own target without a word)."""
    problems = []
    for n, ind in enumerate(config.indicators):
        for k, target in enumerate(ind.target.areas if ind.target else []):
            if target.area_code not in known:
                close = closest(target.area_code, sorted(known))
                hint = f"; did you mean {close!r}?" if close else ""
                problems.append(f"indicators[{n}].target.areas[{k}].area_code: {target.area_code!r} is not in the "
                                f"areas table (indicator {ind.id!r}){hint}")
    if problems:
        raise ConfigError(problems)


def without_observations(config: Config, wanted: list[str], findings: pd.DataFrame, store: ReleaseStore) -> list[str]:
    """The indicators of ``wanted`` that the published release has values of, and that a measure without
    any observation this run (a ``no_observations`` finding) would leave with none; with the other
    indicators on the same count (they are protected together, so they are kept together)."""
    empty = set(findings.loc[findings["rule"] == "no_observations", "measure"])
    if not empty or store.current_id() is None:
        return []
    starved = [i.id for i in config.indicators if i.id in wanted and set(i.compute.measures) & empty]
    if not starved:
        return []
    published = pq.read_table(store.path() / "indicator_values.parquet", columns=["indicator"],
                              filters=[("indicator", "in", starved)]).column("indicator").unique().to_pylist()
    if not published:
        return []
    return [i for i in with_families(registry.parameter_table(config, {}), published) if i in wanted]


def known_codes(config: Config, areas) -> set[str]:
    """The area codes a source's rows may carry: the geography's, and a published aggregate root's (its rows
    are its figures, geography.aggregate_root.source: published)."""
    agg = config.geography.aggregate_root
    aggregate_members(config.geography, areas)  # a wrong aggregate root stops the run before any source is read
    return set(areas.area_code) | ({agg.code} if agg is not None and agg.source == "published" else set())


# --- the steps ---------------------------------------------------------------------------------------------


def plan(ctx: RunContext) -> None:
    """Clean what an interrupted run left, generate the demo inputs, and choose the indicators and measures."""
    config, store = ctx.config, ctx.store
    for name in store.clean_partial():
        log.warning("step=cleanup removed=%s", name)
    if config.demo:
        demo_folder = Path(config.geography.areas.path).parent
        if ensure_demo(demo_folder):
            ctx.progress(f"generated the demo inputs in {demo_folder}")
    ctx.inputs = built_with(config)  # before anything is read: what this release is built with
    ctx.wanted = selected_indicators(config, ctx.job)
    ctx.partial = len(ctx.wanted) < len(config.indicators)
    if ctx.partial and store.current_id() is None:
        ctx.wanted, ctx.partial = [i.id for i in config.indicators], False  # nothing to carry forward yet
    features = feature_indicators(config)
    ctx.needed = {x for i in ctx.run_config.indicators for x in i.compute.measures}
    ctx.needed |= {x for i in config.indicators if i.id in features for x in i.compute.measures}


def read(ctx: RunContext) -> None:
    """The geography, then every source that provides a needed measure (:func:`etl.sources.extract.read_sources`)."""
    t = time.perf_counter()
    ctx.progress("loading the geography")
    ctx.areas = load_areas(ctx.config.geography)
    check_area_targets(ctx.config, set(ctx.areas.area_code))
    read = {m.source for m in ctx.config.measures if m.id in ctx.needed}
    if any(s.read_by == "engine" and s.id in read for s in ctx.config.sources):  # made now: it reads them
        ctx.engine = make_engine(ctx.config.engine, temp_directory=str(Path(ctx.config.store) / ".spill"))
    ctx.read = read_sources(ctx.config, ctx.needed, known_codes(ctx.config, ctx.areas), ctx.progress,
                            engine=ctx.engine)
    ctx.findings.add(ctx.read.findings)
    ctx.timings["extract"] = time.perf_counter() - t


def validate(ctx: RunContext) -> None:
    """Stop on a rule set to ``block``; keep as published the indicators a measure without observations
    would empty; say which targets' base periods have no data."""
    message = ctx.findings.blocking()
    if message:
        raise StepFailed("validate", message)
    got, ctx.read = ctx.read, None
    ctx.obs, ctx.stats, ctx.checksums = got.observations, got.stats, got.entries
    ctx.engine_tables = got.engine_tables
    del got
    config, store = ctx.config, ctx.store
    held = without_observations(config, ctx.wanted, ctx.findings.table(), store)
    if held:
        # a measure with no observation this run (a renamed series, a typo in a select): its indicators
        # keep what the published release has, rather than vanish from it with their history
        ctx.progress(f"keeping {', '.join(held)} as published in release {store.current_id()}: a measure "
                     "they are computed from has no observation this run")
        kept = {x for i in config.indicators if i.id in held for x in i.compute.measures}
        found = ctx.findings.table()
        ctx.findings.replace(found.assign(message=[
            m + f"; its indicators keep the values of release {store.current_id()}"
            if r == "no_observations" and x in kept else m
            for r, x, m in zip(found["rule"], found["measure"], found["message"], strict=True)]))
        ctx.wanted = [i for i in ctx.wanted if i not in held]
        if not ctx.wanted:
            raise StepFailed("validate", f"no indicator of this run has observations; release "
                             f"{store.current_id()} stays published as it is (see the no_observations findings)")
        ctx.partial = True
    # a target's base period without observations leaves progress empty: say so (a warning)
    ctx.findings.add(base_period_findings(config, ctx.wanted, ctx.obs))


def geography(ctx: RunContext) -> None:
    """Boundaries keyed by the area codes (what does not match is a finding, not a silently blank map), and
    each area's neighbours (a feature may be an indicator's value: etl.neighbour_features)."""
    config = ctx.config
    ctx.boundaries = boundary_files.normalise_all(config, ctx.areas)
    ctx.findings.add(boundary_files.findings(ctx.boundaries))
    ctx.neighbours, ties, used = neighbours_of(config, ctx.areas, ctx.obs, spill=str(Path(config.store) / ".spill"),
                                               engine=ctx.engine, engine_tables=ctx.engine_tables)
    for column, periods in used.items():
        ctx.progress(f"neighbour feature {column}: " + ", ".join(f"{lv} {p}" for lv, p in periods.items()))
    ctx.findings.add(ties)


def compute_values(ctx: RunContext) -> None:
    """Indicator values at every level; what the published release withheld stays withheld (comparing two
    releases must not reveal it), less the cells an operator released (openmeasure disclosure release-cell)."""
    config, store = ctx.config, ctx.store
    ctx.before = store.path() / "indicator_values.parquet" if store.current_id() else None
    withheld = withheld_cells(ctx.before) if ctx.before else None
    if withheld is not None:
        withheld = cell_release.not_released(withheld, ctx.db, store.current_id())
    run_config = ctx.run_config
    ctx.progress(f"computing {len(run_config.indicators)} indicators at {len(config.geography.levels)} levels")
    if ctx.engine is None:
        ctx.engine = make_engine(config.engine, temp_directory=str(Path(config.store) / ".spill"))
    try:
        ctx.comp = compute(ctx.engine, run_config, ctx.areas, ctx.obs, ctx.neighbours, ctx.timings,
                           withheld=withheld, previous_values=ctx.before, engine_tables=ctx.engine_tables)
    except Exception as exc:
        raise StepFailed("compute", str(exc)) from exc
    for table in ctx.engine_tables:  # keyed into obs_k now
        engine_read.forget(ctx.engine, table)
    ctx.obs = None  # the engine holds the keyed observations now; 20 M rows of pandas can go


def write(ctx: RunContext) -> None:
    """The release's files in a staging folder; the engine computes each chunk of indicators as they are
    written. Indicators not computed this run are carried forward from the current release."""
    config, store = ctx.config, ctx.store
    ctx.release_id = store.new_id()
    ctx.staging = store.staging(ctx.release_id)
    ctx.progress(f"writing release {ctx.release_id}")
    t = time.perf_counter()
    previous = store.path() / "indicator_values.parquet" if ctx.partial else None
    checksums = ctx.checksums
    if ctx.partial:  # carried indicators were built from the previous release's sources: still recorded
        configured = {s.id for s in config.sources}
        checksums = {k: v for k, v in store.manifest().get("sources", {}).items() if k in configured} | checksums
    carried = {i.id for i in config.indicators} - set(ctx.wanted) if ctx.partial else set()
    try:
        try:
            ctx.manifest, ctx.per_indicator = write_release(
                ctx.comp, ctx.staging, config=config, release_id=ctx.release_id, areas=ctx.areas,
                neighbours=ctx.neighbours, indicators=registry.metadata_table(config), quality=ctx.findings.table(),
                source_checksums=checksums, built_with=ctx.inputs, carry_forward=previous, carried=carried,
                boundaries=ctx.boundaries)
        except OpenMeasureError:
            raise
        except Exception as exc:  # the engine computes each chunk of indicators as the writer asks
            step = "compute" if engine_error(exc) else "write"  # a full disk stays chained as the cause
            raise StepFailed(step, f"{type(exc).__name__}: {exc}") from exc
        chunked = sum(ctx.timings.get(k, 0.0) for k in ("rollup", "values", "disclosure"))
        ctx.timings["compare_and_write"] = time.perf_counter() - t - chunked
    finally:
        ctx.close_engine()


def audit(ctx: RunContext) -> None:
    """The disclosure audit of the staged release (indicators.release_audit), as an attacker would run it: a
    release in which an attacker could narrow a small count is not published. Counts the release before
    published are left out here: disclosure control has already treated those that are still true as known
    (indicators.protection), and a stale one would only mislead the attacker."""
    t = time.perf_counter()
    failing = [r for r in audit_release(ctx.staging) if r.failing]
    if failing:
        first = failing[0].failing[0]
        raise StepFailed("disclosure audit", f"{sum(len(r.failing) for r in failing)} withheld small count(s) "
                         f"could be narrowed below their protection level from the published figures, e.g. "
                         f"{failing[0].indicator} {first['area_code']} {first['period']}: [{first['lo']:g}, "
                         f"{first['hi']:g}]; nothing was published (openmeasure disclosure audit explains)")
    ctx.timings["disclosure_audit"] = time.perf_counter() - t


def publish(ctx: RunContext) -> None:
    """Swap CURRENT to the staged release (the store lock confirmed right before), then prune old releases
    and snapshots (a failure there leaves the release published: what is left is pruned next time)."""
    config, store = ctx.config, ctx.store
    # every indicator the run computed, with no rows too: skip_unchanged reads this list
    ctx.stats += [{"kind": "indicator", "name": i, "rows_read": None, "rows_quarantined": None,
                   "rows_written": ctx.per_indicator.get(i, 0), "sha256": None} for i in ctx.wanted]
    t = time.perf_counter()
    ctx.path = store.publish(ctx.staging, ctx.release_id,
                             before_swap=ctx.lock.confirm if ctx.lock is not None else None)
    ctx.staging = None
    ctx.published = ctx.release_id
    try:
        ctx.pruned = len(store.prune(config.publication.keep_releases))
    except OSError as exc:
        log.warning("step=prune error=%s", exc)
    try:
        snapshots.prune(Path(config.store))
    except OSError as exc:  # a snapshot left behind is removed next time
        log.warning("step=prune-snapshots error=%s", exc)
    ctx.timings["publish"] = time.perf_counter() - t
    ctx.timings["total"] = time.perf_counter() - ctx.started


def record(ctx: RunContext) -> None:
    """The run's success in the catalogue; a catalogue that went away after the publish is
    :class:`PublishedUnrecorded` (the release stands)."""
    rows = ctx.manifest["files"]["indicator_values.parquet"]["rows"]
    try:
        catalogue.finish_run(ctx.db, ctx.run_id, status="succeeded", release_id=ctx.release_id, stats=ctx.stats,
                             found=ctx.findings.table())
    except Exception as exc:
        log.error("step=record release=%s state=published_not_recorded error=%s", ctx.release_id, exc)
        raise PublishedUnrecorded(ctx.release_id, exc) from exc
    log.info("step=publish release=%s rows=%d pruned=%d", ctx.release_id, rows, ctx.pruned)


#: The steps of a run, in their order: (name, function of the run's context).
STEPS: list[tuple[str, Callable[[RunContext], None]]] = [
    ("plan", plan), ("read sources", read), ("validate", validate), ("geography", geography),
    ("compute", compute_values), ("write release", write), ("disclosure audit", audit), ("publish", publish),
    ("record", record),
]


def run(config: Config, job: str | None = None, progress: Progress | None = None,
        lock: Held | None = None, *, run_id: int | None = None) -> RunResult:
    """Run the pipeline once and publish a release. Raises on failure, having published nothing, except
    :class:`PublishedUnrecorded` (published, not recorded). ``lock``: the store lock the runner holds; it is
    confirmed right before CURRENT is replaced (if it is lost, nothing is published), and a run that fails
    after losing it (another run may have removed its temporary folder) fails with :class:`LockLost`.
    ``run_id``: the catalogue row recorded for this run already (etl/runner.py records it as soon as it holds
    the lock); without it a row is started here."""
    db = catalogue.connect(config.catalogue)
    store = ReleaseStore(config.store)
    if run_id is None:
        run_id = catalogue.start_run(db, job or "manual", config_hash(config))
    ctx = RunContext(config, job, progress or (lambda msg: log.info("step=%s", msg)), lock, db, store, run_id)
    step = STEPS[0][0]
    try:
        for step, do in STEPS:
            t = time.perf_counter()
            do(ctx)
            log.info("step=%s seconds=%.2f", step.replace(" ", "_"), time.perf_counter() - t)
    except PublishedUnrecorded:
        raise
    except BaseException as failure:
        _fail(ctx, step, failure)  # always raises
        raise
    return RunResult(run_id, ctx.release_id, ctx.path, ctx.manifest["files"]["indicator_values.parquet"]["rows"],
                     ctx.timings, len(ctx.findings))


def _fail(ctx: RunContext, step: str, failure: BaseException) -> NoReturn:
    """The one place a failed run is handled. Nothing is published: the staged release is removed and CURRENT
    is untouched, unless the failure came after the publish (pruning, recording), when the release stands and
    the run is :class:`PublishedUnrecorded`. The run is recorded as failed with the findings made so far and
    the step that failed. A run whose lock was lost meanwhile fails with :class:`LockLost` (what went wrong
    first: the cause stays chained)."""
    exc, lock = failure, ctx.lock
    if lock is not None and lock.lost.is_set() and not isinstance(exc, LockLost) and ctx.published is None:
        exc = LockLost(lock.name, lock.reason)
        exc.__cause__ = failure
    try:
        ctx.close_engine()
    except Exception as closing:  # noqa: BLE001 - the run's own error matters more
        log.warning("step=%s engine_close_error=%s", step, closing)
    if ctx.staging is not None:
        ctx.store.discard(ctx.staging)
    error = f"{type(exc).__name__}: {exc}"
    if not isinstance(exc, StepFailed):  # a StepFailed names its step already
        error += f" (step {step!r})"
    if ctx.published is not None:  # published, then something failed (pruning...): the release stands
        error = f"release {ctx.published} was published; then {error}"
    log.error("step=%s state=failed error=%s", step.replace(" ", "_"), error)
    try:
        catalogue.finish_run(ctx.db, ctx.run_id, status="succeeded" if ctx.published else "failed", error=error,
                             release_id=ctx.published, stats=ctx.stats, found=ctx.findings.table())
    except Exception as record:  # noqa: BLE001 - the catalogue is down too: the run's own error matters more
        log.error("step=record state=failed_not_recorded error=%s", record)
        exc.add_note(f"(the catalogue could not record this failed run either: {type(record).__name__})")
    if ctx.published is not None and isinstance(exc, Exception):
        raise PublishedUnrecorded(ctx.published, exc) from exc
    if exc is not failure:
        raise exc from failure
    raise failure
