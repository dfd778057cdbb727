"""Alerts delivered to a real local SMTP server (aiosmtpd) and a real local HTTP webhook, once per event."""

from __future__ import annotations

import http.server
import json
import socket
import threading
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import text, update

from core import catalogue, i18n
from core.config import load_config
from etl import alerts
from etl.runner import run_guarded
from tests.etl.scheduler.conftest import tiny_config

pytestmark = pytest.mark.slow  # more than a few seconds: left out of the fast lane (README)


class _Inbox:
    def __init__(self):
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append(envelope.content.decode("utf-8"))
        return "250 OK"


@pytest.fixture
def smtp():
    inbox = _Inbox()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        inbox.port = s.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=inbox.port)
    controller.start()
    yield inbox
    controller.stop()


@pytest.fixture
def webhook():
    received: list[dict] = []

    class Hook(http.server.BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's name
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield {"url": f"http://127.0.0.1:{server.server_address[1]}/hook", "received": received}
    server.shutdown()


def _config(tmp_path, smtp, webhook, on=("run_failed", "stale", "target_crossed", "worsened")):
    path = tiny_config(tmp_path, extra={"alerts": {
        "on": list(on),
        "smtp": {"host": "127.0.0.1", "port": smtp.port, "sender": "etl@example.org",
                 "recipients": ["manager@example.org"]},
        "webhook": {"url": webhook["url"]}}})
    return load_config(path)


def _kinds(payload: dict) -> list[str]:
    return sorted(a["kind"] for a in payload["alerts"])


def test_a_failed_run_is_announced_once_per_failure_streak(tmp_path, smtp, webhook):
    config = _config(tmp_path, smtp, webhook, on=["run_failed"])
    source = tmp_path / "in" / "services.csv"
    good = source.read_text()
    source.unlink()
    for _ in range(2):  # two failures in a row: one event
        with pytest.raises(Exception, match="services"):
            run_guarded(config, "tick")
    assert len(smtp.messages) == 1 and len(webhook["received"]) == 1
    assert "ETL job 'tick' failed" in smtp.messages[0] and "manager@example.org" in smtp.messages[0]
    alert = webhook["received"][0]["alerts"][0]
    assert alert["kind"] == "run_failed" and alert["details"]["job"] == "tick"
    source.write_text(good)
    run_guarded(config, "tick")  # recovery ends the streak ...
    source.unlink()
    with pytest.raises(Exception, match="services"):
        run_guarded(config, "tick")  # ... so the next failure is a new event
    assert len(smtp.messages) == 2 and len(webhook["received"]) == 2


def test_kpi_worsening_and_target_crossing_are_read_from_the_release_once(tmp_path, smtp, webhook):
    config = _config(tmp_path, smtp, webhook, on=["target_crossed", "worsened"])
    run_guarded(config, "tick")
    assert len(webhook["received"]) == 1
    payload = webhook["received"][0]
    # online share fell from 41.5% to 31.5% at the country level in 2023: significantly worse
    worse = [a for a in payload["alerts"] if a["kind"] == "worsened"]
    assert [(a["details"]["indicator"], a["details"]["area_code"], a["details"]["period"]) for a in worse] \
        == [("online_share", "T", "2023")]
    assert all(a["details"]["level"] == "country" for a in payload["alerts"])
    assert "got significantly worse" in smtp.messages[0]
    run_guarded(config, "tick")  # the same release content: nothing new to say
    assert len(webhook["received"]) == 1 and len(smtp.messages) == 1


def test_stale_data_is_announced_and_a_failed_delivery_is_retried(tmp_path, smtp, webhook):
    config = _config(tmp_path, smtp, webhook, on=["stale"])
    run_guarded(config, "tick", alert=False)
    engine = catalogue.connect(config.catalogue)
    with engine.begin() as con:  # the last refresh was 60 days ago: the monthly indicator is stale
        con.execute(update(catalogue.runs).values(finished_at=catalogue.now() - timedelta(days=60)))
    good_port = config.alerts.smtp.port
    broken = config.model_copy(update={"alerts": config.alerts.model_copy(update={
        "smtp": config.alerts.smtp.model_copy(update={"port": 1})})})
    assert alerts.check_and_send(broken) == {"webhook": 1}  # e-mail failed: not marked sent
    assert _kinds(webhook["received"][0]) == ["stale"]
    assert webhook["received"][0]["alerts"][0]["details"]["indicator"] == "applications"
    assert config.alerts.smtp.port == good_port
    assert alerts.check_and_send(config) == {"email": 1}  # delivered now, once
    assert alerts.check_and_send(config) == {}
    with engine.connect() as con:
        sent = con.execute(text("SELECT channel, kind FROM alerts_sent ORDER BY channel")).all()
    assert sent == [("email", "stale"), ("webhook", "stale")]


def test_the_scheduler_checks_freshness_between_runs(tmp_path, smtp, webhook):
    from etl.scheduler import FRESHNESS_JOB, build, close, freshness_check, register

    config = _config(tmp_path, smtp, webhook, on=["stale"])
    path = tmp_path / "config.yaml"
    sched = build(config)
    sched.start(paused=True)
    try:
        report = register(sched, config, str(path))
        job = sched.get_job(FRESHNESS_JOB)
        assert job is not None and job.trigger.interval_length == 3600
        assert FRESHNESS_JOB not in report["removed"] + report["added"]
    finally:
        close(sched, wait=False)
    freshness_check(str(path))  # what the job does: nothing has run yet, so every indicator is stale
    assert _kinds(webhook["received"][0]) == ["stale", "stale"]
    freshness_check(str(path))
    assert len(webhook["received"]) == 1


def _in_language(config, lang: str):
    languages = config.languages.model_copy(update={"default": lang, "available": [lang, "en"]})
    return config.model_copy(update={"languages": languages})


def test_an_alert_of_a_french_deployment_is_in_french_and_its_machine_fields_are_not(tmp_path, smtp, webhook):
    config = _in_language(_config(tmp_path, smtp, webhook, on=["run_failed"]), "fr")
    (tmp_path / "in" / "services.csv").unlink()
    with pytest.raises(Exception, match="services"):
        run_guarded(config, "tick")
    [mail] = smtp.messages
    body = mail.replace("=\n", "")
    assert "Le traitement ETL « tick » a échoué" in _decoded(mail) and "ETL job" not in body
    assert "Envoyé une seule fois par événement par OpenMeasure." in _decoded(mail)
    assert "Content-Language: fr" in mail
    [payload] = webhook["received"]
    assert payload["lang"] == "fr" and payload["subject"] == "[Testland] 1 nouvelle alerte : échec d’exécution : 1"
    [alert] = payload["alerts"]
    assert alert["kind"] == "run_failed" and alert["key"].startswith("run_failed:tick:")
    assert set(alert["details"]) == {"job", "run_id", "first_failed_run_id", "failed_runs", "error"}
    assert alert["message"].startswith("Le traitement ETL « tick » a échoué")


def test_a_german_deployment_s_kpi_alert_writes_numbers_and_periods_the_german_way(tmp_path, smtp, webhook):
    config = _in_language(_config(tmp_path, smtp, webhook, on=["worsened"]), "de")
    run_guarded(config, "tick")
    [payload] = webhook["received"]
    [worse] = [a for a in payload["alerts"] if a["kind"] == "worsened"]
    # the details keep plain numbers; the message writes them with a decimal comma
    value, change = worse["details"]["value"], worse["details"]["change"]
    said = lambda x: i18n.number(float(f"{x:.4g}"), "de")  # noqa: E731
    assert worse["message"] == (f"online_share in T hat sich im Zeitraum 2023 signifikant verschlechtert: "
                                f"{said(value)} (Veränderung {said(change)} seit 2022)")
    assert alerts._fmt(1234.56, config) == "1.235" and alerts._fmt(-0.315, config) == "-0,315"
    assert alerts._fmt(None, config) == "k. A."
    assert payload["subject"].startswith("[Testland] 1 neue Warnmeldung: verschlechtert: 1")


def _decoded(mail: str) -> str:
    import email

    msg = email.message_from_string(mail)
    return msg.get_payload(decode=True).decode("utf-8")
