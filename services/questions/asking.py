"""A question asked and answered (or not): record it with the answer given, and remember it as its thread's
question, the context a follow-up in the same thread ("and on Enterprise?") is read with."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from bot.messages import Address
from knowledge.answer import Answer
from services.questions.escalation import record_question, remember_thread

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
