"""Announcements and end-of-sale notices: the list with acknowledgement counts, an announcement's page with who
read it per channel and per person (both platforms), "remind those who have not read it", cancelling a scheduled
one, and the active launch plans drawn as timelines (T-90 … T+90).

Routes (names for `ctx.url`): `announcements` GET /app/announcements · `announcement` GET
/app/announcements/{id} · `announcement_remind`, `announcement_cancel` POST /app/announcements/{id}/remind|cancel
(pm).

Sales see published announcements only (the list, an announcement's text, whether they acknowledged it);
PMs and admins see every status, the readers, and act. Reminding sends the DM the reminder job sends
(`services.announcements.reminders`); cancelling is `workflow.cancel_announcement`, as `announce cancel` in chat.
"""

from __future__ import annotations

from datetime import date, timedelta

from markupsafe import Markup
from starlette.responses import Response

from bot.models import Announcement
from dashboard.charts import Mark, hbar_chart, timeline
from dashboard.pages.common import day_text, local_time, local_today, notice_text, path_id, person
from dashboard.web import Ctx, Page, bad_request, not_found, page_route
from services.announcements import overview, workflow
from services.announcements.posts import announcement_reply, headline
from services.announcements.reminders import MANUAL_GAP, remind_pending_readers

STATUS_ZH = {"draft": "草稿", "scheduled": "已定时", "published": "已发布", "cancelled": "已取消"}
KIND_ZH = {"release": "版本发布", "eos": "停售通知"}
RATE_DAYS = 90  # the acknowledgement-rate chart covers announcements published in the last RATE_DAYS days
NOTICES = {
    "reminded": (
        "Reminder sent by DM to {n} person(s) who have not acknowledged, on their own platform.",
        "已在各自的平台私信提醒 {n} 位尚未确认已阅的成员。",
    ),
    "nobody": (
        "Nobody to remind: everyone acknowledged, or was reminded less than 30 minutes ago.",
        "没有需要提醒的人：所有人都已确认，或在 30 分钟内已提醒过。",
    ),
    "cancelled": ("Cancelled; nothing was posted.", "已取消，未发布任何内容。"),
    "not-pending": (
        "Only drafts and scheduled announcements can be cancelled; this one was not changed.",
        "只有草稿和已定时的公告可以取消；此公告未做更改。",
    ),
}


def status_label(ctx: Ctx, status: str) -> str:
    return ctx.t(status, STATUS_ZH.get(status, status))


def kind_label(ctx: Ctx, kind: str) -> str:
    return ctx.t("end of sale" if kind == "eos" else kind, KIND_ZH.get(kind, kind))


def _load(ctx: Ctx, announcement_id: int) -> Announcement:
    """The announcement, if this viewer may see it: sales only published ones (others are "not found")."""
    with ctx.services.db.session() as session:
        announcement = workflow.get_announcement(session=session, announcement_id=announcement_id)
    if announcement is None or (not ctx.me.is_pm and announcement.status != "published"):
        raise not_found(
            f"There is no announcement #{announcement_id}.", f"没有编号为 #{announcement_id} 的公告。"
        )
    return announcement


def list_announcements(ctx: Ctx) -> Response:
    viewer = ctx.me
    kind = ctx.param("kind")
    if kind not in ("", "release", "eos"):
        raise bad_request(
            f"The kind is release or eos, got {kind!r}.", f"类型应为 release 或 eos，收到 {kind!r}。"
        )
    today = local_today(ctx)
    with ctx.services.db.session() as session:
        rows = overview.announcement_rows(session=session, published_only=not viewer.is_pm, kind=kind)
        timelines = overview.launch_timelines(session=session, today=today)
        rates = (
            workflow.acknowledgement_rates(
                session=session, since=ctx.services.now() - timedelta(days=RATE_DAYS)
            )
            if viewer.is_pm
            else []
        )
    scheduled = [row for row in rows if row.announcement.status == "scheduled"]
    charts = [launch_chart(ctx, line, today=today) for line in timelines]
    rate_chart = ack_rate_chart(ctx, rates) if rates else None
    return ctx.render(
        "announcements_list.html",
        title=ctx.t("Announcements", "公告"),
        rows=rows,
        scheduled=scheduled,
        kind=kind,
        timelines=list(zip(timelines, charts, strict=True)),
        rate_chart=rate_chart,
        notice=notice_text(ctx, NOTICES),
        status_label=lambda s: status_label(ctx, s),
        kind_label=lambda k: kind_label(ctx, k),
        headline=headline,
        when=lambda moment: local_time(ctx, moment),
        day=lambda d: day_text(ctx, d),
    )


def ack_rate_chart(ctx: Ctx, rates: list[workflow.AckRate]) -> Markup:
    shown = rates[-15:]
    return hbar_chart(
        chart_id="chart-ack-rate",
        title=ctx.t(
            f"Acknowledgement rate per announcement (last {RATE_DAYS} days)",
            f"各公告的已阅率（最近 {RATE_DAYS} 天）",
        ),
        summary=ctx.t(
            f"{len(shown)} announcement(s); "
            + "; ".join(f"#{r.announcement_id} {r.rate:.0%}" for r in shown),
            f"{len(shown)} 条公告；" + "；".join(f"#{r.announcement_id} {r.rate:.0%}" for r in shown),
        ),
        labels=[f"#{r.announcement_id} {r.title}" for r in shown],
        values=[r.rate for r in shown],
        value_texts=[f"{r.rate:.0%} ({r.acknowledged}/{r.expected})" for r in shown],
        maximum=1.0,
        column=ctx.t("Acknowledged", "已阅"),
        details_label=ctx.t("Numbers", "数据"),
    )


