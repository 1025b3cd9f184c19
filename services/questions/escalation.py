"""Data functions of knowledge-base Q&A: questions and answers given, escalations to PMs, feedback,
thread context, and the reports built on them (knowledge gaps, most-asked, answered escalations).

All keyword-only and session-scoped: the caller owns the transaction (`with services.db.session() as s`).
Jobs (agendas, digests) use `unanswered_questions`, `answered_escalations` and `most_asked`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from bot.clock import as_utc
from bot.messages import Address
from bot.models.qa import QaEscalation, QaFeedback, QaQuestion, QaThread
from knowledge.answer import Answer

_PUNCT = re.compile(r"[\s\W_]+", re.UNICODE)
MAX_NORMALIZED = 500


def normalize_question(text: str) -> str:
    """Lower-case, punctuation and spacing removed: "Does it support SSO?" == "does it support sso"."""
    return _PUNCT.sub(" ", text.lower()).strip()[:MAX_NORMALIZED]


# --- questions and answers ---------------------------------------------------------------------------


def record_question(
    *,
    session: Session,
    answer: Answer,
    platform: str,
    user: str,
    address: Address | None,
    now: datetime,
    thread: str | None = None,
) -> QaQuestion:
    row = QaQuestion(
        platform=platform,
        workspace=address.workspace if address else "",
        conversation=(address.conversation or address.user or "") if address else "",
        thread=thread,
        user_id=user,
        address=address.model_dump_json() if address else "",
        question=answer.question,
        search_query=answer.search_query,
        normalized=normalize_question(answer.question),
        language=answer.language,
        answered=answer.answered,
        answer=answer.text,
        sources=json.dumps([s.as_json() for s in answer.sources], ensure_ascii=False),
        confidence=answer.confidence,
        method=answer.method,
        asked_at=now,
    )
    session.add(row)
    session.flush()
    return row


def get_question(*, session: Session, question_id: int) -> QaQuestion | None:
    return session.get(QaQuestion, question_id)


def question_sources(question: QaQuestion) -> list[dict[str, object]]:
    try:
        value = json.loads(question.sources or "[]")
    except ValueError:
        return []
    return value if isinstance(value, list) else []


def question_address(question: QaQuestion) -> Address | None:
    return Address.model_validate_json(question.address) if question.address else None


# --- thread context ----------------------------------------------------------------------------------


def thread_question(*, session: Session, platform: str, conversation: str, thread: str) -> str | None:
    row = session.exec(
        select(QaThread).where(
            col(QaThread.platform) == platform,
            col(QaThread.conversation) == conversation,
            col(QaThread.thread) == thread,
        )
    ).first()
    return row.question if row is not None else None


def remember_thread(
    *,
    session: Session,
    platform: str,
    conversation: str,
    thread: str,
    question: str,
    question_id: int | None,
    now: datetime,
) -> None:
    row = session.exec(
        select(QaThread).where(
            col(QaThread.platform) == platform,
            col(QaThread.conversation) == conversation,
            col(QaThread.thread) == thread,
        )
    ).first()
    if row is None:
        row = QaThread(platform=platform, conversation=conversation, thread=thread, question=question)
    row.question, row.question_id, row.updated_at = question, question_id, now
    session.add(row)


# --- escalations ---------------------------------------------------------------------------------------


def open_escalation(*, session: Session, question: QaQuestion, now: datetime) -> tuple[QaEscalation, bool]:
    """The open escalation for this question (joining an identical open one), and whether it is new."""
    existing = session.exec(
        select(QaEscalation)
        .where(col(QaEscalation.normalized) == question.normalized, col(QaEscalation.status) == "open")
        .order_by(col(QaEscalation.id))
    ).first()
    created = existing is None
    escalation = existing or QaEscalation(
        question=question.question,
        normalized=question.normalized,
        language=question.language,
        created_at=now,
    )
    session.add(escalation)
    session.flush()
    question.escalation_id = escalation.id
    session.add(question)
    return escalation, created


def get_escalation(*, session: Session, escalation_id: int) -> QaEscalation | None:
    return session.get(QaEscalation, escalation_id)


def escalation_askers(*, session: Session, escalation_id: int) -> list[QaQuestion]:
    """Every question waiting on this escalation, oldest first."""
    return list(
        session.exec(
            select(QaQuestion)
            .where(col(QaQuestion.escalation_id) == escalation_id)
            .order_by(col(QaQuestion.id))
        )
    )


@dataclass(frozen=True)
class AnswerOutcome:
    escalation: QaEscalation
    changed: bool  # False: the same answer was already recorded (a double submit)
    corrected: bool  # True: it replaces an earlier, different answer
    revision: int


def record_answer(
    *, session: Session, escalation_id: int, text: str, by: str, platform: str, now: datetime
) -> AnswerOutcome | None:
    """Store a PM's answer. Idempotent: the same text twice changes nothing; a different text corrects it.

    The revision check makes two simultaneous submissions safe: only one of them bumps the revision.
    """
    escalation = session.get(QaEscalation, escalation_id)
    if escalation is None:
        return None
    text = text.strip()
    if escalation.status == "answered" and escalation.answer.strip() == text:
        return AnswerOutcome(
            escalation=escalation, changed=False, corrected=False, revision=escalation.revision
        )
    corrected = escalation.status == "answered"
    result = session.execute(
        update(QaEscalation)
        .where(col(QaEscalation.id) == escalation_id, col(QaEscalation.revision) == escalation.revision)
        .values(
            status="answered",
            answer=text,
            answered_by=by,
            answered_platform=platform,
            answered_at=now,
            revision=escalation.revision + 1,
        )
    )
    session.refresh(escalation)
    changed = bool(getattr(result, "rowcount", 0))
    return AnswerOutcome(
        escalation=escalation, changed=changed, corrected=corrected, revision=escalation.revision
    )


def link_faq(*, session: Session, escalation_id: int, document_id: int) -> None:
    session.execute(
        update(QaEscalation).where(col(QaEscalation.id) == escalation_id).values(faq_document_id=document_id)
    )


# --- feedback ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VoteOutcome:
    previous: int  # 0: first vote
    vote: int
    up: int
    down: int


def vote(
    *, session: Session, question_id: int, platform: str, user: str, value: int, now: datetime
) -> VoteOutcome:
    """One vote per user per answer; voting again changes it (or leaves it as it is)."""
    if value not in (1, -1):
        raise ValueError("a vote is +1 or -1")
    row = session.exec(
        select(QaFeedback).where(
            col(QaFeedback.question_id) == question_id,
            col(QaFeedback.platform) == platform,
            col(QaFeedback.user_id) == user,
        )
    ).first()
    previous = row.vote if row is not None else 0
    if row is None:
        row = QaFeedback(question_id=question_id, platform=platform, user_id=user, created_at=now)
    row.vote, row.updated_at = value, now
    session.add(row)
    session.flush()
    up, down = feedback_counts(session=session, question_id=question_id)
    return VoteOutcome(previous=previous, vote=value, up=up, down=down)


def feedback_counts(*, session: Session, question_id: int) -> tuple[int, int]:
    votes = list(session.exec(select(QaFeedback.vote).where(col(QaFeedback.question_id) == question_id)))
    return sum(1 for v in votes if v > 0), sum(1 for v in votes if v < 0)


# --- reports --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Gap:
    """A question the knowledge base does not serve well, grouped across everyone who asked it."""

    question: str
    asked: int
    unanswered: int
    down_votes: int
    up_votes: int
    last_asked: datetime
    escalation_id: int | None
    escalation_status: str | None

    @property
    def reason(self) -> str:
        return "unanswered" if self.unanswered else "downvoted"


@dataclass
class _GapGroup:
    question: str
    last: datetime
    asked: int = 0
    unanswered: int = 0
    down: int = 0
    up: int = 0
    escalation: QaEscalation | None = None


def knowledge_gaps(*, session: Session, since: datetime | None = None, limit: int = 20) -> list[Gap]:
    """Unanswered questions whose escalation is still open, and answers voted down more than up — most
    frequent first. A question answered by a PM since then no longer counts as unanswered."""
    query = select(QaQuestion)
    if since is not None:
        query = query.where(col(QaQuestion.asked_at) >= since)
    questions = list(session.exec(query))
    votes: dict[int, list[int]] = {}
    ids = [q.id for q in questions if q.id is not None]
    if ids:
        for question_id, value in session.exec(
            select(QaFeedback.question_id, QaFeedback.vote).where(col(QaFeedback.question_id).in_(ids))
        ):
            votes.setdefault(question_id, []).append(value)
    escalations = {
        e.id: e
        for e in session.exec(
            select(QaEscalation).where(
                col(QaEscalation.id).in_(sorted({q.escalation_id for q in questions if q.escalation_id}))
            )
        )
    }
    groups: dict[str, _GapGroup] = {}
    for q in questions:
        escalation = escalations.get(q.escalation_id) if q.escalation_id else None
        up = sum(1 for v in votes.get(q.id or 0, []) if v > 0)
        down = sum(1 for v in votes.get(q.id or 0, []) if v < 0)
        still_open = not q.answered and (escalation is None or escalation.status != "answered")
        if not still_open and down <= up:
            continue
        asked_at = as_utc(q.asked_at)
        group = groups.setdefault(q.normalized, _GapGroup(question=q.question, last=asked_at))
        group.asked += 1
        group.unanswered += int(still_open)
        group.down += down
        group.up += up
        if asked_at >= group.last:
            group.last, group.question = asked_at, q.question
        if escalation is not None:
            group.escalation = escalation
    gaps = [
        Gap(
            question=g.question,
            asked=g.asked,
            unanswered=g.unanswered,
            down_votes=g.down,
            up_votes=g.up,
            last_asked=g.last,
            escalation_id=g.escalation.id if g.escalation else None,
            escalation_status=g.escalation.status if g.escalation else None,
        )
        for g in groups.values()
    ]
    gaps.sort(key=lambda g: (-g.asked, -g.down_votes, -g.last_asked.timestamp()))
    return gaps[:limit]


def unanswered_questions(*, session: Session, since: datetime | None = None) -> list[QaEscalation]:
    """Escalations still waiting for a PM, oldest first: every open one (agendas and PM digests keep an
    open question on the list until it is answered), or only those created since `since`."""
    query = select(QaEscalation).where(col(QaEscalation.status) == "open")
    if since is not None:
        query = query.where(col(QaEscalation.created_at) >= since)
    return list(session.exec(query.order_by(col(QaEscalation.created_at))))


def answered_escalations(*, session: Session, since: datetime) -> list[QaEscalation]:
    """Escalations PMs answered since `since`, newest first (digests: "new FAQ entries")."""
    return list(
        session.exec(
            select(QaEscalation)
            .where(col(QaEscalation.status) == "answered", col(QaEscalation.answered_at) >= since)
            .order_by(col(QaEscalation.answered_at).desc())
        )
    )


def most_asked(*, session: Session, since: datetime, limit: int = 10) -> list[tuple[str, int]]:
    """The most frequent questions since `since`: (a recent wording, how many times), most asked first."""
    rows = session.exec(
        select(QaQuestion.normalized, func.count(), func.max(QaQuestion.question))
        .where(col(QaQuestion.asked_at) >= since)
        .group_by(col(QaQuestion.normalized))
        .order_by(func.count().desc(), func.max(QaQuestion.asked_at).desc())
        .limit(limit)
    )
    return [(str(wording), int(count)) for _normalized, count, wording in rows]


def recent_questions(*, session: Session, limit: int = 20) -> Sequence[QaQuestion]:
    return list(session.exec(select(QaQuestion).order_by(col(QaQuestion.id).desc()).limit(limit)))
