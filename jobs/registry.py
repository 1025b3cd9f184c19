"""The process-level registry of running services and schedulers, by key.

The APScheduler job store holds only a textual function reference and plain arguments (a key and an id or a
job name): the job functions (`jobs.scheduler.run_schedule_job`, `run_system_job`) look the live services up
here, so nothing live is ever pickled. The leader's scheduler registers itself as the running one, for the
`schedules.sync` system job (`jobs.housekeeping.sync_schedules`).
"""

from __future__ import annotations

import threading
from typing import Protocol

from services.context import Services

DEFAULT_KEY = "default"


class RunningScheduler(Protocol):
    """What other jobs may ask of the running scheduler (`jobs.scheduler.SchedulerEngine`)."""

    @property
    def running(self) -> bool: ...

    def sync_schedules(self) -> int:
        """Make the job store match the `schedule` table; returns how many jobs changed."""
        ...


_services: dict[str, Services] = {}
_schedulers: dict[str, RunningScheduler] = {}
_lock = threading.Lock()


def register_services(services: Services, *, key: str = DEFAULT_KEY) -> None:
    with _lock:
        _services[key] = services


def unregister_services(*, key: str = DEFAULT_KEY) -> None:
    with _lock:
        _services.pop(key, None)
        _schedulers.pop(key, None)


def services_for(key: str = DEFAULT_KEY) -> Services:
    with _lock:
        services = _services.get(key)
    if services is None:
        raise LookupError(f"no running services registered under {key!r}")
    return services


def register_scheduler(scheduler: RunningScheduler, *, key: str = DEFAULT_KEY) -> None:
    with _lock:
        _schedulers[key] = scheduler


def unregister_scheduler(scheduler: RunningScheduler, *, key: str = DEFAULT_KEY) -> None:
    """Forget `scheduler` (only if it is still the one registered under `key`)."""
    with _lock:
        if _schedulers.get(key) is scheduler:
            _schedulers.pop(key, None)


def running_scheduler(key: str = DEFAULT_KEY) -> RunningScheduler | None:
    with _lock:
        scheduler = _schedulers.get(key)
    return scheduler if scheduler is not None and scheduler.running else None
