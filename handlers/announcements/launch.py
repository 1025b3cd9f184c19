"""`launch` / `上市`: a product launch plan whose milestones (T-90 … T+90) are posted, each on its day in
the schedule timezone, with its checklist; `launch list`, `launch cancel <id>`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from bot.chat_text import parse_id
from bot.commands import parse_args, refuse_unknown_options, tokenize
from bot.errors import NotFound, UsageError
from bot.i18n import both, pick
from bot.messages import IncomingMessage, KeyValue, Reply
from bot.models import LaunchPlan
from handlers.announcements.parse import LAUNCH_KEYS, Target, format_targets, parse_date
from services import calendars
from services.announcements import workflow
from services.context import Services

LAUNCH_USAGE = (
    "launch CloudDB 3 date:2027-03-01 channels:slack:#sales,feishu:oc_1 [calendar:cn|us|none|…]\n"
    "launch list\n"
    "launch cancel 3\n"
    "上市 CloudDB 3 日期:2027-03-01 频道:sales-cn [日历:cn|us|none|…]"
)
LAUNCH_DETAILS_EN = (
    "`calendar:` — milestones on a weekend or public holiday of that calendar move to the previous working "
    "day: `cn` (Chinese holidays and make-up workdays), a country code (`us`, `gb`, `jp`, …) or `none`; "
    "default SALESBRIDGE_LAUNCH_CALENDAR."
)
LAUNCH_DETAILS_ZH = (
    "`日历:` —— 里程碑落在该日历的周末或法定节假日时提前到上一个工作日：`cn`（中国法定节假日与调休）、"
    "国家代码（`us`、`gb`、`jp` 等）或 `none`；默认 SALESBRIDGE_LAUNCH_CALENDAR。"
)


@dataclass(frozen=True)
class Milestone:
    offset: int  # days relative to the launch date
    title_en: str
    title_zh: str
    checklist: tuple[tuple[str, str], ...]  # (en, zh)

    @property
    def label(self) -> str:
        return "T0" if self.offset == 0 else f"T{self.offset:+d}"


MILESTONES: tuple[Milestone, ...] = (
    Milestone(
        -90,
        "Positioning and competitive analysis done",
        "完成产品定位与竞品分析",
        (
            ("Target segments and buyer personas agreed", "确定目标细分市场与买家画像"),
            ("Positioning statement and key messages signed off", "定位陈述与核心信息定稿"),
            ("Competitive analysis and battle cards drafted", "完成竞品分析并起草竞争对比卡"),
            ("Pricing and packaging proposal ready", "定价与打包方案就绪"),
        ),
    ),
    Milestone(
        -60,
        "Version frozen, sales training starts",
        "版本冻结，启动销售培训",
        (
            ("Feature scope frozen; release notes drafted", "功能范围冻结，起草发布说明"),
            ("Sales training sessions scheduled and started", "安排并开始销售培训"),
            ("Demo environment and pitch deck available", "演示环境与销售讲稿可用"),
            ("FAQ and objection handling added to the knowledge base", "常见问题与异议处理加入知识库"),
        ),
    ),
    Milestone(
        -30,
        "Supply and support ready, warm-up begins",
        "供应与支持就绪，开始预热",
        (
            ("Ordering, SKUs and contracts ready", "下单流程、物料编号与合同就绪"),
            ("Support team trained; escalation path published", "支持团队完成培训，升级路径已发布"),
            ("Customer warm-up: briefings to key accounts", "客户预热：向重点客户通报"),
            ("Marketing campaign and launch event confirmed", "市场活动与发布会确认"),
        ),
    ),
    Milestone(
        0,
        "Launch day",
        "正式上市",
        (
            ("Release announcement posted to every sales channel", "发布公告已发送到所有销售频道"),
            ("Website, price list and documentation live", "官网、价目表与文档上线"),
            ("Sales reach out to the warmed-up accounts", "销售跟进已预热的客户"),
            ("War room watches the first orders and tickets", "作战室关注首批订单与工单"),
        ),
    ),
    Milestone(
        30,
        "First-month review",
        "首月复盘",
        (
            ("Pipeline, wins and losses against target", "商机、赢单与丢单对比目标"),
            ("Top customer feedback and feature requests", "主要客户反馈与功能需求"),
            ("Support tickets and quality issues", "支持工单与质量问题"),
            ("Adjust messaging, pricing or training", "调整话术、定价或培训"),
        ),
    ),
    Milestone(
        90,
        "Quarter review",
        "季度复盘",
        (
            ("Revenue and adoption against the launch plan", "收入与采用率对比上市计划"),
            ("Win/loss analysis against competitors", "对比竞品的赢单/丢单分析"),
            ("Roadmap follow-ups from customer feedback", "根据客户反馈确定路线图后续"),
            ("Lessons learned for the next launch", "总结下一次上市的经验"),
        ),
    ),
)


def milestone_day(plan: LaunchPlan, milestone: Milestone) -> date:
    """The day a milestone is posted: T±n days from the launch date, moved to the previous working day of
    the plan's own calendar when that falls on a weekend or public holiday (T-30 of a 2027-06-01 launch,
    2 May, is in China's May Day holiday: 30 April)."""
    return calendars.previous_working_day(
        calendar=plan.calendar, day=plan.launch_date + timedelta(days=milestone.offset)
    )


