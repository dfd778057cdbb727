"""Revisions between two releases: which public values changed, appeared or disappeared, by how much, and why.

Both sides are read through the public reader (suppressed cells already withheld), so a revision can never
reveal a withheld value: a cell that was suppressed in one release shows as a change of status only.

Why is read from what the two releases record (:func:`explanation`): which sources' data changed (the
checksums in the manifests), which indicators' definitions changed (how they are computed), whether the
geography, the configuration or the software changed. Each changed cell gets a ``reason`` in words from its
indicator's part of that, or from its change of status (withheld, no longer provisional, ...).
"""

from __future__ import annotations

import json

import duckdb
import pyarrow as pa

from dashboard.api import reading
from dashboard.components.fmt import text
from dashboard.release_reader import Release

COLUMNS = ["indicator", "area_code", "area_name", "level", "period", "breakdown", "value", "status"]
KINDS = ("revised", "added", "removed", "status")

#: Relative difference below which two values are the same figure. Rebuilding a release sums the same
#: floats in another order, which moves the last bit (up to 6e-16 relative; see docs/methodology.md):
#: that is not a revision. A revision of any published precision is many orders of magnitude larger.
TOLERANCE = 1e-12
#: Whether the value changed: it appeared, disappeared, or moved by more than the tolerance.
DIFFERS = ("((o.value IS NULL) <> (n.value IS NULL) OR ABS(n.value - o.value) > "
           f"{TOLERANCE} * GREATEST(ABS(o.value), ABS(n.value)))")

_SQL = f"""
SELECT
    COALESCE(n.indicator, o.indicator) AS indicator,
    COALESCE(n.area_code, o.area_code) AS area_code,
    COALESCE(n.area_name, o.area_name) AS area_name,
    COALESCE(n.level, o.level) AS level,
    COALESCE(n.period, o.period) AS period,
    COALESCE(n.breakdown, o.breakdown) AS breakdown,
    o.value AS old_value, n.value AS new_value,
    n.value - o.value AS change,
    CASE WHEN o.value IS NOT NULL AND o.value <> 0 THEN (n.value - o.value) / ABS(o.value) * 100 END
        AS change_percent,
    o.status AS old_status, n.status AS new_status,
    CASE
        WHEN o.indicator IS NULL THEN 'added'
        WHEN n.indicator IS NULL THEN 'removed'
        WHEN {DIFFERS} THEN 'revised'
        ELSE 'status'
    END AS kind
FROM old_values o
FULL OUTER JOIN new_values n
    ON o.indicator = n.indicator AND o.area_code = n.area_code AND o.period = n.period
   AND o.breakdown = n.breakdown
WHERE o.indicator IS NULL OR n.indicator IS NULL
   OR {DIFFERS} OR o.status IS DISTINCT FROM n.status
"""

#: The reason of each changed cell: a change of status says it; otherwise its indicator's reason.
_REASON_SQL = f"""
SELECT c.*,
    CASE
        WHEN c.new_status = '{reading.SUPPRESSED}' AND c.old_status IS DISTINCT FROM '{reading.SUPPRESSED}'
            THEN 'withheld to protect individuals (disclosure control)'
        WHEN c.old_status = '{reading.SUPPRESSED}' AND c.new_status IS DISTINCT FROM '{reading.SUPPRESSED}'
            THEN 'no longer withheld; ' || COALESCE(r.reason, $none)
        WHEN c.kind = 'status'
            THEN 'status changed from ' || c.old_status || ' to ' || c.new_status
        WHEN c.kind = 'revised' AND c.old_status IS DISTINCT FROM c.new_status
            THEN COALESCE(r.reason, $none) || '; status changed from ' || c.old_status || ' to '
                 || c.new_status
        ELSE COALESCE(r.reason, $none)
    END AS reason
FROM changes c LEFT JOIN reasons r ON r.indicator = c.indicator
ORDER BY c.indicator, c.level, c.area_code, c.period, c.breakdown
"""

#: Columns of an indicator that say how its values are computed: a change in one is a change of definition
#: (a new title or caveat is not).
DEFINITION_COLUMNS = ("method", "aggregation", "numerator", "denominator", "multiplier", "interval", "disclosure",
                      "min_coverage")
NOTHING_RECORDED = ("recomputed; neither release records a change of its source data, definition, geography, "
                    "configuration or software")


