"""``openmeasure status``: every job's last and next run, recent scheduler events, every indicator's freshness.

Reads the catalogue only (runs, run_stats, the job store's table, scheduler_events); no scheduler is started.
"""

from __future__ import annotations

from datetime import datetime

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.engine import Engine

from core import catalogue
from core.config_models import Config
from core.errors import StoreError
from core.freshness import freshness
from core.integrity import quick_problems
from core.schedules import next_run_times
from core.store import ReleaseStore
from etl import locks

STATE_STYLE = {"fresh": "green", "due": "yellow", "stale": "red"}


def _when(value: datetime | None) -> str:
    value = catalogue.as_utc(value)
    return f"{value:%Y-%m-%d %H:%M:%S} UTC" if value else ""


def _age(days: float) -> str:
    return f"{days * 24:.1f} h" if days < 2 else f"{days:.0f} days"


def print_release(config: Config, out: Console) -> bool:
    """The current release and the quick integrity check of its files; False when a file is damaged."""
    store = ReleaseStore(config.store)
    try:
        rid = store.current_id()
    except StoreError as exc:
        out.print(f"[red]release store: {escape(str(exc))}[/red]", highlight=False)
        return False
    if rid is None:
        out.print(f"no release published in {escape(str(store.root))} yet", highlight=False)
        return True
    problems = quick_problems(store.releases / rid)
    if not problems:
        out.print(f"current release {rid}: files ok (quick check; 'openmeasure releases verify' hashes them)",
                  highlight=False)
        return True
    for name, problem in problems:
        out.print(f"[red]current release {rid} is damaged: {escape(name)} {escape(problem)}[/red]", highlight=False)
    out.print("the site answers 503 for what needs these files; publish a new release or restore them",
              highlight=False)
    return False


def lock_holder(engine: Engine, name: str) -> str | None:
    """Who holds the release-store lock now: ``host:pid:token`` of an unexpired row of the locks table
    (SQLite), ``"postgresql"`` when a session holds the advisory lock, None when nobody does. Read only;
    the lock itself is etl/locks.py's."""
    if engine.dialect.name == "postgresql":
        return "postgresql" if locks._PostgresLock(engine, name).holder() else None
    t = catalogue.locks
    with engine.connect() as con:
        row = con.execute(select(t.c.holder, t.c.expires_at).where(t.c.name == name)).first()
    return row.holder if row is not None and catalogue.as_utc(row.expires_at) > catalogue.now() else None


#: What status says of an abandoned run (under 80 characters, the width of the column).
ABANDONED = "its process ended without finishing; the next run marks it failed"


def shown(run: dict, holder: str | None) -> tuple[str, str]:
    """A run's status and release / error as status shows them. A run still marked ``running`` whose process
    no longer holds the store's lock (killed with -9, or the machine lost power: its lock expired after
    ``scheduler.lock_ttl_seconds``) is ``abandoned``; the next run marks it failed in the catalogue."""
    detail = run["release_id"] or (run["error"] or "")
    if run["status"] != "running":
        return run["status"], detail
    mine = holder == "postgresql" or (holder or "").startswith(f"{run['host']}:{run['pid']}:")
    if mine:
        return "running", detail
    return "abandoned", ABANDONED


def print_status(config: Config, out: Console) -> None:
    from etl.runner import lock_name

    engine = catalogue.connect(config.catalogue)
    last = catalogue.last_runs_by_job(engine)
    holder = lock_holder(engine, lock_name(config))
    nxt = next_run_times(config)
    unchanged = catalogue.last_event_by_job(engine, "unchanged")
    jobs = Table("job", "trigger", "last run", "status", "release / error", "next run", title="jobs")
    for s in config.schedules:
        r = last.get(s.id)
        trigger = f"every {s.interval_seconds} s" if s.interval_seconds else f"cron {s.cron}"
        status, detail = shown(r, holder) if r is not None else ("", "")
        detail = detail[:80]
        checked = unchanged.get(s.id)
        if checked is not None and (r is None or checked > catalogue.as_utc(r["started_at"])):
            detail = "; ".join(x for x in (detail, f"{_when(checked)}: no input changed, not run again") if x)
        nr = nxt.get(s.id)
        jobs.add_row(s.id, trigger, _when(r["started_at"]) if r else "never", status,
                     detail, _when(nr) if s.id in nxt else "not scheduled (start 'openmeasure schedule')")
    if "manual" in last:
        r = last["manual"]
        status, detail = shown(r, holder)
        jobs.add_row("manual", "openmeasure etl run", _when(r["started_at"]), status, detail[:80], "")
    out.print(jobs)
    orphans = sorted(set(nxt) - {s.id for s in config.schedules} - {j for j in nxt if "." in j})
    if orphans:
        out.print(f"[yellow]in the job store but not in config:[/yellow] {', '.join(orphans)}")
    events = catalogue.recent_events(engine, 10, kinds=("job_removed", "skipped", "job_missing"))
    if events:
        ev = Table("when", "event", "job", "message", title="scheduler events")
        for e in events:
            ev.add_row(_when(e["at"]), e["kind"], e["job"] or "", e["message"])
        out.print(ev)
    fr = Table("indicator", "frequency", "last refreshed", "age", "run", "latest period", "next period due",
               "data", "freshness", title="indicator freshness (the worse of the run's and the data's)")
    for f in freshness(config):
        fr.add_row(f.indicator, f.frequency, _when(f.last_refreshed) or "never",
                   _age(f.age.total_seconds() / 86400) if f.age else "", _styled(f.state), f.latest_period or "none",
                   f"{f.next_due:%Y-%m-%d}" if f.next_due else "", _styled(f.data_state), _styled(f.overall))
    out.print(fr)


def _styled(state: str) -> str:
    style = STATE_STYLE[state]
    return f"[{style}]{state}[/{style}]"


def print_history(config: Config, out: Console, per_job: int) -> None:
    """The last ``per_job`` runs of every job in the catalogue: the config's jobs in their order, then manual
    runs, then jobs the config no longer has."""
    from etl.runner import lock_name

    engine = catalogue.connect(config.catalogue)
    rows = catalogue.run_history(engine, per_job)
    holder = lock_holder(engine, lock_name(config))
    order = {s.id: k for k, s in enumerate(config.schedules)} | {"manual": len(config.schedules)}
    rows.sort(key=lambda r: (order.get(r["job"], len(order)), r["job"], -r["id"]))
    table = Table("job", "run", "started", "finished", "status", "rows read", "values written", "release",
                  "error", title=f"run history (the last {per_job} of each job)")
    for r in rows:
        status, _ = shown(r, holder)
        error = (r["error"] or (ABANDONED if status == "abandoned" else "")).strip()
        table.add_row(r["job"], str(r["id"]), _when(r["started_at"]), _when(r["finished_at"]), status,
                      _count(r["rows_read"]), _count(r["rows_written"]), r["release_id"] or "",
                      escape(error.splitlines()[0] if error else ""))
    if not rows:
        out.print("run history: no run in the catalogue yet")
        return
    out.print(table)


def _count(n: int | None) -> str:
    return "" if n is None else f"{int(n):,}"
