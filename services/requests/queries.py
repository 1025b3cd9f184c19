"""Read-only queries over feature requests: rankings, digests, search, details.

`services.requests.workflow` re-exports the ones other capabilities use (`top_requests`, `requests_by_arr`,
`requests_created_since`, `status_changes_since`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from bot.clock import as_utc
from bot.errors import NotFound
from bot.models.requests import FeatureRequest, RequestCustomer, RequestEvent, RequestRequester, RequestToken
from knowledge.embedding import Embedder
from services.requests.duplicates import semantic_matches, similar_open_requests, text_tokens


@dataclass(frozen=True)
class StatusChange:
    event_id: int
    request_id: int
    title: str
    from_status: str
    to_status: str
    note: str
    release: str
    actor_platform: str
    actor: str
    at: datetime


@dataclass(frozen=True)
class RequestDetails:
    request: FeatureRequest
    customers: list[RequestCustomer]
    requesters: list[RequestRequester]
    events: list[RequestEvent]


def get_request(*, session: Session, request_id: int) -> FeatureRequest:
    request = session.get(FeatureRequest, request_id)
    if request is None:
        raise NotFound(f"There is no request #{request_id}.", f"没有编号为 #{request_id} 的需求。")
    return request


def request_details(*, session: Session, request_id: int) -> RequestDetails:
    request = get_request(session=session, request_id=request_id)
    customers = list(
        session.exec(
            select(RequestCustomer)
            .where(col(RequestCustomer.request_id) == request_id)
            .order_by(col(RequestCustomer.id))
        )
    )
    requesters = list(
        session.exec(
            select(RequestRequester)
            .where(col(RequestRequester.request_id) == request_id)
            .order_by(col(RequestRequester.id))
        )
    )
    events = list(
        session.exec(
            select(RequestEvent)
            .where(col(RequestEvent.request_id) == request_id)
            .order_by(col(RequestEvent.id))
        )
    )
    return RequestDetails(request=request, customers=customers, requesters=requesters, events=events)


def top_requests(*, session: Session, limit: int = 10) -> list[FeatureRequest]:
    """Open requests by RICE, then total ARR (one index range scan)."""
    return list(
        session.exec(
            select(FeatureRequest)
            .where(col(FeatureRequest.is_open).is_(True))
            .order_by(col(FeatureRequest.rice).desc(), col(FeatureRequest.total_arr_usd).desc())
            .limit(limit)
        )
    )


def requests_by_arr(*, session: Session, limit: int) -> list[FeatureRequest]:
    """Open requests by the total ARR (USD) of the customers asking for them."""
    return list(
        session.exec(
            select(FeatureRequest)
            .where(col(FeatureRequest.is_open).is_(True))
            .order_by(col(FeatureRequest.total_arr_usd).desc(), col(FeatureRequest.rice).desc())
            .limit(limit)
        )
    )


def requests_created_since(*, session: Session, since: datetime) -> list[FeatureRequest]:
    return list(
        session.exec(
            select(FeatureRequest)
            .where(col(FeatureRequest.created_at) >= since)
            .order_by(col(FeatureRequest.created_at), col(FeatureRequest.id))
        )
    )


def status_changes_since(*, session: Session, since: datetime) -> list[StatusChange]:
    rows = session.exec(
        select(RequestEvent, FeatureRequest.title)
        .join(FeatureRequest, col(FeatureRequest.id) == col(RequestEvent.request_id))
        .where(col(RequestEvent.kind) == "status", col(RequestEvent.created_at) >= since)
        .order_by(col(RequestEvent.created_at), col(RequestEvent.id))
    ).all()
    return [_status_change(event, title) for event, title in rows]


def _status_change(event: RequestEvent, title: str) -> StatusChange:
    assert event.id is not None
    release = ""
    if event.note.startswith("release:"):
        release = event.note.split("\n", 1)[0].removeprefix("release:").strip()
    return StatusChange(
        event_id=event.id,
        request_id=event.request_id,
        title=title,
        from_status=event.from_status,
        to_status=event.to_status,
        note=event.note,
        release=release,
        actor_platform=event.actor_platform,
        actor=event.actor,
        at=as_utc(event.created_at),
    )


def requests_of_user(*, session: Session, platform: str, user: str, limit: int = 20) -> list[FeatureRequest]:
    """Requests this user logged or joined (merged ones show as their target)."""
    ids = select(RequestRequester.request_id).where(
        col(RequestRequester.platform) == platform, col(RequestRequester.user_id) == user
    )
    return list(
        session.exec(
            select(FeatureRequest)
            .where(col(FeatureRequest.id).in_(ids), col(FeatureRequest.merged_into_id).is_(None))
            .order_by(col(FeatureRequest.updated_at).desc(), col(FeatureRequest.id).desc())
            .limit(limit)
        )
    )


def like_escape(text: str) -> str:
    """`text` as a literal in a LIKE pattern with `ESCAPE '\\'` (SQLite and PostgreSQL): `%`, `_` and the
    backslash itself match only themselves."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_requests(
    *, session: Session, text: str, limit: int = 10, embedder: Embedder | None = None
) -> list[FeatureRequest]:
    """Token matches (any language, via the index) first, then — with the knowledge base's embedding model —
    requests with the same meaning (`requests search 单点登录` finds "SAML single sign-on"), then plain
    substring matches."""
    found: dict[int, FeatureRequest] = {}
    for match in similar_open_requests(session=session, text=text, limit=limit, threshold=0.2):
        if match.request.id is not None:
            found[match.request.id] = match.request
    if embedder is not None and len(found) < limit:
        meaning = semantic_matches(
            session=session, text=text, embedder=embedder, open_only=False, rule="search"
        )
        ranked = sorted(meaning, key=lambda rid: -meaning[rid])
        for request in session.exec(select(FeatureRequest).where(col(FeatureRequest.id).in_(ranked))):
            if request.id is not None and len(found) < limit:
                found.setdefault(request.id, request)
    tokens = text_tokens(text)
    if tokens and len(found) < limit:
        hits = (
            select(RequestToken.request_id)
            .where(col(RequestToken.token).in_(tokens))
            .group_by(col(RequestToken.request_id))
            .order_by(func.count().desc())
            .limit(limit * 5)
        )
        for request in session.exec(
            select(FeatureRequest)
            .where(col(FeatureRequest.id).in_(hits), col(FeatureRequest.merged_into_id).is_(None))
            .order_by(col(FeatureRequest.is_open).desc(), col(FeatureRequest.rice).desc())
            .limit(limit)
        ):
            if request.id is not None:
                found.setdefault(request.id, request)
    needle = text.strip()
    if needle and len(found) < limit:
        pattern = f"%{like_escape(needle)}%"
        for request in session.exec(
            select(FeatureRequest)
            .where(
                or_(
                    col(FeatureRequest.title).ilike(pattern, escape="\\"),
                    col(FeatureRequest.area).ilike(pattern, escape="\\"),
                ),
                col(FeatureRequest.merged_into_id).is_(None),
            )
            .order_by(col(FeatureRequest.id).desc())
            .limit(limit)
        ):
            if request.id is not None:
                found.setdefault(request.id, request)
    return list(found.values())[:limit]


def customers_of(*, session: Session, request_ids: list[int]) -> dict[int, list[RequestCustomer]]:
    result: dict[int, list[RequestCustomer]] = {rid: [] for rid in request_ids}
    if request_ids:
        for customer in session.exec(
            select(RequestCustomer)
            .where(col(RequestCustomer.request_id).in_(request_ids))
            .order_by(col(RequestCustomer.id))
        ):
            result.setdefault(customer.request_id, []).append(customer)
    return result
