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

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.services import Services
    from jobs.scheduler import SchedulerEngine

# name → "module:function"; each function is `def f(services) -> int` (how many things it did)
SYSTEM_JOBS: dict[str, str] = {
    "announcements.deliver_due": "jobs.announcements:deliver_due_announcements",
    "announcements.remind_unacknowledged": "jobs.announcements:remind_unacknowledged",
    "announcements.eos_reminders": "jobs.announcements:post_eos_reminders",
    "announcements.launch_milestones": "jobs.announcements:post_launch_milestones",
    "housekeeping.forget_events": "jobs.housekeeping:forget_old_events",
    "schedules.sync": "jobs.housekeeping:sync_schedules",
}
SYSTEM_INTERVAL_SECONDS = 60


def register_jobs(scheduler: SchedulerEngine, services: Services) -> None:
    """Register the system jobs and one job per stored schedule (stable ids, replace_existing)."""
    for name, reference in SYSTEM_JOBS.items():
        scheduler.add_system_job(name=name, reference=reference, seconds=SYSTEM_INTERVAL_SECONDS)
    scheduler.sync_schedules()
