import pytest
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


def test_role_grant_workspace_migration_backfills_and_keeps_ids(
    empty_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Grants made before workspaces were recorded: Slack ones get the one team the settings pin, Feishu
    ones (no tenant pinned) hold everywhere (""); ids are kept and new ids follow them; downgrade works."""
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import text

    from bot.database import MIGRATIONS_DIR

    monkeypatch.setenv("SALESBRIDGE_SLACK_TEAM_IDS", "T111")
    monkeypatch.delenv("SALESBRIDGE_FEISHU_TENANT_KEYS", raising=False)
    db = Database(empty_database_url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", db.url.replace("%", "%%"))

    def migrate(step: str, target: str) -> None:
        with db.engine.begin() as connection:
            config.attributes["connection"] = connection
            getattr(command, step)(config, target)

    migrate("upgrade", "d8f2b3c4e5a6")
    with db.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO role_grant (id, platform, user_id, role, granted_by, created_at) VALUES "
                "(7, 'slack', 'U1', 'pm', 'UADMIN', CURRENT_TIMESTAMP), "
                "(9, 'feishu', 'ou_1', 'admin', 'ou_admin', CURRENT_TIMESTAMP)"
            )
        )
    migrate("upgrade", "head")
    with db.engine.begin() as connection:
        rows = connection.execute(text("SELECT id, platform, workspace FROM role_grant ORDER BY id")).all()
        assert [tuple(r) for r in rows] == [(7, "slack", "T111"), (9, "feishu", "")]
        connection.execute(
            text(
                "INSERT INTO role_grant (platform, workspace, user_id, role, granted_by, created_at) VALUES "
                "('slack', 'T222', 'U1', 'sales', 'UADMIN', CURRENT_TIMESTAMP)"
            )
        )
        new_id = connection.execute(text("SELECT MAX(id) FROM role_grant")).scalar_one()
        assert new_id > 9
    migrate("downgrade", "d8f2b3c4e5a6")
    with db.engine.begin() as connection:
        assert connection.execute(text("SELECT COUNT(*) FROM role_grant")).scalar_one() == 2
    migrate("upgrade", "head")
    db.dispose()
