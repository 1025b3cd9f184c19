"""The dashboard in a real browser (headless Chromium), against a real bot whose Slack and Feishu ports talk
to the loopback fake APIs: sign in through the link the chat command sent, filter and sort the requests
table, change a status and see the requester's DM reach the fake Slack / Feishu API, acknowledge in chat and
see the count move, a sales user refused a PM action, a form without its CSRF token refused, an expired link
refused with how to get a new one.

One browser for the session and one served bot for this module (`conftest.py`); each test signs in itself.
"""

from __future__ import annotations

import json

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import Select
from sqlalchemy import func
from sqlmodel import select

from bot.models.requests import FeatureRequest, RequestEvent
from tests.browser.chromium import by_id, has_id, loaded, navigating
from tests.browser.site import Site

pytestmark = pytest.mark.browser

PM = "UPM"
SALES_SLACK = "U1"  # requester of #1 and #4
SALES_FEISHU = "ou_sales"  # requester of #2


@pytest.fixture(scope="module", autouse=True)
def seeded(site: Site) -> None:
    """#1 Acme gold 120k (slack U1, security), #2 某某银行 diamond ¥80万 (feishu ou_sales, reports), #3 Globex
    bronze (slack U2, mobile), #4 Initech silver 500k (slack U1, security) — logged in chat."""
    site.chat('request SAML SSO login customer:"Acme Corp" tier:gold arr:120k area:security', user="U1")
    site.chat(
        "需求 导出报表到 Excel 客户:某某银行 等级:钻石 金额:¥80万 模块:reports",
        user=SALES_FEISHU,
        platform="feishu",
    )
    site.chat("request Offline mode for the mobile app customer:Globex tier:bronze area:mobile", user="U2")
    site.chat(
        "request Audit log retention of 7 years customer:Initech tier:silver arr:500k area:security",
        user="U1",
    )
    with site.services.db.session() as session:
        assert session.get(FeatureRequest, 4) is not None, "the chat did not log the four requests"


def rows(chrome: WebDriver) -> list[int]:
    """The request ids of the table, top to bottom, as the browser shows them."""
    return [
        int(row.get_attribute("data-id") or 0)
        for row in chrome.find_elements(By.CSS_SELECTOR, "#requests-table tbody tr")
    ]


def status_of(site: Site, request_id: int) -> str:
    with site.services.db.session() as session:
        request = session.get(FeatureRequest, request_id)
        assert request is not None
        return request.status


def event_count(site: Site) -> int:
    with site.services.db.session() as session:
        return int(session.exec(select(func.count()).select_from(RequestEvent)).one())


def message(chrome: WebDriver) -> tuple[str, str, str]:
    """(class of the message section, its title, its text) of an error / refusal page."""
    section = chrome.find_element(By.CSS_SELECTOR, "section.message")
    return (
        section.get_attribute("class") or "",
        by_id(chrome, "message-title").text,
        by_id(chrome, "message-text").text,
    )


def test_a_pm_signs_in_through_the_link_from_chat(site: Site, chrome: WebDriver) -> None:
    link = site.sign_in_link(user=PM)
    chrome.execute_cdp_cmd("Network.clearBrowserCookies", {})
    chrome.get(link)  # a GET only shows the button (link previews must not use the link up)
    loaded(chrome)
    assert has_id(chrome, "login-form") and not has_id(chrome, "signed-in-user")
    navigating(chrome, by_id(chrome, "login-button").click)
    assert chrome.current_url == site.page("/app/requests")
    assert by_id(chrome, "requests-heading").text == "Feature requests"
    assert "role-pm" in (by_id(chrome, "signed-in-role").get_attribute("class") or "")
    assert by_id(chrome, "nav-requests").get_attribute("aria-current") == "page"
    assert sorted(rows(chrome)) == [1, 2, 3, 4]
    cookies = {c["name"]: c for c in chrome.get_cookies()}
    assert cookies["sb_session"]["httpOnly"] and cookies["sb_session"]["path"] == "/app"
    # The link worked once: opened again, it says so and how to get a new one.
    chrome.get(link)
    loaded(chrome)
    assert by_id(chrome, "link-refused").get_attribute("data-problem") == "used"
    assert "dashboard" in by_id(chrome, "message-text").text


