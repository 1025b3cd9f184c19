"""Keyword-only data functions for feature requests, plus the interface other capabilities use.

Public for announcements and schedules: `mark_shipped`, `top_requests`, `requests_created_since`,
`status_changes_since`, `requests_by_arr` (the read-only ones live in `queries.py` and are re-exported here,
with `get_request`, `request_details`, `search_requests`, `requests_of_user`, `customers_of`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import delete, func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.chat_text import mention
from bot.clock import as_utc
from bot.errors import UsageError
from bot.i18n import both
from bot.messages import Address, Reply
from bot.models.requests import (
    FeatureRequest,
    RequestCustomer,
    RequestEvent,
    RequestRequester,
    RequestToken,
)
from knowledge.embedding import Embedder
from services.context import Services
from services.requests.duplicates import (
    Match,
    index_request,
    similar_open_requests,
    text_tokens,
)
from services.requests.priority import MAX_EFFORT_WEEKS, MIN_EFFORT_WEEKS, CustomerSignal, score
from services.requests.queries import RequestDetails as RequestDetails  # re-exports: see the docstring
from services.requests.queries import StatusChange as StatusChange
from services.requests.queries import customers_of as customers_of
from services.requests.queries import get_request as get_request
from services.requests.queries import request_details as request_details
from services.requests.queries import requests_by_arr as requests_by_arr
from services.requests.queries import requests_created_since as requests_created_since
from services.requests.queries import requests_of_user as requests_of_user
from services.requests.queries import search_requests as search_requests
from services.requests.queries import status_changes_since as status_changes_since
from services.requests.queries import top_requests as top_requests
from services.requests.request_input import DEFAULT_CUSTOMER, RequestInput, make_title
from services.requests.vocabulary import OPEN_STATUSES, RELEASE_STATUSES, STATUS_ZH, STATUSES

logger = logging.getLogger(__name__)

MAX_NOTE_CHARS = 2000  # a status note, DMed to every requester (as the dashboard's status form)
MAX_REASON_CHARS = 500  # a priority override's reason: shown beside the label in `requests show`


@dataclass(frozen=True)
class Created:
    request: FeatureRequest
    created: bool  # False: this submission was already stored (a retry or a double submit)
    similar: list[Match]


@dataclass(frozen=True)
class MergeResult:
    source: FeatureRequest
    target: FeatureRequest
    already: bool  # the source was already merged into the target (a double click)


# --- writing -------------------------------------------------------------------------------------------


def _event(
    session: Session,
    *,
    request_id: int,
    kind: str,
    now: datetime,
    actor_platform: str,
    actor: str,
    note: str = "",
    from_status: str = "",
    to_status: str = "",
) -> RequestEvent:
    event = RequestEvent(
        request_id=request_id,
        kind=kind,
        note=note,
        from_status=from_status,
        to_status=to_status,
        actor_platform=actor_platform,
        actor=actor,
        created_at=now,
    )
    session.add(event)
    session.flush()
    return event


def recompute(*, session: Session, request: FeatureRequest) -> FeatureRequest:
    """Refresh the stored label, reach, RICE and ARR from the customers and triage values."""
    customers = session.exec(
        select(RequestCustomer).where(col(RequestCustomer.request_id) == request.id)
    ).all()
    result = score(
        (
            CustomerSignal(
                name=c.name,
                tier=c.tier,
                urgency=c.urgency,
                arr_usd=c.arr_usd,
                named=c.name != DEFAULT_CUSTOMER,
            )
            for c in customers
        ),
        confidence=request.confidence,
        effort_weeks=request.effort_weeks,
    )
    request.priority = request.priority_override or result.label
    request.reach = result.reach
    request.impact = result.impact
    request.rice = result.rice
    request.total_arr_usd = result.total_arr_usd
    request.customer_count = result.customer_count
    session.add(request)
    session.flush()
    return request


def _add_requester(session: Session, *, request_id: int, platform: str, user: str, now: datetime) -> None:
    exists = session.exec(
        select(RequestRequester.id).where(
            col(RequestRequester.request_id) == request_id,
            col(RequestRequester.platform) == platform,
            col(RequestRequester.user_id) == user,
        )
    ).first()
    if exists is None:
        session.add(RequestRequester(request_id=request_id, platform=platform, user_id=user, created_at=now))
        session.flush()


def create_request(
    *,
    session: Session,
    data: RequestInput,
    platform: str,
    user: str,
    now: datetime,
    source_link: str = "",
    source_author: str = "",
    origin_key: str | None = None,
    embedder: Embedder | None = None,
) -> Created:
    """Store a request with its first customer and requester; idempotent per `origin_key`."""
    if origin_key:
        existing = session.exec(
            select(FeatureRequest).where(col(FeatureRequest.origin_key) == origin_key)
        ).first()
        if existing is not None:
            return Created(request=existing, created=False, similar=[])
    similar = similar_open_requests(session=session, text=data.description, embedder=embedder)
    request = FeatureRequest(
        title=make_title(data.description),
        description=data.description,
        area=data.area,
        created_platform=platform,
        created_by=user,
        source_link=source_link,
        origin_key=origin_key,
        created_at=now,
        updated_at=now,
    )
    try:
        with session.begin_nested():
            session.add(request)
            session.flush()
    except IntegrityError:  # a concurrent delivery of the same submission won the race
        existing = session.exec(
            select(FeatureRequest).where(col(FeatureRequest.origin_key) == origin_key)
        ).one()
        return Created(request=existing, created=False, similar=[])
    assert request.id is not None
    session.add(
        RequestCustomer(
            request_id=request.id,
            name=data.customer,
            tier=data.tier,
            urgency=data.urgency,
            arr_amount=data.arr.amount,
            arr_currency=data.arr.currency,
            arr_usd=data.arr.usd,
            added_platform=platform,
            added_by=user,
            created_at=now,
        )
    )
    _add_requester(session, request_id=request.id, platform=platform, user=user, now=now)
    index_request(session=session, request_id=request.id, tokens=text_tokens(data.description))
    _event(
        session,
        request_id=request.id,
        kind="created",
        now=now,
        actor_platform=platform,
        actor=user,
        to_status="new",
        note=f"from a message by {mention(source_author, platform=platform)}" if source_author else "",
    )
    recompute(session=session, request=request)
    return Created(request=request, created=True, similar=similar)


def merge_requests(
    *, session: Session, source_id: int, target_id: int, actor_platform: str, actor: str, now: datetime
) -> MergeResult:
    """Fold `source` into `target`: every customer, requester and token moves; the source is closed.

    Merging twice is harmless: the second call reports `already=True` and changes nothing.
    """
    if source_id == target_id:
        raise UsageError("A request cannot be merged into itself.", "需求不能合并到它自己。")
    source = get_request(session=session, request_id=source_id)
    target = get_request(session=session, request_id=target_id)
    if source.merged_into_id == target_id:
        return MergeResult(source=source, target=target, already=True)
    if source.merged_into_id is not None:
        raise UsageError(
            f"#{source_id} was already merged into #{source.merged_into_id}.",
            f"#{source_id} 已合并到 #{source.merged_into_id}。",
        )
    if target.merged_into_id is not None:
        raise UsageError(
            f"#{target_id} was merged into #{target.merged_into_id}; merge into that one instead.",
            f"#{target_id} 已合并到 #{target.merged_into_id}，请合并到那个需求。",
        )
    # Claim the merge atomically: of two concurrent clicks only one updates the row; the other stops here.
    claimed = session.execute(
        update(FeatureRequest)
        .where(col(FeatureRequest.id) == source_id, col(FeatureRequest.merged_into_id).is_(None))
        .values(merged_into_id=target_id)
        .execution_options(synchronize_session=False)
    )
    if not getattr(claimed, "rowcount", 0):
        session.rollback()
        raise UsageError(
            f"#{source_id} is being merged already; check `requests show {source_id}`.",
            f"#{source_id} 正在被合并；请查看 `requests show {source_id}`。",
        )
    session.execute(  # requests merged into the source earlier now point at the target directly
        update(FeatureRequest)
        .where(col(FeatureRequest.merged_into_id) == source_id)
        .values(merged_into_id=target_id)
        .execution_options(synchronize_session=False)
    )
    for customer in session.exec(select(RequestCustomer).where(col(RequestCustomer.request_id) == source_id)):
        customer.request_id = target_id
        session.add(customer)
    for requester in session.exec(
        select(RequestRequester).where(col(RequestRequester.request_id) == source_id)
    ).all():
        _add_requester(
            session,
            request_id=target_id,
            platform=requester.platform,
            user=requester.user_id,
            now=as_utc(requester.created_at),
        )
    tokens = list(session.exec(select(RequestToken.token).where(col(RequestToken.request_id) == source_id)))
    index_request(session=session, request_id=target_id, tokens=tokens)
    session.execute(delete(RequestToken).where(col(RequestToken.request_id) == source_id))
    from_status = source.status
    source.merged_into_id = target_id
    source.status = "merged"
    source.is_open = False
    source.updated_at = now
    recompute(session=session, request=source)
    target.updated_at = now
    note = f"#{source_id} «{source.title}»" + ("" if target.is_open else f" (target is {target.status})")
    recompute(session=session, request=target)
    _event(
        session,
        request_id=source_id,
        kind="merged",
        now=now,
        actor_platform=actor_platform,
        actor=actor,
        from_status=from_status,
        to_status="merged",
        note=f"into #{target_id}",
    )
    _event(
        session,
        request_id=target_id,
        kind="absorbed",
        now=now,
        actor_platform=actor_platform,
        actor=actor,
        note=note,
    )
    return MergeResult(source=source, target=target, already=False)


def triage_request(
    *,
    session: Session,
    request_id: int,
    effort_weeks: float,
    confidence: float,
    actor_platform: str,
    actor: str,
    now: datetime,
) -> tuple[FeatureRequest, RequestEvent | None]:
    """Set effort and confidence; a new request becomes triaged (returned event: that status change).

    Effort outside `MIN_EFFORT_WEEKS`–`MAX_EFFORT_WEEKS` or confidence outside 0–1 is refused: RICE divides
    by at least `MIN_EFFORT_WEEKS`, so a smaller effort would be shown but not counted."""
    if not MIN_EFFORT_WEEKS <= effort_weeks <= MAX_EFFORT_WEEKS:
        raise UsageError(
            f"Effort is in person-weeks, from {MIN_EFFORT_WEEKS:g} (half a day) to {MAX_EFFORT_WEEKS:g}, "
            f"got {effort_weeks:g}.",
            f"工作量以人周计，应在 {MIN_EFFORT_WEEKS:g}（半天）到 {MAX_EFFORT_WEEKS:g} 之间，收到 {effort_weeks:g}。",
        )
    if not 0 <= confidence <= 1:
        raise UsageError(
            f"Confidence is 0–100%, got {confidence:.0%}.", f"信心应为 0–100%，收到 {confidence:.0%}。"
        )
    request = _open_for_change(session=session, request_id=request_id)
    request.effort_weeks = effort_weeks
    request.confidence = confidence
    request.updated_at = now
    recompute(session=session, request=request)
    note = f"effort {effort_weeks:g} person-weeks, confidence {confidence:.0%}"
    status_event = None
    if request.status == "new":
        request.status = "triaged"
        status_event = _event(
            session,
            request_id=request_id,
            kind="status",
            now=now,
            actor_platform=actor_platform,
            actor=actor,
            from_status="new",
            to_status="triaged",
            note=note,
        )
    else:
        _event(
            session,
            request_id=request_id,
            kind="triaged",
            now=now,
            actor_platform=actor_platform,
            actor=actor,
            note=note,
        )
    session.add(request)
    return request, status_event


def _open_for_change(*, session: Session, request_id: int) -> FeatureRequest:
    request = get_request(session=session, request_id=request_id)
    if request.merged_into_id is not None:
        raise UsageError(
            f"#{request_id} was merged into #{request.merged_into_id}; change that one instead.",
            f"#{request_id} 已合并到 #{request.merged_into_id}，请修改那个需求。",
        )
    return request


def change_status(
    *,
    session: Session,
    request_id: int,
    status: str,
    note: str = "",
    release: str = "",
    actor_platform: str,
    actor: str,
    now: datetime,
) -> RequestEvent | None:
    """Move a request to `status`; returns the history event, or None when it already had that status."""
    if status not in STATUSES:
        raise UsageError(
            f"Unknown status {status!r}. Allowed: {', '.join(STATUSES)}.",
            f"未知状态 {status!r}。可选：{'、'.join(f'{STATUS_ZH[s]}({s})' for s in STATUSES)}。",
        )
    if status == "declined" and not note.strip():
        raise UsageError(
            "Declining needs a reason: `requests status 12 declined not on the roadmap this year`.",
            "拒绝需求需要说明理由：`requests status 12 declined 今年不在路线图上`。",
        )
    if len(note.strip()) > MAX_NOTE_CHARS:
        raise UsageError(
            f"The note is too long ({len(note.strip())} characters; at most {MAX_NOTE_CHARS}): it is sent to "
            "every requester. Nothing was changed.",
            f"说明太长（{len(note.strip())} 个字符；最多 {MAX_NOTE_CHARS}）：它会发给每位提交人。未做任何更改。",
        )
    if len(release) > 100:
        raise UsageError(
            "The release name is too long (at most 100 characters).", "版本名称太长（最多 100 个字符）。"
        )
    release = release.strip()
    if release and status not in RELEASE_STATUSES:
        raise UsageError(
            f"A release goes with planned, in-progress or shipped, not {status}.",
            f"版本只能用于已排期、开发中或已发布状态，不能用于{STATUS_ZH[status]}。",
        )
    request = _open_for_change(session=session, request_id=request_id)
    if request.status == status and (not release or release == request.release):
        return None
    previous = request.status
    request.status = status
    request.is_open = status in OPEN_STATUSES
    if release:  # the planned / target / shipped release (`requests status 7 planned release:5.3`)
        request.release = release
    request.updated_at = now
    session.add(request)
    stored_note = note.strip()
    if status in RELEASE_STATUSES and request.release and (release or status == "shipped"):
        stored_note = f"release: {request.release}" + (f"\n{stored_note}" if stored_note else "")
    return _event(
        session,
        request_id=request_id,
        kind="status",
        now=now,
        actor_platform=actor_platform,
        actor=actor,
        from_status=previous,
        to_status=status,
        note=stored_note,
    )


def override_priority(
    *,
    session: Session,
    request_id: int,
    label: str,
    reason: str,
    actor_platform: str,
    actor: str,
    now: datetime,
) -> FeatureRequest:
    if len(reason) > MAX_REASON_CHARS:
        raise UsageError(
            f"The reason is too long ({len(reason)} characters; at most {MAX_REASON_CHARS}). Nothing was changed.",
            f"理由太长（{len(reason)} 个字符；最多 {MAX_REASON_CHARS}）。未做任何更改。",
        )
    request = _open_for_change(session=session, request_id=request_id)
    previous = request.priority
    request.priority_override = label
    request.override_reason = reason
    request.updated_at = now
    recompute(session=session, request=request)
    _event(
        session,
        request_id=request_id,
        kind="priority",
        now=now,
        actor_platform=actor_platform,
        actor=actor,
        note=f"{previous} → {label}: {reason}",
    )
    return request


# --- notifications -------------------------------------------------------------------------------------


def _requester_customers(session: Session, request_id: int) -> dict[tuple[str, str], list[str]]:
    names: dict[tuple[str, str], list[str]] = {}
    for customer in session.exec(
        select(RequestCustomer)
        .where(col(RequestCustomer.request_id) == request_id)
        .order_by(col(RequestCustomer.id))
    ):
        key = (customer.added_platform, customer.added_by)
        if customer.name not in names.setdefault(key, []):
            names[key].append(customer.name)
    return names


def status_notice(
    *,
    request: FeatureRequest,
    customers: list[str],
    to_status: str,
    note: str,
    actor: str,
    actor_platform: str,
) -> Reply:
    """The DM a requester receives, in both languages (we do not know which one they prefer)."""
    named = [c for c in customers if c != DEFAULT_CUSTOMER]
    whose_en = f"{', '.join(named)}'s request" if named else "Your request"
    whose_zh = f"{'、'.join(named)} 的需求" if named else "你提交的需求"
    if to_status == "shipped":
        release_en = f" in {request.release}" if request.release else ""
        release_zh = f"已在 {request.release} 中发布" if request.release else "已发布"
        en = f"{whose_en} #{request.id} {request.title} shipped{release_en}."
        zh = f"{whose_zh} #{request.id} {request.title} {release_zh}。"
        color: Literal["success", "danger", "info"] = "success"
    else:
        target = request.release if to_status in RELEASE_STATUSES else ""
        en = f"{whose_en} #{request.id} {request.title} is now **{to_status}**" + (
            f" for {target}." if target else "."
        )
        zh = (
            f"{whose_zh} #{request.id} {request.title} 状态更新为 **{STATUS_ZH.get(to_status, to_status)}**"
            + (f"（目标版本 {target}）。" if target else "。")
        )
        color = "danger" if to_status == "declined" else "info"
    text = both(en, zh)
    extra = "\n".join(line for line in note.splitlines() if not line.startswith("release:")).strip()
    if extra:
        text += f"\n> {extra}"
    context = (
        [f"{mention(actor, platform=actor_platform)} · `requests show {request.id}`"]
        if actor
        else [f"`requests show {request.id}`"]
    )
    return Reply(title=f"#{request.id} {request.title}", text=text, context=context, color=color)


@dataclass(frozen=True)
class StatusMove:
    """What `move_status` did: the request's title, whether its status changed, how many requesters heard,
    and the release its requesters were told (the one given, or the one the request already had)."""

    title: str
    moved: bool
    notified: int = 0
    release: str = ""


def move_status(
    *,
    services: Services,
    request_id: int,
    status: str,
    note: str = "",
    release: str = "",
    actor_platform: str,
    actor: str,
) -> StatusMove:
    """Change a request's status and DM every requester on their own platform: the one way chat, the
    dashboard and shipped releases move a request (not moved when it already had that status)."""
    with services.db.session() as session:
        event = change_status(
            session=session,
            request_id=request_id,
            status=status,
            note=note,
            release=release,
            actor_platform=actor_platform,
            actor=actor,
            now=services.now(),
        )
        event_id = event.id if event is not None else None
        request = get_request(session=session, request_id=request_id)
        title, told = request.title, (request.release if request.status in RELEASE_STATUSES else "")
    if event_id is None:
        return StatusMove(title=title, moved=False)
    notified = notify_status_change(services=services, request_id=request_id, event_id=event_id)
    return StatusMove(title=title, moved=True, notified=notified, release=told)


def triage(
    *,
    services: Services,
    request_id: int,
    effort_weeks: float,
    confidence: float,
    actor_platform: str,
    actor: str,
) -> tuple[FeatureRequest, StatusMove]:
    """Set effort and confidence; a new request becomes triaged and its requesters hear it (`move_status`)."""
    with services.db.session() as session:
        request, event = triage_request(
            session=session,
            request_id=request_id,
            effort_weeks=effort_weeks,
            confidence=confidence,
            actor_platform=actor_platform,
            actor=actor,
            now=services.now(),
        )
        event_id = event.id if event is not None else None
    if event_id is None:
        return request, StatusMove(title=request.title, moved=False)
    notified = notify_status_change(services=services, request_id=request_id, event_id=event_id)
    return request, StatusMove(title=request.title, moved=True, notified=notified)


def notify_status_change(*, services: Services, request_id: int, event_id: int) -> int:
    """DM every requester of the request on the platform where they logged it. Returns how many."""
    with services.db.session() as session:
        request = get_request(session=session, request_id=request_id)
        event = session.get(RequestEvent, event_id)
        requesters = list(
            session.exec(select(RequestRequester).where(col(RequestRequester.request_id) == request_id))
        )
        customers = _requester_customers(session, request_id)
    if event is None:
        return 0
    count = 0
    for requester in requesters:
        reply = status_notice(
            request=request,
            customers=customers.get((requester.platform, requester.user_id), []),
            to_status=event.to_status,
            note=event.note,
            actor=event.actor,
            actor_platform=event.actor_platform,
        )
        services.send(
            Address(platform=requester.platform, user=requester.user_id),
            reply,
            dedupe_key=f"request-status:{event_id}:{requester.platform}:{requester.user_id}",
        )
        count += 1
    return count


def closed_state(*, session: Session, request: FeatureRequest) -> tuple[str, str] | None:
    """Where a shipped or declined request stands, in English and Chinese (`#4 already shipped in 3.2.`, with
    the reason of a decline); None for an open request."""
    if request.status not in ("shipped", "declined"):
        return None
    last = session.exec(
        select(RequestEvent)
        .where(
            col(RequestEvent.request_id) == request.id,
            col(RequestEvent.kind) == "status",
            col(RequestEvent.to_status) == request.status,
        )
        .order_by(col(RequestEvent.id).desc())
    ).first()
    note = "\n".join(
        line for line in (last.note if last else "").splitlines() if not line.startswith("release:")
    ).strip()
    if request.status == "shipped":
        return (
            f"#{request.id} already shipped" + (f" in {request.release}." if request.release else "."),
            f"#{request.id} 已经发布" + (f"（{request.release}）。" if request.release else "。"),
        )
    return (
        f"#{request.id} was declined" + (f": {note}" if note else "."),
        f"#{request.id} 已被拒绝" + (f"：{note}" if note else "。"),
    )


def notify_merge(*, services: Services, result: MergeResult, by_platform: str, by_user: str) -> int:
    """Tell the source's requesters (except whoever merged it) where their request went. Returns how many."""
    src, dst = result.source, result.target
    with services.db.session() as session:
        requesters = list(
            session.exec(select(RequestRequester).where(col(RequestRequester.request_id) == src.id))
        )
        event_id = session.exec(
            select(func.max(RequestEvent.id)).where(col(RequestEvent.request_id) == src.id)
        ).one()
        closed = closed_state(session=session, request=dst)
    merged_en = f"Request #{src.id} {src.title} was merged into #{dst.id} {dst.title}."
    merged_zh = f"需求 #{src.id} {src.title} 已合并到 #{dst.id} {dst.title}。"
    if closed is None:
        text = both(
            f"{merged_en} Your customers and ARR now count there; updates will keep reaching you.",
            f"{merged_zh}你的客户和 ARR 已计入该需求，后续进展仍会通知你。",
        )
    else:  # merged into a shipped or declined request: that is the news, there will be no later update
        text = both(f"{merged_en} {closed[0]}", f"{merged_zh}{closed[1]}")
    count = 0
    for requester in requesters:
        if (requester.platform, requester.user_id) == (by_platform, by_user):
            continue
        services.send(
            Address(platform=requester.platform, user=requester.user_id),
            Reply(text=text, context=[f"`requests show {dst.id}`"], color="info"),
            dedupe_key=f"request-merge:{event_id}:{requester.platform}:{requester.user_id}",
        )
        count += 1
    return count


