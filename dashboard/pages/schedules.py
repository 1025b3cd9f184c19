"""Schedules: every recurring post (sync reminder, digests, LSCPA practice) with its next runs — holidays it
skips and make-up workdays (调休) it runs on shown — and, for PMs and admins, pause / resume / run now.

Routes (names for `ctx.url`): `schedules` GET /app/schedules · `schedule_pause`, `schedule_resume`,
`schedule_run` POST /app/schedules/{id}/pause|resume|run (pm).

The actions are the chat's `schedule pause|resume|run <id>`: `services.schedules.store.set_paused` (the
running scheduler hears of it at once) and `posting.run_schedule_detailed(force=True)`, which posts to every
channel now, whatever the calendar says.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from starlette.responses import Response

from bot.clock import as_utc
from bot.i18n import weekday
from dashboard.pages.common import notice_text, path_id
from dashboard.web import Ctx, Page, page_route
from services import calendars
from services.schedules.names import schedule_name
from services.schedules.posting import run_schedule_detailed
from services.schedules.store import all_schedules, load_schedule, parse_channels, set_paused, upcoming_slots

NEXT_RUNS = 5
NOTICES = {
    "paused": ("Paused: nothing is posted until it is resumed.", "已暂停：恢复之前不会发送。"),
    "resumed": (
        "Resumed: it posts from its next slot (slots missed while paused are not posted late).",
        "已恢复：从下一个时间点起发送（暂停期间错过的不会补发）。",
    ),
    "ran": ("Posted now to {n} channel(s).", "已立即发送到 {n} 个频道。"),
}


def list_schedules(ctx: Ctx) -> Response:
    services = ctx.services
    now = services.now()
    rows = []
    for schedule in all_schedules(services=services):
        slots = (
            []
            if schedule.paused
            else upcoming_slots(
                cron=schedule.cron,
                timezone=schedule.timezone,
                calendar=schedule.calendar,
                now=now,
                count=NEXT_RUNS,
            )
        )
        zone = ZoneInfo(schedule.timezone)
        missing_years = (
            sorted({s.at.year for s in slots if not calendars.china_covers(s.at.year)})
            if schedule.calendar == calendars.CHINA
            else []
        )
        rows.append(
            {
                "schedule": schedule,
                "slots": slots,
                "channels": [f"{p}:{c}" for p, c in parse_channels(schedule.channels)],
                "last_posted": (
                    as_utc(schedule.last_posted_at).astimezone(zone).strftime("%Y-%m-%d %H:%M")
                    if schedule.last_posted_at
                    else ""
                ),
                # (English, Chinese): what still counts without the year's official arrangement
                "missing_note": calendars.missing_data_note(missing_years) if missing_years else None,
            }
        )
    return ctx.render(
        "schedules.html",
        title=ctx.t("Schedules", "定时任务"),
        rows=rows,
        notice=notice_text(ctx, NOTICES),
        kind_label=lambda schedule: ctx.t(*schedule_name(schedule.kind, schedule.cron)),
        slot_time=lambda at: f"{at:%Y-%m-%d} {weekday(ctx.lang, at.date())} {at:%H:%M}",
    )


def _schedule_id(ctx: Ctx) -> int:
    schedule_id = path_id(ctx, "schedule_id", what_en="schedule", what_zh="定时任务")
    load_schedule(services=ctx.services, schedule_id=schedule_id)  # NotFound → a 404 page
    return schedule_id


def pause(ctx: Ctx) -> Response:
    ctx.require_pm()
    schedule_id = _schedule_id(ctx)
    set_paused(services=ctx.services, schedule_id=schedule_id, paused=True)
    return ctx.redirect(ctx.url("schedules", query={"notice": "paused"}) + f"#schedule-row-{schedule_id}")


def resume(ctx: Ctx) -> Response:
    ctx.require_pm()
    schedule_id = _schedule_id(ctx)
    set_paused(services=ctx.services, schedule_id=schedule_id, paused=False)
    return ctx.redirect(ctx.url("schedules", query={"notice": "resumed"}) + f"#schedule-row-{schedule_id}")


def run_now(ctx: Ctx) -> Response:
    """As `schedule run 3`: post to every channel now."""
    ctx.require_pm()
    schedule_id = _schedule_id(ctx)
    result = run_schedule_detailed(services=ctx.services, schedule_id=schedule_id, force=True)
    return ctx.redirect(
        ctx.url("schedules", query={"notice": "ran", "n": result.posted}) + f"#schedule-row-{schedule_id}"
    )


PAGE = Page(
    key="schedules",
    label_en="Schedules",
    label_zh="定时任务",
    home="schedules",
    routes=[
        page_route("/schedules", list_schedules, name="schedules", page="schedules"),
        page_route(
            "/schedules/{schedule_id}/pause",
            pause,
            name="schedule_pause",
            page="schedules",
            methods=("POST",),
            pm_only=True,
        ),
        page_route(
            "/schedules/{schedule_id}/resume",
            resume,
            name="schedule_resume",
            page="schedules",
            methods=("POST",),
            pm_only=True,
        ),
        page_route(
            "/schedules/{schedule_id}/run",
            run_now,
            name="schedule_run",
            page="schedules",
            methods=("POST",),
            pm_only=True,
        ),
    ],
)
