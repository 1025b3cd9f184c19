"""Exactly one scheduler leader among several bot processes.

- PostgreSQL: `pg_try_advisory_lock` held on a dedicated connection. The server releases it when that
  connection dies, so a follower's next attempt (every `HEARTBEAT`) takes over.
- SQLite (and anything else): a lease row in `scheduler_lease` renewed by a heartbeat; a follower takes it
  once it has expired (`LEASE_TTL`). Works for several processes on one machine sharing the database file.

Either way a follower takes over within a minute of the leader's death. Posts carry outbox dedupe keys per
schedule and slot, so even a brief overlap of two leaders cannot double-post.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from datetime import timedelta
from typing import Any, Protocol

from sqlalchemy import or_, text, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from bot.clock import Clock, as_utc
from bot.database import Database
from bot.models import SchedulerLease

logger = logging.getLogger(__name__)

LEASE_TTL = timedelta(seconds=45)
HEARTBEAT = timedelta(seconds=15)
ADVISORY_LOCK_KEY = 0x5A1E5B81  # "SalesBridge scheduler", an arbitrary 64-bit key shared by all processes


def default_holder() -> str:
    """host:pid:random — unique per process, readable in the lease table."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Elector(Protocol):
    holder: str

    def try_acquire(self) -> bool:
        """Become or stay the leader; False when another process leads. Called every HEARTBEAT."""
        ...

    def release(self) -> None: ...


class LeaseElector:
    """A lease row with heartbeat: the holder renews it, others take it only after it expired."""

    def __init__(
        self,
        *,
        db: Database,
        clock: Clock,
        holder: str | None = None,
        name: str = "scheduler",
        ttl: timedelta = LEASE_TTL,
    ) -> None:
        self._db = db
        self._clock = clock
        self.holder = holder or default_holder()
        self.name = name
        self.ttl = ttl

    def try_acquire(self) -> bool:
        now = self._clock.now()
        with self._db.session() as session:
            result = session.execute(
                update(SchedulerLease)
                .where(
                    col(SchedulerLease.name) == self.name,
                    or_(col(SchedulerLease.holder) == self.holder, col(SchedulerLease.expires_at) < now),
                )
                .values(holder=self.holder, expires_at=now + self.ttl, heartbeat_at=now)
            )
            if getattr(result, "rowcount", 0):
                return True
        try:
            with self._db.session() as session:
                session.add(
                    SchedulerLease(
                        name=self.name, holder=self.holder, expires_at=now + self.ttl, heartbeat_at=now
                    )
                )
            return True
        except IntegrityError:
            return False

    def release(self) -> None:
        """Step down: expire our lease now so a follower takes over at its next heartbeat."""
        now = self._clock.now()
        with self._db.session() as session:
            session.execute(
                update(SchedulerLease)
                .where(col(SchedulerLease.name) == self.name, col(SchedulerLease.holder) == self.holder)
                .values(expires_at=now - timedelta(seconds=1))
            )

    def current_holder(self) -> str | None:
        now = self._clock.now()
        with self._db.session() as session:
            lease = session.get(SchedulerLease, self.name)
        if lease is None:
            return None
        return lease.holder if as_utc(lease.expires_at) >= now else None


class AdvisoryLockElector:
    """PostgreSQL session-level advisory lock on a dedicated connection (not from the pool's churn)."""

    def __init__(self, *, db: Database, holder: str | None = None, key: int = ADVISORY_LOCK_KEY) -> None:
        self._engine = db.engine
        self.holder = holder or default_holder()
        self.key = key
        self._connection: Any = None

    def try_acquire(self) -> bool:
        if self._connection is not None:
            try:  # we hold it already: check the connection (and so the lock) is still alive
                self._connection.execute(text("SELECT 1"))
                return True
            except Exception:
                logger.warning("scheduler leader connection lost; stepping down", exc_info=True)
                self._drop()
        connection = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        try:
            got = bool(connection.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": self.key}).scalar())
        except Exception:
            connection.close()
            raise
        if not got:
            connection.close()
            return False
        self._connection = connection
        return True

    def release(self) -> None:
        if self._connection is None:
            return
        try:
            self._connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self.key})
        except Exception:
            logger.warning("could not unlock the scheduler advisory lock", exc_info=True)
        self._drop()

    def _drop(self) -> None:
        try:
            self._connection.close()
        except Exception:
            logger.debug("closing a dead leader connection failed", exc_info=True)
        self._connection = None


def make_elector(*, db: Database, clock: Clock, holder: str | None = None) -> Elector:
    if db.is_postgres:
        return AdvisoryLockElector(db=db, holder=holder)
    return LeaseElector(db=db, clock=clock, holder=holder)
