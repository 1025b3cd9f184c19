"""The announcements pages: the list with acknowledgement counts, who read an announcement per channel and per
person, "remind those who have not read it" (the reminder job's DM, reaching the fake platforms), cancelling a
scheduled one, the launch timeline; sales see published ones only and are refused the PM actions."""

from __future__ import annotations

import re

from bot.messages import Button
from jobs.announcements import remind_unacknowledged
from tests.dashboard.helpers import client, csrf_of, message_of, sign_in
from tests.fakes.harness import Harness
from tests.handlers.announcements.helpers import PM, draft, eos_text, publish, release_text, seed_members


def ack(bot: Harness, announcement_id: int, user: str, platform: str = "slack") -> None:
    bot.click(
        Button(action_id="announce.ack", label="", value=str(announcement_id)), user=user, platform=platform
    )


def ack_count(html: str, announcement_id: int) -> str:
    found = re.search(rf'id="ack-count-{announcement_id}"[^>]*>([^<]*)<', html)
    assert found, f"no ack count for #{announcement_id}"
    return found.group(1).strip()


def reminder_dms(bot: Harness, about: str = "") -> list[tuple[str, str]]:
    """(platform, user) of every "please acknowledge" DM (whose title names `about`)."""
    return sorted(
        (port.platform, p.address.user or "")
        for port in (bot.slack, bot.feishu)
        for p in port.posted
        if p.address.user and (p.reply.title or "").startswith(f"Please acknowledge: {about}")
    )


def seed(bot: Harness) -> tuple[int, int, int]:
    """#1 a published release (slack C9: U1, U2, UPM; feishu oc_1: ou_1, ou_2), #2 a published end-of-sale
    notice, #3 a release scheduled for tomorrow."""
    seed_members(bot)
    release = publish(bot, release_text())
    eos = publish(bot, eos_text())
    draft(bot, release_text(extra="at:2026-11-24T09:30"))
    return release, eos, 3


def test_pms_see_every_announcement_with_acknowledgements_that_follow_chat(bot: Harness) -> None:
    release, eos, scheduled = seed(bot)
    web = client(bot)
    sign_in(bot, web, user=PM)
    page = web.get("/app/announcements")
    assert page.status_code == 200 and 'id="announcements-table"' in page.text
    for announcement_id in (release, eos, scheduled):
        assert f'id="announcement-row-{announcement_id}"' in page.text
    assert ack_count(page.text, release) == "0/4"  # U1, U2, ou_1, ou_2 (the author is not counted)
    assert 'id="scheduled-row-3"' in page.text and 'id="cancel-form-3"' in page.text
    # Acknowledging in chat, on either platform, moves the count.
    ack(bot, release, "U1")
    ack(bot, release, "ou_2", platform="feishu")
    assert ack_count(web.get("/app/announcements").text, release) == "2/4"
    detail = web.get(f"/app/announcements/{release}")
    assert detail.status_code == 200
    assert 'id="ack-channels"' in detail.text and 'id="ack-people"' in detail.text
    assert 'id="ack-channel-slack-C9"' in detail.text and 'id="ack-channel-feishu-oc_1"' in detail.text
    assert re.search(r'id="reader-slack-U1"[^>]*data-acknowledged="yes"', detail.text)
    assert re.search(r'id="reader-feishu-ou_1"[^>]*data-acknowledged="no"', detail.text)
    assert 'id="ack-total">2/4<' in detail.text
    assert 'id="remind-form"' in detail.text
    # Filters by kind; bad input is a clear page.
    assert 'id="announcement-row-2"' in web.get("/app/announcements?kind=eos").text
    assert 'id="announcement-row-1"' not in web.get("/app/announcements?kind=eos").text
    bad = web.get("/app/announcements?kind=banana")
    assert bad.status_code == 400 and "release or eos" in message_of(bad.text)
    for path in ("/app/announcements/999", "/app/announcements/abc", "/app/announcements/-1"):
        missing = web.get(path)
        assert missing.status_code == 404 and 'id="message-text"' in missing.text


