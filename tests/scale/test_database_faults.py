"""Database faults: an outage never costs an acknowledged event, and the process recovers without a restart.

- the intake write fails → the webhook answers 5xx (503 on both) so the platform retries;
- the database goes away while an event is being worked on → no apology is sent; the event is retried
  from the inbox when the database is back;
- SQLite connections that once found the database read-only stay read-only (the issue's table): after the
  error the pool is replaced, and the next event is written and answered.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.exc import OperationalError
from starlette.testclient import TestClient

from bot.inbox import IntakeError
from bot.messages import IncomingMessage, Reply
from salesbridge.server import create_asgi_app
from services.context import Services
from tests.database_templates import migrated_sqlite
from tests.fakes.harness import Harness
from tests.scale.wire import (
    WireBot,
    feishu_event,
    signed_feishu_request,
    signed_slack_request,
    slack_event,
    wire_bot,
)


class Outage:
    """Every statement fails while `down` is set, as when PostgreSQL is stopped or the disk is read-only."""

    def __init__(self) -> None:
        self.down = False
        self.refused = 0

    def __call__(self, *_args: Any) -> None:
        if self.down:
            self.refused += 1
            raise OperationalError("statement", {}, Exception("server closed the connection unexpectedly"))


@pytest.fixture
def wire(tmp_path: Path) -> Iterator[tuple[WireBot, TestClient]]:
    with wire_bot(migrated_sqlite(tmp_path / "faults.db")) as bot:
        yield bot, TestClient(create_asgi_app(bot.app), raise_server_exceptions=True)


def test_an_intake_write_that_fails_is_not_acknowledged(
    wire: tuple[WireBot, TestClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    bot, client = wire

    def refuse(_msg: Any, **_options: Any) -> Any:
        raise IntakeError("inbox write failed: OperationalError")

    monkeypatch.setattr(bot.app.dispatcher.inbox, "accept", refuse)
    body, headers = signed_slack_request(slack_event("help"))
    assert client.post("/slack/events", content=body, headers=headers).status_code == 503  # Slack retries
    body, headers = signed_feishu_request(feishu_event("help"))
    assert client.post("/feishu/events", content=body, headers=headers).status_code == 503  # Feishu too


def test_an_outage_during_the_work_is_retried_from_the_inbox_not_apologised_for(bot: Harness) -> None:
    outage = Outage()
    event.listen(bot.services.db.engine, "before_cursor_execute", outage)
    runs: list[str] = []

    def whoami(msg: IncomingMessage, services: Services) -> Reply:
        runs.append(msg.event_id or "")
        outage.down = len(runs) == 1  # the database goes away in the middle of the first run
        role = services.roles.role_of(platform=msg.platform, user=msg.user, workspace=msg.role_workspace)
        return Reply(text=f"you are {role}", where="thread")

    bot.app.router.command("whoami", whoami, summary_en="x", summary_zh="x", usage="whoami")
    dispatcher = bot.app.dispatcher
    entry = dispatcher.inbox.accept(bot.message("whoami", event_id="EvOut")).entry
    assert entry is not None
    assert dispatcher.work(entry) == []
    assert outage.refused > 0 and bot.slack.posted == []  # nothing said, in particular no "Sorry"
    outage.down = False
    bot.clock.advance(timedelta(seconds=16))  # the entry's lease: its failure could not even be recorded
    assert dispatcher.inbox.due() == [entry]
    dispatcher.work(entry)
    assert bot.slack.texts() == ["you are sales"] and runs == ["EvOut", "EvOut"]


def test_read_only_sqlite_connections_are_replaced_after_the_error(bot: Harness) -> None:
    with bot.services.db.engine.connect() as connection:  # the pooled connection refuses writes from now on
        connection.exec_driver_sql("PRAGMA query_only = ON")
    with pytest.raises(IntakeError):
        bot.app.dispatcher.submit(bot.message("help", event_id="EvRO1"))
    assert bot.process(bot.message("help", event_id="EvRO2"))  # a fresh connection: written and answered
    assert len(bot.slack.posted) == 1
