"""What people say about answers: a 👍/👎 vote on an answer (one per person, changeable), and a PM's quick FAQ
entry (`kb add`), which the knowledge base serves from the next question on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session

from bot.errors import NotFound, UsageError
from knowledge.base import KnowledgeBase
from services.questions.escalation import VoteOutcome, get_question, normalize_question, vote
from services.questions.faq import faq_verify_by
from services.questions.pm_answers import has_words

MAX_SLUG = 200


@dataclass(frozen=True)
class Rating:
    language: str  # the question's language: what the reply to the vote speaks
    escalated: bool  # the question is already with the PMs (no "Ask a PM" after a 👎)
    outcome: VoteOutcome


def rate_answer(
    *, session: Session, question_id: int, platform: str, user: str, value: int, now: datetime
) -> Rating:
    """Record `user`'s vote (+1 / -1) on the answer to question `question_id`; NotFound for an unknown id."""
    question = get_question(session=session, question_id=question_id)
    if question is None:
        raise NotFound(f"No answer #{question_id}.", f"没有编号为 {question_id} 的回答。")
    language, escalated = question.language, question.escalation_id is not None
    outcome = vote(
        session=session, question_id=question_id, platform=platform, user=user, value=value, now=now
    )
    return Rating(language=language, escalated=escalated, outcome=outcome)


def faq_entry_path(title: str) -> str | None:
    """The document path of a chat FAQ entry (`faq:chat-<words of the title>`), None when the title has no
    words. The same title again replaces the entry."""
    slug = normalize_question(title).replace(" ", "-")[:MAX_SLUG]
    return f"faq:chat-{slug}" if slug else None


def add_faq_entry(*, knowledge: KnowledgeBase, title: str, text: str, owner: str, today: date) -> int:
    """Save a PM's FAQ entry in the knowledge base; returns its document id. The title must have words
    (`faq_entry_path`)."""
    path = faq_entry_path(title)
    if path is None:
        raise ValueError("an FAQ entry's title needs words")
    if not has_words(text):
        raise UsageError(
            f"The text of the FAQ entry has no words ({text.strip()!r}); nothing was saved.",
            f"FAQ 条目的内容没有文字（{text.strip()!r}），未保存。",
        )
    return knowledge.add_document(
        path=path,
        title=title,
        text=text,
        owner=owner,
        updated=today,
        kind="faq",
        verify_by=faq_verify_by(settings=knowledge.settings, answered=today),
    )
