"""When the jobs of config.yaml run: their triggers and the next run times the scheduler recorded.

Read by ``openmeasure status`` and the dashboard's status page without starting a scheduler; ``etl.scheduler``
(the only module that runs one) builds its jobs from the same triggers. Only APScheduler's trigger classes
are imported here.
"""

from __future__ import annotations

from datetime import UTC, datetime

from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import inspect, text

from core import catalogue
from core.config_models import Config, ScheduleConfig
from core.errors import ConfigError

JOBS_TABLE = "apscheduler_jobs"  # the SQLAlchemyJobStore table etl.scheduler registers jobs in
ORIGIN = datetime(2000, 1, 1, tzinfo=UTC)


def make_trigger(schedule: ScheduleConfig, timezone: str) -> IntervalTrigger | CronTrigger:
    if schedule.interval_seconds is not None:
        return IntervalTrigger(seconds=schedule.interval_seconds, start_date=ORIGIN, timezone=timezone)
    try:
        return CronTrigger.from_crontab(schedule.cron, timezone=timezone)
    except ValueError as exc:
        raise ConfigError([f"schedules[id={schedule.id}].cron: {exc} (got {schedule.cron!r})"]) from None


def next_run_times(config: Config) -> dict[str, datetime | None]:
    """Next run time of every job in the persistent job store (None: paused)."""
    engine = catalogue.connect(config.catalogue)
    if not inspect(engine).has_table(JOBS_TABLE):
        return {}
    with engine.connect() as con:
        rows = con.execute(text(f"SELECT id, next_run_time FROM {JOBS_TABLE}"))
        return {i: (datetime.fromtimestamp(t, UTC) if t is not None else None) for i, t in rows}
