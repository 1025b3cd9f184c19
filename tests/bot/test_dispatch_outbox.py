from datetime import timedelta

from bot.errors import DeliveryError
from bot.messages import Address, Reply, resolve_address
from bot.outbox import DeliveryStatus
from tests.fakes.harness import Harness


def test_duplicate_event_ids_produce_one_reply(any_db_bot: Harness) -> None:
    msg = any_db_bot.message("help", event_id="Ev1")
    assert len(any_db_bot.process(msg)) == 1
    assert any_db_bot.process(msg) == []
    assert len(any_db_bot.slack.posted) == 1


def test_reply_addresses() -> None:
    msg = Harness.message("hi", channel="C7", user="U3")
    thread = resolve_address(msg, Reply(text="x"))
    assert (thread.conversation, thread.thread) == ("C7", msg.message_id)
    eph = resolve_address(msg, Reply(text="x", where="ephemeral"))
    assert eph.ephemeral and eph.user == "U3"
    dm = resolve_address(msg, Reply(text="x", where="dm"))
    assert dm.user == "U3" and dm.conversation is None
    direct = Harness.message("hi", dm=True)
    assert resolve_address(direct, Reply(text="x", where="ephemeral")).ephemeral is False


def test_outbox_retries_after_rate_limit_and_marks_sent(any_db_bot: Harness) -> None:
    port = any_db_bot.slack
    port.fail_next = [DeliveryError("ratelimited", retry_after=30), DeliveryError("500")]
    outbox = any_db_bot.services.outbox
    address = Address(platform="slack", conversation="C1")
    assert outbox.deliver(address, Reply(text="hello")).status is DeliveryStatus.QUEUED
    assert outbox.depth() == 1
    assert outbox.flush() == 0  # not due yet: Retry-After 30 s
    any_db_bot.clock.advance(seconds=31)
    assert outbox.flush() == 0  # 500 this time, backoff 2 s
    any_db_bot.clock.advance(seconds=3)
    assert outbox.flush() == 1
    assert outbox.depth() == 0
    assert [p.reply.text for p in port.posted] == ["hello"]


def test_outbox_gives_up_on_permanent_errors(bot: Harness) -> None:
    bot.slack.fail_next = [DeliveryError("channel_not_found", permanent=True)]
    delivery = bot.services.outbox.deliver(Address(platform="slack", conversation="CX"), Reply(text="x"))
    assert delivery.status is DeliveryStatus.REFUSED and not delivery.will_arrive
    bot.clock.advance(timedelta(hours=1))
    assert bot.services.outbox.flush() == 0 and bot.services.outbox.depth() == 0


def test_delivery_tells_sent_queued_and_duplicate_apart(bot: Harness) -> None:
    address = Address(platform="slack", conversation="C9")
    first = bot.services.send(address, Reply(text="weekly sync"), dedupe_key="sync:9")
    assert first.status is DeliveryStatus.SENT and first.sent is not None and first.will_arrive
    again = bot.services.send(address, Reply(text="weekly sync"), dedupe_key="sync:9")
    assert again.status is DeliveryStatus.DUPLICATE and again.sent == first.sent and again.will_arrive
    bot.slack.fail_next = [DeliveryError("500")]
    later = bot.services.send(address, Reply(text="retry me"), dedupe_key="sync:10")
    assert later.status is DeliveryStatus.QUEUED and bot.services.outbox.depth() == 1
    assert [p.reply.text for p in bot.slack.posted] == ["weekly sync"]


def test_expired_lease_is_resent(bot: Harness) -> None:
    outbox = bot.services.outbox
    bot.slack.fail_next = [DeliveryError("boom")]
    outbox.deliver(Address(platform="slack", conversation="C1"), Reply(text="x"))
    bot.clock.advance(seconds=2)
    claimed = outbox._claim(1)  # another process took the lease and died
    assert claimed is not None
    bot.clock.advance(seconds=10)
    assert outbox.flush() == 0  # the lease (15 s) still holds
    bot.clock.advance(seconds=6)
    assert outbox.flush() == 1  # a crash costs one short lease, not minutes
