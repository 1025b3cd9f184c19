"""Engine, sessions and migrations. SQLite by default, PostgreSQL via DATABASE_URL."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlmodel import Session, SQLModel, create_engine

import bot.models  # noqa: F401  (registers every table on SQLModel.metadata)
from bot.markup import storable

logger = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def normalize_url(url: str) -> str:
    """Accept the URLs people paste (`postgres://`, `postgresql://`) and use the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def describe_url(url: str) -> str:
    """The database as a person should see it: the URL without its password, and a SQLite file's absolute
    location (`sqlite:///var/demo.db (/home/ann/salesbridge/var/demo.db)`)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(normalize_url(url))
    except ArgumentError:
        return "an unreadable DATABASE_URL"
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:" and not parsed.database.startswith("file:"):
            return f"{url} ({Path(parsed.database).resolve()})"
        return url
    return parsed.render_as_string(hide_password=True)


def transient_database_error(exc: BaseException) -> bool:
    """An error of the database, not of the work: a lost or refused connection, a read-only or locked
    file, a restart. The work is retried later (from the inbox) instead of being answered with an apology."""
    return isinstance(exc, OperationalError | InterfaceError) or bool(
        isinstance(exc, DBAPIError) and exc.connection_invalidated
    )


def _storable_value(value: Any) -> Any:
    if isinstance(value, str):
        return storable(value)
    if isinstance(value, dict):
        return {key: _storable_value(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_storable_value(item) for item in value)
    return value


def storable_values(values: dict[str, Any]) -> dict[str, Any]:
    """Statement parameters without what the database cannot store (for statements sent around the engine)."""
    return {key: _storable_value(value) for key, value in values.items()}


def _storable_parameters(
    _conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _executemany: bool
) -> tuple[str, Any]:
    """Every string bound to a statement, without what the database cannot store (`bot.markup.storable`):
    NUL makes PostgreSQL refuse the whole statement and lone surrogates cannot be encoded at all. Chat text
    is cleaned when it arrives (`IncomingMessage`); this covers every other way text gets stored (jobs, the
    CLI, imports) on both databases."""
    return statement, _storable_value(parameters)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


class Database:
    def __init__(
        self, url: str, *, echo: bool = False, pool_size: int = 10, synchronous_commit: bool = True
    ) -> None:
        """`pool_size`: PostgreSQL connections kept open (the composition root passes
        SALESBRIDGE_DB_POOL_SIZE). No ping before each use: that is a round trip on every acknowledgement;
        a dead connection fails once and `recycle` replaces the pool. `synchronous_commit=False`
        (PostgreSQL, `salesbridge worker`): commits return before the WAL reaches the disk — a server crash
        may lose the last fraction of a second of them, never half of one."""
        self.url = normalize_url(url)
        kwargs: dict[str, Any] = {"echo": echo}
        if self.is_sqlite:
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        else:
            kwargs.update(pool_size=pool_size, max_overflow=10)
            if not synchronous_commit:
                kwargs["connect_args"] = {"options": "-c synchronous_commit=off"}
        self.engine: Engine = create_engine(self.url, **kwargs)
        if self.is_sqlite:
            event.listen(self.engine, "connect", _sqlite_pragmas)
        event.listen(self.engine, "before_cursor_execute", _storable_parameters, retval=True)

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite")

    @property
    def is_postgres(self) -> bool:
        return self.url.startswith("postgresql")

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session that commits on success and rolls back on error."""
        with Session(self.engine, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except BaseException as exc:
                session.rollback()
                if transient_database_error(exc):
                    self.recycle()
                raise

    @contextmanager
    def autocommit(self) -> Iterator[Connection]:
        """A connection whose every statement commits on its own: one round trip for a single INSERT, where
        a session costs three (BEGIN, the statement, COMMIT). For the acknowledgement path."""
        try:
            with self.engine.connect() as connection:
                yield connection.execution_options(isolation_level="AUTOCOMMIT")
        except BaseException as exc:
            if transient_database_error(exc):
                self.recycle()
            raise

    def recycle(self) -> None:
        """Replace every pooled connection after a database error: a SQLite connection that once found the
        file read-only stays read-only, and a PostgreSQL restart leaves dead sockets behind. Connections in
        use are closed when they come back."""
        logger.warning("database error: replacing the connection pool")
        self.engine.dispose()

    def upgrade(self) -> None:
        """Apply every Alembic migration (idempotent)."""
        from alembic import command
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS_DIR))
        config.set_main_option("sqlalchemy.url", self.url.replace("%", "%%"))
        with self.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    def create_all(self) -> None:
        """Create tables straight from the models (tests); production uses `upgrade`."""
        SQLModel.metadata.create_all(self.engine)

    def ping(self) -> bool:
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            return True
        except Exception:
            logger.exception("database ping failed")
            return False

    def dispose(self) -> None:
        self.engine.dispose()
