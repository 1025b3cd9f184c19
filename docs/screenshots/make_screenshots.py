"""Screenshots of the dashboard for the README: a real bot on demo data, each page opened in headless
Chromium and saved as a PNG next to this file.

    make screenshots          # = .venv/bin/python -m docs.screenshots.make_screenshots

Needs Debian's `chromium` and `chromium-driver` (`sudo bash .ci/chromium.sh`) and, for Chinese text and
emoji, fonts (`sudo apt-get install fonts-wqy-microhei fonts-noto-color-emoji`). Everything else is what
the browser tests use (tests/browser/site.py): the Slack and Feishu APIs are the loopback fakes, the chat
goes through the bot's dispatcher, and the clock is frozen so the pictures do not change from run to run
(ages, next runs, charts).

The demo data is told to the bot the way people would tell it: fifteen requests from sales on Slack and Feishu
over a year, PM triage, status changes and a merge, a release announcement and an end-of-sale notice
acknowledged by some of their readers, a launch plan, the sample knowledge base with questions it could not
answer (two answered by a PM, becoming FAQ entries), and three schedules (one run once).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from selenium.webdriver.remote.webdriver import WebDriver
from sqlalchemy import func
from sqlmodel import select

from bot.models import QaEscalation
from bot.models.requests import FeatureRequest
from knowledge import store as knowledge_store
from knowledge.demo import SAMPLES
from knowledge.ingest import ingest_paths
from knowledge.vectors import embed_pending_sections
from tests.browser.chromium import by_id, full_page_screenshot, missing, start_chromium
from tests.browser.site import Site, served_site
from tests.database_templates import migrated_sqlite

HERE = Path(__file__).resolve().parent
START = datetime(2025, 12, 1, 2, 0, tzinfo=UTC)  # the bot starts: a Monday, 10:00 in Shanghai
NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # the pictures: Monday 23 November 2026, 10:00 in Shanghai

SETTINGS = {
    "SALESBRIDGE_EMBEDDINGS": "bundled",  # the bundled model, as in production (lexical where it is absent)
    "SALESBRIDGE_FAQ_VERIFY_DAYS": "90",  # so that one FAQ entry is due for re-verification in the picture
    "OPENAI_API_KEY": "",  # no LLM: extractive answers, as the demo (empty = unset)
    "OPENAI_BASE_URL": "",
}
PM = "UPM"
SLACK_SALES = ("ULILY", "USAM", "UPRIYA")
FEISHU_SALES = ("ou_wang", "ou_li", "ou_zhao")
NAMES = {
    "UPM": "Pat Morgan",
    "ULILY": "Lily Chen",
    "USAM": "Sam Rivera",
    "UPRIYA": "Priya Nair",
}

# Everything below happens at 10:00 in Shanghai on its date (`when`), in the order listed on one day.
# (date, who, what they typed) — the requests are numbered in this order
REQUESTS = [
    (
        "2025-12-08",
        "slack:ULILY",
        'request SAML SSO login with Okta and Azure AD customer:"Acme Corp" tier:gold urgency:high arr:120k area:security',
    ),
    (
        "2026-01-12",
        "feishu:ou_wang",
        "需求 导出报表到 Excel，支持自定义列 客户:某某银行 等级:钻石 金额:¥80万 模块:reports",
    ),
    (
        "2026-02-02",
        "slack:USAM",
        "request Offline mode for the mobile app customer:Globex tier:bronze arr:15k area:mobile",
    ),
    (
        "2026-02-16",
        "feishu:ou_zhao",
        "需求 客户拜访记录支持语音输入 客户:华南建设 等级:银牌 金额:¥30万 模块:mobile",
    ),
    (
        "2026-03-09",
        "slack:ULILY",
        "request Audit log retention of 7 years customer:Initech tier:silver urgency:high arr:500k area:security",
    ),
    (
        "2026-04-13",
        "slack:USAM",
        'request Two-way Salesforce sync of opportunities customer:"Umbrella Health" tier:gold arr:210k area:integrations',
    ),
    (
        "2026-05-11",
        "feishu:ou_li",
        "需求 企业微信消息通知 客户:华东物流 等级:金牌 金额:¥120万 模块:integrations",
    ),
    (
        "2026-06-08",
        "slack:UPRIYA",
        'request Custom fields on the quote PDF customer:"Stark Retail" tier:silver arr:45k area:quotes',
    ),
    (
        "2026-06-22",
        "slack:ULILY",
        'request Sales territories with regional hierarchies customer:"Acme Corp" tier:gold arr:90k area:sales',
    ),
    (
        "2026-07-06",
        "slack:UPRIYA",
        'request Okta single sign-on for the admin console customer:"Wayne Enterprises" tier:diamond arr:350k area:security',
    ),
    ("2026-08-03", "slack:USAM", "request Dark mode for the web app customer:Hooli tier:bronze area:ui"),
    (
        "2026-09-07",
        "feishu:ou_wang",
        "需求 数据看板支持按区域筛选 客户:南方电网 等级:钻石 金额:¥200万 模块:reports",
    ),
    (
        "2026-10-12",
        "slack:ULILY",
        "request Bulk import of contacts from CSV with duplicate check customer:Initech tier:silver arr:60k area:data",
    ),
    (
        "2026-10-26",
        "slack:UPRIYA",
        "request Usage-based billing for API calls customer:Cyberdyne tier:gold arr:180k area:billing",
    ),
    (
        "2026-11-09",
        "feishu:ou_zhao",
        "需求 支持私有化部署 客户:某某银行 等级:钻石 紧急度:高 金额:¥150万 模块:deployment",
    ),
]
PM_WORK = [  # (date, what the PM typed)
    ("2025-12-15", "requests triage 1 effort:6 confidence:80%"),
    ("2026-01-19", "requests triage 2 effort:3 confidence:90%"),
    ("2026-02-09", "requests status 3 declined Not on this year's roadmap: the mobile app is being rebuilt"),
    ("2026-03-16", "requests triage 5 effort:4 confidence:70%"),
    ("2026-03-23", "requests status 1 planned release:5.3 Design review with Acme on 2 April"),
    ("2026-04-20", "requests triage 6 effort:8 confidence:50%"),
    ("2026-05-18", "requests triage 7 effort:2 confidence:80%"),
    ("2026-06-01", "requests status 5 in-progress release:5.2"),
    ("2026-06-29", "requests triage 9 effort:10 confidence:50%"),
    ("2026-07-08", "requests merge 10 into 1"),
    ("2026-07-20", "requests status 2 shipped release:5.1"),
    ("2026-09-14", "requests triage 12 effort:5 confidence:60%"),
    ("2026-10-19", "requests status 8 planned release:5.4"),
    ("2026-11-02", "requests triage 14 effort:6 confidence:70%"),
]
RELEASE = (
    "announce release product:LumenCRM version:5.3 date:2026-12-08 channels:slack:C9,feishu:oc_1 "
    'highlights:"SAML SSO with Okta and Azure AD; audit log retention up to 7 years; 2x faster Salesforce sync"'
)
EOS = (
    'announce eos product:"LumenCRM Classic" channels:slack:C9,feishu:oc_1 reason:"Replaced by LumenCRM Cloud" '
    'last-order:2027-03-31 end-of-support:2028-03-31 scope:"All on-premises Classic 4.x licences" '
    'alternative:"LumenCRM Cloud (Growth or Enterprise)" support:"Security fixes until end of support" '
    "contact:<@UPM>"
)
LATER = (  # drafted now, posted on 1 December: the "Scheduled" table
    "announce release product:LumenCRM version:5.3.1 date:2026-12-15 channels:slack:C9,feishu:oc_1 "
    'highlights:"Fixes for the Okta sign-in flow" at:2026-12-01T09:30'
)
ANNOUNCEMENTS = [  # (date, announcement, who acknowledged it)
    ("2026-09-21", EOS, ("slack:ULILY", "slack:USAM", "feishu:ou_wang", "feishu:ou_li", "slack:UPRIYA")),
    ("2026-11-16", RELEASE, ("slack:ULILY", "feishu:ou_wang", "slack:USAM")),
    ("2026-11-22", LATER, ()),
]
LAUNCH = ("2026-11-16", "launch LumenCRM 5.3 date:2026-12-08 channels:slack:C9,feishu:oc_1 calendar:cn")
SCHEDULES = [
    ("2026-11-20", "schedule add sync weekdays 10:00 channels:slack:C9,feishu:oc_1 calendar:cn"),
    ("2026-11-20", "schedule add digest weekly fri 17:00 channels:slack:CPM"),
    # US holidays: the Thursday of Thanksgiving is skipped
    ("2026-11-20", 'schedule add lscpa "30 9 * * 2,4" channels:slack:C9 calendar:us tz:America/New_York'),
    ("2026-11-20", "schedule run 2"),
]
INGESTED = "2026-11-03"  # the sample knowledge base (before that, nothing the bot could answer from)
QUESTIONS = [  # (date, who, a question the knowledge base cannot answer: escalated to the PMs)
    ("2026-07-13", "slack:ULILY", "Can customers pay their invoices with PayPal?"),
    ("2026-07-14", "feishu:ou_li", "客户可以用支付宝付款吗？"),
    ("2026-09-28", "slack:USAM", "Does LumenCRM run on IBM mainframes?"),
    ("2026-10-30", "slack:ULILY", "Can we white-label the customer portal with our own domain and logo?"),
    ("2026-11-09", "slack:UPRIYA", "Can customers pay invoices through PayPal?"),
    ("2026-11-10", "feishu:ou_wang", "Is there a HIPAA business associate agreement for the EU region?"),
    ("2026-11-18", "slack:USAM", "Does LumenCRM integrate with SAP Business One?"),
    ("2026-11-19", "feishu:ou_li", "Does LumenCRM support right-to-left layouts for Arabic?"),
    ("2026-11-20", "feishu:ou_zhao", "LumenCRM 支持 SAP Business One 集成吗？"),
]
ANSWERS = [  # (date, escalation number, the PM's answer): FAQ entries, to be re-verified after 90 days
    ("2026-07-15", 1, "Not yet: card and wire transfer only. PayPal is planned for 2027."),
    ("2026-10-05", 3, "No. LumenCRM runs on Linux x86-64 and ARM servers, or as our cloud service."),
]


def when(day: str, step: int = 0) -> datetime:
    """10:00 in Shanghai on `day`, plus `step` minutes (the order of what happens that day)."""
    return datetime.fromisoformat(day).replace(hour=2, tzinfo=UTC) + timedelta(minutes=step)


def as_who(who: str) -> dict[str, str]:
    platform, user = who.split(":", 1)
    return {"platform": platform, "user": user}


def seed(site: Site) -> None:
    """Tell the bot everything above, in the order it happened, each at its own time on the frozen clock."""
    slack, feishu = site.bot.slack, site.bot.feishu
    slack.state.names.update(NAMES)
    slack.state.members["C9"] = [*SLACK_SALES, PM]
    feishu.chat_members["oc_1"] = list(FEISHU_SALES)
    pm = f"slack:{PM}"
    events: list[tuple[datetime, Callable[[], object]]] = []

    def add(at: datetime, action: Callable[[], object]) -> None:
        events.append((at + timedelta(seconds=len(events)), action))  # same minute: in the order listed

    def say(who: str, text: str) -> Callable[[], object]:
        return lambda: site.chat(text, **as_who(who))

    add(when(INGESTED), lambda: ingest(site))
    for day, who, text in REQUESTS:
        add(when(day), say(who, text))
    for day, text in PM_WORK:
        add(when(day, 30), say(pm, text))
    for day, who, text in QUESTIONS:
        add(when(day, 60), say(who, text))
    for day, number, answer in ANSWERS:
        add(when(day, 90), lambda n=number, a=answer: answer_escalation(site, n, a))
    for day, text, readers in ANNOUNCEMENTS:
        add(when(day, 120), lambda t=text, r=readers: publish(site, t, acknowledged_by=r))
    add(when(LAUNCH[0], 150), say(pm, LAUNCH[1]))
    for day, text in SCHEDULES:
        add(when(day, 180), say(pm, text))
    with knowledge_on_the_clock(site):
        for at, action in sorted(events, key=lambda event: event[0]):
            site.clock.set(at)
            action()
    site.clock.set(NOW)
    with site.services.db.session() as session:
        logged = session.exec(select(func.count()).select_from(FeatureRequest)).one()
    if logged != len(REQUESTS):
        raise SystemExit(f"{logged} requests were logged instead of {len(REQUESTS)}")


def ingest(site: Site) -> None:
    knowledge = site.services.knowledge
    ingest_paths(knowledge, [SAMPLES])
    if knowledge.embedder is not None:
        embed_pending_sections(db=knowledge.db, embedder=knowledge.embedder)


@contextmanager
def knowledge_on_the_clock(site: Site) -> Iterator[None]:
    """The knowledge base stamps documents (ingested, FAQ entries, end-of-sale notices) with the real time
    (`knowledge.store.utcnow`); here, with the demo's."""
    real = knowledge_store.utcnow
    knowledge_store.utcnow = site.clock.now
    try:
        yield
    finally:
        knowledge_store.utcnow = real


