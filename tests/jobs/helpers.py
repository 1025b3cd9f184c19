"""Shared helpers for scheduler tests: create schedules the way a PM does, read the posts."""

from __future__ import annotations

from sqlmodel import col, select

from bot.models import Schedule
from tests.fakes.harness import Harness


def add_schedule(bot: Harness, args: str, *, user: str = "UPM") -> Schedule:
    replies = bot.say(f"schedule add {args}", user=user)
    assert replies and replies[0].color == "success", replies
    with bot.services.db.session() as session:
        return session.exec(select(Schedule).order_by(col(Schedule.id).desc())).first()  # type: ignore[return-value]


def reload(bot: Harness, schedule_id: int) -> Schedule:
    with bot.services.db.session() as session:
        row = session.get(Schedule, schedule_id)
    assert row is not None
    return row
