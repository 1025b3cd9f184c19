"""Every table, imported in one place so `SQLModel.metadata` (Alembic, tests) sees them all.

One module per capability; add the import of a new one here.
"""

from bot.models.core import OutboxMessage, ProcessedEvent, RoleGrant
from bot.models.schedules import (  # noqa: F401
    AgendaItem,
    Objection,
    PracticeAttempt,
    PracticeSession,
    Schedule,
    SchedulerLease,
    SyncAbsence,
)
from bot.models.requests import (  # noqa: F401
    FeatureRequest,
    RequestCustomer,
    RequestEvent,
    RequestRequester,
    RequestToken,
)

__all__ = ["OutboxMessage", "ProcessedEvent", "RoleGrant"]
