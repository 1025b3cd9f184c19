"""`launch` / `上市`: a product launch plan whose milestones (T-90 … T+90) are posted, each on its day in
the schedule timezone, with its checklist; `launch list`, `launch cancel <id>`. The timeline, its calendar
rules and the plans are `services.announcements.launches`; `jobs.announcements` posts the milestones."""

from __future__ import annotations

from datetime import timedelta

from bot.chat_text import parse_id
from bot.commands import parse_args, refuse_unknown_options, tokenize
from bot.errors import NotFound, UsageError
from bot.i18n import both, pick
from bot.messages import IncomingMessage, KeyValue, Reply
from handlers.announcements.parse import LAUNCH_KEYS
from services.announcements import launches, workflow
from services.announcements.launches import MILESTONES, milestone_day
from services.announcements.targets import format_targets
from services.announcements.values import parse_date, refuse_far_future
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


def _launch_calendar(services: Services, given: str | None) -> str:
    try:
        return launches.launch_calendar(settings=services.settings, given=given)
    except UsageError as exc:
        raise UsageError(exc.en, exc.zh, usage=LAUNCH_USAGE) from exc


# --- the command -----------------------------------------------------------------------------------------


def handle_launch(msg: IncomingMessage, services: Services) -> Reply:
    words = tokenize(msg.args)
    sub = words[0].lower() if words else ""
    if not sub:
        raise UsageError("Name the product and its launch date.", "请写明产品和上市日期。")
    if sub in {"list", "列表"} and len(words) == 1:
        return _list(msg, services)
    if sub in {"list", "列表"} and not any(":" in w or "：" in w for w in words):
        raise UsageError(  # not a product called "list all": that would name its date: and channels:
            f"`launch list` takes nothing after it (got {' '.join(words[1:])!r}); it lists every active plan.",
            f"`上市 列表` 后面不需要参数（收到 {' '.join(words[1:])!r}）；它列出所有进行中的上市计划。",
        )
    if sub in {"cancel", "取消"}:
        if len(words) != 2:
            raise UsageError("`launch cancel` needs one launch id.", "`launch cancel` 需要一个上市计划编号。")
        launch_id = parse_id(words[1], what_en="launch", what_zh="上市计划")
        with services.db.session() as session:
            plan = launches.get_launch(session=session, launch_id=launch_id)
            if plan is None:
                raise NotFound(
                    f"There is no launch plan #{launch_id}.", f"没有编号为 #{launch_id} 的上市计划。"
                )
            cancelled = launches.cancel_launch(session=session, launch_id=launch_id)
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
    refuse_far_future(launch_date, today=today, label_en="date", label_zh="日期")
    calendar = _launch_calendar(services, parsed.get("calendar"))
    with services.db.session() as session:
        targets = workflow.parse_targets(
            session=session, spec=parsed.get("channels") or "", enabled_platforms=set(services.ports)
        )
        others = launches.active_launches_of(session=session, product=product)
        same = next((p for p in others if p.launch_date == launch_date), None)
        if same is not None:
            raise UsageError(
                f"Launch plan #{same.id} already covers {same.product} on {launch_date}; its milestones would be "
                f"posted twice. Change it by cancelling it first (`launch cancel {same.id}`).",
                f"上市计划 #{same.id} 已覆盖 {same.product}（{launch_date}），再建一个会重复发送里程碑。"
                f"如需修改，请先取消它（`上市 cancel {same.id}`）。",
            )
        plan = launches.create_launch(
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
        day = milestone_day(plan=plan, milestone=m)
        posted_on = launches.posting_day(plan=plan, milestone=m, since=today)
        passed = ""
        if posted_on is None:
            passed = " — passed, not posted / 已过，不发送"
        elif posted_on != day:
            passed = " — that working day has passed: posted today / 该工作日已过，今天发送"
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
            *(
                f"Plan #{other.id} for {other.product} on {other.launch_date} is active too; if this one replaces "
                f"it, `launch cancel {other.id}`. / 上市计划 #{other.id}（{other.product}，{other.launch_date}）"
                f"仍在进行；如本计划取代它，请 `上市 cancel {other.id}`。"
                for other in others
            ),
        ],
        where="thread",
        color="info",
    )


def _list(msg: IncomingMessage, services: Services) -> Reply:
    today = services.now().astimezone(services.settings.tz).date()
    with services.db.session() as session:
        plans = launches.active_launches(session=session)
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
        upcoming = launches.next_milestone(plan=plan, today=today)
        following = (
            f"{upcoming.label} {milestone_day(plan=plan, milestone=upcoming).isoformat()} {upcoming.title_en} / "
            f"{upcoming.title_zh}"
            if upcoming is not None
            else "all milestones done / 里程碑均已完成"
        )
        fields.append(
            KeyValue(
                label=f"#{plan.id} {plan.product} — {plan.launch_date.isoformat()} ({plan.calendar})",
                value=following,
            )
        )
    return Reply(title=pick(msg.language, "Launch plans", "上市计划"), fields=fields, where="ephemeral")
