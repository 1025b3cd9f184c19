"""Leader election: two electors on one database, only one leads; release or expiry hands over."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from bot.clock import Clock
from bot.database import Database
from jobs.leader import LEASE_TTL, LeaseElector, make_elector
from jobs.registry import unregister_services
from jobs.scheduler import SchedulerRuntime
from tests.fakes.harness import Harness


def test_only_one_lease_holder_and_expiry_hands_over(bot: Harness) -> None:
    a = LeaseElector(db=bot.services.db, clock=bot.clock, holder="a")
    b = LeaseElector(db=bot.services.db, clock=bot.clock, holder="b")
    assert a.try_acquire() is True
    assert b.try_acquire() is False
    bot.clock.advance(seconds=15)
    assert a.try_acquire() is True  # heartbeat renews
    bot.clock.advance(seconds=30)
    assert b.try_acquire() is False  # renewed 30 s ago: still a's
    bot.clock.advance(LEASE_TTL)  # a died: no heartbeat for longer than the lease
    assert b.try_acquire() is True
    assert a.try_acquire() is False  # a comes back as a follower
    assert b.current_holder() == "b"


def test_release_hands_over_at_the_next_heartbeat(bot: Harness) -> None:
    a = LeaseElector(db=bot.services.db, clock=bot.clock, holder="a")
    b = LeaseElector(db=bot.services.db, clock=bot.clock, holder="b")
    assert a.try_acquire()
    a.release()
    assert b.try_acquire()
    assert not a.try_acquire()


def test_two_processes_on_one_sqlite_file(sqlite_url: str, bot: Harness) -> None:
    """Separate engines (as separate processes would have) contend on the same database file."""
    other = Database(sqlite_url)
    try:
        a = LeaseElector(db=bot.services.db, clock=bot.clock, holder="a")
        b = LeaseElector(db=other, clock=bot.clock, holder="b")
        assert [a.try_acquire(), b.try_acquire()] == [True, False]
    finally:
        other.dispose()


def test_make_elector_on_any_database(database_url: str) -> None:
    """SQLite: lease row; PostgreSQL: pg_try_advisory_lock on a dedicated connection."""
    harness = Harness.create(database_url, migrate=False)
    try:
        a = make_elector(db=harness.services.db, clock=Clock(), holder="a")
        b = make_elector(db=harness.services.db, clock=Clock(), holder="b")
        assert a.try_acquire() and not b.try_acquire()
        assert a.try_acquire()  # staying leader is idempotent
        a.release()
        assert b.try_acquire() and not a.try_acquire()
        b.release()
    finally:
        harness.close()


@pytest.fixture
def runtimes(bot: Harness) -> Iterator[tuple[SchedulerRuntime, SchedulerRuntime]]:
    first = SchedulerRuntime(
        bot.services, elector=LeaseElector(db=bot.services.db, clock=bot.clock, holder="p1"), key="p1"
    )
    second = SchedulerRuntime(
        bot.services, elector=LeaseElector(db=bot.services.db, clock=bot.clock, holder="p2"), key="p2"
    )
    yield first, second
    for runtime in (first, second):
        runtime.stop()
    unregister_services(key="p1")
    unregister_services(key="p2")


def test_follower_takes_over_within_a_minute_when_the_leader_dies(
    bot: Harness, runtimes: tuple[SchedulerRuntime, SchedulerRuntime]
) -> None:
    first, second = runtimes
    assert first.step() is True and first.is_leader
    assert second.step() is False and not second.is_leader
    # the leader stops heart-beating (process killed); the follower keeps trying every 15 s
    died = bot.clock.now()
    for _ in range(4):
        bot.clock.advance(timedelta(seconds=15))
        if second.step():
            break
    assert second.is_leader
    assert bot.clock.now() - died <= timedelta(minutes=1)
    assert first.step() is False and not first.is_leader  # the old leader steps down when it wakes
