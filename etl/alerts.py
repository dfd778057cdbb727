"""Alerts: tell people when a run failed, data went stale, or a KPI crossed its target or got worse.

Configured under ``alerts:`` (docs/configuration.md). After every run, and periodically in the scheduler,
:func:`check_and_send` works out the current *events* and delivers the ones not delivered before:

    run_failed      a job's latest run failed; one alert per failure streak (key: job + first failed run)
    stale           an indicator is stale (core.freshness); one per stale episode (key: last refresh time)
    target_crossed  the RAG status of a KPI's latest period differs from its previous period's (green/amber/red)
    worsened        the change since the previous period is significantly worse (change_significance)
    release_damaged a file of the published release is not what its manifest says (core.integrity's cheap
                    check: size, Parquet magic; the manifest's checksum); one per release and file

The last two read the published release (CURRENT), at ``alerts.levels`` (default: the top level) for
``alerts.indicators`` (default: all). Each event has a stable key; ``alerts_sent`` in the catalogue remembers
(key, channel) once delivered, so an event is announced once per channel and a failed delivery is retried
at the next check. Channels: SMTP e-mail and an HTTP webhook (JSON body).

The words people read (each alert's ``message``, the e-mail's subject and body, the webhook's ``subject``) are
in the deployment's default language (``languages.default``), from the UI's gettext catalogues
(dashboard/locales; docs/translations.md), with numbers, periods and dates written as that language writes
them. What machines read never changes with it: the webhook's keys, ``kind``, ``key`` and ``details``.
"""

from __future__ import annotations

import json
import logging
import smtplib
import urllib.request
from dataclasses import asdict, dataclass, field
from email.message import EmailMessage

import babel.dates
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import insert, select
from sqlalchemy.engine import Engine

from core import catalogue, i18n
from core.config_models import AlertsConfig, Config
from core.errors import StoreError
from core.freshness import freshness
from core.integrity import quick_problems
from core.store import ReleaseStore
from dashboard.i18n import N_, translator

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Alert:
    kind: str
    key: str
    message: str
    details: dict = field(default_factory=dict)


#: The alerts' words (translated into ``languages.default`` where they are said).
WORDS = {
    "run_failed": N_("ETL job '{job}' failed (run {run}): {error}. The published release was left as it was."),
    "stale": N_("indicator '{indicator}' ({frequency}) is stale: last refreshed {when}"),
    "never": N_("never"),
    "damaged": N_("release {release} is damaged: {file} {problem}. The site answers 503 for what needs it until "
                  "it is repaired: run 'openmeasure releases verify {release}', then publish a new release or "
                  "restore the file from a backup."),
    "where": N_("{indicator} in {area}"), "where_breakdown": N_("{indicator} in {area} ({breakdown})"),
    "crossed": N_("{where}: status against target moved from {previous} to {rag} in {period} (value {value}, "
                  "target {target})"),
    "worsened": N_("{where} got significantly worse in {period}: {value} (change {change} since {previous})"),
    "n/a": N_("n/a"), "red": N_("red"), "amber": N_("amber"), "green": N_("green"),
    "footer": N_("Sent once per event by OpenMeasure."),
    "count": N_("{n} {kind}"),  # how many alerts of a kind, in the subject
}
#: Each kind of alert in words (the subject's summary).
KIND_WORDS = {"run_failed": N_("run failed"), "stale": N_("stale"), "target_crossed": N_("target crossed"),
              "worsened": N_("worsened"), "release_damaged": N_("release damaged")}


def _lang(config: Config) -> str:
    return config.languages.default


def _t(config: Config, key: str) -> str:
    return translator(_lang(config)).gettext(WORDS[key])


# --- events ----------------------------------------------------------------------------------------

def failed_runs(engine: Engine, config: Config | None = None) -> list[Alert]:
    """One alert per failure streak of a job (its words in ``config``'s default language; English without)."""
    say = translator(_lang(config) if config is not None else "en").gettext
    runs = catalogue.runs
    with engine.connect() as con:
        rows = con.execute(select(runs.c.id, runs.c.job, runs.c.status, runs.c.error, runs.c.started_at)
                           .where(runs.c.status != "running").order_by(runs.c.id)).mappings().all()
    streak: dict[str, dict | None] = {}
    for r in rows:
        if r["status"] == "failed":
            if streak.get(r["job"]) is None:
                streak[r["job"]] = {"first": r, "last": r, "count": 1}
            else:
                streak[r["job"]].update(last=r, count=streak[r["job"]]["count"] + 1)
        else:
            streak[r["job"]] = None
    out = []
    for job, s in streak.items():
        if s is None:
            continue
        first, last = s["first"], s["last"]
        out.append(Alert("run_failed", f"run_failed:{job}:{first['id']}",
                         say(WORDS["run_failed"]).format(job=job, run=last["id"], error=last["error"]),
                         {"job": job, "run_id": last["id"], "first_failed_run_id": first["id"],
                          "failed_runs": s["count"], "error": last["error"]}))
    return out