def mark_shipped(*, services: Services, request_ids: list[int], release: str, by_user: str) -> list[int]:
    """Move requests to shipped in `release` and notify every requester personally. Returns the ids moved.

    Unknown ids, already-shipped ones and merged ones are skipped (a merged id is followed to its target).
    """
    moved: list[int] = []
    for request_id in dict.fromkeys(request_ids):
        with services.db.session() as session:
            request = session.get(FeatureRequest, request_id)
            if request is None:
                continue
            target_id = request.merged_into_id or request_id
            target = session.get(FeatureRequest, target_id)
            if target is None or target.status == "shipped" or target_id in moved:
                continue
        shipped = move_status(
            services=services,
            request_id=target_id,
            status="shipped",
            release=release,
            actor_platform="",
            actor=by_user,
        )
        if shipped.moved:
            moved.append(target_id)
    return moved


def keep_separate(
    *, session: Session, request_id: int, actor_platform: str, actor: str, now: datetime
) -> bool:
    """The rep chose "Keep as new"; recorded once in the history. Returns False when already recorded."""
    done = session.exec(
        select(RequestEvent.id).where(
            col(RequestEvent.request_id) == request_id, col(RequestEvent.kind) == "kept"
        )
    ).first()
    if done is not None:
        return False
    _event(
        session,
        request_id=request_id,
        kind="kept",
        now=now,
        actor_platform=actor_platform,
        actor=actor,
        note="kept separate from similar requests",
    )
    return True
