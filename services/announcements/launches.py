"""Launch plans and their timeline: the T-90 … T+90 milestones with their checklists, the day each is
posted (moved to the previous working day of the plan's holiday calendar), and the plans themselves."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from bot.config import Settings
from bot.models import LaunchPlan
from services import calendars
from services.announcements.targets import Target, format_targets


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


def milestone_day(*, plan: LaunchPlan, milestone: Milestone) -> date:
    """The day a milestone is posted: T±n days from the launch date, moved to the previous working day of
    the plan's own calendar when that falls on a weekend or public holiday (T-30 of a 2027-06-01 launch,
    2 May, is in China's May Day holiday: 30 April)."""
    return calendars.previous_working_day(
        calendar=plan.calendar, day=plan.launch_date + timedelta(days=milestone.offset)
    )


def next_milestone(*, plan: LaunchPlan, today: date) -> Milestone | None:
    """The first milestone posted today or later, or None when all are behind."""
    return next((m for m in MILESTONES if milestone_day(plan=plan, milestone=m) >= today), None)


def posting_day(*, plan: LaunchPlan, milestone: Milestone, since: date) -> date | None:
    """The day a milestone goes out for a plan made on `since`: its working day (`milestone_day`); the day
    the plan was made when that working day lies before it though the milestone itself does not (a plan made
    on Saturday whose T-30 is Sunday: moved to Friday, which had passed); None when the milestone was over
    before the plan existed."""
    day = milestone_day(plan=plan, milestone=milestone)
    if day >= since:
        return day
    return since if plan.launch_date + timedelta(days=milestone.offset) >= since else None


def milestone_due(*, plan: LaunchPlan, since: date, today: date) -> Milestone | None:
    """The milestone to post today: the latest one whose posting day is between `since` (the day the plan
    was made) and `today`. After an outage only that one goes out; older missed ones are stale by then."""
    due = [
        m
        for m in MILESTONES
        if (day := posting_day(plan=plan, milestone=m, since=since)) is not None and day <= today
    ]
    return due[-1] if due else None


def launch_calendar(*, settings: Settings, given: str | None = None) -> str:
    """The calendar a new plan follows: `given` (`calendar:`) when set, else SALESBRIDGE_LAUNCH_CALENDAR;
    validated (a bilingual usage error names the choices)."""
    return calendars.normalize_calendar(given or settings.launch_calendar)


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


def active_launches_of(*, session: Session, product: str) -> list[LaunchPlan]:
    """The active plans of `product` (whatever the case or the spaces around it), soonest first."""
    key = product.strip().lower()
    return [plan for plan in active_launches(session=session) if plan.product.strip().lower() == key]


def cancel_launch(*, session: Session, launch_id: int) -> bool:
    result = session.execute(
        update(LaunchPlan)
        .where(col(LaunchPlan.id) == launch_id, col(LaunchPlan.status) == "active")
        .values(status="cancelled")
    )
    return bool(getattr(result, "rowcount", 0))


def get_launch(*, session: Session, launch_id: int) -> LaunchPlan | None:
    return session.get(LaunchPlan, launch_id)
