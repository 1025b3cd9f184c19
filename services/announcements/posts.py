"""What announcements and launch plans post, the same on every channel: the announcement with its
Acknowledge / 已阅 button, acknowledgement and end-of-sale reminders, launch milestone checklists — and an
end-of-sale notice as a knowledge-base document and as the one-line note an answer carries."""

from __future__ import annotations

import re
from datetime import date

from bot.chat_text import mention
from bot.messages import Button, KeyValue, Reply
from bot.models import Announcement, LaunchPlan
from services.announcements.launches import Milestone, milestone_day
from services.announcements.values import load_request_ids

ACK_ACTION = "announce.ack"

_BULLET_SPLIT = re.compile(r"\s*(?:\n|;|；)\s*")


def ack_button(announcement_id: int) -> Button:
    return Button(
        action_id=ACK_ACTION, label="Acknowledge / 已阅", value=str(announcement_id), style="primary"
    )


def headline(a: Announcement) -> str:
    if a.kind == "eos":
        return f"End of sale: {a.product} / 停售通知：{a.product}"
    return f"Release: {a.product} {a.version} / 发布：{a.product} {a.version}"


def _bullets(text: str) -> str:
    items = [item.strip().lstrip("•-* ").strip() for item in _BULLET_SPLIT.split(text) if item.strip()]
    if len(items) <= 1:
        return text.strip()
    return "\n".join(f"• {item}" for item in items)


def _day(value: date | None) -> str:
    return value.isoformat() if value else "—"


def announcement_reply(a: Announcement) -> Reply:
    """The message every channel receives, with the Acknowledge / 已阅 button."""
    assert a.id is not None
    context = [
        f"Announcement #{a.id} · please click Acknowledge / 请点击“已阅”确认 · by {mention(a.author, platform=a.author_platform)}"
    ]
    if a.kind == "eos":
        return Reply(
            title="⛔ " + headline(a),
            text=f"**Why / 原因:** {a.reason}",
            fields=[
                KeyValue(label="Product / 产品", value=a.product),
                KeyValue(label="Last order date / 最后订购日", value=_day(a.last_order)),
                KeyValue(label="End of support / 停止支持日", value=_day(a.end_of_support)),
                KeyValue(label="Affected scope / 影响范围", value=a.scope),
                KeyValue(label="Alternative / 替代方案", value=a.alternative),
                KeyValue(label="Support plan / 支持方案", value=a.support_plan),
                KeyValue(label="Contact / 联系人", value=a.contact),
            ],
            buttons=[ack_button(a.id)],
            context=context,
            where="channel",
            color="danger",
        )
    fields = [
        KeyValue(label="Product / 产品", value=a.product),
        KeyValue(label="Version / 版本", value=a.version),
        KeyValue(label="Release date / 发布日期", value=_day(a.release_date)),
    ]
    ships = load_request_ids(a.ships)
    if ships:
        fields.append(KeyValue(label="Ships requests / 包含需求", value=", ".join(f"#{i}" for i in ships)))
    return Reply(
        title="🚀 " + headline(a),
        text=_bullets(a.highlights),
        fields=fields,
        buttons=[ack_button(a.id)],
        context=context,
        where="channel",
        color="success",
    )


def ack_reminder_reply(a: Announcement, *, round_: int) -> Reply:
    assert a.id is not None
    return Reply(
        title=f"Please acknowledge: {headline(a)} / 请确认已阅",
        text=(
            f"You have not acknowledged announcement #{a.id} yet. Please read it and click the button.\n"
            f"你还没有确认阅读公告 #{a.id}，请阅读后点击下方按钮。"
        ),
        fields=announcement_reply(a).fields,
        buttons=[ack_button(a.id)],
        context=[f"Reminder {round_} / 第 {round_} 次提醒"],
        where="dm",
        color="info",
    )


def eos_reminder_reply(a: Announcement, *, days_left: int) -> Reply:
    assert a.id is not None
    return Reply(
        title=(
            f"⏰ {days_left} days to the last order of {a.product} / "
            f"距 {a.product} 最后订购日还有 {days_left} 天"
        ),
        text=(
            f"Orders for {a.product} close on **{_day(a.last_order)}**. Move customers to {a.alternative}.\n"
            f"{a.product} 将于 **{_day(a.last_order)}** 停止接单，请引导客户转向 {a.alternative}。"
        ),
        fields=[
            KeyValue(label="Last order date / 最后订购日", value=_day(a.last_order)),
            KeyValue(label="End of support / 停止支持日", value=_day(a.end_of_support)),
            KeyValue(label="Alternative / 替代方案", value=a.alternative),
            KeyValue(label="Contact / 联系人", value=a.contact),
        ],
        buttons=[ack_button(a.id)],
        context=[f"End-of-sale notice #{a.id} / 停售通知 #{a.id}"],
        where="channel",
        color="warning",
    )


def eos_knowledge_text(a: Announcement) -> str:
    """The published notice as a knowledge-base document (Markdown, both languages). The opening sentence
    carries the whole note — dates and alternative — so an extractive answer quotes all of it."""
    return (
        f"# End of sale: {a.product} / 停售：{a.product}\n\n"
        f"{a.product} reaches end of sale on {_day(a.last_order)} (last order date) and end of support on "
        f"{_day(a.end_of_support)}; the alternative is {a.alternative}.\n\n"
        f"{a.product} 将于 {_day(a.last_order)} 停售（最后订购日），{_day(a.end_of_support)} 停止支持，"
        f"替代方案为 {a.alternative}。\n\n"
        f"## Why {a.product} is discontinued / 停售原因\n{a.reason}\n\n"
        f"## Who is affected / 影响范围\n{a.scope}\n\n"
        f"## What to offer instead of {a.product} / 替代方案\n"
        f"Instead of {a.product}, offer {a.alternative}. {a.product} 的替代产品是 {a.alternative}。\n\n"
        f"## Support for existing {a.product} customers / 现有客户支持\n{a.support_plan}\n\n"
        f"## Contact / 联系人\n{a.contact}\n"
    )


def eos_note(a: Announcement, *, lang: str) -> str:
    """One line an answer can carry: "⚠️ X: end of sale on …, alternative …"."""
    if lang == "zh":
        return (
            f"⚠️ {a.product} 将于 {_day(a.last_order)} 停售，{_day(a.end_of_support)} 停止支持；"
            f"替代方案：{a.alternative}（停售通知 #{a.id}）。"
        )
    return (
        f"⚠️ {a.product}: end of sale on {_day(a.last_order)}, end of support on {_day(a.end_of_support)}; "
        f"alternative: {a.alternative} (notice #{a.id})."
    )


def milestone_reply(plan: LaunchPlan, milestone: Milestone) -> Reply:
    """A launch milestone's checklist, posted to the plan's channels on its day."""
    day = milestone_day(plan=plan, milestone=milestone)
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
