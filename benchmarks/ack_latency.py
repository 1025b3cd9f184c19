"""Ack latency of a real `salesbridge serve` under a steady stream of signed Slack and encrypted Feishu events,
alone or side by side with a minimal bolt + lark-oapi app and with `serve --workers 0` + `salesbridge worker`.

    .venv/bin/python -m benchmarks.ack_latency              # 50, 100, 200 events/s for 30 s each
    .venv/bin/python -m benchmarks.ack_latency --quick      # 5 s per rate
    .venv/bin/python -m benchmarks.ack_latency --rates 100 --duration 60 --database-url postgresql+psycopg://…
    .venv/bin/python -m benchmarks.ack_latency --processes 2 --database-url postgresql+psycopg://…  # scale out
    .venv/bin/python -m benchmarks.ack_latency --kinds-only  # only the acks by Slack request kind (below)

    # side by side, 50/100/200/400 events/s: the floor, one process, serve + 2 workers (one table at the end)
    .venv/bin/python -m benchmarks.ack_latency --compare --duration 15 \
        --postgres-url postgresql+psycopg://salesbridge:salesbridge@127.0.0.1:5432/salesbridge_bench
    .venv/bin/python -m benchmarks.ack_latency --compare --quick --postgres-url …   # 5 s per rate
    .venv/bin/python -m benchmarks.ack_latency --compare --setups minimal,sqlite    # no PostgreSQL needed

The bot runs as a subprocess on loopback, talking to the fake Slack Web API and Feishu Open API served by
a third process (`benchmarks/fake_platforms.py`), so neither skews the load generator's timings. Half
the events are Slack `app_mention`s (HMAC-signed), half Feishu `im.message.receive_v1` (AES-encrypted
and signed), spread over 100 channels, sent open-loop at exact intervals (a slow ack does not slow the
sender down); with `--processes N` they are spread over N `serve` processes like a load balancer would.
For each rate it reports ack latency p50/p99/max, errors (non-200 or failed requests; the client gives up
after 10 s), acks over 3 s (the platforms' retry threshold), and how fast the replies reach the fake APIs
— every event acknowledged with a 200 must get its reply (zero lost); then it waits for the backlog to
drain (until every reply came, or none came for 15 s) before the next rate.

The fake APIs have no rate limits, so the bot's own outbox limits are switched off
(`SALESBRIDGE_OUTBOX_RATE_LIMITS=off`) unless `--keep-rate-limits` is given; with them, replies are paced
at the platforms' documented limits and the reply rate shows that instead.
Goal on a 2-core machine: p99 ack ≤ 50 ms at 100 events/s, zero acks over 3 s, zero lost replies.

`--compare` runs the same load (default 50, 100, 200, 400 events/s) against, one after the other:

1. minimal — `benchmarks/minimal_app.py`: a bolt `App` (`process_before_response=False`, an `app_mention`
   listener that does nothing) and a lark-oapi `EventDispatcherHandler` (a message handler that does
   nothing) behind uvicorn + Starlette, same secrets: what the SDKs alone cost before the 200. The floor;
   it sends no replies ("–").
2. one process — `salesbridge serve` with its default worker threads: acks and processing share one
   interpreter; on SQLite, and on PostgreSQL when `--postgres-url` is given.
3. serve + 2 workers — `salesbridge serve --workers 0` and two `salesbridge worker` processes on one
   PostgreSQL database (the workers run at a lower CPU priority, `worker --nice 10`, the default).

Diagnostics on request (`--setups`): `acks-sqlite` / `acks-postgres` — `serve --workers
0` with nothing processing the inbox: the bot's ack path alone. PostgreSQL set-ups each get a fresh database
created next to `--postgres-url` (SALESBRIDGE_BENCH_POSTGRES_URL; its role needs CREATEDB), dropped after.
One table at the end, rows grouped by rate, with two more columns: the CPU of the processes under test and
of the whole machine (100 = one core) while sending and draining — the load generator, the fake APIs,
PostgreSQL and anything else on the machine share its cores, so its busy share before each set-up is
printed too. `benchmarks/ack_profile.py` breaks the ack path's cost down in process.
Target: ack p99 ≤ 10 ms at 200 events/s, 0 lost, 0 acks over 3 s (exit code 1 otherwise).

Then (not with `--compare`), one request at a time, the acks by Slack request kind, in process with the
wire tests' set-up (`tests/wire/test_slack_wire.py`: bolt's ASGI app behind uvicorn, the fake Slack Web
API): an `app_mention` event, a slash command (answered later on its `response_url`), and a button click
whose handler is still working when the ack goes out. These were timed asserts (< 2 s) in the wire tests;
the tests now check only that the ack does not wait for the handler, and the figures are here (`--kinds N`
requests of each kind).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.fakes.servers import free_port  # noqa: E402
from tests.scale.wire import (  # noqa: E402
    feishu_event,
    platform_env,
    signed_feishu_request,
    signed_slack_request,
    slack_event,
)

CHANNELS = 100


@dataclass
class RateResult:
    rate: int
    sent: int
    latencies: list[float]
    errors: int
    over_3s: int
    replies: int | None  # None: the app under test sends none (the minimal app)
    reply_seconds: float
    cpu: float | None = None  # CPU of the processes under test while sending and draining, % of one core
    host_cpu: float | None = None  # the whole machine's busy CPU meanwhile (database, fakes, us, others)

    @property
    def p50_ms(self) -> float:
        return statistics.median(self.latencies or [0.0]) * 1000

    @property
    def p99_ms(self) -> float:
        ordered = sorted(self.latencies) or [0.0]
        return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000

    @property
    def max_ms(self) -> float:
        return max(self.latencies or [0.0]) * 1000

    @property
    def lost(self) -> int | None:
        """Events acknowledged with a 200 whose reply never came (a non-200 one is the platform's to retry,
        counted under errors)."""
        return None if self.replies is None else max(0, self.sent - self.errors - self.replies)

    def reply_rate(self) -> str:
        if self.replies is None:
            return "–"
        return f"{self.replies / self.reply_seconds if self.reply_seconds > 0 else 0.0:.1f}"

    @property
    def ok(self) -> bool:
        return self.errors == 0 and self.over_3s == 0 and (self.lost is None or self.lost <= 0)

    def row(self) -> str:
        lost = "–" if self.lost is None else str(self.lost)
        return (
            f"| {self.rate:>5} | {self.sent:>6} | {self.p50_ms:>7.1f} | {self.p99_ms:>7.1f} | {self.max_ms:>7.1f} | "
            f"{self.errors:>6} | {self.over_3s:>6} | {self.reply_rate():>9} | {lost:>4} |"
        )


HEADER = (
    "| ev/s  |  sent  | p50 ms  | p99 ms  | max ms  | errors | >3 s   | replies/s | lost |\n"
    "|-------|--------|---------|---------|---------|--------|--------|-----------|------|"
)


class FakePlatforms:
    """`benchmarks/fake_platforms.py` in a subprocess: the fakes' HTTP work does not skew our timings."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.fake_platforms"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,  # connection resets when the bot stops are not news
            text=True,
            cwd=ROOT,
        )
        assert self.process.stdout is not None
        urls = json.loads(self.process.stdout.readline())
        self.slack_url, self.feishu_url = urls["slack"], urls["feishu"]

    def replies(self) -> int:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write("count\n")
        self.process.stdin.flush()
        return int(self.process.stdout.readline())

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        self.process.wait(timeout=10)


