"""Resident memory of `salesbridge serve` with a 10,000-section knowledge base.

    .venv/bin/python -m benchmarks.memory                    # 10,000 sections, lexical only
    .venv/bin/python -m benchmarks.memory --sections 2000 --questions 50
    .venv/bin/python -m benchmarks.memory --database sqlite:///var/bench/tidb.db   # TiDB, embedded, model loaded

With `--database` the bot serves an existing (ingested and embedded, e.g. by `benchmarks.retrieval`) knowledge
base with the bundled semantic model loaded: the issue's budget is RSS ≤ 450 MB with both platforms and the
model; without it, a generated one with semantic retrieval off (goal ≤ 300 MB).

Generates a bilingual (English + Chinese) product knowledge base through `KnowledgeBase.add_document`
(400 documents of 25 sections by default) in a fresh SQLite database, starts `salesbridge serve` on it with
the fake Slack and Feishu APIs, waits until the index is built, asks questions through signed Slack events,
and reports the process's RSS (now and peak, from /proc) before and after the questions.

`serve` runs with `MALLOC_ARENA_MAX=2`, as the Dockerfile and the systemd unit set it: glibc otherwise gives
each busy thread its own malloc arena, which costs 50–80 MB of RSS in a threaded server for nothing.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.ack_latency import running_bot  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.database import Database  # noqa: E402
from knowledge.base import KnowledgeBase  # noqa: E402
from tests.fakes.feishu_api import serve_feishu_api  # noqa: E402
from tests.fakes.servers import free_port  # noqa: E402
from tests.fakes.slack_api import FakeSlackApi, serve_slack_api  # noqa: E402
from tests.scale.wire import platform_env, signed_slack_request, slack_event  # noqa: E402

GOAL_MB = 300
GOAL_WITH_MODEL_MB = 450
PRODUCTS = ["Atlas CRM", "Beacon Analytics", "Cobalt Gateway", "Delta Sync", "Echo Voice", "Flux Billing"]
TOPICS_EN = [
    "single sign-on",
    "pricing tiers",
    "data residency",
    "API rate limits",
    "audit logs",
    "SLA",
    "backup",
    "encryption at rest",
    "mobile app",
    "webhooks",
    "custom roles",
    "export to CSV",
    "SAML",
    "SCIM",
    "on-premise deployment",
    "multi-region failover",
    "GDPR",
    "invoice currency",
    "trial length",
    "seat limits",
]
TOPICS_ZH = [
    "单点登录",
    "价格方案",
    "数据驻留",
    "接口限流",
    "审计日志",
    "服务等级协议",
    "备份恢复",
    "静态加密",
    "移动端",
    "回调通知",
    "自定义角色",
    "导出表格",
    "私有化部署",
    "多地域容灾",
    "发票币种",
    "试用期",
    "席位上限",
]
WORDS = [
    "supports",
    "requires",
    "enables",
    "configure",
    "customers",
    "admins",
    "tenants",
    "region",
    "cluster",
    "latency",
    "throughput",
    "quota",
    "license",
    "renewal",
    "discount",
    "contract",
    "integration",
    "connector",
    "dashboard",
    "report",
    "policy",
    "retention",
    "compliance",
    "certificate",
    "token",
    "session",
    "gateway",
    "replica",
    "snapshot",
    "schedule",
    "workflow",
    "approval",
    "escalation",
    "roadmap",
    "release",
    "version",
    "deprecation",
    "migration",
    "limit",
    "default",
    "optional",
    "enterprise",
    "standard",
    "starter",
]


def section_text(rng: random.Random, product: str, topic: str, zh: str) -> str:
    sentences = []
    for _ in range(rng.randint(3, 6)):
        words = rng.sample(WORDS, rng.randint(8, 14))
        sentences.append(f"{product} {topic} {' '.join(words)} {rng.randint(1, 500)}.")
    sentences.append(
        f"{product}的{zh}支持{rng.choice(TOPICS_ZH)}，最多{rng.randint(2, 900)}个{rng.choice(['用户', '席位', '区域'])}。"
    )
    return " ".join(sentences)


def build_knowledge_base(database_url: str, *, sections: int, per_document: int = 25) -> float:
    """Add the generated documents; returns seconds taken."""
    rng = random.Random(7)
    db = Database(database_url)
    db.upgrade()
    db.create_all()
    kb = KnowledgeBase(db=db, settings=Settings(_env_file=None, DATABASE_URL=database_url))  # type: ignore[call-arg]
    started = time.perf_counter()
    documents = (sections + per_document - 1) // per_document
    made = 0
    for d in range(documents):
        product = PRODUCTS[d % len(PRODUCTS)]
        parts = [f"# {product} guide {d}"]
        for s in range(min(per_document, sections - made)):
            topic, zh = TOPICS_EN[s % len(TOPICS_EN)], TOPICS_ZH[s % len(TOPICS_ZH)]
            parts.append(f"## {topic} {d}.{s} / {zh}\n\n{section_text(rng, product, topic, zh)}")
            made += 1
        kb.add_document(
            path=f"generated/{product.lower().replace(' ', '-')}/{d:04d}.md",
            title=f"{product} {d}",
            text="\n\n".join(parts),
            product=product,
        )
    db.dispose()
    return time.perf_counter() - started


def rss_mb(pid: int) -> tuple[float, float]:
    """(VmRSS, VmHWM) in MB from /proc/<pid>/status (Linux)."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0]) / 1024
    return values.get("VmRSS", 0.0), values.get("VmHWM", 0.0)


