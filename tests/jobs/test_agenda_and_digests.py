"""The sync agenda and the digests are built from live data of the other capabilities, and render on
Slack (Block Kit) and Feishu (cards) through the real renderers and the fake ports."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from bot.messages import Reply
from bot.models import Announcement, QaEscalation
from services.announcements.workflow import AckRate
from services.schedules import digest
from services.schedules.agenda import low_acknowledgement
from services.schedules.digest import build_digest
from tests.fakes.chat import tokens
from tests.fakes.harness import Harness
from tests.jobs.helpers import add_schedule


def _seed(bot: Harness) -> None:
    bot.say("request SAML SSO login with Okta customer:Acme arr:120k tier:gold", user="U1")
    bot.say("request Export dashboards to PDF customer:Globex arr:30k", user="U2")
    bot.say("requests status 1 planned release:3.2", user="UPM")
    now = bot.clock.now()
    with bot.services.db.session() as session:
        session.add(
            Announcement(
                kind="release",
                status="published",
                product="Insight",
                version="3.2",
                release_date=now.date() + timedelta(days=5),
                highlights="SSO",
                targets="slack:CSALES",
                author_platform="slack",
                author="UPM",
                published_at=now - timedelta(hours=1),
            )
        )
        session.add(
            Announcement(
                kind="eos",
                status="published",
                product="Insight Classic",
                last_order=now.date() + timedelta(days=10),
                end_of_support=date(2027, 12, 31),
                targets="slack:CSALES",
                author_platform="slack",
                author="UPM",
                published_at=now - timedelta(hours=2),
            )
        )
        session.add(
            QaEscalation(
                question="Does Insight support SCIM provisioning?", normalized="scim", created_at=now
            )
        )
        session.add(
            QaEscalation(
                question="Is there a Japanese UI?",
                normalized="japanese ui",
                status="answered",
                answer="Yes, since 3.1.",
                answered_at=now,
                created_at=now - timedelta(days=1),
            )
        )


def test_sync_agenda_from_seeded_data_with_buttons_form_and_absences(bot: Harness) -> None:
    _seed(bot)
    schedule = add_schedule(bot, "sync weekly mon 10:00 channels:slack:CSYNC,feishu:oc_sync")
    # someone adds a topic through the button → form → submit path
    first = bot.say(f"schedule run {schedule.id}", user="UPM")
    assert "2 channel" in first[0].text
    posted = bot.slack.to(conversation="CSYNC")[0].reply
    text = posted.plain_text()
    assert "#1 SAML SSO login with Okta" in text and "ARR $120,000" in text
    assert "#2 Export dashboards to PDF" in text
    assert "#1 SAML SSO login with Okta: new → **planned**" in text
    assert "release · " in text and "Insight" in text and "last order" in text
    assert "Does Insight support SCIM provisioning? (open)" in text
    add_button, absent_button = posted.buttons
    form_replies = bot.click(add_button, user="U3")
    assert form_replies[0].form is not None and form_replies[0].form.private_value == str(schedule.id)
    done = bot.submit(
        form_replies[0].form.form_id,
        {"item": "Acme renewal blockers"},
        private_value=str(schedule.id),
        user="U3",
    )
    assert "Acme renewal blockers" in done[0].text
    empty = bot.submit(
        form_replies[0].form.form_id, {"item": "  "}, private_value=str(schedule.id), user="U3"
    )
    assert empty[0].where == "ephemeral" and "empty" in empty[0].text
    # can't attend: recorded once, listed
    said = bot.click(absent_button, user="U4")
    assert tokens("<@U4>") in said[0].text and said[0].where == "thread"
    again = bot.click(absent_button, user="U4")
    assert again[0].where == "ephemeral" and "already" in again[0].text
    bot.click(absent_button, user="U5")
    # the next agenda carries the added item exactly once
    bot.clock.advance(timedelta(days=7))
    bot.slack.clear()
    bot.say(f"schedule run {schedule.id}", user="UPM")
    second = bot.slack.to(conversation="CSYNC")[0].reply.plain_text()
    assert tokens("Acme renewal blockers (<@U3>)") in second
    bot.slack.clear()
    bot.clock.advance(timedelta(minutes=1))
    bot.say(f"schedule run {schedule.id}", user="UPM")
    assert "Acme renewal blockers" not in bot.slack.to(conversation="CSYNC")[0].reply.plain_text()


def test_low_acknowledgement_lists_only_announcements_below_the_threshold() -> None:
    rates = [
        AckRate(announcement_id=1, title="A", acknowledged=9, expected=10),
        AckRate(announcement_id=2, title="B", acknowledged=2, expected=10),
        AckRate(announcement_id=3, title="C", acknowledged=0, expected=0),  # posted to nobody: no rate
    ]
    assert [rate.title for rate in low_acknowledgement(rates)] == ["B"]


def _render_everywhere(reply: Reply) -> tuple[str, str]:
    from bot.platforms.feishu.render import render_card
    from bot.platforms.slack.render import render_message

    return json.dumps(render_message(reply), ensure_ascii=False), json.dumps(
        render_card(reply), ensure_ascii=False
    )


def test_sales_digest_renders_on_slack_and_feishu(bot: Harness) -> None:
    _seed(bot)
    schedule = add_schedule(bot, "digest weekly fri 17:00 channels:slack:CSALES,feishu:oc_sales")
    bot.say(f"schedule run {schedule.id}", user="UPM")
    slack_reply = bot.slack.to(conversation="CSALES")[0].reply
    feishu_reply = bot.feishu.to(conversation="oc_sales")[0].reply
    assert slack_reply.model_copy(update={"to": None}) == feishu_reply.model_copy(update={"to": None})
    text = slack_reply.plain_text()
    assert "Weekly sales digest" in text
    assert "[release / 发布] Insight 3.2" in text and "[end of sale / 停售] Insight Classic" in text
    assert "SAML SSO login with Okta" in text and "→ **planned**" in text
    assert "Is there a Japanese UI? → Yes, since 3.1." in text
    slack_json, feishu_json = _render_everywhere(slack_reply)
    assert "Insight Classic" in slack_json and '"type": "section"' in slack_json
    assert "Insight Classic" in feishu_json and "elements" in feishu_json


def test_pm_digest_has_arr_gaps_and_ack_rates(bot: Harness) -> None:
    _seed(bot)
    schedule = add_schedule(bot, "pm-digest weekly mon 09:00 channels:slack:CPM,feishu:oc_pm")
    bot.say(f"schedule run {schedule.id}", user="UPM")
    reply = bot.feishu.to(conversation="oc_pm")[0].reply
    text = reply.plain_text()
    assert "Weekly PM digest" in text
    arr_block = text.split("Requests by customer ARR")[1].split("Knowledge gaps")[0]
    assert arr_block.index("SAML SSO") < arr_block.index("Export dashboards")
    assert "Does Insight support SCIM provisioning?" in text.split("Knowledge gaps")[1]
    assert "Announcement acknowledgement" in text and "/0 (0%)" in text
    slack_json, feishu_json = _render_everywhere(reply)
    assert "SCIM" in slack_json and "SCIM" in feishu_json


def test_a_failing_source_is_said_not_invented(
    bot: Harness, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    _seed(bot)

    def broken(**_: object) -> list[tuple[str, int]]:
        raise RuntimeError("the questions table is unreachable")

    monkeypatch.setattr(digest, "most_asked", broken)
    reply = build_digest(
        services=bot.services, since=bot.clock.now() - timedelta(days=7), now=bot.clock.now()
    )
    assert "Most-asked questions / 最常被问的问题**\n_(not available right now / 暂不可用)_" in reply.text
    assert "SAML SSO login with Okta" in reply.text  # the other sections still show
    assert "'most asked' failed" in caplog.text and "unreachable" in caplog.text  # logged with the error
