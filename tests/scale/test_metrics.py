"""`GET /metrics`: Prometheus text with events, replies, outbox depth, job runs and answer latency."""

from __future__ import annotations

from collections.abc import Callable

from prometheus_client.parser import text_string_to_metric_families
from starlette.testclient import TestClient

from bot.errors import DeliveryError
from bot.messages import Address, Reply
from bot.metrics import instrument_scheduler, metrics, record_job_run
from salesbridge.app import build_application
from salesbridge.server import create_asgi_app
from tests.fakes.chat import FakePort
from tests.fakes.harness import Harness, make_settings


def sample(text: str, name: str, **labels: str) -> float:
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
                return float(s.value)
    return 0.0


def scrape(client: TestClient) -> str:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return response.text


def test_metrics_endpoint_counts_events_replies_and_depth(sqlite_url: str) -> None:
    port = FakePort(platform="console")
    app = build_application(make_settings(sqlite_url), ports={"console": port}, migrate=False)
    client = TestClient(create_asgi_app(app))
    before = scrape(client)

    msg = Harness.message("help", platform="console", event_id="EvM1")
    app.dispatcher.process(msg)
    app.dispatcher.process(msg)  # redelivery
    port.fail_next = [DeliveryError("HTTP 500")]
    app.services.send(Address(platform="console", conversation="C1"), Reply(text="queued"))
    record_job_run(job="digest", outcome="ok")

    after = scrape(client)
    delta = lambda name, **labels: sample(after, name, **labels) - sample(before, name, **labels)  # noqa: E731
    assert delta("salesbridge_events_received_total", platform="console", kind="message") == 2
    assert delta("salesbridge_events_duplicate_total", platform="console") == 1
    assert delta("salesbridge_replies_sent_total", platform="console") == 1
    assert delta("salesbridge_delivery_failures_total", platform="console", reason="retry") == 1
    assert delta("salesbridge_job_runs_total", job="digest", outcome="ok") == 1
    assert delta("salesbridge_answer_latency_seconds_count", platform="console", kind="message") == 1
    assert sample(after, "salesbridge_outbox_depth") == 1
    health = client.get("/healthz").json()
    assert health["status"] == "ok" and health["inbox"] == {"pending": 0, "working": 0}
    app.stop()
    app.services.db.dispose()


def test_scheduler_listener_counts_runs_and_errors() -> None:
    from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, JobExecutionEvent

    class Scheduler:
        def add_listener(self, callback: Callable[[JobExecutionEvent], None], mask: int) -> None:
            self.callback, self.mask = callback, mask

    scheduler = Scheduler()
    instrument_scheduler(scheduler)
    counter = metrics().job_runs
    ok = counter.labels(job="sync", outcome="ok")._value.get()
    err = counter.labels(job="sync", outcome="error")._value.get()
    scheduler.callback(JobExecutionEvent(EVENT_JOB_EXECUTED, "sync", None, None))
    scheduler.callback(JobExecutionEvent(EVENT_JOB_ERROR, "sync", None, None, exception=RuntimeError()))
    assert counter.labels(job="sync", outcome="ok")._value.get() == ok + 1
    assert counter.labels(job="sync", outcome="error")._value.get() == err + 1
    assert scheduler.mask & EVENT_JOB_ERROR