def test_filter_and_sort_the_requests_table(site: Site, chrome: WebDriver) -> None:
    site.sign_in(chrome, user=PM)
    by_id(chrome, "filter-area").send_keys("security")
    navigating(chrome, by_id(chrome, "filter-button").click)
    assert "area=security" in chrome.current_url
    assert sorted(rows(chrome)) == [1, 4]
    assert by_id(chrome, "requests-total").get_attribute("data-total") == "2"
    Select(by_id(chrome, "filter-tier")).select_by_value("silver")
    navigating(chrome, by_id(chrome, "filter-button").click)
    assert rows(chrome) == [4]
    navigating(chrome, by_id(chrome, "filter-reset").click)
    assert sorted(rows(chrome)) == [1, 2, 3, 4] and by_id(chrome, "filter-area").get_attribute("value") == ""
    # Sorting by ARR: most first, then a second click turns it around.
    navigating(chrome, by_id(chrome, "sort-arr").click)
    table = by_id(chrome, "requests-table")
    assert (table.get_attribute("data-sort"), table.get_attribute("data-dir")) == ("arr", "desc")
    assert rows(chrome)[:3] == [4, 1, 2]  # $500k, $120k, ¥80万 ≈ $112k
    navigating(chrome, by_id(chrome, "sort-arr").click)
    assert by_id(chrome, "requests-table").get_attribute("data-dir") == "asc"
    assert rows(chrome)[0] == 3
    navigating(chrome, by_id(chrome, "sort-age").click)
    assert rows(chrome) == [1, 2, 3, 4]  # oldest first
    # A Chinese customer name typed into the form, with the sort kept.
    by_id(chrome, "filter-customer").send_keys("银行")
    navigating(chrome, by_id(chrome, "filter-button").click)
    assert (
        rows(chrome) == [2]
        and Select(by_id(chrome, "filter-sort")).first_selected_option.get_attribute("value") == "age"
    )
    # A row's link opens the request.
    navigating(chrome, chrome.find_element(By.CSS_SELECTOR, "#request-row-2 a.request-link").click)
    assert (
        chrome.current_url == site.page("/app/requests/2")
        and "导出报表" in by_id(chrome, "request-title").text
    )


def change_status(chrome: WebDriver, *, status: str, release: str = "", note: str = "") -> None:
    Select(by_id(chrome, "status-select")).select_by_value(status)
    by_id(chrome, "status-release").clear()
    if release:
        by_id(chrome, "status-release").send_keys(release)
    if note:
        by_id(chrome, "status-note").send_keys(note)
    navigating(chrome, by_id(chrome, "status-submit").click)