def answer_escalation(site: Site, number: int, text: str) -> None:
    with site.services.db.session() as session:
        found = session.exec(select(QaEscalation).where(QaEscalation.id == number)).first()
    if found is None:
        raise SystemExit(f"escalation {number} was not created: did the knowledge base answer the question?")
    site.chat(f"answer {number} {text}", user=PM, conversation="CPM")


def publish(site: Site, text: str, *, acknowledged_by: tuple[str, ...]) -> None:
    """Draft and press Confirm, then each reader presses Acknowledge; with `at:` the draft is scheduled at
    once (its preview offers only Cancel)."""
    [preview] = site.handle(text, user=PM)
    actions = {button.action_id: button for button in preview.buttons}
    if "announce.confirm" not in actions:
        if "announce.cancel" in actions and "at:" in text:
            return
        raise SystemExit(f"the announcement was not accepted: {preview.text}")
    confirm = actions["announce.confirm"]
    site.click(confirm.action_id, confirm.value, user=PM)
    for reader in acknowledged_by:
        platform, user = reader.split(":", 1)
        site.click("announce.ack", confirm.value, user=user, platform=platform)


def shoot(site: Site, chrome: WebDriver, out: Path) -> list[Path]:
    site.sign_in(chrome, user=PM)
    pages = [
        ("requests.png", "/app/requests?lang=en"),
        ("request.png", "/app/requests/1"),
        ("announcements.png", "/app/announcements"),
        ("announcement.png", "/app/announcements/2"),
        ("knowledge.png", "/app/knowledge"),
        ("schedules.png", "/app/schedules"),
        ("charts.png", "/app/charts"),
        ("requests-zh.png", "/app/requests?lang=zh"),
    ]
    saved = []
    for name, path in pages:
        site.open(chrome, path)
        by_id(chrome, "nav")  # a dashboard page, not an error
        if chrome.find_elements("id", "message"):
            raise SystemExit(f"{path} shows an error: {by_id(chrome, 'message-text').text}")
        full_page_screenshot(chrome, out / name)
        saved.append(out / name)
    site.open(chrome, "/app/requests?lang=en")  # leave the language cookie as it was
    return saved


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out", type=Path, default=HERE, help="folder for the PNGs (default: beside this file)"
    )
    args = parser.parse_args()
    why = missing()
    if why:
        raise SystemExit(why)
    if (
        shutil.which("fc-list")
        and not subprocess.run(
            ["fc-list", ":lang=zh"], capture_output=True, text=True, check=False
        ).stdout.strip()
    ):
        print(
            "warning: no Chinese font installed, the Chinese page shows boxes "
            "(apt-get install fonts-wqy-microhei fonts-noto-color-emoji)"
        )
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        database_url = migrated_sqlite(Path(folder) / "screenshots.db")
        chrome = start_chromium()
        try:
            with served_site(database_url, start=START, **SETTINGS) as site:
                seed(site)
                for path in shoot(site, chrome, args.out):
                    print(
                        f"{path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}"
                        f"  {path.stat().st_size // 1024} KB"
                    )
        finally:
            chrome.quit()


if __name__ == "__main__":
    main()