def launch_calendar(services: Services, given: str | None = None) -> str:
    """The calendar a new plan follows: `calendar:` when given, else SALESBRIDGE_LAUNCH_CALENDAR; validated
    (a bilingual usage error names the choices)."""
    try:
        return calendars.normalize_calendar(given or services.settings.launch_calendar)
    except UsageError as exc:
        raise UsageError(exc.en, exc.zh, usage=LAUNCH_USAGE) from exc


def milestone_reply(plan: LaunchPlan, milestone: Milestone) -> Reply:
    day = milestone_day(plan, milestone)
    checklist = "\n".join(f"☐ {en} / {zh}" for en, zh in milestone.checklist)
    return Reply(
        title=(
            f"📅 {plan.product} launch {milestone.label}: {milestone.title_en} / "
            f"{plan.product} 上市 {milestone.label}：{milestone.title_zh}"
        ),
        text=checklist,
        fields=[
            KeyValue(label="Launch date / 上市日期", value=plan.launch_date.isoformat()),
            KeyValue(label="Milestone date / 里程碑日期", value=day.isoformat()),
        ],
        context=[f"Launch plan #{plan.id} / 上市计划 #{plan.id}"],
        where="channel",
        color="info",
    )


# --- data functions ------------------------------------------------------------------------------------


def create_launch(
    *,
    session: Session,
    product: str,
    launch_date: date,
    targets: list[Target],
    channel_spec: str,
    calendar: str,
    platform: str,
    by_user: str,
    now: datetime,
) -> LaunchPlan:
    plan = LaunchPlan(
        product=product,
        launch_date=launch_date,
        channel_spec=channel_spec,
        calendar=calendar,
        targets=format_targets(targets),
        created_platform=platform,
        created_by=by_user,
        created_at=now,
    )
    session.add(plan)
    session.flush()
    return plan


def active_launches(*, session: Session) -> list[LaunchPlan]:
    return list(
        session.exec(
            select(LaunchPlan)
            .where(col(LaunchPlan.status) == "active")
            .order_by(col(LaunchPlan.launch_date), col(LaunchPlan.id))
        )
    )


def cancel_launch(*, session: Session, launch_id: int) -> bool:
    result = session.execute(
        update(LaunchPlan)
        .where(col(LaunchPlan.id) == launch_id, col(LaunchPlan.status) == "active")
        .values(status="cancelled")
    )
    return bool(getattr(result, "rowcount", 0))


# --- the command -----------------------------------------------------------------------------------------


def handle_launch(msg: IncomingMessage, services: Services) -> Reply:
    words = tokenize(msg.args)
    sub = words[0].lower() if words else ""
    if not sub:
        raise UsageError("Name the product and its launch date.", "请写明产品和上市日期。")
    if sub in {"list", "列表"} and len(words) == 1:
        return _list(msg, services)
    if sub in {"cancel", "取消"}:
        if len(words) != 2:
            raise UsageError("`launch cancel` needs one launch id.", "`launch cancel` 需要一个上市计划编号。")
        launch_id = parse_id(words[1], what_en="launch", what_zh="上市计划")
        with services.db.session() as session:
            plan = session.get(LaunchPlan, launch_id)
            if plan is None:
                raise NotFound(
                    f"There is no launch plan #{launch_id}.", f"没有编号为 #{launch_id} 的上市计划。"
                )
            cancelled = cancel_launch(session=session, launch_id=launch_id)
        if not cancelled:
            return Reply(
                text=both(
                    f"Launch plan #{launch_id} was already cancelled.", f"上市计划 #{launch_id} 已经取消。"
                ),
                where="ephemeral",
            )
        return Reply(
            text=both(
                f"Launch plan #{launch_id} ({plan.product}) cancelled; no more milestone posts.",
                f"上市计划 #{launch_id}（{plan.product}）已取消，不再发送里程碑提醒。",
            ),
            where="ephemeral",
        )
    return _create(msg, services)


