"""The ``openmeasure`` command.

    openmeasure etl run [--config PATH] [--job NAME] [--skip-unchanged]   run the pipeline once, publish a release
    openmeasure etl report [--config PATH]             the last run's data-quality findings
    openmeasure config check PATH [--deep]             validate a config file; --deep opens every source it names
    openmeasure releases list [--config PATH]          published releases, newest first
    openmeasure releases verify [ID] [--config PATH]   check a release's files (default: every release)
    openmeasure disclosure audit [--release ID] [--config PATH]   what an attacker can work out of withheld counts
    openmeasure demo [--config PATH] [--no-serve]      generate the demo inputs, run the ETL, serve
    openmeasure schedule [--config PATH]               run the config's schedules until SIGTERM / SIGINT
    openmeasure status [--config PATH] [--history N]   every job's last and next run, every indicator's freshness
    openmeasure access add-user NAME [--config PATH]   create a manager account (password from the terminal)
    openmeasure access remove-user NAME [--config PATH]   delete an account; its sessions end
    openmeasure access set-password NAME [--config PATH]  a new password; the account's sessions end
    openmeasure access list-sessions [NAME] [--config PATH]   managers' open sign-in sessions
    openmeasure access end-sessions NAME [--config PATH]  sign a manager out everywhere
    openmeasure serve [--config PATH] [--host H] [--port N] [--workers N]   the dashboard under gunicorn
    openmeasure disclosure release-cell --indicator X --area Y --period P [--breakdown B] --by NAME --reason TEXT
                                                       publish again a cell withheld in error as confidential
    openmeasure disclosure released [--config PATH]    the cells released so, with who, when and why

Every error a user can act on is printed as one message without a traceback (exit status 2); a run that
published its release but could not record it in the catalogue exits 3.
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

from core.errors import OpenMeasureError, PublishedUnrecorded

console = Console(stderr=True)
# Piped into a file or another program (no terminal, no COLUMNS), rich would wrap and cut tables at 80
# characters, so a script reading `releases list` got release ids cut short: lines are left whole there.
out = Console(width=None if sys.stdout.isatty() or os.environ.get("COLUMNS") else 10_000)

DEFAULT_CONFIG = "config.yaml"


def _config_path(args: argparse.Namespace) -> str:
    return args.config or os.environ.get("OPENMEASURE_CONFIG") or DEFAULT_CONFIG


def _load(args: argparse.Namespace):
    from core.config import load_config
    from indicators.methods import checked

    return checked(load_config(_config_path(args)))


def cmd_etl_run(args: argparse.Namespace) -> int:
    from etl.runner import InputsUnchanged, run_guarded

    config = _load(args)
    with console.status("starting", spinner="dots") as status:
        def progress(message: str) -> None:
            status.update(message)
            console.log(message)

        # the same release-store lock as the scheduler: never two runs at once; transient errors retried
        try:
            result = run_guarded(config, job=args.job, progress=progress, wait=getattr(args, "wait", 0.0) or 0.0,
                                 skip_unchanged=args.skip_unchanged)
        except InputsUnchanged as exc:
            out.print(f"nothing to do: {exc}")
            return 0
    t = result.timings
    out.print(f"published release [bold]{result.release_id}[/bold]: {result.rows:,} indicator values, "
              f"{result.findings} data-quality findings, {t.get('total', 0):.1f} s")
    out.print(f"  {escape(str(result.path))}")
    return 0


def cmd_etl_report(args: argparse.Namespace) -> int:
    from core import catalogue

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
    summary = Table("source", "rule", "severity", "findings", title="findings by rule")
    counts = findings.groupby(["source", "rule", "severity"], dropna=False).size().reset_index(name="n")
    for r in counts.sort_values(["severity", "n"], ascending=[True, False]).itertuples():
        summary.add_row(r.source or "", r.rule, _severity(r.severity), f"{r.n:,}")
    out.print(summary)
    if args.rule:
        findings = findings[findings["rule"] == args.rule]
    table = Table("rule", "severity", "source", "file", "row", "column", "area", "period", "message",
                  title=f"{len(findings)} findings" + (f" of rule {args.rule}" if args.rule else ""))
    for r in findings.head(args.limit).itertuples():
        table.add_row(r.rule, _severity(r.severity), r.source or "", _short(r.file),
                      "" if r.row is None or r.row != r.row else str(int(r.row)), r.column or "",
                      r.area_code or "", r.period or "", escape(r.message or ""))
    out.print(table)
    if len(findings) > args.limit:
        out.print(f"... and {len(findings) - args.limit} more (--limit N shows more; all are in quality.parquet "
                  "of the release, or the catalogue's findings table for a failed run)")
    return 0


def _severity(severity: str) -> str:
    colour = {"block": "bold red", "quarantine": "yellow", "warn": "cyan"}.get(severity)
    return f"[{colour}]{severity}[/{colour}]" if colour else severity


def _short(file: str | None) -> str:
    """The file's name (the full path is in quality.parquet); URLs and databases as they are."""
    if not file:
        return ""
    return file if "://" in file else os.path.basename(file)