def stale_indicators(config: Config) -> list[Alert]:
    out = []
    for f in freshness(config):
        if f.state != "stale":
            continue
        when = f.last_refreshed.isoformat(timespec="seconds") if f.last_refreshed else "never"
        said = (babel.dates.format_datetime(f.last_refreshed, "medium", locale=i18n.locale(_lang(config)))
                if f.last_refreshed else _t(config, "never"))
        out.append(Alert("stale", f"stale:{f.indicator}:{when}",
                         _t(config, "stale").format(indicator=f.indicator, frequency=f.frequency, when=said),
                         {"indicator": f.indicator, "frequency": f.frequency, "last_refreshed": when}))
    return out


def damaged_release(config: Config) -> list[Alert]:
    """The files of the current release that fail the cheap check (the web app answers 503 meanwhile)."""
    store = ReleaseStore(config.store)
    try:
        folder = store.path()
    except StoreError:
        return []
    return [Alert("release_damaged", f"release_damaged:{folder.name}:{name}",
                  _t(config, "damaged").format(release=folder.name, file=name, problem=problem),
                  {"release_id": folder.name, "file": name, "problem": problem})
            for name, problem in quick_problems(folder)]


def kpi_changes(config: Config, cfg: AlertsConfig) -> list[Alert]:
    """Target crossings and significant worsening at the latest period, read from the published release."""
    store = ReleaseStore(config.store)
    try:
        folder = store.path()
    except StoreError:
        return []
    levels = cfg.levels or config.geography.levels[:1]
    wanted = cfg.indicators or [i.id for i in config.indicators]
    cols = ["indicator", "area_code", "level", "period", "breakdown", "value", "target", "rag",
            "previous_period", "change", "change_significance"]
    try:
        values = pq.read_table(folder / "indicator_values.parquet", columns=cols, page_checksum_verification=True,
                               filters=[("level", "in", levels), ("indicator", "in", wanted)]).to_pandas()
    except (OSError, pa.ArrowInvalid) as exc:  # damaged: announced as release_damaged, not as a failed check
        log.error("step=alerts release=%s state=unreadable error=%s", folder.name, exc)
        return []
    if values.empty:
        return []
    keys = ["indicator", "area_code", "breakdown"]
    latest = values.sort_values("period").groupby(keys, sort=False).tail(1)
    prev = values[keys + ["period", "rag"]].rename(columns={"period": "previous_period", "rag": "previous_rag"})
    latest = latest.merge(prev, on=keys + ["previous_period"], how="left")
    release = folder.name
    lang = _lang(config)
    num = lambda v: _fmt(v, config)  # noqa: E731
    rag = lambda word: _t(config, word) if word in ("red", "amber", "green") else word  # noqa: E731
    out = []
    for r in latest.itertuples(index=False):
        where = _t(config, "where" if r.breakdown == "total" else "where_breakdown").format(
            indicator=r.indicator, area=r.area_code, breakdown=r.breakdown)
        base = {"indicator": r.indicator, "area_code": r.area_code, "level": r.level, "period": r.period,
                "breakdown": r.breakdown, "value": _num(r.value), "release_id": release}
        if isinstance(r.rag, str) and isinstance(r.previous_rag, str) and r.rag != r.previous_rag:
            out.append(Alert("target_crossed",
                             f"target_crossed:{r.indicator}:{r.area_code}:{r.breakdown}:{r.period}:{r.rag}",
                             _t(config, "crossed").format(
                                 where=where, previous=rag(r.previous_rag), rag=rag(r.rag),
                                 period=i18n.period(r.period, lang), value=num(r.value), target=num(r.target)),
                             {**base, "rag": r.rag, "previous_rag": r.previous_rag, "target": _num(r.target)}))
        if r.change_significance == "worse":
            out.append(Alert("worsened", f"worsened:{r.indicator}:{r.area_code}:{r.breakdown}:{r.period}",
                             _t(config, "worsened").format(
                                 where=where, period=i18n.period(r.period, lang), value=num(r.value),
                                 change=num(r.change), previous=i18n.period(r.previous_period, lang)),
                             {**base, "change": _num(r.change), "previous_period": r.previous_period}))
    return out


def _num(v) -> float | None:
    return None if v is None or pd.isna(v) else float(v)


def _fmt(v, config: Config) -> str:
    """A number to four significant digits, as the default language writes it ("1,235" / "1 235" / "1.235")."""
    if v is None or pd.isna(v):
        return _t(config, "n/a")
    return i18n.number(float(f"{float(v):.4g}"), _lang(config))


