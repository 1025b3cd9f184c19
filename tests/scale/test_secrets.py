"""Secrets (tokens, signing secret, encrypt key, API keys) never appear in logs or in anything we answer.

A wire-level run — uvicorn on loopback, the fake Slack and Feishu APIs — with valid, forged and malformed
requests, a rate-limited and failing platform, and DEBUG logging of every library; all of it is captured
twice: raw (no redaction, proves we never log them) and through the production handler.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bot.logging_setup import build_handler
from salesbridge.server import create_asgi_app
from tests.database_templates import migrated_sqlite
from tests.fakes.servers import serve_asgi
from tests.scale.wire import (
    SECRET_VALUES,
    feishu_event,
    signed_feishu_request,
    signed_slack_request,
    slack_event,
    slack_headers,
    wire_bot,
)


@pytest.fixture
def captured_logs() -> Iterator[tuple[io.StringIO, io.StringIO]]:
    raw, production = io.StringIO(), io.StringIO()
    raw_handler = logging.StreamHandler(raw)
    raw_handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    saved_level = root.level
    root.setLevel(logging.DEBUG)
    root.addHandler(raw_handler)
    yield raw, production
    root.removeHandler(raw_handler)
    for handler in list(root.handlers):
        if getattr(handler, "stream", None) is production:
            root.removeHandler(handler)
    root.setLevel(saved_level)


def test_no_secret_in_logs_or_responses(
    tmp_path: Path, captured_logs: tuple[io.StringIO, io.StringIO]
) -> None:
    raw, production = captured_logs
    answers: list[str] = []
    with wire_bot(migrated_sqlite(tmp_path / "secrets.db")) as bot:
        logging.getLogger().addHandler(build_handler(bot.app.services.settings, stream=production))
        bot.slack.rate_limit("chat.postEphemeral", times=1, retry_after=1)
        bot.slack.fail("chat.postMessage", "internal_error", "invalid_auth")
        bot.feishu.fail("/open-apis/ephemeral/v1/send", status=500, code=1, msg="internal", times=1)
        with serve_asgi(create_asgi_app(bot.app)) as base, httpx.Client(base_url=base, timeout=10) as client:

            def post(path: str, body: bytes, headers: dict[str, str]) -> None:
                response = client.post(path, content=body, headers=headers)
                assert response.status_code < 500, (path, response.status_code, response.text)
                answers.append(response.text + json.dumps(dict(response.headers)))

            for text in ("help", "no-such-command --x", "request", "announce"):
                post("/slack/events", *signed_slack_request(slack_event(text)))
                post("/feishu/events", *signed_feishu_request(feishu_event(text)))
            body = json.dumps(slack_event("help")).encode()
            post(
                "/slack/events",
                body,
                {"Content-Type": "application/json", **slack_headers(body, secret="wrong")},
            )
            post(
                "/slack/events",
                b"{not json",
                {"Content-Type": "application/json", **slack_headers(b"{not json")},
            )
            post("/feishu/events", b'{"encrypt": "AAAA"}', {"Content-Type": "application/json"})
            post("/feishu/events", b"garbage", {"X-Lark-Signature": "x", "X-Lark-Request-Timestamp": "1"})
            answers.append(client.get("/healthz").text)
            answers.append(client.get("/metrics").text)
            bot.app.dispatcher.wait_idle(10)
            bot.slack.recorder.wait_for("/api/chat.postEphemeral", 2, timeout=10)
        bot.app.services.outbox.flush()
    replies = [
        r.body.decode("utf-8", "replace")
        for r in bot.slack.recorder.requests + bot.feishu.recorder.requests
        if "chat." in r.path or "/im/v1/messages" in r.path or "ephemeral" in r.path
    ]
    raw_text, production_text = raw.getvalue(), production.getvalue()
    assert "outbox" in raw_text and "platform=" in production_text  # the run really logged things
    for value in SECRET_VALUES:
        assert value not in raw_text, f"a secret ({value[:4]}…) was logged"
        assert value not in production_text
        assert all(value not in answer for answer in answers), "a secret reached an HTTP answer"
        assert all(value not in reply for reply in replies), "a secret reached a chat reply"
    # control: the capture works, and the production handler masks what slips through
    logging.getLogger("salesbridge.control").warning("leaked %s", SECRET_VALUES[1])
    assert SECRET_VALUES[1] in raw.getvalue()
    assert SECRET_VALUES[1] not in production.getvalue() and "leaked ***" in production.getvalue()
