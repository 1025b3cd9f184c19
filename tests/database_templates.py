"""Migrated template databases: the Alembic migrations run once per test session, every test gets a copy.

SQLite: the template is a file, checkpointed so that it is complete on its own; a copy is a file copy (with
its `-wal`/`-shm` side files, should any exist). PostgreSQL: the template is a database, and a copy is
`CREATE DATABASE … TEMPLATE …`, which PostgreSQL does at file level. Tests of the migrations themselves use
an empty database (`empty_database_url` in tests/conftest.py) and still run them.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import ProgrammingError

from bot.database import Database

SQLITE_SIDE_FILES = ("-wal", "-shm")


def _migrate(url: str) -> None:
    db = Database(url)
    try:
        db.upgrade()
        if db.is_sqlite:
            with db.engine.connect() as connection:  # everything into the main file, the WAL emptied
                connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        db.dispose()


class SqliteTemplate:
    """A migrated SQLite file; `copy_to` gives each test its own."""

    def __init__(self, path: Path) -> None:
        self.path = path
        _migrate(f"sqlite:///{path}")

    def copy_to(self, path: Path) -> str:
        shutil.copyfile(self.path, path)
        for suffix in SQLITE_SIDE_FILES:
            source, target = Path(f"{self.path}{suffix}"), Path(f"{path}{suffix}")
            if source.exists():
                shutil.copyfile(source, target)
            else:
                target.unlink(missing_ok=True)  # a stale side file would be applied to the fresh copy
        return f"sqlite:///{path}"


_shared_sqlite: SqliteTemplate | None = None


def sqlite_template() -> SqliteTemplate:
    """This process's migrated SQLite template, made on first use (the `sqlite_template` fixture and helpers
    that are not fixtures, such as `tests/knowledge/kb_helpers.make_kb`, share it)."""
    global _shared_sqlite
    if _shared_sqlite is None:
        folder = Path(tempfile.mkdtemp(prefix="salesbridge-template-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        _shared_sqlite = SqliteTemplate(folder / "migrated.db")
    return _shared_sqlite


def migrated_sqlite(path: Path) -> str:
    """A migrated SQLite database at `path` (a copy of the template); returns its URL."""
    return sqlite_template().copy_to(path)


class PostgresServer:
    """Creates and drops databases next to the one in `url` (its role needs CREATEDB)."""

    def __init__(self, url: str) -> None:
        self.base = url.rpartition("/")[0]
        self.admin: Engine = create_engine(url, isolation_level="AUTOCOMMIT")

    def url_of(self, name: str) -> str:
        return f"{self.base}/{name}"

    def create(self, *, template: str | None = None, prefix: str = "sb") -> str:
        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        clause = f' TEMPLATE "{template}"' if template else ""
        with self.admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"{clause}'))
        return name

    def drop(self, name: str, *, attempts: int = 20) -> None:
        """Drop a test database. An autovacuum worker busy in it belongs to no role, so a non-superuser's
        `WITH (FORCE)` cannot terminate it ("must be a member of the role whose process is being
        terminated") — it finishes within moments: try again."""
        for attempt in range(attempts):
            try:
                with self.admin.connect() as connection:
                    connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                return
            except ProgrammingError:
                if attempt == attempts - 1:
                    raise
                time.sleep(0.25)

    def dispose(self) -> None:
        self.admin.dispose()


class PostgresTemplate:
    """A migrated PostgreSQL database; `copy` creates a new database from it and returns (url, name)."""

    def __init__(self, server: PostgresServer) -> None:
        self.server = server
        self.name = server.create(prefix="sb_template")
        _migrate(server.url_of(self.name))  # disposed: CREATE DATABASE … TEMPLATE needs it unused

    def copy(self) -> tuple[str, str]:
        name = self.server.create(template=self.name)
        return self.server.url_of(name), name

    def drop(self) -> None:
        self.server.drop(self.name)