def test_a_status_change_reaches_the_requester_on_slack_and_on_feishu(site: Site, chrome: WebDriver) -> None:
    site.sign_in(chrome, user=PM)
    slack, feishu = site.bot.slack, site.bot.feishu
    site.open(chrome, "/app/requests/1")
    posted_before = len(slack.calls("chat.postMessage"))
    change_status(chrome, status="planned", release="5.3", note="Design review next week")
    assert chrome.current_url.startswith(site.page("/app/requests/1?notice=status"))
    assert "1 requester(s) notified" in by_id(chrome, "notice").text
    assert by_id(chrome, "request-status").get_attribute("data-status") == "planned"
    assert by_id(chrome, "request-release").text == "5.3"
    assert "planned" in by_id(chrome, "request-history").text
    # U1's DM, through the real Slack port: conversations.open, then chat.postMessage to the DM channel.
    assert any(call.get("users") == SALES_SLACK for call in slack.calls("conversations.open"))
    dms = [c for c in slack.calls("chat.postMessage")[posted_before:] if c.get("channel") == "D1"]
    assert len(dms) == 1, slack.calls("chat.postMessage")
    text = json.dumps(dms[0], ensure_ascii=False)
    assert "#1" in text and "planned" in text and "5.3" in text and "Design review next week" in text
    # A Feishu requester hears it on Feishu: a message created for their open_id.
    site.open(chrome, "/app/requests/2")
    created_before = len(feishu.sent())
    change_status(chrome, status="in-progress", release="5.4")
    assert by_id(chrome, "request-status").get_attribute("data-status") == "in-progress"
    created = [r for r in feishu.sent()[created_before:] if r.json().get("receive_id") == SALES_FEISHU]
    assert len(created) == 1 and "receive_id_type=open_id" in created[0].path
    card = feishu.card_text(created[0])
    assert "#2" in card and "in-progress" in card and "开发中" in card
    assert status_of(site, 1) == "planned" and status_of(site, 2) == "in-progress"


def test_acknowledging_in_chat_moves_the_count_on_the_announcements_page(
    site: Site, chrome: WebDriver
) -> None:
    site.bot.slack.state.members["C9"] = ["U1", "U2", PM]
    site.bot.feishu.chat_members["oc_1"] = ["ou_1", "ou_2"]
    [preview] = site.handle(
        "announce release product:CloudDB version:3.2 date:2026-12-01 channels:slack:C9,feishu:oc_1 "
        'highlights:"SAML SSO; 2x faster sync"',
        user=PM,
    )
    confirm = next(b for b in preview.buttons if b.action_id == "announce.confirm")
    site.click(confirm.action_id, confirm.value, user=PM)  # posted to Slack C9 and Feishu oc_1
    announcement = int(confirm.value)
    assert any(c.get("channel") == "C9" for c in site.bot.slack.calls("chat.postMessage"))
    site.sign_in(chrome, user=PM)
    navigating(chrome, by_id(chrome, "nav-announcements").click)
    count = by_id(chrome, f"ack-count-{announcement}")
    assert count.text.startswith("0/4") and count.get_attribute("data-expected") == "4"
    # U1 presses Acknowledge in Slack; ou_1 types `announce ack N` in Feishu.
    site.click("announce.ack", str(announcement), user="U1")
    site.chat(f"announce ack {announcement}", user="ou_1", platform="feishu")
    chrome.refresh()
    loaded(chrome)
    count = by_id(chrome, f"ack-count-{announcement}")
    assert count.get_attribute("data-acknowledged") == "2" and count.text.startswith("2/4")
    # Who read it, on the announcement's page.
    navigating(chrome, chrome.find_element(By.CSS_SELECTOR, f"#announcement-row-{announcement} a").click)
    assert by_id(chrome, "ack-total").text == "2/4"
    assert by_id(chrome, "reader-slack-U1").get_attribute("data-acknowledged") == "yes"
    assert by_id(chrome, "reader-feishu-ou_1").get_attribute("data-acknowledged") == "yes"
    assert by_id(chrome, "reader-slack-U2").get_attribute("data-acknowledged") == "no"


def test_a_sales_browser_is_refused_pm_actions(site: Site, chrome: WebDriver) -> None:
    site.sign_in(chrome, user=SALES_FEISHU, platform="feishu")  # the link came to Feishu
    assert "role-sales" in (by_id(chrome, "signed-in-role").get_attribute("class") or "")
    assert rows(chrome) == [2] and not has_id(chrome, "export-csv")  # only their own request
    assert not has_id(chrome, "nav-charts")
    site.open(chrome, "/app/requests/2")
    assert not has_id(chrome, "status-form")
    site.open(chrome, "/app/charts")
    kind, title, _text = message(chrome)
    assert "code-403" in kind and title
    # The status form posted by hand, with this session's valid CSRF token: still refused, nothing changed.
    site.open(chrome, "/app/requests/2")
    before = status_of(site, 2)
    sent_before = site.recorded()
    post_form(chrome, "/app/requests/2/status", {"status": "declined", "note": "no"}, keep_csrf=True)
    kind, _title, text = message(chrome)
    assert "code-403" in kind and "pm or admin role" in text
    assert status_of(site, 2) == before and site.recorded() == sent_before


