"""Small system jobs: forget finished inbox events, keep scheduler jobs in step with the `schedule` table."""

from __future__ import annotations

import logging

from bot.inbox import RETENTION, forget_events_before
from jobs.registry import running_scheduler
from services.context import Services

logger = logging.getLogger(__name__)


def forget_old_events(services: Services) -> int:
    """Drop processed-event keys older than the retention window (platforms stop retrying long before)."""
    removed = forget_events_before(db=services.db, cutoff=services.now() - RETENTION)
    if removed:
        logger.info("housekeeping: forgot %d processed event keys", removed)
    return removed


def sync_schedules(services: Services) -> int:
    """Apply schedule changes made in chat by any process to the running scheduler (leader only)."""
    scheduler = running_scheduler()
    return scheduler.sync_schedules() if scheduler is not None else 0