def test_remind_sends_the_reminder_dm_on_each_platform_like_the_job(bot: Harness) -> None:
    release, _eos, _scheduled = seed(bot)
    ack(bot, release, "U1")
    web = client(bot)
    token = sign_in(bot, web, user=PM)
    done = web.post(
        f"/app/announcements/{release}/remind", data={"csrf_token": token}, follow_redirects=False
    )
    assert done.status_code == 303 and "notice=reminded" in done.headers["location"]
    assert reminder_dms(bot) == [("feishu", "ou_1"), ("feishu", "ou_2"), ("slack", "U2")]
    dm = next(p for p in bot.slack.posted if p.address.user == "U2")
    assert dm.reply.buttons[0].action_id == "announce.ack" and "Reminder 1" in dm.reply.context[0]
    page = web.get(done.headers["location"])
    assert 'id="notice"' in page.text and "3 person" in page.text
    assert re.search(r'id="reader-slack-U2".*?<td class="num">1</td>', page.text, re.S)
    # A second click right away reminds nobody again.
    again = web.post(
        f"/app/announcements/{release}/remind", data={"csrf_token": token}, follow_redirects=False
    )
    assert "notice=nobody" in again.headers["location"] and len(reminder_dms(bot)) == 3
    # An announcement that is not posted has nobody to remind.
    refused = web.post("/app/announcements/3/remind", data={"csrf_token": token})
    assert refused.status_code == 400 and "not posted" in message_of(refused.text)
    # The job counts the dashboard's round: a day later the release's readers are not reminded again (only
    # the end-of-sale notice's get their first round); a day after that, round 2.
    bot.clock.advance(hours=24)
    assert remind_unacknowledged(bot.services) == 4
    assert len(reminder_dms(bot, "Release")) == 3 and len(reminder_dms(bot, "End of sale")) == 4
    bot.clock.advance(hours=24)
    remind_unacknowledged(bot.services)
    assert len(reminder_dms(bot, "Release")) == 6


def test_cancel_a_scheduled_announcement(bot: Harness) -> None:
    _release, _eos, scheduled = seed(bot)
    web = client(bot)
    token = sign_in(bot, web, user=PM)
    done = web.post(
        f"/app/announcements/{scheduled}/cancel",
        data={"csrf_token": token, "back": "list"},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"] == "/app/announcements?notice=cancelled"
    page = web.get(done.headers["location"])
    assert "nothing was posted" in page.text
    assert re.search(rf'id="announcement-row-{scheduled}"[^>]*data-status="cancelled"', page.text)
    assert 'id="scheduled-row-3"' not in page.text
    # As in chat: a published announcement cannot be cancelled.
    kept = web.post("/app/announcements/1/cancel", data={"csrf_token": token}, follow_redirects=False)
    assert "notice=not-pending" in kept.headers["location"]
    assert (
        'id="announcement-status"><span class="status status-published">'
        in web.get("/app/announcements/1").text
    )


def test_sales_see_published_announcements_only_and_are_refused_pm_actions(bot: Harness) -> None:
    release, eos, scheduled = seed(bot)
    web = client(bot)
    token = sign_in(bot, web, user="U1")
    page = web.get("/app/announcements")
    assert page.status_code == 200
    assert f'id="announcement-row-{release}"' in page.text and f'id="announcement-row-{eos}"' in page.text
    assert f'id="announcement-row-{scheduled}"' not in page.text and 'id="scheduled-table"' not in page.text
    assert 'id="cancel-form' not in page.text
    assert web.get(f"/app/announcements/{scheduled}").status_code == 404
    detail = web.get(f"/app/announcements/{release}")
    assert detail.status_code == 200 and 'data-acknowledged="no"' in detail.text
    assert 'id="ack-people"' not in detail.text and 'id="remind-form"' not in detail.text
    ack(bot, release, "U1")
    assert (
        'id="my-acknowledgement" class="notice" data-acknowledged="yes"'
        in web.get(f"/app/announcements/{release}").text
    )
    for path in (f"/app/announcements/{release}/remind", f"/app/announcements/{scheduled}/cancel"):
        refused = web.post(path, data={"csrf_token": token})
        assert refused.status_code == 403 and "pm" in message_of(refused.text)
    assert reminder_dms(bot) == []


def test_pm_forms_without_the_csrf_token_are_refused(bot: Harness) -> None:
    release, _eos, scheduled = seed(bot)
    web = client(bot)
    sign_in(bot, web, user=PM)
    for path in (f"/app/announcements/{release}/remind", f"/app/announcements/{scheduled}/cancel"):
        for data in ({}, {"csrf_token": "forged"}):
            refused = web.post(path, data=data)
            assert refused.status_code == 403 and "security token" in message_of(refused.text)
    assert reminder_dms(bot) == []
    assert 'data-status="scheduled"' in web.get(f"/app/announcements/{scheduled}").text


def test_launch_timeline_is_drawn_with_its_milestones(bot: Harness) -> None:
    bot.say("launch CloudDB 3 date:2027-06-01 channels:slack:C9", user=PM)
    web = client(bot)
    sign_in(bot, web, user="U1")
    page = web.get("/app/announcements")
    assert 'id="launch-timelines"' in page.text and 'id="launch-1"' in page.text
    assert 'id="launch-chart-1"' in page.text and "<svg" in page.text and 'role="img"' in page.text
    # T-30 of a 2027-06-01 launch, 2 May, is in China's May Day holiday: it moves to 30 April.
    assert re.search(r'id="milestone-1-T-30"[^>]*data-day="2027-04-30"', page.text)
    assert 'id="milestone-1-T-90" class="milestone-next"' in page.text
    assert "2027-04-30" in page.text and "T+90" in page.text
    csrf_of(page.text)  # the sign-out form
