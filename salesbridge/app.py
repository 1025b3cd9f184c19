"""The composition root: the one place that builds settings, ports, services, router and dispatcher."""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from bot.clock import Clock
from bot.config import Settings
from bot.database import Database
from bot.dispatch import Dispatcher
from bot.inbox import RawEvent
from bot.llm import LLM
from bot.messages import IncomingMessage
from bot.outbox import Outbox
from bot.ports import ChatPort
from bot.rate_limits import RateLimiter, parse_limits
from bot.roles import Roles
from bot.router import Router
from handlers import register_handlers
from jobs.scheduler import SchedulerRuntime
from knowledge.base import KnowledgeBase
from knowledge.embedding import open_embedder
from services.context import Services

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response

logger = logging.getLogger(__name__)


def build_ports(settings: Settings) -> dict[str, ChatPort]:
    """Outbound clients of the enabled platforms (lark-oapi is imported only when Feishu is enabled)."""
    ports: dict[str, ChatPort] = {}
    if settings.slack_enabled:
        from bot.platforms.slack import create_port as create_slack_port

        ports["slack"] = create_slack_port(settings)
    if settings.feishu_enabled:
        from bot.platforms.feishu import create_port as create_feishu_port

        ports["feishu"] = create_feishu_port(settings)
    return ports


def build_router() -> Router[Services]:
    router: Router[Services] = Router()
    register_handlers(router)
    return router


def build_services(
    settings: Settings,
    *,
    ports: Mapping[str, ChatPort] | None = None,
    clock: Clock | None = None,
    db: Database | None = None,
    synchronous_commit: bool = True,
) -> Services:
    db = db or Database(
        settings.database_url, pool_size=settings.db_pool_size, synchronous_commit=synchronous_commit
    )
    clock = clock or Clock()
    port_map = dict(ports) if ports is not None else build_ports(settings)
    llm = LLM.from_settings(settings)
    embedder, embedding_status = open_embedder(settings, llm)
    return Services(
        settings=settings,
        db=db,
        clock=clock,
        ports=port_map,
        outbox=Outbox(
            db=db,
            ports=port_map,
            clock=clock,
            rate_limiter=RateLimiter(parse_limits(settings.outbox_rate_limits)),
        ),
        roles=Roles(settings=settings, db=db),
        knowledge=KnowledgeBase(
            db=db, settings=settings, llm=llm, embedder=embedder, embedding_status=embedding_status
        ),
        llm=llm,
    )


class Inbound(Protocol):
    """A platform's inbound adapter (`bot/platforms/*/inbound.py`), as the server and the workers use it."""

    async def handle(self, request: Request) -> Response: ...

    def replay(self, raw: RawEvent) -> IncomingMessage | None: ...


def build_inbound(platform: str, dispatcher: Dispatcher[Services]) -> Inbound:
    """The inbound adapter of an enabled platform (its SDK is imported here, on first use)."""
    if platform == "slack":
        from bot.platforms.slack import SlackInbound

        return SlackInbound(dispatcher)
    if platform == "feishu":
        from bot.platforms.feishu import FeishuInbound

        return FeishuInbound(dispatcher)
    raise LookupError(f"no inbound adapter for {platform}")


@dataclass
class Application:
    services: Services
    router: Router[Services]
    dispatcher: Dispatcher[Services]
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)
    _scheduler: SchedulerRuntime | None = None
    _inbound: dict[str, Inbound] = field(default_factory=dict)
    _inbound_lock: threading.Lock = field(default_factory=threading.Lock)

    def inbound(self, platform: str) -> Inbound:
        """This process's inbound adapter for `platform`, built on first use: the webhook endpoint's, and the
        one workers replay raw events through (events acknowledged before the SDK dispatched them)."""
        with self._inbound_lock:
            if platform not in self._inbound:
                self._inbound[platform] = build_inbound(platform, self.dispatcher)
            return self._inbound[platform]

    def replay(self, raw: RawEvent) -> IncomingMessage | None:
        return self.inbound(raw.platform).replay(raw)

    def start_background(
        self, *, outbox_interval: float = 1.0, scheduler: bool = True, workers: int | None = None
    ) -> None:
        """The inbox workers (`workers` threads, default SALESBRIDGE_WORKER_THREADS), the outbox retry loop
        (every working process runs one; leases keep them from double-sending), the knowledge index and
        background embedding, and the scheduler's leader election (only the elected process fires jobs).

        With 0 workers this process only acknowledges (`serve --workers 0` beside `salesbridge worker`
        processes): none of that runs here, so nothing competes with the acknowledgements for the CPU —
        the workers send and retry, embed and run the scheduled jobs."""
        count = self.services.settings.worker_threads if workers is None else workers
        self.dispatcher.workers = count  # 0: events are only written down here (`serve --workers 0`)
        if not count:
            logger.info("acknowledging only: the workers process, send, embed and run the scheduled jobs")
            return
        self.dispatcher.start_workers(count)

        def loop() -> None:
            while not self._stop.wait(outbox_interval):
                try:
                    self.services.outbox.flush()
                except Exception:
                    logger.exception("outbox flush failed")

        thread = threading.Thread(target=loop, name="outbox", daemon=True)
        thread.start()
        self._threads.append(thread)
        self.services.knowledge.warm_in_background()  # the first question must not pay for loading the index
        self.services.knowledge.start_background_embedding()  # sections ingested without vectors
        if scheduler:
            self._scheduler = SchedulerRuntime(self.services)
            self._scheduler.start()

    def stop(self, *, grace: float | None = None) -> bool:
        """Stop taking work, let what is in flight finish within `grace` seconds (default
        SALESBRIDGE_SHUTDOWN_GRACE_SECONDS) and hand the rest back to the inbox, then flush the outbox once.
        True when nothing was left unfinished."""
        grace = self.services.settings.shutdown_grace_seconds if grace is None else grace
        if self._scheduler is not None:
            self._scheduler.stop()
            self._scheduler = None
        finished = self.dispatcher.shutdown(grace=grace)
        self._stop.set()
        self.services.knowledge.stop_background_embedding()
        for thread in self._threads:
            thread.join(timeout=5)
        try:
            self.services.outbox.flush()
        except Exception:
            logger.warning("final outbox flush failed; the messages wait for the next process", exc_info=True)
        return finished


def build_application(
    settings: Settings | None = None,
    *,
    ports: Mapping[str, ChatPort] | None = None,
    clock: Clock | None = None,
    migrate: bool = True,
    db: Database | None = None,
    synchronous_commit: bool = True,
) -> Application:
    """`synchronous_commit=False` for a process that writes no acknowledgement (`salesbridge worker`): its
    work is redone from the inbox after a database crash, so its commits need not wait for the disk."""
    settings = settings or Settings()
    services = build_services(
        settings, ports=ports, clock=clock, db=db, synchronous_commit=synchronous_commit
    )
    if migrate:
        services.db.upgrade()
    router = build_router()
    application = Application(
        services=services, router=router, dispatcher=Dispatcher(services=services, router=router)
    )
    for platform in ("slack", "feishu"):
        if platform in services.ports:
            application.dispatcher.decoders[platform] = application.replay
    return application
