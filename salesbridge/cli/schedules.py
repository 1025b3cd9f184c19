"""`salesbridge jobs list` / `salesbridge jobs run <id>`: the scheduled jobs, from the shell."""

from __future__ import annotations

import typer

from bot.chat_text import is_id
from bot.config import Settings
from bot.errors import NotFound
from jobs import SYSTEM_INTERVAL_SECONDS, SYSTEM_JOBS
from salesbridge.app import build_services
from salesbridge.cli.usage_errors import fail
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


def _usage_exit(en: str, zh: str) -> typer.Exit:
    """`fail` with the usage at the end of each line."""
    return fail(
        f"{en} Usage: salesbridge jobs run ID|schedule:ID|system:NAME  (see `salesbridge jobs list`)",
        f"{zh}用法：salesbridge jobs run 编号|schedule:编号|system:名称（见 `salesbridge jobs list`）",
    )


@jobs_app.command("run")
def run_job(
    job_id: str = typer.Argument(..., help="A schedule id (`3` or `schedule:3`) or `system:<name>`."),
) -> None:
    """Run one job now (a schedule posts immediately, whatever its calendar says)."""
    raw = job_id.removeprefix("schedule:").lstrip("#")
    number = raw.isascii() and is_id(raw)  # no larger than a stored id (32-bit on PostgreSQL)
    if not job_id.startswith("system:") and not number:
        raise _usage_exit(
            f"A job id is a schedule number or system:<name>, not {job_id!r}.",
            f"任务编号应为定时任务编号或 system:<名称>，而不是 {job_id!r}。",
        )
    function = SYSTEM_JOBS.get(job_id.removeprefix("system:"))
    if job_id.startswith("system:") and function is None:
        raise _usage_exit(f"There is no system job {job_id!r}.", f"没有名为 {job_id!r} 的系统任务。")
    services = _services()
    if function is None:
        try:
            load_schedule(services=services, schedule_id=int(raw))
        except NotFound as exc:
            services.db.dispose()
            raise _usage_exit(exc.en, exc.zh) from exc
    try:  # what it queued for a platform this process has no connection to is said below
        if function is not None:
            typer.echo(f"{job_id}: {function(services)}")
        else:
            posted = run_schedule(services=services, schedule_id=int(raw), force=True)
            typer.echo(f"schedule:{raw}: posted to {posted} channel(s) / 已发布到 {posted} 个频道")
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
