"""Every scheduled job, registered in one place: `register_jobs(scheduler, services)`.

Two families:
- **System jobs** (every minute, on the scheduler leader only): each is a `def f(services) -> int` named by a
  textual reference below, so the persistent job store never pickles live objects.
- **Schedules** made in chat (`schedule add …`): one cron job per `schedule` row, id `schedule:<id>`,
  kept in step with the table by the `schedules.sync` system job (changes made by any process apply
  within a minute; at once when made in the leader process).

The outbox retry flush is not here: every process runs it in `Application.start_background`.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from jobs.scheduler import SchedulerEngine
    from services.context import Services

# name → "module:function"; each function is `def f(services) -> int` (how many things it did)
SYSTEM_JOBS: dict[str, str] = {
    "announcements.deliver_due": "jobs.announcements:deliver_due_announcements",
    "announcements.remind_unacknowledged": "jobs.announcements:remind_unacknowledged",
    "announcements.eos_reminders": "jobs.announcements:post_eos_reminders",
    "announcements.launch_milestones": "jobs.announcements:post_launch_milestones",
    "announcements.ship_on_release_date": "jobs.announcements:ship_on_release_date",
    "housekeeping.forget_events": "jobs.housekeeping:forget_old_events",
    "schedules.sync": "jobs.housekeeping:sync_schedules",
}
SYSTEM_INTERVAL_SECONDS = 60


def register_jobs(scheduler: SchedulerEngine, services: Services) -> None:
    """Register the system jobs and one job per stored schedule (stable ids, replace_existing)."""
    for name, reference in SYSTEM_JOBS.items():
        scheduler.add_system_job(name=name, reference=reference, seconds=SYSTEM_INTERVAL_SECONDS)
    scheduler.sync_schedules()


def run_due_jobs(services: Services, *, grace: timedelta | None = None) -> dict[str, int]:
    """Run, once and now, every system job and the due slot of every active schedule, then flush the outbox
    (the console's `jobs run` and `time +2h`). `grace`: how old a missed schedule slot may be and still
    post (a fast-forward of a week still posts that week's sync once). Returns what each job did."""
    from sqlmodel import col, select

    from bot.models import Schedule
    from jobs.posting import run_schedule
    from jobs.scheduler import MISFIRE_GRACE, resolve

    results: dict[str, int] = {}
    for name, reference in SYSTEM_JOBS.items():
        function = resolve(reference)
        if function is not None:
            results[f"system:{name}"] = function(services)
    with services.db.session() as session:
        ids = [s.id for s in session.exec(select(Schedule).where(col(Schedule.paused).is_(False))) if s.id]
    for schedule_id in ids:
        results[f"schedule:{schedule_id}"] = run_schedule(
            services=services, schedule_id=schedule_id, grace=max(grace or MISFIRE_GRACE, MISFIRE_GRACE)
        )
    services.outbox.flush()
    return results
