"""The scheduler engine: APScheduler 3.x `BackgroundScheduler` with a persistent SQLAlchemy job store in the
bot's own database.

- Stable job ids (`schedule:<id>`, `system:<name>`), always added with `replace_existing=True`.
- Timezone-aware cron triggers (per schedule, default `SALESBRIDGE_TIMEZONE`).
- `coalesce=True` and a misfire grace time: after a restart a missed slot still posts once if it is at most
  `MISFIRE_GRACE` old; several missed slots post once. `jobs.posting.run_schedule` re-derives the slot from
  the schedule row, and every post carries an outbox dedupe key per schedule+slot, so a restart or two
  overlapping leaders never double-post.
- Jobs never pickle `Services`: the store holds a textual function reference plus plain arguments (a
  services key and an id); the function looks the live services up in a process-level registry.
- Only the leader (`jobs.leader`) runs a started scheduler; `SchedulerRuntime` handles the election loop.
"""

from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlmodel import select

from bot.metrics import instrument_scheduler
from bot.models import Schedule

if TYPE_CHECKING:
    from apscheduler.schedulers.base import BaseScheduler

    from jobs.leader import Elector
    from services.context import Services

logger = logging.getLogger(__name__)

MISFIRE_GRACE = timedelta(hours=1)
JOB_TABLE = "apscheduler_jobs"
DEFAULT_KEY = "default"

_services: dict[str, Services] = {}
_engines: dict[str, SchedulerEngine] = {}
_registry_lock = threading.Lock()


# --- the process-level registry of running services ---------------------------------------------------
def register_services(services: Services, *, key: str = DEFAULT_KEY) -> None:
    with _registry_lock:
        _services[key] = services


def unregister_services(*, key: str = DEFAULT_KEY) -> None:
    with _registry_lock:
        _services.pop(key, None)
        _engines.pop(key, None)


def services_for(key: str = DEFAULT_KEY) -> Services:
    with _registry_lock:
        services = _services.get(key)
    if services is None:
        raise LookupError(f"no running services registered under {key!r}")
    return services


def running_engine(key: str = DEFAULT_KEY) -> SchedulerEngine | None:
    with _registry_lock:
        engine = _engines.get(key)
    return engine if engine is not None and engine.running else None


def resolve(reference: str) -> Callable[[Services], int] | None:
    """`"jobs.announcements:deliver_due_announcements"` → the function, or None when not installed."""
    module_name, _, attr = reference.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and module_name.startswith(exc.name):
            return None
        raise
    function = getattr(module, attr, None)
    return function if callable(function) else None


# --- job entry points (referenced textually from the job store) ---------------------------------------
def run_schedule_job(key: str, schedule_id: int) -> int:
    from jobs.posting import run_schedule

    services = services_for(key)
    return run_schedule(services=services, schedule_id=schedule_id)


_missing_reported: set[str] = set()


def run_system_job(key: str, reference: str) -> int:
    services = services_for(key)
    function = resolve(reference)
    if function is None:
        if reference not in _missing_reported:
            _missing_reported.add(reference)
            logger.warning("system job %s is not installed; skipping it", reference)
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
        from apscheduler.executors.pool import ThreadPoolExecutor
        from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
        from apscheduler.schedulers.background import BackgroundScheduler

        executors: dict[str, Any]
        if executor == "debug":  # runs jobs in the scheduler's thread (tests)
            from apscheduler.executors.debug import DebugExecutor

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
        from jobs import register_jobs

        register_services(self.services, key=self.key)
        with _registry_lock:
            _engines[self.key] = self
        self.scheduler.start(paused=True)
        register_jobs(self, self.services)
        self.scheduler.resume()
        logger.info("scheduler started with %d jobs", len(self.scheduler.get_jobs()))

    def shutdown(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=True)
        with _registry_lock:
            if _engines.get(self.key) is self:
                _engines.pop(self.key, None)

    def add_system_job(self, *, name: str, reference: str, seconds: int) -> None:
        self.scheduler.add_job(
            "jobs.scheduler:run_system_job",
            trigger="interval",
            seconds=seconds,
            args=[self.key, reference],
            id=f"system:{name}",
            name=name,
            replace_existing=True,
        )

    def sync_schedules(self) -> int:
        """Make the job store match the `schedule` table: add/replace active ones, drop paused/removed."""
        from services.schedules.timing import build_trigger

        with self.services.db.session() as session:
            rows = list(session.exec(select(Schedule)))
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
        from jobs.leader import HEARTBEAT, make_elector

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
