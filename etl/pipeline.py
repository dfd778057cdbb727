"""The ETL run: sources -> observations -> validation -> indicator values -> a published release.

Each step is a function from tables to a table; this module only strings them together, records the run in
the catalogue and makes sure that a failure anywhere publishes nothing.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

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
from etl.demo import ensure_demo
from etl.locks import Held, LockLost
from etl.neighbour_features import feature_indicators, neighbours_of
from etl.observations import same_categories
from etl.release import write_release
from etl.release_values import withheld_cells
from etl.sources import snapshots
from etl.sources.extract import extract_source
from etl.validate import (
    DROPPING,
    base_period_findings,
    blocking,
    check_proportions,
    closest,
    empty_findings,
    empty_measures,
    measures_present,
)
from indicators import registry
from indicators.compute import compute
from indicators.engine import engine_error, make_engine
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


def read_observations(config: Config, measures_needed: set[str], known_areas: set[str],
                      progress: Progress) -> tuple[pd.DataFrame, pd.DataFrame, list[dict], dict[str, dict]]:
    """Read every source that provides a needed measure. Returns observations, findings, stats, and the
    manifest's ``sources`` entries (sha256, snapshot, observations). Raises :class:`StepFailed` (with the
    findings attached) when a rule set to ``block`` fired."""
    frames, found, stats, entries, read = [], [], [], {}, []
    counts = {x for i in config.indicators if i.compute.method != "published" for x in i.compute.measures}
    frequencies = measure_frequencies(config)
    areas_cache: list[pd.DataFrame] = []

    def areas() -> pd.DataFrame:
        if not areas_cache:
            areas_cache.append(load_areas(config.geography))
        return areas_cache[0]

    for source in config.sources:
        measures = [m for m in config.measures if m.source == source.id and m.id in measures_needed]
        if not measures:
            continue
        progress(f"reading source {source.id}")
        got = extract_source(config, source, measures, known_areas, areas, count_measures=counts,
                             frequencies=frequencies)
        entries[source.id] = got.entry
        frames.append(got.observations)
        found.append(got.findings)
        read.append((source, [m.id for m in measures], got))
        stats.append({"kind": "source", "name": source.id, "rows_read": got.rows_read,
                      "rows_quarantined": int(got.findings["severity"].isin(DROPPING).sum()),
                      "rows_written": len(got.observations), "sha256": got.entry["sha256"]})
    # codes stay categorical (DuckDB reads them as VARCHAR): no string per row is built
    obs = pd.concat(same_categories(frames), ignore_index=True)
    pairs = [(i.compute.numerator, i.compute.denominator) for i in config.indicators
             if i.compute.method == "ratio" and registry.interval_method(i) == "wilson"]
    obs, over = check_proportions(obs, pairs, {s.id: s.where for s in config.sources},
                                  {s.id: s.validation for s in config.sources},
                                  headers={s.id: got.headers for s, _, got in read})
    found.append(over)
    # after every rule that drops rows: a measure whose rows were all quarantined has no observation either
    present = measures_present(obs)
    for source, measures, got in read:
        kept = present.get(source.id, set())
        found.append(empty_measures([m for m in measures if m not in kept], source.id, source.where,
                                    source.validation, unmatched=got.unmatched))
    found = [f for f in found if not f.empty]
    findings = pd.concat(found, ignore_index=True) if found else empty_findings()
    message = blocking(findings)
    if message:
        exc = StepFailed("validate", message)
        exc.findings = findings  # type: ignore[attr-defined]  # recorded in the catalogue by run()
        raise exc
    return obs, findings, stats, entries


def measure_frequencies(config: Config) -> dict[str, str]:
    """Each measure's declared frequency: its own ``frequency``, else that of the indicators using it when
    they agree."""
    seen: dict[str, set[str]] = {}
    for i in config.indicators:
        for m in i.compute.measures:
            seen.setdefault(m, set()).add(i.frequency)
    out = {m: next(iter(f)) for m, f in seen.items() if len(f) == 1}
    out.update({m.id: m.frequency for m in config.measures if m.frequency})
    return out


def _audit(staging: Path) -> None:
    """The disclosure audit of the staged release (indicators.release_audit), as an attacker would run it.
    Counts the release before published are left out here: disclosure control has already treated those that
    are still true as known (indicators.protection), and a stale one would only mislead the attacker."""
    failing = [r for r in audit_release(staging) if r.failing]
    if failing:
        first = failing[0].failing[0]
        raise StepFailed("disclosure audit", f"{sum(len(r.failing) for r in failing)} withheld small count(s) "
                         f"could be narrowed below their protection level from the published figures, e.g. "
                         f"{failing[0].indicator} {first['area_code']} {first['period']}: [{first['lo']:g}, "
                         f"{first['hi']:g}]; nothing was published (openmeasure disclosure audit explains)")


def run(config: Config, job: str | None = None, progress: Progress | None = None,
        lock: Held | None = None, *, run_id: int | None = None) -> RunResult:
    """Run the pipeline once and publish a release. Raises on failure, having published nothing, except
    :class:`PublishedUnrecorded` (published, not recorded). ``lock``: the store lock the runner holds; it is
    confirmed right before CURRENT is replaced (if it is lost, nothing is published), and a run that fails
    after losing it (another run may have removed its temporary folder) fails with :class:`LockLost`.
    ``run_id``: the catalogue row recorded for this run already (etl/runner.py records it as soon as it holds
    the lock); without it a row is started here."""
    progress = progress or (lambda msg: log.info("step=%s", msg))
    db = catalogue.connect(config.catalogue)
    store = ReleaseStore(config.store)
    if run_id is None:
        run_id = catalogue.start_run(db, job or "manual", config_hash(config))
    staging = None
    published: str | None = None
    stats: list[dict] = []
    findings = empty_findings()
    timings: dict[str, float] = {}
    t_start = time.perf_counter()
    try:
        for name in store.clean_partial():
            log.warning("step=cleanup removed=%s", name)
        if config.demo:
            demo_folder = Path(config.geography.areas.path).parent
            if ensure_demo(demo_folder):
                progress(f"generated the demo inputs in {demo_folder}")
        inputs = built_with(config)  # before anything is read: what this release is built with
        wanted = selected_indicators(config, job)
        partial = len(wanted) < len(config.indicators)
        if partial and store.current_id() is None:
            wanted, partial = [i.id for i in config.indicators], False  # nothing to carry forward yet
        run_config = config.model_copy(update={"indicators": [i for i in config.indicators if i.id in wanted]})
        needed = {x for i in run_config.indicators for x in i.compute.measures}
        needed |= {x for i in config.indicators if i.id in feature_indicators(config) for x in i.compute.measures}

        t = time.perf_counter()
        progress("loading the geography")
        areas = load_areas(config.geography)
        check_area_targets(config, set(areas.area_code))
        obs, findings, stats, checksums = read_observations(config, needed, known_codes(config, areas), progress)
        timings["extract"] = time.perf_counter() - t
        held = without_observations(config, wanted, findings, store)
        if held:
            # a measure with no observation this run (a renamed series, a typo in a select): its indicators
            # keep what the published release has, rather than vanish from it with their history
            progress(f"keeping {', '.join(held)} as published in release {store.current_id()}: a measure "
                     "they are computed from has no observation this run")
            kept = {x for i in config.indicators if i.id in held for x in i.compute.measures}
            findings = findings.assign(message=[
                m + f"; its indicators keep the values of release {store.current_id()}"
                if r == "no_observations" and x in kept else m
                for r, x, m in zip(findings["rule"], findings["measure"], findings["message"], strict=True)])
            wanted = [i for i in wanted if i not in held]
            if not wanted:
                exc = StepFailed("validate", f"no indicator of this run has observations; release "
                                 f"{store.current_id()} stays published as it is (see the no_observations findings)")
                exc.findings = findings  # type: ignore[attr-defined]  # recorded in the catalogue by run()
                raise exc
            partial = True
            run_config = config.model_copy(update={"indicators": [i for i in config.indicators if i.id in wanted]})

        # a target's base period without observations leaves progress empty: say so (a warning)
        unmeasured = base_period_findings(config, wanted, obs)
        if not unmeasured.empty:
            findings = pd.concat([f for f in (findings, unmeasured) if not f.empty], ignore_index=True)

        # boundaries keyed by our area codes; what does not match is a finding, not a silently blank map
        boundaries = boundary_files.normalise_all(config, areas)
        found_on_maps = boundary_files.findings(boundaries)
        if not found_on_maps.empty:
            findings = pd.concat([f for f in (findings, found_on_maps) if not f.empty], ignore_index=True)

        # after the observations: a feature may be an indicator's value (etl.neighbour_features)
        neighbours, ties, used = neighbours_of(config, areas, obs, spill=str(Path(config.store) / ".spill"))
        for column, periods in used.items():
            progress(f"neighbour feature {column}: " + ", ".join(f"{lv} {p}" for lv, p in periods.items()))
        if not ties.empty:
            findings = pd.concat([f for f in (findings, ties) if not f.empty], ignore_index=True)

        # what the published release withheld stays withheld: comparing two releases must not reveal it
        before = store.path() / "indicator_values.parquet" if store.current_id() else None
        withheld = withheld_cells(before) if before else None
        if withheld is not None:  # less the cells an operator released (openmeasure disclosure release-cell)
            withheld = cell_release.not_released(withheld, db, store.current_id())
        progress(f"computing {len(run_config.indicators)} indicators at {len(config.geography.levels)} levels")
        engine = make_engine(config.engine, temp_directory=str(Path(config.store) / ".spill"))
        try:
            try:
                comp = compute(engine, run_config, areas, obs, neighbours, timings, withheld=withheld,
                               previous_values=before)
            except Exception as exc:
                raise StepFailed("compute", str(exc)) from exc
            del obs  # the engine holds the keyed observations now; 20 M rows of pandas can go
            release_id = store.new_id()
            staging = store.staging(release_id)
            progress(f"writing release {release_id}")
            t = time.perf_counter()
            previous = store.path() / "indicator_values.parquet" if partial else None
            if partial:  # carried indicators were built from the previous release's sources: still recorded
                configured = {s.id for s in config.sources}
                checksums = {k: v for k, v in store.manifest().get("sources", {}).items()
                             if k in configured} | checksums
            carried = {i.id for i in config.indicators} - set(wanted) if partial else set()
            try:
                manifest, per_indicator = write_release(
                    comp, staging, config=config, release_id=release_id, areas=areas, neighbours=neighbours,
                    indicators=registry.metadata_table(config), quality=findings, source_checksums=checksums,
                    built_with=inputs, carry_forward=previous, carried=carried, boundaries=boundaries)
            except OpenMeasureError:
                raise
            except Exception as exc:  # the engine computes each chunk of indicators as the writer asks
                step = "compute" if engine_error(exc) else "write"  # a full disk stays chained as the cause
                raise StepFailed(step, f"{type(exc).__name__}: {exc}") from exc
            chunked = sum(timings.get(k, 0.0) for k in ("rollup", "values", "disclosure"))
            timings["compare_and_write"] = time.perf_counter() - t - chunked
            t = time.perf_counter()
            _audit(staging)  # a release in which an attacker could narrow a small count is not published
            timings["disclosure_audit"] = time.perf_counter() - t
        finally:
            engine.close()
        # every indicator the run computed, with no rows too: skip_unchanged reads this list
        stats += [{"kind": "indicator", "name": i, "rows_read": None, "rows_quarantined": None,
                   "rows_written": per_indicator.get(i, 0), "sha256": None} for i in wanted]
        t = time.perf_counter()
        path = store.publish(staging, release_id, before_swap=lock.confirm if lock is not None else None)
        staging = None
        published = release_id
        try:
            removed = store.prune(config.publication.keep_releases)
        except OSError as exc:  # the release is published; what is left is pruned next time
            log.warning("step=prune error=%s", exc)
            removed = []
        try:
            snapshots.prune(Path(config.store))
        except OSError as exc:  # the release is published; a snapshot left behind is removed next time
            log.warning("step=prune-snapshots error=%s", exc)
        timings["publish"] = time.perf_counter() - t
        timings["total"] = time.perf_counter() - t_start
        rows = manifest["files"]["indicator_values.parquet"]["rows"]
        try:
            catalogue.finish_run(db, run_id, status="succeeded", release_id=release_id, stats=stats,
                                 found=findings)
        except Exception as exc:  # the catalogue went away after the publish: say what really happened
            log.error("step=record release=%s state=published_not_recorded error=%s", release_id, exc)
            raise PublishedUnrecorded(release_id, exc) from exc
        log.info("step=publish release=%s rows=%d pruned=%d", release_id, rows, len(removed))
        return RunResult(run_id, release_id, path, rows, timings, len(findings))
    except PublishedUnrecorded:
        raise
    except BaseException as failure:
        exc = failure
        if lock is not None and lock.lost.is_set() and not isinstance(exc, LockLost) and published is None:
            exc = LockLost(lock.name, lock.reason)  # what went wrong first: the cause stays chained
            exc.__cause__ = failure
        if staging is not None:
            store.discard(staging)
        error = f"{type(exc).__name__}: {exc}"
        if published is not None:  # published, then something failed (pruning...): the release stands
            error = f"release {published} was published; then {error}"
        try:
            catalogue.finish_run(db, run_id, status="succeeded" if published else "failed", error=error,
                                 release_id=published, stats=stats, found=getattr(exc, "findings", findings))
        except Exception as record:  # noqa: BLE001 - the catalogue is down too: the run's own error matters more
            log.error("step=record state=failed_not_recorded error=%s", record)
            exc.add_note(f"(the catalogue could not record this failed run either: {type(record).__name__})")
        if published is not None and isinstance(exc, Exception):
            raise PublishedUnrecorded(published, exc) from exc
        if exc is not failure:
            raise exc from failure
        raise
