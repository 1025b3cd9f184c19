"""A question asked and answered (or not): record it with the answer given, and remember it as its thread's
question, the context a follow-up in the same thread ("and on Enterprise?") is read with."""

from __future__ import annotations

import dataclasses
import re
from datetime import datetime

from sqlmodel import Session

from bot.messages import Address
from knowledge.answer import Answer
from knowledge.answer_text import not_covered
from services.questions.escalation import record_question, remember_thread

_LEADING_CONJUNCTION = re.compile(
    r"^\s*(?:(?:and|also|plus)\b[\s,]*|(?:另外|还有|以及|此外|同时|并且)[，,\s]*)", re.IGNORECASE
)
MAX_CONTEXT = 500  # characters of a thread's question kept as the context of its follow-ups


def record_asked_question(
    *,
    session: Session,
    answer: Answer,
    question: str,
    platform: str,
    user: str,
    address: Address | None,
    conversation: str,
    thread: str | None,
    now: datetime,
) -> int:
    """Record the question (`answer` holds what it was answered) and, in a thread, make it the thread's
    question; returns the question's id (the value of its feedback and "Ask a PM" buttons)."""
    row = record_question(
        session=session, answer=answer, platform=platform, user=user, address=address, now=now, thread=thread
    )
    if thread:
        remember_thread(
            session=session,
            platform=platform,
            conversation=conversation,
            thread=thread,
            question=(answer.search_query or question)[-MAX_CONTEXT:],
            question_id=row.id,
            now=now,
        )
    assert row.id is not None
    return row.id


def record_uncovered_asks(
    *,
    session: Session,
    answer: Answer,
    platform: str,
    user: str,
    address: Address | None,
    thread: str | None,
    now: datetime,
) -> int | None:
    """The asks of a several-ask question that got no answer (`answer.uncovered`), recorded as a question of
    their own, unanswered: its "Ask a PM" button sends the PMs only what the knowledge base lacks — not the
    parts it answered — and the PM's answer becomes an FAQ entry titled with that ask alone. None when every
    ask was answered."""
    asks = [_LEADING_CONJUNCTION.sub("", ask).strip() or ask.strip() for ask in answer.uncovered]
    asks = [ask[:1].upper() + ask[1:] for ask in asks if ask]
    if not asks:
        return None
    text = " ".join(asks)
    part = dataclasses.replace(
        answer,
        question=text,
        text=not_covered(answer.language),
        answered=False,
        support="none",
        method="none",
        confidence=0.0,
        sources=[],
        notes=[],
        uncovered=[],
        search_query=text,
    )
    row = record_question(
        session=session, answer=part, platform=platform, user=user, address=address, now=now, thread=thread
    )
    assert row.id is not None
    return row.id
