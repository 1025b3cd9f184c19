"""The inbox: every inbound event is written down before the platform gets its 200, then processed from here.

`accept` stores the message under its dedupe key (platform + event id) in one INSERT — the claim and the
durable copy are the same row; one statement on an autocommit connection, so one round trip. A row holds
either a translated `IncomingMessage` or a `RawEvent`: a plain platform event acknowledged before its SDK
dispatched it, which the worker hands back to the platform adapter (`Dispatcher.decoders`). If that write
fails, the adapter answers 5xx so the platform retries: an event is never acknowledged and then lost.
Workers (`Dispatcher`, in `serve` or in `salesbridge worker`) take rows with a lease: a conditional UPDATE
on one row, or on PostgreSQL `FOR UPDATE SKIP LOCKED` when several processes poll. A process that dies
mid-work leaves a lease that expires; the next poll (of any process) resumes it, and a redelivery of
unfinished work resumes it at once instead of being dropped. Replies of an event carry dedupe keys derived
from its row id, so work resumed after a crash never sends the same answer twice.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import weakref
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, delete, func, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import col, select

from bot.clock import Clock, as_utc
from bot.database import Database, storable_values
from bot.messages import IncomingMessage, Kind
from bot.models import InboxEvent

if TYPE_CHECKING:
    import psycopg

logger = logging.getLogger(__name__)

LEASE = timedelta(seconds=15)  # renewed every 5 s while the work runs (`Dispatcher`): a crash costs seconds
MAX_ATTEMPTS = 5
RETENTION = timedelta(days=7)  # platforms stop retrying after hours; finished rows can go after a week


class IntakeError(RuntimeError):
    """The event could not be written down: the adapter must not acknowledge it (answer 5xx)."""


@dataclass(frozen=True)
class Accepted:
    """The outcome of `Inbox.accept`: the row to work on, or None when there is nothing to do (a redelivery
    of finished work, or of work another worker holds right now)."""

    entry: int | None
    resumed: bool = False  # a redelivery of unfinished work whose lease had run out
    claimed: bool = False  # written already leased to the caller (attempt 1): no second statement to claim it


@dataclass(frozen=True)
class RawEvent:
    """A platform request written down as it arrived (verified, not yet translated): the acknowledgement
    only checks it and stores it; a worker hands it back to the platform's SDK (the adapter's `replay`,
    registered with the dispatcher) to become an `IncomingMessage`. `event_id` is the one its translation
    will carry, so the dedupe key is the same whichever way the event arrives."""

    platform: str
    event_id: str | None
    body: str
    headers: dict[str, str] = dataclasses.field(default_factory=dict)


Item = IncomingMessage | RawEvent  # what an inbox row holds


def to_json(item: Item) -> str:
    data = dataclasses.asdict(item)
    return json.dumps({"wire": data} if isinstance(item, RawEvent) else data, ensure_ascii=False, default=str)


def from_json(text: str) -> Item:
    data: dict[str, Any] = json.loads(text)
    if "wire" in data:
        return RawEvent(**data["wire"])
    data["kind"] = Kind(data.get("kind", Kind.MESSAGE))
    return IncomingMessage(**data)


_COLUMNS = ("key", "platform", "message", "status", "attempts", "due_at", "last_error", "received_at")


def _psycopg_error() -> type[Exception]:
    import psycopg

    return psycopg.Error


class _LoopWriter:
    """The intake INSERT on psycopg's async connections (PostgreSQL), autocommit, synchronous commit: at most
    `SIZE` per event loop, opened on first use and kept; one that failed is closed, not reused. When all are
    busy the next acknowledgement waits for one (the process is saturated: more connections would not help)."""

    SIZE = 8

    def __init__(self, db: Database, sql: str) -> None:
        self._conninfo = db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        self._sql = sql
        self._loops: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _LoopConnections]
        self._loops = weakref.WeakKeyDictionary()

    async def insert(self, values: dict[str, Any]) -> int | None:
        import psycopg

        loop = asyncio.get_running_loop()
        mine = self._loops.get(loop)
        if mine is None:
            mine = self._loops[loop] = _LoopConnections(self.SIZE)
        async with mine.slots:
            idle = mine.idle
            connection = (
                idle.pop() if idle else await psycopg.AsyncConnection.connect(self._conninfo, autocommit=True)
            )
            try:
                cursor = await connection.execute(self._sql, storable_values(values), prepare=True)
                row = await cursor.fetchone()
            except BaseException:
                await connection.close()
                raise
            idle.append(connection)
        return int(row[0]) if row is not None else None


class _LoopConnections:
    def __init__(self, size: int) -> None:
        self.slots = asyncio.Semaphore(size)
        self.idle: list[psycopg.AsyncConnection[Any]] = []


class Inbox:
    def __init__(self, *, db: Database, clock: Clock, lease: timedelta = LEASE) -> None:
        self._db = db
        self._clock = clock
        self.lease = lease
        dialect = postgresql if db.is_postgres else sqlite
        # one statement, one round trip, on an autocommit connection: the claim and the durable copy
        self._insert = (
            dialect.insert(InboxEvent)
            .values({name: bindparam(name) for name in _COLUMNS})
            .on_conflict_do_nothing(index_elements=[col(InboxEvent.key)])
            .returning(col(InboxEvent.id))
        )
        self._loop_writer = _LoopWriter(db, str(self._insert.compile(dialect=db.engine.dialect)))

    def _row(self, item: Item, *, claim: bool) -> dict[str, Any]:
        key = f"{item.platform}:{item.event_id}"[:255] if item.event_id else None
        now = self._clock.now()
        return {
            "key": key,
            "platform": item.platform,
            "message": to_json(item),
            "status": "working" if claim else "pending",
            "attempts": 1 if claim else 0,
            "due_at": now + self.lease if claim else now,
            "last_error": "",
            "received_at": now,
        }

    async def accept_async(self, item: Item, *, claim: bool = False) -> Accepted:
        """`accept` from the event loop (the webhooks' acknowledgements). On PostgreSQL the INSERT goes over an
        async connection of this loop, so the acknowledgement does not hop to a thread and back for it;
        elsewhere (SQLite), and for a redelivery's lookup, `accept` runs in a thread."""
        if not self._db.is_postgres:
            return await asyncio.to_thread(self.accept, item, claim=claim)
        values = self._row(item, claim=claim)
        try:
            entry = await self._loop_writer.insert(values)
        except (OSError, _psycopg_error()) as exc:
            raise IntakeError(f"inbox write failed: {type(exc).__name__}") from exc
        if entry is None:  # the key is taken: a retry or a redelivery
            return await asyncio.to_thread(self._redelivered, values["key"])
        return Accepted(entry=entry, claimed=claim)

    def accept(self, item: Item, *, claim: bool = False) -> Accepted:
        """Write `item` down (raises `IntakeError` when the database cannot take it). With `claim`, a new row
        is written already leased to the caller, who is about to work on it in this process."""
        values = self._row(item, claim=claim)
        key = values["key"]
        try:
            with self._db.autocommit() as connection:
                entry = connection.execute(self._insert, values).scalar()
        except SQLAlchemyError as exc:
            raise IntakeError(f"inbox write failed: {type(exc).__name__}") from exc
        if entry is None:  # the key is taken: a retry or a redelivery
            return self._redelivered(key)
        return Accepted(entry=int(entry), claimed=claim)

    def _redelivered(self, key: str | None) -> Accepted:
        try:
            with self._db.session() as session:
                row = session.exec(select(InboxEvent).where(col(InboxEvent.key) == key)).first()
        except SQLAlchemyError as exc:
            raise IntakeError(f"inbox read failed: {type(exc).__name__}") from exc
        if row is None or row.status in ("done", "failed"):
            return Accepted(entry=None)
        if row.status == "working" and as_utc(row.due_at) > self._clock.now():
            return Accepted(entry=None)  # a live worker holds it
        return Accepted(entry=row.id, resumed=True)

    def claim(self, entry: int) -> tuple[Item, int] | None:
        """Take the lease on a row; None when it is finished or another worker holds it. Returns the
        message and the attempt number, which `finish` and `retry` must quote."""
        now = self._clock.now()
        with self._db.session() as session:
            result = session.execute(
                update(InboxEvent)
                .where(
                    col(InboxEvent.id) == entry,
                    col(InboxEvent.status).in_(("pending", "working")),
                    col(InboxEvent.due_at) <= now,
                )
                .values(status="working", due_at=now + self.lease, attempts=InboxEvent.attempts + 1)
            )
            if not getattr(result, "rowcount", 0):
                return None
            row = session.get(InboxEvent, entry)
            assert row is not None
            return from_json(row.message), row.attempts

    def due(self, *, limit: int = 50) -> list[int]:
        """Rows waiting for a worker: new ones, retries whose time has come, and expired leases."""
        with self._db.session() as session:
            return [row_id for row_id in session.exec(self._due_query(limit)) if row_id is not None]

    def claim_due(self, *, limit: int) -> list[tuple[int, Item, int]]:
        """Take the leases of up to `limit` due rows in one statement: (entry, message, attempt) each.
        Several pollers never get the same row (PostgreSQL: `FOR UPDATE SKIP LOCKED` in the same UPDATE;
        SQLite: one writer at a time)."""
        if limit < 1:
            return []
        now = self._clock.now()
        with self._db.session() as session:
            rows = session.execute(
                update(InboxEvent)
                .where(col(InboxEvent.id).in_(self._due_query(limit).scalar_subquery()))
                .values(status="working", due_at=now + self.lease, attempts=InboxEvent.attempts + 1)
                .returning(col(InboxEvent.id), col(InboxEvent.message), col(InboxEvent.attempts))
            ).all()
        return sorted((int(entry), from_json(message), int(attempt)) for entry, message, attempt in rows)

    def _due_query(self, limit: int) -> Any:
        query = (
            select(InboxEvent.id)
            .where(
                col(InboxEvent.status).in_(("pending", "working")),
                col(InboxEvent.due_at) <= self._clock.now(),
            )
            .order_by(col(InboxEvent.id))
            .limit(limit)
        )
        return query.with_for_update(skip_locked=True) if self._db.is_postgres else query

    def renew(self, entries: list[int]) -> None:
        """Extend the leases of rows still being worked on (called periodically by their worker)."""
        self._update_working(entries, due_at=self._clock.now() + self.lease)

    def finish(self, entry: int, *, attempt: int) -> None:
        self._close(entry, attempt=attempt, status="done", due=self._clock.now(), error="")

    def retry(self, entry: int, *, attempt: int, error: str) -> bool:
        """The work failed (the database, most likely): due again after a backoff, or given up after
        `MAX_ATTEMPTS`. Returns True when it will be retried."""
        again = attempt < MAX_ATTEMPTS
        delay = timedelta(seconds=min(2**attempt, 60))
        self._close(
            entry,
            attempt=attempt,
            status="pending" if again else "failed",
            due=self._clock.now() + delay,
            error=error,
        )
        return again

    def hand_back(self, entries: list[int]) -> None:
        """Shutting down: whatever this process still holds is due now, for another process or the next start."""
        self._update_working(entries, status="pending", due_at=self._clock.now())

    def _update_working(self, entries: list[int], **values: Any) -> None:
        """Set `values` on those of `entries` still being worked on."""
        if not entries:
            return
        with self._db.session() as session:
            session.execute(
                update(InboxEvent)
                .where(col(InboxEvent.id).in_(entries), col(InboxEvent.status) == "working")
                .values(**values)
            )

    def _close(self, entry: int, *, attempt: int, status: str, due: datetime, error: str) -> None:
        """Record the outcome, unless the row was taken over since (its attempt number moved on)."""
        values: dict[str, Any] = {"status": status, "due_at": due, "last_error": error[:2000]}
        if status in ("done", "failed"):
            values["finished_at"] = self._clock.now()
        with self._db.session() as session:
            session.execute(
                update(InboxEvent)
                .where(col(InboxEvent.id) == entry, col(InboxEvent.attempts) == attempt)
                .values(**values)
            )

    def unfinished(self) -> dict[str, int]:
        """Events waiting for a worker (`pending`) and being worked on (`working`), for `/healthz`."""
        with self._db.session() as session:
            rows = session.exec(
                select(InboxEvent.status, func.count())
                .where(col(InboxEvent.status).in_(("pending", "working")))
                .group_by(col(InboxEvent.status))
            )
            return {"pending": 0, "working": 0} | {status: int(count) for status, count in rows}


def forget_events_before(*, db: Database, cutoff: datetime) -> int:
    """Housekeeping: finished rows older than `cutoff` go (platforms stop retrying after hours) — all but the
    newest row. SQLite (no AUTOINCREMENT) hands out max(id) + 1, so an emptied table would number its next
    events 1, 2, … again, and the replies to them (outbox dedupe key `in:<entry>:<n>`) would be taken for the
    replies of those old entries and silently dropped: after a quiet week, the bot would stop answering."""
    with db.session() as session:
        newest = session.exec(select(func.max(InboxEvent.id))).one()
        if newest is None:
            return 0
        result = session.execute(
            delete(InboxEvent).where(
                col(InboxEvent.status).in_(("done", "failed")),
                col(InboxEvent.received_at) < cutoff,
                col(InboxEvent.id) < newest,
            )
        )
        return int(getattr(result, "rowcount", 0) or 0)
