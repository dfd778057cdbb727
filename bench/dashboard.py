"""Benchmark of the dashboard's main callbacks under gunicorn (not a test; numbers go into reports).

    python -m bench.dashboard [--areas 5000] [--indicators 200] [--periods 20] [--requests 200] [--clients 8]
                              [--lang en]

1. Generates a release of ``areas`` local areas (under 50 regions and one country) x ``indicators`` x
   ``periods`` into bench/out/store (the default shape) or bench/out/store-AxIxP (any other shape), kept
   between runs (``--regenerate`` to rebuild; ``--generate-only`` to stop there), in the release layout
   (both sort orders, areas, indicators, manifest, boundaries as a grid of squares).
2. Starts ``openmeasure serve`` (gunicorn, ``--workers`` workers) on a free 127.0.0.1 port.
3. Times, end to end over HTTP, the map update (a new period or indicator: a Patch of values) and the area
   profile (the page router drawing ``/area/<code>``), ``--requests`` times sequentially and then with
   ``--clients`` concurrent clients; prints p50/p95, response size, requests/s and RSS per worker, and writes
   bench/out/dashboard.json (``dashboard-<lang>.json`` for another language than English).

``--lang``: the pages' language (the config offers en, fr and de whatever is asked, so runs differ only by it):
each request carries the page's address with ``?lang=`` as its ``Referer``, as a browser's Dash requests do, so
the callbacks draw their words from the catalogue and their numbers with Babel (issue 22: translation should
cost nothing measurable; compare ``--lang en`` with ``--lang fr``).
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import requests

from core.layout import AREAS_PER_BUCKET, LEVEL_RANGES, bucket_file
from core.store import sha256_file
from etl.release_values import RANGES_SQL

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
RELEASE_ID = "20260101T000000Z-b0b0b0"
LEVELS = ["country", "region", "local"]
FIRST_YEAR = 2005
DEFAULT_SHAPE = {"areas": 5000, "indicators": 200, "periods": 20}


# --- the store ------------------------------------------------------------------------------------------
def area_table(n_local: int, n_regions: int = 50) -> dict[str, list]:
    codes, names, levels, parents, idx = ["BX"], ["Benchland"], ["country"], [""], [0]
    for r in range(n_regions):
        codes.append(f"BX{r:02d}")
        names.append(f"Region {r}")
        levels.append("region")
        parents.append("BX")
        idx.append(1)
    for a in range(n_local):
        codes.append(f"BX{a % n_regions:02d}{a:05d}")
        names.append(f"Local area {a}")
        levels.append("local")
        parents.append(f"BX{a % n_regions:02d}")
        idx.append(2)
    return {"area_code": codes, "name": names, "level": levels, "parent_code": parents, "level_index": idx}


def boundaries(codes: list[str], cols: int) -> dict:
    feats = []
    for i, code in enumerate(codes):
        x, y = (i % cols) * 0.05, (i // cols) * 0.05
        feats.append({"type": "Feature", "id": code, "properties": {"area_code": code},
                      "geometry": {"type": "Polygon", "coordinates": [[[x, y], [x + 0.05, y], [x + 0.05, y + 0.05],
                                                                        [x, y + 0.05], [x, y]]]}})
    return {"type": "FeatureCollection", "features": feats}


def value_cube(n_ind: int, n_per: int, n_area: int) -> np.ndarray:
    """value[indicator, period, area], deterministic, float64."""
    rng = np.random.default_rng(7)
    base = 50 + 20 * np.sin(np.arange(n_area)[None, None, :] * 0.37 + np.arange(n_ind)[:, None, None] * 1.3)
    trend = 0.4 * np.arange(n_per)[None, :, None]
    return (base + trend + rng.normal(0, 2, (n_ind, n_per, n_area))).round(3)


def rows_table(ind_ids, periods, codes, levels, parents, level_idx, vals, ranks, nranked) -> pa.Table:
    """Rows in the release's indicator_values schema (columns the dashboard does not read left empty)."""
    n = len(vals)
    f64 = lambda a: pa.array(a, pa.float64())  # noqa: E731
    nul = lambda t: pa.nulls(n, t)  # noqa: E731
    status = np.where(np.isnan(vals), "suppressed", "ok")
    return pa.table({
        "indicator": pa.array(ind_ids), "area_code": pa.array(codes), "level": pa.array(levels),
        "level_index": pa.array(level_idx, pa.int32()), "parent_code": pa.array(parents),
        "period": pa.array(periods), "breakdown": pa.array(np.full(n, "total")),
        "value": f64(vals), "numerator": nul(pa.float64()), "denominator": nul(pa.float64()),
        "lower_ci": f64(vals - 1.5), "upper_ci": f64(vals + 1.5), "status": pa.array(status),
        "flags": pa.array(np.full(n, "")), "note": nul(pa.string()), "coverage": f64(np.ones(n)),
        "coverage_denominator": nul(pa.float64()), "n_reporting": f64(np.ones(n)),
        "n_expected": pa.array(np.ones(n, np.int64)), "parent_value": f64(vals * 0.98),
        "top_value": f64(vals * 1.01), "significance_parent": pa.array(np.full(n, "similar")),
        "significance_top": pa.array(np.full(n, "similar")), "rank_level": f64(ranks),
        "n_ranked_level": pa.array(nranked.astype(np.int64)), "rank_parent": nul(pa.float64()),
        "n_ranked_parent": nul(pa.float64()), "quartile": f64(np.ceil(ranks / nranked * 4)),
        "previous_period": nul(pa.string()), "previous_value": nul(pa.float64()), "change": nul(pa.float64()),
        "change_significance": pa.array(np.full(n, "not compared")), "peer_mean": nul(pa.float64()),
        "peer_count": nul(pa.float64()), "target": nul(pa.float64()), "target_period": nul(pa.string()),
        "progress_ratio": nul(pa.float64()), "cagr_observed": nul(pa.float64()),
        "progress_status": nul(pa.string()), "rag": nul(pa.string()), "visibility": pa.array(np.full(n, "public")),
    })