def wait_settled(pid: int, *, seconds: float = 3.0, timeout: float = 180.0) -> float:
    """Wait until RSS stops growing (the index is built in a background thread at start-up)."""
    deadline = time.monotonic() + timeout
    last, stable_since = rss_mb(pid)[0], time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.5)
        now = rss_mb(pid)[0]
        if abs(now - last) > 1.0:
            last, stable_since = now, time.monotonic()
        elif time.monotonic() - stable_since >= seconds:
            return now
    return last


def wait_quiet(slack: FakeSlackApi, *, seconds: float, timeout: float) -> None:
    """Wait until the bot stops calling the Slack API (every question answered)."""
    deadline = time.monotonic() + timeout
    last, since = len(slack.recorder.requests), time.monotonic()
    while time.monotonic() < deadline and time.monotonic() - since < seconds:
        time.sleep(0.2)
        if len(slack.recorder.requests) != last:
            last, since = len(slack.recorder.requests), time.monotonic()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sections", type=int, default=10_000)
    parser.add_argument("--questions", type=int, default=100)
    parser.add_argument("--platforms", default="slack,feishu", help="slack, or slack,feishu (lark-oapi)")
    parser.add_argument("--llm", action="store_true", help="configure an (unreachable) LLM endpoint too")
    parser.add_argument("--database", help="serve this knowledge base with the bundled model (see above)")
    parser.add_argument(
        "--default-malloc",
        action="store_true",
        help="do not set MALLOC_ARENA_MAX=2 (the Docker/systemd setting)",
    )
    args = parser.parse_args(argv)
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="sb-mem-")))
        if args.database:
            database_url, goal = args.database, GOAL_WITH_MODEL_MB
            print(f"knowledge base: {database_url}, bundled semantic model loaded")
        else:
            database_url, goal = f"sqlite:///{tmp / 'kb.db'}", GOAL_MB
            took = build_knowledge_base(database_url, sections=args.sections)
            print(f"knowledge base: {args.sections} sections generated in {took:.1f} s")
        slack = stack.enter_context(serve_slack_api())
        feishu = stack.enter_context(serve_feishu_api())
        env = platform_env(slack_api=slack.url, feishu_api=feishu.url, database_url=database_url)
        env.update({"SALESBRIDGE_LOG_LEVEL": "WARNING", "SALESBRIDGE_OUTBOX_RATE_LIMITS": "off"})
        env["SALESBRIDGE_EMBEDDINGS"] = "bundled" if args.database else "none"
        dropped = [] if "feishu" in args.platforms else ["FEISHU_"]
        dropped += [] if args.llm else ["OPENAI_"]
        for key in [k for k in env if k.startswith(tuple(dropped))] if dropped else []:
            env.pop(key)
        if not args.default_malloc:
            env["MALLOC_ARENA_MAX"] = "2"  # as in the Dockerfile and the systemd unit
        print(
            f"platforms: {args.platforms}; LLM configured: {args.llm}; MALLOC_ARENA_MAX={env.get('MALLOC_ARENA_MAX', '-')}"
        )
        port = free_port()
        process = stack.enter_context(running_bot(env, port=port, log=tmp / "serve.log"))
        settled = wait_settled(process.pid)
        print(f"serve idle with the index loaded: RSS {settled:.0f} MB")
        rng = random.Random(11)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            for i in range(args.questions):
                product, topic = rng.choice(PRODUCTS), rng.choice(TOPICS_EN + TOPICS_ZH)
                question = f"does {product} support {topic}?" if i % 2 else f"{product} 支持{topic}吗？"
                body, headers = signed_slack_request(slack_event(question, channel=f"C{i % 20:03d}"))
                client.post("/slack/events", content=body, headers=headers)
        wait_quiet(slack, seconds=3.0, timeout=300)
        after = wait_settled(process.pid, seconds=2.0, timeout=120)
        _now, peak = rss_mb(process.pid)
        replies = len(slack.recorder.requests)
        print(
            f"after {args.questions} questions ({replies} Slack API calls): RSS {after:.0f} MB, peak {peak:.0f} MB"
        )
        verdict = "OK" if peak <= goal else "OVER"
        print(f"goal ≤ {goal} MB: {verdict}")
        return 0 if peak <= goal and os.path.exists(f"/proc/{process.pid}") else 1


if __name__ == "__main__":
    raise SystemExit(main())