def _create(msg: IncomingMessage, services: Services) -> Reply:
    refuse_unknown_options(msg.args, LAUNCH_KEYS, usage=LAUNCH_USAGE)
    parsed = parse_args(msg.args, keys=LAUNCH_KEYS)
    product = parsed.text.strip()
    missing = [
        (en, zh)
        for en, zh, present in (
            ("product", "产品", bool(product)),
            ("date:", "日期", bool(parsed.get("date"))),
            ("channels:", "频道", bool(parsed.get("channels"))),
        )
        if not present
    ]
    if missing:
        raise UsageError(
            "Launch plan needs: " + ", ".join(en for en, _ in missing) + ".",
            "上市计划缺少：" + "、".join(zh for _, zh in missing) + "。",
        )
    if len(product) > 200:
        raise UsageError(
            "The product name is too long (200 characters at most).", "产品名称过长（最多 200 字）。"
        )
    launch_date = parse_date(parsed.get("date") or "", label_en="date", label_zh="日期")
    today = services.now().astimezone(services.settings.tz).date()
    if launch_date < today:
        raise UsageError(
            f"The launch date {launch_date} is in the past (today is {today}).",
            f"上市日期 {launch_date} 已经过去（今天是 {today}）。",
        )
    calendar = launch_calendar(services, parsed.get("calendar"))
    with services.db.session() as session:
        targets = workflow.parse_targets(
            session=session, spec=parsed.get("channels") or "", enabled_platforms=set(services.ports)
        )
        plan = create_launch(
            session=session,
            product=product,
            launch_date=launch_date,
            targets=targets,
            channel_spec=parsed.get("channels") or "",
            calendar=calendar,
            platform=msg.platform,
            by_user=msg.user,
            now=services.now(),
        )
    lines = []
    for m in MILESTONES:
        day = milestone_day(plan, m)
        passed = " — passed, not posted / 已过，不发送" if day < today else ""
        nominal = launch_date + timedelta(days=m.offset)
        moved = (
            f" (from {nominal.isoformat()}, not a working day / 原定 {nominal.isoformat()} 非工作日，提前)"
            if day != nominal
            else ""
        )
        lines.append(f"• **{m.label}** {day.isoformat()}{moved}: {m.title_en} / {m.title_zh}{passed}")
    return Reply(
        title=f"Launch plan #{plan.id}: {product} on {launch_date} / 上市计划 #{plan.id}：{product}",
        text="\n".join(lines),
        context=[
            f"Milestones go to {format_targets(targets)} on their days. / 里程碑将在当天发送到 {format_targets(targets)}。",
            f"Working days of calendar `{calendar}`. / 按日历 `{calendar}` 的工作日。",
            f"`launch cancel {plan.id}` stops them. / `上市 cancel {plan.id}` 可取消。",
        ],
        where="thread",
        color="info",
    )


def _list(msg: IncomingMessage, services: Services) -> Reply:
    today = services.now().astimezone(services.settings.tz).date()
    with services.db.session() as session:
        plans = active_launches(session=session)
    if not plans:
        return Reply(
            text=both(
                "No active launch plans. Create one: `launch CloudDB 3 date:2027-03-01 channels:sales-cn`.",
                "没有进行中的上市计划。创建：`上市 CloudDB 3 日期:2027-03-01 频道:sales-cn`。",
            ),
            where="ephemeral",
        )
    fields = []
    for plan in plans:
        upcoming = [m for m in MILESTONES if milestone_day(plan, m) >= today]
        following = (
            f"{upcoming[0].label} {milestone_day(plan, upcoming[0]).isoformat()} {upcoming[0].title_en} / "
            f"{upcoming[0].title_zh}"
            if upcoming
            else "all milestones done / 里程碑均已完成"
        )
        fields.append(
            KeyValue(
                label=f"#{plan.id} {plan.product} — {plan.launch_date.isoformat()} ({plan.calendar})",
                value=following,
            )
        )
    return Reply(title=pick(msg.language, "Launch plans", "上市计划"), fields=fields, where="ephemeral")
