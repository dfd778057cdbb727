"""A source's observations against the previous release's observations of the same source: areas that
stopped reporting (``coverage_shrank``) and values that jumped (``value_jump``)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from core.config_models import ValidationConfig
from etl.findings import DROPPING, action, empty_findings, finding_rows, header_of


def compare_with_previous(obs: pd.DataFrame, previous: Path | None, file: str, rules: ValidationConfig, *,
                          memory_limit: str = "1GB", threads: int = 2, temp_directory: Path | None = None,
                          headers: dict[str, str] | None = None
                          ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Against the previous release's observations of the same source (``previous``: their Parquet file):
    areas that reported a measure last time and do not now (``coverage_shrank``), and values that moved by
    more than ``jump_factor`` times (``value_jump``: a lost ×1,000 or a change of unit). Both are joins of
    two tables of up to tens of millions of rows: DuckDB runs them, reading the previous file as it goes.

    Returns the observations that pass, the findings, and the reference rows: each quarantined jump with the
    previous value it was compared with. Those are kept with the observations for the next run, so the same
    jump is found (and held back) again, not published next time for want of anything to compare with."""
    if previous is None or obs.empty:
        return obs, empty_findings(), obs.iloc[:0]
    key = ["measure", "area_code", "period", "breakdown"]
    cur = pa.Table.from_pandas(obs[[*key, "value"]], preserve_index=False)
    cur = cur.append_column("pos", pa.array(np.arange(len(obs), dtype=np.int64)))
    settings = {"memory_limit": memory_limit, "threads": int(threads)}
    if temp_directory is not None:
        temp_directory.mkdir(parents=True, exist_ok=True)
        settings["temp_directory"] = str(temp_directory)  # spills beyond memory_limit go there
    con = duckdb.connect(config=settings)
    try:
        con.register("cur_raw", cur)
        con.execute("CREATE VIEW cur AS SELECT CAST(measure AS VARCHAR) AS measure, "
                    "CAST(area_code AS VARCHAR) AS area_code, CAST(period AS VARCHAR) AS period, "
                    "CAST(breakdown AS VARCHAR) AS breakdown, value, pos FROM cur_raw")
        con.read_parquet(str(previous)).create_view("prev_raw")
        con.execute("CREATE VIEW prev AS SELECT CAST(measure AS VARCHAR) AS measure, "
                    "CAST(area_code AS VARCHAR) AS area_code, CAST(period AS VARCHAR) AS period, "
                    "CAST(breakdown AS VARCHAR) AS breakdown, value FROM prev_raw")
        found = []
        if rules.coverage:
            gone = con.sql("""
                WITH before AS (SELECT DISTINCT measure, area_code FROM prev WHERE value IS NOT NULL),
                     now AS (SELECT DISTINCT measure, area_code FROM cur WHERE value IS NOT NULL),
                     last AS (SELECT measure, area_code, MAX(period) AS period FROM prev GROUP BY ALL)
                SELECT b.measure, b.area_code, l.period FROM before b
                JOIN last l ON l.measure = b.measure AND l.area_code = b.area_code
                WHERE b.measure IN (SELECT measure FROM cur)
                  AND NOT EXISTS (SELECT 1 FROM now n WHERE n.measure = b.measure AND n.area_code = b.area_code)
                ORDER BY b.measure, b.area_code""").df()
            if not gone.empty:
                gone["source"], gone["row"] = obs["source"].iat[0], pd.NA
                found.append(finding_rows(gone, "coverage_shrank", action("coverage_shrank", rules), file,
                                       header_of(headers, "area_code"),
                                       lambda r: r["area_code"] + " reported " + r["measure"] + " in the previous "
                                       "release (last period " + r["period"] + ") and does not now"))
        f = rules.jump_factor
        # The join runs on one integer per key (codes numbered from the current rows: a previous row with a
        # code not seen now cannot match), not on four strings: its hash table is 16 bytes a row (about
        # 350 MB at 21 M rows instead of 2 GB).
        for col, short in (("measure", "m"), ("area_code", "a"), ("period", "p"), ("breakdown", "b")):
            con.execute(f"CREATE TEMP TABLE d_{short} AS SELECT {col}, "
                        f"CAST(ROW_NUMBER() OVER (ORDER BY {col}) - 1 AS BIGINT) AS id FROM "
                        f"(SELECT DISTINCT {col} FROM cur)")
        sizes = [con.execute(f"SELECT COUNT(*) FROM d_{x}").fetchone()[0] for x in ("a", "p", "b")]
        key = (f"((m.id * {sizes[0]} + a.id) * {sizes[1]} + p.id) * {sizes[2]} + b.id")
        dims = ("JOIN d_m m ON m.measure = t.measure JOIN d_a a ON a.area_code = t.area_code "
                "JOIN d_p p ON p.period = t.period JOIN d_b b ON b.breakdown = t.breakdown")
        moved = con.execute(f"""
            WITH c AS (SELECT {key} AS k, t.value, t.pos FROM cur t {dims} WHERE t.value <> 0),
                 q AS (SELECT {key} AS k, t.value FROM prev t {dims} WHERE t.value <> 0)
            SELECT c.pos, q.value AS before FROM c JOIN q ON q.k = c.k
            WHERE abs(c.value / q.value) > $f OR abs(c.value / q.value) < 1 / $f
            ORDER BY c.pos""", {"f": float(f)}).fetchnumpy()
    finally:
        con.close()
    drop = np.zeros(len(obs), dtype=bool)
    reference = obs.iloc[:0]
    if len(moved["pos"]):
        pos = np.asarray(moved["pos"], dtype=np.int64)
        jumps = obs.iloc[pos].copy()
        jumps["before"] = np.asarray(moved["before"], dtype="float64")
        what = action("value_jump", rules)
        found.append(finding_rows(jumps, "value_jump", what, file, header_of(headers, "value"),
                               lambda r: r["measure"] + " went from " + r["before"].map("{:g}".format) + " to "
                               + r["value"].map("{:g}".format) + f" (more than x{f:g} or /{f:g} the previous "
                               "release's value)"))
        if what in DROPPING:
            drop[pos] = True
            reference = obs.iloc[pos].copy()
            reference["value"] = jumps["before"].to_numpy()
    out = pd.concat(found, ignore_index=True) if found else empty_findings()
    return obs[~drop].reset_index(drop=True), out, reference.reset_index(drop=True)
