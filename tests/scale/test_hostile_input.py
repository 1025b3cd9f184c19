"""Hostile input at `/slack/events` and `/feishu/events`: malformed, truncated, oversized and type-confused
payloads, validly signed and not. The server never answers 5xx for a client's mistake, no worker dies, and
nothing unauthenticated is stored."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func
from sqlmodel import select
from starlette.testclient import TestClient

from bot.models import InboxEvent, OutboxMessage
from salesbridge.server import MAX_BODY_BYTES, create_asgi_app
from tests.database_templates import migrated_sqlite
from tests.fakes.feishu_api import webhook_request
from tests.scale.wire import (
    FEISHU_ENCRYPT_KEY,
    WireBot,
    feishu_event,
    signed_feishu_request,
    signed_slack_request,
    slack_event,
    slack_headers,
    wire_bot,
)

PAYLOADS = Path(__file__).resolve().parents[1] / "payloads"
FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)


@cache
def real_payloads(platform: str) -> list[dict[str, Any]]:
    """Captured payloads plus one built here; fixed once so hypothesis replays examples exactly."""
    found = [json.loads(p.read_text()) for p in sorted((PAYLOADS / platform).glob("*.json"))]
    base = slack_event("help") if platform == "slack" else feishu_event("help")
    return [base, *[p for p in found if isinstance(p, dict)]]


json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False),
    st.text(max_size=40),
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


@st.composite
def type_confused(draw: st.DrawFn, payloads: list[dict[str, Any]]) -> Any:
    """A real payload with some values swapped for other JSON types, some keys dropped."""

    def mutate(node: Any, depth: int) -> Any:
        choice = draw(st.integers(min_value=0, max_value=9))
        if choice == 0 or depth > 6:
            return draw(json_values)
        if isinstance(node, dict):
            out = {}
            for key, value in node.items():
                if draw(st.integers(min_value=0, max_value=11)) == 0:
                    continue
                out[key] = mutate(value, depth + 1)
            return out
        if isinstance(node, list):
            return [mutate(value, depth + 1) for value in node]
        return node

    return mutate(draw(st.sampled_from(payloads)), 0)


@st.composite
def bodies(draw: st.DrawFn, platform: str) -> bytes:
    payloads = real_payloads(platform)
    kind = draw(st.sampled_from(["bytes", "truncated", "confused", "json", "form", "nested"]))
    if kind == "bytes":
        return draw(st.binary(max_size=600))
    if kind == "truncated":
        text = json.dumps(draw(st.sampled_from(payloads))).encode()
        return text[: draw(st.integers(min_value=0, max_value=max(0, len(text) - 1)))]
    if kind == "confused":
        return json.dumps(draw(type_confused(payloads))).encode()
    if kind == "form":
        value = json.dumps(draw(type_confused(payloads)))
        key = draw(st.sampled_from(["payload", "command", "text", "ssl_check", "x"]))
        return urlencode({key: value, "command": draw(st.text(max_size=12))}).encode()
    if kind == "nested":
        depth = draw(st.integers(min_value=50, max_value=3000))
        return ("[" * depth + "]" * depth).encode()
    return json.dumps(draw(json_values)).encode()


def rows(wire: WireBot) -> tuple[int, int]:
    with wire.app.services.db.session() as session:
        events = session.exec(select(func.count()).select_from(InboxEvent)).one()
        outbox = session.exec(select(func.count()).select_from(OutboxMessage)).one()
    return int(events), int(outbox)


@pytest.fixture
def wire(tmp_path: Path) -> Iterator[tuple[WireBot, TestClient]]:
    with wire_bot(migrated_sqlite(tmp_path / "fuzz.db")) as bot:
        yield bot, TestClient(create_asgi_app(bot.app), raise_server_exceptions=True)


def assert_still_serving(bot: WireBot, client: TestClient) -> None:
    """A worker that died would not answer this: a real event still gets its reply."""
    before = len(bot.slack.calls("chat.postEphemeral"))
    body, headers = signed_slack_request(slack_event("help", channel="CALIVE"))
    assert client.post("/slack/events", content=body, headers=headers).status_code == 200
    bot.slack.recorder.wait_for("/api/chat.postEphemeral", before + 1, timeout=10)


@given(data=st.data())
@FUZZ
def test_unsigned_garbage_is_refused_and_stores_nothing(
    wire: tuple[WireBot, TestClient], data: st.DataObject
) -> None:
    bot, client = wire
    platform = data.draw(st.sampled_from(["slack", "feishu"]))
    body = data.draw(bodies(platform))
    content_type = data.draw(
        st.sampled_from(["application/json", "application/x-www-form-urlencoded", "text/plain"])
    )
    headers = {"Content-Type": content_type}
    if platform == "slack":
        forged = slack_headers(body, secret="not-the-signing-secret")
        headers.update(data.draw(st.sampled_from([{}, forged, {"X-Slack-Signature": "v0=00"}])))
    else:
        headers.update(
            data.draw(
                st.sampled_from(
                    [
                        {},
                        {
                            "X-Lark-Request-Timestamp": "12",
                            "X-Lark-Signature": "bad",
                            "X-Lark-Request-Nonce": "n",
                        },
                    ]
                )
            )
        )
    response = client.post(f"/{platform}/events", content=body, headers=headers)
    assert response.status_code < 500, (platform, body[:200], response.text)
    assert rows(bot) == (0, 0)


@given(data=st.data())
@FUZZ
def test_signed_malformed_payloads_never_5xx(wire: tuple[WireBot, TestClient], data: st.DataObject) -> None:
    _bot, client = wire
    platform = data.draw(st.sampled_from(["slack", "feishu"]))
    body = data.draw(bodies(platform))
    if platform == "slack":
        content_type = data.draw(st.sampled_from(["application/json", "application/x-www-form-urlencoded"]))
        headers = {"Content-Type": content_type, **slack_headers(body)}
    else:
        # validly encrypted and signed by Feishu's rules, whatever the plaintext is
        plain = body.decode("utf-8", errors="replace")
        try:
            payload = json.loads(plain)
        except (ValueError, RecursionError):
            payload = plain
        encrypted, headers = webhook_request({"x": 0}, encrypt_key=FEISHU_ENCRYPT_KEY)
        if isinstance(payload, dict) and data.draw(st.booleans()):
            encrypted, headers = webhook_request(payload, encrypt_key=FEISHU_ENCRYPT_KEY)
        else:
            from tests.fakes.feishu_api import encrypt, sign

            encrypted = json.dumps({"encrypt": encrypt(plain, FEISHU_ENCRYPT_KEY)}).encode()
            ts, nonce = headers["X-Lark-Request-Timestamp"], "nonce-f"
            headers.update(
                {
                    "X-Lark-Request-Nonce": nonce,
                    "X-Lark-Signature": sign(ts, nonce, FEISHU_ENCRYPT_KEY, encrypted),
                }
            )
        body = encrypted
    response = client.post(f"/{platform}/events", content=body, headers=headers)
    assert response.status_code < 500, (platform, body[:300], response.text)


@pytest.mark.parametrize("platform", ["slack", "feishu"])
def test_deeply_nested_json_is_a_client_error(wire: tuple[WireBot, TestClient], platform: str) -> None:
    bot, client = wire
    body = b"[" * 5000 + b"]" * 5000
    headers = {"Content-Type": "application/json", **(slack_headers(body) if platform == "slack" else {})}
    assert client.post(f"/{platform}/events", content=body, headers=headers).status_code in (400, 401)
    assert rows(bot) == (0, 0)


def test_signed_event_callbacks_of_a_confused_type_never_5xx(wire: tuple[WireBot, TestClient]) -> None:
    # found by the fuzz run above: an unhashable event type crashed the ack's fast-path check
    _bot, client = wire
    confused: tuple[Any, ...] = ([], {"a": 1}, None, 7)
    for event_type in confused:
        body = json.dumps(
            {"type": "event_callback", "event_id": "Ev1", "event": {"type": event_type}}
        ).encode()
        headers = {"Content-Type": "application/json", **slack_headers(body)}
        assert client.post("/slack/events", content=body, headers=headers).status_code < 500, event_type


def test_workers_survive_a_fuzz_run(
    wire: tuple[WireBot, TestClient], caplog: pytest.LogCaptureFixture
) -> None:
    bot, client = wire
    confused = [json.dumps(p).replace('"', "'", 3).encode() for p in real_payloads("slack")]
    for body in [*confused, b"{}", b"[]", b"null", b'{"type": "event_callback", "event": []}']:
        client.post(
            "/slack/events", content=body, headers={"Content-Type": "application/json", **slack_headers(body)}
        )
        client.post("/feishu/events", content=body, headers={"Content-Type": "application/json"})
    bot.app.dispatcher.wait_idle(10)
    assert_still_serving(bot, client)
    body, headers = signed_feishu_request(feishu_event("help", chat="oc_alive"))
    assert client.post("/feishu/events", content=body, headers=headers).status_code == 200


@pytest.mark.parametrize("platform", ["slack", "feishu"])
def test_oversized_bodies_get_413_without_parsing(wire: tuple[WireBot, TestClient], platform: str) -> None:
    bot, client = wire
    payload = (
        slack_event("x" * (MAX_BODY_BYTES + 10))
        if platform == "slack"
        else feishu_event("x" * MAX_BODY_BYTES)
    )
    body, headers = signed_slack_request(payload) if platform == "slack" else signed_feishu_request(payload)
    response = client.post(f"/{platform}/events", content=body, headers=headers)
    assert response.status_code == 413
    assert rows(bot) == (0, 0)


def test_stale_and_replayed_slack_requests_are_refused(wire: tuple[WireBot, TestClient]) -> None:
    bot, client = wire
    body = json.dumps(slack_event("help")).encode()
    old = {"Content-Type": "application/json", **slack_headers(body, timestamp=1_600_000_000)}
    assert client.post("/slack/events", content=body, headers=old).status_code == 401
    logging.getLogger(__name__).info("stale request refused")
    assert rows(bot) == (0, 0)
