"""Outgoing rate limits: token buckets and the outbox honouring them (fake time, no real sleeping)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from bot.errors import ConfigurationError, DeliveryError
from bot.messages import Address, Reply
from bot.outbox import DeliveryStatus
from bot.rate_limits import DEFAULT_LIMITS, Limit, RateLimiter, parse_limits
from tests.fakes.harness import Harness


class FakeTime:
    """Monotonic time that only moves when the code under test sleeps (or the test advances it)."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_parse_limits_defaults_overrides_and_off() -> None:
    assert parse_limits("") == DEFAULT_LIMITS
    assert parse_limits("off") == {}
    limits = parse_limits("slack:conversation=2/4, feishu:app=50")
    assert limits[("slack", "conversation")] == Limit(rate=2, burst=4)
    assert limits[("feishu", "app")] == Limit(rate=50, burst=50)
    assert limits[("slack", "app")] == DEFAULT_LIMITS[("slack", "app")]


@pytest.mark.parametrize("bad", ["slack=1/3", "slack:channel=1/3", "slack:app=fast", "slack:app=0/1", "x"])
def test_parse_limits_rejects_malformed_entries(bad: str) -> None:
    with pytest.raises(ConfigurationError, match=r"SALESBRIDGE_OUTBOX_RATE_LIMITS|rate limit"):
        parse_limits(bad)


def test_bucket_allows_a_burst_then_one_per_second_per_channel() -> None:
    time = FakeTime()
    limiter = RateLimiter({("slack", "conversation"): Limit(rate=1, burst=3)}, monotonic=time.monotonic)
    waits = [limiter.reserve("slack", "C1") for _ in range(5)]
    assert waits == [0, 0, 0, pytest.approx(1.0), pytest.approx(2.0)]  # reservations queue up
    assert limiter.reserve("slack", "C2") == 0  # other channels are independent
    time.now += 10
    assert limiter.reserve("slack", "C1") == 0


def test_reserve_books_nothing_beyond_max_wait() -> None:
    time = FakeTime()
    limiter = RateLimiter({("slack", "conversation"): Limit(rate=1, burst=1)}, monotonic=time.monotonic)
    assert limiter.reserve("slack", "C1") == 0
    assert limiter.reserve("slack", "C1", max_wait=0.5) == pytest.approx(1.0)  # refused, not booked
    assert limiter.reserve("slack", "C1") == pytest.approx(1.0)


def test_penalize_holds_a_channel_for_retry_after() -> None:
    time = FakeTime()
    limiter = RateLimiter(DEFAULT_LIMITS, monotonic=time.monotonic)
    limiter.penalize("slack", "C1", 30)
    assert limiter.reserve("slack", "C1") == pytest.approx(30.0)
    assert limiter.reserve("slack", "C2") == 0


def test_app_limit_spans_conversations() -> None:
    time = FakeTime()
    limiter = RateLimiter({("feishu", "app"): Limit(rate=16, burst=50)}, monotonic=time.monotonic)
    waits = [limiter.reserve("feishu", f"oc_{i}") for i in range(52)]
    assert (
        waits[:50] == [0] * 50 and waits[50] == pytest.approx(1 / 16) and waits[51] == pytest.approx(2 / 16)
    )


@pytest.fixture
def limited(database_url: str) -> Iterator[tuple[Harness, FakeTime]]:
    harness = Harness.create(
        database_url, migrate=False, SALESBRIDGE_OUTBOX_RATE_LIMITS=""
    )  # the platforms' defaults
    time = FakeTime()
    outbox = harness.services.outbox
    outbox.rate_limiter = RateLimiter(parse_limits(""), monotonic=time.monotonic)
    outbox._sleep = time.sleep
    yield harness, time
    harness.close()


def test_announcement_to_50_channels_respects_slack_limits(limited: tuple[Harness, FakeTime]) -> None:
    harness, time = limited
    for i in range(50):
        harness.services.send(Address(platform="slack", conversation=f"C{i:02d}"), Reply(text="Release 5.2"))
    assert len(harness.slack.posted) == 50  # nothing lost, nothing queued
    # the workspace bucket (5/s, burst 60) is not exhausted by 50; per channel each got one message
    assert time.slept == []
    for i in range(10):  # ten more to one channel from one thread: burst of 3, then one per second
        harness.services.send(Address(platform="slack", conversation="C00"), Reply(text=f"n{i}"))
    assert len(harness.slack.posted) == 60
    assert time.slept == [pytest.approx(1.0)] * 8


def test_concurrent_burst_is_queued_and_sent_in_order(limited: tuple[Harness, FakeTime]) -> None:
    """Many senders at once: short waits are slept, longer ones go back to the queue until due."""
    harness, time = limited
    outbox = harness.services.outbox
    slept: list[float] = []
    outbox._sleep = slept.append  # concurrent senders: nobody's sleep moves the others' clock
    address = Address(platform="slack", conversation="C1")
    for i in range(8):
        outbox.deliver(address, Reply(text=f"m{i}"))
    assert [p.reply.text for p in harness.slack.posted] == ["m0", "m1", "m2", "m3", "m4"]
    assert slept == [pytest.approx(1.0), pytest.approx(2.0)]
    assert outbox.depth() == 3  # queued without counting an attempt
    for _ in range(10):
        time.now += 1
        harness.clock.advance(seconds=1)
        outbox.flush()
    assert [p.reply.text for p in harness.slack.posted] == [f"m{i}" for i in range(8)]
    assert outbox.depth() == 0


def test_platform_429_pauses_the_channel_and_is_retried(limited: tuple[Harness, FakeTime]) -> None:
    harness, time = limited
    outbox = harness.services.outbox
    harness.slack.fail_next = [DeliveryError("ratelimited", retry_after=20)] * 3
    address = Address(platform="slack", conversation="C9")
    assert outbox.deliver(address, Reply(text="hello")).status is DeliveryStatus.QUEUED
    assert outbox.rate_limiter is not None and outbox.rate_limiter.reserve("slack", "C9", max_wait=0) > 15
    harness.clock.advance(seconds=5)
    time.now += 5
    assert outbox.flush() == 0  # Retry-After 20 s not over yet
    for _ in range(3):
        harness.clock.advance(seconds=21)
        time.now += 21
        outbox.flush()
    assert [p.reply.text for p in harness.slack.posted] == ["hello"]
    assert outbox.depth() == 0


def test_500s_then_success_after_restart(database_url: str) -> None:
    """Retried with backoff; a new process (same database) sends what the old one left unsent."""
    first = Harness.create(database_url, migrate=False)
    first.slack.fail_next = [DeliveryError("HTTP 500")] * 4
    first.feishu.fail_next = [DeliveryError("code 99991400 rate limited", retry_after=1)]
    first.services.send(Address(platform="slack", conversation="C1"), Reply(text="to slack"))
    first.services.send(Address(platform="feishu", conversation="oc_1"), Reply(text="to feishu"))
    for seconds in (1, 2, 4):  # backoff 1 s, 2 s, 4 s
        first.clock.advance(seconds=seconds + 0.5)
        first.services.outbox.flush()
    assert first.slack.posted == [] and [p.reply.text for p in first.feishu.posted] == ["to feishu"]
    start = first.clock.now()
    first.close()  # "crash" with one message still queued

    second = Harness.create(database_url, start=start + timedelta(seconds=9))
    assert second.services.outbox.depth() == 1
    assert second.services.outbox.flush() == 1
    assert [p.reply.text for p in second.slack.posted] == ["to slack"]
    assert second.services.outbox.depth() == 0
    second.close()
