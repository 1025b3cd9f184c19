"""What publishing does beyond posting: ships → requesters told, end-of-sale notice → knowledge,
and the summaries digests and agendas read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.messages import Button
from bot.models import FeatureRequest
from handlers.requests.parse import RequestInput
from jobs.announcements import post_eos_reminders, remind_unacknowledged, ship_on_release_date
from services.announcements import workflow
from services.announcements.posts import eos_note
from services.requests.workflow import create_request
from tests.fakes.harness import Harness
from tests.handlers.announcements.helpers import PM, draft, eos_text, publish, release_text, seed_members


def _request(bot: Harness, description: str, *, user: str, platform: str = "slack", customer: str) -> int:
    with bot.services.db.session() as session:
        created = create_request(
            session=session,
            data=RequestInput(description=description, customer=customer),
            platform=platform,
            user=user,
            now=bot.services.now(),
        )
        assert created.request.id is not None
        return created.request.id


def _released_today(text: str) -> str:
    """The harness clock is Mon 2026-11-23; a release dated today ships its requests when posted."""
    return text.replace("date:2026-12-01", "date:2026-11-23")


def test_ships_moves_requests_to_shipped_and_tells_every_requester(bot: Harness) -> None:
    sso = _request(bot, "SAML SSO login for the admin console", user="U1", customer="Acme")
    audit = _request(
        bot, "Export audit logs to S3 buckets", user="ou_7", platform="feishu", customer="Globex"
    )
    preview = draft(bot, _released_today(release_text(extra=f"ships:#{sso},#{audit}")))
    assert {f.label: f.value for f in preview.fields}["Ships requests / 包含需求"] == f"#{sso}, #{audit}"
    [done] = bot.click(preview.buttons[0], user=PM)
    assert "marked shipped" in done.text and f"#{sso}, #{audit}" in done.text
    with bot.services.db.session() as session:
        rows = [session.get(FeatureRequest, i) for i in (sso, audit)]
    assert all(r is not None and r.status == "shipped" and r.release == "CloudDB 3.2" for r in rows)
    [dm] = bot.slack.to(user="U1")
    assert dm.address.conversation is None and "CloudDB 3.2" in dm.reply.plain_text()
    [feishu_dm] = bot.feishu.to(user="ou_7")
    assert "CloudDB 3.2" in feishu_dm.reply.plain_text()
    bot.click(preview.buttons[0], user=PM)  # a double confirm notifies nobody twice
    assert len(bot.slack.to(user="U1")) == 1


def test_already_shipped_requests_are_reported_as_skipped(bot: Harness) -> None:
    sso = _request(bot, "SAML SSO login for the admin console", user="U1", customer="Acme")
    publish(bot, _released_today(release_text(extra=f"ships:#{sso}")))
    preview = draft(bot, _released_today(release_text(extra=f"ships:#{sso}")).replace("3.2", "3.3"))
    [done] = bot.click(preview.buttons[0], user=PM)
    assert f"Skipped (already shipped or merged): #{sso}" in done.text
    assert len(bot.slack.to(user="U1")) == 1


def test_published_eos_notice_becomes_knowledge(bot: Harness) -> None:
    preview = draft(bot, eos_text())
    announcement_id = int(preview.buttons[0].value)
    kb = bot.services.knowledge
    assert kb.documents(kind="eos") == []  # a preview is not knowledge yet
    [done] = bot.click(preview.buttons[0], user=PM)
    assert "Questions about LegacyDB now get the end-of-sale note" in done.text
    assert [d.path for d in kb.documents(kind="eos")] == [f"eos:{announcement_id}"]
    result = kb.search("When is the end of sale for LegacyDB and what is the alternative?")
    top = result.hits[0].section
    assert top.path == f"eos:{announcement_id}" and top.product == "LegacyDB"
    notice_text = " ".join(h.section.text for h in result.hits if h.section.path == top.path)
    assert "2027-06-30" in notice_text and "CloudDB 3" in notice_text
    zh = kb.search("LegacyDB 什么时候停售？替代方案是什么")
    assert zh.hits[0].section.path == f"eos:{announcement_id}"


def test_eos_notice_lookup_and_note(bot: Harness) -> None:
    draft(bot, eos_text(product="DraftOnly"))  # drafts are not notices yet
    announcement_id = publish(bot, eos_text())
    with bot.services.db.session() as session:
        notice = workflow.eos_notice_for(session=session, product="legacydb")
        assert workflow.eos_notice_for(session=session, product="DraftOnly") is None
        assert workflow.eos_notice_for(session=session, product="CloudDB") is None
        gone = workflow.eos_notice_for(session=session, product="LegacyDB", today=datetime(2028, 7, 1).date())
    assert notice is not None and notice.id == announcement_id and gone is None
    assert eos_note(notice, lang="en") == (
        f"⚠️ LegacyDB: end of sale on 2027-06-30, end of support on 2028-06-30; alternative: CloudDB 3 "
        f"(notice #{announcement_id})."
    )
    assert "2027-06-30 停售" in eos_note(notice, lang="zh") and "替代方案：CloudDB 3" in eos_note(
        notice, lang="zh"
    )


def test_summaries_for_digests(bot: Harness) -> None:
    seed_members(bot)
    start = bot.services.now()
    release_id = publish(bot, release_text())
    eos_id = publish(bot, eos_text(dates={"last-order": "2026-12-20", "end-of-support": "2027-12-31"}))
    draft(bot, release_text())  # a draft is not announced
    bot.click(Button(action_id="announce.ack", label="", value=str(release_id)), user="U1", channel="C9")
    bot.click(
        Button(action_id="announce.ack", label="", value=str(release_id)), user="ou_1", platform="feishu"
    )
    bot.say("launch CloudDB 4 date:2026-12-10 channels:slack:C9", user=PM)
    with bot.services.db.session() as session:
        since = workflow.announcements_since(session=session, since=start)
        later = workflow.announcements_since(session=session, since=start + timedelta(hours=1))
        upcoming = workflow.upcoming_releases_and_eos(session=session, now=start, days=30)
        rates = workflow.acknowledgement_rates(session=session, since=start)
    assert [a.id for a in since] == [release_id, eos_id] and later == []
    assert [(u.day.isoformat(), u.kind, u.product) for u in upcoming] == [
        ("2026-12-01", "release", "CloudDB"),
        ("2026-12-10", "launch", "CloudDB 4"),
        ("2026-12-20", "last_order", "LegacyDB"),
    ]
    by_id = {r.announcement_id: r for r in rates}
    assert (by_id[release_id].acknowledged, by_id[release_id].expected) == (2, 4)
    assert by_id[release_id].rate == 0.5 and by_id[eos_id].rate == 0.0
    assert start.tzinfo is UTC or start.utcoffset() == timedelta(0)


def test_upcoming_counts_today_in_the_given_timezone(bot: Harness) -> None:
    """At 23:00 UTC it is already tomorrow in Shanghai: today's release there is not 'upcoming' in UTC
    terms only, and yesterday's is gone."""
    bot.say("launch CloudDB 4 date:2026-11-30 channels:slack:C9", user=PM)
    bot.say("launch CloudDB 5 date:2026-12-14 channels:slack:C9", user=PM)
    late = datetime(2026, 11, 29, 23, 0, tzinfo=UTC)  # Mon 30 Nov 07:00 in Shanghai
    with bot.services.db.session() as session:
        utc = workflow.upcoming_releases_and_eos(session=session, now=late, days=14)
        shanghai = workflow.upcoming_releases_and_eos(
            session=session, now=late, days=14, timezone="Asia/Shanghai"
        )
    assert [u.product for u in utc] == ["CloudDB 4"]
    assert [(u.day.isoformat(), u.product) for u in shanghai] == [
        ("2026-11-30", "CloudDB 4"),
        ("2026-12-14", "CloudDB 5"),
    ]


