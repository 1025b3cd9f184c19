"""Every scheduled job, registered in one place: `SYSTEM_JOBS` and `register_jobs(scheduler)`.

Two families:
- **System jobs** (every minute, on the scheduler leader only): each is a `def f(services) -> int` listed by
  name in `SYSTEM_JOBS`; the persistent job store keeps only the name (`jobs.scheduler.run_system_job`), so it
  never pickles live objects.
- **Schedules** made in chat (`schedule add …`): one cron job per `schedule` row, id `schedule:<id>`,
  kept in step with the table by the `schedules.sync` system job (changes made by any process apply
  within a minute; at once when made in the leader process). What a schedule posts is
  `services.schedules.posting.run_schedule`.

The outbox retry flush is not here: every process runs it in `Application.start_background`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Protocol

from jobs.announcements import (
    deliver_due_announcements,
    post_eos_reminders,
    post_launch_milestones,
    remind_unacknowledged,
    ship_on_release_date,
)
from jobs.housekeeping import forget_old_events, sync_schedules
from services.context import Services
from services.schedules.posting import MISFIRE_GRACE, run_schedule
from services.schedules.store import active_schedule_ids

SystemJob = Callable[[Services], int]  # how many things it did

SYSTEM_JOBS: dict[str, SystemJob] = {
    "announcements.deliver_due": deliver_due_announcements,
    "announcements.remind_unacknowledged": remind_unacknowledged,
    "announcements.eos_reminders": post_eos_reminders,
    "announcements.launch_milestones": post_launch_milestones,
    "announcements.ship_on_release_date": ship_on_release_date,
    "housekeeping.forget_events": forget_old_events,
    "schedules.sync": sync_schedules,
}
SYSTEM_INTERVAL_SECONDS = 60


class JobRegistrar(Protocol):
    """The scheduler as `register_jobs` sees it (`jobs.scheduler.SchedulerEngine`)."""

    def add_system_job(self, *, name: str, seconds: int) -> None: ...

    def sync_schedules(self) -> int: ...


def register_jobs(scheduler: JobRegistrar) -> None:
    """Register the system jobs and one job per stored schedule (stable ids, replace_existing)."""
    for name in SYSTEM_JOBS:
        scheduler.add_system_job(name=name, seconds=SYSTEM_INTERVAL_SECONDS)
    scheduler.sync_schedules()


def run_due_jobs(services: Services, *, grace: timedelta | None = None) -> dict[str, int]:
    """Run, once and now, every system job and the due slot of every active schedule, then flush the outbox
    (the console's `jobs run` and `time +2h`). `grace`: how old a missed schedule slot may be and still
    post (a fast-forward of a week still posts that week's sync once). Returns what each job did."""
    results: dict[str, int] = {}
    for name, function in SYSTEM_JOBS.items():
        results[f"system:{name}"] = function(services)
    for schedule_id in active_schedule_ids(services=services):
        results[f"schedule:{schedule_id}"] = run_schedule(
            services=services, schedule_id=schedule_id, grace=max(grace or MISFIRE_GRACE, MISFIRE_GRACE)
        )
    services.outbox.flush()
    return results
