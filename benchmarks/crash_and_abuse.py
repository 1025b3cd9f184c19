"""The crash-and-abuse scenario of issue 16, as figures: is anything acknowledged ever lost or answered twice?

    .venv/bin/python -m benchmarks.crash_and_abuse                        # SQLite, 100 + 100 questions
    .venv/bin/python -m benchmarks.crash_and_abuse --database-url postgresql+psycopg://…/salesbridge_bench
    .venv/bin/python -m benchmarks.crash_and_abuse --pg-cluster 15/faults  # + PostgreSQL stopped for 20 s

A real `salesbridge serve` on loopback, fake Slack Web API and Feishu Open API answering every call in
`--latency` seconds (200 ms), `--events` signed Slack @mentions and encrypted Feishu messages (half each),
all questions (each gets a "Looking it up…" placeholder that its answer replaces). Scenarios:

1. **SIGKILL** 0.3 s after the last ack, restart on the same database: how many were answered before the
   kill, how many after the restart, answered twice, placeholders left, time to recover.
2. **SIGTERM** right after the last ack: exit code, seconds to exit, answered, left for the next start.
3. **Database stopped** for 20 s in the middle of a burst (`--pg-cluster VERSION/NAME`: a PostgreSQL
   cluster this script may stop and start with `pg_ctlcluster`, e.g. one made with
   `pg_createcluster 15 faults --port 5433`; its URL is `--database-url`): events sent while it is down
   are answered 503 and retried by the sender like Slack/Feishu do; counts of 503s, answered, lost.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

import httpx
from sqlmodel import SQLModel

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.database import Database  # noqa: E402
from tests.fakes.feishu_api import serve_feishu_api  # noqa: E402
from tests.fakes.slack_api import serve_slack_api  # noqa: E402
from tests.scale.test_crash_recovery import Burst, Rig, outcomes  # noqa: E402
from tests.scale.wire import (  # noqa: E402
    feishu_event,
    platform_env,
    signed_feishu_request,
    signed_slack_request,
    slack_event,
)

QUESTION = "what does the enterprise edition cost per seat?"


def summary(rig: Rig, burst: Burst) -> dict[str, int]:
    results = list(outcomes(rig, burst).values())
    return {
        "answered": sum(1 for answers, _ in results if answers >= 1),
        "twice": sum(1 for answers, _ in results if answers > 1),
        "lost": sum(1 for answers, _ in results if answers == 0),
        "placeholders_left": sum(left for _, left in results),
    }


def settle(rig: Rig, burst: Burst, timeout: float) -> float:
    """Seconds until every question has its answer and no placeholder is left (or the timeout)."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        done = summary(rig, burst)
        if done["lost"] == 0 and done["placeholders_left"] == 0:
            break
        time.sleep(0.5)
    return time.monotonic() - started


def sigkill(rig: Rig, per_platform: int) -> None:
    node = rig.start()
    burst = rig.burst(node, per_platform=per_platform)
    time.sleep(0.3)
    node.process.send_signal(signal.SIGKILL)
    node.process.wait(timeout=10)
    before = summary(rig, burst)["answered"]
    rig.start()
    recovery = settle(rig, burst, timeout=180)
    after = summary(rig, burst)
    print(
        f"SIGKILL 0.3 s after the last of {2 * per_platform} acks: {before} answered before the kill; after "
        f"the restart {after['answered']} answered, {after['twice']} twice, {after['lost']} lost, "
        f"{after['placeholders_left']} placeholders left; all settled {recovery:.1f} s after the restart"
    )
    rig.nodes[-1].process.send_signal(signal.SIGTERM)
    rig.nodes[-1].process.wait(timeout=60)


def sigterm(rig: Rig, per_platform: int) -> None:
    node = rig.start()
    burst = rig.burst(node, per_platform=per_platform)
    stopped = time.monotonic()
    node.process.send_signal(signal.SIGTERM)
    code = node.process.wait(timeout=120)
    took = time.monotonic() - stopped
    done = summary(rig, burst)
    print(
        f"SIGTERM after the last of {2 * per_platform} acks: exit code {code} after {took:.1f} s; "
        f"{done['answered']} answered, {done['twice']} twice, {done['lost']} left for the next start, "
        f"{done['placeholders_left']} placeholders left"
    )


