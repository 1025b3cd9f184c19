"""Where the bot's ack path spends its CPU: the adapters' work for one request, in this thread, no HTTP.

    .venv/bin/python -m benchmarks.ack_profile                          # SQLite, 500 requests per stage
    .venv/bin/python -m benchmarks.ack_profile --database-url postgresql+psycopg://… --profile 25

A companion to `benchmarks/ack_latency.py --compare`: when `serve --workers 0` (nothing but acks) needs far
more CPU per event than the minimal bolt + lark-oapi app, this says which part costs it. Each stage runs
`--count` signed Slack `app_mention`s and encrypted Feishu messages (the load generator's requests) one at
a time against a bot wired to the fake APIs (`tests/scale/wire.py`) that runs no workers, and reports the
wall and CPU time per request:

- `inbox.accept`: the INSERT alone, with an already translated message;
- `dispatcher.submit`: the same through the dispatcher (what the adapters call);
- `slack: event ack`: `SlackInbound.handle` — what `POST /slack/events` does for an `app_mention` (the plain
  event path: signature, workspace, is it for the bot, INSERT of the raw event, on an event loop);
- `slack: bolt dispatch`: `SlackInbound._dispatch` — bolt's signature check, middleware, listener, submit
  (slash commands and interactivity still take it; events did before);
- `feishu: message ack`: `FeishuInbound.handle` — decrypt, token, signature, is it for the bot, INSERT;
- `feishu: lark dispatch`: the same through lark-oapi's `do` and our listener (what the ack did before);
- `slack: replay (worker)` / `feishu: replay (worker)`: what a worker then spends to turn the stored raw
  event into a message through bolt / lark-oapi (not on the ack path).

`--profile N` prints the N most expensive functions (cumulative) of the two adapter stages (cProfile).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import pstats
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.scale.wire import (  # noqa: E402
    feishu_event,
    signed_feishu_request,
    signed_slack_request,
    slack_event,
    wire_bot,
)


def measure(name: str, calls: list[Callable[[], object]], profile: int) -> None:
    profiler = cProfile.Profile() if profile else None
    wall, cpu = time.perf_counter(), time.process_time()
    if profiler is not None:
        profiler.enable()
    for call in calls:
        call()
    if profiler is not None:
        profiler.disable()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    count = len(calls)
    print(
        f"| {name:<24} | {count:>5} | {wall / count * 1000:>8.2f} | {cpu / count * 1000:>8.2f} |", flush=True
    )
    if profiler is not None:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(profile)
        lines = [line for line in out.getvalue().splitlines() if line.strip()]
        start = next((i for i, line in enumerate(lines) if "ncalls" in line), 0)
        print("\n".join("    " + line[:150] for line in lines[start:]))


def raw_events(dispatcher: Any, limit: int) -> list[Any]:
    """The raw events the ack stages wrote down (read back from the inbox)."""
    from sqlmodel import col, select

    from bot.inbox import RawEvent, from_json
    from bot.models import InboxEvent

    with dispatcher.services.db.session() as session:
        rows = session.exec(select(InboxEvent.message).order_by(col(InboxEvent.id).desc()).limit(limit))
        return [item for item in (from_json(text) for text in rows) if isinstance(item, RawEvent)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=500, help="requests per stage")
    parser.add_argument("--database-url", default="", help="default: a fresh SQLite file")
    parser.add_argument("--profile", type=int, default=0, help="print the N costliest functions (cProfile)")
    args = parser.parse_args(argv)

    from bot.messages import IncomingMessage, Kind
    from tests.database_templates import migrated_sqlite

    with tempfile.TemporaryDirectory(prefix="sb-ackprof-") as tmp:
        database_url = args.database_url or migrated_sqlite(Path(tmp) / "ack.db")
        if args.database_url:
            from bot.database import Database

            db = Database(database_url)
            db.upgrade()
            db.create_all()
            db.dispose()
        with wire_bot(database_url, SALESBRIDGE_WORKER_THREADS="0") as bot:
            from slack_bolt import BoltRequest
            from starlette.requests import Request

            from bot.platforms.feishu import FeishuInbound
            from bot.platforms.slack import SlackInbound

            dispatcher = bot.app.dispatcher
            slack, feishu = SlackInbound(dispatcher), FeishuInbound(dispatcher)
            time.sleep(1)  # the Feishu adapter learns the bot's identity in the background

            def slack_call(body: bytes, headers: dict[str, str]) -> object:
                return slack._dispatch(BoltRequest(body=body.decode(), headers=dict(headers)))

            def feishu_call(body: bytes, headers: dict[str, str]) -> object:
                return handle(feishu, "/feishu/events", body, headers)

            def feishu_lark(body: bytes, headers: dict[str, str]) -> object:
                from lark_oapi.core.model import RawRequest

                raw = RawRequest()
                raw.uri, raw.headers, raw.body = "/feishu/events", dict(headers), body
                return feishu._webhook_handler().do(raw)

            loop = asyncio.new_event_loop()

            def handle(adapter: Any, path: str, body: bytes, headers: dict[str, str]) -> object:
                """The adapter's endpoint, as the server calls it (on an event loop)."""
                scope = {
                    "type": "http",
                    "method": "POST",
                    "path": path,
                    "query_string": b"",
                    "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
                }

                async def receive() -> dict[str, object]:
                    return {"type": "http.request", "body": body, "more_body": False}

                return loop.run_until_complete(adapter.handle(Request(scope, receive)))

            def slack_ack(body: bytes, headers: dict[str, str]) -> object:
                return handle(slack, "/slack/events", body, headers)

            def message(i: int) -> IncomingMessage:
                return IncomingMessage(
                    platform="slack",
                    conversation=f"C{i % 100:04d}",
                    user="U001",
                    text="help",
                    event_id=f"EvProf{time.time_ns()}{i}",
                    kind=Kind.MESSAGE,
                )

            def accept(i: int) -> object:
                return dispatcher.inbox.accept(message(i))

            def submit(i: int) -> object:
                return dispatcher.submit(message(i))

            # warm up: auth.test, the pool, imports on first use
            for _ in range(5):
                slack_call(*signed_slack_request(slack_event("help")))
                feishu_call(*signed_feishu_request(feishu_event("help")))

            count = args.count
            where = database_url.split("@")[-1] if "@" in database_url else "SQLite"
            print(f"ack path in process, one request at a time, workers 0, database {where}")
            print("| stage                    |   n   | wall ms  |  cpu ms  |")
            print("|--------------------------|-------|----------|----------|")
            measure("inbox.accept", [partial(accept, i) for i in range(count)], 0)
            measure("dispatcher.submit", [partial(submit, count + i) for i in range(count)], 0)
            slack_requests = [signed_slack_request(slack_event("help")) for _ in range(count)]
            measure("slack: event ack", [partial(slack_ack, *r) for r in slack_requests], args.profile)
            slack_requests = [signed_slack_request(slack_event("help")) for _ in range(count)]
            measure("slack: bolt dispatch", [partial(slack_call, *r) for r in slack_requests], 0)
            feishu_requests = [signed_feishu_request(feishu_event("help")) for _ in range(count)]
            measure(
                "feishu: message ack", [partial(feishu_call, *r) for r in feishu_requests], args.profile
            )
            feishu_requests = [signed_feishu_request(feishu_event("help")) for _ in range(count)]
            measure("feishu: lark dispatch", [partial(feishu_lark, *r) for r in feishu_requests], 0)
            raws = raw_events(dispatcher, count * 4)
            for platform, adapter in (("slack", slack), ("feishu", feishu)):
                mine = [raw for raw in raws if raw.platform == platform][:count]
                measure(f"{platform}: replay (worker)", [partial(adapter.replay, raw) for raw in mine], 0)
            loop.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
