"""The schedules page: every schedule with its next runs (Chinese holidays skipped, make-up workdays shown),
and pause / resume / run now for PMs through the chat's services (the post reaches both fake platforms)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from bot.models import Schedule
from tests.dashboard.helpers import client, message_of, sign_in
from tests.fakes.harness import Harness

BEFORE_NATIONAL_DAY = datetime(2026, 9, 29, 1, 0, tzinfo=UTC)  # Tue 09:00 in Shanghai


def seed(bot: Harness) -> None:
    """#1 the sync reminder on working days 10:00 (Chinese calendar) in Slack C1 and Feishu oc_1, #2 a weekly
    digest on Fridays."""
    bot.clock.set(BEFORE_NATIONAL_DAY)
    bot.say("schedule add sync weekdays 10:00 channels:slack:C1,feishu:oc_1 calendar:cn", user="UPM")
    bot.say("schedule add digest weekly fri 17:00 channels:slack:C1", user="UPM")


def paused(bot: Harness, schedule_id: int) -> bool:
    with bot.services.db.session() as session:
        row = session.get(Schedule, schedule_id)
        assert row is not None
        return row.paused


def test_next_runs_show_holidays_and_make_up_days(bot: Harness) -> None:
    seed(bot)
    web = client(bot)
    sign_in(bot, web, user="U1")  # sales see the schedules too (as `schedule list` in chat)
    page = web.get("/app/schedules")
    assert page.status_code == 200 and 'id="schedules-table"' in page.text
    assert 'id="schedule-row-1"' in page.text and 'id="schedule-row-2"' in page.text
    runs = page.text.split('id="next-runs-1"')[1].split("</ul>")[0]
    assert re.search(r'class="skipped" data-at="2026-10-01T10:00:00\+08:00"', runs)
    assert "National Day" in runs
    assert 'class="run makeup" data-at="2026-10-10T10:00:00+08:00"' in runs  # 调休 Saturday
    assert "make-up workday" in runs and "2026-10-03" not in runs  # a plain holiday weekend is not listed
    assert "pause-form" not in page.text and "run-form" not in page.text
    zh = web.get("/app/schedules?lang=zh").text
    assert "调休工作日" in zh and "跳过" in zh


def test_pms_pause_resume_and_run_now(bot: Harness) -> None:
    seed(bot)
    web = client(bot)
    token = sign_in(bot, web, user="UPM")
    page = web.get("/app/schedules")
    assert 'id="pause-form-1"' in page.text and 'id="run-form-1"' in page.text
    done = web.post("/app/schedules/1/pause", data={"csrf_token": token}, follow_redirects=False)
    assert done.status_code == 303 and paused(bot, 1)
    after = web.get(done.headers["location"])
    assert (
        'id="schedule-row-1" data-id="1" data-paused="yes"' in after.text
        and 'id="resume-form-1"' in after.text
    )
    assert "Paused" in after.text
    web.post("/app/schedules/1/resume", data={"csrf_token": token})
    assert not paused(bot, 1)
    bot.slack.clear()
    bot.feishu.clear()
    ran = web.post("/app/schedules/1/run", data={"csrf_token": token}, follow_redirects=False)
    assert "notice=ran" in ran.headers["location"] and "n=2" in ran.headers["location"]
    assert [p.address.conversation for p in bot.slack.posted] == ["C1"]
    assert [p.address.conversation for p in bot.feishu.posted] == ["oc_1"]
    assert "2 channel" in web.get(ran.headers["location"]).text


def test_sales_are_refused_and_forms_need_their_token(bot: Harness) -> None:
    seed(bot)
    sales = client(bot)
    sales_token = sign_in(bot, sales, user="U1")
    for action in ("pause", "resume", "run"):
        refused = sales.post(f"/app/schedules/1/{action}", data={"csrf_token": sales_token})
        assert refused.status_code == 403 and "pm" in message_of(refused.text)
    pm = client(bot)
    token = sign_in(bot, pm, user="UPM")
    for data in ({}, {"csrf_token": "forged"}, {"csrf_token": sales_token}):
        refused = pm.post("/app/schedules/1/pause", data=data)
        assert refused.status_code == 403 and "security token" in message_of(refused.text)
    assert not paused(bot, 1)
    assert bot.slack.to(conversation="C1") == []
    for path in ("/app/schedules/99/pause", "/app/schedules/x/run"):
        missing = pm.post(path, data={"csrf_token": token})
        assert missing.status_code == 404 and 'id="message-text"' in missing.text
    assert pm.get("/app/schedules/1/pause").status_code == 405


def test_no_schedules_says_how_to_add_one(bot: Harness) -> None:
    web = client(bot)
    sign_in(bot, web, user="UPM")
    page = web.get("/app/schedules")
    assert 'id="schedules-empty"' in page.text and "schedule add sync" in page.text


def test_a_year_without_chinese_holiday_data_says_what_still_counts(
    bot: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    from services import calendars

    seed(bot)
    monkeypatch.setattr(calendars, "china_covers", lambda year: year < 2026)  # as if 2026 were not installed
    web = client(bot)
    sign_in(bot, web, user="UPM")
    page = web.get("/app/schedules").text
    # was "Monday–Friday are treated as working days", though statutory holidays are still skipped
    assert "weekends and statutory public holidays are skipped" in page and "Monday–Friday" not in page
    assert "周末和法定节假日照常跳过" in web.get("/app/schedules?lang=zh").text
