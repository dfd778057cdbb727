"""Page weight and speed of every page type in a real browser (not a test; numbers go into reports).

    python -m bench.pages [--runs 3] [--workers 2] [--keep-store]

1. Runs the demo pipeline (config.yaml, data/demo) into bench/out/pages/store, unless it is there already.
2. Starts ``openmeasure serve`` (gunicorn) on a free 127.0.0.1 port.
3. For each page type opens the page in headless Chromium (Playwright) in a new browser context (an empty cache:
   a first visit), waits until it is drawn, then opens it again in the same context (a second visit), and
   records for both: the bytes that came over the network (the sum of Chrome's ``encodedDataLength``, headers
   included; what the cache answered counts 0), the number of requests, the Largest Contentful Paint, the
   moment the first chart (Plotly's SVG or the map's canvas) was in the page, and when plotly.js had arrived
   (ms from the start of navigation). Chrome's LCP never counts a chart (SVG and WebGL canvases are not
   candidates): the chart's own moment is the one to read against the 2.5 s goal. Prints a table of medians over
   ``--runs`` and writes bench/out/pages.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.dashboard import free_port, start

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
WORK = OUT / "pages"
CHROMIUM = "/usr/bin/chromium"
#: Records, from the first paint on, the moment the first chart is in the page and the LCP entries.
PROBE = """
window.__lcp = [];
new PerformanceObserver(l => { for (const e of l.getEntries()) window.__lcp.push(
    {t: e.startTime, el: e.element ? (e.element.tagName + '.' + (e.element.className.baseVal ?? e.element.className)) : ''});
}).observe({type: 'largest-contentful-paint', buffered: true});
new MutationObserver((_, obs) => {
  if (document.querySelector('.js-plotly-plot .main-svg, .js-plotly-plot canvas')) {
    window.__chart = performance.now(); obs.disconnect();
  }
}).observe(document, {childList: true, subtree: true});
"""


def environment() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "OPENMEASURE_STORE": str(WORK / "store"),
            "OPENMEASURE_CATALOGUE": f"sqlite:///{WORK / 'catalog.db'}"}


def build_store(keep: bool) -> None:
    if keep and (WORK / "store" / "CURRENT").is_file():
        return
    WORK.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "etl.cli", "etl", "run", "--config", str(ROOT / "config.yaml")],
                   cwd=ROOT, env=environment(), check=True, stdout=subprocess.DEVNULL)
    print(f"demo release built in {time.perf_counter() - t0:.0f} s", flush=True)


def page_types(base: str) -> dict[str, str]:
    """One address of each page type, named from the release the server shows."""
    import requests

    inds = requests.get(f"{base}/api/v1/indicators", timeout=30).json()
    inds = inds.get("indicators", inds.get("data", inds)) if isinstance(inds, dict) else inds
    first = sorted(inds, key=lambda i: (i.get("theme", ""), i.get("title", "")))[0]["id"]
    areas = requests.get(f"{base}/api/v1/areas", timeout=30).json()
    areas = areas.get("areas", areas.get("data", areas)) if isinstance(areas, dict) else areas
    local = [a["area_code"] for a in areas if a.get("level") == areas[-1].get("level")]
    return {"overview": "/", "indicator": f"/indicator/{first}", "area": f"/area/{local[0]}",
            "compare": f"/compare?areas={','.join(local[:3])}", "indicator index": "/indicator",
            "area index": "/area", "methodology": f"/methodology/{first}", "status": "/status"}


def visit(page, cdp, url: str) -> dict:
    sizes: dict[str, float] = {}

    def finished(e):
        sizes[e["requestId"]] = e["encodedDataLength"]
    cdp.on("Network.loadingFinished", finished)
    t0 = time.perf_counter()
    page.goto(url, wait_until="load")
    page.wait_for_selector("main h1", state="attached", timeout=60_000)
    page.wait_for_function("() => !document.querySelector('[data-dash-is-loading=\"true\"]')", timeout=60_000)
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(300)
    wall = time.perf_counter() - t0
    probe = page.evaluate("() => ({lcp: window.__lcp, chart: window.__chart ?? null, plotly: (performance"
                          ".getEntriesByType('resource').find(e => e.name.includes('plotly-openmeasure')) || {}).responseEnd ?? null})")
    cdp.remove_listener("Network.loadingFinished", finished)
    lcp = probe["lcp"][-1] if probe["lcp"] else {"t": None, "el": ""}
    return {"bytes": int(sum(sizes.values())), "requests": len(sizes), "lcp_ms": lcp["t"], "lcp_element": lcp["el"],
            "chart_ms": probe["chart"], "plotly_ms": probe["plotly"], "settled_s": round(wall, 2)}


def measure(base: str, pages: dict[str, str], runs: int) -> dict:
    from playwright.sync_api import sync_playwright

    results: dict[str, dict[str, list]] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                    args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        for _ in range(runs):
            for name, path in pages.items():
                ctx = browser.new_context(viewport={"width": 1280, "height": 900})
                ctx.add_init_script(PROBE)
                page = ctx.new_page()
                cdp = ctx.new_cdp_session(page)
                cdp.send("Network.enable")
                first = visit(page, cdp, base + path)
                second = visit(page, cdp, base + path)
                ctx.close()
                r = results.setdefault(name, {"path": path, "first": [], "second": []})
                r["first"].append(first)
                r["second"].append(second)
        browser.close()
    return results


def median(rows: list[dict], key: str):
    vals = [r[key] for r in rows if r[key] is not None]
    return statistics.median(vals) if vals else None


def report(results: dict) -> list[dict]:
    table = []
    print(f"{'page':<16} {'first KB':>9} {'req':>4} {'second KB':>10} {'req':>4} {'LCP ms':>7} {'chart ms':>9} {'plotly ms':>9}  LCP element")
    for name, r in results.items():
        row = {"page": name, "path": r["path"],
               "first_kb": round(median(r["first"], "bytes") / 1024, 1),
               "first_requests": median(r["first"], "requests"),
               "second_kb": round(median(r["second"], "bytes") / 1024, 1),
               "second_requests": median(r["second"], "requests"),
               "lcp_ms": median(r["first"], "lcp_ms"), "chart_ms": median(r["first"], "chart_ms"),
               "plotly_ms": median(r["first"], "plotly_ms"), "chart_second_ms": median(r["second"], "chart_ms"),
               "lcp_element": r["first"][-1]["lcp_element"]}
        table.append(row)
        fmt = lambda v: "-" if v is None else f"{v:.0f}"  # noqa: E731
        print(f"{name:<16} {row['first_kb']:>9.1f} {row['first_requests']:>4.0f} {row['second_kb']:>10.1f} "
              f"{row['second_requests']:>4.0f} {fmt(row['lcp_ms']):>7} {fmt(row['chart_ms']):>9} {fmt(row['plotly_ms']):>9}  {row['lcp_element']}"
              + (f" (second visit: chart {fmt(row['chart_second_ms'])} ms)" if row["chart_second_ms"] else ""))
    return table


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--keep-store", action="store_true", help="reuse bench/out/pages/store when it is there")
    ap.add_argument("--label", default="", help="a name for this run in bench/out/pages.json")
    args = ap.parse_args(argv)
    build_store(args.keep_store)
    port = free_port()
    os.environ.update(environment())
    proc = start(ROOT / "config.yaml", port, args.workers)
    try:
        base = f"http://127.0.0.1:{port}"
        pages = page_types(base)
        table = report(measure(base, pages, args.runs))
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "pages.json").write_text(json.dumps({"label": args.label, "runs": args.runs, "pages": table}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
