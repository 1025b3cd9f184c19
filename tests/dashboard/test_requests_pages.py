"""The requests pages: filters, sorting, pages, a request's page, and the PM's actions through the same
services as chat (the requester's DM reaches the fake platform)."""

from __future__ import annotations

import csv
import io
import re

from sqlmodel import select

from bot.models.requests import FeatureRequest
from services.requests.request_input import build_input
from services.requests.workflow import create_request
from tests.dashboard.helpers import client, message_of, row_ids, sign_in
from tests.fakes.harness import Harness


def seed(bot: Harness) -> None:
    """#1 Acme gold 120k (slack U1, area security), #2 某某银行 diamond ¥80万 (feishu ou_sales, area reports),
    #3 Globex bronze (slack U2, area mobile), #4 Initech silver 500k (slack U1, area security)."""
    bot.say('request SAML SSO login customer:"Acme Corp" tier:gold arr:120k area:security', user="U1")
    bot.say(
        "需求 导出报表到 Excel 客户:某某银行 等级:钻石 金额:¥80万 模块:reports",
        platform="feishu",
        user="ou_sales",
        channel="oc_1",
    )
    bot.say("request Offline mode for the mobile app customer:Globex tier:bronze area:mobile", user="U2")
    bot.say(
        "request Audit log retention of 7 years customer:Initech tier:silver arr:500k area:security",
        user="U1",
    )


def test_pms_filter_and_sort_the_table(any_db_bot: Harness) -> None:
    bot = any_db_bot
    seed(bot)
    web = client(bot)
    sign_in(bot, web, user="UPM")
    page = web.get("/app/requests")
    assert page.status_code == 200 and 'id="requests-table"' in page.text
    assert sorted(row_ids(page.text)) == [1, 2, 3, 4]
    assert 'data-total="4"' in page.text
    by_arr = row_ids(web.get("/app/requests?sort=arr").text)
    assert by_arr[:3] == [4, 1, 2]  # $500k, $120k, ¥80万 ≈ $112k
    assert row_ids(web.get("/app/requests?sort=arr&dir=asc").text)[0] == 3
    assert row_ids(web.get("/app/requests?sort=age").text) == [1, 2, 3, 4]  # oldest first
    assert row_ids(web.get("/app/requests?sort=age&dir=asc").text) == [4, 3, 2, 1]
    for sort in ("rice", "priority", "votes"):
        assert sorted(row_ids(web.get(f"/app/requests?sort={sort}").text)) == [1, 2, 3, 4]
    assert row_ids(web.get("/app/requests?tier=gold").text) == [1]
    assert row_ids(web.get("/app/requests?tier=钻石").text) == [2]
    assert row_ids(web.get("/app/requests?customer=acme").text) == [1]
    assert row_ids(web.get("/app/requests?customer=银行").text) == [2]
    assert sorted(row_ids(web.get("/app/requests?area=Security").text)) == [1, 4]
    assert sorted(row_ids(web.get("/app/requests?requester=slack:U1").text)) == [1, 4]
    assert row_ids(web.get("/app/requests?requester=ou_sales").text) == [2]
    assert row_ids(web.get("/app/requests?platform=feishu").text) == [2]
    assert row_ids(web.get("/app/requests?text=offline").text) == [3]
    assert row_ids(web.get("/app/requests?text=%233").text) == [3]
    assert row_ids(web.get("/app/requests?text=登录").text) == [1]  # the token index: 登录 → login
    assert row_ids(web.get("/app/requests?text=50%25_off").text) == []  # LIKE wildcards are literal
    none = web.get("/app/requests?customer=nobody")
    assert 'id="requests-table"' not in none.text and "No requests match" in none.text
    combined = web.get("/app/requests?area=security&tier=silver&sort=votes")
    assert row_ids(combined.text) == [4]
    assert 'value="security"' in combined.text and '<option value="silver" selected>' in combined.text


def test_the_table_pages_by_fifty(bot: Harness) -> None:
    with bot.services.db.session() as session:
        for n in range(1, 56):
            create_request(
                session=session,
                data=build_input(description=f"Widget number {n} in colour {n * 7}", arr=f"{n}k"),
                platform="slack",
                user="U1",
                now=bot.services.now(),
            )
    web = client(bot)
    sign_in(bot, web, user="UPM")
    first = web.get("/app/requests?sort=arr")
    assert row_ids(first.text) == list(range(55, 5, -1))
    assert 'data-page="1" data-pages="2"' in first.text and 'id="page-next"' in first.text
    assert 'id="page-prev"' not in first.text
    next_href = re.search(r'id="page-next" href="([^"]+)"', first.text)
    assert next_href
    second = web.get(next_href.group(1).replace("&amp;", "&"))
    assert row_ids(second.text) == [5, 4, 3, 2, 1] and 'id="page-prev"' in second.text
    assert row_ids(web.get("/app/requests?sort=arr&page=99").text) == [
        5,
        4,
        3,
        2,
        1,
    ]  # past the end: the last


