"""Benchmark of the ETL pipeline at national scale.

    python bench/etl.py [--areas 5000] [--indicators 200] [--periods 20] [--out bench/out/etl]

Generates a synthetic input (1 country, 50 regions, N local areas; half the indicators ratios over ten
shared denominators, half sums; about 21 million base observations for the defaults) as a Parquet source,
then runs the whole pipeline (`openmeasure etl run`) with per-stage timings, and, in the same run, a
hand-written DuckDB roll-up of the same data to compare the roll-up stage with. Peak memory is the maximum
resident set size of the process (VmHWM), measured in a fresh child process per measurement.
Results are printed and written to <out>/results.json. Not a test: nothing here asserts a speed.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import yaml

ROOT = Path(__file__).resolve().parents[1]


def generate(out: Path, n_areas: int, n_indicators: int, n_periods: int, seed: int = 1) -> Path:
    rng = np.random.default_rng(seed)
    out.mkdir(parents=True, exist_ok=True)
    n_regions = 50
    codes = [f"L{i:05d}" for i in range(n_areas)]
    parents = [f"R{i % n_regions:02d}" for i in range(n_areas)]
    pop = np.exp(rng.normal(9.5, 1.0, n_areas)).round()
    areas = pa.table({
        "area_code": ["C", *[f"R{r:02d}" for r in range(n_regions)], *codes],
        "name": ["Country", *[f"Region {r}" for r in range(n_regions)], *[f"Local {c}" for c in codes]],
        "level": ["country", *["region"] * n_regions, *["local"] * n_areas],
        "parent_code": ["", *["C"] * n_regions, *parents],
        "population": np.concatenate([[pop.sum()], np.zeros(n_regions), pop]),
    })
    import pyarrow.csv as pacsv

    pacsv.write_csv(areas, out / "areas.csv")
    periods = [str(2000 + p) for p in range(n_periods)]
    n_den = 10
    measures = [f"den{d}" for d in range(n_den)] + [f"m{i:03d}" for i in range(n_indicators)]
    writer, pending = None, []
    for m in measures:
        base = pop * (rng.uniform(0.5, 1.5) if m.startswith("den") else rng.uniform(0.01, 0.3))
        for p in periods:
            values = rng.poisson(base).astype("float64")
            values[rng.random(n_areas) < 0.01] = np.nan  # one local area in a hundred does not report
            batch = pa.table({
                "measure": pa.array([m] * n_areas).dictionary_encode(),
                "area_code": codes, "period": pa.array([p] * n_areas), "value": values,
                "flag": pa.array([""] * n_areas),
            })
            if writer is None:
                writer = pq.ParquetWriter(out / "observations.parquet", batch.schema)
            pending.append(batch)
            if sum(len(b) for b in pending) >= 1_000_000:
                # row groups of ~1 M rows, as pandas, DuckDB or Spark would write them (one row group per
                # 5,000-row batch made reading the file itself take 4x longer)
                writer.write_table(pa.concat_tables(pending), row_group_size=1_000_000)
                pending = []
    if pending:
        writer.write_table(pa.concat_tables(pending), row_group_size=1_000_000)
    writer.close()
    indicators = []
    for i in range(n_indicators):
        m = f"m{i:03d}"
        if i % 2 == 0:
            compute = {"method": "ratio", "numerator": m, "denominator": f"den{i % n_den}", "multiplier": 100}
        else:
            compute = {"method": "sum", "measure": m}
        indicators.append({"id": f"ind{i:03d}", "title": f"Indicator {i}", "theme": "service use",
                           "kind": "outcome", "unit": "%" if i % 2 == 0 else "count", "compute": compute,
                           **({"disclosure": {"threshold": 10}} if i % 20 == 1 else {})})
    config = {
        "title": "bench", "synthetic": True, "store": "store", "catalogue": "sqlite:///catalog.db",
        "engine": {"memory_limit": "3GB", "threads": 2},
        "geography": {"levels": ["country", "region", "local"],
                      "areas": {"path": "areas.csv", "attributes": ["population"]},
                      "neighbours": {"k": 5, "levels": ["local"],
                                     "features": [{"name": "population", "transform": "log"}]}},
        "sources": [{"id": "obs", "format": "parquet", "path": "observations.parquet",
                     "columns": {"area_code": "area_code", "period": "period", "value": "value",
                                 "flag": "flag"}}],
        "measures": [{"id": m, "source": "obs"} for m in measures],
        "indicators": indicators,
    }
    (out / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    return out / "config.yaml"


#: Peak resident memory of a child process, from the kernel's high-water mark of its own address space
#: (VmHWM). Not ru_maxrss: Linux keeps that across fork and exec, so a child started by a parent that had
#: grown (the benchmark after comparing two 20 M-row releases) reported the parent's 5.3 GB as its own.
PEAK_MB = """
def peak_mb():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM")) / 1024
"""

HAND_ROLLUP = PEAK_MB + """
import sys, time, duckdb
out = sys.argv[1]
con = duckdb.connect()
con.execute("SET memory_limit='3GB'"); con.execute("SET threads=2"); con.execute("SET enable_progress_bar=false")
t = time.perf_counter()
con.execute(f\"\"\"
CREATE TABLE a AS SELECT l.area_code AS l, l.parent_code AS r, 'C' AS c FROM read_csv('{out}/areas.csv') l
WHERE l.level = 'local'\"\"\")
con.execute(f\"\"\"
CREATE TABLE rolled AS
SELECT o.measure, o.period, a.c, a.r, a.l, SUM(o.value) AS v, COUNT(o.value) AS n
FROM read_parquet('{out}/observations.parquet') o JOIN a ON a.l = o.area_code
GROUP BY GROUPING SETS ((o.measure, o.period, a.c), (o.measure, o.period, a.c, a.r),
                        (o.measure, o.period, a.c, a.r, a.l))\"\"\")
rows = con.execute("SELECT COUNT(*) FROM rolled").fetchone()[0]
print(time.perf_counter() - t, rows, peak_mb())
"""

PIPELINE = PEAK_MB + """
import json, sys, time, resource
from core.config import load_config
from etl.pipeline import run
t = time.perf_counter()
result = run(load_config(sys.argv[1]))
usage = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"seconds": time.perf_counter() - t, "rows": result.rows, "timings": result.timings,
                  "cpu_s": usage.ru_utime + usage.ru_stime, "peak_mb": peak_mb()}))
