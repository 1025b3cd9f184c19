"""Acknowledged means answered: a real `salesbridge serve` is fed a burst of signed questions on Slack and
Feishu through slow fake APIs, then killed with SIGKILL (or stopped with SIGTERM) right after the last ack,
and started again on the same database. Every acknowledged question gets exactly one answer — its
"Looking it up…" placeholder replaced once, never left behind, never answered twice.

Runs on SQLite and on PostgreSQL (`SALESBRIDGE_TEST_POSTGRES_URL`). About 20–40 s per database, mostly
waiting for the killed process's leases to run out (15 s).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import httpx
import pytest

from tests.fakes.feishu_api import FeishuFake, serve_feishu_api
from tests.fakes.slack_api import FakeSlackApi, serve_slack_api
from tests.scale.test_two_processes import ROOT, Node, healthy, start_node, wait_for
from tests.scale.wire import (
    feishu_event,
    platform_env,
    signed_feishu_request,
    signed_slack_request,
    slack_event,
)

PER_PLATFORM = 25
PLACEHOLDERS = ("Looking it up…", "正在查找…")
QUESTION = "what does the enterprise edition cost per seat?"


@dataclass
class Burst:
    slack_threads: list[str]  # the ts of each Slack question (its thread)
    feishu_messages: list[str]  # the message id of each Feishu question (what the answer replies to)


@dataclass
class Rig:
    env: dict[str, str]
    tmp: Path
    slack: FakeSlackApi
    feishu: FeishuFake
    nodes: list[Node]
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def start(self, *, env: dict[str, str] | None = None) -> Node:
        node = start_node(f"serve{len(self.nodes)}", {**self.env, **(env or {})}, self.tmp)
        self.nodes.append(node)
        wait_for(partial(healthy, node), 90, f"{node.name} to start")
        return node

    def start_worker(self, threads: int) -> subprocess.Popen[bytes]:
        log = self.tmp / f"worker{threads}.log"
        worker = subprocess.Popen(
            [sys.executable, "-m", "salesbridge", "worker", "--threads", str(threads)],
            env=self.env,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )
        self.workers.append(worker)
        return worker

    def burst(self, node: Node, *, per_platform: int = PER_PLATFORM) -> Burst:
        slack = [slack_event(QUESTION) for _ in range(per_platform)]
        feishu = [feishu_event(QUESTION) for _ in range(per_platform)]
        requests = [("/slack/events", *signed_slack_request(e)) for e in slack]
        requests += [("/feishu/events", *signed_feishu_request(e)) for e in feishu]
        with ThreadPoolExecutor(max_workers=16) as pool, httpx.Client(timeout=10) as client:
            answers = list(
                pool.map(lambda r: client.post(node.base + r[0], content=r[1], headers=r[2]), requests)
            )
        assert [a.status_code for a in answers] == [200] * len(requests), [a.text for a in answers]
        return Burst(
            slack_threads=[e["event"]["ts"] for e in slack],
            feishu_messages=[e["event"]["message"]["message_id"] for e in feishu],
        )


@pytest.fixture
def rig(database_url: str, tmp_path: Path) -> Iterator[Rig]:
    with ExitStack() as stack:
        slack = stack.enter_context(serve_slack_api())
        feishu = stack.enter_context(serve_feishu_api())
        slack.state.latency = 0.05  # a slow Slack: sends are in flight when the process dies
        env = {
            **os.environ,
            **platform_env(slack_api=slack.url, feishu_api=feishu.url, database_url=database_url),
        }
        env.pop("OPENAI_API_KEY", None)
        env.pop("OPENAI_BASE_URL", None)
        env.update(
            {
                "SALESBRIDGE_OUTBOX_RATE_LIMITS": "off",
                "SALESBRIDGE_WORKER_THREADS": "4",
                "SALESBRIDGE_SHUTDOWN_GRACE_SECONDS": "15",
                "SALESBRIDGE_LOG_LEVEL": "INFO",
            }
        )
        rig = Rig(env=env, tmp=tmp_path, slack=slack, feishu=feishu, nodes=[])
        try:
            yield rig
        finally:
            for process in [node.process for node in rig.nodes] + rig.workers:
                if process.poll() is None:
                    process.kill()
                    process.wait(timeout=10)


def _slack_outcome(slack: FakeSlackApi, thread: str) -> tuple[int, int]:
    """(answers, placeholders left) of one Slack question: a placeholder replaced in place counts as the
    answer (replacing it again after a crash changes nothing people see), one never replaced as left
    behind."""
    with slack.state.lock:
        posted = [m for m in slack.state.posted if m["thread_ts"] == thread]
    placeholders = {m["ts"] for m in posted if m["text"].startswith(PLACEHOLDERS)}
    updated = {c["ts"] for c in slack.calls("chat.update") if c.get("ts") in placeholders}
    return len(posted) - len(placeholders) + len(updated), len(placeholders - updated)


def _feishu_outcome(feishu: FeishuFake, message: str) -> tuple[int, int]:
    with feishu._lock:
        created = [m for m in feishu.created if m.get("root_id") == message]
    placeholders = {m["message_id"] for m in created if any(p in _text(m["content"]) for p in PLACEHOLDERS)}
    patched = {r.path.rsplit("/", 1)[-1] for r in feishu.recorder.requests if r.method == "PATCH"}
    updated = patched & placeholders
    return len(created) - len(placeholders) + len(updated), len(placeholders - updated)


def _text(content: str) -> str:
    """A Feishu message's content as people read it (the JSON escapes non-ASCII characters)."""
    try:
        return json.dumps(json.loads(content), ensure_ascii=False)
    except ValueError:
        return content


