"""The weekly product–sales sync reminder, with an agenda built from live data.

Sections: new feature requests since the last sync and the top ones by score, requests whose status
changed, upcoming releases and end-of-sale dates, unanswered/escalated questions, announcements with low
acknowledgement, and items people added with the "Add agenda item" button. Buttons: "Add agenda item"
(a form; stored for the next agenda) and "Can't attend" (recorded per occurrence and listed).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from bot.chat_text import mention
from bot.messages import Button, Form, FormInput, Reply
from bot.models import AgendaItem, SyncAbsence
from jobs import sources
from services.context import Services

LOW_ACK = 0.8  # announcements acknowledged by fewer than 80% of their audience are listed
ADD_ITEM_ACTION = "schedule.agenda.add"
CANT_ATTEND_ACTION = "schedule.sync.absent"
AGENDA_FORM = "schedule.agenda.form"


def _section(title: str, section: sources.Section, *, empty: str = "—") -> str:
    if not section.available:
        return f"**{title}**\n_(not available yet / 暂不可用)_"
    return f"**{title}**\n" + (sources.bullets(section.items) if section.items else empty)


def _low_ack(section: sources.Section) -> sources.Section:
    if not section.available:
        return section
    low = []
    for item in section.items:
        if sources._get(item, "expected") == 0:
            continue  # posted to nobody (yet): no rate to judge
        rate = sources._get(item, "rate")
        if rate is None and isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], float):
            rate = item[1]
        if rate is None or float(rate) < LOW_ACK:
            low.append(item)
    return sources.Section(available=True, items=low, source=section.source)


def pending_agenda_items(*, services: Services, schedule_id: int) -> list[AgendaItem]:
    with services.db.session() as session:
        return list(
            session.exec(
                select(AgendaItem)
                .where(col(AgendaItem.schedule_id) == schedule_id, col(AgendaItem.used_slot).is_(None))
                .order_by(col(AgendaItem.id))
            )
        )


def add_agenda_item(
    *, services: Services, schedule_id: int, text: str, platform: str, user: str
) -> AgendaItem:
    item = AgendaItem(
        schedule_id=schedule_id,
        text=text.strip()[:2000],
        platform=platform,
        added_by=user,
        created_at=services.now(),
    )
    with services.db.session() as session:
        session.add(item)
    return item


def record_absence(*, services: Services, schedule_id: int, slot_key: str, platform: str, user: str) -> bool:
    """True when newly recorded, False when this person had already said so."""
    try:
        with services.db.session() as session:
            session.add(
                SyncAbsence(
                    schedule_id=schedule_id,
                    slot_key=slot_key,
                    platform=platform,
                    user_id=user,
                    created_at=services.now(),
                )
            )
        return True
    except IntegrityError:
        return False


def absentees(*, services: Services, schedule_id: int, slot_key: str) -> list[SyncAbsence]:
    with services.db.session() as session:
        return list(
            session.exec(
                select(SyncAbsence)
                .where(col(SyncAbsence.schedule_id) == schedule_id, col(SyncAbsence.slot_key) == slot_key)
                .order_by(col(SyncAbsence.id))
            )
        )


def agenda_form(schedule_id: int) -> Form:
    return Form(
        form_id=AGENDA_FORM,
        title="Add agenda item / 添加议题",
        submit_label="Add / 添加",
        inputs=[
            FormInput(
                name="item",
                label="Topic for the next sync / 下次同步会的议题",
                placeholder="e.g. Acme asks for SSO before renewal / 例如：Acme 续约前需要 SSO",
                multiline=True,
            )
        ],
        private_value=str(schedule_id),
    )


def mark_agenda_items_used(*, services: Services, item_ids: list[int], slot: datetime) -> None:
    """Called once the agenda was posted: these items do not come back next time."""
    with services.db.session() as session:
        for item_id in item_ids:
            row = session.get(AgendaItem, item_id)
            if row is not None and row.used_slot is None:
                row.used_slot = slot
                session.add(row)


def build_agenda(
    *, services: Services, schedule_id: int, since: datetime, now: datetime, slot: datetime
) -> Reply:
    """The reminder with its agenda (added items stay pending until `mark_agenda_items_used`)."""
    from jobs.posting import slot_key

    new = sources.new_requests(services, since=since)
    top = sources.top_requests(services, limit=5)
    moved = sources.status_changes(services, since=since)
    upcoming = sources.upcoming_releases(services, now=now, days=14)
    unanswered = sources.unanswered_questions(services, since=since)
    low_ack = _low_ack(sources.acknowledgement_rates(services, since=since))
    added = pending_agenda_items(services=services, schedule_id=schedule_id)
    added_text = (
        "\n".join(f"• {item.text} ({mention(item.added_by, platform=item.platform)})" for item in added)
        or "—"
    )
    parts = [
        _section(f"New feature requests since {since.date().isoformat()} / 新需求", new),
        _section("Top requests by score / 高分需求", top),
        _section("Status changes / 状态变更", moved),
        _section("Upcoming releases & end-of-sale (14 days) / 即将发布与停售", upcoming),
        _section("Unanswered & escalated questions / 未解答与升级的问题", unanswered),
        _section(f"Announcements below {LOW_ACK:.0%} acknowledged / 确认率偏低的公告", low_ack),
        f"**Added by the team / 团队添加的议题**\n{added_text}",
    ]
    key = slot_key(slot)
    return Reply(
        title="Weekly product–sales sync / 产品–销售周同步会",
        text="Agenda for today's sync / 今日议程:\n\n" + "\n\n".join(parts),
        buttons=[
            Button(action_id=ADD_ITEM_ACTION, label="Add agenda item / 添加议题", value=str(schedule_id)),
            Button(
                action_id=CANT_ATTEND_ACTION, label="Can't attend / 无法参加", value=f"{schedule_id}:{key}"
            ),
        ],
        context=[f"Schedule #{schedule_id} · since {since.strftime('%Y-%m-%d %H:%M')} UTC"],
        where="channel",
        color="info",
    )
