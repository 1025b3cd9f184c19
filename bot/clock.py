"""Time, injectable. Handlers and jobs ask `services.clock.now()` so tests never sleep."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


def as_utc(value: datetime) -> datetime:
    """Databases hand back naive datetimes (SQLite): those are UTC by our convention."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Clock:
    def now(self) -> datetime:
        """The current time, timezone-aware, in UTC."""
        return datetime.now(UTC)


class FrozenClock(Clock):
    """A clock that moves only when told to (tests, simulations)."""

    def __init__(self, start: datetime) -> None:
        self._now = as_utc(start)

    def now(self) -> datetime:
        return self._now

    def set(self, value: datetime) -> None:
        self._now = as_utc(value)

    def advance(self, delta: timedelta | None = None, **kwargs: float) -> datetime:
        self._now += delta if delta is not None else timedelta(**kwargs)
        return self._now


class OffsetClock(Clock):
    """Real time plus an offset that only grows: the console's `time +2h` fast-forwards the bot (jobs,
    reminders, due dates) without waiting."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, delta: timedelta) -> datetime:
        if delta < timedelta(0):
            raise ValueError("time only moves forward")
        self.offset += delta
        return self.now()