def generate(folder: Path, n_local: int, n_ind: int, n_per: int) -> None:
    t0 = time.perf_counter()
    shutil.rmtree(folder.parent.parent, ignore_errors=True)
    (folder / "boundaries").mkdir(parents=True)
    areas = area_table(n_local)
    codes = np.array(areas["area_code"])
    lvl = np.array(areas["level"])
    par = np.array(areas["parent_code"])
    lidx = np.array(areas["level_index"])
    order = np.lexsort((codes, lidx))  # level, then code: the by-indicator file's order
    n_area = len(codes)
    ind_ids = np.array([f"ind_{i:03d}" for i in range(n_ind)])
    periods = np.array([str(FIRST_YEAR + p) for p in range(n_per)])
    cube = value_cube(n_ind, n_per, n_area)
    sup = np.zeros(n_area, bool)
    sup[np.where(lidx == 2)[0][::97]] = True
    cube[:, :, sup] = np.nan
    ranks = np.full(cube.shape, np.nan)
    nranked = np.ones(cube.shape)
    for lv in range(3):
        m = lidx == lv
        sub = cube[:, :, m]
        r = np.argsort(np.argsort(-np.nan_to_num(sub, nan=-1e9), axis=2), axis=2) + 1.0
        r[np.isnan(sub)] = np.nan
        ranks[:, :, m] = r
        nranked[:, :, m] = (~np.isnan(sub)).sum(axis=2, keepdims=True)

    schema = None
    with_by_ind = None
    for i in range(n_ind):
        a_idx = np.tile(order, n_per).reshape(n_per, -1).T.ravel()  # area-major, then period
        p_idx = np.tile(np.arange(n_per), n_area)
        t = rows_table(np.full(len(a_idx), ind_ids[i]), periods[p_idx], codes[a_idx], lvl[a_idx], par[a_idx],
                       lidx[a_idx], cube[i, p_idx, a_idx], ranks[i, p_idx, a_idx], nranked[i, p_idx, a_idx])
        if with_by_ind is None:
            schema = t.schema
            with_by_ind = pq.ParquetWriter(folder / "indicator_values.parquet", schema)
        with_by_ind.write_table(t, row_group_size=50_000)
    with_by_ind.close()
    print(f"  indicator_values.parquet written ({time.perf_counter() - t0:.0f} s)", flush=True)
    # the spread per level and period, as the ETL writes it (etl.release_values.RANGES_SQL; all public here)
    con = duckdb.connect()
    con.read_parquet(str(folder / "indicator_values.parquet")).create_view("values_")
    con.execute("CREATE VIEW chunk AS SELECT *, 'public' AS visibility FROM values_")
    pq.write_table(con.sql(RANGES_SQL).to_arrow_table(), folder / LEVEL_RANGES)
    con.close()

    # the by-area layout of a real release (etl.release_values): files of AREAS_PER_BUCKET consecutive codes
    by_area_order = np.argsort(codes, kind="stable")
    bucket_of = np.empty(n_area, dtype=np.int32)
    bucket_of[by_area_order] = np.arange(n_area) // AREAS_PER_BUCKET
    (folder / "by_area").mkdir()
    for k, chunk in enumerate(np.array_split(by_area_order, range(AREAS_PER_BUCKET, n_area, AREAS_PER_BUCKET))):
        a_idx = np.repeat(chunk, n_ind * n_per)
        i_idx = np.tile(np.repeat(np.arange(n_ind), n_per), len(chunk))
        p_idx = np.tile(np.arange(n_per), len(chunk) * n_ind)
        t = rows_table(ind_ids[i_idx], periods[p_idx], codes[a_idx], lvl[a_idx], par[a_idx], lidx[a_idx],
                       cube[i_idx, p_idx, a_idx], ranks[i_idx, p_idx, a_idx], nranked[i_idx, p_idx, a_idx])
        pq.write_table(t, folder / bucket_file(k), row_group_size=50_000)
    print(f"  by_area/ written ({time.perf_counter() - t0:.0f} s)", flush=True)

    nb = [[str(codes[j]) for j in (np.where(lidx == 2)[0][(k + 1 + np.arange(5)) % n_local])] if lidx[k2] == 2 else []
          for k, k2 in zip(np.cumsum(lidx == 2) - 1, range(n_area), strict=True)]
    pq.write_table(pa.table({**{k: pa.array(v) for k, v in areas.items() if k != "level_index"},
                             "level_index": pa.array(areas["level_index"], pa.int32()),
                             "top_code": pa.array(["BX"] * n_area), "neighbours": pa.array(nb, pa.list_(pa.string())),
                             "bucket": pa.array(bucket_of)}),
                   folder / "areas.parquet")
    themes = ["service use", "administrative burden", "jobs", "growth", "inclusion"]
    pq.write_table(pa.table({
        "id": ind_ids, "title": [f"Indicator {i}" for i in range(n_ind)], "description": ["Benchmark indicator"] * n_ind,
        "theme": [themes[i % 5] for i in range(n_ind)], "kind": ["outcome"] * n_ind, "unit": ["%"] * n_ind,
        "decimals": pa.array([1] * n_ind, pa.int64()), "multiplier": [100.0] * n_ind,
        "polarity": ["higher_is_better"] * n_ind, "method": ["ratio"] * n_ind, "aggregation": ["ratio of sums"] * n_ind,
        "numerator": ["a"] * n_ind, "denominator": ["b"] * n_ind, "interval": ["wilson"] * n_ind,
        "sources": ["[]"] * n_ind, "licence": ["CC-BY-4.0"] * n_ind, "attribution": [""] * n_ind,
        "methodology": [""] * n_ind, "caveats": [""] * n_ind, "visibility": ["public"] * n_ind,
        "frequency": ["annual"] * n_ind, "disclosure": pa.nulls(n_ind, pa.string()),
        "target": pa.nulls(n_ind, pa.float64()), "target_period": pa.nulls(n_ind, pa.string()),
        "min_coverage": [0.75] * n_ind}), folder / "indicators.parquet")
    for lv in LEVELS:
        m = lvl == lv
        cols = max(1, int(np.ceil(np.sqrt(m.sum()))))
        (folder / "boundaries" / f"{lv}.geojson").write_text(json.dumps(boundaries(codes[m].tolist(), cols)))
    write_manifest(folder)
    (folder.parent.parent / "CURRENT").write_text(RELEASE_ID + "\n")
    print(f"store generated in {time.perf_counter() - t0:.0f} s: "
          f"{pq.ParquetFile(folder / 'indicator_values.parquet').metadata.num_rows:,} rows", flush=True)