def test_questions_about_the_product_are_answered_with_the_end_of_sale_note(bot: Harness) -> None:
    publish(bot, eos_text())
    [answer] = bot.say("When is the end of sale for LegacyDB?", user="U1")
    assert "end of sale on 2027-06-30" in answer.text and "CloudDB 3" in answer.text
    assert any(c.source == "eos:1" or "LegacyDB" in c.title for c in answer.citations)
    [zh] = bot.say("LegacyDB 什么时候停售？", user="U1")
    assert "2027-06-30 停售" in zh.text and "CloudDB 3" in zh.text


def test_a_release_announced_ahead_ships_its_requests_on_the_release_date(bot: Harness) -> None:
    sso = _request(bot, "SAML SSO login for the admin console", user="U1", customer="Acme")
    preview = draft(bot, release_text(extra=f"ships:#{sso}"))  # release date 2026-12-01, posted 2026-11-23
    [done] = bot.click(preview.buttons[0], user=PM)
    assert f"#{sso} will be marked shipped on 2026-12-01" in done.text and "发布日 2026-12-01" in done.text
    with bot.services.db.session() as session:
        request = session.get(FeatureRequest, sso)
        assert request is not None and request.status == "new"
    assert bot.slack.to(user="U1") == []
    assert ship_on_release_date(bot.services) == 0  # not yet
    bot.clock.set(datetime(2026, 11, 30, 23, 0, tzinfo=UTC))  # 2026-12-01 07:00 Shanghai: before 09:00
    assert ship_on_release_date(bot.services) == 0
    bot.clock.set(datetime(2026, 12, 1, 1, 30, tzinfo=UTC))  # 2026-12-01 09:30 Shanghai
    assert ship_on_release_date(bot.services) == 1
    with bot.services.db.session() as session:
        request = session.get(FeatureRequest, sso)
    assert request is not None and request.status == "shipped" and request.release == "CloudDB 3.2"
    [dm] = bot.slack.to(user="U1")
    assert "CloudDB 3.2" in dm.reply.plain_text()
    assert any("is out today" in p.reply.text for p in bot.slack.to(user=PM))
    bot.clock.advance(timedelta(hours=1))
    assert ship_on_release_date(bot.services) == 0  # once
    assert len(bot.slack.to(user="U1")) == 1


