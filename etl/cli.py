"""The ``openmeasure`` command.

    openmeasure etl run [--config PATH] [--job NAME]   run the pipeline once and publish a release
    openmeasure etl report [--config PATH]             the last run's data-quality findings
    openmeasure config check PATH                      validate a config file
    openmeasure releases list [--config PATH]          published releases, newest first
    openmeasure demo [--config PATH] [--no-serve]      generate the demo inputs, run the ETL, serve
    openmeasure serve [--config PATH] [--host H] [--port N] [--workers N]   the dashboard under gunicorn

Every error a user can act on is printed as one message without a traceback (exit status 2).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Sequence

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from etl.exceptions import OpenMeasureError

console = Console(stderr=True)
out = Console()

DEFAULT_CONFIG = "config.yaml"


def _config_path(args: argparse.Namespace) -> str:
    return args.config or os.environ.get("OPENMEASURE_CONFIG") or DEFAULT_CONFIG


def _load(args: argparse.Namespace):
    from etl.config import load_config

    return load_config(_config_path(args))


def cmd_etl_run(args: argparse.Namespace) -> int:
    from etl.pipeline import run

    config = _load(args)
    with console.status("starting", spinner="dots") as status:
        def progress(message: str) -> None:
            status.update(message)
            console.log(message)

        result = run(config, job=args.job, progress=progress)
    t = result.timings
    out.print(f"published release [bold]{result.release_id}[/bold]: {result.rows:,} indicator values, "
              f"{result.findings} data-quality findings, {t.get('total', 0):.1f} s")
    out.print(f"  {escape(str(result.path))}")
    return 0


def cmd_etl_report(args: argparse.Namespace) -> int:
    from etl import catalogue

    config = _load(args)
    run, findings = catalogue.last_run_findings(catalogue.connect(config.catalogue))
    if run is None:
        out.print("no run has finished yet")
        return 0
    out.print(f"run {run['id']} ({run['job']}): {run['status']}, started {run['started_at']}"
              + (f", release {run['release_id']}" if run["release_id"] else ""))
    if run["error"]:
        out.print(f"[red]error:[/red] {run['error']}")
    if findings.empty:
        out.print("no data-quality findings")
        return 0
    table = Table("rule", "severity", "source", "row", "column", "area", "period", "message",
                  title=f"{len(findings)} findings")
    for r in findings.head(args.limit).itertuples():
        table.add_row(r.rule, r.severity, r.source, str(r.row), r.column or "", r.area_code or "",
                      r.period or "", r.message)
    out.print(table)
    if len(findings) > args.limit:
        out.print(f"... and {len(findings) - args.limit} more (see quality.parquet in the release)")
    return 0


def cmd_config_check(args: argparse.Namespace) -> int:
    from etl.config import load_config

    config = load_config(args.path)
    out.print(f"{args.path}: valid ({len(config.sources)} sources, {len(config.measures)} measures, "
              f"{len(config.indicators)} indicators, levels {' > '.join(config.geography.levels)})")
    return 0


def cmd_releases_list(args: argparse.Namespace) -> int:
    from etl.store import ReleaseStore

    config = _load(args)
    releases = ReleaseStore(config.store).list()
    if not releases:
        out.print(f"no releases in {config.store}")
        return 0
    table = Table("release", "created", "rows", "indicators", "current")
    for r in releases:
        table.add_row(r["id"], r["created"] or "", f"{r['rows'] or 0:,}", str(r["indicators"] or ""),
                      "yes" if r["current"] else "")
    out.print(table)
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    code = cmd_etl_run(argparse.Namespace(config=args.config, job=None))
    if code or args.no_serve:
        return code
    from etl.store import ReleaseStore

    config = _load(args)
    out.print(f"the release is in {ReleaseStore(config.store).path()}")
    serve = COMMANDS.get(("serve",))
    if serve is None:
        out.print("the dashboard is not part of this build yet; the release above is the demo's output")
        return 0
    return serve(argparse.Namespace(config=args.config, host="127.0.0.1", port=args.port, workers=2))


def cmd_serve(args: argparse.Namespace) -> int:
    from dashboard.serve import serve

    return serve(_config_path(args), args.host, args.port, args.workers)


COMMANDS: dict[tuple[str, ...], Callable[[argparse.Namespace], int]] = {
    ("etl", "run"): cmd_etl_run,
    ("etl", "report"): cmd_etl_report,
    ("config", "check"): cmd_config_check,
    ("releases", "list"): cmd_releases_list,
    ("demo",): cmd_demo,
    ("serve",): cmd_serve,
}


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="openmeasure", description="Measure and publish public service performance.")
    p.add_argument("-v", "--verbose", action="store_true", help="log every step")
    sub = p.add_subparsers(dest="group", required=True)

    def with_config(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
        parser.add_argument("--config", help="config file (default: $OPENMEASURE_CONFIG or ./config.yaml)")
        return parser

    etl = sub.add_parser("etl", help="run the pipeline").add_subparsers(dest="action", required=True)
    r = with_config(etl.add_parser("run", help="run the pipeline once and publish a release"))
    r.add_argument("--job", help="refresh only this schedule's indicators; the others are carried forward")
    rep = with_config(etl.add_parser("report", help="the last run's data-quality findings"))
    rep.add_argument("--limit", type=int, default=50)

    cfg = sub.add_parser("config", help="configuration").add_subparsers(dest="action", required=True)
    cfg.add_parser("check", help="validate a config file").add_argument("path")

    rel = sub.add_parser("releases", help="published releases").add_subparsers(dest="action", required=True)
    with_config(rel.add_parser("list", help="list releases, newest first"))

    demo = with_config(sub.add_parser("demo", help="generate demo data, run the ETL, serve the dashboard"))
    demo.add_argument("--no-serve", action="store_true", help="stop after the ETL")
    demo.add_argument("--port", type=int, default=8050)

    from dashboard.serve import add_arguments
    add_arguments(with_config(sub.add_parser("serve", help="serve the dashboard under gunicorn")))
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s %(message)s")
    key = (args.group, args.action) if getattr(args, "action", None) else (args.group,)
    try:
        return COMMANDS[key](args)
    except OpenMeasureError as exc:
        console.print(f"[bold red]error:[/bold red] {escape(str(exc))}", highlight=False)
        return 2
    except KeyboardInterrupt:
        console.print("interrupted; nothing was published")
        return 130


if __name__ == "__main__":
    sys.exit(main())
