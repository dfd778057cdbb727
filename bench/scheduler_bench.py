"""Scheduler benchmarks (not a test): lock and slot-claim latency, trigger-to-start delay, alert evaluation.

    python -m bench.scheduler_bench [--pg URL] [--runs 8]

Uses the tiny deployment of tests/etl/scheduler and, for alert evaluation, the demo release in data/store
(run `python -m etl.cli etl run --config config.yaml` first).
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

from sqlalchemy import text

from core import catalogue
from etl import locks

ROOT = Path(__file__).resolve().parents[1]


def lock_latency(url: str, n: int = 200) -> dict[str, float]:
    engine = catalogue.connect(url)
    t = time.perf_counter()
    for _ in range(n):
        with locks.hold(engine, f"bench-{os.getpid()}"):
            pass
    hold_ms = (time.perf_counter() - t) / n * 1000
    t = time.perf_counter()
    for i in range(n):
        locks.claim_slot(engine, f"bench-{os.getpid()}", f"{time.time()}-{i}")
    claim_ms = (time.perf_counter() - t) / n * 1000
    return {"lock_acquire_release_ms": round(hold_ms, 2), "slot_claim_ms": round(claim_ms, 2)}


def trigger_delay(n_runs: int) -> dict[str, float]:
    sys.path.insert(0, str(ROOT))
    from tests.etl.scheduler.conftest import runs, tiny_config

    with tempfile.TemporaryDirectory() as tmp:
        config = tiny_config(Path(tmp), schedules=[{"id": "tick", "interval_seconds": 2}])
        log = open(Path(tmp) / "log", "wb")  # noqa: SIM115
        t0 = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "etl.cli", "schedule", "--config", str(config)], cwd=ROOT,
                                stdout=log, stderr=subprocess.STDOUT)
        while len(runs(config)) < 1:
            time.sleep(0.05)
        first = time.perf_counter() - t0
        while len([r for r in runs(config) if r["finished_at"]]) < n_runs:
            time.sleep(0.2)
        proc.send_signal(signal.SIGTERM)
        proc.wait(60)
        db = catalogue.connect(f"sqlite:///{Path(tmp) / 'catalog.db'}")
        with db.connect() as con:
            slots = [datetime.fromisoformat(s) for (s,) in con.execute(text("SELECT slot FROM job_slots ORDER BY slot"))]
        done = runs(config)
        delays = [(catalogue.as_utc(datetime.fromisoformat(str(r["started_at"]))) - s).total_seconds() * 1000
                  for r, s in zip(done, slots, strict=False)]
        return {"start_to_first_run_s": round(first, 2), "trigger_to_run_start_ms_median": round(statistics.median(delays)),
                "trigger_to_run_start_ms_max": round(max(delays)),
                "tiny_run_seconds_median": round(statistics.median(r["seconds"] for r in done if r["seconds"]), 3)}


def alert_evaluation() -> dict[str, float]:
    from core.config import load_config
    from etl.alerts import kpi_changes

    config = load_config(ROOT / "config.yaml")
    cfg = config.alerts or __import__("core.config_models", fromlist=["AlertsConfig"]).AlertsConfig()
    out = {}
    for levels in (["country"], ["country", "region", "municipality"]):
        c = cfg.model_copy(update={"levels": levels})
        t = time.perf_counter()
        events = kpi_changes(config, c)
        out[f"kpi_alerts_{len(levels)}_levels_ms"] = round((time.perf_counter() - t) * 1000)
        out[f"kpi_alerts_{len(levels)}_levels_events"] = len(events)
    return out


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--pg", default=os.environ.get("OPENMEASURE_TEST_PG_URL"))
    p.add_argument("--runs", type=int, default=8)
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        print("sqlite", lock_latency(f"sqlite:///{tmp}/c.db"))
    if args.pg:
        print("postgresql", lock_latency(args.pg))
    print("scheduler", trigger_delay(args.runs))
    print("alerts (demo release)", alert_evaluation())


if __name__ == "__main__":
    main()
