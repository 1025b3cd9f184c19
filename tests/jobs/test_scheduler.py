"""The APScheduler engine with its persistent job store in the bot's database: stable ids, replace on
restart, a missed run inside the grace time fires once after a restart, and never twice."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore

from bot.messages import Address, Reply, Sent
from bot.metrics import metrics
from jobs import SYSTEM_JOBS
from jobs.registry import register_services, unregister_services
from jobs.scheduler import JOB_TABLE, SchedulerEngine, run_system_job, schedule_job_id
from services.schedules import changes
from services.schedules.posting import run_schedule
from tests.fakes.harness import Harness
from tests.jobs.helpers import add_schedule


@pytest.fixture(autouse=True)
def _clean_registry() -> Iterator[None]:
    yield
    unregister_services()


def _job_ids(engine: SchedulerEngine) -> set[str]:
    return {job.id for job in engine.jobs()}


def test_start_registers_system_jobs_and_schedules_with_stable_ids(bot: Harness) -> None:
    schedule = add_schedule(bot, "sync weekly mon 10:00 channels:slack:C1")
    engine = SchedulerEngine(bot.services)
    engine.start()
    try:
        ids = _job_ids(engine)
        assert schedule_job_id(schedule.id) in ids
        assert {f"system:{name}" for name in SYSTEM_JOBS} <= ids
        job = engine.scheduler.get_job(schedule_job_id(schedule.id))
        assert job.coalesce is True and job.misfire_grace_time == 3600
        assert job.func_ref == "jobs.scheduler:run_schedule_job"  # textual: nothing live is pickled
        assert job.args == ("default", schedule.id)
        assert job.next_run_time.tzinfo is not None
        assert job.next_run_time.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%a %H:%M") == "Mon 10:00"
    finally:
        engine.shutdown()


def test_restart_with_the_persisted_store_keeps_one_job_per_id(any_db_bot: Harness) -> None:
    bot = any_db_bot  # SQLite, and PostgreSQL when SALESBRIDGE_TEST_POSTGRES_URL is set
    schedule = add_schedule(bot, "sync weekly mon 10:00 channels:slack:C1")
    first = SchedulerEngine(bot.services)
    first.start()
    before = first.scheduler.get_job(schedule_job_id(schedule.id)).next_run_time
    first.shutdown()
    second = SchedulerEngine(bot.services)
    second.start()
    try:
        jobs = [j for j in second.jobs() if j.id == schedule_job_id(schedule.id)]
        assert len(jobs) == 1 and jobs[0].next_run_time == before
        assert len(second.jobs()) == len(SYSTEM_JOBS) + 1
    finally:
        second.shutdown()


def test_schedule_changes_sync_into_the_store(bot: Harness) -> None:
    schedule = add_schedule(bot, "sync weekly mon 10:00 channels:slack:C1")
    engine = SchedulerEngine(bot.services)
    engine.start()
    try:
        bot.say(f"schedule pause {schedule.id}", user="UPM")  # this process leads: applied at once
        assert schedule_job_id(schedule.id) not in _job_ids(engine)
        bot.say(f"schedule resume {schedule.id}", user="UPM")
        assert schedule_job_id(schedule.id) in _job_ids(engine)
        bot.say(f"schedule remove {schedule.id}", user="UPM")
        assert schedule_job_id(schedule.id) not in _job_ids(engine)
    finally:
        engine.shutdown()


def test_a_stopped_engine_stops_listening_and_a_failing_listener_never_fails_the_command(
    bot: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    synced: list[int] = []

    class Counting(SchedulerEngine):
        def sync_schedules(self) -> int:
            synced.append(1)
            return super().sync_schedules()

    engine = Counting(bot.services)
    engine.start()
    add_schedule(bot, "digest daily 09:00 channels:slack:C1")  # running: applied at once
    assert len(synced) == 2  # at start, then the change
    engine.shutdown()
    calls: list[str] = []

    def broken() -> None:
        calls.append("called")
        raise RuntimeError("listener down")

    changes.subscribe(broken)
    try:
        add_schedule(bot, "sync weekly mon 10:00 channels:slack:C1")
    finally:
        changes.unsubscribe(broken)
    assert calls == ["called"] and "listener down" in caplog.text
    assert len(synced) == 2  # the stopped engine was not asked


def test_a_run_missed_while_down_fires_once_after_restart(
    bot: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The real APScheduler path: a job whose run time passed while no process ran, within the grace."""
    now = datetime.now(UTC).replace(microsecond=0)
    bot.clock.set(now - timedelta(days=2))
    slot = (now - timedelta(minutes=3)).astimezone(ZoneInfo("Asia/Shanghai"))
    schedule = add_schedule(bot, f"digest daily {slot:%H:%M} channels:slack:CRESTART")
    bot.clock.set(now)
    # a first process stored the job, then died before its run time
    dead = SchedulerEngine(bot.services)
    dead.start()
    dead.shutdown()
    store = SQLAlchemyJobStore(engine=bot.services.db.engine, tablename=JOB_TABLE)
    store.start(dead.scheduler, "default")
    job = store.lookup_job(schedule_job_id(schedule.id))
    job.next_run_time = slot  # the stored run time passed while no process was running
    store.update_job(job)

    posted = threading.Event()
    original_send = bot.slack.send

    def send(address: Address, reply: Reply, *, key: str | None = None) -> Sent:
        sent = original_send(address, reply)
        posted.set()
        return sent

    monkeypatch.setattr(bot.slack, "send", send)
    job_id = schedule_job_id(schedule.id)
    runs_before = metrics().registry.get_sample_value(
        "salesbridge_job_runs_total", {"job": job_id, "outcome": "ok"}
    )
    restarted = SchedulerEngine(bot.services, executor="debug")
    restarted.start()
    try:
        assert posted.wait(timeout=10), "the missed run did not fire after the restart"
        job = restarted.scheduler.get_job(schedule_job_id(schedule.id))
        assert job.next_run_time > now  # rescheduled to tomorrow, not run again
    finally:
        restarted.shutdown()
    assert len(bot.slack.to(conversation="CRESTART")) == 1
    runs_after = metrics().registry.get_sample_value(
        "salesbridge_job_runs_total", {"job": job_id, "outcome": "ok"}
    )
    assert (runs_after or 0) - (runs_before or 0) == 1  # counted on /metrics
    again = SchedulerEngine(bot.services, executor="debug")
    again.start()
    again.shutdown()
    assert run_schedule(services=bot.services, schedule_id=schedule.id) == 0
    assert len(bot.slack.to(conversation="CRESTART")) == 1


def test_system_jobs_run_by_name_or_are_reported_missing(
    bot: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    register_services(bot.services)
    assert run_system_job("default", "not_there.anything") == 0
    assert "not installed" in caplog.text
    # a job store written by an older release stored "module:function" references: skipped, not crashed
    assert run_system_job("default", "jobs.housekeeping:forget_old_events") == 0
    assert run_system_job("default", "housekeeping.forget_events") == 0


def test_system_jobs_are_stored_by_name(bot: Harness) -> None:
    engine = SchedulerEngine(bot.services)
    engine.start()
    try:
        job = engine.scheduler.get_job("system:housekeeping.forget_events")
        assert job.func_ref == "jobs.scheduler:run_system_job"
        assert job.args == ("default", "housekeeping.forget_events")
    finally:
        engine.shutdown()


def test_announcement_jobs_are_registered_with_the_agreed_names() -> None:
    names = {function.__name__ for function in SYSTEM_JOBS.values()}
    assert {
        "deliver_due_announcements",
        "remind_unacknowledged",
        "post_eos_reminders",
        "post_launch_milestones",
    } <= names
    assert all(callable(function) for function in SYSTEM_JOBS.values())
