"""After the ack: route a message, deliver its replies. Adapters call `submit`, which returns at once.

The dispatcher resolves each reply's destination relative to the incoming message, sends it through the
outbox, opens forms, and for slow commands posts a "Looking it up…" placeholder that the answer replaces.
"""

from __future__ import annotations

import concurrent.futures
import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Generic

from bot.i18n import pick
from bot.idempotency import claim_event
from bot.logging_setup import log_context
from bot.messages import IncomingMessage, Reply, Sent, resolve_address
from bot.metrics import metrics
from bot.router import C, Router

logger = logging.getLogger(__name__)


class Dispatcher(Generic[C]):
    def __init__(self, *, services: C, router: Router[C], workers: int | None = None) -> None:
        self.services = services
        self.router = router
        self._pool = ThreadPoolExecutor(
            max_workers=workers or services.settings.worker_threads, thread_name_prefix="dispatch"
        )
        self._pending: set[Future[list[Sent]]] = set()
        self._lock = threading.Lock()

    def submit(self, msg: IncomingMessage) -> Future[list[Sent]]:
        """Process `msg` in the background; the caller has already acknowledged the platform."""
        future = self._pool.submit(self.process, msg)
        with self._lock:
            self._pending.add(future)
        future.add_done_callback(self._forget)
        return future

    def _forget(self, future: Future[list[Sent]]) -> None:
        with self._lock:
            self._pending.discard(future)

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block until every submitted message is processed (tests, graceful shutdown)."""
        with self._lock:
            pending = list(self._pending)
        _done, not_done = concurrent.futures.wait(pending, timeout=timeout)
        return not not_done

    def validate_form(self, msg: IncomingMessage) -> dict[str, str]:
        """A submitted form's errors, for the adapter to show inside the platform's ack (see Router)."""
        return self.router.validate_form(msg, self.services)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=False)

    def claim(self, msg: IncomingMessage) -> bool:
        """False when this event was already handled (a retry or a redelivery)."""
        if not msg.event_id:
            return True
        return claim_event(db=self.services.db, platform=msg.platform, key=msg.event_id)

    def process(self, msg: IncomingMessage) -> list[Sent]:
        """Route and deliver; never raises (a listener must not crash)."""
        with log_context(event_id=msg.event_id or msg.message_id, platform=msg.platform):
            return self._process(msg)

    def _process(self, msg: IncomingMessage) -> list[Sent]:
        counters = metrics()
        kind = str(msg.kind)
        counters.events_received.labels(platform=msg.platform, kind=kind).inc()
        self.services.outbox.people.remember(platform=msg.platform, user=msg.user, name=msg.user_name)
        try:
            if not self.claim(msg):
                counters.events_duplicate.labels(platform=msg.platform).inc()
                logger.info("duplicate delivery of %s/%s ignored", msg.platform, msg.event_id)
                return []
            with counters.time_answer(platform=msg.platform, kind=kind):
                route = self.router.route(msg)
                placeholder = self._post_placeholder(msg) if route.placeholder else None
                replies = self.router.run(route, self.services)
                return self.deliver(msg, replies, placeholder=placeholder)
        except Exception:
            counters.events_failed.labels(platform=msg.platform).inc()
            logger.exception("dispatch failed event_id=%s platform=%s", msg.event_id, msg.platform)
            return []

    def deliver(
        self, msg: IncomingMessage, replies: list[Reply], *, placeholder: Sent | None = None
    ) -> list[Sent]:
        sent: list[Sent] = []
        port = self.services.ports.get(msg.platform)
        for reply in replies:
            if reply.form is not None and reply.to is None:
                if port is not None:
                    port.open_form(msg, reply.form)
                continue
            address = resolve_address(msg, reply)
            if placeholder is not None and port is not None and not address.ephemeral and reply.to is None:
                try:
                    port.update(
                        placeholder, self.services.outbox.people.localize(reply, platform=msg.platform)
                    )
                    sent.append(placeholder)
                    placeholder = None
                    continue
                except Exception:
                    logger.warning("could not update placeholder; posting the answer instead", exc_info=True)
                    placeholder = None
            delivery = self.services.outbox.deliver(address, reply)
            if delivery.sent is not None:
                sent.append(delivery.sent)
        return sent

    def _post_placeholder(self, msg: IncomingMessage) -> Sent | None:
        port = self.services.ports.get(msg.platform)
        if port is None:
            return None
        text = pick(msg.language, "Looking it up…", "正在查找…")
        reply = Reply(text=text, where="thread")
        try:
            return port.send(resolve_address(msg, reply), reply)
        except Exception:
            logger.warning("placeholder not posted", exc_info=True)
            return None
