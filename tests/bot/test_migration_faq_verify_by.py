"""The verify-by migration: FAQ entries PMs wrote before it are due SALESBRIDGE_FAQ_VERIFY_DAYS after their
answer date; documents and entries without an owner get no date; downgrade and upgrade again work."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import text

from bot.database import MIGRATIONS_DIR, Database

BEFORE = "4c68b12e1b55"


def test_existing_faq_entries_get_a_verify_by_date(
    empty_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SALESBRIDGE_FAQ_VERIFY_DAYS", "30")
    db = Database(empty_database_url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", db.url.replace("%", "%%"))

    def migrate(step: str, target: str) -> None:
        with db.engine.begin() as connection:
            config.attributes["connection"] = connection
            getattr(command, step)(config, target)

    migrate("upgrade", BEFORE)
    columns = "path, title, summary, language, owner, updated, kind, internal, source, content_hash, section_count, created_at, ingested_at"
    with db.engine.begin() as connection:
        for path, owner, updated, kind in (
            ("faq:escalation-1", "'UPM'", "'2026-11-20'", "faq"),
            ("faq:chat-sso", "'ou_pm'", "NULL", "faq"),
            ("faq:imported", "NULL", "'2026-01-01'", "faq"),
            ("en/plans.md", "'ann'", "'2026-01-01'", "doc"),
        ):
            connection.execute(
                text(
                    f"INSERT INTO knowledge_document ({columns}) VALUES ('{path}', 't', '', 'en', {owner}, "
                    f"{updated}, '{kind}', false, '', '', 1, '2026-10-02 08:00:00', '2026-10-02 08:00:00')"
                )
            )
    migrate("upgrade", "head")
    with db.engine.begin() as connection:
        rows: dict[str, object] = {
            path: value
            for path, value in connection.execute(text("SELECT path, verify_by FROM knowledge_document")).all()
        }
    as_text = {path: str(value)[:10] if value is not None else None for path, value in rows.items()}
    assert as_text == {
        "faq:escalation-1": "2026-12-20",  # answered + 30 days
        "faq:chat-sso": "2026-11-01",  # no answer date: the day it was stored + 30
        "faq:imported": None,  # no owner: not a PM's entry
        "en/plans.md": None,
    }
    migrate("downgrade", BEFORE)
    migrate("upgrade", "head")
    db.dispose()
