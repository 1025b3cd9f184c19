"""The outbox against the fake platform APIs: 429 with Retry-After, Feishu rate-limit codes and 5xx are
retried with backoff, a message is marked sent only when the platform accepted it, and nothing is lost."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import update

from bot.clock import FrozenClock
from bot.messages import Address, Reply
from bot.models import OutboxMessage
from bot.outbox import DeliveryStatus
from tests.database_templates import migrated_sqlite
from tests.scale.wire import WireBot, wire_bot


@pytest.fixture
def wire(database_url: str) -> Iterator[tuple[WireBot, FrozenClock]]:
    clock = FrozenClock(datetime(2026, 11, 23, 2, 0, tzinfo=UTC))
    with wire_bot(database_url, clock=clock, SALESBRIDGE_OUTBOX_RATE_LIMITS="off") as bot:
        yield bot, clock


def test_slack_429_retry_after_then_accepted(wire: tuple[WireBot, FrozenClock]) -> None:
    bot, clock = wire
    outbox = bot.app.services.outbox
    bot.slack.rate_limit("chat.postMessage", times=2, retry_after=7)
    delivery = outbox.deliver(Address(platform="slack", conversation="C42"), Reply(text="Release 5.2 is out"))
    assert delivery.status is DeliveryStatus.QUEUED
    assert outbox.depth() == 1
    clock.advance(seconds=5)
    assert outbox.flush() == 0  # Retry-After not over: not even tried
    assert len(bot.slack.calls("chat.postMessage")) == 1
    clock.advance(seconds=3)
    assert outbox.flush() == 0  # second 429
    clock.advance(seconds=8)
    assert outbox.flush() == 1
    calls = bot.slack.calls("chat.postMessage")
    assert len(calls) == 3 and calls[-1]["channel"] == "C42"
    assert outbox.depth() == 0


def test_slack_transient_error_retried_permanent_error_given_up(wire: tuple[WireBot, FrozenClock]) -> None:
    bot, clock = wire
    outbox = bot.app.services.outbox
    bot.slack.fail("chat.postMessage", "internal_error", "channel_not_found")
    outbox.deliver(Address(platform="slack", conversation="C1"), Reply(text="a"))
    clock.advance(seconds=2)
    outbox.flush()  # channel_not_found: permanent
    clock.advance(minutes=30)
    assert outbox.flush() == 0 and outbox.depth() == 0
    assert len(bot.slack.calls("chat.postMessage")) == 2


def test_feishu_rate_limit_code_and_500_then_accepted(wire: tuple[WireBot, FrozenClock]) -> None:
    bot, clock = wire
    outbox = bot.app.services.outbox
    path = "/open-apis/im/v1/messages"
    bot.feishu.fail(path, status=429, code=99991400, times=4, headers={"x-ogw-ratelimit-reset": "3"})
    bot.feishu.fail(path, status=500, code=1, msg="internal error", times=4)
    address = Address(platform="feishu", conversation="oc_sales")
    sent = outbox.deliver(address, Reply(text="停售通知 / End of sale")).sent
    for _ in range(12):
        if sent is not None or outbox.depth() == 0:
            break
        clock.advance(seconds=70)
        outbox.flush()
    assert outbox.depth() == 0
    accepted = [r for r in bot.feishu.sent(path) if r.method == "POST"]
    assert len(accepted) == 9  # 8 refusals, then the one accepted post
    assert "oc_sales" in accepted[-1].path or accepted[-1].json().get("receive_id") == "oc_sales"


def test_restart_sends_what_was_left(tmp_path: Path) -> None:
    url = migrated_sqlite(tmp_path / "restart.db")
    clock = FrozenClock(datetime(2026, 11, 23, 2, 0, tzinfo=UTC))
    with wire_bot(url, clock=clock, SALESBRIDGE_OUTBOX_RATE_LIMITS="off") as first:
        first.slack.rate_limit("chat.postMessage", times=1, retry_after=30)
        first.app.services.send(Address(platform="slack", conversation="C7"), Reply(text="reminder"))
        assert first.app.services.outbox.depth() == 1
    clock.advance(seconds=31)
    with wire_bot(url, clock=clock, SALESBRIDGE_OUTBOX_RATE_LIMITS="off") as second:
        assert second.app.services.outbox.flush() == 1
        assert [c["channel"] for c in second.slack.calls("chat.postMessage")] == ["C7"]


def _interrupt(bot: WireBot, clock: FrozenClock) -> None:
    """As if the process died in the middle of its sends: every row still `sending`, its lease run out."""
    with bot.app.services.db.session() as session:
        session.execute(update(OutboxMessage).values(status="sending", next_attempt_at=clock.now()))
    clock.advance(seconds=1)


def test_an_interrupted_slack_send_is_looked_up_not_posted_twice(wire: tuple[WireBot, FrozenClock]) -> None:
    bot, clock = wire
    outbox = bot.app.services.outbox
    thread = Address(platform="slack", conversation="C42", thread="1700000000.000100")
    channel = Address(platform="slack", conversation="C43")
    assert outbox.deliver(thread, Reply(text="in the thread")).status is DeliveryStatus.SENT
    assert outbox.deliver(channel, Reply(text="in the channel")).status is DeliveryStatus.SENT
    posted = bot.slack.calls("chat.postMessage")
    assert all(c["metadata"]["event_type"] == "salesbridge_message" for c in posted)
    _interrupt(bot, clock)
    assert outbox.flush() == 2  # both found where they were posted: marked sent, not posted again
    assert len(bot.slack.calls("chat.postMessage")) == 2
    assert (
        len(bot.slack.calls("conversations.replies")) == 1
        and len(bot.slack.calls("conversations.history")) == 1
    )


def test_an_interrupted_feishu_send_is_repeated_with_the_same_uuid(wire: tuple[WireBot, FrozenClock]) -> None:
    bot, clock = wire
    outbox = bot.app.services.outbox
    assert outbox.deliver(Address(platform="feishu", conversation="oc_sales"), Reply(text="停售")).sent
    _interrupt(bot, clock)
    assert outbox.flush() == 1
    requests = bot.feishu.sent("/open-apis/im/v1/messages")
    assert len(requests) == 2 and requests[0].json()["uuid"] == requests[1].json()["uuid"]
    assert len(bot.feishu.created) == 1  # Feishu answered the repeat with the first message
