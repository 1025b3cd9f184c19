"""Text the database cannot store (NUL — PostgreSQL refuses it in text columns —, other control characters,
lone surrogates) is cleaned wherever user text is stored, on SQLite and on PostgreSQL."""

from __future__ import annotations

from sqlmodel import col, select

from bot.models import AgendaItem, FeatureRequest, QaQuestion
from services.schedules.agenda import add_agenda_item
from tests.fakes.harness import Harness


def test_a_chat_message_with_nul_is_stored_cleaned_and_answered(any_db_bot: Harness) -> None:
    bot = any_db_bot
    sent = bot.process(bot.message("request SSO\x00 for\x07 the \ud800portal customer:Acme\x00", user="U1"))
    assert sent, "the confirmation was delivered"
    assert "#1" in bot.slack.posted[-1].reply.plain_text()
    with bot.services.db.session() as session:
        row = session.exec(select(FeatureRequest)).one()
    assert row.description == "SSO for the portal" and "\x00" not in row.title
    bot.process(bot.message("what about\x00 HIPAA?", user="U2"))
    with bot.services.db.session() as session:
        questions = list(session.exec(select(QaQuestion.question)))
    assert questions and all("\x00" not in q for q in questions)


def test_a_data_function_given_nul_stores_it_cleaned(any_db_bot: Harness) -> None:
    """Paths that do not start with a chat message (jobs, the CLI, imports) are cleaned by the database layer."""
    services = any_db_bot.services
    add_agenda_item(
        services=services, schedule_id=1, text="pricing\x00 review", platform="slack", user="U\x001"
    )
    with services.db.session() as session:
        item = session.exec(select(AgendaItem).order_by(col(AgendaItem.id).desc())).first()
    assert item is not None and item.text == "pricing review" and item.added_by == "U1"
