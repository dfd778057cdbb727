"""Benchmark of the two engines on the same input: the whole pipeline on DuckDB and on Spark (engine.kind).

    python bench/engines.py [--areas 500[,5000...]] [--indicators 20] [--periods 10] [--master local[2]]
                            [--read-by etl|engine] [--driver-memory 4g] [--executors 16]
                            [--out bench/out/engines] [--reuse] [--only duckdb|spark]

    python bench/engines.py --areas 1000,5000 --indicators 200 --periods 20 --read-by engine
        4.2 M and 21 M observations, both engines, in one run (the issue's measurement)

Generates the input of bench/etl.py (its defaults, 5,000 areas x 200 indicators x 20 periods, are about 21 M
observations; 1,000 areas x 200 x 20 are 4.2 M; this script's defaults are a small observation that a 2-core
machine runs in minutes), then runs the pipeline once per engine, each in a fresh child process (Spark's JVM
start is in its time), into stores of their own, and prints for each:

- wall time, the pipeline's own step timings, CPU time of the driver process;
- CPU time of the process tree (Python and the JVM: on a shared machine it moves less with the load than wall
  time), sampled with the memory;
- peak memory of the driver: the largest sum of the resident set sizes of the child process and every process
  under it (the JVM of Spark's driver, which a local master also uses as its executor), sampled every 0.2 s;
- the load average of the machine before and after (the numbers are only comparable at a similar load);
- for Spark, where its time went, from Spark's event log: per engine call (``materialize cells``,
  ``query <first line of the SQL file>``...) the time its jobs ran, the stages' task time, and the rest of the
  wall time, which is the driver's (JVM start, Python, planning, collecting results); and a projection on a
  cluster of ``--executors`` single-core executors, by this model: the driver's time stays, each stage takes
  max(its task time / executors, its longest task) (given as partitioned, and with the task time evenly split).

The ratio Spark / DuckDB is printed and the two releases are compared with etl.release_parity. Results are
written to <out>/results.json. Not a test: nothing here asserts a speed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.etl import PIPELINE, generate  # noqa: E402
from etl.release_parity import differences  # noqa: E402


def tree_usage(pid: int) -> tuple[float, float]:
    """Resident memory (MB) and CPU time so far (s) of ``pid`` and every process under it (from /proc)."""
    children: dict[int, list[int]] = defaultdict(list)
    rss: dict[int, int] = {}
    cpu: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            fields = stat[stat.rindex(")") + 2:].split()
            children[int(fields[1])].append(int(entry.name))
            rss[int(entry.name)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
            cpu[int(entry.name)] = int(fields[11]) + int(fields[12])
        except (OSError, ValueError, IndexError):
            continue
    memory, ticks, todo = 0, 0, [pid]
    while todo:
        p = todo.pop()
        memory, ticks = memory + rss.get(p, 0), ticks + cpu.get(p, 0)
        todo.extend(children.get(p, []))
    return memory / 2**20, ticks / os.sysconf("SC_CLK_TCK")


def run_on(config: Path, engine: dict, out: Path) -> dict:
    cfg = yaml.safe_load(config.read_text())
    cfg["engine"] = {**cfg.get("engine", {}), **engine}
    cfg["store"] = str(out / f"store-{engine['kind']}")
    cfg["catalogue"] = f"sqlite:///{out / ('catalog-' + engine['kind'] + '.db')}"
    path = config.parent / f"config-{engine['kind']}.yaml"
    path.write_text(yaml.safe_dump(cfg, sort_keys=False))
    load_before = os.getloadavg()
    started = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-c", PIPELINE + "\nprint(json.dumps({'path': str(result.path)}))",
                              str(path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    peak, cpu, samples = 0.0, 0.0, 0
    stderr: list[str] = []
    import threading

    reader = threading.Thread(target=lambda: stderr.append(child.stderr.read()), daemon=True)
    reader.start()
    while child.poll() is None:
        memory, used = tree_usage(child.pid)
        peak, cpu, samples = max(peak, memory), max(cpu, used), samples + 1
        time.sleep(0.2)
    stdout = child.stdout.read()
    reader.join()
    if child.returncode:
        sys.exit("".join(stderr)[-4000:])
    lines = stdout.strip().splitlines()
    return {**json.loads(lines[-2]), **json.loads(lines[-1]), "wall_s": time.perf_counter() - started,
            "peak_tree_mb": peak, "tree_cpu_s": cpu, "rss_samples": samples, "load_before": load_before,
            "load_after": os.getloadavg()}


def _union(spans: list[tuple[float, float]]) -> float:
    total, end = 0.0, float("-inf")
    for a, b in sorted(spans):
        if b > end:
            total += b - max(a, end)
            end = b
    return total


def _events(event_log: Path):
    """The lines of an event log: one file, or Spark 4's folder of rolled files (events_1_..., events_2_...)."""
    files = sorted(event_log.glob("events_*"), key=lambda f: int(f.name.split("_")[1])) \
        if event_log.is_dir() else [event_log]
    for file in files:
        with file.open() as f:
            yield from f


