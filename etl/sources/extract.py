"""One source, from its configured location to validated observations.

locate (download a ``url`` when it changed) -> snapshot (sha256, dated copy under the store) -> read (the
format's connector) -> area codes (zero padding, mapping table, names) -> measures (observations) -> validation (rules of
the source, and against the previous release's observations of the same source).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from core.config_models import Config, MeasureConfig, SourceConfig
from core.errors import SourceError
from etl.observations import OBSERVATION_COLUMNS, extract_measures, factorize, missing_totals
from etl.sources import read_source, remote, snapshots, sql
from etl.sources.area_codes import apply_code_mapping, match_names, names_in_breakdowns, pad_source_codes
from etl.validate import (
    DROPPING,
    NoMatch,
    compare_with_previous,
    empty_findings,
    reader_findings,
    validate_observations,
)

log = logging.getLogger(__name__)


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


def extract_source(config: Config, source: SourceConfig, measures: list[MeasureConfig], known_areas: set[str],
                   areas: Callable[[], pd.DataFrame], *, count_measures: set[str],
                   frequencies: dict[str, str]) -> SourceExtract:
    store_root = Path(config.store)
    if source.format == "sql":
        frame = sql.fetch_frame(source)
        entry = snapshots.take_frame(store_root, source, frame)
        raw = sql.tidy_result(frame, source)
    else:
        local = source
        if source.remote:
            got = remote.fetch(source, store_root / "cache")
            local = source.model_copy(update={"path": str(got.path)})
        base, names = snapshots.source_files(local)
        entry = snapshots.take(store_root, local, base, names)
        raw = read_source(local)
    file = source.where
    rows_read = len(raw)
    found = list(raw.attrs.get("findings", []))
    headers = dict(raw.attrs.get("headers", {}))
    raw = pad_source_codes(raw, source)
    raw, more = apply_code_mapping(raw, source)
    found += more
    if "area_name" in raw.columns:
        raw, more = match_names(raw, areas())
        found += more
    if raw.attrs.get("defaults"):
        found += names_in_breakdowns(raw, areas())
    try:
        obs = extract_measures(raw, source, measures, config)
    except SourceError as exc:  # name the file's header ('year'), not the logical column ('period')
        raise (exc.at_column(headers[exc.column]) if exc.column in headers else exc) from None
    unmatched = unmatched_selections(raw, measures, obs)
    found += missing_totals(raw, measures)
    clean, checked = validate_observations(obs, known_areas, file, count_measures,
                                           frequencies={m: f for m, f in frequencies.items()
                                                        if m in {x.id for x in measures}},
                                           rules=source.validation, headers=headers)
    previous = snapshots.previous_observations(store_root, source.id)
    clean = clean[OBSERVATION_COLUMNS]
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
            threads=config.engine.threads, temp_directory=store_root / ".spill", headers=headers)
        if len(reference):
            # Jumps were quarantined: what the next run compares with is what is published, plus each held-back
            # value's previous one, so that the same jump is held back again (the first file is pruned later).
            kept = snapshots.keep_observations(store_root, source.id,
                                               pd.concat([clean, reference[OBSERVATION_COLUMNS]], ignore_index=True))
    entry["observations"] = kept
    findings = pd.concat([f for f in (reader_findings(found, source.id, file, source.validation), checked, history)
                          if not f.empty], ignore_index=True) if (found or len(checked) or len(history)) \
        else checked
    log.info("step=extract source=%s rows=%d observations=%d findings=%d quarantined=%d", source.id, len(raw),
             len(clean), len(findings), int(findings["severity"].isin(DROPPING).sum()))
    return SourceExtract(clean, findings, entry, rows_read, headers, unmatched)


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
