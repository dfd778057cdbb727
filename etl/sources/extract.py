"""Sources, from their configured location to validated observations: the reading steps of a run, which
``openmeasure config check --deep`` (:mod:`etl.deep_check`) uses too, with its own policy.

locate (download a ``url`` when it changed) -> snapshot (sha256, dated copy under the store) -> read (the
format's connector: :func:`read_raw`) -> :func:`observe`: area codes (zero padding, mapping table, names) ->
measures (observations) -> validation (rules of the source) -> and, in a run, against the previous release's
observations of the same source (:func:`extract_source`). :func:`read_sources` reads every source a run needs,
then checks the observations of all of them together (:func:`proportion_findings`, ``no_observations``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from core.config_models import Config, MeasureConfig, SourceConfig
from core.errors import SourceError
from etl.coverage import NoMatch, empty_measures, measures_present
from etl.findings import DROPPING, empty_findings, reader_findings
from etl.history_checks import compare_with_previous
from etl.observations import OBSERVATION_COLUMNS, extract_measures, factorize, missing_totals, same_categories
from etl.proportion_checks import check_proportions
from etl.sources import read_source, remote, snapshots, sql
from etl.sources.area_codes import apply_code_mapping, match_names, names_in_breakdowns, pad_source_codes
from etl.sources.engine_read import read_in_engine
from etl.sources.frictionless import locate
from etl.validate import validate_observations
from indicators import methods
from indicators.engine import Engine

log = logging.getLogger(__name__)

Progress = Callable[[str], None]


@dataclass
class Observed:
    """One source's raw table as observations: what :func:`observe` makes of it."""
    #: the observations that pass the source's rules (``OBSERVATION_COLUMNS`` and the checkers' own)
    observations: pd.DataFrame
    #: what the connector and the area-code steps found while reading (rows already left out), as dicts
    found: list[dict]
    #: the findings of the rules on the observations (etl.validate)
    checked: pd.DataFrame
    #: the file's own header of each logical column (``{"area_code": "district", "value": "Cases"}``)
    headers: dict[str, str]
    #: the measures whose selection matches no row of the file
    unmatched: dict[str, NoMatch]
    #: the observations before validation, when :func:`observe` was asked to keep them
    extracted: pd.DataFrame | None = None


@dataclass
class SourceExtract:
    observations: pd.DataFrame
    findings: pd.DataFrame
    entry: dict  # the manifest's sources[<id>] entry
    rows_read: int
    #: the file's own header of each logical column (``{"area_code": "district", "value": "Cases"}``), for
    #: findings made after reading (``check_proportions(headers=...)``)
    headers: dict[str, str] = field(default_factory=dict)
    #: the measures whose selection matches no row of the file, for ``empty_measures(unmatched=...)``
    unmatched: dict[str, NoMatch] = field(default_factory=dict)


@dataclass
class SourcesRead:
    """Every source a run needs, read: what :func:`read_sources` returns."""
    observations: pd.DataFrame
    findings: pd.DataFrame
    stats: list[dict]  # the catalogue's run_stats rows, one per source
    entries: dict[str, dict]  # the manifest's ``sources`` entries (sha256, snapshot, observations)
    #: the engine's tables of the observations of the sources it read itself (``read_by: engine``)
    engine_tables: list[str] = field(default_factory=list)


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


def read_raw(source: SourceConfig, snapshot_root: Path | None = None) -> tuple[pd.DataFrame, dict | None]:
    """The raw table of a source (a ``url`` already downloaded: ``source.path`` names the local file), read by
    its connector; with ``snapshot_root`` (the store), a dated copy is kept and its manifest entry returned."""
    if source.format == "sql":
        frame = sql.fetch_frame(source)
        entry = snapshots.take_frame(snapshot_root, source, frame) if snapshot_root is not None else None
        return sql.tidy_result(frame, source), entry
    entry = None
    if snapshot_root is not None:
        base, names = snapshots.source_files(source)
        entry = snapshots.take(snapshot_root, source, base, names)
    return read_source(source), entry


