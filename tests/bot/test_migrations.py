from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import bot.models  # noqa: F401
from bot.database import Database


def test_migrations_match_models_on_fresh_database(empty_database_url: str) -> None:
    db = Database(empty_database_url)
    db.upgrade()
    db.upgrade()  # idempotent
    with db.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    assert diff == [], f"models and migrations differ; run `python -m bot.migrations_tool`: {diff}"
    db.dispose()