def launch_chart(ctx: Ctx, line: overview.LaunchTimeline, *, today: date) -> Markup:
    plan = line.plan
    marks = [
        Mark(
            day=m.day,
            label=m.milestone.label,
            text=ctx.t(m.milestone.title_en, m.milestone.title_zh),
            state=m.state,
            note=ctx.t("moved before a weekend or holiday", "遇周末或节假日提前") if m.moved else "",
        )
        for m in line.milestones
    ]
    coming = next((m for m in line.milestones if m.state == "next"), None)
    summary = ctx.t(
        f"{plan.product} launches on {plan.launch_date.isoformat()}; "
        + (
            f"next milestone {coming.milestone.label} on {coming.day.isoformat()}."
            if coming
            else "every milestone is behind."
        ),
        f"{plan.product} 于 {plan.launch_date.isoformat()} 上市；"
        + (
            f"下一个里程碑 {coming.milestone.label}：{coming.day.isoformat()}。"
            if coming
            else "所有里程碑均已过去。"
        ),
    )
    return timeline(
        chart_id=f"launch-chart-{plan.id}",
        title=ctx.t(f"{plan.product} launch timeline", f"{plan.product} 上市时间线"),
        summary=summary,
        marks=marks,
        today=today,
        today_label=ctx.t("today", "今天"),
        columns=("", ctx.t("Date", "日期"), ctx.t("Milestone", "里程碑")),
        details_label=ctx.t("Dates", "日期"),
    )


def show_announcement(ctx: Ctx) -> Response:
    viewer = ctx.me
    announcement = _load(ctx, path_id(ctx, "announcement_id", what_en="announcement", what_zh="公告"))
    assert announcement.id is not None
    readers = None
    mine = None
    if announcement.status == "published":
        if viewer.is_pm:
            readers = overview.readership(services=ctx.services, announcement=announcement)
        else:
            with ctx.services.db.session() as session:
                acked = workflow.acknowledged_users(session=session, announcement_id=announcement.id)
            mine = (viewer.platform, viewer.user) in acked
    post = announcement_reply(announcement)
    return ctx.render(
        "announcement_detail.html",
        title=f"#{announcement.id} {headline(announcement)}",
        a=announcement,
        post=post,
        readers=readers,
        mine=mine,
        notice=notice_text(ctx, NOTICES),
        status_label=lambda s: status_label(ctx, s),
        kind_label=lambda k: kind_label(ctx, k),
        when=lambda moment: local_time(ctx, moment),
        person=person,
        manual_gap_minutes=int(MANUAL_GAP.total_seconds() // 60),
    )


def remind(ctx: Ctx) -> Response:
    """DM the next acknowledgement reminder to everyone who has not read it (skipping those reminded in the
    last 30 minutes): the reminder job's message, round and record."""
    ctx.require_pm()
    announcement = _load(ctx, path_id(ctx, "announcement_id", what_en="announcement", what_zh="公告"))
    if announcement.status != "published":
        raise bad_request(
            f"Announcement #{announcement.id} is not posted, so there is nobody to remind.",
            f"公告 #{announcement.id} 尚未发布，没有可提醒的人。",
        )
    outcome = remind_pending_readers(
        services=ctx.services, announcement=announcement, up_to_round=None, min_gap=MANUAL_GAP
    )
    code = "reminded" if outcome.sent else "nobody"
    return ctx.redirect(
        ctx.url("announcement", announcement_id=announcement.id, query={"notice": code, "n": outcome.sent})
    )


def cancel(ctx: Ctx) -> Response:
    """As `announce cancel 7`: a draft or scheduled announcement is cancelled, nothing is posted."""
    ctx.require_pm()
    announcement = _load(ctx, path_id(ctx, "announcement_id", what_en="announcement", what_zh="公告"))
    assert announcement.id is not None
    with ctx.services.db.session() as session:
        cancelled = workflow.cancel_announcement(session=session, announcement_id=announcement.id)
    code = "cancelled" if cancelled else "not-pending"
    back = ctx.form.get("back", "")
    if back == "list":
        return ctx.redirect(ctx.url("announcements", query={"notice": code}))
    return ctx.redirect(ctx.url("announcement", announcement_id=announcement.id, query={"notice": code}))


PAGE = Page(
    key="announcements",
    label_en="Announcements",
    label_zh="公告",
    home="announcements",
    routes=[
        page_route("/announcements", list_announcements, name="announcements", page="announcements"),
        page_route(
            "/announcements/{announcement_id}",
            show_announcement,
            name="announcement",
            page="announcements",
        ),
        page_route(
            "/announcements/{announcement_id}/remind",
            remind,
            name="announcement_remind",
            page="announcements",
            methods=("POST",),
            pm_only=True,
        ),
        page_route(
            "/announcements/{announcement_id}/cancel",
            cancel,
            name="announcement_cancel",
            page="announcements",
            methods=("POST",),
            pm_only=True,
        ),
    ],
)