def test_bad_filter_values_get_a_clear_page(bot: Harness) -> None:
    web = client(bot)
    sign_in(bot, web, user="UPM")
    cases = {
        "/app/requests?status=bogus": "Unknown status",
        "/app/requests?tier=platinum": "Unknown tier",
        "/app/requests?platform=teams": "Unknown platform",
        "/app/requests?sort=popularity": "Unknown sort",
        "/app/requests?dir=sideways": "asc or desc",
        "/app/requests?page=0": "page must be a number",
        "/app/requests?page=abc": "page must be a number",
        "/app/requests?text=" + "x" * 300: "too long",
    }
    for url, words in cases.items():
        page = web.get(url)
        assert page.status_code == 400, url
        assert words in message_of(page.text), (url, message_of(page.text))
    assert web.get("/app/requests/999").status_code == 404
    assert "no request #999" in message_of(web.get("/app/requests/999").text)
    assert web.get("/app/requests/abc").status_code == 404
    assert web.get("/app/requests/99999999999999").status_code == 404


def test_a_requests_page_shows_requesters_customers_history_and_duplicates(bot: Harness) -> None:
    seed(bot)
    bot.say("requests merge 3 into 1", user="UPM")
    bot.say("request SAML SSO login via Okta customer:Umbrella tier:gold", user="U9")
    web = client(bot)
    sign_in(bot, web, user="UPM")
    page = web.get("/app/requests/1")
    assert page.status_code == 200
    text = page.text
    assert 'id="request-title"' in text and "SAML SSO login" in text
    customers = text[text.index('id="request-customers"') : text.index('id="request-requesters"')]
    assert "Acme Corp" in customers and "Globex" in customers
    requesters = text[text.index('id="request-requesters"') : text.index('id="request-history"')]
    assert "slack:U1" in requesters and "slack:U2" in requesters
    history = text[text.index('id="request-history"') : text.index('id="request-duplicates"')]
    assert "created" in history and "absorbed" in history
    duplicates = text[text.index('id="request-duplicates"') :]
    assert 'href="/app/requests/3"' in duplicates
    assert 'id="request-similar"' in duplicates and 'href="/app/requests/5"' in duplicates
    assert 'id="status-form"' in text and 'id="merge-form"' in text and 'id="triage-form"' in text
    merged = web.get("/app/requests/3")
    assert 'id="request-merged-into"' in merged.text and 'id="status-form"' not in merged.text