def write_manifest(folder: Path) -> None:
    """The release's manifest, listing every file with its size and SHA-256 as a real release's does: the
    dashboard serves a file (the boundaries) only once it matches its manifest entry."""
    files = {str(f.relative_to(folder)): {"bytes": f.stat().st_size, "sha256": sha256_file(f)}
             for f in sorted(folder.rglob("*")) if f.is_file() and f.name != "manifest.json"}
    (folder / "manifest.json").write_text(json.dumps({
        "release_id": RELEASE_ID, "created": "2026-01-01T00:00:00+00:00", "title": "Benchmark", "synthetic": True,
        "levels": LEVELS, "licence": "CC-BY-4.0", "attribution": "", "citation": "", "files": files}))


def write_config(store: Path) -> Path:
    """A minimal valid deployment config pointing at the benchmark store."""
    (OUT / "inputs").mkdir(parents=True, exist_ok=True)
    (OUT / "inputs" / "areas.csv").write_text("area_code,name,level,parent_code\nBX,Benchland,country,\n")
    (OUT / "inputs" / "x.csv").write_text("area_code,period,value\nBX,2020,1\n")
    cfg = OUT / "config.yaml"
    cfg.write_text(f"""title: OpenMeasure benchmark
synthetic: true
store: {store}
catalogue: sqlite:///{OUT / 'catalog.db'}
geography:
  levels: [{', '.join(LEVELS)}]
  areas: {{path: inputs/areas.csv}}
sources: [{{id: x, format: csv, path: inputs/x.csv}}]
measures: [{{id: m, source: x}}]
languages: {{default: en, available: [en, fr, de]}}
indicators: [{{id: ind_000, title: x, theme: jobs, kind: outcome, unit: "%", compute: {{method: published, measure: m}}}}]
""")
    return cfg


