"""Shared helpers for scheduler tests: create schedules the way a PM does, read the posts."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import col, select

from bot.models import Schedule
from tests.fakes.harness import Harness


@dataclass(frozen=True)
class AddedSchedule:
    """A schedule a PM added: stored, so its id is set."""

    id: int
    row: Schedule


def add_schedule(bot: Harness, args: str, *, user: str = "UPM") -> AddedSchedule:
    replies = bot.say(f"schedule add {args}", user=user)
    assert replies and replies[0].color == "success", replies
    with bot.services.db.session() as session:
        row = session.exec(select(Schedule).order_by(col(Schedule.id).desc())).first()
    assert row is not None and row.id is not None
    return AddedSchedule(id=row.id, row=row)


def reload(bot: Harness, schedule_id: int) -> Schedule:
    with bot.services.db.session() as session:
        row = session.get(Schedule, schedule_id)
    assert row is not None
    return row
