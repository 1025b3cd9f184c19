"""After the ack: adapters call `submit`, which writes the event to the inbox and returns; workers route it
and deliver its replies.

`submit` is the only thing on the platform's 3-second path: one INSERT (`bot/inbox.py`). It raises
`IntakeError` when the database cannot take the event, and the adapter answers 5xx so the platform retries.
What is submitted is a translated message, or a `RawEvent` (a plain Slack/Feishu event, verified but not yet
dispatched through its SDK): a worker turns the latter into a message through `decoders[platform]` (the
platform adapter's `replay`, registered by the composition root) before routing it.
Workers — threads of this process (`serve`, the default) and/or `salesbridge worker` processes on the same
database — take events from the inbox: the ones this process accepted at once, the others (accepted by a
process that runs no workers, left by a crash, due for a retry) by polling. Each event's replies go through
the outbox under dedupe keys derived from its inbox row, and so does the "Looking it up…" placeholder that
the answer replaces: work resumed after a crash neither answers twice nor leaves a placeholder behind.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time
from collections.abc import Callable
from typing import Generic

from bot.database import transient_database_error
from bot.i18n import pick
from bot.inbox import Accepted, Inbox, Item, RawEvent
from bot.logging_setup import log_context
from bot.messages import IncomingMessage, Reply, Sent, resolve_address
from bot.metrics import metrics
from bot.router import C, Router

logger = logging.getLogger(__name__)

POLL_SECONDS = 0.5  # how often idle workers look for events accepted elsewhere, retries and expired leases
Claimed = tuple[int, Item, int]  # an inbox entry whose lease this process holds: entry, item, attempt
# A platform adapter's way back from a `RawEvent` to the message its SDK makes of it (None: nothing to do)
Decoder = Callable[[RawEvent], IncomingMessage | None]


class Dispatcher(Generic[C]):
    def __init__(
        self, *, services: C, router: Router[C], workers: int | None = None, inbox: Inbox | None = None
    ) -> None:
        self.services = services
        self.router = router
        self.inbox = inbox or Inbox(db=services.db, clock=services.clock)
        self.workers = services.settings.worker_threads if workers is None else workers
        self.decoders: dict[str, Decoder] = {}  # by platform, for events acknowledged before translation
        self._queue: queue.Queue[Claimed | None] = queue.Queue()  # leased to this process; None: stop
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._queued: set[int] = set()  # queued or running here, not finished yet
        self._held: dict[int, int] = {}  # entry → attempt of every lease this process holds (renewed)
        self._threads: list[threading.Thread] = []
        self._capacity = 0  # worker threads running here
        self._freed = threading.Event()  # a worker thread finished something: the poller may claim more
        self._draining = threading.Event()  # shutting down: no new work is taken
        self._stopping = threading.Event()  # the grace period is over: queued work is left to the inbox

    # --- intake (the ack path) ---------------------------------------------------------------------
    def submit(self, msg: Item) -> int | None:
        """Write `msg` (a translated message, or a `RawEvent` a worker will translate) to the inbox and queue
        it for this process's workers (if it runs any). Returns the inbox entry, or None for a redelivery of
        finished work. Raises `IntakeError` (answer 5xx)."""
        here = bool(self.workers) and not self._draining.is_set()
        self._count(msg)
        return self._queue_here(msg, self._accepted(msg, self.inbox.accept(msg, claim=here)), here=here)

    async def submit_async(self, msg: Item) -> int | None:
        """`submit` from the event loop (the webhooks' plain-event acknowledgements): on PostgreSQL the INSERT
        runs on the loop (`Inbox.accept_async`), without a hop to a thread and back."""
        here = bool(self.workers) and not self._draining.is_set()
        self._count(msg)
        accepted = self._accepted(msg, await self.inbox.accept_async(msg, claim=here))
        if here and accepted.entry is not None and not accepted.claimed:  # resumed: one more statement
            return await asyncio.to_thread(self._queue_here, msg, accepted, here=here)
        return self._queue_here(msg, accepted, here=here)

    def _queue_here(self, msg: Item, accepted: Accepted, *, here: bool) -> int | None:
        if accepted.entry is None:
            return None
        if accepted.resumed:
            logger.info("redelivery of unfinished %s/%s: resumed", msg.platform, msg.event_id)
        if here:
            self.start_workers()  # at once, or on the first event of a process that did not start them
            claimed = (msg, 1) if accepted.claimed else self.inbox.claim(accepted.entry)
            if claimed is not None:
                self._enqueue((accepted.entry, *claimed))
        return accepted.entry

    def validate_form(self, msg: IncomingMessage) -> dict[str, str]:
        """A submitted form's errors, for the adapter to show inside the platform's ack (see Router)."""
        return self.router.validate_form(msg, self.services)

    def process(self, msg: IncomingMessage) -> list[Sent]:
        """Accept and work on `msg` in this thread (the console, tests): what `submit` + a worker do."""
        accepted = self._accept(msg, claim=True)
        if accepted.entry is None:
            return []
        return self._run(accepted.entry, msg, 1) if accepted.claimed else self.work(accepted.entry)

    def _accept(self, msg: Item, *, claim: bool) -> Accepted:
        self._count(msg)
        return self._accepted(msg, self.inbox.accept(msg, claim=claim))

    @staticmethod
    def _count(msg: Item) -> None:
        kind = str(msg.kind) if isinstance(msg, IncomingMessage) else "message"  # raw: a message event
        metrics().events_received.labels(platform=msg.platform, kind=kind).inc()

    @staticmethod
    def _accepted(msg: Item, accepted: Accepted) -> Accepted:
        if accepted.entry is None:
            metrics().events_duplicate.labels(platform=msg.platform).inc()
            logger.info("duplicate delivery of %s/%s ignored", msg.platform, msg.event_id)
        return accepted

    # --- workers -----------------------------------------------------------------------------------
    def start_workers(self, count: int | None = None) -> None:
        """Run worker threads and the poller in this process (`serve` by default, `salesbridge worker`)."""
        with self._lock:
            if self._threads:
                return
            self._capacity = count or self.workers
            self._threads = self._spawn(self._capacity)

    def _spawn(self, count: int) -> list[threading.Thread]:
        self._draining.clear()
        self._stopping.clear()
        threads = [
            threading.Thread(target=self._worker, name=f"worker-{index}", daemon=True)
            for index in range(count)
        ]
        threads.append(threading.Thread(target=self._poll_loop, name="inbox-poller", daemon=True))
        for thread in threads:
            thread.start()
        return threads

    def _enqueue(self, item: Claimed) -> None:
        entry, _msg, attempt = item
        with self._lock:
            self._held[entry] = attempt
            self._queued.add(entry)
        self._queue.put(item)

    def _worker(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            entry = item[0]
            try:
                if not self._stopping.is_set():
                    self._run(*item)
            finally:
                with self._idle:
                    self._queued.discard(entry)
                    self._idle.notify_all()
                self._freed.set()

    def _poll_loop(self) -> None:
        """Claim due events for the idle threads. After a full batch (a backlog) the next claim comes as soon
        as a thread is free; otherwise every `POLL_SECONDS`."""
        renewed = time.monotonic()
        backlog = False
        while not self._draining.is_set():
            try:
                with self._lock:
                    idle = self._capacity - len(self._queued)  # take only what can start now
                if idle > 0:
                    claimed = self.inbox.claim_due(limit=idle)
                    backlog = len(claimed) == idle
                    for item in claimed:
                        self._enqueue(item)
                if time.monotonic() - renewed > self.inbox.lease.total_seconds() / 3:
                    renewed = time.monotonic()
                    with self._lock:
                        held = list(self._held)
                    self.inbox.renew(held)
            except Exception:  # the database is away: try again at the next poll
                logger.warning("inbox poll failed", exc_info=True)
                backlog = False
            if backlog:
                self._freed.wait(POLL_SECONDS)
                self._freed.clear()
            else:
                self._draining.wait(POLL_SECONDS)

    def work(self, entry: int) -> list[Sent]:
        """Claim an inbox entry, route it, deliver its replies, record the outcome. Never raises."""
        try:
            claimed = self.inbox.claim(entry)
        except Exception:
            logger.warning("could not claim inbox entry %s; it stays due", entry, exc_info=True)
            return []
        if claimed is None:
            return []  # finished meanwhile, or another worker holds it
        return self._run(entry, *claimed)

    def _run(self, entry: int, item: Item, attempt: int) -> list[Sent]:
        with self._lock:
            self._held[entry] = attempt
        try:
            event_id = item.event_id or (item.message_id if isinstance(item, IncomingMessage) else None)
            with log_context(event_id=event_id, platform=item.platform):
                return self._work(entry, item, attempt)
        finally:
            with self._lock:
                self._held.pop(entry, None)

    def decode(self, raw: RawEvent) -> IncomingMessage | None:
        """The message a raw event stands for, through its platform adapter's SDK (raises when this process
        has no adapter for it: the event is retried, perhaps by another process)."""
        decoder = self.decoders.get(raw.platform)
        if decoder is None:
            raise LookupError(f"no {raw.platform} adapter in this process to read a raw event")
        return decoder(raw)

    def _work(self, entry: int, item: Item, attempt: int) -> list[Sent]:
        counters = metrics()
        try:
            msg = item if isinstance(item, IncomingMessage) else self.decode(item)
            if msg is None:  # not for the bot after all (the SDK's middleware or the translation said so)
                self.inbox.finish(entry, attempt=attempt)
                return []
            kind = str(msg.kind)
            self.services.outbox.people.remember(platform=msg.platform, user=msg.user, name=msg.user_name)
            with counters.time_answer(platform=msg.platform, kind=kind):
                route = self.router.route(msg)
                waiting = self._post_placeholder(msg, entry) if route.placeholder else None
                replies = self.router.run(route, self.services)
                sent = self.deliver(msg, replies, entry=entry, placeholder=waiting)
            self.inbox.finish(entry, attempt=attempt)
            return sent
        except Exception as exc:
            counters.events_failed.labels(platform=item.platform).inc()
            transient = transient_database_error(exc)
            log = logger.warning if transient else logger.exception
            log("processing event %s failed (attempt %d): %s", item.event_id or entry, attempt, exc)
            try:
                self.inbox.retry(entry, attempt=attempt, error=f"{type(exc).__name__}: {exc}")
            except Exception:
                logger.warning("could not record the failure of entry %s; its lease will expire", entry)
            return []

    # --- delivery ----------------------------------------------------------------------------------
    def deliver(
        self, msg: IncomingMessage, replies: list[Reply], *, entry: int, placeholder: str | None = None
    ) -> list[Sent]:
        """Send `replies` through the outbox, keyed by the inbox entry; the first one that goes to the
        conversation replaces the placeholder (whose outbox dedupe key is `placeholder`)."""
        sent: list[Sent] = []
        port = self.services.ports.get(msg.platform)
        for index, reply in enumerate(replies):
            if reply.form is not None and reply.to is None:
                if port is not None:  # a form opens on a trigger valid for seconds: now or never
                    port.open_form(msg, reply.form)
                continue
            address = resolve_address(msg, reply)
            replaces = None
            if placeholder is not None and not address.ephemeral and reply.to is None:
                replaces, placeholder = placeholder, None
            delivery = self.services.outbox.deliver(
                address, reply, dedupe_key=f"in:{entry}:{index}", replaces=replaces
            )
            if delivery.sent is not None:
                sent.append(delivery.sent)
        return sent

    def _post_placeholder(self, msg: IncomingMessage, entry: int) -> str | None:
        """Post "Looking it up…" (once per entry, also when the work is resumed); its outbox dedupe key."""
        if msg.platform not in self.services.ports:
            return None
        reply = Reply(text=pick(msg.language, "Looking it up…", "正在查找…"), where="thread")
        key = f"in:{entry}:wait"
        self.services.outbox.deliver(resolve_address(msg, reply), reply, dedupe_key=key)
        return key

    # --- stopping ----------------------------------------------------------------------------------
    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block until everything queued in this process is finished (tests, graceful shutdown)."""
        deadline = time.monotonic() + timeout
        with self._idle:
            while self._queued:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._idle.wait(remaining)
        return True

    def shutdown(self, *, grace: float = 10.0) -> bool:
        """Stop taking work, let what is running finish within `grace` seconds, and hand whatever is left
        back to the inbox (due now, for another process or the next start). True when nothing was left."""
        self._draining.set()
        self._freed.set()  # the poller stops at once
        finished = self.wait_idle(timeout=grace)
        self._stopping.set()
        with self._lock:
            left = sorted(self._held)
        try:
            self.inbox.hand_back(left)
        except Exception:
            logger.warning("could not hand back %d inbox entries; their leases will expire", len(left))
        with self._lock:
            threads, self._threads = self._threads, []
        for _ in threads:
            self._queue.put(None)
        if left:
            logger.info("shutdown: %d unfinished event(s) handed back to the inbox", len(left))
        return finished
