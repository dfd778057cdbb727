"""Benchmark of the two engines on the same input: the whole pipeline on DuckDB and on Spark (engine.kind).

    python bench/engines.py [--areas 500] [--indicators 20] [--periods 10] [--master local[2]] [--out bench/out/engines]

Generates the input of bench/etl.py (its defaults, 5,000 areas x 200 indicators x 20 periods, are about 21 M
observations; this script's defaults are a small observation that a 2-core machine runs in minutes), then runs
the pipeline once per engine, each in a fresh child process (Spark's JVM start is in its time), into stores of
their own, and prints wall time, CPU time of the driver process, its peak memory (ru_maxrss: the JVM of a local
master is a child process and is not counted) and the ratio Spark / DuckDB. The two releases are compared with
etl.release_parity. Results are written to <out>/results.json. Not a test: nothing here asserts a speed.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.etl import PIPELINE, generate  # noqa: E402
from etl.release_parity import differences  # noqa: E402


def run_on(config: Path, engine: dict, out: Path) -> dict:
    cfg = yaml.safe_load(config.read_text())
    cfg["engine"] = {**cfg.get("engine", {}), **engine}
    cfg["store"] = str(out / f"store-{engine['kind']}")
    cfg["catalogue"] = f"sqlite:///{out / ('catalog-' + engine['kind'] + '.db')}"
    path = config.parent / f"config-{engine['kind']}.yaml"
    path.write_text(yaml.safe_dump(cfg, sort_keys=False))
    done = subprocess.run([sys.executable, "-c", PIPELINE + "\nprint(json.dumps({'path': str(result.path)}))",
                           str(path)], capture_output=True, text=True, cwd=ROOT)
    if done.returncode:
        sys.exit(done.stderr[-4000:])
    lines = done.stdout.strip().splitlines()
    return {**json.loads(lines[-2]), **json.loads(lines[-1])}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--areas", type=int, default=500)
    ap.add_argument("--indicators", type=int, default=20)
    ap.add_argument("--periods", type=int, default=10)
    ap.add_argument("--master", default="local[2]")
    ap.add_argument("--shuffle-partitions", type=int, default=8)
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "engines")
    args = ap.parse_args()
    config = generate(args.out, args.areas, args.indicators, args.periods)
    results = {"areas": args.areas, "indicators": args.indicators, "periods": args.periods}
    results["duckdb"] = run_on(config, {"kind": "duckdb"}, args.out)
    results["spark"] = run_on(config, {"kind": "spark", "master": args.master,
                                       "conf": {"spark.sql.shuffle.partitions": args.shuffle_partitions}}, args.out)
    for kind in ("duckdb", "spark"):
        r = results[kind]
        print(f"{kind:<7} {r['seconds']:8.1f} s  {r['cpu_s']:7.1f} CPU-s (driver)  peak {r['peak_mb']:6.0f} MB  "
              f"{r['rows']:,} rows")
        for stage, seconds in r["timings"].items():
            print(f"    {stage:<18} {seconds:8.2f} s")
    results["ratio"] = results["spark"]["seconds"] / results["duckdb"]["seconds"]
    found = differences(Path(results["duckdb"]["path"]), Path(results["spark"]["path"]))
    results["differences"] = found
    print(f"spark / duckdb: {results['ratio']:.1f}x; releases: "
          + ("the same figures" if not found else f"{len(found)} differences: {found[:5]}"))
    (args.out / "results.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