def clean_env(env: dict[str, str]) -> dict[str, str]:
    full_env = {**os.environ, **env}
    for key in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"):
        full_env.pop(key, None)
    return full_env


def prepare_database(env: dict[str, str]) -> None:
    python, full_env = sys.executable, clean_env(env)
    upgrade = [python, "-m", "salesbridge", "db", "upgrade"]
    subprocess.run(upgrade, env=full_env, check=True, capture_output=True, cwd=ROOT)
    # tables whose migration the lead has not generated yet
    create_all = (
        "from bot.database import Database; import os; Database(os.environ['DATABASE_URL']).create_all()"
    )
    subprocess.run([python, "-c", create_all], env=full_env, check=True, cwd=ROOT)


@contextmanager
def running(
    command: list[str], env: dict[str, str], *, log: Path, ready: Callable[[subprocess.Popen[bytes]], bool]
) -> Iterator[subprocess.Popen[bytes]]:
    """`command` (a Python module's arguments) in a subprocess, its output in `log`; stopped with SIGTERM
    (the graceful stop of `serve` and `worker`), killed if it has not exited 20 s later."""
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", *command],
            env=clean_env(env),
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )
        try:
            deadline = time.monotonic() + 60
            while not ready(process):
                if process.poll() is not None:
                    raise RuntimeError(f"{' '.join(command)} exited with {process.returncode}:\n{tail(log)}")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{' '.join(command)} did not become ready:\n{tail(log)}")
                time.sleep(0.1)
            yield process
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def tail(log: Path, lines: int = 20) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


