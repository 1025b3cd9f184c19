"""The sync agenda and the digests are built from live data of the other capabilities, and render on
Slack (Block Kit) and Feishu (cards) through the real renderers and the fake ports."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.messages import Button, Reply
from bot.models import Announcement, QaEscalation
from services.announcements.workflow import AckRate
from services.schedules import digest
from services.schedules.digest import build_digest
from services.schedules.open_items import ACK_WINDOW, low_acknowledgement
from services.schedules.posting import run_schedule
from tests.fakes.chat import tokens
from tests.fakes.harness import Harness
from tests.handlers.announcements.helpers import PM, publish, release_text
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


def _section(text: str, title: str) -> str:
    """The bullets under the bold `title…` of a post, up to the next bold title."""
    return text.split(f"**{title}")[1].split("**\n", 1)[1].split("\n\n**")[0]


def test_open_items_stay_on_every_agenda_and_pm_digest_until_resolved(bot: Harness) -> None:
    """An escalated question still open and announcements still under-acknowledged are listed on every sync
    agenda and PM digest, not only in the week they appeared — and leave once resolved (answered,
    acknowledged) or, for an announcement, once published more than ACK_WINDOW ago."""
    bot.slack.channel_members["CSALES"] = ["U1", "U2", PM]
    bot.say("Does Insight support SCIM provisioning?", user="U1")  # the empty knowledge base escalates #1
    first = publish(bot, release_text(channels="slack:CSALES"))
    second = publish(bot, release_text(channels="slack:CSALES").replace("3.2", "3.3"))
    sync = add_schedule(bot, "sync weekly mon 10:00 channels:slack:CSYNC")
    pm = add_schedule(bot, "pm-digest weekly mon 10:00 channels:slack:CPM")

    def post_on(day: datetime) -> tuple[str, str]:
        bot.slack.clear()
        bot.clock.set(day)
        assert run_schedule(services=bot.services, schedule_id=sync.id) == 1
        assert run_schedule(services=bot.services, schedule_id=pm.id) == 1
        agenda = bot.slack.to(conversation="CSYNC")[0].reply.plain_text()
        return agenda, bot.slack.to(conversation="CPM")[0].reply.plain_text()

    mondays = [datetime(2026, 11, 23, 2, 0, 30, tzinfo=UTC) + timedelta(weeks=n) for n in range(1, 6)]
    for monday in mondays[:4]:  # 11-30 … 12-21: each post is a week after the previous one
        agenda, pm_digest = post_on(monday)
        questions = _section(agenda, "Unanswered & escalated questions")
        assert "Does Insight support SCIM provisioning? (open)" in questions, monday
        low = _section(agenda, "Announcements below 80% acknowledged")
        assert "CloudDB 3.2" in low and "CloudDB 3.3" in low and low.count("0/2 (0%)") == 2, monday
        assert "Does Insight support SCIM provisioning?" in _section(pm_digest, "Knowledge gaps")
        acks = _section(pm_digest, "Announcement acknowledgement")
        assert "CloudDB 3.2" in acks and "CloudDB 3.3" in acks, monday
    # resolved: the question answered, the first announcement read by both members
    bot.say("answer 1 Yes, SCIM 2.0 since Insight 3.1.", user=PM)
    for user in ("U1", "U2"):
        bot.click(Button(action_id="announce.ack", label="", value=str(first)), user=user, channel="CSALES")
    with bot.services.db.session() as session:
        published = session.get(Announcement, second)
    assert published is not None and published.published_at is not None
    last = mondays[4]  # 2026-12-28: the second announcement was published 35 days ago
    assert last - published.published_at.replace(tzinfo=UTC) > ACK_WINDOW
    agenda, pm_digest = post_on(last)
    assert _section(agenda, "Unanswered & escalated questions").strip() == "—"
    assert _section(agenda, "Announcements below 80% acknowledged").strip() == "—"
    assert _section(pm_digest, "Knowledge gaps").strip() == digest.NOTHING
    assert _section(pm_digest, "Announcement acknowledgement").strip() == digest.NOTHING


def test_pm_digest_lists_new_announcements_after_older_under_acknowledged_ones(bot: Harness) -> None:
    bot.slack.channel_members["CSALES"] = ["U1", "U2", PM]
    old = publish(bot, release_text(channels="slack:CSALES"))
    read = publish(bot, release_text(channels="slack:CSALES").replace("3.2", "3.3"))
    for user in ("U1", "U2"):
        bot.click(Button(action_id="announce.ack", label="", value=str(read)), user=user, channel="CSALES")
    bot.clock.advance(timedelta(days=8))
    new = publish(bot, release_text(channels="slack:CSALES").replace("3.2", "4.0"))
    now = bot.clock.now()
    reply = digest.build_pm_digest(services=bot.services, since=now - timedelta(days=7), now=now)
    acks = _section(reply.plain_text(), "Announcement acknowledgement")
    # the fully read older one is done; the unread older one stays, before this period's new one
    assert "CloudDB 3.3" not in acks
    assert acks.index("CloudDB 3.2") < acks.index("CloudDB 4.0") and (old, new) == (1, 3)


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


def test_agenda_counts_the_next_14_days_from_the_teams_today_not_utc(bot: Harness) -> None:
    """A Shanghai sync at 07:00 is still the previous day in UTC: the agenda listed yesterday's release and
    left out the one 14 days ahead."""
    bot.clock.set(datetime(2026, 11, 29, 23, 0, tzinfo=UTC))  # Mon 30 Nov 07:00 Asia/Shanghai
    schedule = add_schedule(bot, "sync weekly mon 07:00 channels:slack:CSYNC tz:Asia/Shanghai")
    with bot.services.db.session() as session:
        for version, day in (("3.1", date(2026, 11, 29)), ("3.3", date(2026, 12, 14))):
            session.add(
                Announcement(
                    kind="release",
                    status="published",
                    product="Insight",
                    version=version,
                    release_date=day,
                    targets="slack:CSALES",
                    author_platform="slack",
                    author="UPM",
                    published_at=bot.clock.now() - timedelta(days=20),
                )
            )
    bot.say(f"schedule run {schedule.id}", user="UPM")
    upcoming = _section(bot.slack.to(conversation="CSYNC")[0].reply.plain_text(), "Upcoming releases")
    assert "Insight 3.1" not in upcoming  # yesterday in Shanghai
    assert "2026-12-14 · release · Insight 3.3 release" in upcoming  # today + 14 in Shanghai


@pytest.mark.parametrize("kind", ["digest", "pm-digest", "sync"])
def test_posts_are_dated_in_the_schedules_timezone(bot: Harness, kind: str) -> None:
    """A daily 07:30 Shanghai digest on Tuesday 1 December said '2026-11-29 → 2026-11-30' (UTC dates)."""
    bot.clock.set(datetime(2026, 11, 29, 23, 30, tzinfo=UTC))  # Mon 30 Nov 07:30 Asia/Shanghai
    schedule = add_schedule(bot, f"{kind} daily 07:30 channels:slack:CD tz:Asia/Shanghai")
    bot.clock.set(datetime(2026, 11, 30, 23, 30, 5, tzinfo=UTC))  # Tue 1 Dec 07:30
    assert run_schedule(services=bot.services, schedule_id=schedule.id) == 1
    assert run_schedule(services=bot.services, schedule_id=schedule.id) == 0
    bot.clock.set(datetime(2026, 12, 1, 23, 30, 5, tzinfo=UTC))  # Wed 2 Dec 07:30
    assert run_schedule(services=bot.services, schedule_id=schedule.id) == 1
    post = bot.slack.to(conversation="CD")[-1].reply
    if kind == "sync":
        assert "New feature requests since 2026-12-01 / 新需求" in post.plain_text()
        assert post.context == [f"Schedule #{schedule.id} · since 2026-12-01 07:30 (Asia/Shanghai)"]
    else:
        assert post.context == ["2026-12-01 → 2026-12-02 · SalesBridge"]


def test_cant_attend_as_text_before_the_sync_counts_for_the_next_one(bot: Harness) -> None:
    """`schedule absent 1` typed before a sync was posted went to a slot no post ever had (the schedule's
    creation time): the rep was missing from that sync's can't-attend list."""
    schedule = add_schedule(bot, "sync weekly mon 10:00 channels:slack:CS")
    bot.clock.set(datetime(2026, 11, 27, 8, 0, tzinfo=UTC))  # Friday: away next Monday
    [said] = bot.say(f"schedule absent {schedule.id}", user="U7")
    assert "the sync of Mon 2026-11-30 10:00" in said.text and "周一 2026-11-30 10:00 的同步会" in said.text
    bot.clock.set(datetime(2026, 11, 30, 2, 0, 5, tzinfo=UTC))  # Monday 10:00 Shanghai
    assert run_schedule(services=bot.services, schedule_id=schedule.id) == 1
    post = bot.slack.to(conversation="CS")[0].reply
    [clicked] = bot.click(post.buttons[1], user="U8")
    assert tokens("so far: <@slack:U7>, <@slack:U8>") in clicked.text
    [again] = bot.say(f"schedule absent {schedule.id}", user="U7")  # the same day: today's sync
    assert "already" in again.text
    bot.clock.set(datetime(2026, 12, 1, 2, 0, tzinfo=UTC))  # Tuesday: the next Monday
    [later] = bot.say(f"schedule absent {schedule.id}", user="U8")
    assert "Mon 2026-12-07 10:00" in later.text and tokens("so far: <@slack:U8>") in later.text


@pytest.mark.parametrize(
    ("when", "posted_at", "period"),
    [
        ("monthly 1 10:00", datetime(2026, 12, 1, 2, 0, 5, tzinfo=UTC), "2026-11-01 → 2026-12-01"),
        ("daily 10:00", datetime(2026, 11, 24, 2, 0, 5, tzinfo=UTC), "2026-11-23 → 2026-11-24"),
        ("weekdays 10:00", datetime(2026, 11, 30, 2, 0, 5, tzinfo=UTC), "2026-11-27 → 2026-11-30"),
        ("weekly mon 10:00", datetime(2026, 11, 30, 2, 0, 5, tzinfo=UTC), "2026-11-23 → 2026-11-30"),
    ],
)
def test_the_first_digest_covers_its_own_period(
    bot: Harness, when: str, posted_at: datetime, period: str
) -> None:
    """The first post always covered the last 7 days: the first Monthly PM digest left out three weeks."""
    schedule = add_schedule(bot, f"pm-digest {when} channels:slack:CPMD calendar:cn")
    bot.clock.set(posted_at)
    assert run_schedule(services=bot.services, schedule_id=schedule.id) == 1
    assert bot.slack.to(conversation="CPMD")[0].reply.context == [f"{period} · SalesBridge"]
