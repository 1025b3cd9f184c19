"""Prometheus metrics: events received, replies sent, outbox depth, job runs, answer latency.

One registry per process, created on first use (no import-time side effects). `GET /metrics` renders it
in the Prometheus text format; the outbox depth is read from the database at scrape time so every process
behind a load balancer reports the shared queue.

    from bot.metrics import metrics
    metrics().events_received.labels(platform="slack", kind="message").inc()
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from time import perf_counter

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

logger = logging.getLogger(__name__)

CONTENT_TYPE = CONTENT_TYPE_LATEST
LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


@dataclass(frozen=True)
class Metrics:
    registry: CollectorRegistry
    events_received: Counter
    events_duplicate: Counter
    events_failed: Counter
    replies_sent: Counter
    delivery_failures: Counter
    outbox_depth: Gauge
    job_runs: Counter
    answer_latency: Histogram

    def render(self, *, outbox_depth: Callable[[], int] | None = None) -> bytes:
        """The text exposition; refreshes the outbox depth first when a reader is given."""
        if outbox_depth is not None:
            try:
                self.outbox_depth.set(outbox_depth())
            except Exception:
                logger.warning("metrics: could not read the outbox depth", exc_info=True)
        return generate_latest(self.registry)

    @contextmanager
    def time_answer(self, *, platform: str, kind: str) -> Iterator[None]:
        """Observe how long handling one event took (routing, handler, delivery)."""
        start = perf_counter()
        try:
            yield
        finally:
            self.answer_latency.labels(platform=platform, kind=kind).observe(perf_counter() - start)


def _build() -> Metrics:
    registry = CollectorRegistry(auto_describe=True)
    return Metrics(
        registry=registry,
        events_received=Counter(
            "salesbridge_events_received",
            "Inbound events taken for processing (after the platform ack).",
            ["platform", "kind"],
            registry=registry,
        ),
        events_duplicate=Counter(
            "salesbridge_events_duplicate",
            "Redelivered events ignored by the idempotency check.",
            ["platform"],
            registry=registry,
        ),
        events_failed=Counter(
            "salesbridge_events_failed",
            "Events whose processing raised unexpectedly.",
            ["platform"],
            registry=registry,
        ),
        replies_sent=Counter(
            "salesbridge_replies_sent",
            "Outgoing messages the platform accepted.",
            ["platform"],
            registry=registry,
        ),
        delivery_failures=Counter(
            "salesbridge_delivery_failures",
            "Outgoing messages not accepted: reason is rate_limited (local), retry or gave_up.",
            ["platform", "reason"],
            registry=registry,
        ),
        outbox_depth=Gauge(
            "salesbridge_outbox_depth",
            "Messages waiting in the outbox (pending or being sent), across all processes.",
            registry=registry,
        ),
        job_runs=Counter(
            "salesbridge_job_runs",
            "Scheduled job runs by job id and outcome (ok, error, missed).",
            ["job", "outcome"],
            registry=registry,
        ),
        answer_latency=Histogram(
            "salesbridge_answer_latency_seconds",
            "Time from taking an event to having delivered its replies.",
            ["platform", "kind"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        ),
    )


@cache
def metrics() -> Metrics:
    """The process-wide metrics (built on first use)."""
    return _build()


def record_job_run(*, job: str, outcome: str) -> None:
    """For the scheduler: count one run of `job` (`ok`, `error` or `missed`)."""
    metrics().job_runs.labels(job=job, outcome=outcome).inc()


def instrument_scheduler(scheduler: object) -> None:
    """Count APScheduler job executions, errors and misfires (call once after building the scheduler)."""
    from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, EVENT_JOB_MISSED, JobEvent

    outcomes = {EVENT_JOB_EXECUTED: "ok", EVENT_JOB_ERROR: "error", EVENT_JOB_MISSED: "missed"}

    def listener(event: JobEvent) -> None:
        record_job_run(job=str(event.job_id), outcome=outcomes.get(event.code, "other"))

    scheduler.add_listener(listener, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR | EVENT_JOB_MISSED)  # type: ignore[attr-defined]
