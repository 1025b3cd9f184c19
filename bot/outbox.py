"""The outbox: every outgoing message is written down before it is sent, and marked sent only when the
platform accepted it. Transient failures (rate limits, 5xx, timeouts) are retried with backoff, honouring
`Retry-After`; a process that dies mid-send leaves a short lease (renewed while the send runs) that
expires, so another process resends — with the same platform idempotency key (Feishu's `uuid`), so a send
the platform had already accepted is not posted twice. A message can replace an earlier one in place
(`replaces`: the "Looking it up…" placeholder becomes the answer).

Sends respect per-conversation and per-app rate limits (`bot.rate_limits`): a short wait (up to
`max_inline_wait` seconds) is slept in the sending thread; a longer one puts the message back in the queue
for that moment, without counting an attempt, and the flush loop sends it then. Two processes never send
the same row: a row is claimed with one conditional UPDATE (status and due time in the WHERE clause), which
PostgreSQL serialises on the row lock and SQLite on its write lock.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from bot.clock import Clock, as_utc
from bot.database import Database
from bot.errors import DeliveryError
from bot.messages import Address, Reply, Sent
from bot.metrics import metrics
from bot.models import OutboxMessage
from bot.people import People
from bot.ports import ChatPort
from bot.rate_limits import RateLimiter

logger = logging.getLogger(__name__)

LEASE = timedelta(seconds=15)  # renewed every 5 s while a send is in progress: a crash costs seconds


class DeliveryStatus(StrEnum):
    SENT = "sent"  # the platform accepted it
    QUEUED = "queued"  # written down; the flush loop (of this or another process) sends it later
    DUPLICATE = "duplicate"  # a message with the same dedupe key was queued before: nothing new was written
    REFUSED = "refused"  # the platform refused it for good (no such channel, not a member …): not retried


@dataclass(frozen=True)
class Delivery:
    """What became of one outgoing message."""

    status: DeliveryStatus
    sent: Sent | None = (
        None  # SENT, or a DUPLICATE of a sent one: the platform message, to update or thread under
    )

    @property
    def will_arrive(self) -> bool:
        """Sent now, sent later, or sent before under the same dedupe key."""
        return self.status is not DeliveryStatus.REFUSED


QUEUED = Delivery(DeliveryStatus.QUEUED)


def backoff(attempts: int) -> timedelta:
    """1 s, 2 s, 4 s … capped at 10 minutes."""
    return timedelta(seconds=min(2 ** max(attempts - 1, 0), 600))


class Outbox:
    def __init__(
        self,
        *,
        db: Database,
        ports: Mapping[str, ChatPort],
        clock: Clock,
        max_attempts: int = 10,
        rate_limiter: RateLimiter | None = None,
        max_inline_wait: float = 2.0,
        sleep: Callable[[float], None] = time.sleep,
        people: People | None = None,
    ) -> None:
        self._db = db
        self._ports = ports
        self.people = people or People(ports=ports)
        self._clock = clock
        self.max_attempts = max_attempts
        self.rate_limiter = rate_limiter
        self.max_inline_wait = max_inline_wait
        self._sleep = sleep
        self._leases = _LeaseKeeper(renew=self._renew)

    def _renew(self, row_ids: list[int]) -> None:
        with self._db.session() as session:
            session.execute(
                update(OutboxMessage)
                .where(col(OutboxMessage.id).in_(row_ids), col(OutboxMessage.status) == "sending")
                .values(next_attempt_at=self._clock.now() + LEASE)
            )

    def deliver(
        self, address: Address, reply: Reply, *, dedupe_key: str | None = None, replaces: str | None = None
    ) -> Delivery:
        """Persist and try to send now: sent, queued for a retry (or for a process that has the platform),
        a duplicate of a message already queued under `dedupe_key`, or refused by the platform for good."""
        reachable = address.platform in self._ports
        row = OutboxMessage(  # written already leased to us: no second round trip to claim it
            dedupe_key=dedupe_key,
            platform=address.platform,
            address=address.model_dump_json(),
            reply=reply.model_dump_json(),
            conversation=address.conversation or address.user,
            replaces=replaces,
            # no port here (`jobs run` in another shell for the console): it waits, unsent, for a process
            # that has one (that process's flush loop sends it); it is never counted as delivered
            status="sending" if reachable else "pending",
            next_attempt_at=self._clock.now() + LEASE if reachable else self._clock.now(),
        )
        try:
            with self._db.session() as session:
                session.add(row)
        except IntegrityError:
            logger.info("outbox: %s already queued", dedupe_key)
            return Delivery(DeliveryStatus.DUPLICATE, self.sent_as(dedupe_key))
        if not reachable:
            logger.info(
                "outbox: %s is not connected in this process; message %s waits for a process that has it",
                address.platform,
                row.id,
            )
            return QUEUED
        return self._send(row, address, reply)

    def flush(self, *, limit: int = 100) -> int:
        """Send due messages (pending ones and expired leases). Returns how many were sent."""
        now = self._clock.now()
        with self._db.session() as session:
            ids = list(
                session.exec(
                    select(OutboxMessage.id)
                    .where(
                        col(OutboxMessage.status).in_(("pending", "sending")),
                        col(OutboxMessage.next_attempt_at) <= now,
                        col(OutboxMessage.platform).in_(list(self._ports)),  # others wait for their process
                    )
                    .order_by(col(OutboxMessage.id))
                    .limit(limit)
                )
            )
        return sum(1 for row_id in ids if row_id is not None and self._attempt(row_id) is DeliveryStatus.SENT)

    def waiting_elsewhere(self) -> dict[str, int]:
        """Unsent messages for platforms this process has no port for, by platform."""
        with self._db.session() as session:
            rows = session.exec(
                select(OutboxMessage.platform, func.count())
                .where(
                    col(OutboxMessage.status).in_(("pending", "sending")),
                    col(OutboxMessage.platform).not_in(list(self._ports)),
                )
                .group_by(col(OutboxMessage.platform))
            )
            return {platform: int(count) for platform, count in rows}

    def depth(self) -> int:
        with self._db.session() as session:
            return int(
                session.exec(
                    select(func.count()).where(col(OutboxMessage.status).in_(("pending", "sending")))
                ).one()
            )

    def _claim(self, row_id: int) -> tuple[OutboxMessage, bool] | None:
        """Take the lease on a row atomically; None if someone else holds it or it is done. The flag tells
        an expired lease (a send that was interrupted, and may have reached the platform) from a retry."""
        now = self._clock.now()
        with self._db.session() as session:
            for status, interrupted in (("sending", True), ("pending", False)):
                result = session.execute(
                    update(OutboxMessage)
                    .where(
                        col(OutboxMessage.id) == row_id,
                        col(OutboxMessage.status) == status,
                        col(OutboxMessage.next_attempt_at) <= now,
                    )
                    .values(status="sending", next_attempt_at=now + LEASE)
                )
                if getattr(result, "rowcount", 0):
                    row = session.get(OutboxMessage, row_id)
                    return (row, interrupted) if row is not None else None
        return None

    def _attempt(self, row_id: int) -> DeliveryStatus | None:
        claimed = self._claim(row_id)
        if claimed is None:
            return None
        row, interrupted = claimed
        address, reply = Address.model_validate_json(row.address), Reply.model_validate_json(row.reply)
        return self._send(row, address, reply, interrupted=interrupted).status

    def _send(
        self, row: OutboxMessage, address: Address, reply: Reply, *, interrupted: bool = False
    ) -> Delivery:
        """Send a row we hold the lease on; record the outcome."""
        row_id = row.id
        port = self._ports.get(row.platform)
        if port is not None and not self._wait_for_slot(row, address):
            return QUEUED
        try:
            if port is None:
                raise DeliveryError(f"platform {row.platform} is not enabled", permanent=True)
            with self._leases.holding(row_id):
                localized = self.people.localize(reply, platform=row.platform)
                sent = self._post(port, row, address, localized, interrupted=interrupted)
        except DeliveryError as exc:
            if exc.retry_after is not None and self.rate_limiter is not None:
                self.rate_limiter.penalize(row.platform, _limit_key(address), exc.retry_after)
            gave_up = self._record_failure(
                row, str(exc), retry_after=exc.retry_after, permanent=exc.permanent
            )
            return Delivery(DeliveryStatus.REFUSED) if gave_up else QUEUED
        except Exception as exc:  # network errors, SDK exceptions: transient until proven otherwise
            logger.exception("outbox: sending message %s failed", row_id)
            gave_up = self._record_failure(
                row, f"{type(exc).__name__}: {exc}", retry_after=None, permanent=False
            )
            return Delivery(DeliveryStatus.REFUSED) if gave_up else QUEUED
        with self._db.session() as session:
            session.execute(
                update(OutboxMessage)
                .where(col(OutboxMessage.id) == row_id)
                .values(
                    status="sent",
                    message_id=sent.message_id,
                    conversation=sent.conversation,
                    sent_at=self._clock.now(),
                    attempts=row.attempts + 1,
                )
            )
        metrics().replies_sent.labels(platform=row.platform).inc()
        return Delivery(DeliveryStatus.SENT, sent)

    def _post(
        self, port: ChatPort, row: OutboxMessage, address: Address, reply: Reply, *, interrupted: bool
    ) -> Sent:
        """Send the row's message, or update the message it replaces. After an interrupted send, the
        platform is asked first whether that send arrived (`find_sent`)."""
        if row.replaces:
            target = self._replaced(port, row.replaces)
            if target is not None:
                try:
                    port.update(target, reply)
                    return target
                except Exception:
                    logger.warning(
                        "outbox: could not update message %s; posting anew", row.replaces, exc_info=True
                    )
        key = _platform_key(row)
        if interrupted and (found := port.find_sent(address, key)) is not None:
            logger.info("outbox: message %s had reached %s before the interruption", row.id, row.platform)
            return found
        return port.send(address, reply, key=key)

    def _replaced(self, port: ChatPort, dedupe_key: str) -> Sent | None:
        """The message that `dedupe_key` became, to be replaced in place; None to post the new one on its own.

        One never attempted is cancelled, so it never goes out late. One whose send was interrupted by a
        crash (its lease ran out, or runs out while we wait for it) is looked up on the platform, else sent
        again under its own key (Feishu answers a repeated `uuid` with the first message) — so the answer
        replaces the placeholder people may already see instead of appearing beside it."""
        deadline = time.monotonic() + LEASE.total_seconds() + 1
        while True:
            with self._db.session() as session:
                old = session.exec(
                    select(OutboxMessage).where(col(OutboxMessage.dedupe_key) == dedupe_key)
                ).first()
            if old is None or old.status in ("failed", "cancelled"):
                return None
            if old.status == "sent":
                return Sent(
                    platform=old.platform,
                    conversation=old.conversation or "",
                    message_id=old.message_id or "",
                )
            in_flight = old.status == "sending" and as_utc(old.next_attempt_at) > self._clock.now()
            if not (in_flight and time.monotonic() < deadline):
                break
            self._sleep(0.5)  # only after a crash: the dead process's lease on it runs out
        with self._db.session() as session:
            taken = session.execute(
                update(OutboxMessage)
                .where(col(OutboxMessage.id) == old.id, col(OutboxMessage.status) == old.status)
                .values(
                    status="cancelled" if old.status == "pending" else "sending",
                    next_attempt_at=self._clock.now() + LEASE,
                    last_error="replaced before it was sent" if old.status == "pending" else old.last_error,
                )
            )
        if old.status == "pending" or not getattr(taken, "rowcount", 0):
            return None
        address, key = Address.model_validate_json(old.address), _platform_key(old)
        with self._leases.holding(old.id):
            found = port.find_sent(address, key) or port.send(
                address,
                self.people.localize(Reply.model_validate_json(old.reply), platform=old.platform),
                key=key,
            )
        with self._db.session() as session:
            session.execute(
                update(OutboxMessage)
                .where(col(OutboxMessage.id) == old.id)
                .values(
                    status="sent",
                    message_id=found.message_id,
                    conversation=found.conversation,
                    sent_at=self._clock.now(),
                )
            )
        return found

    def sent_as(self, dedupe_key: str | None) -> Sent | None:
        """The platform message a sent outbox message became, by its dedupe key; None if not sent (yet)."""
        if not dedupe_key:
            return None
        with self._db.session() as session:
            row = session.exec(
                select(OutboxMessage).where(col(OutboxMessage.dedupe_key) == dedupe_key)
            ).first()
        if row is None or row.status != "sent" or not row.message_id:
            return None
        return Sent(platform=row.platform, conversation=row.conversation or "", message_id=row.message_id)

    def _wait_for_slot(self, row: OutboxMessage, address: Address) -> bool:
        """Honour the rate limits: sleep a short wait; requeue the row for a long one (returns False)."""
        if self.rate_limiter is None:
            return True
        wait = self.rate_limiter.reserve(row.platform, _limit_key(address), max_wait=self.max_inline_wait)
        if wait <= 0:
            return True
        if wait <= self.max_inline_wait:
            self._sleep(wait)
            return True
        metrics().delivery_failures.labels(platform=row.platform, reason="rate_limited").inc()
        logger.info("outbox: message %s to %s rate-limited locally; due in %.1fs", row.id, row.platform, wait)
        with self._db.session() as session:
            session.execute(
                update(OutboxMessage)
                .where(col(OutboxMessage.id) == row.id)
                .values(status="pending", next_attempt_at=self._clock.now() + timedelta(seconds=wait))
            )
        return False

    def _record_failure(
        self, row: OutboxMessage, error: str, *, retry_after: float | None, permanent: bool
    ) -> bool:
        """Record a failed attempt; True when the message is given up (permanent, or out of attempts)."""
        attempts = row.attempts + 1
        give_up = permanent or attempts >= self.max_attempts
        delay = backoff(attempts)
        if retry_after is not None:
            delay = max(delay, timedelta(seconds=retry_after))
        metrics().delivery_failures.labels(
            platform=row.platform, reason="gave_up" if give_up else "retry"
        ).inc()
        logger.warning(
            "outbox: message %s to %s failed (attempt %d%s): %s",
            row.id,
            row.platform,
            attempts,
            ", giving up" if give_up else f", retry in {delay.total_seconds():.0f}s",
            error,
        )
        with self._db.session() as session:
            session.execute(
                update(OutboxMessage)
                .where(col(OutboxMessage.id) == row.id)
                .values(
                    status="failed" if give_up else "pending",
                    attempts=attempts,
                    last_error=error[:2000],
                    next_attempt_at=self._clock.now() + delay,
                )
            )
        return give_up


def _platform_key(row: OutboxMessage) -> str:
    """The key a platform may deduplicate one outbox message by (Feishu `uuid`, Slack metadata): the same on
    every attempt, unique across databases."""
    created = as_utc(row.created_at).isoformat() if row.created_at else ""
    return f"outbox:{row.id}:{created}"


def _limit_key(address: Address) -> str | None:
    """The conversation a message counts against; ephemeral messages have their own, looser limits."""
    if address.ephemeral:
        return None
    return address.conversation or address.user


class _LeaseKeeper:
    """Renews the leases of the sends in progress every `LEASE / 3`, from one background thread."""

    def __init__(self, *, renew: Callable[[list[int]], None]) -> None:
        self._renew = renew
        self._held: dict[int, int] = {}  # row id → how many sends hold it
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    @contextmanager
    def holding(self, row_id: int | None) -> Iterator[None]:
        if row_id is None:
            yield
            return
        with self._lock:
            self._held[row_id] = self._held.get(row_id, 0) + 1
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name="outbox-leases", daemon=True)
                self._thread.start()
        try:
            yield
        finally:
            with self._lock:
                self._held[row_id] -= 1
                if not self._held[row_id]:
                    del self._held[row_id]

    def _loop(self) -> None:
        while True:
            time.sleep(LEASE.total_seconds() / 3)
            with self._lock:
                held = list(self._held)
            if held:
                try:
                    self._renew(held)
                except Exception:
                    logger.warning("outbox: could not renew %d lease(s)", len(held), exc_info=True)