def revisions(old: Release, new: Release, indicators: tuple[str, ...] | None = None,
              why: dict | None = None) -> pa.Table:
    """One row per changed cell, with its ``reason``; values are the same when they differ by at most
    :data:`TOLERANCE` of their size (floating-point noise between two builds of the same figures is not a
    revision). ``why`` is :func:`explanation` of the two releases when the caller already has it."""
    why = explanation(old, new) if why is None else why
    q = reading.ValueQuery(indicators=indicators)
    old_values = reading.read_table(old, q, COLUMNS)
    new_values = reading.read_table(new, q, COLUMNS)
    reasons = pa.table({"indicator": list(why["indicators"]), "reason": list(why["indicators"].values())},
                       schema=pa.schema([("indicator", pa.string()), ("reason", pa.string())]))
    con = duckdb.connect()
    try:
        con.register("old_values", old_values)
        con.register("new_values", new_values)
        con.register("reasons", reasons)
        con.register("changes", con.sql(_SQL).to_arrow_table())
        return con.sql(_REASON_SQL, params={"none": NOTHING_RECORDED}).to_arrow_table()
    finally:
        con.close()


def _sources(release: Release) -> dict[str, dict[str, str]]:
    """indicator id -> {source id: title} of the release's public indicators."""
    out: dict[str, dict[str, str]] = {}
    for ind, raw in zip(release.indicators["id"], release.indicators["sources"], strict=True):
        out[ind] = {s["id"]: s.get("title") or s["id"] for s in json.loads(text(raw) or "[]") if s.get("id")}
    return out


def _definition(release: Release, ind: str) -> tuple:
    df = release.indicators
    row = df[df["id"] == ind].iloc[0]
    return tuple(text(row[c]) if c in df.columns else None for c in DEFINITION_COLUMNS)


def explanation(old: Release, new: Release) -> dict:
    """What changed between two releases that can move a figure, from what each release records: the
    sources whose data changed (manifest checksums), the indicators whose definition changed, and whether
    the geography, the configuration or the software changed; with each public indicator's ``reason`` in
    words. Only the sources of public indicators are named, by id and title (never a path or URL)."""
    om, nm = old.manifest, new.manifest
    old_src, new_src = _sources(old), _sources(new)
    titles = {sid: t for srcs in (*old_src.values(), *new_src.values()) for sid, t in srcs.items()}

    def checksum(manifest: dict, sid: str):
        return (manifest.get("sources") or {}).get(sid, {}).get("sha256")

    changed = {sid for sid in titles if checksum(om, sid) != checksum(nm, sid)}
    common = sorted(set(old_src) & set(new_src))
    definitions = [i for i in common if _definition(old, i) != _definition(new, i)]
    geography = (om.get("files") or {}).get("areas.parquet", {}).get("sha256") != \
        (nm.get("files") or {}).get("areas.parquet", {}).get("sha256")
    settings = (om.get("built_with") or {}).get("settings_sha256") != (nm.get("built_with") or {}).get("settings_sha256")
    software = (om.get("built_with") or {}).get("software") != (nm.get("built_with") or {}).get("software")

    reasons = {}
    for ind in sorted(set(old_src) | set(new_src)):
        parts = []
        if ind not in old_src:
            parts.append("indicator first published in the later release")
        elif ind not in new_src:
            parts.append("indicator no longer published")
        srcs = sorted(sid for sid in {**old_src.get(ind, {}), **new_src.get(ind, {})} if sid in changed)
        if srcs:
            parts.append("source data changed: " + ", ".join(titles[s] for s in srcs))
        if ind in definitions:
            parts.append("definition changed (how the indicator is computed)")
        if geography:
            parts.append("geography changed (areas or their parents)")
        if not parts:
            parts += [w for w, on in (("configuration changed", settings), ("software changed", software)) if on]
        reasons[ind] = "; ".join(parts) if parts else NOTHING_RECORDED
    return {"sources": [{"id": sid, "title": titles[sid], "changed": sid in changed} for sid in sorted(titles)],
            "definitions_changed": definitions, "geography_changed": geography,
            "configuration_changed": settings, "software_changed": software, "indicators": reasons}


def summary(table: pa.Table) -> dict[str, int]:
    kinds = table.column("kind").to_pylist() if table.num_rows else []
    return {k: kinds.count(k) for k in KINDS}
