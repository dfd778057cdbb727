"""A second yardstick for the whole pipeline: a smaller release, hand-written in DuckDB as one statement.

    python bench/direct_release.py [--out bench/out/etl]     (after bench/etl.py has generated its input there)

One DuckDB connection (2 threads, 3 GB, as the bench's config) reads the bench's observations, pairs each
indicator's numerator with its denominator, rolls up to every level in one GROUPING SETS pass, computes the
value, a Wilson interval, the parent's and the country's value, the rank within the level and the previous
period's value, and writes one Parquet file sorted by indicator (zstd), in one statement.

It leaves out most of what the pipeline does: validating the source (findings, quarantine), coverage,
flags and status, Poisson intervals, the rank within the parent, quartiles, significance, peer groups,
progress and RAG, disclosure control, the second copy sorted by area, the manifest and checksums. So it
tells what the direct way of writing a release in DuckDB costs on this machine, for a fraction of the
work: the pipeline's time is read against it and against bench/etl.py's hand-written roll-up.
Not a test: nothing asserts a speed.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.etl import PEAK_MB  # noqa: E402  (the child's own peak memory)

SCRIPT = PEAK_MB + """
import json, sys, time, resource, duckdb
import pyarrow as pa, pyarrow.compute as pc, pyarrow.parquet as pq
out, indicators = sys.argv[1], json.loads(sys.argv[2])
con = duckdb.connect()
con.execute("SET memory_limit='3GB'"); con.execute("SET threads=2"); con.execute("SET enable_progress_bar=false")
con.execute("CREATE TABLE ind (ind VARCHAR, num VARCHAR, den VARCHAR, mult DOUBLE)")
con.executemany("INSERT INTO ind VALUES (?, ?, ?, ?)", indicators)
t = time.perf_counter()
# Read by pyarrow, NaN made null: DuckDB 2.0 takes the file's statistics (which leave NaN out) to mean
# there is no NaN, folds isnan(value) to false, and then sums NaN into every parent
o = pq.read_table(f"{out}/observations.parquet", columns=["measure", "area_code", "period", "value"])
o = o.set_column(3, "value", pc.if_else(pc.is_nan(o["value"]), pa.scalar(None, pa.float64()), o["value"]))
con.register("o", o)
con.execute(f\"\"\"
COPY (
WITH a AS (
    SELECT area_code AS l, parent_code AS r, 'C' AS c FROM read_csv('{out}/areas.csv') WHERE level = 'local'
),
cells AS (
    SELECT i.ind, i.mult, i.den IS NOT NULL AS ratio, n.period, a.c, a.r, a.l,
           CASE WHEN i.den IS NULL OR d.value IS NOT NULL THEN n.value END AS num,
           CASE WHEN n.value IS NOT NULL THEN d.value END AS den
    FROM ind i
    JOIN o n ON n.measure = i.num
    JOIN a ON a.l = n.area_code
    LEFT JOIN o d ON d.measure = i.den AND d.area_code = n.area_code AND d.period = n.period
),
rolled AS (
    SELECT ind, period, ANY_VALUE(mult) AS mult, ANY_VALUE(ratio) AS ratio,
           CASE WHEN GROUPING(l) = 0 THEN l WHEN GROUPING(r) = 0 THEN r ELSE c END AS area,
           CASE WHEN GROUPING(l) = 0 THEN 2 WHEN GROUPING(r) = 0 THEN 1 ELSE 0 END AS level,
           CASE WHEN GROUPING(l) = 0 THEN r WHEN GROUPING(r) = 0 THEN c END AS parent,
           SUM(num) AS num, SUM(den) AS den
    FROM cells
    GROUP BY GROUPING SETS ((ind, period, c), (ind, period, c, r), (ind, period, c, r, l))
),
vals AS (
    SELECT *, CASE WHEN NOT ratio THEN num * mult WHEN den > 0 THEN num / den * mult END AS value,
           CASE WHEN den > 0 AND num BETWEEN 0 AND den THEN
               ((num / den + 1.92073 / den) - 1.959964 * SQRT(num / den * (1 - num / den) / den
                 + 0.960365 / (den * den))) / (1 + 3.841459 / den) * mult END AS lower_ci,
           CASE WHEN den > 0 AND num BETWEEN 0 AND den THEN
               ((num / den + 1.92073 / den) + 1.959964 * SQRT(num / den * (1 - num / den) / den
                 + 0.960365 / (den * den))) / (1 + 3.841459 / den) * mult END AS upper_ci
    FROM rolled
)
SELECT v.ind AS indicator, v.area AS area_code, v.level, v.period, v.value, v.num AS numerator,
       v.den AS denominator, v.lower_ci, v.upper_ci, p.value AS parent_value, t.value AS top_value,
       RANK() OVER (PARTITION BY v.ind, v.period, v.level ORDER BY v.value DESC) AS rank_level,
       LAG(v.value) OVER (PARTITION BY v.ind, v.area ORDER BY v.period) AS previous_value
FROM vals v
LEFT JOIN vals p ON p.ind = v.ind AND p.period = v.period AND p.area = v.parent
LEFT JOIN vals t ON t.ind = v.ind AND t.period = v.period AND t.level = 0
ORDER BY indicator, level, area_code, period
) TO '{out}/direct_values.parquet' (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 50000)\"\"\")
rows = con.execute(f"SELECT COUNT(*) FROM read_parquet('{out}/direct_values.parquet')").fetchone()[0]
usage = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"seconds": time.perf_counter() - t, "rows": rows, "cpu_s": usage.ru_utime + usage.ru_stime,
                  "peak_mb": peak_mb()}))
"""


def indicators(config: Path) -> list[list]:
    """(id, numerator, denominator or None, multiplier) of each indicator in the bench's config."""
    rows = []
    for i in yaml.safe_load(config.read_text())["indicators"]:
        c = i["compute"]
        rows.append([i["id"], c.get("numerator") or c.get("measure"), c.get("denominator"),
                     float(c.get("multiplier", 1))])
    return rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "etl")
    args = ap.parse_args()
    config = args.out / "config.yaml"
    if not config.is_file():
        sys.exit(f"{config} not found: run bench/etl.py first, it generates the input")
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(args.out), json.dumps(indicators(config))],
                          capture_output=True, text=True)
    if done.returncode:
        sys.exit(done.stderr)
    res = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"hand-written one-statement release: {res['seconds']:.1f} s, {res['cpu_s']:.0f} CPU-s, {res['rows']:,} rows, "
          f"peak {res['peak_mb']:.0f} MB")
    (args.out / "direct_release.json").write_text(json.dumps(res, indent=2))
    print(f"bench peak {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