# --- the server and the clients --------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(cfg: Path, port: int, workers: int) -> subprocess.Popen:
    log = open(OUT / "gunicorn.log", "w")  # noqa: SIM115 (closed with the process)
    proc = subprocess.Popen([sys.executable, "-m", "etl.cli", "serve", "--config", str(cfg), "--port", str(port),
                             "--workers", str(workers)], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/_dash-layout", timeout=5).ok:
                return proc
        except requests.RequestException:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit(f"the server did not start; see {OUT / 'gunicorn.log'}")


def workers_rss(master: int) -> list[dict]:
    kids = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    out = []
    for pid in kids:
        status = {ln.split(":")[0]: ln.split()[1] for ln in Path(f"/proc/{pid}/status").read_text().splitlines()
                  if ln.startswith(("VmRSS", "VmHWM"))}
        out.append({"pid": int(pid), "rss_mb": int(status["VmRSS"]) // 1024,
                    "peak_rss_mb": int(status["VmHWM"]) // 1024})
    return out


def map_body(indicator: str, period: str, level: str = "local") -> dict:
    return {"output": "..explorer-map.figure...explorer-map-summary.children...explorer-links.children..",
            "outputs": [{"id": "explorer-map", "property": "figure"},
                        {"id": "explorer-map-summary", "property": "children"},
                        {"id": "explorer-links", "property": "children"}],
            "inputs": [{"id": "explorer-indicator", "property": "value", "value": indicator},
                       {"id": "explorer-level", "property": "value", "value": level},
                       {"id": "explorer-period", "property": "value", "value": period}],
            "changedPropIds": ["explorer-period.value"],
            "state": [{"id": "release-id", "property": "data", "value": RELEASE_ID}]}


def profile_body(code: str) -> dict:
    return {"output": ".._pages_content.children..._pages_store.data..",
            "outputs": [{"id": "_pages_content", "property": "children"}, {"id": "_pages_store", "property": "data"}],
            "inputs": [{"id": "_pages_location", "property": "pathname", "value": f"/area/{code}"},
                       {"id": "_pages_location", "property": "search", "value": ""}],
            "changedPropIds": ["_pages_location.pathname"], "state": []}


def referer(base: str, body: dict, lang: str) -> dict:
    """The headers of a Dash request sent by a page in ``lang``: the page's address (with ``?lang=``) as Referer."""
    page = body["inputs"][0]["value"] if body["inputs"][0]["id"] == "_pages_location" else "/indicator/ind_000"
    return {"Referer": f"{base}{page}?lang={lang}"}


def run(url: str, bodies: list[dict], clients: int, lang: str = "en") -> dict:
    local = __import__("threading").local()
    base = url.split("/_dash-")[0]

    def one(body):
        s = getattr(local, "s", None) or setattr(local, "s", requests.Session()) or local.s
        t = time.perf_counter()
        r = s.post(url, json=body, timeout=60, headers=referer(base, body, lang))
        dt = time.perf_counter() - t
        if r.status_code != 200:
            raise SystemExit(f"HTTP {r.status_code}: {r.text[:300]}")
        return dt, len(r.content)

    t0 = time.perf_counter()
    with cf.ThreadPoolExecutor(clients) as pool:
        res = list(pool.map(one, bodies))
    wall = time.perf_counter() - t0
    times = sorted(x[0] * 1000 for x in res)
    return {"n": len(res), "clients": clients, "p50_ms": round(statistics.median(times), 1),
            "p95_ms": round(times[int(0.95 * (len(times) - 1))], 1), "max_ms": round(times[-1], 1),
            "mean_kb": round(statistics.mean(x[1] for x in res) / 1024, 1), "req_per_s": round(len(res) / wall, 1)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--areas", type=int, default=DEFAULT_SHAPE["areas"])
    ap.add_argument("--indicators", type=int, default=DEFAULT_SHAPE["indicators"])
    ap.add_argument("--periods", type=int, default=DEFAULT_SHAPE["periods"])
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--regenerate", action="store_true")
    ap.add_argument("--generate-only", action="store_true", help="write the store and stop (no server, no timing)")
    ap.add_argument("--lang", default="en", choices=["en", "fr", "de"], help="the pages' language (?lang=)")
    args = ap.parse_args(argv)
    shape = {"areas": args.areas, "indicators": args.indicators, "periods": args.periods}
    # one store per shape, so small runs while iterating do not throw away the full-scale store
    store = OUT / ("store" if shape == DEFAULT_SHAPE else f"store-{args.areas}x{args.indicators}x{args.periods}")
    folder = store / "releases" / RELEASE_ID
    stamp = store / "shape.json"
    stale = not (folder / LEVEL_RANGES).is_file()  # written before the release carried the level ranges
    if args.regenerate or stale or not stamp.is_file() or json.loads(stamp.read_text()) != shape:
        print(f"generating {shape} into {store} ...", flush=True)
        generate(folder, args.areas, args.indicators, args.periods)
        stamp.write_text(json.dumps(shape))
    elif not json.loads((folder / "manifest.json").read_text()).get("files"):  # written before it listed them
        write_manifest(folder)
    if args.generate_only:
        return 0
    cfg = write_config(store)
    port = free_port()
    proc = start(cfg, port, args.workers)
    url = f"http://127.0.0.1:{port}/_dash-update-component"
    rnd = random.Random(1)
    inds = [f"ind_{i:03d}" for i in range(args.indicators)]
    pers = [str(FIRST_YEAR + p) for p in range(args.periods)]
    locals_ = [f"BX{a % 50:02d}{a:05d}" for a in range(args.areas)]
    results: dict = {"shape": shape, "workers": args.workers, "lang": args.lang}
    base = url.split("/_dash-")[0]
    try:
        # cold: the first requests of each worker read level ranges and period lists once per release
        t = time.perf_counter()
        for _ in range(2 * args.workers):
            body = profile_body(rnd.choice(locals_))
            requests.post(url, json=body, timeout=300, headers=referer(base, body, args.lang))
            body = map_body(rnd.choice(inds), rnd.choice(pers))
            requests.post(url, json=body, timeout=300, headers=referer(base, body, args.lang))
        results["warm_up_s"] = round(time.perf_counter() - t, 1)
        if args.lang != "en":  # the answers are in the language asked for, not English
            body = map_body(inds[0], pers[-1])
            asked, english = (requests.post(url, json=body, timeout=300, headers=referer(base, body, lang)).text
                              for lang in (args.lang, "en"))
            if asked == english:
                raise SystemExit(f"the map's answer in {args.lang} is the English one: is the language offered?")
        def draw(kind: str) -> list[dict]:
            if kind == "map_update":
                return [map_body(rnd.choice(inds), rnd.choice(pers)) for _ in range(args.requests)]
            return [profile_body(rnd.choice(locals_)) for _ in range(args.requests)]
        for name in ("map_update", "area_profile"):
            # each phase draws its own requests: the concurrent one must not find the sequential one's
            # selections already in the workers' caches
            results[name] = {"sequential": run(url, draw(name), 1, args.lang),
                             "concurrent": run(url, draw(name), args.clients, args.lang)}
        body = {**map_body(inds[0], pers[-1]), "changedPropIds": ["explorer-level.value"]}
        full = requests.post(url, json=body, headers=referer(base, body, args.lang))
        geo = requests.get(f"http://127.0.0.1:{port}/boundaries/{RELEASE_ID}/local.geojson")
        results["full_map_kb"] = round(len(full.content) / 1024, 1)
        results["boundaries_kb_once"] = round(len(geo.content) / 1024, 1)
        results["workers_rss"] = workers_rss(proc.pid)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    (OUT / ("dashboard.json" if args.lang == "en" else f"dashboard-{args.lang}.json")).write_text(
        json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
