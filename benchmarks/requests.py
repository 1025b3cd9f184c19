"""Feature requests at scale: `requests top` and the duplicate lookup with 100,000 requests (SQLite).

    .venv/bin/python -m benchmarks.requests                    # 100,000 requests, 300 timed runs each
    .venv/bin/python -m benchmarks.requests --requests 20000 --runs 100
    .venv/bin/python -m benchmarks.requests --db var/bench-requests.db   # keep (and reuse) the database

The database is filled directly (bulk inserts): each request has 3–6 product terms drawn with a Zipf-like
skew from a vocabulary of ~3,000 terms (real product words in English and Chinese plus synthetic
integration names), one to three customers with tiers, urgencies and ARR, and its token-index rows
computed with the same tokenizer the bot uses. 10 % of requests are closed.

Timed, each reported as p50/p95/p99 in milliseconds:
  * `requests top` — the whole chat command through the real router (query, customer names, rendering);
  * duplicate lookup — `similar_open_requests` for a new request text (English and Chinese mixes).
Goal: each ≤ 50 ms p95.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `python benchmarks/requests.py` as well as `python -m benchmarks.requests`
    sys.path.insert(0, str(ROOT))

from bot.clock import Clock  # noqa: E402  (the project root is on the path now)
from bot.config import Settings  # noqa: E402
from bot.database import Database  # noqa: E402
from bot.messages import IncomingMessage, Kind  # noqa: E402
from bot.models.requests import FeatureRequest, RequestCustomer, RequestRequester, RequestToken  # noqa: E402
from salesbridge.app import build_application  # noqa: E402
from services.requests.duplicates import similar_open_requests, text_tokens  # noqa: E402
from services.requests.priority import CustomerSignal, score  # noqa: E402
from services.requests.request_input import make_title  # noqa: E402
from services.requests.vocabulary import TIERS, URGENCIES  # noqa: E402

_TERMS_EN = (
    "sso saml oidc login export report dashboard api webhook audit log backup restore encryption notification "
    "search mobile offline sync migration performance alert approval workflow template bulk import custom field "
    "calendar email sms payment invoice contract signature permission role tenant multitenancy dark mode theme "
    "database onpremise deployment spreadsheet attachment upload download excel pdf csv salesforce hubspot "
    "slack feishu teams jira zendesk ldap scim mfa 2fa retention compliance gdpr hipaa soc2 quota billing "
    "analytics forecast pipeline territory commission chart widget kanban timeline gantt comment mention"
)
REAL_TERMS_EN = _TERMS_EN.split()
_TERMS_ZH = (
    "登录 导出 报表 权限 集成 接口 审计 日志 备份 加密 通知 搜索 仪表盘 移动端 离线 同步 迁移 性能 告警 审批 工作流 "
    "模板 批量 自定义 字段 日历 邮件 短信 支付 发票 合同 电子签名 租户 私有化 部署 附件"
)
REAL_TERMS_ZH = _TERMS_ZH.split()


def vocabulary(rng: random.Random) -> list[str]:
    synthetic = [f"{rng.choice(['conn', 'plugin', 'module', 'sdk', 'adapter'])}{n}" for n in range(3000)]
    return [*REAL_TERMS_EN, *REAL_TERMS_ZH, *synthetic]


def zipf_weights(n: int) -> list[float]:
    return [1.0 / (rank + 1) ** 0.9 for rank in range(n)]


def request_text(rng: random.Random, vocab: list[str], weights: list[float]) -> str:
    words = rng.choices(vocab, weights=weights, k=rng.randint(3, 6))
    return " ".join(dict.fromkeys(words))


def fill(database_url: str, *, count: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    vocab = vocabulary(rng)
    weights = zipf_weights(len(vocab))
    rng.shuffle(vocab)  # real and synthetic terms spread over the popularity ranks
    term_tokens = {term: text_tokens(term) for term in vocab}
    db = Database(database_url)
    db.create_all()
    now = Clock().now()
    batch = 5000
    started = time.perf_counter()
    next_id = 1
    with db.engine.begin() as connection:
        while next_id <= count:
            requests, customers, requesters, tokens = [], [], [], []
            for request_id in range(next_id, min(next_id + batch, count + 1)):
                text = request_text(rng, vocab, weights)
                signals = []
                for c in range(rng.choice((1, 1, 1, 2, 3))):
                    tier, urgency = rng.choice(TIERS), rng.choice(URGENCIES)
                    arr = float(rng.choice((0, 10_000, 50_000, 120_000, 500_000, 2_000_000)))
                    signals.append(
                        CustomerSignal(
                            name=f"Customer {rng.randint(1, 20000)}", tier=tier, urgency=urgency, arr_usd=arr
                        )
                    )
                    customers.append(
                        {
                            "request_id": request_id,
                            "name": signals[-1].name,
                            "tier": tier,
                            "urgency": urgency,
                            "arr_amount": arr,
                            "arr_currency": "USD",
                            "arr_usd": arr,
                            "added_platform": "slack",
                            "added_by": f"U{c}",
                            "created_at": now,
                        }
                    )
                triaged = rng.random() < 0.3
                result = score(
                    signals,
                    confidence=0.8 if triaged else None,
                    effort_weeks=rng.choice((1, 2, 4, 8)) if triaged else None,
                )
                status = rng.choices(
                    ("new", "triaged", "planned", "shipped", "declined"), (50, 25, 15, 5, 5)
                )[0]
                requests.append({
                    "id": request_id, "title": make_title(text), "description": text, "area": "general",
                    "status": status, "is_open": status not in ("shipped", "declined"), "priority": result.label,
                    "override_reason": "", "reach": result.reach, "impact": result.impact, "rice": result.rice,
                    "total_arr_usd": result.total_arr_usd, "customer_count": result.customer_count, "release": "",
                    "source_link": "", "created_platform": "slack", "created_by": "U1", "created_at": now,
                    "updated_at": now,
                })  # fmt: skip
                requesters.append(
                    {"request_id": request_id, "platform": "slack", "user_id": "U1", "created_at": now}
                )
                seen: set[str] = set()
                for term in text.split():
                    for token in term_tokens.get(term, ()):
                        if token not in seen:
                            seen.add(token)
                            tokens.append({"token": token, "request_id": request_id})
            connection.execute(insert(FeatureRequest), requests)
            connection.execute(insert(RequestCustomer), customers)
            connection.execute(insert(RequestRequester), requesters)
            connection.execute(insert(RequestToken), tokens)
            next_id += batch
    with db.engine.begin() as connection:
        connection.exec_driver_sql("ANALYZE")
    db.dispose()
    print(f"filled {count:,} requests in {time.perf_counter() - started:.1f} s")


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    q = statistics.quantiles(ordered, n=100, method="inclusive")
    return f"p50 {q[49]:6.2f} ms   p95 {q[94]:6.2f} ms   p99 {q[98]:6.2f} ms   max {ordered[-1]:6.2f} ms"


def measure(database_url: str, *, runs: int, seed: int = 11) -> dict[str, list[float]]:
    settings = Settings(_env_file=None, DATABASE_URL=database_url)  # type: ignore[call-arg]
    app = build_application(settings, ports={}, migrate=False)
    rng = random.Random(seed)
    vocab = vocabulary(random.Random(7))
    weights = zipf_weights(len(vocab))
    random.Random(7).shuffle(vocab)
    results: dict[str, list[float]] = {"requests top": [], "duplicate lookup": []}
    top = IncomingMessage(
        platform="slack", conversation="C1", user="U1", text="requests top", kind=Kind.COMMAND
    )
    app.router.handle(top, app.services)  # warm-up: imports, connection pool, SQLite page cache
    with app.services.db.session() as session:
        similar_open_requests(session=session, text="SAML SSO 登录")
    for _ in range(runs):
        started = time.perf_counter()
        replies = app.router.handle(top, app.services)
        results["requests top"].append((time.perf_counter() - started) * 1000)
        assert replies and replies[0].text.count("\n") == 9, replies
    for _ in range(runs):
        text = request_text(rng, vocab, weights)
        started = time.perf_counter()
        with app.services.db.session() as session:
            similar_open_requests(session=session, text=text)
        results["duplicate lookup"].append((time.perf_counter() - started) * 1000)
    app.services.db.dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=100_000, help="how many requests to store")
    parser.add_argument("--runs", type=int, default=300, help="timed runs per measurement")
    parser.add_argument("--db", type=Path, help="SQLite file to keep; reused when it already exists")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = args.db or Path(tmp) / "requests-bench.db"
        url = f"sqlite:///{path}"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            fill(url, count=args.requests)
        else:
            print(f"reusing {path}")
        results = measure(url, runs=args.runs)
    print(f"{args.runs} runs each, SQLite, {args.requests:,} requests")
    for name, samples in results.items():
        print(f"{name:<17} {percentiles(samples)}")
    worst = max(sorted(s)[int(len(s) * 0.95) - 1] for s in results.values())
    print("goal ≤ 50 ms p95:", "met" if worst <= 50 else "NOT met")


if __name__ == "__main__":
    main()