"""

# The roll-up stage alone: the same keyed observations and chunks as the pipeline, nothing else running
# (in the pipeline the writer thread writes chunk k while the engine rolls up chunk k+1, on the same cores).
ROLLUP_ONLY = """
import json, sys, time, tempfile
from pathlib import Path
from core.config import load_config
from core.geography import load_areas
from etl.sources.extract import read_sources
from etl import release_values
from indicators import sqltext
from indicators.compute import compute
from indicators.engine import DuckDBEngine
from indicators.neighbours import nearest_neighbours
config = load_config(sys.argv[1])
areas = load_areas(config.geography)
obs = read_sources(config, {m.id for m in config.measures}, set(areas.area_code), lambda m: None).observations
nb = nearest_neighbours(areas, config.geography.neighbours, config.geography.levels)
engine = DuckDBEngine(config.engine.memory_limit, config.engine.threads, temp_directory=tempfile.mkdtemp())
comp = compute(engine, config, areas, obs, nb, {})
del obs
t = time.perf_counter()
for _, ids in release_values._plan(comp, set(), release_values.ROWS_PER_CHUNK):
    engine.materialize("cells", sqltext.cells_sql(comp.n_levels, (ids[0], ids[-1])))
    engine.materialize("rolled", sqltext.rollup_sql(comp.n_levels))
print(json.dumps({"seconds": time.perf_counter() - t}))
"""

# The engine alone: the observations go straight from the Parquet file into the computation (as a
# connector would hand them over), then the release is written. Used until a Parquet source exists.
ENGINE = PEAK_MB + """
import json, sys, time, tempfile
from pathlib import Path
import pyarrow as pa, pyarrow.compute as pc, pyarrow.parquet as pq
from core.config import load_config
from core.geography import load_areas
from etl.release import write_release
from etl.findings import empty_findings
from indicators import registry
from indicators.compute import compute
from indicators.engine import DuckDBEngine
from indicators.neighbours import nearest_neighbours
config = load_config(sys.argv[1])
timings = {}
t0 = t = time.perf_counter()
areas = load_areas(config.geography)
obs = pq.read_table(Path(sys.argv[1]).parent / "observations.parquet")
obs = obs.select(["measure", "area_code", "period", "value", "flag"]).rename_columns(
    ["measure", "area_code", "period", "value", "flags"])