def post_form(chrome: WebDriver, action: str, fields: dict[str, str], *, keep_csrf: bool) -> None:
    """Put a form on the current page (as a forged page would) and submit it; `keep_csrf` copies the page's
    CSRF token into it (the one of the logout form every signed-in page has)."""
    script = """
        const [action, fields, keep] = arguments;
        const form = document.createElement('form');
        form.method = 'post';
        form.action = action;
        if (keep) {
            const token = document.querySelector('#logout-form input[name=csrf_token]');
            fields.csrf_token = token.value;
        }
        for (const [name, value] of Object.entries(fields)) {
            const input = document.createElement('input');
            input.type = 'hidden'; input.name = name; input.value = value;
            form.appendChild(input);
        }
        document.body.appendChild(form);
        form.submit();
    """
    navigating(chrome, lambda: chrome.execute_script(script, action, fields, keep_csrf))


def test_a_form_without_its_csrf_token_is_refused(site: Site, chrome: WebDriver) -> None:
    site.sign_in(chrome, user=PM)
    site.open(chrome, "/app/requests/3")
    before = status_of(site, 3)
    events = event_count(site)
    sent_before = site.recorded()
    # The real status form, its hidden token removed before submitting.
    chrome.execute_script("document.querySelector('#status-form input[name=csrf_token]').remove()")
    Select(by_id(chrome, "status-select")).select_by_value("declined")
    by_id(chrome, "status-note").send_keys("forged")
    navigating(chrome, by_id(chrome, "status-submit").click)
    kind, _title, text = message(chrome)
    assert "code-403" in kind and "nothing was changed" in text.lower()
    # A forged form with a made-up token, as another site's page would post it.
    site.open(chrome, "/app/requests/3")
    post_form(
        chrome,
        "/app/requests/3/status",
        {"status": "declined", "note": "x", "csrf_token": "0" * 43},
        keep_csrf=False,
    )
    assert "code-403" in message(chrome)[0]
    assert event_count(site) == events
    assert status_of(site, 3) == before and site.recorded() == sent_before
    # The same form with its token still works (the session was not harmed).
    site.open(chrome, "/app/requests/3")
    change_status(chrome, status="triaged")
    assert by_id(chrome, "request-status").get_attribute("data-status") == "triaged"


def test_an_expired_link_is_refused_with_how_to_get_a_new_one(site: Site, chrome: WebDriver) -> None:
    chrome.execute_cdp_cmd("Network.clearBrowserCookies", {})
    link = site.sign_in_link(user=PM)
    chrome.get(link)
    loaded(chrome)
    assert has_id(chrome, "login-button")  # fresh: the button is offered …
    started = site.clock.now()
    site.clock.advance(minutes=11)  # … but pressed eleven minutes later (links last ten)
    try:
        navigating(chrome, by_id(chrome, "login-button").click)
        refused = by_id(chrome, "link-refused")
        assert refused.get_attribute("data-problem") == "expired"
        assert by_id(chrome, "message-title").text == "This sign-in link has expired."
        how = by_id(chrome, "message-text").text
        assert "dashboard" in how and "10 minutes" in how
        assert "sb_session" not in {c["name"] for c in chrome.get_cookies()}
        chrome.get(link)  # and opening it again says the same
        loaded(chrome)
        assert by_id(chrome, "link-refused").get_attribute("data-problem") == "expired"
        site.open(chrome, "/app/requests")  # not signed in: the page says how to get a link
        assert not has_id(chrome, "requests-table") and "dashboard" in chrome.page_source
    finally:
        site.clock.set(started)
