"""Every table, imported in one place so `SQLModel.metadata` (Alembic, tests) sees them all.

One module per capability; add the import of a new one here.
"""

from bot.models.announcements import (  # noqa: F401
    Acknowledgement,
    AckReminder,
    Announcement,
    AnnouncementPost,
    Audience,
    LaunchPlan,
)
from bot.models.core import InboxEvent, OutboxMessage, RoleGrant
from bot.models.dashboard import DashboardLink, DashboardSecret, DashboardSession  # noqa: F401
from bot.models.knowledge import (  # noqa: F401
    KnowledgeCalibration,
    KnowledgeDocument,
    KnowledgeSection,
    KnowledgeVector,
    KnowledgeVersion,
)
from bot.models.qa import QaEscalation, QaFeedback, QaQuestion, QaThread  # noqa: F401
from bot.models.requests import (  # noqa: F401
    FeatureRequest,
    RequestCustomer,
    RequestEvent,
    RequestRequester,
    RequestToken,
)
from bot.models.schedules import (  # noqa: F401
    AgendaItem,
    Objection,
    PracticeAttempt,
    PracticeSession,
    Schedule,
    SchedulerLease,
    SyncAbsence,
)

__all__ = ["InboxEvent", "OutboxMessage", "RoleGrant"]
