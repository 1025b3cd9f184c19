"""Structured logs: every line of an event carries its id and platform; secrets never appear."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.logging_setup import build_handler, current_context, log_context
from bot.messages import IncomingMessage
from services.context import Services
from tests.fakes.harness import Harness, make_settings

SECRETS = {
    "SLACK_BOT_TOKEN": "xoxb-1111-2222-supersecrettoken",
    "SLACK_SIGNING_SECRET": "8f742231b10e8888abcd99yyyzzz85a5",
    "FEISHU_APP_ID": "cli_a1b2c3",
    "FEISHU_APP_SECRET": "feishu-app-secret-value-42",
    "FEISHU_VERIFICATION_TOKEN": "verif-token-value-77",
    "FEISHU_ENCRYPT_KEY": "encrypt-key-value-99",
    "OPENAI_API_KEY": "sk-test-openai-key-1234567890",
}


@pytest.fixture
def captured(tmp_path: Path) -> Iterator[tuple[io.StringIO, io.StringIO]]:
    settings = make_settings("postgresql+psycopg://sb:db-password-xyz@127.0.0.1/sb", **SECRETS)
    text_stream, json_stream = io.StringIO(), io.StringIO()
    handlers = [
        build_handler(settings, stream=text_stream, json_lines=False),
        build_handler(settings, stream=json_stream, json_lines=True),
    ]
    logger = logging.getLogger("salesbridge.test")
    logger.setLevel(logging.DEBUG)
    for handler in handlers:
        logger.addHandler(handler)
    yield text_stream, json_stream
    for handler in handlers:
        logger.removeHandler(handler)


def test_context_tags_records(captured: tuple[io.StringIO, io.StringIO]) -> None:
    text_stream, json_stream = captured
    logger = logging.getLogger("salesbridge.test")
    logger.info("outside")
    with log_context(event_id="Ev42", platform="slack"):
        assert current_context() == {"event_id": "Ev42", "platform": "slack"}
        logger.info("inside %s", "handler")
    lines = text_stream.getvalue().splitlines()
    assert "[platform=- event=-] outside" in lines[0]
    assert "[platform=slack event=Ev42] inside handler" in lines[1]
    records = [json.loads(line) for line in json_stream.getvalue().splitlines()]
    assert "event_id" not in records[0]
    assert records[1]["event_id"] == "Ev42" and records[1]["platform"] == "slack"
    assert records[1]["message"] == "inside handler"


def test_secrets_are_masked_in_messages_and_tracebacks(captured: tuple[io.StringIO, io.StringIO]) -> None:
    logger = logging.getLogger("salesbridge.test")
    for name, value in SECRETS.items():
        if name == "FEISHU_APP_ID":
            continue  # an id, not a secret
        logger.warning("calling with %s", value)
        try:
            raise RuntimeError(f"auth failed for {value}")
        except RuntimeError:
            logger.exception("boom")
    logger.error("db url postgresql://sb:db-password-xyz@host/sb")
    for stream in captured:
        output = stream.getvalue()
        assert "***" in output
        for name, value in SECRETS.items():
            if name != "FEISHU_APP_ID":
                assert value not in output, name
        assert "db-password-xyz" not in output


def test_dispatcher_binds_event_context(bot: Harness, caplog: pytest.LogCaptureFixture) -> None:
    seen: list[dict[str, str]] = []

    def spy(msg: IncomingMessage, services: Services) -> None:
        seen.append(current_context())
        logging.getLogger("handlers.spy").info("handled")

    bot.app.router.fallback(spy)
    bot.process(bot.message("no command here at all", event_id="EvCtx", platform="feishu"))
    assert seen == [{"event_id": "EvCtx", "platform": "feishu"}]
    assert current_context() == {}
