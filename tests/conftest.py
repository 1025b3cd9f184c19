"""Shared fixtures. Database tests run on SQLite always, and on PostgreSQL when
SALESBRIDGE_TEST_POSTGRES_URL is set (CI starts a real server, see .ci/postgres.sh)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.database_templates import PostgresServer, PostgresTemplate, SqliteTemplate
from tests.database_templates import sqlite_template as shared_sqlite_template
from tests.fakes.harness import Harness
from tests.sample_kb import build_sample_database, copy_database

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
POSTGRES_URL = os.environ.get("SALESBRIDGE_TEST_POSTGRES_URL", "")

for _proxy in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"):
    os.environ.pop(_proxy, None)  # slack_sdk ignores NO_PROXY: loopback fakes must not go through a proxy


@pytest.fixture
def shared_dir() -> Path:
    if not (SHARED / "kb-eval").is_dir():
        pytest.skip("../shared is not present")
    return SHARED


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    if not POSTGRES_URL:
        pytest.skip("SALESBRIDGE_TEST_POSTGRES_URL not set")
    server = PostgresServer(POSTGRES_URL)
    yield server
    server.dispose()


@pytest.fixture(scope="session")
def sqlite_template() -> SqliteTemplate:
    """The migrations, run once per session into a SQLite file that tests copy."""
    return shared_sqlite_template()


@pytest.fixture(scope="session")
def postgres_template(postgres_server: PostgresServer) -> Iterator[PostgresTemplate]:
    """The migrations, run once per session into a PostgreSQL database that tests copy."""
    template = PostgresTemplate(postgres_server)
    yield template
    template.drop()


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh database with every migration applied (a copy of the session's migrated template): SQLite, and
    PostgreSQL when configured (else that param is skipped)."""
    if request.param == "sqlite":
        template: SqliteTemplate = request.getfixturevalue("sqlite_template")
        yield template.copy_to(tmp_path / "test.db")
        return
    postgres: PostgresTemplate = request.getfixturevalue("postgres_template")
    url, name = postgres.copy()
    try:
        yield url
    finally:
        postgres.server.drop(name)


@pytest.fixture(params=["sqlite", "postgres"])
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database, for the tests of the migrations themselves (and of `salesbridge db upgrade`)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    name = server.create()
    try:
        yield server.url_of(name)
    finally:
        server.drop(name)


@pytest.fixture
def sqlite_url(sqlite_template: SqliteTemplate, tmp_path: Path) -> str:
    """A fresh, migrated SQLite database (a copy of the template) at `tmp_path / "test.db"`."""
    return sqlite_template.copy_to(tmp_path / "test.db")


@pytest.fixture
def bot(sqlite_url: str) -> Iterator[Harness]:
    """The whole bot in-process on SQLite with fake platforms and a frozen clock."""
    harness = Harness.create(sqlite_url, migrate=False)
    yield harness
    harness.close()


@pytest.fixture
def any_db_bot(database_url: str) -> Iterator[Harness]:
    """Like `bot`, once on SQLite and once on PostgreSQL."""
    harness = Harness.create(database_url, migrate=False)
    yield harness
    harness.close()


@pytest.fixture(scope="session")
def sample_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample knowledge base (lexical), ingested once per session; tests copy it (`kb_bot`)."""
    return build_sample_database(tmp_path_factory.mktemp("kb"))


@pytest.fixture
def kb_bot(sample_database: Path, tmp_path: Path) -> Iterator[Harness]:
    """A bot over its own copy of the sample knowledge base."""
    harness = Harness.create(copy_database(sample_database, tmp_path), migrate=False)
    yield harness
    harness.close()