def test_a_status_change_from_the_dashboard_reaches_the_requester_on_their_platform(
    any_db_bot: Harness,
) -> None:
    bot = any_db_bot
    seed(bot)
    web = client(bot)
    csrf = sign_in(bot, web, user="UPM")
    bot.feishu.clear()
    done = web.post(
        "/app/requests/2/status",
        data={"csrf_token": csrf, "status": "planned", "release": "5.3", "note": "in the Q3 train"},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"] == "/app/requests/2?notice=status&n=1"
    dms = bot.feishu.to(user="ou_sales")
    assert len(dms) == 1
    dm = dms[0].reply.plain_text()
    assert "#2" in dm and "planned" in dm and "5.3" in dm and "已排期" in dm and "in the Q3 train" in dm
    after = web.get(done.headers["location"])
    assert (
        'data-status="planned"' in after.text and 'id="notice"' in after.text and "1 requester" in after.text
    )
    assert "slack:UPM" in after.text  # the history names who changed it
    same = web.post(
        "/app/requests/2/status", data={"csrf_token": csrf, "status": "planned", "release": "5.3"}
    )
    assert "already had that status" in same.text and len(bot.feishu.to(user="ou_sales")) == 1
    shipped = web.post(
        "/app/requests/1/status", data={"csrf_token": csrf, "status": "shipped", "release": "5.4"}
    )
    assert shipped.status_code == 200
    assert any("shipped in 5.4" in p.reply.plain_text() for p in bot.slack.to(user="U1"))


def test_declining_needs_a_note_and_nothing_is_sent_without_one(bot: Harness) -> None:
    seed(bot)
    web = client(bot)
    csrf = sign_in(bot, web, user="UPM")
    bot.slack.clear()
    refused = web.post("/app/requests/1/status", data={"csrf_token": csrf, "status": "declined", "note": " "})
    assert refused.status_code == 400 and "needs a reason" in message_of(refused.text)
    assert bot.slack.to(user="U1") == []
    assert web.post("/app/requests/1/status", data={"csrf_token": csrf, "status": "bogus"}).status_code == 400
    assert (
        web.post("/app/requests/77/status", data={"csrf_token": csrf, "status": "triaged"}).status_code == 404
    )


def test_merge_and_triage_from_the_dashboard(bot: Harness) -> None:
    seed(bot)
    web = client(bot)
    csrf = sign_in(bot, web, user="UPM")
    bot.slack.clear()
    merged = web.post(
        "/app/requests/3/merge", data={"csrf_token": csrf, "into": "#1"}, follow_redirects=False
    )
    assert merged.status_code == 303 and merged.headers["location"] == "/app/requests/1?notice=merged&n=1"
    assert any("merged into #1" in p.reply.plain_text() for p in bot.slack.to(user="U2"))
    assert web.post("/app/requests/3/merge", data={"csrf_token": csrf, "into": "3"}).status_code == 400
    assert web.post("/app/requests/1/merge", data={"csrf_token": csrf, "into": "x"}).status_code == 400
    triaged = web.post(
        "/app/requests/4/triage",
        data={"csrf_token": csrf, "effort": "2", "confidence": "80"},
        follow_redirects=False,
    )
    assert triaged.status_code == 303
    with bot.services.db.session() as session:
        request = session.get(FeatureRequest, 4)
        assert request is not None and request.status == "triaged" and request.confidence == 0.8
    assert any("triaged" in p.reply.plain_text() for p in bot.slack.to(user="U1"))
    bad = web.post("/app/requests/4/triage", data={"csrf_token": csrf, "effort": "0", "confidence": "80"})
    assert bad.status_code == 400
    tiny = web.post("/app/requests/4/triage", data={"csrf_token": csrf, "effort": "0.05", "confidence": "80"})
    assert (
        tiny.status_code == 400 and "from 0.1 to 520" in tiny.text
    )  # the dashboard's own words, not the service's
    assert 'id="message-back" href="/app/requests/4"' in tiny.text  # back to the request, not the list


def test_csv_export_for_pms(bot: Harness) -> None:
    seed(bot)
    web = client(bot)
    sign_in(bot, web, user="UPM")
    assert 'id="export-csv"' in web.get("/app/requests").text
    export = web.get("/app/requests/export.csv")
    assert export.status_code == 200 and export.headers["content-type"].startswith("text/csv")
    assert "attachment" in export.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert [r["id"] for r in rows] == ["1", "2", "3", "4"]
    assert rows[1]["customers"] == "某某银行 (diamond, normal, ¥80万)"


def test_sales_see_their_own_requests_and_are_refused_pm_actions(any_db_bot: Harness) -> None:
    bot = any_db_bot
    seed(bot)
    web = client(bot)
    csrf = sign_in(bot, web, user="U1")
    listing = web.get("/app/requests")
    assert 'id="signed-in-role" class="role role-sales"' in listing.text
    assert sorted(row_ids(listing.text)) == [1, 4]  # U1's own
    assert 'id="export-csv"' not in listing.text and 'id="filter-requester"' not in listing.text
    assert sorted(row_ids(web.get("/app/requests?requester=slack:U2").text)) == [1, 4]  # never someone else's
    own = web.get("/app/requests/1")
    assert own.status_code == 200 and 'id="status-form"' not in own.text
    assert web.get("/app/requests/3").status_code == 403
    refused = web.post("/app/requests/1/status", data={"csrf_token": csrf, "status": "shipped"})
    assert refused.status_code == 403 and "yours is sales" in message_of(refused.text)
    assert web.post("/app/requests/3/merge", data={"csrf_token": csrf, "into": "1"}).status_code == 403
    assert (
        web.post(
            "/app/requests/1/triage", data={"csrf_token": csrf, "effort": "1", "confidence": "50"}
        ).status_code
        == 403
    )
    assert web.get("/app/requests/export.csv").status_code == 403
    with bot.services.db.session() as session:
        stored = session.exec(select(FeatureRequest)).all()
        assert all(r.status == "new" and r.merged_into_id is None for r in stored)
    bot.say("role grant <@U1> pm", user="UADMIN")  # a role granted in chat applies at once
    assert web.get("/app/requests/3").status_code == 200


def test_a_forged_status_form_without_the_csrf_token_changes_nothing(bot: Harness) -> None:
    seed(bot)
    web = client(bot)
    sign_in(bot, web, user="UPM")
    bot.slack.clear()
    forged = web.post("/app/requests/1/status", data={"status": "shipped", "release": "9.9"})
    assert forged.status_code == 403 and "security token" in message_of(forged.text)
    wrong = web.post("/app/requests/1/status", data={"status": "shipped", "csrf_token": "forged"})
    assert wrong.status_code == 403
    assert bot.slack.to(user="U1") == []
    assert 'data-status="new"' in web.get("/app/requests/1").text