def test_a_second_eos_notice_for_the_product_replaces_the_first(bot: Harness) -> None:
    seed_members(bot)
    first = publish(bot, eos_text(dates={"last-order": "2027-06-30"}))
    preview = draft(bot, eos_text(product="legacydb ", dates={"last-order": "2027-07-31"}))
    assert any(
        f"#{first} already announces the end of sale of LegacyDB (published 2026-11-23, last order 2027-06-30)"
        in note
        and "本通知发布后将取代它" in note
        for note in preview.context
    )
    [done] = bot.click(preview.buttons[0], user=PM)
    second = int(preview.buttons[0].value)
    assert f"This notice replaces #{first}" in done.text and f"本通知取代 #{first}" in done.text
    assert [d.path for d in bot.services.knowledge.documents(kind="eos")] == [f"eos:{second}"]
    # channels get the reminders of the notice in force only (were: T-30 of 30 June next to T-60 of 31 July)
    bot.slack.posted.clear()
    bot.clock.set(datetime(2027, 6, 1, 2, 0, tzinfo=UTC))
    assert post_eos_reminders(bot.services) == 2
    assert [p.reply.title for p in bot.slack.posted] == [
        "⏰ 60 days to the last order of legacydb / 距 legacydb 最后订购日还有 60 天"
    ]
    # readers are chased for the notice in force, not the replaced one
    bot.slack.posted.clear()
    bot.clock.set(datetime(2026, 11, 24, 3, 0, tzinfo=UTC))
    assert remind_unacknowledged(bot.services) > 0
    assert {p.reply.title for p in bot.slack.posted} == {
        "Please acknowledge: End of sale: legacydb / 停售通知：legacydb / 请确认已阅"
    }
    # answers carry the current dates only
    [answer] = bot.say("When is the end of sale for LegacyDB?", user="U1")
    assert "2027-07-31" in answer.text and "2027-06-30" not in answer.text


def test_announcing_the_same_release_again_warns_in_the_preview(bot: Harness) -> None:
    first = publish(bot, release_text())
    scheduled = draft(bot, release_text().replace("3.2", "3.3") + " at:2026-11-30T09:00")
    assert not any("already announces" in note for note in scheduled.context)  # another version
    again = draft(bot, release_text())
    assert any(
        f"#{first} already announces CloudDB 3.2 (published 2026-11-23); confirming posts the release again"
        in note
        and "确认后会再次发布" in note
        for note in again.context
    )
    later = draft(bot, release_text().replace("3.2", "3.3"))
    assert any("CloudDB 3.3 (scheduled for 2026-11-30)" in note for note in later.context)
