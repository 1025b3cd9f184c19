"""Tables of customer feature requests: the request, its customers, requesters, history and token index.

One table for every platform: a request logged on Slack is visible from Feishu. Aggregates used for
sorting (`rice`, `total_arr_usd`, `priority`) are stored on the request and recomputed whenever customers,
triage values or merges change, so `requests top` is one indexed query even with 100,000 rows.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.models.core import timestamp_column, utcnow


class FeatureRequest(SQLModel, table=True):
    __tablename__ = "feature_request"
    __table_args__ = (
        # the id ends each sort index: it breaks ties (stable pages), and PostgreSQL, whose indexes do not
        # carry the row id, can then page by index alone (services/requests/browse.py)
        Index("ix_feature_request_open_rice", "is_open", "rice", "total_arr_usd", "id"),
        Index("ix_feature_request_open_arr", "is_open", "total_arr_usd", "rice", "id"),
        Index("ix_feature_request_creator", "created_platform", "created_by"),
        # the dashboard's other sort orders and its area filter
        Index("ix_feature_request_open_priority", "is_open", "priority", "rice", "id"),
        Index("ix_feature_request_open_votes", "is_open", "customer_count", "rice", "id"),
        Index("ix_feature_request_area", "area", "is_open", "rice"),
    )

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=200)
    description: str = Field(sa_column=Column(Text, nullable=False))
    area: str = Field(default="general", max_length=100)
    status: str = Field(default="new", max_length=16, index=True)
    is_open: bool = Field(default=True)
    priority: str = Field(default="P3", max_length=2)  # the computed label, or the PM override
    priority_override: str | None = Field(default=None, max_length=2)
    override_reason: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    effort_weeks: float | None = None  # set by a PM at triage
    confidence: float | None = None  # 0..1, set by a PM at triage
    reach: float = 0.0
    impact: float = 1.0
    rice: float = Field(default=0.0)
    total_arr_usd: float = Field(default=0.0)
    customer_count: int = 0
    release: str = Field(default="", max_length=100)
    merged_into_id: int | None = Field(default=None, index=True)
    source_link: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    origin_key: str | None = Field(default=None, max_length=255, unique=True)  # idempotency of submissions
    created_platform: str = Field(max_length=16)
    created_by: str = Field(max_length=128)
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column(index=True))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())


class RequestCustomer(SQLModel, table=True):
    """One customer asking for a request, with the tier, urgency and ARR the rep gave."""

    __tablename__ = "request_customer"
    __table_args__ = (
        Index("ix_request_customer_tier", "tier", "request_id"),  # the dashboard's tier filter
        Index("ix_request_customer_name", "name", "request_id"),  # its customer filter scans this, not the table
    )

    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="feature_request.id", index=True)
    name: str = Field(max_length=200)
    tier: str = Field(default="silver", max_length=16)
    urgency: str = Field(default="normal", max_length=16)
    arr_amount: float = 0.0
    arr_currency: str = Field(default="USD", max_length=8)
    arr_usd: float = 0.0
    added_platform: str = Field(max_length=16)
    added_by: str = Field(max_length=128)
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())


class RequestRequester(SQLModel, table=True):
    """Someone who logged (or joined) a request; notified by DM on their platform on every status change."""

    __tablename__ = "request_requester"
    __table_args__ = (
        UniqueConstraint("request_id", "platform", "user_id"),
        Index("ix_request_requester_user", "user_id", "platform"),  # someone's requests (dashboard, `requests mine`)
    )

    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="feature_request.id", index=True)
    platform: str = Field(max_length=16)
    user_id: str = Field(max_length=128)
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())


class RequestEvent(SQLModel, table=True):
    """The history of a request: created, customer added, triaged, status, priority override, merged."""

    __tablename__ = "request_event"

    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="feature_request.id", index=True)
    kind: str = Field(max_length=24)
    from_status: str = Field(default="", max_length=16)
    to_status: str = Field(default="", max_length=16)
    note: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    actor_platform: str = Field(default="", max_length=16)
    actor: str = Field(default="", max_length=128)
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column(index=True))


class RequestToken(SQLModel, table=True):
    """Inverted index over request text (knowledge-base tokenisation): duplicate lookup without a scan."""

    __tablename__ = "request_token"

    token: str = Field(primary_key=True, max_length=64)
    request_id: int = Field(primary_key=True, foreign_key="feature_request.id", index=True)