def cmd_config_check(args: argparse.Namespace) -> int:
    from core.config import load_config, missing_translations, unmapped_themes
    from indicators.methods import checked

    config = checked(load_config(args.path))
    out.print(f"{args.path}: valid ({len(config.sources)} sources, {len(config.measures)} measures, "
              f"{len(config.indicators)} indicators, levels {' > '.join(config.geography.levels)})")
    for line in unmapped_themes(config) + missing_translations(config):
        out.print(f"[yellow]warning[/yellow] {escape(line)}", highlight=False)
    if not getattr(args, "deep", False):
        return 0
    from etl.deep_check import deep_check

    problems = deep_check(config)
    for p in problems:
        colour = "red" if p.severity == "error" else "yellow"
        out.print(f"[{colour}]{p.severity}[/{colour}]" + escape(p.line()[len(p.severity):]), soft_wrap=True,
                  highlight=False)
    errors = sum(p.severity == "error" for p in problems)
    warnings = len(problems) - errors
    sources = f"{len(config.sources)} source{'s' * (len(config.sources) != 1)}"
    out.print(f"{args.path}: deep check of {sources}: {errors} error{'s' * (errors != 1)}, {warnings} "
              f"warning{'s' * (warnings != 1)} (nothing was written)", highlight=False)
    return 2 if errors else 0


def cmd_releases_list(args: argparse.Namespace) -> int:
    from core.store import ReleaseStore

    config = _load(args)
    releases = ReleaseStore(config.store).list()
    if not releases:
        out.print(f"no releases in {config.store}")
        return 0
    from core.integrity import quick_problems

    table = Table("release", "created", "rows", "indicators", "current", "check")
    damaged = 0
    for r in releases:
        problems = quick_problems(ReleaseStore(config.store).releases / r["id"])
        damaged += bool(problems)
        check = "[red]damaged: " + escape("; ".join(f"{n} {p}" for n, p in problems)) + "[/red]" if problems else "ok"
        table.add_row(r["id"], r["created"] or "", f"{r['rows'] or 0:,}", str(r["indicators"] or ""),
                      "yes" if r["current"] else "", check)
    out.print(table)
    if damaged:
        out.print(f"[red]{damaged} damaged release{'s' * (damaged != 1)}[/red] by the quick check (sizes, Parquet "
                  "magic, the manifest's checksum); 'openmeasure releases verify' checks every file's SHA-256")
        return 2
    return 0


def cmd_releases_verify(args: argparse.Namespace) -> int:
    """Every file of a release (default: every kept release) against its manifest: size, Parquet magic and
    SHA-256; the manifest against manifest.sha256. Exit 2 when any file does not match."""
    from core.store import ReleaseStore

    config = _load(args)
    store = ReleaseStore(config.store)
    ids = [args.id] if args.id else [r["id"] for r in store.list()]
    if not ids:
        out.print(f"no releases in {config.store}")
        return 0
    current = store.current_id()
    bad = 0
    for rid in ids:
        problems = store.problems(rid)  # StoreError (exit 2) for an unknown id
        files = len(store.manifest(rid)["files"]) if not problems or problems[0][0] != "manifest.json" else 0
        tag = " (current)" if rid == current else ""
        if not problems:
            out.print(f"release {rid}{tag}: ok, {files} files match the manifest", highlight=False)
            continue
        bad += 1
        for name, problem in problems:
            out.print(f"[red]release {rid}{tag}: {escape(name)} {escape(problem)}[/red]", highlight=False)
    if bad:
        out.print(f"{bad} of {len(ids)} release{'s' * (len(ids) != 1)} damaged: publish a new release "
                  "('openmeasure etl run') or restore the files from a backup", highlight=False)
        return 2
    return 0


def cmd_disclosure_audit(args: argparse.Namespace) -> int:
    """Per indicator: cells withheld, the narrowest range an attacker can work out for a small count, and every
    count under its protection level (exit status 1 when there is one)."""
    from core.store import ReleaseStore
    from indicators.release_audit import audit_release, format_report

    config = _load(args)
    store = ReleaseStore(config.store)
    folder = store.path(args.release)  # a clear error for an unknown or missing release
    release = folder.name
    ids = [r["id"] for r in store.list()] if args.with_previous else []  # newest first
    older = ids[ids.index(release) + 1:] if release in ids else []
    previous = store.path(older[0]) / "indicator_values.parquet" if older else None
    results = audit_release(folder, previous)
    out.print(f"release {release}" + (f", taking the counts {older[0]} published as still true" if older else ""),
              highlight=False)
    for line in format_report(results) or ["no indicator has a disclosure rule"]:
        out.print(line, highlight=False)
    return 1 if any(r.failing for r in results) else 0