def stage_report(event_log: Path, wall_s: float, executors: int) -> dict:
    """Where a Spark run's time went, from its event log (see the module's docstring for the model)."""
    jobs, stage_job, stages = {}, {}, {}
    tasks: dict[int, list[float]] = defaultdict(list)
    for line in _events(event_log):
        e = json.loads(line)
        kind = e["Event"]
        if kind == "SparkListenerJobStart":
            desc = (e.get("Properties") or {}).get("spark.job.description") or "(no description)"
            jobs[e["Job ID"]] = {"desc": desc, "start": e["Submission Time"]}
            for s in e["Stage IDs"]:
                stage_job[s] = e["Job ID"]
        elif kind == "SparkListenerJobEnd":
            jobs[e["Job ID"]]["end"] = e["Completion Time"]
        elif kind == "SparkListenerStageCompleted":
            info = e["Stage Info"]
            if "Submission Time" in info:
                stages[info["Stage ID"]] = (info["Submission Time"] / 1000, info["Completion Time"] / 1000)
        elif kind == "SparkListenerTaskEnd":
            ti = e["Task Info"]
            tasks[e["Stage ID"]].append((ti["Finish Time"] - ti["Launch Time"]) / 1000)
    by_step: dict[str, dict] = defaultdict(lambda: {"jobs": 0, "stages": 0, "tasks": 0, "job_s": 0.0,
                                                    "task_s": 0.0, "projected_s": 0.0, "spans": []})
    for job in jobs.values():
        step = by_step[job["desc"]]
        step["jobs"] += 1
        step["spans"].append((job["start"] / 1000, job.get("end", job["start"]) / 1000))
    for sid in stages:
        step = by_step[jobs[stage_job[sid]]["desc"]] if sid in stage_job else by_step["(no job)"]
        durations = tasks.get(sid, [0.0])
        step["stages"] += 1
        step["tasks"] += len(tasks.get(sid, []))
        step["task_s"] += sum(durations)
        step["projected_s"] += max(sum(durations) / executors, max(durations))
        step["even_s"] = step.get("even_s", 0.0) + sum(durations) / executors
    spark_s = _union([s for step in by_step.values() for s in step["spans"]])
    for step in by_step.values():
        step["job_s"] = _union(step.pop("spans"))
    steps = dict(sorted(by_step.items(), key=lambda kv: -kv[1]["job_s"]))
    driver_s = wall_s - spark_s
    return {"wall_s": wall_s, "jobs_running_s": spark_s, "driver_only_s": driver_s,
            "task_s": sum(s["task_s"] for s in steps.values()), "executors": executors,
            "projected_s": driver_s + sum(s["projected_s"] for s in steps.values()),
            "projected_even_s": driver_s + sum(s.get("even_s", 0.0) for s in steps.values()), "steps": steps}


def print_run(kind: str, r: dict) -> None:
    print(f"{kind:<7} {r['wall_s']:8.1f} s wall ({r['seconds']:.1f} s in run())  {r.get('tree_cpu_s', 0):7.1f} CPU-s "
          f"(process tree; Python alone {r['cpu_s']:.1f})  peak {r['peak_tree_mb']:6.0f} MB (process tree; Python alone {r['peak_mb']:.0f} MB)  "
          f"{r['rows']:,} rows  load {r['load_before'][0]:.2f} -> {r['load_after'][0]:.2f}")
    for stage, seconds in r["timings"].items():
        print(f"    {stage:<18} {seconds:8.2f} s")


