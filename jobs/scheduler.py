"""The scheduler engine: APScheduler 3.x `BackgroundScheduler` with a persistent SQLAlchemy job store in the
bot's own database.

- Stable job ids (`schedule:<id>`, `system:<name>`), always added with `replace_existing=True`.
- Timezone-aware cron triggers (per schedule, default `SALESBRIDGE_TIMEZONE`).
- `coalesce=True` and a misfire grace time: after a restart a missed slot still posts once if it is at most
  `MISFIRE_GRACE` old; several missed slots post once. `services.schedules.posting.run_schedule` re-derives
  the slot from the schedule row, and every post carries an outbox dedupe key per schedule+slot, so a restart
  or two overlapping leaders never double-post.
- Jobs never pickle `Services`: the store holds a textual function reference plus plain arguments (a
  services key and a schedule id or a system job name); the function looks the live services up in the
  process-level registry (`jobs.registry`) and the system job in `jobs.SYSTEM_JOBS`.
- Only the leader (`jobs.leader`) runs a started scheduler; `SchedulerRuntime` handles the election loop.
- While it runs, the engine listens to `services.schedules.changes`: a schedule changed in chat in this
  process applies at once.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta
from typing import Any

from apscheduler.executors.base import BaseExecutor
from apscheduler.executors.debug import DebugExecutor
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler

from bot.metrics import instrument_scheduler
from jobs import SYSTEM_JOBS, register_jobs
from jobs.leader import HEARTBEAT, Elector, make_elector
from jobs.registry import (
    DEFAULT_KEY,
    register_scheduler,
    register_services,
    services_for,
    unregister_scheduler,
)
from services.context import Services
from services.schedules import changes
from services.schedules.posting import MISFIRE_GRACE, run_schedule
from services.schedules.store import all_schedules
from services.schedules.timing import build_trigger

logger = logging.getLogger(__name__)

JOB_TABLE = "apscheduler_jobs"


# --- job entry points (referenced textually from the job store) ---------------------------------------
def run_schedule_job(key: str, schedule_id: int) -> int:
    services = services_for(key)
    return run_schedule(services=services, schedule_id=schedule_id)


_missing_reported: set[str] = set()


def run_system_job(key: str, name: str) -> int:
    """The system job `name` of `jobs.SYSTEM_JOBS`; a name no longer listed (a job store written by an older
    release) is reported once and skipped."""
    services = services_for(key)
    function = SYSTEM_JOBS.get(name)
    if function is None:
        if name not in _missing_reported:
            _missing_reported.add(name)
            logger.warning("system job %s is not installed; skipping it", name)
        return 0
    return int(function(services) or 0)


# --- the engine -------------------------------------------------------------------------------------
def schedule_job_id(schedule_id: int) -> str:
    return f"schedule:{schedule_id}"


class SchedulerEngine:
    def __init__(
        self,
        services: Services,
        *,
        key: str = DEFAULT_KEY,
        executor: str = "threadpool",
        grace: timedelta = MISFIRE_GRACE,
    ) -> None:
        executors: dict[str, BaseExecutor]
        if executor == "debug":  # runs jobs in the scheduler's thread (tests)
            executors = {"default": DebugExecutor()}
        else:
            executors = {"default": ThreadPoolExecutor(max_workers=4)}
        self.services = services
        self.key = key
        self.scheduler: BaseScheduler = BackgroundScheduler(
            jobstores={"default": SQLAlchemyJobStore(engine=services.db.engine, tablename=JOB_TABLE)},
            executors=executors,
            job_defaults={
                "coalesce": True,
                "misfire_grace_time": int(grace.total_seconds()),
                "max_instances": 1,
            },
            timezone=services.settings.tz,
        )
        instrument_scheduler(self.scheduler)  # job runs, errors and misfires on /metrics
        self._lock = threading.Lock()

    @property
    def running(self) -> bool:
        return bool(self.scheduler.running)

    def start(self) -> None:
        """Register jobs (replacing stored ones with the same ids) and start firing them."""
        register_services(self.services, key=self.key)
        register_scheduler(self, key=self.key)
        self.scheduler.start(paused=True)
        register_jobs(self)
        changes.subscribe(self.sync_schedules)
        self.scheduler.resume()
        logger.info("scheduler started with %d jobs", len(self.scheduler.get_jobs()))

    def shutdown(self) -> None:
        changes.unsubscribe(self.sync_schedules)
        if self.scheduler.running:
            self.scheduler.shutdown(wait=True)
        unregister_scheduler(self, key=self.key)

    def add_system_job(self, *, name: str, seconds: int) -> None:
        self.scheduler.add_job(
            "jobs.scheduler:run_system_job",
            trigger="interval",
            seconds=seconds,
            args=[self.key, name],
            id=f"system:{name}",
            name=name,
            replace_existing=True,
        )

    def sync_schedules(self) -> int:
        """Make the job store match the `schedule` table: add/replace active ones, drop paused/removed."""
        rows = all_schedules(services=self.services)
        wanted = {schedule_job_id(r.id): r for r in rows if r.id is not None and not r.paused}
        changed = 0
        with self._lock:
            existing = {job.id: job for job in self.scheduler.get_jobs() if job.id.startswith("schedule:")}
            for job_id in existing.keys() - wanted.keys():
                self.scheduler.remove_job(job_id)
                changed += 1
            for job_id, row in wanted.items():
                trigger = build_trigger(cron=row.cron, timezone=row.timezone, calendar=row.calendar)
                job = existing.get(job_id)
                if job is not None and repr(job.trigger) == repr(trigger):
                    continue  # unchanged: keep its next_run_time (a pending misfire stays pending)
                self.scheduler.add_job(
                    "jobs.scheduler:run_schedule_job",
                    trigger=trigger,
                    args=[self.key, row.id],
                    id=job_id,
                    name=f"{row.kind} {row.when_text}",
                    replace_existing=True,
                )
                changed += 1
        return changed

    def jobs(self) -> list[Any]:
        return list(self.scheduler.get_jobs())


class SchedulerRuntime:
    """The leader loop: every heartbeat, try to lead; start the scheduler on winning, stop it on losing."""

    def __init__(
        self,
        services: Services,
        *,
        elector: Elector | None = None,
        heartbeat: timedelta | None = None,
        key: str = DEFAULT_KEY,
    ) -> None:
        self.services = services
        self.key = key
        self.elector = elector or make_elector(db=services.db, clock=services.clock)
        self.heartbeat = heartbeat or HEARTBEAT
        self.engine: SchedulerEngine | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def is_leader(self) -> bool:
        return self.engine is not None and self.engine.running

    def step(self) -> bool:
        """One election round; returns whether this process now leads."""
        try:
            leading = self.elector.try_acquire()
        except Exception:
            logger.exception("leader election failed; acting as follower this round")
            leading = False
        if leading and not self.is_leader:
            logger.info("%s became the scheduler leader", self.elector.holder)
            engine = SchedulerEngine(self.services, key=self.key)
            engine.start()
            self.engine = engine  # published only once every job is registered
        elif not leading and self.engine is not None:
            logger.warning("%s lost scheduler leadership; stopping the scheduler", self.elector.holder)
            self.engine.shutdown()
            self.engine = None
        return leading

    def start(self) -> None:
        register_services(self.services, key=self.key)

        def loop() -> None:
            self.step()
            while not self._stop.wait(self.heartbeat.total_seconds()):
                self.step()

        self._thread = threading.Thread(target=loop, name="scheduler-leader", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self.engine is not None:
            self.engine.shutdown()
            self.engine = None
        try:
            self.elector.release()
        except Exception:
            logger.warning("could not release scheduler leadership", exc_info=True)
