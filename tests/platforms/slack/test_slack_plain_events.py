"""Which bodies the ack fast path takes (`bot.platforms.slack.events.plain_event`); the rest go to bolt."""

from __future__ import annotations

import json

import pytest

from bot.platforms.slack.events import plain_event


def test_an_app_mention_or_message_callback_takes_the_fast_path() -> None:
    for kind in ("app_mention", "message"):
        envelope = {"type": "event_callback", "event_id": "Ev1", "event": {"type": kind, "text": "hi"}}
        assert plain_event(json.dumps(envelope).encode()) == envelope


@pytest.mark.parametrize(
    "body",
    [
        b'{"type": "event_callback", "event": {"type": []}}',  # an unhashable type crashed the ack (500)
        b'{"type": "event_callback", "event": {"type": {"a": 1}}}',
        b'{"type": "event_callback", "event": {"type": "reaction_added"}}',
        b'{"type": "event_callback", "event": []}',
        b'{"type": ["event_callback"]}',
        b'{"type": "url_verification", "challenge": "x"}',
        b"[1, 2]",
        b"token=x&command=%2Fask",
        b'{"type": "event_callback", "event": ',
    ],
)
def test_anything_else_goes_to_bolt(body: bytes) -> None:
    assert plain_event(body) is None