def observe(raw: pd.DataFrame, source: SourceConfig, measures: list[MeasureConfig], config: Config,
            known_areas: set[str] | None, areas: Callable[[], pd.DataFrame] | None, *, count_measures: set[str],
            frequencies: dict[str, str], keep_extracted: bool = False) -> Observed:
    """A source's raw table as validated observations: codes padded and mapped, names matched (``areas``:
    the areas table, when there is one), the measures selected, then the source's rules. ``known_areas``
    None takes every code as known. Raises :class:`SourceError` naming the file's own header."""
    found = list(raw.attrs.get("findings", []))
    headers = dict(raw.attrs.get("headers", {}))
    raw = pad_source_codes(raw, source)
    raw, more = apply_code_mapping(raw, source)
    found += more
    if "area_name" in raw.columns and areas is not None:
        raw, more = match_names(raw, areas())
        found += more
    if raw.attrs.get("defaults") and areas is not None:
        found += names_in_breakdowns(raw, areas())
    try:
        obs = extract_measures(raw, source, measures, config)
    except SourceError as exc:  # name the file's header ('year'), not the logical column ('period')
        raise (exc.at_column(headers[exc.column]) if exc.column in headers else exc) from None
    unmatched = unmatched_selections(raw, measures, obs)
    found += missing_totals(raw, measures)
    known = known_areas if known_areas is not None else set(obs["area_code"].unique())
    ids = {x.id for x in measures}
    clean, checked = validate_observations(obs, known, source.where, count_measures,
                                           frequencies={m: f for m, f in frequencies.items() if m in ids},
                                           rules=source.validation, headers=headers)
    return Observed(clean, found, checked, headers, unmatched, obs if keep_extracted else None)


def extract_source(config: Config, source: SourceConfig, measures: list[MeasureConfig], known_areas: set[str],
                   areas: Callable[[], pd.DataFrame], *, count_measures: set[str],
                   frequencies: dict[str, str]) -> SourceExtract:
    """One source as a run reads it: downloaded when it changed, snapshotted, observed, and compared with
    the previous release's observations of the same source (which are then replaced by these)."""
    store_root = Path(config.store)
    local = source
    if source.format != "sql" and source.remote:
        got = remote.fetch(source, store_root / "cache")
        local = source.model_copy(update={"path": str(got.path)})
    raw, entry = read_raw(local, store_root)
    file = source.where
    seen = observe(raw, source, measures, config, known_areas, areas, count_measures=count_measures,
                   frequencies=frequencies)
    previous = snapshots.previous_observations(store_root, source.id)
    clean = seen.observations[OBSERVATION_COLUMNS]
    kept = snapshots.keep_observations(store_root, source.id, clean)
    if previous is not None and store_root / kept == previous:
        # The kept file is named by its checksum: the same name means the same observations as the current
        # release's, so no value moved and no area stopped reporting. The comparison (two joins of the whole
        # source, the dearest step of a large run: bench/etl.py) is skipped, as on a scheduled run whose
        # source has not changed.
        history = empty_findings()
        log.info("step=compare source=%s unchanged since the current release", source.id)
    else:
        clean, history, reference = compare_with_previous(
            clean, previous, file, source.validation, memory_limit=config.engine.memory_limit,
            threads=config.engine.threads, temp_directory=store_root / ".spill", headers=seen.headers)
        if len(reference):
            # Jumps were quarantined: what the next run compares with is what is published, plus each held-back
            # value's previous one, so that the same jump is held back again (the first file is pruned later).
            kept = snapshots.keep_observations(store_root, source.id,
                                               pd.concat([clean, reference[OBSERVATION_COLUMNS]], ignore_index=True))
    entry["observations"] = kept
    found, checked = seen.found, seen.checked
    findings = pd.concat([f for f in (reader_findings(found, source.id, file, source.validation), checked, history)
                          if not f.empty], ignore_index=True) if (found or len(checked) or len(history)) \
        else checked
    findings = locate(findings, raw.attrs.get("parts"), file)  # a Frictionless resource's own files and lines
    log.info("step=extract source=%s rows=%d observations=%d findings=%d quarantined=%d", source.id, len(raw),
             len(clean), len(findings), int(findings["severity"].isin(DROPPING).sum()))
    return SourceExtract(clean, findings, entry, len(raw), seen.headers, seen.unmatched)