def cmd_demo(args: argparse.Namespace) -> int:
    code = cmd_etl_run(argparse.Namespace(config=args.config, job=None, skip_unchanged=False, wait=0.0))
    if code or args.no_serve:
        return code
    from core.store import ReleaseStore

    config = _load(args)
    out.print(f"the release is in {ReleaseStore(config.store).path()}")
    serve = COMMANDS.get(("serve",))
    if serve is None:
        out.print("the dashboard is not part of this build yet; the release above is the demo's output")
        return 0
    return serve(argparse.Namespace(config=args.config, host="127.0.0.1", port=args.port, workers=2))


def cmd_schedule(args: argparse.Namespace) -> int:
    from etl.scheduler import serve

    return serve(_config_path(args), say=lambda m: console.print(escape(m), highlight=False))


def cmd_status(args: argparse.Namespace) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from etl.runner import catalogue_problem
    from etl.status import print_history, print_release, print_status

    config = _load(args)
    whole = print_release(config, out)
    try:
        print_status(config, out)
        if getattr(args, "history", None):
            print_history(config, out, args.history)
    except SQLAlchemyError as exc:  # one line, as the dashboard's /status says it
        raise OpenMeasureError(catalogue_problem(config.catalogue, exc)) from exc
    return 0 if whole else 2


