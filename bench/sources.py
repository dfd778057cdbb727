"""Time the largest SDMX-CSV in examples/data through parse, measure selection and validation.

    python -m bench.sources [--repeat 3]

demo_r_pjanaggr3_linear.csv.gz: 649,023 rows (50 MB uncompressed, gzip, CRLF). Every row is selected: one
measure per sex, broken down by age, so validation sees all of them (area codes against the NUTS 2021
geography, duplicates, negative counts, periods). Target: >= 1 million rows per second end to end. Wall-clock times on a shared machine vary a lot: the best of
``--repeat`` runs is reported, with the load average.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import pyarrow as pa

from core.config_models import Config
from core.geography import load_areas
from etl.observations import extract_measures
from etl.sources import read_source
from etl.validate import validate_observations
from indicators.compute import OBS_FOR_ENGINE

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "examples" / "data"
FILE = DATA / "eurostat-regional-population-gdp/sdmx-csv/demo_r_pjanaggr3_linear.csv.gz"


def config() -> Config:
    geo = {"levels": ["country", "nuts1", "nuts2", "nuts3"],
           "areas": {"path": str(DATA / "nuts2021-boundaries/nuts2021_hierarchy.csv"), "code": "nuts_id",
                     "name": "name_latn", "level": "level", "parent": "parent_id",
                     "level_values": {"0": "country", "1": "nuts1", "2": "nuts2", "3": "nuts3"}}}
    measures = [{"id": f"pop_{s.lower()}", "source": "pop", "select": {"sex": s}, "breakdown": "age"}
                for s in ("F", "M", "T")]
    return Config.model_validate({
        "geography": geo, "sources": [{"id": "pop", "format": "sdmx_csv", "path": str(FILE)}],
        "measures": measures,
        "indicators": [{"id": m["id"], "title": m["id"], "theme": "inclusion", "kind": "output", "unit": "people",
                        "compute": {"method": "sum", "measure": m["id"]}} for m in measures]})


def once(cfg: Config, known: set[str]) -> dict[str, float]:
    source = cfg.sources[0]
    c0 = time.process_time()
    t0 = time.perf_counter()
    raw = read_source(source)
    t1 = time.perf_counter()
    obs = extract_measures(raw, source, cfg.measures, cfg)
    t2 = time.perf_counter()
    clean, findings = validate_observations(obs, known, source.path, {m.id for m in cfg.measures},
                                            frequencies={m.id: "annual" for m in cfg.measures})
    t3 = time.perf_counter()
    pa.Table.from_pandas(clean[OBS_FOR_ENGINE], preserve_index=False)
    t4 = time.perf_counter()
    return {"rows": len(raw), "observations": len(obs), "clean": len(clean), "findings": len(findings),
            "parse": t1 - t0, "select": t2 - t1, "validate": t3 - t2, "total": t3 - t0, "handover": t4 - t3,
            "cpu": time.process_time() - c0}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    cfg = config()
    known = set(load_areas(cfg.geography).area_code)
    runs = [once(cfg, known) for _ in range(args.repeat)]
    best = min(runs, key=lambda r: r["total"])
    n = best["rows"]
    print(f"file: {FILE.name} ({FILE.stat().st_size:,} bytes gz), {n:,} rows, {best['observations']:,} "
          f"observations, {best['findings']:,} findings, cores: {os.cpu_count()}")
    for step in ("parse", "select", "validate", "total"):
        print(f"  {step:<9} {best[step]:6.3f} s  {n / best[step]:>12,.0f} rows/s")
    print(f"  then {best['handover']:.3f} s to hand the clean observations to the engine as an Arrow table; CPU time of the run (all threads) {best['cpu']:.3f} s; load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    totals = ", ".join(f"{r['total']:.3f}" for r in runs)
    print(f"best of {args.repeat}; all totals: {totals} s")


if __name__ == "__main__":
    main()