def proportion_findings(config: Config, obs: pd.DataFrame, headers: dict[str, dict[str, str]]
                        ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The observations of every source together, less the numerators above their denominator (of the
    proportions with Wilson intervals) that their source's rule drops; and those findings."""
    return check_proportions(obs, methods.proportion_pairs(config), {s.id: s.where for s in config.sources},
                             {s.id: s.validation for s in config.sources}, headers=headers)


def read_sources(config: Config, measures_needed: set[str], known_areas: set[str], progress: Progress,
                 areas: Callable[[], pd.DataFrame] | None = None, engine: Engine | None = None) -> SourcesRead:
    """Read every source that provides a needed measure (:func:`extract_source`), then check them together:
    proportions, and the measures left without any observation (``no_observations``). Whether a finding
    blocks the run is the caller's to say (``etl.findings.blocking``). A source with ``read_by: engine`` is
    read by ``engine`` (:mod:`etl.sources.engine_read`): its observations stay there, and are not in the
    proportion check."""
    frames, found, stats, entries, read, in_engine = [], [], [], {}, [], []
    counts, frequencies = methods.local_measures(config), measure_frequencies(config)
    areas = areas or _areas_once(config)
    for source in config.sources:
        measures = [m for m in config.measures if m.source == source.id and m.id in measures_needed]
        if not measures:
            continue
        if source.read_by == "engine":
            progress(f"reading source {source.id} in the engine")
            if engine is None:
                raise ValueError(f"source {source.id} is read by the engine (read_by: engine): give read_sources "
                                 "the engine")
            base, names = snapshots.source_files(source)
            entries[source.id] = snapshots.take(Path(config.store), source, base, names)
            # a folder: the files the snapshot took, no other (the engines' own folder rules differ)
            files = [str(base / n) for n in names] if Path(source.path).is_dir() else None
            got_e = read_in_engine(engine, source, measures, config, known_areas, count_measures=counts,
                                   frequencies=frequencies, files=files)
            in_engine.append(got_e.table)
            found.append(got_e.findings)
            found.append(empty_measures([m.id for m in measures if m.id not in got_e.measures], source.id,
                                        source.where, source.validation))
            stats.append({"kind": "source", "name": source.id, "rows_read": got_e.rows_read,
                          "rows_quarantined": got_e.rows_quarantined, "rows_written": got_e.rows_written,
                          "sha256": entries[source.id]["sha256"]})
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
    obs = pd.concat(same_categories(frames), ignore_index=True) if frames else \
        pd.DataFrame({c: pd.Series(dtype="float64" if c == "value" else object) for c in OBSERVATION_COLUMNS})
    obs, over = proportion_findings(config, obs, {s.id: got.headers for s, _, got in read})
    found.append(over)
    # after every rule that drops rows: a measure whose rows were all quarantined has no observation either
    present = measures_present(obs)
    for source, measures, got in read:
        kept = present.get(source.id, set())
        found.append(empty_measures([m for m in measures if m not in kept], source.id, source.where,
                                    source.validation, unmatched=got.unmatched))
    found = [f for f in found if not f.empty]
    return SourcesRead(obs, pd.concat(found, ignore_index=True) if found else empty_findings(), stats, entries,
                       in_engine)


def _areas_once(config: Config) -> Callable[[], pd.DataFrame]:
    """The areas table, loaded the first time a source needs it (names to match)."""
    from core.geography import load_areas

    cache: list[pd.DataFrame] = []

    def areas() -> pd.DataFrame:
        if not cache:
            cache.append(load_areas(config.geography))
        return cache[0]
    return areas


def unmatched_selections(raw: pd.DataFrame, measures: list[MeasureConfig], obs: pd.DataFrame
                         ) -> dict[str, NoMatch]:
    """The measures with no row in ``obs`` (their selection matched nothing in the raw table), each with what
    its selecting columns hold. Selections as :func:`etl.observations.extract_measures` makes them: ``select``,
    else the ``measure`` column holding the measure's id."""
    present = set(factorize(obs["measure"])[1]) if len(obs) else set()
    selects = {m.id: (dict(m.select) or ({"measure": m.id} if "measure" in raw.columns else {})) if len(raw) else {}
               for m in measures}  # an empty table: nothing to say about the columns
    missing = [m.id for m in measures if m.id not in present]
    if not missing:
        return {}
    taken: dict[str, set[str]] = {}
    for m, select in selects.items():
        if len(select) == 1 and m not in missing:
            col, value = next(iter(select.items()))
            taken.setdefault(col, set()).add(value)
    held: dict[str, list[str]] = {}
    for col in {c for m in missing for c in selects[m]}:
        if col in raw.columns:
            held[col] = sorted({str(v) for v in factorize(raw[col])[1] if isinstance(v, str) and v != ""})
    return {m: NoMatch(selects[m], {c: held.get(c, []) for c in selects[m]},
                       {c: taken.get(c, set()) for c in selects[m]}) for m in missing}
