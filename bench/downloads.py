"""Benchmark: a filtered CSV download of ~100,000 rows and the bulk zip, side by side with Datasette.

    python -m bench.downloads [--runs 3] [--out bench/out/downloads.json]

1. Builds a real release with the pipeline from the Eurostat population file in examples/data (the config
   of the API tests, tests/dashboard/api/eurostat/config.yaml) into bench/out/downloads-store (reused when present;
   bench/out/store is the dashboard bench's synthetic store).
2. Serves it with gunicorn (one sync worker, ``dashboard.api.register`` on a plain Flask app), and the same
   public rows with Datasette (``pip install datasette``; not a project dependency) from a SQLite copy
   indexed on the filter columns, both on 127.0.0.1.
3. Downloads the same filter from both (OpenMeasure ``/api/v1/data?...&format=csv``, Datasette
   ``.csv?...&_stream=1``) and the bulk zip, one server at a time, and reports rows/s, MB/s, the ratio and
   each server's memory (resident set before, and its peak during, the downloads), the OpenMeasure worker's
   CPU seconds per download (which, unlike seconds, the other processes on a shared machine do not inflate
   much), and the load average, since the machine may be shared. OpenMeasure is measured twice:
   (a) cold (the first request for the query) with ``access.csv_blocks_mb: 0``, every CSV rendered per
   request; then, in a new server, after its background render of the release's pre-rendered CSV blocks
   has finished (its time and size on disk are reported), (b) cold from the blocks and (c) warm (the
   whole-response download cache).

Numbers go to stdout and to the JSON file; they are measurements, not test assertions.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import requests

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
STORE = OUT / "downloads-store"  # its own: bench/out/store is the dashboard bench's 20 M-row synthetic store
CONFIG = ROOT / "tests" / "api" / "eurostat" / "config.yaml"
FILTER = {"indicator": "population,share_65_plus", "level": "nuts3"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def env() -> dict[str, str]:
    return {**os.environ, "OPENMEASURE_STORE": str(STORE),
            "OPENMEASURE_CATALOGUE": f"sqlite:///{OUT / 'downloads-catalog.db'}"}


def build_release() -> Path:
    store = STORE
    if not (store / "CURRENT").is_file():
        subprocess.run([sys.executable, "-m", "etl.cli", "etl", "run", "--config", str(CONFIG)], cwd=ROOT,
                       env=env(), check=True)
    return store / "releases" / (store / "CURRENT").read_text().strip()


def build_sqlite(release: Path) -> Path:
    db = OUT / f"datasette-{release.name}.db"
    if db.is_file():
        return db
    t = pq.read_table(release / "indicator_values.parquet")
    df = t.to_pandas()
    df = df[df["visibility"] == "public"]
    tmp = db.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    con = sqlite3.connect(tmp)
    df.to_sql("indicator_values", con, index=False, chunksize=50_000)
    con.execute("CREATE INDEX iv_indicator_level ON indicator_values(indicator, level)")
    con.execute("CREATE INDEX iv_level ON indicator_values(level)")
    con.execute("CREATE INDEX iv_area ON indicator_values(area_code)")
    con.commit()
    con.close()
    tmp.rename(db)
    return db


def wait(url: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    end = time.time() + timeout
    while time.time() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}: {url}")
        try:
            if requests.get(url, timeout=10).status_code < 500:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"server did not start: {url}")


def rss_kb(pid: int, field: str = "VmRSS") -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def children(pid: int) -> list[int]:
    out = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        f = task / "children"
        if f.is_file():
            out += [int(x) for x in f.read_text().split()]
    return out


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (all its threads)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def fetch(url: str) -> tuple[float, int, int, str]:
    """Seconds to the last byte, bytes, lines, and how the server made the body (X-OpenMeasure-Render)."""
    t = time.perf_counter()
    n = lines = 0
    with requests.get(url, stream=True, timeout=600) as r:
        r.raise_for_status()
        how = r.headers.get("X-OpenMeasure-Render") or r.headers.get("X-OpenMeasure-Cache") or ""
        for chunk in r.iter_content(1 << 16):
            n += len(chunk)
            lines += chunk.count(b"\n")
    return time.perf_counter() - t, n, lines, how


CACHE = OUT / "download-cache"
BLOCKS = CACHE / "csv-blocks"


def clear_cache() -> None:
    """Empty the whole-response download cache (the pre-rendered CSV blocks in csv-blocks/ stay)."""
    for f in CACHE.glob("*.bin"):
        f.unlink()


def blocks_done(timeout: float = 600) -> dict:
    """Wait for the background render of the current release's CSV blocks; its report and size on disk."""
    end = time.time() + timeout
    while time.time() < end:
        done = list(BLOCKS.glob("*/done.json"))
        if done:
            info = json.loads(done[0].read_text())
            info["disk_bytes"] = sum(f.stat().st_size for f in done[0].parent.glob("*.blk"))
            info["files"] = len(list(done[0].parent.glob("*.blk")))
            return info
        time.sleep(0.05)
    raise RuntimeError("the CSV blocks were not rendered in time")