def _at_least_one(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of runs (a whole number, 1 or more)")
    return n


def cmd_access_add_user(args: argparse.Namespace) -> int:
    from etl.access_commands import cmd_add_user

    return cmd_add_user(args)


def cmd_access_remove_user(args: argparse.Namespace) -> int:
    from etl.access_commands import cmd_remove_user

    return cmd_remove_user(args)


def cmd_disclosure_release_cell(args: argparse.Namespace) -> int:
    from core import catalogue
    from core.store import ReleaseStore
    from etl import cell_release

    config = _load(args)
    cell = cell_release.Cell(args.indicator, args.area, args.period, args.breakdown)
    done = cell_release.release_cell(catalogue.connect(config.catalogue), ReleaseStore(config.store), cell,
                                     args.by, args.reason)
    out.print(f"released {escape(str(cell))} (withheld in release {done[0]['withheld_in']}, first in "
              f"{done[0]['first_withheld_in']}) by {escape(done[0]['released_by'])}: the next run publishes it "
              "unless its source still flags it confidential or disclosure control withholds it again")
    for r in done[1:]:
        out.print(f"  and {escape(r['area_code'])} / {escape(r['breakdown'])}, withheld only to protect it")
    return 0


def cmd_disclosure_released(args: argparse.Namespace) -> int:
    from core import catalogue
    from etl import cell_release

    config = _load(args)
    done = cell_release.released(catalogue.connect(config.catalogue))
    if done.empty:
        out.print("no cell has been released")
        return 0
    table = Table("indicator", "area", "period", "breakdown", "withheld in", "released by", "released at", "reason")
    for r in done.itertuples():
        table.add_row(r.indicator, r.area_code, r.period, r.breakdown, r.withheld_in, r.released_by,
                      str(r.released_at), r.reason)
    out.print(table)
    return 0


def cmd_access_set_password(args: argparse.Namespace) -> int:
    from etl.access_commands import cmd_set_password

    return cmd_set_password(args)


def cmd_access_list_sessions(args: argparse.Namespace) -> int:
    from etl.access_commands import cmd_list_sessions

    return cmd_list_sessions(args)


def cmd_access_end_sessions(args: argparse.Namespace) -> int:
    from etl.access_commands import cmd_end_sessions

    return cmd_end_sessions(args)


def cmd_serve(args: argparse.Namespace) -> int:
    from dashboard.serve import serve

    return serve(_config_path(args), args.host, args.port, args.workers)


COMMANDS: dict[tuple[str, ...], Callable[[argparse.Namespace], int]] = {
    ("etl", "run"): cmd_etl_run,
    ("etl", "report"): cmd_etl_report,
    ("config", "check"): cmd_config_check,
    ("releases", "list"): cmd_releases_list,
    ("releases", "verify"): cmd_releases_verify,
    ("disclosure", "audit"): cmd_disclosure_audit,
    ("demo",): cmd_demo,
    ("schedule",): cmd_schedule,
    ("status",): cmd_status,
    ("access", "add-user"): cmd_access_add_user,
    ("access", "remove-user"): cmd_access_remove_user,
    ("access", "set-password"): cmd_access_set_password,
    ("access", "list-sessions"): cmd_access_list_sessions,
    ("access", "end-sessions"): cmd_access_end_sessions,
    ("serve",): cmd_serve,
    ("disclosure", "release-cell"): cmd_disclosure_release_cell,
    ("disclosure", "released"): cmd_disclosure_released,
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
    r.add_argument("--skip-unchanged", action="store_true",
                   help="do nothing when the current release was computed from this config, its files and "
                        "sources as they are now (for cron jobs outside 'openmeasure schedule')")
    r.add_argument("--wait", type=float, default=0.0,
                   help="seconds to wait when another run holds the release store (default: fail at once)")
    rep = with_config(etl.add_parser("report", help="the last run's data-quality findings"))
    rep.add_argument("--limit", type=int, default=50, help="show at most this many findings (default 50)")
    rep.add_argument("--rule", help="show only the findings of this rule")

    cfg = sub.add_parser("config", help="configuration").add_subparsers(dest="action", required=True)
    check = cfg.add_parser("check", help="validate a config file")
    check.add_argument("path")
    check.add_argument("--deep", action="store_true",
                       help="also open every source the config names, as a run reads it, and report what does not "
                            "fit (files, sheets, columns, selections, area codes, periods); writes nothing")

    rel = sub.add_parser("releases", help="published releases").add_subparsers(dest="action", required=True)
    with_config(rel.add_parser("list", help="list releases, newest first, each with the quick integrity check"))
    ver = with_config(rel.add_parser("verify", help="check every file of a release against its manifest "
                                                    "(size, Parquet magic, SHA-256); exit 2 if any is damaged"))
    ver.add_argument("id", nargs="?", help="the release (default: every kept release)")

    dis = sub.add_parser("disclosure", help="disclosure control").add_subparsers(dest="action", required=True)
    aud = with_config(dis.add_parser("audit", help="work out, as an attacker would, the range of every withheld "
                                                   "small count from what a release publishes"))
    aud.add_argument("--release", help="the release to audit (default: the current one)")
    aud.add_argument("--with-previous", action="store_true",
                     help="also take the counts the release before published for cells withheld now as known")

    acc = sub.add_parser("access", help="manager accounts").add_subparsers(dest="action", required=True)
    with_config(acc.add_parser("add-user", help="create or reset a manager account")).add_argument("name")
    with_config(acc.add_parser("remove-user", help="delete a manager account")).add_argument("name")
    with_config(acc.add_parser("set-password", help="change a manager's password")).add_argument("name")
    with_config(acc.add_parser("list-sessions", help="managers' open sessions")).add_argument("name", nargs="?")
    with_config(acc.add_parser("end-sessions", help="sign a manager out everywhere")).add_argument("name")

    rc = with_config(dis.add_parser("release-cell", help="publish again a cell withheld in error as confidential "
                                                         "(recorded in the catalogue)"))
    rc.add_argument("--indicator", required=True)
    rc.add_argument("--area", required=True, help="the area code")
    rc.add_argument("--period", required=True)
    rc.add_argument("--breakdown", default="total", help="e.g. sex=F (default: total)")
    rc.add_argument("--by", required=True, help="who releases it")
    rc.add_argument("--reason", required=True, help="why it was withheld in error")
    with_config(dis.add_parser("released", help="the cells released, with who, when and why"))

    demo = with_config(sub.add_parser("demo", help="generate demo data, run the ETL, serve the dashboard"))
    demo.add_argument("--no-serve", action="store_true", help="stop after the ETL")
    demo.add_argument("--port", type=int, default=8050)
    with_config(sub.add_parser("schedule", help="run the scheduled jobs until SIGTERM / SIGINT"))
    st = with_config(sub.add_parser("status", help="jobs' last and next runs, indicators' freshness"))
    st.add_argument("--history", type=_at_least_one, metavar="N",
                    help="also list the last N runs of every job in the catalogue (start, end, status, rows, error)")

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
    except PublishedUnrecorded as exc:
        console.print(f"[bold yellow]published, not recorded:[/bold yellow] {escape(str(exc))}", highlight=False)
        return 3
    except OpenMeasureError as exc:
        console.print(f"[bold red]error:[/bold red] {escape(str(exc))}", highlight=False)
        return 2
    except KeyboardInterrupt:
        console.print("interrupted; nothing was published")
        return 130


if __name__ == "__main__":
    sys.exit(main())
