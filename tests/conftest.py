"""Shared fixtures. Database tests run on SQLite always, and on PostgreSQL when
SALESBRIDGE_TEST_POSTGRES_URL is set (CI starts a real server, see .ci/postgres.sh)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.fakes.harness import Harness

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
POSTGRES_URL = os.environ.get("SALESBRIDGE_TEST_POSTGRES_URL", "")

for _proxy in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"):
    os.environ.pop(_proxy, None)  # slack_sdk ignores NO_PROXY: loopback fakes must not go through a proxy


@pytest.fixture
def shared_dir() -> Path:
    if not (SHARED / "kb-eval").is_dir():
        pytest.skip("../shared is not present")
    return SHARED


def _fresh_postgres_database() -> tuple[str, str]:
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    name = f"sb_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    base, _, _ = POSTGRES_URL.rpartition("/")
    return f"{base}/{name}", name


def _drop_postgres_database(name: str) -> None:
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database: SQLite, and PostgreSQL when configured (else that param is skipped)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    if not POSTGRES_URL:
        pytest.skip("SALESBRIDGE_TEST_POSTGRES_URL not set")
    url, name = _fresh_postgres_database()
    try:
        yield url
    finally:
        _drop_postgres_database(name)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'test.db'}"


@pytest.fixture
def bot(sqlite_url: str) -> Iterator[Harness]:
    """The whole bot in-process on SQLite with fake platforms and a frozen clock."""
    harness = Harness.create(sqlite_url)
    yield harness
    harness.close()


@pytest.fixture
def any_db_bot(database_url: str) -> Iterator[Harness]:
    """Like `bot`, once on SQLite and once on PostgreSQL."""
    harness = Harness.create(database_url)
    yield harness
    harness.close()
