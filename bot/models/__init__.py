"""Every table, imported in one place so `SQLModel.metadata` (Alembic, tests) sees them all.

One module per capability; add the import of a new one here.
"""

from bot.models.core import OutboxMessage, ProcessedEvent, RoleGrant

__all__ = ["OutboxMessage", "ProcessedEvent", "RoleGrant"]
