"""The inbox: written before the ack, processed once, resumed after a crash, retried after a database error."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy.exc import OperationalError
from sqlmodel import col, select

from bot.inbox import Accepted, IntakeError, RawEvent, from_json, to_json
from bot.messages import IncomingMessage, Kind, Reply
from bot.models import InboxEvent
from services.context import Services
from tests.database_templates import PostgresServer
from tests.fakes.harness import Harness


def _rows(bot: Harness) -> list[InboxEvent]:
    with bot.services.db.session() as session:
        return list(session.exec(select(InboxEvent).order_by(col(InboxEvent.id))))


def test_a_message_survives_the_round_trip_through_json(bot: Harness) -> None:
    msg = bot.message("request SSO", kind=Kind.FORM, form={"tier": "gold"}, event_id="Ev1", raw={"a": [1]})
    back = from_json(to_json(msg))
    assert back == msg and isinstance(back, IncomingMessage) and back.raw == {"a": [1]}


def test_submit_writes_the_event_before_anything_is_processed(bot: Harness) -> None:
    inbox = bot.app.dispatcher.inbox
    entry = inbox.accept(bot.message("help", event_id="Ev1")).entry
    assert entry is not None
    [row] = _rows(bot)
    stored = from_json(row.message)
    assert row.status == "pending" and row.key == "slack:Ev1"
    assert isinstance(stored, IncomingMessage) and stored.text == "help"
    assert bot.slack.posted == []


def test_a_redelivery_of_finished_work_is_dropped(bot: Harness) -> None:
    msg = bot.message("help", event_id="Ev1")
    assert bot.process(msg) and len(bot.slack.posted) == 1
    assert bot.process(msg) == [] and bot.app.dispatcher.submit(msg) is None
    assert len(bot.slack.posted) == 1 and _rows(bot)[0].status == "done"


def test_a_redelivery_of_unfinished_work_resumes_it_once_the_lease_is_over(bot: Harness) -> None:
    inbox = bot.app.dispatcher.inbox
    msg = bot.message("help", event_id="Ev1")
    entry = inbox.accept(msg).entry
    assert entry is not None and inbox.claim(entry) is not None  # a worker took it, then its process died
    assert inbox.accept(msg).entry is None  # the lease still holds: someone may be working on it
    bot.clock.advance(timedelta(seconds=16))
    resumed = inbox.accept(msg)
    assert resumed.entry == entry and resumed.resumed
    assert bot.app.dispatcher.work(entry) and len(bot.slack.posted) == 1
    assert inbox.accept(msg).entry is None


def test_due_finds_new_work_retries_and_expired_leases(bot: Harness) -> None:
    inbox = bot.app.dispatcher.inbox
    first = inbox.accept(bot.message("help", event_id="Ev1")).entry
    second = inbox.accept(bot.message("help", event_id="Ev2")).entry
    assert first is not None and second is not None
    assert inbox.due() == [first, second]
    claimed = inbox.claim(first)
    assert claimed is not None and inbox.due() == [second]
    bot.clock.advance(timedelta(seconds=16))
    assert inbox.due() == [first, second]
    assert inbox.claim(first) is not None and inbox.claim(first) is None  # one worker at a time


def test_an_intake_the_database_refuses_raises_so_the_adapter_answers_5xx(
    bot: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken() -> None:
        raise OperationalError("INSERT", {}, Exception("database is locked"))

    monkeypatch.setattr(bot.services.db, "autocommit", broken)
    with pytest.raises(IntakeError):
        bot.app.dispatcher.submit(bot.message("help", event_id="Ev1"))


def _flaky_question_router(bot: Harness, failures: int) -> list[str]:
    """A slow (placeholder) fallback whose database is away for its first `failures` runs."""
    seen: list[str] = []

    def answer(msg: IncomingMessage, _services: Services) -> Reply:
        seen.append(msg.text)
        if len(seen) <= failures:
            raise OperationalError("SELECT", {}, Exception("server closed the connection unexpectedly"))
        return Reply(text=f"answer to {msg.text}", where="thread")

    bot.app.router.fallback(answer, placeholder=True)
    return seen


def test_work_that_failed_on_the_database_is_retried_and_replaces_its_one_placeholder(bot: Harness) -> None:
    seen = _flaky_question_router(bot, failures=1)
    dispatcher = bot.app.dispatcher
    msg = bot.message("what does the enterprise plan include?", event_id="EvQ")
    assert dispatcher.process(msg) == []  # the database failed mid-way: no apology, retried later
    assert [p.reply.text for p in bot.slack.posted] == ["Looking it up…"]
    [row] = _rows(bot)
    assert row.status == "pending" and row.attempts == 1 and "OperationalError" in row.last_error
    assert row.id is not None and dispatcher.inbox.due() == []  # backoff: not yet
    bot.clock.advance(timedelta(seconds=3))
    assert dispatcher.inbox.due() == [row.id]
    dispatcher.work(row.id)
    assert len(seen) == 2
    assert [p.reply.text for p in bot.slack.posted] == ["Looking it up…"]  # not posted a second time
    [(placeholder, answer)] = bot.slack.updates
    assert placeholder.message_id == bot.slack.posted[0].message_id
    assert answer.text == "answer to what does the enterprise plan include?"
    assert _rows(bot)[0].status == "done"


def test_work_resumed_after_a_crash_does_not_answer_twice(bot: Harness) -> None:
    """The crash came after the answer was written to the outbox and before the entry was closed."""
    _flaky_question_router(bot, failures=0)
    dispatcher = bot.app.dispatcher
    msg = bot.message("and the pricing?", event_id="EvP")
    dispatcher.process(msg)
    [row] = _rows(bot)
    assert row.id is not None
    with bot.services.db.session() as session:  # as if the process died before `finish`
        stored = session.get(InboxEvent, row.id)
        assert stored is not None
        stored.status, stored.due_at = "working", bot.clock.now()
        session.add(stored)
    bot.clock.advance(timedelta(seconds=1))
    dispatcher.work(row.id)
    assert [p.reply.text for p in bot.slack.posted] == ["Looking it up…"]
    assert [reply.text for _, reply in bot.slack.updates] == ["answer to and the pricing?"]


def test_shutdown_hands_unfinished_work_back_to_the_inbox(bot: Harness) -> None:
    release = threading.Event()
    started = threading.Event()

    def slow(msg: IncomingMessage, _services: Services) -> Reply:
        started.set()
        release.wait(5)
        return Reply(text="done", where="thread")

    bot.app.router.fallback(slow)
    dispatcher = bot.app.dispatcher
    dispatcher.start_workers(1)
    entry = dispatcher.submit(bot.message("long question", event_id="EvS"))
    assert entry is not None and started.wait(5)
    assert dispatcher.shutdown(grace=0.2) is False
    [row] = _rows(bot)
    assert row.status == "pending"  # due now, for another process or the next start
    assert dispatcher.submit(bot.message("after the stop", event_id="EvT")) is not None  # still written down
    release.set()


def test_pollers_claim_due_work_in_one_statement_never_the_same_row(any_db_bot: Harness) -> None:
    inbox = any_db_bot.app.dispatcher.inbox
    entries = [inbox.accept(any_db_bot.message("help", event_id=f"Ev{i}")).entry for i in range(5)]
    first = inbox.claim_due(limit=2)
    second = inbox.claim_due(limit=10)
    assert [entry for entry, _msg, _attempt in first] == entries[:2]
    assert [entry for entry, _msg, _attempt in second] == entries[2:]
    assert inbox.claim_due(limit=10) == [] and inbox.claim_due(limit=0) == []
    entry, msg, attempt = first[0]
    assert msg.event_id == "Ev0" and attempt == 1 and inbox.claim(entry) is None  # leased


# --- raw events: acknowledged before translation, translated by the platform's SDK in the worker --------


def test_a_raw_event_survives_the_round_trip_through_json() -> None:
    raw = RawEvent(platform="feishu", event_id="msg:om_1", body='{"text": "你好\\u0000"}', headers={"a": "b"})
    assert from_json(to_json(raw)) == raw


def test_a_raw_event_is_translated_by_its_adapter_when_a_worker_takes_it(bot: Harness) -> None:
    dispatcher, inbox = bot.app.dispatcher, bot.app.dispatcher.inbox
    seen: list[RawEvent] = []

    def decode(raw: RawEvent) -> IncomingMessage:
        seen.append(raw)
        return bot.message("help", event_id=raw.event_id)

    dispatcher.decoders["slack"] = decode
    raw = RawEvent(platform="slack", event_id="Ev1", body="{}")
    entry = inbox.accept(raw).entry
    assert entry is not None and seen == []  # nothing is translated before a worker takes it
    assert dispatcher.work(entry) and seen == [raw] and len(bot.slack.posted) == 1
    [row] = _rows(bot)
    assert row.status == "done" and row.key == "slack:Ev1"
    assert inbox.accept(raw).entry is None  # a redelivery of finished work is dropped
    assert inbox.accept(bot.message("help", event_id="Ev1")).entry is None  # same key, translated or not
    assert len(bot.slack.posted) == 1 and seen == [raw]


def test_a_raw_event_that_is_not_for_the_bot_is_finished_without_a_reply(bot: Harness) -> None:
    bot.app.dispatcher.decoders["slack"] = lambda _raw: None
    entry = bot.app.dispatcher.inbox.accept(RawEvent(platform="slack", event_id="Ev1", body="{}")).entry
    assert entry is not None and bot.app.dispatcher.work(entry) == []
    assert _rows(bot)[0].status == "done" and bot.slack.posted == []


def test_a_raw_event_no_adapter_here_can_read_is_retried_not_dropped(bot: Harness) -> None:
    bot.app.dispatcher.decoders.pop("slack", None)
    entry = bot.app.dispatcher.inbox.accept(RawEvent(platform="slack", event_id="Ev1", body="{}")).entry
    assert entry is not None and bot.app.dispatcher.work(entry) == []
    [row] = _rows(bot)
    assert row.status == "pending" and row.attempts == 1 and "no slack adapter" in row.last_error


def test_a_worker_process_does_not_wait_for_the_disk_but_the_acknowledgement_does(
    postgres_server: PostgresServer,
) -> None:
    """`salesbridge worker` (synchronous_commit=False) commits without waiting for the WAL flush: its work
    is redone from the inbox if the server loses it. The process that acknowledges keeps the default."""
    from sqlalchemy import text

    from bot.database import Database

    name = postgres_server.create()
    try:
        for durable, expected in ((True, "on"), (False, "off")):
            db = Database(postgres_server.url_of(name), synchronous_commit=durable)
            try:
                with db.autocommit() as connection:
                    assert connection.execute(text("SHOW synchronous_commit")).scalar() == expected
            finally:
                db.dispose()
    finally:
        postgres_server.drop(name)


def test_the_event_loop_intake_writes_dedupes_and_refuses_on_postgres(postgres_server: PostgresServer) -> None:
    """`accept_async` (the webhooks' plain events): one INSERT over an async connection, the same dedupe as
    `accept`, and `IntakeError` (so a 503) when the database cannot take it."""
    import asyncio

    from bot.clock import Clock
    from bot.database import Database
    from bot.inbox import Inbox

    name = postgres_server.create()
    db = Database(postgres_server.url_of(name))
    try:
        db.create_all()
        inbox = Inbox(db=db, clock=Clock())
        raw = RawEvent(platform="slack", event_id="EvLoop1", body='{"a": "\\u0000"}')

        async def twice() -> tuple[Accepted, Accepted, list[Accepted]]:
            first = await inbox.accept_async(raw)
            again = await inbox.accept_async(raw)
            others = [RawEvent(platform="slack", event_id=f"EvLoop{i}", body="{}") for i in range(2, 30)]
            return first, again, list(await asyncio.gather(*(inbox.accept_async(o) for o in others)))

        first, again, many = asyncio.run(twice())
        assert first.entry is not None and not first.claimed
        assert again.entry == first.entry and again.resumed  # not finished: a redelivery resumes it
        assert len({accepted.entry for accepted in many}) == 28  # more at once than connections: they wait
        [(entry, item, _attempt)] = inbox.claim_due(limit=1)
        assert entry == first.entry and item == raw
        broken = Inbox(db=Database("postgresql+psycopg://nobody:x@127.0.0.1:9/none"), clock=Clock())
        with pytest.raises(IntakeError):
            asyncio.run(broken.accept_async(raw))
    finally:
        db.dispose()
        postgres_server.drop(name)