def measure(name: str, url: str, runs: int, rows: int | None = None, cold: bool = False,
            server: int | None = None) -> dict:
    """Median of ``runs`` downloads; ``cold`` empties OpenMeasure's download cache before each one.
    ``server``: the pid whose CPU time per download is reported (load-independent, unlike seconds)."""
    results = []
    cpu = []
    for _ in range(runs):
        if cold:
            clear_cache()
        c0 = cpu_seconds(server) if server else 0.0
        results.append(fetch(url))
        if server:
            cpu.append(cpu_seconds(server) - c0)
    secs = statistics.median(r[0] for r in results)
    size, lines = results[0][1], results[0][2]
    rows = rows if rows is not None else lines - 1
    return {"name": name, "url": url, "seconds": round(secs, 4), "bytes": size, "rows": rows,
            "rows_per_s": round(rows / secs), "mb_per_s": round(size / secs / 1e6, 2),
            "runs": [round(r[0], 4) for r in results], "served_as": sorted({r[3] for r in results}),
            **({"server_cpu_s": round(statistics.median(cpu), 3)} if cpu else {})}


def serve(port: int, csv_blocks_mb: int | None) -> subprocess.Popen:
    """One gunicorn sync worker (``csv_blocks_mb``: the access.csv_blocks_mb override, None = the config's)."""
    extra = {} if csv_blocks_mb is None else {"OPENMEASURE_BENCH_CSV_BLOCKS_MB": str(csv_blocks_mb)}
    return subprocess.Popen([sys.executable, "-m", "gunicorn", "--workers", "1", "--bind", f"127.0.0.1:{port}",
                             "--timeout", "600", "bench.downloads_app:create()"], cwd=ROOT, env={**env(), **extra},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def stop(*procs: subprocess.Popen) -> None:
    for p in procs:
        p.terminate()
        try:
            p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            p.kill()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--out", default=str(OUT / "downloads.json"))
    args = ap.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    release = build_release()
    db = build_sqlite(release)
    q = "&".join(f"{k}={v}" for k, v in FILTER.items())
    ds_q = f"indicator__in={FILTER['indicator']}&level={FILTER['level']}"
    load0 = os.getloadavg()

    # 1. Datasette, alone
    ds_port = free_port()
    ds = subprocess.Popen([sys.executable, "-m", "datasette", "serve", str(db), "--host", "127.0.0.1", "--port",
                           str(ds_port), "--setting", "max_returned_rows", "1000",
                           "--setting", "sql_time_limit_ms", "600000"], cwd=OUT,
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        ds_base = f"http://127.0.0.1:{ds_port}"
        wait(ds_base + "/-/versions.json", ds)
        ds_mem0 = rss_kb(ds.pid)
        ds_csv = measure("datasette filtered CSV (_stream=1)",
                         f"{ds_base}/{db.stem}/indicator_values.csv?{ds_q}&_stream=1&_size=max", args.runs)
        ds_mem1 = rss_kb(ds.pid, "VmHWM")
    finally:
        stop(ds)

    # 2. OpenMeasure without CSV blocks: every cold CSV is rendered per request (the old path)
    shutil.rmtree(BLOCKS, ignore_errors=True)
    port = free_port()
    om = serve(port, 0)
    try:
        base = f"http://127.0.0.1:{port}"
        wait(base + "/api/v1/", om)
        worker = children(om.pid)[0]
        mem_plain0 = rss_kb(worker)
        clear_cache()
        plain = measure("(a) openmeasure filtered CSV, cold, no blocks", f"{base}/api/v1/data?{q}&format=csv",
                        args.runs, cold=True, server=worker)
        plain_all = measure("(a) openmeasure whole-release CSV, cold, no blocks",
                            f"{base}/data/releases/current/indicator_values.csv", args.runs, cold=True, server=worker)
        mem_plain1 = rss_kb(worker, "VmHWM")
    finally:
        stop(om)

    # 3. OpenMeasure with the release's CSV blocks pre-rendered in the background
    shutil.rmtree(BLOCKS, ignore_errors=True)
    clear_cache()
    port = free_port()
    om = serve(port, None)
    try:
        base = f"http://127.0.0.1:{port}"
        wait(base + "/api/v1/", om)
        worker = children(om.pid)[0]
        mem0 = rss_kb(worker)
        t0 = time.perf_counter()
        requests.get(f"{base}/api/v1/data?indicator=population&limit=1", timeout=60).raise_for_status()
        blocks = blocks_done()
        blocks["wall_seconds_until_seen"] = round(time.perf_counter() - t0, 3)
        peak_prerender = rss_kb(worker, "VmHWM")
        total = int(requests.get(f"{base}/api/v1/releases/{release.name}").json()["rows"])
        clear_cache()
        cold = measure("(b) openmeasure filtered CSV, cold, from blocks", f"{base}/api/v1/data?{q}&format=csv",
                       args.runs, cold=True, server=worker)
        peak_filtered = rss_kb(worker, "VmHWM")
        warm = measure("(c) openmeasure filtered CSV, warm (cache)", f"{base}/api/v1/data?{q}&format=csv",
                       args.runs, server=worker)
        om_all = measure("(b) openmeasure whole-release CSV, cold, blocks",
                         f"{base}/data/releases/current/indicator_values.csv", args.runs, cold=True, server=worker)
        om_zip = measure("openmeasure bulk zip, cold, blocks", f"{base}/data/releases/current/release.zip", args.runs,
                         rows=total, cold=True, server=worker)
        om_zip_warm = measure("openmeasure bulk zip, warm (cache)", f"{base}/data/releases/current/release.zip",
                              args.runs, rows=total)
        mem1 = rss_kb(worker, "VmHWM")
    finally:
        stop(om)
    load1 = os.getloadavg()
    report = {
        "release": release.name, "filter": FILTER, "public_rows": total, "cpus": os.cpu_count(),
        "load_average": {"start": [round(x, 2) for x in load0], "end": [round(x, 2) for x in load1]},
        "csv_blocks": blocks,
        "results": [plain, cold, warm, ds_csv, plain_all, om_all, om_zip, om_zip_warm],
        "ratio_rows_per_s": {"a_cold_no_blocks": round(plain["rows_per_s"] / ds_csv["rows_per_s"], 1),
                             "b_cold_blocks": round(cold["rows_per_s"] / ds_csv["rows_per_s"], 1),
                             "c_warm": round(warm["rows_per_s"] / ds_csv["rows_per_s"], 1)},
        "same_rows": plain["rows"] == cold["rows"] == warm["rows"] == ds_csv["rows"],
        "memory_kb": {"no_blocks": {"start": mem_plain0, "peak": mem_plain1},
                      "blocks": {"start": mem0, "peak_after_prerender": peak_prerender,
                                 "peak_after_filtered_csv": peak_filtered, "peak_after_all": mem1},
                      "datasette": {"start": ds_mem0, "peak": ds_mem1}},
    }
    Path(args.out).write_text(json.dumps(report, indent=2))
    print(f"release {release.name}: {total:,} public rows; filter {FILTER}")
    print(f"load average (1, 5, 15 min) at start {report['load_average']['start']}, at end "
          f"{report['load_average']['end']}, on {report['cpus']} CPUs")
    print(f"CSV blocks pre-rendered in the background: {blocks['seconds']:.2f} s (seen after "
          f"{blocks['wall_seconds_until_seen']:.2f} s), {blocks['disk_bytes'] / 1e6:.1f} MB on disk in "
          f"{blocks['files']} files, complete: {blocks['complete']}")
    print(f"{'download':50} {'rows':>9} {'MB':>7} {'s':>7} {'rows/s':>11} {'MB/s':>7} {'cpu s':>6}  served as")
    for r in report["results"]:
        cpu = f"{r['server_cpu_s']:>6.3f}" if "server_cpu_s" in r else f"{'':>6}"
        print(f"{r['name']:50} {r['rows']:>9,} {r['bytes'] / 1e6:>7.1f} {r['seconds']:>7.3f} {r['rows_per_s']:>11,} "
              f"{r['mb_per_s']:>7.1f} {cpu}  {','.join(r['served_as'])}")
    ratio = report["ratio_rows_per_s"]
    print(f"OpenMeasure / Datasette (rows per second, same filter): (a) cold, no blocks {ratio['a_cold_no_blocks']}x; "
          f"(b) cold, blocks {ratio['b_cold_blocks']}x; (c) warm {ratio['c_warm']}x; same rows: {report['same_rows']}")
    m = report["memory_kb"]
    print(f"memory (MB): OpenMeasure worker without blocks {m['no_blocks']['start'] / 1024:.0f} -> peak "
          f"{m['no_blocks']['peak'] / 1024:.0f}; with blocks {m['blocks']['start'] / 1024:.0f} -> peak "
          f"{m['blocks']['peak_after_prerender'] / 1024:.0f} after the pre-render, "
          f"{m['blocks']['peak_after_filtered_csv'] / 1024:.0f} after the filtered CSV, "
          f"{m['blocks']['peak_after_all'] / 1024:.0f} after the whole release and the zip; Datasette "
          f"{m['datasette']['start'] / 1024:.0f} -> peak {m['datasette']['peak'] / 1024:.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