def outage(rig: Rig, per_platform: int, cluster: str) -> None:
    """Events keep coming while PostgreSQL is stopped for 20 s; a non-200 is retried later, as the
    platforms do."""
    version, name = cluster.split("/")
    node = rig.start()
    slack = [slack_event(QUESTION) for _ in range(per_platform)]
    feishu = [feishu_event(QUESTION) for _ in range(per_platform)]
    pending = [("/slack/events", *signed_slack_request(e)) for e in slack]
    pending += [("/feishu/events", *signed_feishu_request(e)) for e in feishu]
    burst = Burst(
        slack_threads=[e["event"]["ts"] for e in slack],
        feishu_messages=[e["event"]["message"]["message_id"] for e in feishu],
    )
    refused = 0
    subprocess.run(["pg_ctlcluster", version, name, "stop", "-m", "fast"], check=True)
    down_until: float | None = time.monotonic() + 20
    with httpx.Client(timeout=10) as client:
        while pending:
            if down_until is not None and time.monotonic() > down_until:
                subprocess.run(["pg_ctlcluster", version, name, "start"], check=True)
                down_until = None
            path, body, headers = pending.pop(0)
            if client.post(node.base + path, content=body, headers=headers).status_code != 200:
                refused += 1
                pending.append((path, body, headers))
                time.sleep(0.1)
    if down_until is not None:
        subprocess.run(["pg_ctlcluster", version, name, "start"], check=True)
    recovery = settle(rig, burst, timeout=180)
    done = summary(rig, burst)
    print(
        f"PostgreSQL stopped 20 s under {2 * per_platform} events: {refused} requests answered non-200 and "
        f"retried; {done['answered']} answered, {done['twice']} twice, {done['lost']} lost, "
        f"{done['placeholders_left']} placeholders left ({recovery:.1f} s after the last event)"
    )


SCENARIOS = {"sigkill": sigkill, "sigterm": sigterm}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default="")
    parser.add_argument("--events", type=int, default=200, help="questions per scenario, half per platform")
    parser.add_argument("--latency", type=float, default=0.2, help="seconds each fake API call takes")
    parser.add_argument("--pg-cluster", default="", help="VERSION/NAME of a cluster to stop (scenario 3)")
    args = parser.parse_args()
    per_platform = args.events // 2
    for scenario in ("sigkill", "sigterm", "outage"):
        if scenario == "outage" and not args.pg_cluster:
            continue
        with ExitStack() as stack, tempfile.TemporaryDirectory() as tmp:
            url = args.database_url or f"sqlite:///{tmp}/crash.db"
            Database(url).upgrade()
            slack = stack.enter_context(serve_slack_api())
            feishu = stack.enter_context(serve_feishu_api())
            slack.state.latency = feishu.latency = args.latency
            env = {**os.environ, **platform_env(slack_api=slack.url, feishu_api=feishu.url, database_url=url)}
            for key in ("OPENAI_API_KEY", "OPENAI_BASE_URL"):
                env.pop(key, None)
            env.update({"SALESBRIDGE_OUTBOX_RATE_LIMITS": "off", "SALESBRIDGE_SHUTDOWN_GRACE_SECONDS": "60"})
            rig = Rig(env=env, tmp=Path(tmp), slack=slack, feishu=feishu, nodes=[])
            try:
                if scenario == "outage":
                    outage(rig, per_platform, args.pg_cluster)
                else:
                    SCENARIOS[scenario](rig, per_platform)
            finally:
                for node in rig.nodes:
                    if node.process.poll() is None:
                        node.process.kill()
            if args.database_url:
                _empty(url)


def _empty(url: str) -> None:
    """Drop the bot's tables so the next scenario starts from an empty database."""
    db = Database(url)
    SQLModel.metadata.drop_all(db.engine)
    with db.engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        connection.exec_driver_sql("DROP TABLE IF EXISTS apscheduler_jobs")
    db.dispose()


if __name__ == "__main__":
    main()