def outcomes(rig: Rig, burst: Burst) -> dict[str, tuple[int, int]]:
    found = {f"slack:{t}": _slack_outcome(rig.slack, t) for t in burst.slack_threads}
    found.update({f"feishu:{m}": _feishu_outcome(rig.feishu, m) for m in burst.feishu_messages})
    return found


def all_answered_once(rig: Rig, burst: Burst) -> bool:
    return all(result == (1, 0) for result in outcomes(rig, burst).values())


def answered(rig: Rig, burst: Burst) -> int:
    return sum(1 for result in outcomes(rig, burst).values() if result[0] >= 1)


@pytest.mark.timeout(240)
def test_sigkill_after_the_acks_loses_nothing_and_answers_nothing_twice(rig: Rig) -> None:
    node = rig.start()
    burst = rig.burst(node)
    node.process.send_signal(signal.SIGKILL)  # right after the last ack
    node.process.wait(timeout=10)
    before_restart = answered(rig, burst)
    restarted = rig.start()
    try:
        wait_for(lambda: all_answered_once(rig, burst), 60, "every acknowledged question answered")
    except AssertionError as exc:
        raise AssertionError(
            f"{exc}\n{json.dumps(outcomes(rig, burst))}\n--- killed:\n{node.output()[-4000:]}"
            f"\n--- restarted:\n{restarted.output()[-6000:]}"
        ) from None
    results = outcomes(rig, burst)
    assert all(result == (1, 0) for result in results.values()), json.dumps(results)
    print(f"SIGKILL: {before_restart} of {len(results)} answered before the restart, all once after it")


@pytest.mark.timeout(240)
def test_sigterm_finishes_the_work_in_flight_and_exits_0(rig: Rig) -> None:
    node = rig.start()
    burst = rig.burst(node)
    node.process.send_signal(signal.SIGTERM)
    code = node.process.wait(timeout=30)
    assert code == 0, node.output()[-3000:]
    results = outcomes(rig, burst)
    left = {key: result for key, result in results.items() if result != (1, 0)}
    assert not left, (json.dumps(left), node.output()[-3000:])  # finished within the grace period
    assert "stopping gracefully" in node.output()


@pytest.mark.timeout(240)
def test_serve_only_acknowledges_and_a_worker_process_answers(rig: Rig) -> None:
    node = rig.start(env={"SALESBRIDGE_WORKER_THREADS": "0"})
    worker = rig.start_worker(threads=2)
    burst = rig.burst(node)
    wait_for(lambda: all_answered_once(rig, burst), 60, "the worker to answer every question")
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=30) == 0
    assert all(result == (1, 0) for result in outcomes(rig, burst).values())
