"""Data functions of Q&A (services/questions/escalation.py): the reports jobs use for agendas and digests, answer
idempotency and feedback — on SQLite, and on PostgreSQL when configured."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.database import Database
from bot.messages import Address
from knowledge.answer import Answer
from services.questions.escalation import (
    answered_escalations,
    escalation_askers,
    knowledge_gaps,
    most_asked,
    normalize_question,
    open_escalation,
    record_answer,
    record_question,
    unanswered_questions,
    vote,
)

T0 = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)  # migrated
    yield database
    database.dispose()


def ask(db: Database, text: str, *, user: str = "U1", answered: bool = False, at: datetime = T0) -> int:
    answer = Answer(question=text, language="en", text="…", answered=answered, confidence=0.2, method="none")
    with db.session() as session:
        row = record_question(
            session=session,
            answer=answer,
            platform="slack",
            user=user,
            address=Address(platform="slack", conversation="C1", thread=f"t-{user}"),
            now=at,
        )
        if not answered:
            open_escalation(session=session, question=row, now=at)
        assert row.id is not None
        return row.id


def test_normalize_question() -> None:
    assert normalize_question("  Does it support SSO?? ") == normalize_question("does it support sso")
    assert normalize_question("支持单点登录吗？") == "支持单点登录吗"


def test_reports_for_agendas_and_digests(db: Database) -> None:
    ask(db, "Does it run on IBM mainframes?", at=T0 - timedelta(days=10))
    ask(db, "Can customers pay with PayPal?", user="U1")
    ask(db, "can customers pay with paypal", user="U2", at=T0 + timedelta(hours=1))
    ask(db, "Do we support HIPAA?", answered=True)
    with db.session() as session:
        open_items = unanswered_questions(session=session, since=T0 - timedelta(days=1))
        assert [e.question for e in open_items] == ["Can customers pay with PayPal?"]
        assert len(escalation_askers(session=session, escalation_id=open_items[0].id or 0)) == 2
        top = most_asked(session=session, since=T0 - timedelta(days=30), limit=2)
        assert top[0][1] == 2 and "paypal" in top[0][0].lower()
        outcome = record_answer(
            session=session,
            escalation_id=open_items[0].id or 0,
            text="Yes.",
            by="UPM",
            platform="slack",
            now=T0,
        )
        assert outcome is not None and outcome.changed and outcome.revision == 1
    with db.session() as session:
        done = answered_escalations(session=session, since=T0 - timedelta(hours=1))
        assert [(e.question, e.answered_by) for e in done] == [("Can customers pay with PayPal?", "UPM")]
        assert unanswered_questions(session=session, since=T0 - timedelta(days=1)) == []
        gaps = knowledge_gaps(session=session)
        assert [g.question for g in gaps] == ["Does it run on IBM mainframes?"]


def test_record_answer_is_idempotent_and_corrections_bump_the_revision(db: Database) -> None:
    ask(db, "Can customers pay with PayPal?")
    with db.session() as session:
        first = record_answer(
            session=session, escalation_id=1, text="Yes.", by="UPM", platform="slack", now=T0
        )
        same = record_answer(
            session=session, escalation_id=1, text=" Yes. ", by="UPM", platform="slack", now=T0
        )
        fixed = record_answer(
            session=session, escalation_id=1, text="No.", by="UPM2", platform="feishu", now=T0
        )
        missing = record_answer(
            session=session, escalation_id=99, text="x", by="UPM", platform="slack", now=T0
        )
    assert first is not None and same is not None and fixed is not None and missing is None
    assert (first.changed, same.changed, fixed.changed, fixed.corrected) == (True, False, True, True)
    assert fixed.revision == 2 and fixed.escalation.answered_by == "UPM2"


def test_votes_one_per_user(db: Database) -> None:
    question_id = ask(db, "Do we support HIPAA?", answered=True)
    with db.session() as session:
        assert (
            vote(session=session, question_id=question_id, platform="slack", user="U1", value=1, now=T0).up
            == 1
        )
        changed = vote(
            session=session, question_id=question_id, platform="slack", user="U1", value=-1, now=T0
        )
        assert (changed.previous, changed.up, changed.down) == (1, 0, 1)
        other = vote(session=session, question_id=question_id, platform="feishu", user="U1", value=-1, now=T0)
        assert other.down == 2
        with pytest.raises(ValueError):
            vote(session=session, question_id=question_id, platform="slack", user="U1", value=5, now=T0)
    with db.session() as session:
        gaps = knowledge_gaps(session=session)
        assert (
            gaps[0].question == "Do we support HIPAA?"
            and gaps[0].down_votes == 2
            and gaps[0].reason == "downvoted"
        )