def current_alerts(config: Config) -> list[Alert]:
    cfg = config.alerts
    if cfg is None:
        return []
    engine = catalogue.connect(config.catalogue)
    events: list[Alert] = []
    if "run_failed" in cfg.on:
        events += failed_runs(engine, config)
    if "stale" in cfg.on:
        events += stale_indicators(config)
    damaged = damaged_release(config)
    if "release_damaged" in cfg.on:
        events += damaged
    if ("target_crossed" in cfg.on or "worsened" in cfg.on) and not damaged:
        events += [a for a in kpi_changes(config, cfg) if a.kind in cfg.on]
    return events


# --- delivery --------------------------------------------------------------------------------------

def _already_sent(engine: Engine, channel: str) -> set[str]:
    t = catalogue.alerts_sent
    with engine.connect() as con:
        return set(con.execute(select(t.c.key).where(t.c.channel == channel)).scalars())


def _mark_sent(engine: Engine, channel: str, alerts: list[Alert]) -> None:
    now = catalogue.now()
    with engine.begin() as con:
        con.execute(insert(catalogue.alerts_sent), [
            {"key": a.key, "channel": channel, "kind": a.kind, "sent_at": now, "message": a.message}
            for a in alerts])


def _subject(config: Config, alerts: list[Alert]) -> str:
    lang = _lang(config)
    t = translator(lang)
    kinds: dict[str, int] = {}
    for a in alerts:
        kinds[a.kind] = kinds.get(a.kind, 0) + 1
    summary = ", ".join(t.gettext(WORDS["count"]).format(n=i18n.number(n, lang), kind=t.gettext(KIND_WORDS[k])
                                                          if k in KIND_WORDS else k)
                        for k, n in sorted(kinds.items()))
    said = t.ngettext("[{title}] {n} new alert: {summary}", "[{title}] {n} new alerts: {summary}", len(alerts))
    return said.format(title=config.title, n=i18n.number(len(alerts), lang), summary=summary)


def send_email(config: Config, alerts: list[Alert]) -> None:
    smtp = config.alerts.smtp
    msg = EmailMessage()
    msg["Subject"] = _subject(config, alerts)
    msg["From"] = smtp.sender
    msg["To"] = ", ".join(smtp.recipients)
    msg.set_content("\n".join(f"- {a.message}" for a in alerts) + f"\n\n{_t(config, 'footer')}\n")
    msg["Content-Language"] = _lang(config)  # after set_content, which clears the Content-* headers
    with smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout_seconds) as server:
        if smtp.starttls:
            server.starttls()
        if smtp.username:
            server.login(smtp.username, smtp.password or "")
        server.send_message(msg)


def send_webhook(config: Config, alerts: list[Alert]) -> None:
    hook = config.alerts.webhook
    body = json.dumps({"source": "openmeasure", "title": config.title, "lang": _lang(config),
                       "subject": _subject(config, alerts),
                       "sent_at": catalogue.now().isoformat(timespec="seconds"),
                       "alerts": [asdict(a) for a in alerts]}).encode("utf-8")
    req = urllib.request.Request(hook.url, data=body, method="POST",
                                 headers={"Content-Type": "application/json", **hook.headers})
    with urllib.request.urlopen(req, timeout=hook.timeout_seconds) as resp:  # noqa: S310 - URL from config
        if resp.status >= 300:
            raise OSError(f"webhook answered HTTP {resp.status}")


def check_and_send(config: Config) -> dict[str, int]:
    """Deliver every current event not delivered before, per channel. Returns {channel: alerts sent}.

    Never raises: a delivery failure is logged and retried at the next check.
    """
    cfg = config.alerts
    if cfg is None:
        return {}
    try:
        events = current_alerts(config)
    except Exception as exc:  # noqa: BLE001 - alerting must never break a run or the scheduler
        log.error("step=alerts state=check_failed error=%s", exc)
        return {}
    engine = catalogue.connect(config.catalogue)
    channels = [(name, fn) for name, fn, on in (("email", send_email, cfg.smtp), ("webhook", send_webhook,
                                                                                   cfg.webhook)) if on]
    sent: dict[str, int] = {}
    for name, deliver in channels:
        done = _already_sent(engine, name)
        new = [a for a in events if a.key not in done][: cfg.max_items]
        if not new:
            continue
        try:
            deliver(config, new)
        except Exception as exc:  # noqa: BLE001 - SMTP, HTTP and socket errors alike; retried next check
            log.error("step=alerts channel=%s state=delivery_failed alerts=%d error=%s", name, len(new), exc)
            continue
        _mark_sent(engine, name, new)
        sent[name] = len(new)
        log.info("step=alerts channel=%s state=sent alerts=%d", name, len(new))
    return sent
