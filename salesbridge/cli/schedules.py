"""`salesbridge jobs list` / `salesbridge jobs run <id>`: the scheduled jobs, from the shell."""

from __future__ import annotations

import typer

from bot.config import Settings
from bot.errors import NotFound
from jobs import SYSTEM_INTERVAL_SECONDS, SYSTEM_JOBS
from salesbridge.app import build_services
from services.context import Services
from services.schedules.posting import run_schedule
from services.schedules.store import all_schedules, load_schedule, upcoming_runs

jobs_app = typer.Typer(help="Scheduled jobs: list them, run one now.", no_args_is_help=True)


def _services() -> Services:
    services = build_services(Settings())
    services.db.upgrade()
    return services


@jobs_app.command("list")
def list_jobs() -> None:
    """Every schedule with its next run, and the system jobs (on the leader, every minute)."""
    services = _services()
    rows = all_schedules(services=services)
    now = services.now()
    if not rows:
        typer.echo("no schedules (add one in chat: `schedule add sync weekly mon 10:00`)")
    for row in rows:
        if row.paused:
            state = "paused"
        else:
            upcoming = upcoming_runs(
                cron=row.cron, timezone=row.timezone, calendar=row.calendar, now=now, count=1
            )
            state = "next " + (upcoming[0].isoformat(timespec="minutes") if upcoming else "never")
        typer.echo(
            f"schedule:{row.id}\t{row.kind}\t{row.when_text!r} ({row.cron}) {row.timezone} "
            f"calendar:{row.calendar}\t{row.channels}\t{state}"
        )
    for name, function in SYSTEM_JOBS.items():
        typer.echo(
            f"system:{name}\tevery {SYSTEM_INTERVAL_SECONDS}s\t{function.__module__}:{function.__name__}"
        )
    services.db.dispose()


@jobs_app.command("run")
def run_job(
    job_id: str = typer.Argument(..., help="A schedule id (`3` or `schedule:3`) or `system:<name>`."),
) -> None:
    """Run one job now (a schedule posts immediately, whatever its calendar says)."""
    services = _services()
    try:
        if job_id.startswith("system:"):
            function = SYSTEM_JOBS.get(job_id.removeprefix("system:"))
            if function is None:
                typer.echo(f"unknown or not installed system job {job_id!r}", err=True)
                raise typer.Exit(2)
            typer.echo(f"{job_id}: {function(services)}")
            return
        raw = job_id.removeprefix("schedule:").lstrip("#")
        if not raw.isdigit():
            typer.echo(f"job id must be a schedule number or system:<name>, got {job_id!r}", err=True)
            raise typer.Exit(2)
        try:
            load_schedule(services=services, schedule_id=int(raw))
        except NotFound as exc:
            typer.echo(str(exc), err=True)
            raise typer.Exit(1) from exc
        posted = run_schedule(services=services, schedule_id=int(raw), force=True)
        typer.echo(f"schedule:{raw}: posted to {posted} channel(s)")
    finally:
        services.outbox.flush()
        waiting = services.outbox.waiting_elsewhere()
        if waiting:
            listed = ", ".join(f"{count} for {platform}" for platform, count in sorted(waiting.items()))
            typer.echo(
                f"not sent from here (no connection in this process): {listed}; they stay queued until a "
                "process that has the platform (`salesbridge chat`, `serve`) sends them"
            )
        services.db.dispose()
