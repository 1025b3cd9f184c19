"""Serving until SIGTERM/SIGINT, then stopping gracefully: what systemd, Docker and Kubernetes expect.

uvicorn re-raises the signal it caught once its server has stopped, which kills the process (exit 143)
before the bot could finish its work. `serve_http` keeps the signal to itself, so `Application.stop` runs:
no new work is taken, work in flight finishes within the grace period or goes back to the inbox, the outbox
is flushed, and the process exits 0. `wait_for_signal` does the same for processes without an HTTP server
(`salesbridge worker`).
"""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
from collections.abc import Iterator
from typing import Any

logger = logging.getLogger(__name__)

SIGNALS = (signal.SIGTERM, signal.SIGINT)


def serve_http(app: Any, *, host: str, port: int) -> None:
    """Run `app` with uvicorn until SIGTERM/SIGINT; returns instead of re-raising the signal."""
    import uvicorn  # the HTTP server: loaded only by the commands that serve

    class GracefulServer(uvicorn.Server):
        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            with super().capture_signals():
                yield
                if self._captured_signals:
                    logger.info("signal %s: stopping gracefully", self._captured_signals[-1])
                self._captured_signals.clear()  # handled by our caller: no re-raise

    # no access log: a line per request is CPU on the acknowledgement path (errors are still logged)
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False)
    GracefulServer(config).run()


def wait_for_signal() -> int:
    """Block the main thread until SIGTERM or SIGINT; returns the signal number."""
    received: list[int] = []
    stop = threading.Event()

    def handler(signum: int, _frame: Any) -> None:
        received.append(signum)
        stop.set()

    previous = {sig: signal.signal(sig, handler) for sig in SIGNALS}
    try:
        stop.wait()
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
    logger.info("signal %s: stopping gracefully", received[0])
    return received[0]
