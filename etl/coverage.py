"""What has no data: the measures a source was read for and that have no observation left
(``no_observations``), with what a selection that matches nothing should have been, and the targets whose base
period has no observation (``base_period_without_data``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from core.config_models import Config, ValidationConfig
from core.periods import period_time
from etl.findings import FINDING_COLUMNS, LISTED, action, closest, empty_findings
from etl.observations import factorize
from indicators import methods


def measures_present(obs: pd.DataFrame) -> dict[str, set[str]]:
    """The measures each source has observations of. Counted on the categorical codes (one bincount over 20 M
    rows), not grouped."""
    if obs.empty:
        return {}
    source, measure = obs["source"], obs["measure"]
    if not (isinstance(source.dtype, pd.CategoricalDtype) and isinstance(measure.dtype, pd.CategoricalDtype)):
        pairs = obs[["source", "measure"]].drop_duplicates()
        out: dict[str, set[str]] = {}
        for s, m in zip(pairs["source"], pairs["measure"], strict=True):
            out.setdefault(s, set()).add(m)
        return out
    n = len(measure.cat.categories)
    key = source.cat.codes.to_numpy().astype(np.int64) * n + measure.cat.codes.to_numpy()
    counts = np.bincount(key[key >= 0], minlength=len(source.cat.categories) * n).reshape(-1, n)
    return {s: {measure.cat.categories[j] for j in np.flatnonzero(counts[i])}
            for i, s in enumerate(source.cat.categories)}


@dataclass(frozen=True)
class NoMatch:
    """A measure whose selection matches no row of its source: what it selects (column -> value, the file's
    own headers), the distinct values each of those columns holds, and the values other measures select
    alone (``taken``: not suggested, since they are another measure's rows)."""
    select: dict[str, str]
    held: dict[str, list[str]]
    taken: dict[str, set[str]] = field(default_factory=dict)

    def hint(self) -> str:
        """Why the selection matches nothing: what the selecting columns hold instead, with the closest value
        to the one selected (``no row has Measure 'Cases Closed' (the column 'Measure' holds ...; did you
        mean 'Cases closed'?)``)."""
        if not self.select:
            return "the source has no rows"
        wanted = " and ".join(f"{col} {value!r}" for col, value in self.select.items())
        parts = []
        for col, value in self.select.items():
            held = self.held.get(col, [])
            if value in held:
                continue
            listed = ", ".join(map(repr, held[:LISTED])) + (f" and {len(held) - LISTED} more"
                                                              if len(held) > LISTED else "")
            part = f"the column {col!r} holds {listed}" if held else f"the column {col!r} is blank on every row"
            near = closest(value, [v for v in held if v not in self.taken.get(col, set())])
            parts.append(part + (f"; did you mean {near!r}?" if near else ""))
        if not parts:
            return f"no row has {wanted} together"
        # several columns: one sentence each, so that a question mark never runs into a semicolon
        sentences = [p if p.endswith("?") or i == len(parts) - 1 else p + "." for i, p in enumerate(parts)]
        return f"no row has {wanted} (" + " ".join([sentences[0], *(x[0].upper() + x[1:] for x in sentences[1:])]) + ")"


def empty_measures(missing: list[str], source: str, file: str, rules: ValidationConfig | None,
                   unmatched: dict[str, NoMatch] | None = None) -> pd.DataFrame:
    """One ``no_observations`` finding per measure that the source was read for and that has no observation
    left (none in the file, or every row quarantined): its indicators get no value this run. ``warn`` by
    default; ``block`` stops a run whose source arrived empty. Nothing to quarantine, so that means warn.

    ``unmatched`` (measure -> :class:`NoMatch`, ``SourceExtract.unmatched``) names the measures whose
    selection matched no row of the file: their finding says what the selecting columns hold instead, with the
    closest value, and names those columns."""
    if not missing:
        return empty_findings()
    unmatched = unmatched or {}
    what = action("no_observations", rules)
    messages, columns = [], []
    for m in missing:
        text = f"no observation of measure {m!r} in source {source!r}"
        hint = f" {unmatched[m].hint()};" if m in unmatched else ""
        messages.append(f"{text}:{hint} the indicators computed from it have no value this run")
        columns.append(", ".join(unmatched[m].select) if m in unmatched else "measure")
    out = pd.DataFrame({
        "rule": "no_observations", "severity": "warn" if what == "quarantine" else what, "source": source,
        "file": file, "row": pd.array([None] * len(missing), dtype="Int64"), "column": columns,
        "measure": missing, "area_code": "", "period": "", "message": messages,
    })
    return out[FINDING_COLUMNS]


def base_period_findings(config: Config, indicators: Iterable[str], obs: pd.DataFrame) -> pd.DataFrame:
    """The findings about base periods: a target's without data (:func:`target_base_findings`), and the
    compute methods' own (``indicators.methods``: an index whose base period has no value in an area)."""
    indicators = list(indicators)
    found = [f for f in (target_base_findings(config, indicators, obs),
                         methods.findings(config, indicators, obs, FINDING_COLUMNS)) if not f.empty]
    return pd.concat(found, ignore_index=True) if found else empty_findings()


def target_base_findings(config: Config, indicators: Iterable[str], obs: pd.DataFrame) -> pd.DataFrame:
    """One ``base_period_without_data`` finding (always ``warn``) per indicator of ``indicators`` whose
    ``target.base_period`` has no observation of a measure it is computed from: its growth since the base
    period, and so its progress against the target, is empty in every area. The finding names the indicator,
    the base period and the periods that do have data (of every measure of the indicator). An indicator with
    no period of data at all says nothing here: the ``no_observations`` finding of its measure does."""
    wanted = set(indicators)
    targets = [(n, i) for n, i in enumerate(config.indicators)
               if i.id in wanted and i.target is not None and i.target.base_period]
    measures = {m for _, i in targets for m in i.compute.measures}
    if not measures or obs.empty:
        return empty_findings()
    rows = (obs["measure"].isin(measures) & obs["value"].notna()).to_numpy()
    m_codes, m_values = factorize(obs["measure"][rows])
    p_codes, p_values = factorize(obs["period"][rows])
    width = max(len(p_values), 1)
    periods: dict[str, set[str]] = {}
    for key in np.unique(m_codes.astype(np.int64) * width + p_codes):  # each (measure, period) once
        periods.setdefault(m_values[key // width], set()).add(p_values[key % width])
    out = []
    for n, ind in targets:
        base = ind.target.base_period
        lacking = [m for m in ind.compute.measures if base not in periods.get(m, set())]
        with_data = set.intersection(*(periods.get(m, set()) for m in ind.compute.measures))
        if not lacking or not with_data:
            continue
        source = config.source(config.measure(lacking[0]).source)
        listed = sorted(with_data, key=lambda p: (period_time(p), p))
        shown = ", ".join(listed) if len(listed) <= LISTED else \
            ", ".join(listed[:5]) + ", ..., " + ", ".join(listed[-5:]) + f" ({len(listed)} periods)"
        out.append({
            "rule": "base_period_without_data", "severity": "warn", "source": source.id, "file": source.where,
            "row": None, "column": "", "measure": lacking[0], "area_code": "", "period": base,
            "message": f"indicator {ind.id!r}: its target's base period {base!r} has no observation of measure"
                       f"{'s' if len(lacking) > 1 else ''} {' and '.join(map(repr, lacking))}; the periods with "
                       f"data are {shown}: its progress against the target (the growth since the base period) is "
                       f"empty in every area. Set indicators[{n}].target.base_period to one of them, or leave it out "
                       f"to use the first period with data ({listed[0]})",
        })
    if not out:
        return empty_findings()
    df = pd.DataFrame(out)
    df["row"] = pd.array(df["row"], dtype="Int64")
    return df[FINDING_COLUMNS]
