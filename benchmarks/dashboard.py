"""The dashboard's requests table with 100,000 requests: page latency p50/p95 and the bytes a page load moves.

    .venv/bin/python -m benchmarks.dashboard                           # SQLite (a temporary file), 100,000
    .venv/bin/python -m benchmarks.dashboard --db var/bench-dash.db    # keep (and reuse) the SQLite file
    .venv/bin/python -m benchmarks.dashboard \\
        --database-url postgresql+psycopg://salesbridge:salesbridge@127.0.0.1:5432/salesbridge_dash_bench

The database is migrated (`salesbridge db upgrade`: the dashboard's indexes included) and filled with bulk
inserts: 100,000 requests over two years, statuses new 45 % · triaged 20 % · planned 12 % · in-progress 8 % ·
shipped 7 % · declined 5 % · merged 3 %; one to three customers each from 8,000 names (Zipf-like: a few
big accounts ask often) with tiers diamond 5 % · gold 20 % · silver 45 % · bronze 30 % and ARR to match;
26 product areas (skewed); 600 requesters on Slack (70 %), Feishu (27 %) and the console; descriptions from
the request benchmark's bilingual vocabulary, with their token-index rows. A PostgreSQL database named in
`--database-url` is created when missing (the role needs CREATEDB) and reused when already filled.

Each page is fetched through the real ASGI app (`salesbridge.server.create_asgi_app`, Starlette's
TestClient, signed in with a one-time link as a PM, or as a sales rep for "sales: own requests"): several
filter and sort combinations, first and later pages. Reported per page: p50 / p95 in milliseconds, the HTML
size and the bytes transferred (gzip), plus the stylesheet a first visit loads.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import make_url
from starlette.testclient import TestClient

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `python benchmarks/dashboard.py` as well as `python -m benchmarks.dashboard`
    sys.path.insert(0, str(ROOT))

from benchmarks.requests import request_text, vocabulary, zipf_weights  # noqa: E402
from bot.clock import Clock  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.database import Database, normalize_url  # noqa: E402
from bot.models.requests import FeatureRequest, RequestCustomer, RequestRequester, RequestToken  # noqa: E402
from salesbridge.app import build_application  # noqa: E402
from salesbridge.server import create_asgi_app  # noqa: E402
from services.dashboard_access import Identity, create_link  # noqa: E402
from services.requests.duplicates import text_tokens  # noqa: E402
from services.requests.priority import CustomerSignal, score  # noqa: E402
from services.requests.request_input import make_title  # noqa: E402
from services.requests.vocabulary import URGENCIES  # noqa: E402

STATUSES = (
    ("new", 45), ("triaged", 20), ("planned", 12), ("in-progress", 8), ("shipped", 7), ("declined", 5), ("merged", 3),
)  # fmt: skip
TIERS = (("diamond", 5), ("gold", 20), ("silver", 45), ("bronze", 30))
ARR_BY_TIER = {
    "diamond": (500_000, 1_000_000, 2_000_000, 5_000_000),
    "gold": (100_000, 200_000, 500_000),
    "silver": (20_000, 50_000, 100_000),
    "bronze": (0, 5_000, 10_000, 20_000),
}
AREAS = [
    "security",
    "sso",
    "reports",
    "mobile",
    "integrations",
    "api",
    "billing",
    "admin",
    "search",
    "notifications",
    "workflow",
    "analytics",
    "import-export",
    "performance",
    "compliance",
    "dashboards",
    "email",
    "calendar",
    "permissions",
    "localization",
    "offline",
    "data-model",
    "ai",
    "onboarding",
    "audit",
    "general",
]
PLATFORMS = (("slack", 70), ("feishu", 27), ("console", 3))
SALES_USER = ("slack", "U17")  # a busy sales rep: the "sales: own requests" page is theirs
PM_USER = ("slack", "UPM")

PAGES: list[tuple[str, str, str]] = [  # (name, who, path)
    ("open by RICE, page 1 (default)", "pm", "/app/requests"),
    ("open by RICE, page 20", "pm", "/app/requests?page=20"),
    ("open by RICE, last page", "pm", "/app/requests?page=1000000"),
    ("open by ARR", "pm", "/app/requests?sort=arr"),
    ("open by priority", "pm", "/app/requests?sort=priority"),
    ("open by votes", "pm", "/app/requests?sort=votes"),
    ("open by age (oldest)", "pm", "/app/requests?sort=age"),
    ("open by age, newest, page 5", "pm", "/app/requests?sort=age&dir=asc&page=5"),
    ("all statuses by RICE", "pm", "/app/requests?status=all"),
    ("status planned by ARR", "pm", "/app/requests?status=planned&sort=arr"),
    ("tier diamond", "pm", "/app/requests?tier=diamond"),
    ("customer 'Customer 42'", "pm", "/app/requests?customer=Customer+42"),
    ("area security, page 3", "pm", "/app/requests?area=security&page=3"),
    ("requester slack:U17", "pm", "/app/requests?requester=slack:U17"),
    ("platform feishu by votes", "pm", "/app/requests?platform=feishu&sort=votes"),
    ("text 'sso'", "pm", "/app/requests?text=sso"),
    ("text '登录'", "pm", "/app/requests?text=%E7%99%BB%E5%BD%95"),
    ("tier gold + area reports + text 'export'", "pm", "/app/requests?tier=gold&area=reports&text=export"),
    ("sales: own requests", "sales", "/app/requests"),
    ("a request's page", "pm", "/app/requests/4242"),
]


def weighted(rng: random.Random, pairs: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([p[0] for p in pairs], [p[1] for p in pairs])[0]


def fill(db: Database, *, count: int, seed: int = 7) -> None:
    """Bulk-insert `count` requests with customers, requesters and token-index rows (see the docstring)."""
    rng = random.Random(seed)
    vocab = vocabulary(rng)
    weights = zipf_weights(len(vocab))
    rng.shuffle(vocab)
    term_tokens = {term: text_tokens(term) for term in vocab}
    customer_weights = zipf_weights(8000)
    area_weights = zipf_weights(len(AREAS))
    users = [(weighted(rng, PLATFORMS), n) for n in range(600)]
    now = Clock().now()
    started = time.perf_counter()
    batch = 5000
    next_id = 1
    while next_id <= count:
        requests, customers, requesters, tokens = [], [], [], []
        for request_id in range(next_id, min(next_id + batch, count + 1)):
            description = request_text(rng, vocab, weights)
            created = now - timedelta(minutes=rng.randint(0, 2 * 365 * 24 * 60))
            platform, number = users[int(rng.paretovariate(1.2)) % len(users)]
            user = (
                f"U{number}"
                if platform == "slack"
                else (f"ou_{number}" if platform == "feishu" else f"rep{number}")
            )
            signals = []
            for _ in range(rng.choice((1, 1, 1, 2, 3))):
                tier = weighted(rng, TIERS)
                name = f"Customer {rng.choices(range(1, 8001), customer_weights)[0]}"
                arr = float(rng.choice(ARR_BY_TIER[tier]))
                signals.append(
                    CustomerSignal(name=name, tier=tier, urgency=rng.choice(URGENCIES), arr_usd=arr)
                )
                customers.append({
                    "request_id": request_id, "name": name, "tier": tier, "urgency": signals[-1].urgency,
                    "arr_amount": arr, "arr_currency": "USD", "arr_usd": arr, "added_platform": platform,
                    "added_by": user, "created_at": created,
                })  # fmt: skip
            status = weighted(rng, STATUSES)
            triaged = status != "new" and rng.random() < 0.8
            result = score(
                signals,
                confidence=rng.choice((0.5, 0.8, 1.0)) if triaged else None,
                effort_weeks=rng.choice((1, 2, 4, 8)) if triaged else None,
            )
            merged_into = rng.randint(1, request_id - 1) if status == "merged" and request_id > 1 else None
            if status == "merged" and merged_into is None:
                status = "new"
            requests.append({
                "id": request_id, "title": make_title(description), "description": description,
                "area": rng.choices(AREAS, area_weights)[0], "status": status,
                "is_open": status in ("new", "triaged", "planned", "in-progress"), "priority": result.label,
                "override_reason": "", "reach": result.reach, "impact": result.impact, "rice": result.rice,
                "total_arr_usd": result.total_arr_usd, "customer_count": result.customer_count,
                "release": "5.3" if status in ("planned", "shipped") else "", "merged_into_id": merged_into,
                "source_link": "", "created_platform": platform, "created_by": user, "created_at": created,
                "updated_at": created, "effort_weeks": None, "confidence": None,
            })  # fmt: skip
            requesters.append(
                {"request_id": request_id, "platform": platform, "user_id": user, "created_at": created}
            )
            if rng.random() < 0.15:  # someone else joined
                other_platform, other = users[rng.randrange(len(users))]
                other_user = f"U{other}" if other_platform == "slack" else f"ou_{other}"
                if (other_platform, other_user) != (platform, user):
                    requesters.append(
                        {
                            "request_id": request_id,
                            "platform": other_platform,
                            "user_id": other_user,
                            "created_at": created,
                        }
                    )
            seen: set[str] = set()
            for term in description.split():
                for token in term_tokens.get(term, ()):
                    if token not in seen:
                        seen.add(token)
                        tokens.append({"token": token, "request_id": request_id})
        with db.engine.begin() as connection:
            connection.execute(insert(FeatureRequest), requests)
            connection.execute(insert(RequestCustomer), customers)
            connection.execute(insert(RequestRequester), requesters)
            connection.execute(insert(RequestToken), tokens)
        next_id += batch
        print(f"  {min(next_id - 1, count):,} requests", end="\r", flush=True)
    with db.engine.begin() as connection:
        if db.is_postgres:
            connection.exec_driver_sql(
                "SELECT setval('feature_request_id_seq', (SELECT max(id) FROM feature_request))"
            )
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        # what autovacuum does soon after a bulk load: statistics, and PostgreSQL's visibility map (so a
        # count can be an index-only scan)
        connection.exec_driver_sql("VACUUM ANALYZE" if db.is_postgres else "ANALYZE")
    print(f"filled {count:,} requests in {time.perf_counter() - started:.1f} s")


def ensure_postgres_database(url: str) -> None:
    """CREATE DATABASE the one named in `url` when it does not exist (connecting to `postgres`)."""
    parsed = make_url(normalize_url(url))
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        exists = connection.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": parsed.database}
        ).first()
        if exists is None:
            connection.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    admin.dispose()


def stored_requests(db: Database) -> int:
    with db.engine.connect() as connection:
        return int(connection.execute(text("SELECT count(*) FROM feature_request")).scalar_one())


def signed_in(app_client: TestClient, db: Database, who: tuple[str, str]) -> None:
    with db.session() as session:
        token = create_link(
            session=session, identity=Identity(platform=who[0], user=who[1]), now=Clock().now()
        )
    response = app_client.post("/app/login", data={"token": token}, follow_redirects=False)
    assert response.status_code == 303, response.text


def percentile(samples: list[float], q: int) -> float:
    return statistics.quantiles(sorted(samples), n=100, method="inclusive")[q - 1]


def measure(database_url: str, *, runs: int) -> None:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        DATABASE_URL=database_url,
        SALESBRIDGE_PM_USERS="UPM",
        SALESBRIDGE_EMBEDDINGS="none",
        SALESBRIDGE_DASHBOARD_SECRET="benchmark-secret-" * 3,
    )
    application = build_application(settings, ports={}, migrate=False)
    asgi = create_asgi_app(application)
    clients = {
        "pm": TestClient(asgi, base_url="http://localhost:3000"),
        "sales": TestClient(asgi, base_url="http://localhost:3000"),
    }
    signed_in(clients["pm"], application.services.db, PM_USER)
    signed_in(clients["sales"], application.services.db, SALES_USER)
    css = clients["pm"].get("/app/static/dashboard.css")
    print(f"\n{runs} runs per page; milliseconds; HTML bytes as rendered / transferred (gzip)")
    print(f"{'page':<42} {'p50':>7} {'p95':>7} {'rows':>5} {'HTML':>8} {'sent':>7}")
    all_samples: list[float] = []
    first_page_sent = 0
    for name, who, path in PAGES:
        web = clients[who]
        for _ in range(3):  # warm-up: connection pool, page cache, the templates
            warm = web.get(path)
            assert warm.status_code == 200, (path, warm.status_code, warm.text[:500])
        samples = []
        for _ in range(runs):
            started = time.perf_counter()
            response = web.get(path)
            samples.append((time.perf_counter() - started) * 1000)
        all_samples += samples
        first_page_sent = first_page_sent or response.num_bytes_downloaded
        rows = response.text.count('<tr id="request-row-')
        print(
            f"{name:<42} {percentile(samples, 50):7.1f} {percentile(samples, 95):7.1f} {rows:>5} "
            f"{len(response.content):>8,} {response.num_bytes_downloaded:>7,}"
        )
    print(f"{'all pages':<42} {percentile(all_samples, 50):7.1f} {percentile(all_samples, 95):7.1f}")
    first_visit = first_page_sent + css.num_bytes_downloaded
    print(
        f"stylesheet: {len(css.content):,} bytes ({css.num_bytes_downloaded:,} sent; cached afterwards, ETag); "
        f"a first visit to the default 50-row page moves {first_visit:,} bytes of body; no scripts, fonts or images"
    )
    application.services.db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=100_000, help="how many requests to store")
    parser.add_argument("--runs", type=int, default=40, help="timed fetches per page")
    parser.add_argument("--db", type=Path, help="SQLite file to keep; reused when it already exists")
    parser.add_argument(
        "--database-url", help="PostgreSQL (postgresql+psycopg://…); created and filled if empty"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.database_url:
            url = args.database_url
            ensure_postgres_database(url)
        else:
            path = args.db or Path(tmp) / "dashboard-bench.db"
            path.parent.mkdir(parents=True, exist_ok=True)
            url = f"sqlite:///{path}"
        db = Database(url)
        db.upgrade()
        stored = stored_requests(db)
        if stored == 0:
            fill(db, count=args.requests)
        else:
            print(f"reusing {stored:,} requests in {db.url.split('@')[-1]}")
        db.dispose()
        print(
            f"{'PostgreSQL' if url.startswith('postgres') else 'SQLite'}, {max(stored, args.requests):,} requests"
        )
        measure(url, runs=args.runs)


if __name__ == "__main__":
    main()
