"""Inbound idempotency: an event id (or message id) is handled once, across retries, restarts and processes.

The key is the primary key of `processed_event`; the database's uniqueness decides, not memory.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from bot.database import Database
from bot.models import ProcessedEvent


def claim_event(*, db: Database, platform: str, key: str) -> bool:
    """True the first time `key` is seen; False for every redelivery."""
    try:
        with db.session() as session:
            session.add(ProcessedEvent(key=f"{platform}:{key}"[:255], platform=platform))
        return True
    except IntegrityError:
        return False


def forget_events_before(*, db: Database, cutoff: datetime) -> int:
    """Housekeeping: platforms stop retrying after hours, so week-old keys can go."""
    with db.session() as session:
        result = session.execute(delete(ProcessedEvent).where(col(ProcessedEvent.created_at) < cutoff))
        return int(getattr(result, "rowcount", 0) or 0)


RETENTION = timedelta(days=7)