def print_stages(rep: dict) -> None:
    print(f"spark: {rep['wall_s']:.1f} s wall, jobs running {rep['jobs_running_s']:.1f} s, driver only "
          f"{rep['driver_only_s']:.1f} s, task time {rep['task_s']:.1f} s")
    print(f"  {'engine call':<62} {'jobs':>5} {'stages':>6} {'tasks':>6} {'jobs s':>8} {'task s':>8}")
    for desc, s in list(rep["steps"].items())[:15]:
        print(f"  {desc[:62]:<62} {s['jobs']:5d} {s['stages']:6d} {s['tasks']:6d} {s['job_s']:8.1f} "
              f"{s['task_s']:8.1f}")
    print(f"projected on {rep['executors']} single-core executors: {rep['projected_s']:.0f} s as partitioned, "
          f"{rep['projected_even_s']:.0f} s with task time evenly split (driver-only time "
          f"{rep['driver_only_s']:.0f} s kept)")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--areas", default="500",
                    help="local areas; several, comma-separated, run one size after the other (1000,5000: 4.2 M "
                         "and 21 M observations with 200 indicators and 20 periods)")
    ap.add_argument("--indicators", type=int, default=20)
    ap.add_argument("--periods", type=int, default=10)
    ap.add_argument("--master", default="local[2]")
    ap.add_argument("--shuffle-partitions", type=int, default=None,
                    help="spark.sql.shuffle.partitions (default: the engine's)")
    ap.add_argument("--driver-memory", default=None, help="spark.driver.memory (default: the engine's, 4g)")
    ap.add_argument("--conf", action="append", default=[], metavar="KEY=VALUE",
                    help="another Spark setting (repeatable), e.g. spark.sql.adaptive.enabled=false")
    ap.add_argument("--read-by", choices=["etl", "engine"], default="etl",
                    help="who reads the observations file: the ETL process (pandas) or the engine itself")
    ap.add_argument("--executors", type=int, default=16, help="cluster size of the projection")
    ap.add_argument("--only", choices=["duckdb", "spark"], help="run one engine (the other's results are kept)")
    ap.add_argument("--reuse", action="store_true", help="reuse the generated input if it exists")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "engines")
    args = ap.parse_args()
    sizes = [int(a) for a in str(args.areas).split(",")]
    everything = {}
    for areas in sizes:
        out = args.out / str(areas) if len(sizes) > 1 else args.out
        everything[areas] = one_size(args, areas, out)
    if len(sizes) > 1:
        print("\nobservations   duckdb s   spark s   ratio   duckdb MB   spark MB   projected s")
        for r in everything.values():
            if "duckdb" in r and "spark" in r:
                print(f"{r['observations']:>12,} {r['duckdb']['wall_s']:10.1f} {r['spark']['wall_s']:9.1f} "
                      f"{r['ratio']:7.1f} {r['duckdb']['peak_tree_mb']:11.0f} {r['spark']['peak_tree_mb']:10.0f} "
                      f"{r.get('spark_stages', {}).get('projected_s', float('nan')):13.0f}")
        (args.out / "results.json").write_text(json.dumps({str(k): v for k, v in everything.items()}, indent=2))


def one_size(args, areas: int, out: Path) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    config = out / "config.yaml"
    if not (args.reuse and config.is_file()):
        config = generate(out, areas, args.indicators, args.periods)
    if args.read_by == "engine":
        cfg = yaml.safe_load(config.read_text())
        for source in cfg["sources"]:
            source["read_by"] = "engine"
        config.write_text(yaml.safe_dump(cfg, sort_keys=False))
    import pyarrow.parquet as pq

    saved = out / "results.json"
    results = json.loads(saved.read_text()) if args.only and saved.is_file() else {}
    results.update({"areas": areas, "indicators": args.indicators, "periods": args.periods, "read_by": args.read_by,
                    "observations": pq.ParquetFile(out / "observations.parquet").metadata.num_rows})
    print(f"{results['observations']:,} observations, read by {args.read_by}; load {os.getloadavg()}")
    if args.only != "spark":
        results["duckdb"] = run_on(config, {"kind": "duckdb"}, out)
        print_run("duckdb", results["duckdb"])
    if args.only != "duckdb":
        logs = out / "eventlog"
        logs.mkdir(exist_ok=True)
        before = set(logs.iterdir())
        conf = {"spark.eventLog.enabled": True, "spark.eventLog.dir": logs.as_uri(),
                "spark.eventLog.compress": False}
        if args.shuffle_partitions:
            conf["spark.sql.shuffle.partitions"] = args.shuffle_partitions
        if args.driver_memory:
            conf["spark.driver.memory"] = args.driver_memory
        conf.update(dict(item.split("=", 1) for item in args.conf))
        results["spark"] = run_on(config, {"kind": "spark", "master": args.master, "conf": conf}, out)
        print_run("spark", results["spark"])
        new = sorted(set(logs.iterdir()) - before)
        if new:
            results["spark_stages"] = stage_report(new[-1], results["spark"]["wall_s"], args.executors)
            print_stages(results["spark_stages"])
    if "duckdb" in results and "spark" in results:
        results["ratio"] = results["spark"]["wall_s"] / results["duckdb"]["wall_s"]
        results["memory_ratio"] = results["spark"]["peak_tree_mb"] / results["duckdb"]["peak_tree_mb"]
        found = differences(Path(results["duckdb"]["path"]), Path(results["spark"]["path"]))
        results["differences"] = found
        print(f"spark / duckdb: {results['ratio']:.1f}x wall, {results['memory_ratio']:.1f}x peak memory; releases: "
              + ("the same figures" if not found else f"{len(found)} differences: {found[:5]}"))
    saved.write_text(json.dumps(results, indent=2))
    return results


if __name__ == "__main__":
    main()