obs = obs.append_column("breakdown", pa.repeat(pa.scalar("total"), len(obs)))
obs = obs.set_column(0, "measure", pc.cast(obs["measure"], "string"))
timings["extract"] = time.perf_counter() - t
t = time.perf_counter()
nb = nearest_neighbours(areas, config.geography.neighbours, config.geography.levels)
timings["neighbours"] = time.perf_counter() - t
engine = DuckDBEngine(config.engine.memory_limit, config.engine.threads, temp_directory=tempfile.mkdtemp())
comp = compute(engine, config, areas, obs, nb, timings)
t = time.perf_counter()
folder = Path(tempfile.mkdtemp()) / "release"
folder.mkdir()
write_release(comp, folder, config=config, release_id="20260101T000000Z-000000", areas=areas, neighbours=nb,
              indicators=registry.metadata_table(config), quality=empty_findings(), source_checksums={})
timings["compare_and_write"] = time.perf_counter() - t - sum(
    timings.get(k, 0.0) for k in ("rollup", "values", "disclosure"))
rows = pq.ParquetFile(folder / "indicator_values.parquet").metadata.num_rows
timings["total"] = time.perf_counter() - t0
print(json.dumps({"seconds": timings["total"], "rows": rows, "timings": timings,
                  "peak_mb": peak_mb()}))
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--areas", type=int, default=5000)
    ap.add_argument("--indicators", type=int, default=200)
    ap.add_argument("--periods", type=int, default=20)
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "etl")
    ap.add_argument("--engine-only", action="store_true",
                    help="skip the source connector: hand the Parquet observations to the engine directly")
    ap.add_argument("--reuse", action="store_true", help="reuse the generated input if it exists")
    args = ap.parse_args()
    t = time.perf_counter()
    config = args.out / "config.yaml"
    if not (args.reuse and config.is_file()):
        config = generate(args.out, args.areas, args.indicators, args.periods)
    gen = time.perf_counter() - t
    rows = pq.ParquetFile(args.out / "observations.parquet").metadata.num_rows
    print(f"generated {rows:,} observations in {gen:.1f} s")

    hand = subprocess.run([sys.executable, "-c", HAND_ROLLUP, str(args.out)], capture_output=True, text=True,
                          check=True).stdout.split()
    hand_s, hand_rows, hand_mb = float(hand[0]), int(hand[1]), float(hand[2])
    print(f"hand-written DuckDB roll-up: {hand_s:.2f} s, {hand_rows:,} rows, peak {hand_mb:.0f} MB")

    script = ENGINE if args.engine_only else PIPELINE
    done = subprocess.run([sys.executable, "-c", script, str(config)], capture_output=True, text=True, cwd=ROOT)
    if done.returncode:
        sys.exit(done.stderr)
    res = json.loads(done.stdout.strip().splitlines()[-1])
    stages = res["timings"]
    cpu = f", {res['cpu_s']:.0f} CPU-s" if "cpu_s" in res else ""  # what the run cost, whatever the other core did
    print(f"pipeline: {res['seconds']:.1f} s{cpu}, {res['rows']:,} indicator values, peak {res['peak_mb']:.0f} MB")
    for k, v in stages.items():
        print(f"  {k:<12} {v:6.2f} s")
    # protection intervals run inside the "disclosure" stage, the audit of the release after writing it
    control = stages.get("disclosure", 0.0) + stages.get("disclosure_audit", 0.0)
    print(f"disclosure control and audit: {control:.2f} s, {control / res['seconds']:.0%} of the pipeline")
    ratio = stages.get("rollup", float("nan")) / hand_s
    print(f"roll-up stage / hand-written roll-up: {ratio:.2f}x (in the pipeline, overlapped with writing)")
    alone = subprocess.run([sys.executable, "-c", ROLLUP_ONLY, str(config)], capture_output=True, text=True,
                           cwd=ROOT)
    if alone.returncode:
        sys.exit(alone.stderr)
    alone_s = json.loads(alone.stdout.strip().splitlines()[-1])["seconds"]
    print(f"roll-up stage alone: {alone_s:.2f} s, {alone_s / hand_s:.2f}x the hand-written roll-up")
    result = {"observations": rows, "generate_s": gen, "hand_rollup_s": hand_s, "hand_rollup_peak_mb": hand_mb,
              "pipeline": res, "rollup_ratio": ratio, "rollup_alone_s": alone_s,
              "rollup_alone_ratio": alone_s / hand_s,
              "machine_peak_mb_bench": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
    (args.out / "results.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