def healthy(base: str) -> Callable[[subprocess.Popen[bytes]], bool]:
    def check(_process: subprocess.Popen[bytes]) -> bool:
        try:
            return httpx.get(base + "/healthz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    return check


@contextmanager
def running_bot(
    env: dict[str, str], *, port: int, log: Path, prepare: bool = True, workers: int | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    """`salesbridge serve` on loopback (`workers`: its `--workers`, None for the default)."""
    if prepare:
        prepare_database(env)
    command = ["salesbridge", "serve", "--host", "127.0.0.1", "--port", str(port)]
    if workers is not None:
        command += ["--workers", str(workers)]
    with running(command, env, log=log, ready=healthy(f"http://127.0.0.1:{port}")) as process:
        yield process


@contextmanager
def running_worker(env: dict[str, str], *, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """`salesbridge worker` (default threads): ready once it has said so."""
    with running(
        ["salesbridge", "worker"],
        env,
        log=log,
        ready=lambda _p: "thread(s) on" in log.read_text(errors="replace"),
    ) as process:
        yield process


@contextmanager
def running_minimal(*, port: int, slack_api: str, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """`benchmarks/minimal_app.py`: bolt + lark-oapi acking and doing nothing else."""
    command = ["benchmarks.minimal_app", "--port", str(port), "--slack-api", slack_api]
    with running(command, {}, log=log, ready=healthy(f"http://127.0.0.1:{port}")) as process:
        yield process


def build_requests(count: int, text: str) -> list[tuple[str, bytes, dict[str, str]]]:
    requests = []
    for i in range(count):
        channel = i % CHANNELS
        if i % 2 == 0:
            body, headers = signed_slack_request(
                slack_event(text, channel=f"C{channel:04d}", user=f"U{i % 37:03d}")
            )
            requests.append(("/slack/events", body, headers))
        else:
            body, headers = signed_feishu_request(
                feishu_event(text, chat=f"oc_{channel:04d}", user=f"ou_{i % 37:03d}")
            )
            requests.append(("/feishu/events", body, headers))
    return requests


class _StaleConnection(ConnectionError):
    """The server closed the connection before answering (an idle keep-alive connection timed out)."""


class KeepAlivePool:
    """A minimal HTTP/1.1 client: keep-alive connections to one server, a new one whenever all are busy.

    Much lighter than a general-purpose client, so the load generator does not steal the CPU the server
    under test needs (both share this 2-core machine) and does not slow down when acks do.
    """

    def __init__(self, base: str) -> None:
        host_port = base.split("://", 1)[1]
        self.host, _, port = host_port.partition(":")
        self.port = int(port)
        self._idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []

    async def post(self, path: str, body: bytes, headers: dict[str, str], *, timeout: float = 10.0) -> int:
        reused = bool(self._idle)
        connection = self._idle.pop() if reused else await asyncio.open_connection(self.host, self.port)
        reader, writer = connection
        try:
            status, keep = await asyncio.wait_for(
                self._exchange(reader, writer, path, body, headers), timeout
            )
        except _StaleConnection:
            writer.close()
            if not reused:
                raise
            # the server closed an idle keep-alive connection (uvicorn: after 5 s): retry on a new one,
            # as any HTTP client or load balancer does
            return await self.post(path, body, headers, timeout=timeout)
        except BaseException:
            writer.close()
            raise
        if keep:
            self._idle.append(connection)
        else:
            writer.close()
        return status

    async def _exchange(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        path: str,
        body: bytes,
        headers: dict[str, str],
    ) -> tuple[int, bool]:
        lines = [f"POST {path} HTTP/1.1", f"Host: {self.host}:{self.port}", f"Content-Length: {len(body)}"]
        lines += [f"{name}: {value}" for name, value in headers.items() if name.lower() != "content-length"]
        try:
            writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
            await writer.drain()
            status_line = await reader.readline()
        except ConnectionError as exc:
            raise _StaleConnection() from exc
        if not status_line:
            raise _StaleConnection()
        status = int(status_line.split()[1])
        length, keep = 0, True
        while (line := await reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            if name.lower() == "content-length":
                length = int(value)
            elif name.lower() == "connection" and "close" in value.lower():
                keep = False
        await reader.readexactly(length)
        return status, keep

    def close(self) -> None:
        for _reader, writer in self._idle:
            writer.close()
        self._idle.clear()


async def fire(bases: list[str], rate: int, duration: float, text: str) -> tuple[list[float], int, int]:
    count = int(rate * duration)
    requests = build_requests(count, text)
    latencies: list[float] = []
    errors = 0
    pools = [KeepAlivePool(base) for base in bases]

    async def one(path: str, body: bytes, headers: dict[str, str]) -> None:
        nonlocal errors
        start = time.perf_counter()
        try:
            pool = pools[hash(body) % len(pools)]  # a load balancer spreading the events
            if await pool.post(path, body, headers) != 200:
                errors += 1
        except (TimeoutError, OSError, ValueError, IndexError, asyncio.IncompleteReadError):
            errors += 1
        latencies.append(time.perf_counter() - start)

    tasks = []
    start = time.perf_counter()
    for i, (path, body, headers) in enumerate(requests):
        delay = start + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(path, body, headers)))
    await asyncio.gather(*tasks)
    for pool in pools:
        pool.close()
    return latencies, errors, count


def run_rate(
    bases: list[str],
    rate: int,
    duration: float,
    text: str,
    fakes: FakePlatforms,
    *,
    replies: bool = True,
    pids: tuple[int, ...] = (),
) -> RateResult:
    replies_before = fakes.replies()
    cpu_before, host_before = cpu_seconds(pids), host_busy_seconds()
    started = time.perf_counter()
    latencies, errors, sent = asyncio.run(fire(bases, rate, duration, text))
    seen, last_change = replies_before, time.perf_counter()
    if replies:
        seen, last_change = wait_for_replies(fakes, replies_before + sent - errors)
    cpu_after, host_after, ended = cpu_seconds(pids), host_busy_seconds(), time.perf_counter()
    cpu = host_cpu = None
    if cpu_before is not None and cpu_after is not None:
        cpu = 100 * (cpu_after - cpu_before) / (ended - started)
    if host_before is not None and host_after is not None:
        host_cpu = 100 * (host_after - host_before) / (ended - started)
    return RateResult(
        cpu=cpu,
        host_cpu=host_cpu,
        rate=rate,
        sent=sent,
        latencies=latencies,
        errors=errors,
        over_3s=sum(1 for value in latencies if value > 3.0),
        replies=seen - replies_before if replies else None,
        reply_seconds=last_change - started,
    )


def cpu_seconds(pids: tuple[int, ...]) -> float | None:
    """User + system CPU seconds of `pids` so far (Linux /proc; None elsewhere or when there are none)."""
    if not pids:
        return None
    total = 0.0
    try:
        for pid in pids:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None
    return total


def host_busy_seconds() -> float | None:
    """CPU seconds the whole machine spent busy so far, all cores (Linux /proc/stat; None elsewhere)."""
    try:
        fields = [int(value) for value in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    except (OSError, ValueError, IndexError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def warm_up(bases: list[str], text: str, fakes: FakePlatforms, *, replies: bool = True) -> None:
    """20 events: imports, auth.test, the tenant token, the database pool; their replies are waited for,
    so that none of them is counted in the first rate."""
    before = fakes.replies()
    _latencies, errors, sent = asyncio.run(fire(bases, 20, 1.0, text))
    if replies:
        wait_for_replies(fakes, before + sent - errors, patience=10.0)
    time.sleep(1)


def wait_for_replies(fakes: FakePlatforms, expected: int, *, patience: float = 15.0) -> tuple[int, float]:
    """Wait for the backlog to drain: until `expected` replies arrived in all, or none arrived for
    `patience` seconds (the rest are lost). Returns the count and when the last one came."""
    last_change, seen = time.perf_counter(), fakes.replies()
    while seen < expected and time.perf_counter() - last_change < patience:
        time.sleep(0.1)
        now_seen = fakes.replies()
        if now_seen != seen:
            seen, last_change = now_seen, time.perf_counter()
    return seen, last_change


@dataclass
class KindResult:
    kind: str
    latencies: list[float]
    errors: int
    late: int  # acks that came after the handler had finished (the ack waited for the work)

    def row(self) -> str:
        ordered = sorted(self.latencies) or [0.0]
        p50 = statistics.median(ordered) * 1000
        p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000
        over_2s = sum(1 for value in ordered if value > 2.0)
        over_3s = sum(1 for value in ordered if value > 3.0)
        return (
            f"| {self.kind:<26} | {len(self.latencies):>5} | {p50:>7.1f} | {p99:>7.1f} | "
            f"{ordered[-1] * 1000:>7.1f} | {over_2s:>5} | {over_3s:>5} | {self.errors:>6} | {self.late:>4} |"
        )

    @property
    def ok(self) -> bool:
        return self.errors == 0 and self.late == 0 and all(value <= 3.0 for value in self.latencies)


KINDS_HEADER = (
    "| Slack request (in process) |   n   | p50 ms  | p99 ms  | max ms  | >2 s  | >3 s  | errors | late |\n"
    "|----------------------------|-------|---------|---------|---------|-------|-------|--------|------|"
)


def slack_kinds(count: int) -> list[KindResult]:
    """`count` sequential acks of each Slack request kind, against the wire tests' in-process bot."""
    from bot.messages import IncomingMessage, Reply
    from tests.database_templates import migrated_sqlite
    from tests.fakes.slack_api import serve_slack_api
    from tests.wire.test_slack_wire import payload, serve_slack_bot

    gates: dict[str, threading.Event] = {}
    finished: set[str] = set()

    def busy(msg: IncomingMessage, _services: object) -> Reply:
        gates[msg.trigger_id or ""].wait(30)  # "slow work": released once its ack has been measured
        finished.add(msg.trigger_id or "")
        return Reply(text="finally")

    results = {
        kind: KindResult(kind=kind, latencies=[], errors=0, late=0)
        for kind in ("app_mention event", "slash command", "button, handler busy")
    }
    with (
        tempfile.TemporaryDirectory(prefix="sb-bench-") as tmp,
        serve_slack_api() as api,
        serve_slack_bot(api, migrated_sqlite(Path(tmp) / "kinds.db")) as bot,
    ):
        bot.application.router.action("bench.busy.", busy)
        for i in range(count):
            mention = payload("app_mention", user="U222", text="<@UBOT> help")
            mention["event_id"] = f"EvBenchKind{i}"
            form = payload("slash_command") | {
                "text": "role grant x",  # a usage reply on the response_url
                "response_url": api.hook_url(f"bench{i}"),
                "trigger_id": f"t.command{i}",
            }
            click = payload("block_actions")
            click["actions"][0]["action_id"] = f"bench.busy.work::{i}"
            click["trigger_id"] = trigger = f"t.busy{i}"
            gates[trigger] = threading.Event()
            for kind, send in (
                ("app_mention event", lambda mention=mention: bot.event(mention)),
                ("slash command", lambda form=form: bot.command(form)),
                ("button, handler busy", lambda click=click: bot.interactive(click)),
            ):
                result = results[kind]
                started = time.perf_counter()
                try:
                    status = send().status_code
                except Exception:
                    status = 0
                result.latencies.append(time.perf_counter() - started)
                result.errors += status != 200
                if kind.startswith("button"):
                    result.late += trigger in finished
                    gates[trigger].set()
        bot.settle(count * 3)
    return list(results.values())


# --- --compare: the same load against a minimal bolt + lark-oapi app and three ways of running the bot ---
@dataclass(frozen=True)
class Setup:
    key: str
    name: str
    postgres: bool = False
    minimal: bool = False  # benchmarks/minimal_app.py instead of the bot
    serve_workers: int | None = None  # `serve --workers`; None: the default (SALESBRIDGE_WORKER_THREADS)
    worker_processes: int = 0  # `salesbridge worker` processes beside it
    # `serve --workers 0` alone does not keep `serve` from processing: `Dispatcher.submit` starts the
    # SALESBRIDGE_WORKER_THREADS (8) workers on the first event anyway. Setting that to 0 for `serve`
    # makes it only acknowledge, as `--workers 0` is documented to; the "as is" diagnostic leaves it out.
    only_ack_env: bool = True

    @property
    def replies(self) -> bool:
        """Whether anything processes the events (so that each must get its reply)."""
        return not self.minimal and (
            self.serve_workers != 0 or self.worker_processes > 0 or not self.only_ack_env
        )


SETUPS = (
    Setup("minimal", "minimal bolt + lark-oapi", minimal=True),
    Setup("sqlite", "one process, SQLite"),
    Setup("postgres", "one process, PostgreSQL", postgres=True),
    Setup("split", "serve --workers 0 + 2 workers, PG", postgres=True, serve_workers=0, worker_processes=2),
    # diagnostics, not in the default run
    Setup("acks-sqlite", "acks only: serve --workers 0, SQLite", serve_workers=0),  # nothing processes
    Setup("acks-postgres", "acks only: serve --workers 0, PG", postgres=True, serve_workers=0),
)
DEFAULT_SETUPS = "minimal,sqlite,postgres,split"
COMPARE_RATES = "50,100,200,400"
TARGET_RATE, TARGET_P99_MS = 200, 10.0

COMPARE_HEADER = (
    "| ev/s  | setup                                |  sent  | p50 ms  | p99 ms  | max ms  | non-200 | >3 s | "
    "replies/s | lost | cpu % | host % |\n"
    "|-------|--------------------------------------|--------|---------|---------|---------|---------|------|"
    "-----------|------|-------|--------|"
)


def compare_row(name: str, result: RateResult) -> str:
    lost = "–" if result.lost is None else str(result.lost)
    cpu = "?" if result.cpu is None else f"{result.cpu:.0f}"
    host = "?" if result.host_cpu is None else f"{result.host_cpu:.0f}"
    return (
        f"| {result.rate:>5} | {name:<36} | {result.sent:>6} | {result.p50_ms:>7.1f} | {result.p99_ms:>7.1f} | "
        f"{result.max_ms:>7.1f} | {result.errors:>7} | {result.over_3s:>4} | {result.reply_rate():>9} | "
        f"{lost:>4} | {cpu:>5} | {host:>6} |"
    )


@contextmanager
def fresh_postgres(admin_url: str, tag: str) -> Iterator[str]:
    """A new, empty database next to the one `admin_url` names (its role must be allowed to create
    databases); dropped afterwards. Yields its SQLAlchemy URL."""
    import psycopg
    from psycopg import sql
    from sqlalchemy.engine import make_url

    base = make_url(admin_url)
    name = f"{base.database}_{tag}_{os.getpid()}"
    conninfo = base.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(conninfo, autocommit=True) as connection:
            connection.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


@dataclass
class SetupRun:
    setup: Setup
    results: list[RateResult]
    error_lines: list[str]
    busy_before: float | None  # the machine's busy CPU (100 = one core) just before, nothing of ours running


def run_setup(
    setup: Setup,
    *,
    rates: list[int],
    duration: float,
    text: str,
    fakes: FakePlatforms,
    tmp: Path,
    postgres_url: str,
    keep_rate_limits: bool,
) -> SetupRun:
    busy_before = host_busy_share(3.0)
    with ExitStack() as stack:
        if setup.postgres:
            database_url = stack.enter_context(fresh_postgres(postgres_url, setup.key))
        else:
            database_url = f"sqlite:///{tmp / (setup.key + '.db')}"
        env = platform_env(slack_api=fakes.slack_url, feishu_api=fakes.feishu_url, database_url=database_url)
        env["SALESBRIDGE_LOG_LEVEL"] = "WARNING"
        if not keep_rate_limits:
            env["SALESBRIDGE_OUTBOX_RATE_LIMITS"] = "off"
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        logs = [tmp / f"{setup.key}-serve.log"]
        processes = []
        if setup.minimal:
            processes.append(
                stack.enter_context(running_minimal(port=port, slack_api=fakes.slack_url, log=logs[0]))
            )
        else:
            serve_env = dict(env)
            if setup.serve_workers == 0 and setup.only_ack_env:
                serve_env["SALESBRIDGE_WORKER_THREADS"] = "0"
            processes.append(
                stack.enter_context(
                    running_bot(serve_env, port=port, log=logs[0], workers=setup.serve_workers)
                )
            )
            for n in range(setup.worker_processes):
                logs.append(tmp / f"{setup.key}-worker{n}.log")
                processes.append(stack.enter_context(running_worker(env, log=logs[-1])))
        replies = setup.replies
        warm_up([base], text, fakes, replies=replies)
        load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
        before = "?" if busy_before is None else f"{busy_before:.0f}%"
        print(
            f"\n{setup.name}: {len(processes)} process(es); machine busy {before} just before, "
            f"load average {load}",
            flush=True,
        )
        print(HEADER)
        results = []
        pids = tuple(process.pid for process in processes)
        for rate in rates:
            result = run_rate([base], rate, duration, text, fakes, replies=replies, pids=pids)
            results.append(result)
            print(result.row(), flush=True)
        error_lines = [
            f"{log.stem}: {line}"
            for log in logs
            for line in log.read_text(errors="replace").splitlines()
            if "ERROR" in line or "Traceback" in line
        ]
    return SetupRun(setup=setup, results=results, error_lines=error_lines, busy_before=busy_before)


def host_busy_share(seconds: float) -> float | None:
    """How busy the machine is over `seconds` (100 = one core), e.g. with other people's work."""
    before = host_busy_seconds()
    time.sleep(seconds)
    after = host_busy_seconds()
    return None if before is None or after is None else 100 * (after - before) / seconds


def compare(args: argparse.Namespace, duration: float) -> int:
    rates = [int(r) for r in (args.rates or COMPARE_RATES).split(",") if r.strip()]
    wanted = [key.strip() for key in args.setups.split(",") if key.strip()]
    unknown = set(wanted) - {setup.key for setup in SETUPS}
    if unknown:
        raise SystemExit(f"unknown set-up(s): {', '.join(sorted(unknown))}")
    setups = [setup for setup in SETUPS if setup.key in wanted]
    skipped = [setup for setup in setups if setup.postgres and not args.postgres_url]
    setups = [setup for setup in setups if setup not in skipped]
    cores = os.cpu_count()
    print(
        f"ack latency, side by side: {', '.join(s.name for s in setups)}; {duration:.0f} s per rate, "
        f"text {args.text!r}, {cores} CPU core(s) shared by the load generator, the fake APIs and the app"
    )
    for setup in skipped:
        print(f"skipped {setup.name}: no --postgres-url (or SALESBRIDGE_BENCH_POSTGRES_URL)")
    runs = []
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="sb-bench-")))
        fakes = FakePlatforms()
        stack.callback(fakes.close)
        for setup in setups:
            runs.append(
                run_setup(
                    setup,
                    rates=rates,
                    duration=duration,
                    text=args.text,
                    fakes=fakes,
                    tmp=tmp,
                    postgres_url=args.postgres_url,
                    keep_rate_limits=args.keep_rate_limits,
                )
            )
    print(
        f"\nSide by side ({duration:.0f} s per rate; cpu %: the app's processes, host %: the whole machine; "
        f"100 = one core of {cores})"
    )
    print(COMPARE_HEADER)
    for index in range(len(rates)):
        for run in runs:
            print(compare_row(run.setup.name, run.results[index]))
    print(
        "machine busy just before each set-up (other work; 100 = one core): "
        + ", ".join(
            f"{run.setup.name} {'?' if run.busy_before is None else f'{run.busy_before:.0f}%'}"
            for run in runs
        )
    )
    ok = True
    print(f"\nTarget: ack p99 ≤ {TARGET_P99_MS:.0f} ms at {TARGET_RATE} events/s, 0 lost, 0 acks over 3 s")
    for run in runs:
        if not run.setup.replies:
            continue
        at_target = [r for r in run.results if r.rate == TARGET_RATE]
        met = bool(at_target) and at_target[0].p99_ms <= TARGET_P99_MS and at_target[0].ok
        ok = ok and met and all(r.ok for r in run.results)
        where = f"p99 {at_target[0].p99_ms:.1f} ms" if at_target else f"not run at {TARGET_RATE} events/s"
        print(f"  {run.setup.name}: {'met' if met else 'MISSED'} ({where})")
        for result in run.results:
            if not result.ok:
                print(
                    f"    at {result.rate} events/s: {result.errors} non-200, {result.over_3s} acks over 3 s, "
                    f"{result.lost} lost"
                )
    for run in runs:
        if run.error_lines:
            print(f"\n{run.setup.name} logged {len(run.error_lines)} ERROR lines; first ones:")
            print("\n".join(run.error_lines[:5]))
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--rates",
        default="",
        help=f"events per second, comma-separated (50,100,200; --compare: {COMPARE_RATES})",
    )
    parser.add_argument("--duration", type=float, default=30.0, help="seconds per rate")
    parser.add_argument("--quick", action="store_true", help="5 s per rate")
    parser.add_argument("--text", default="help", help="what each event says to the bot")
    parser.add_argument("--database-url", default="", help="default: a fresh SQLite file")
    parser.add_argument(
        "--processes", type=int, default=1, help="serve processes behind a round-robin client"
    )
    parser.add_argument("--keep-rate-limits", action="store_true", help="keep the outbox's platform limits")
    parser.add_argument(
        "--kinds", type=int, default=100, help="acks of each Slack request kind, one at a time (0: none)"
    )
    parser.add_argument("--kinds-only", action="store_true", help="only the acks by Slack request kind")
    parser.add_argument(
        "--compare", action="store_true", help="minimal bolt + lark-oapi app vs the bot's set-ups, one table"
    )
    parser.add_argument(
        "--setups",
        default=DEFAULT_SETUPS,
        help=f"--compare: which set-ups ({DEFAULT_SETUPS}; diagnostics: acks-sqlite, "
        "acks-postgres)",
    )
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("SALESBRIDGE_BENCH_POSTGRES_URL", ""),
        help="--compare: a PostgreSQL database whose role may create databases; each PostgreSQL set-up "
        "runs on a fresh database created next to it and dropped afterwards",
    )
    args = parser.parse_args(argv)
    if args.kinds_only:
        return 0 if print_kinds(args.kinds) else 1
    duration = 5.0 if args.quick else args.duration
    if args.compare:
        return compare(args, duration)
    rates = [int(r) for r in (args.rates or "50,100,200").split(",") if r.strip()]

    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="sb-bench-")))
        fakes = FakePlatforms()
        stack.callback(fakes.close)
        database_url = args.database_url or f"sqlite:///{tmp / 'bench.db'}"
        env = platform_env(slack_api=fakes.slack_url, feishu_api=fakes.feishu_url, database_url=database_url)
        env["SALESBRIDGE_LOG_LEVEL"] = "WARNING"
        if not args.keep_rate_limits:
            env["SALESBRIDGE_OUTBOX_RATE_LIMITS"] = "off"
        bases, logs, processes = [], [], []
        for n in range(args.processes):
            port = free_port()
            logs.append(tmp / f"serve{n}.log")
            processes.append(stack.enter_context(running_bot(env, port=port, log=logs[-1], prepare=n == 0)))
            bases.append(f"http://127.0.0.1:{port}")
        warm_up(bases, args.text, fakes)
        where = database_url.split("@")[-1]
        print(
            f"{len(bases)} x salesbridge serve, database {where}, {duration:.0f} s per rate, text {args.text!r}"
        )
        print(HEADER)
        results = []
        pids = tuple(process.pid for process in processes)
        for rate in rates:
            result = run_rate(bases, rate, duration, args.text, fakes, pids=pids)
            results.append(result)
            print(result.row(), flush=True)
        lines = [
            line for log in logs for line in log.read_text(errors="replace").splitlines() if "ERROR" in line
        ]
        if lines:
            print(f"\nserve logged {len(lines)} ERROR lines; first ones:")
            print("\n".join(lines[:5]))
    kinds_ok = print_kinds(args.kinds) if args.kinds > 0 else True
    rates_ok = all(r.ok for r in results)
    return 0 if rates_ok and kinds_ok else 1


def print_kinds(count: int) -> bool:
    print(f"\nSlack acks by request kind, {count} of each, one at a time ('late': acked after the handler)")
    print(KINDS_HEADER)
    results = slack_kinds(count)
    for result in results:
        print(result.row(), flush=True)
    return all(result.ok for result in results)


if __name__ == "__main__":
    raise SystemExit(main())
