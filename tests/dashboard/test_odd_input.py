"""What a careless or hostile user can type into the dashboard's addresses and forms: every odd value gets a
bilingual 400/404 page (never the 500 page), and nothing is changed by a refused form."""

from __future__ import annotations

import re

from sqlmodel import select

from bot.models.requests import FeatureRequest
from tests.dashboard.helpers import client, message_of, row_ids, sign_in
from tests.dashboard.test_requests_pages import seed
from tests.fakes.harness import Harness
from tests.handlers.announcements.helpers import publish, release_text, seed_members

# Characters `str.isdigit()` accepts but `int()` refuses: superscripts, circled and other "digits" that are
# not decimal digits. Each was a 500 page.
NOT_NUMBERS = ("²", "①", "1²")


def test_digit_like_characters_in_addresses_and_forms_are_refused_not_a_500(bot: Harness) -> None:
    seed(bot)
    seed_members(bot)
    announcement = publish(bot, release_text())
    bot.say("schedule add digest weekly fri 17:00 channels:slack:C1", user="UPM")
    web = client(bot)
    token = sign_in(bot, web, user="UPM")
    for odd in NOT_NUMBERS:
        gets = {
            f"/app/requests/{odd}": 404,
            f"/app/announcements/{odd}": 404,
            f"/app/requests?page={odd}": 400,
            f"/app/knowledge?days={odd}": 400,
            f"/app/charts?months={odd}": 400,
        }
        for url, status in gets.items():
            page = web.get(url)
            assert page.status_code == status, (url, message_of(page.text))
            assert odd in message_of(page.text), url
        posts = {
            f"/app/requests/{odd}/status": ({"status": "planned"}, 404),
            f"/app/requests/{odd}/triage": ({"effort": "2", "confidence": "50"}, 404),
            f"/app/requests/{odd}/merge": ({"into": "1"}, 404),
            "/app/requests/1/merge": ({"into": odd}, 400),
            f"/app/announcements/{odd}/remind": ({}, 404),
            f"/app/announcements/{odd}/cancel": ({}, 404),
            f"/app/schedules/{odd}/pause": ({}, 404),
            f"/app/schedules/{odd}/run": ({}, 404),
            f"/app/knowledge/faq/{odd}/reverify": ({}, 404),
            "/app/knowledge/answer": ({"questions": odd, "answer": "yes"}, 400),
        }
        for url, (data, status) in posts.items():
            page = web.post(url, data={"csrf_token": token, **data}, follow_redirects=False)
            assert page.status_code == status, (url, data, message_of(page.text))
            assert 'id="message-text"' in page.text
    # Notices ignore a count that is not a number.
    shown = web.get(f"/app/announcements/{announcement}?notice=reminded&n=²")
    assert "Reminder sent by DM to 0 person(s)" in shown.text
    # Nothing was changed, and real numbers (full-width ones too, as typed with a Chinese keyboard) still work.
    with bot.services.db.session() as session:
        assert all(r.merged_into_id is None for r in session.exec(select(FeatureRequest)))
    assert row_ids(web.get("/app/requests?page=１").text) != []
    assert web.get("/app/requests/１").status_code == 200
    merged = web.post(
        "/app/requests/3/merge", data={"csrf_token": token, "into": "＃１"}, follow_redirects=False
    )
    assert merged.status_code == 303 and merged.headers["location"].startswith("/app/requests/1?")


def test_the_tables_rice_is_the_number_chat_shows(bot: Harness) -> None:
    """The table showed RICE to one decimal: 1.75 in `requests top` was 1.8, and 0.82, 0.8 and 0.78 all read
    0.8 while sorted apart. It now shows what chat and the request's page show."""
    seed(bot)
    bot.say("requests triage 1 effort:3 confidence:80%", user="UPM")
    [top] = bot.say("requests top", user="UPM")
    in_chat = {int(n): float(rice) for n, rice in re.findall(r"#(\d+)\*\* .*? RICE ([\d.]+)", top.text)}
    assert len(in_chat) == 4, top.text
    web = client(bot)
    sign_in(bot, web, user="UPM")
    table = web.get("/app/requests").text
    shown = {
        int(n): rice
        for n, rice in re.findall(r'id="request-row-(\d+)".*?class="num rice">([^<]*)<', table, re.S)
    }
    assert {n: float(rice) for n, rice in shown.items()} == in_chat
    assert all(re.fullmatch(r"\d+\.\d\d", rice) for rice in shown.values()), shown
    detail = web.get("/app/requests/1").text
    assert re.search(rf'id="request-rice">{shown[1]} ', detail)


def test_a_status_note_longer_than_the_form_allows_is_refused_and_nothing_changes(bot: Harness) -> None:
    """The textarea says at most 2000 characters; a hand-made post of 60,000 changed the status and sent all
    of it to every requester by DM."""
    seed(bot)
    web = client(bot)
    token = sign_in(bot, web, user="UPM")
    form = web.get("/app/requests/1").text
    assert 'id="status-note" rows="2" maxlength="2000"' in form
    bot.slack.posted.clear()
    page = web.post(
        "/app/requests/1/status", data={"csrf_token": token, "status": "planned", "note": "n" * 60_000}
    )
    assert page.status_code == 400 and "note is too long" in message_of(page.text)
    with bot.services.db.session() as session:
        request = session.get(FeatureRequest, 1)
        assert request is not None and request.status == "new"
    assert bot.slack.posted == []
    done = web.post(
        "/app/requests/1/status",
        data={"csrf_token": token, "status": "planned", "note": "n" * 2000},
        follow_redirects=False,
    )
    assert done.status_code == 303 and "notice=status" in done.headers["location"]


def links_of(html: str) -> list[str]:
    return sorted({href.replace("&amp;", "&") for href in re.findall(r'href="(/app/[^"#]*)"', html)})


def test_sales_get_no_links_to_requests_they_may_not_open(bot: Harness) -> None:
    """A sales rep's request lists the duplicates merged into it; those logged by others were links to a
    "not yours" page (403). They are listed without a link; every link on the page opens."""
    seed(bot)
    bot.say("requests merge 3 into 4", user="UPM")  # #3 was U2's, #4 is U1's
    rep = client(bot)
    sign_in(bot, rep, user="U1")
    page = rep.get("/app/requests/4").text
    duplicates = page[page.index('id="request-duplicates"') :]
    assert 'id="duplicate-3"' in duplicates and "Offline mode for the mobile app" in duplicates
    assert 'href="/app/requests/3"' not in page
    assert rep.get("/app/requests/3").status_code == 403
    for href in links_of(page):
        assert rep.get(href).status_code == 200, href
    pm = client(bot)
    sign_in(bot, pm, user="UPM")
    assert 'href="/app/requests/3"' in pm.get("/app/requests/4").text
