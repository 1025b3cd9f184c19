"""Who is told that the `schedule` table changed in this process.

The running scheduler (`jobs.scheduler.SchedulerEngine`) subscribes while it runs, so a schedule added,
paused, resumed or removed in chat applies at once in the leader process; other processes' changes reach
the leader within a minute through its `schedules.sync` system job. Services never import the scheduler:
they only call `notify()`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

logger = logging.getLogger(__name__)

Listener = Callable[[], object]

_listeners: list[Listener] = []
_lock = threading.Lock()


def subscribe(listener: Listener) -> None:
    with _lock:
        if listener not in _listeners:
            _listeners.append(listener)


def unsubscribe(listener: Listener) -> None:
    with _lock:
        if listener in _listeners:
            _listeners.remove(listener)


def notify() -> None:
    """Tell every listener; one failing listener is logged and does not stop the others (or the caller)."""
    with _lock:
        listeners = list(_listeners)
    for listener in listeners:
        try:
            listener()
        except Exception:
            logger.exception("a schedule-change listener failed")
