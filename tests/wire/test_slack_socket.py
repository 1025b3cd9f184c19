"""Slack Socket Mode against local fakes: `apps.connections.open` on the fake Web API, then a `websockets`
server that greets the client and pushes an Events API envelope right after it connects."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from websockets.sync.server import ServerConnection, serve

from bot.platforms.slack import SlackInbound, create_port
from salesbridge.app import build_application
from tests.database_templates import migrated_sqlite
from tests.fakes.harness import make_settings
from tests.fakes.slack_api import APP_TOKEN, BOT_TOKEN, FakeSlackApi, serve_slack_api

PAYLOADS = Path(__file__).resolve().parents[1] / "payloads" / "slack"


@contextmanager
def socket_server(envelopes: list[dict[str, Any]]) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """Yields (ws URL, acks received from the client)."""
    acks: list[dict[str, Any]] = []
    done = threading.Event()

    def session(connection: ServerConnection) -> None:
        connection.send(
            json.dumps({"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A111"}})
        )
        for envelope in envelopes:
            connection.send(json.dumps(envelope))
        try:
            for message in connection:
                data = json.loads(message)
                if "envelope_id" in data:
                    acks.append(data)
                    if len(acks) >= len(envelopes):
                        done.set()
        except Exception:  # the client hung up
            pass

    with serve(session, "127.0.0.1", 0) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        port = server.socket.getsockname()[1]
        try:
            yield f"ws://127.0.0.1:{port}/link/?ticket=test", acks
        finally:
            server.shutdown()
            thread.join(timeout=5)


@pytest.fixture
def slack_api() -> Iterator[FakeSlackApi]:
    with serve_slack_api() as api:
        yield api


def test_socket_mode_event_is_acked_and_answered(slack_api: FakeSlackApi, tmp_path: Path) -> None:
    event = json.loads((PAYLOADS / "dm.json").read_text(encoding="utf-8"))
    envelope = {
        "envelope_id": "env-1",
        "type": "events_api",
        "accepts_response_payload": False,
        "retry_attempt": 0,
        "retry_reason": "",
        "payload": event,
    }
    settings = make_settings(
        migrated_sqlite(tmp_path / "bot.db"),
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_APP_TOKEN=APP_TOKEN,
        SLACK_API_URL=slack_api.url,
    )
    application = build_application(settings, ports={"slack": create_port(settings)}, migrate=False)
    inbound = SlackInbound(application.dispatcher)
    with socket_server([envelope]) as (ws_url, acks):
        slack_api.state.socket_url = ws_url
        try:
            inbound.start_socket_mode()
            (call,) = slack_api.wait("chat.postMessage")
            assert call["channel"] == "D111" and "help" in call["text"].lower()
            opened = slack_api.recorder.to("/api/apps.connections.open")
            assert opened[0].headers["Authorization"] == f"Bearer {APP_TOKEN}"
            assert application.dispatcher.wait_idle(timeout=5)
            assert acks and acks[0]["envelope_id"] == "env-1"
        finally:
            inbound.stop_socket_mode()
            application.stop()
            application.services.db.dispose()


def test_socket_mode_without_app_token_is_a_clear_error(slack_api: FakeSlackApi, tmp_path: Path) -> None:
    from bot.errors import ConfigurationError

    settings = make_settings(
        f"sqlite:///{tmp_path / 'bot.db'}", SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_API_URL=slack_api.url
    )
    application = build_application(settings, ports={"slack": create_port(settings)}, migrate=False)
    try:
        with pytest.raises(ConfigurationError, match="SLACK_APP_TOKEN"):
            SlackInbound(application.dispatcher).start_socket_mode()
    finally:
        application.stop()
        application.services.db.dispose()
