"""Developer helper: `python -m bot.migrations_tool "message"` autogenerates a migration revision."""

from __future__ import annotations

import sys

from alembic import command
from alembic.config import Config

from bot.config import Settings
from bot.database import MIGRATIONS_DIR, normalize_url


def main() -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", normalize_url(Settings().database_url))
    command.revision(config, message=" ".join(sys.argv[1:]) or "change", autogenerate=True)


if __name__ == "__main__":
    main()
