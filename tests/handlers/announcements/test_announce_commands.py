"""`announce` end to end through the real router, outbox and fake Slack / Feishu ports."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import select

from bot.errors import DeliveryError
from bot.messages import IncomingMessage, Kind
from bot.models import AnnouncementPost
from tests.fakes.chat import tokens
from tests.fakes.harness import Harness
from tests.handlers.announcements.helpers import (
    PM,
    announcements,
    draft,
    eos_text,
    publish,
    release_text,
    seed_members,
)


def test_release_preview_is_the_exact_post_and_nothing_is_sent_before_confirm(bot: Harness) -> None:
    preview = draft(bot, release_text())
    assert preview.where == "ephemeral"
    assert [b.action_id for b in preview.buttons] == ["announce.confirm", "announce.cancel"]
    assert "Preview" in preview.context[0] and "slack:C9, feishu:oc_1" in preview.context[0]
    assert preview.title == "🚀 Release: CloudDB 3.2 / 发布：CloudDB 3.2"
    assert preview.text == "• SAML SSO\n• 2x faster sync"
    assert bot.slack.posted == [] and bot.feishu.posted == []
    [a] = announcements(bot)
    assert a.status == "draft" and a.targets == "slack:C9,feishu:oc_1"


def test_confirm_fans_out_to_every_channel_on_both_platforms(bot: Harness) -> None:
    announcement_id = publish(bot, release_text(channels="slack:C9,slack:C8,feishu:oc_1,feishu:oc_2"))
    slack_channels = [p.address.conversation for p in bot.slack.posted]
    feishu_chats = [p.address.conversation for p in bot.feishu.posted]
    assert slack_channels == ["C9", "C8"] and feishu_chats == ["oc_1", "oc_2"]
    posts = bot.slack.posted + bot.feishu.posted
    assert len({p.reply.plain_text() for p in posts}) == 1  # the same structured message everywhere
    for post in posts:
        [ack] = post.reply.buttons
        assert ack.action_id == "announce.ack" and ack.value == str(announcement_id)
        assert ack.label == "Acknowledge / 已阅"
        assert post.reply.to is not None and post.reply.to.conversation == post.address.conversation
    [a] = announcements(bot)
    assert a.status == "published" and a.published_at is not None
    with bot.services.db.session() as session:
        rows = list(session.exec(select(AnnouncementPost)))
    assert {(r.platform, r.conversation) for r in rows} == {
        ("slack", "C9"),
        ("slack", "C8"),
        ("feishu", "oc_1"),
        ("feishu", "oc_2"),
    }
    assert all(r.message_id for r in rows)


def test_a_channel_the_platform_refuses_is_reported_to_the_pm_not_counted_as_posted(bot: Harness) -> None:
    # the bot is not in Slack channel C9: chat.postMessage answers not_in_channel, for good
    preview = draft(bot, release_text(channels="slack:C9,feishu:oc_1"))
    bot.slack.fail_next.append(DeliveryError("chat.postMessage: not_in_channel", permanent=True))
    [done] = bot.click(preview.buttons[0], user=PM)
    assert "Posted announcement #1 to 1 channel(s): feishu:oc_1." in done.text  # was "to 2 channel(s)"
    assert "⚠️ Not posted to slack:C9: the platform refused the message" in done.text
    assert "⚠️ 未能发布到 slack:C9" in done.text and done.color == "warning"
    with bot.services.db.session() as session:
        rows = list(session.exec(select(AnnouncementPost)))
    assert [(r.platform, r.conversation) for r in rows] == [("feishu", "oc_1")]  # nobody in C9 to ack
    # every channel refused: the PM is told it reached none
    preview = draft(bot, release_text(channels="slack:C7"))
    bot.slack.fail_next.append(DeliveryError("chat.postMessage: channel_not_found", permanent=True))
    [none] = bot.click(preview.buttons[0], user=PM)
    assert (
        none.text.startswith("Announcement #2 reached no channel.") and "Not posted to slack:C7" in none.text
    )


def test_double_confirm_posts_once(bot: Harness) -> None:
    preview = draft(bot, release_text())
    confirm = preview.buttons[0]
    [first] = bot.click(confirm, user=PM)
    [second] = bot.click(confirm, user=PM)
    [third] = bot.click(confirm, user="UADMIN")
    assert "Posted" in first.text
    assert "already posted" in second.text and "不会重复" in second.text and "already posted" in third.text
    assert len(bot.slack.posted) == 1 and len(bot.feishu.posted) == 1


def test_duplicate_channels_and_audiences_post_once_per_channel(bot: Harness) -> None:
    bot.say("audience add sales-cn feishu:oc_1 feishu:oc_2", user=PM)
    publish(bot, release_text(channels="sales-cn,feishu:oc_1,slack:C9,slack:C9"))
    assert [p.address.conversation for p in bot.feishu.posted] == ["oc_1", "oc_2"]
    assert len(bot.slack.posted) == 1


def test_cancel_button_and_cancelled_confirm(bot: Harness) -> None:
    preview = draft(bot, release_text())
    [cancelled] = bot.click(preview.buttons[1], user=PM)
    assert "cancelled" in cancelled.text and "已取消" in cancelled.text
    [late] = bot.click(preview.buttons[0], user=PM)
    assert "cancelled" in late.text
    assert bot.slack.posted == [] and announcements(bot)[0].status == "cancelled"


def test_published_announcement_cannot_be_cancelled(bot: Harness) -> None:
    announcement_id = publish(bot, release_text())
    [reply] = bot.say(f"announce cancel {announcement_id}", user=PM)
    assert f"Announcement #{announcement_id} is already published and cannot be cancelled" in reply.text
    assert f"公告 #{announcement_id} 已发布，无法取消" in reply.text
    assert "nothing was sent twice" not in reply.text and reply.color == "warning"
    assert announcements(bot)[0].status == "published"


def test_cancelling_twice_says_it_is_already_cancelled(bot: Harness) -> None:
    preview = draft(bot, release_text())
    announcement_id = int(preview.buttons[1].value)
    [first] = bot.say(f"announce cancel {announcement_id}", user=PM)
    assert "cancelled; nothing was posted" in first.text
    [again] = bot.say(f"announce cancel {announcement_id}", user=PM)
    assert (
        f"Announcement #{announcement_id} is already cancelled." in again.text
        and "已经取消过了" in again.text
    )


def test_sales_cannot_announce_confirm_or_cancel(bot: Harness) -> None:
    [refused] = bot.say(release_text(), user="U1")
    assert refused.where == "ephemeral" and "pm" in refused.text and "角色" in refused.text
    assert announcements(bot) == []
    preview = draft(bot, release_text())
    [no_confirm] = bot.click(preview.buttons[0], user="U1")
    [no_cancel] = bot.click(preview.buttons[1], user="U1")
    assert "Only the author or a PM" in no_confirm.text and "Only the author or a PM" in no_cancel.text
    assert bot.slack.posted == [] and announcements(bot)[0].status == "draft"
    [form_refused] = bot.say("announce", user="U1")
    assert form_refused.form is None and "pm" in form_refused.text


def test_announce_without_text_opens_a_form_and_the_form_makes_a_preview(bot: Harness) -> None:
    [form_reply] = bot.command("announce", user=PM)
    assert form_reply.form is not None and form_reply.form.form_id == "announce.release"
    [eos_form] = bot.say("公告 停售", user=PM)
    assert eos_form.form is not None and eos_form.form.form_id == "announce.eos"
    assert {i.name for i in eos_form.form.inputs} >= {"reason", "last_order", "support", "contact"}
    [preview] = bot.submit(
        "announce.release",
        {
            "product": "CloudDB",
            "version": "3.2",
            "date": "2026-12-01",
            "highlights": "SSO\nAudit log",
            "channels": "slack:C9, feishu:oc_1",
            "ships": "",
            "at": "",
        },
        user=PM,
    )
    assert preview.where == "dm" and preview.buttons[0].action_id == "announce.confirm"
    assert preview.text == "• SSO\n• Audit log"
    [refused] = bot.submit("announce.eos", {"product": "LegacyDB", "channels": "slack:C9"}, user=PM)
    assert "missing" in refused.text and "缺少" in refused.text
    [not_pm] = bot.submit("announce.eos", {"product": "LegacyDB"}, user="U1")
    assert "pm" in not_pm.text
    assert len(announcements(bot)) == 1


def test_chinese_keys_and_alias(bot: Harness) -> None:
    text = (
        '公告 停售 产品:LegacyDB 原因:"云版本取代" 最后订购日:2027-06-30 停止支持日:2028-06-30 '
        '范围:"所有 2.x 授权" 替代:"CloudDB 3" 支持:"安全补丁至停止支持日" 联系人:@UPM 频道：feishu:oc_1'
    )
    preview = draft(bot, text)
    assert preview.title is not None and "停售通知：LegacyDB" in preview.title
    values = {f.label: f.value for f in preview.fields}
    assert values["Last order date / 最后订购日"] == "2027-06-30"
    assert values["Contact / 联系人"] == tokens("<@UPM>")


def test_eos_refusal_through_the_router_stores_nothing(bot: Harness) -> None:
    [reply] = bot.say(eos_text(drop=("reason", "scope", "contact")), user=PM)
    assert reply.where == "ephemeral" and reply.color == "warning"
    assert "reason" in reply.text and "affected scope" in reply.text and "contact person" in reply.text
    assert "原因、影响范围、联系人" in reply.text
    assert "alternative" not in reply.text.split("Usage")[0]
    assert "Usage / 用法" in reply.text
    assert announcements(bot) == []


def test_late_eos_notice_previews_with_a_warning(bot: Harness) -> None:
    preview = draft(bot, eos_text(dates={"last-order": "2027-01-15"}))
    assert any("Late notice" in note and "通知偏晚" in note for note in preview.context)


def test_an_eos_notice_is_never_posted_on_or_after_its_last_order_date(bot: Harness) -> None:
    # scheduled for the day after orders closed: refused, nothing stored
    [refused] = bot.say(eos_text(dates={"last-order": "2027-06-30"}, at="2027-07-01"), user=PM)
    assert "on or after its last-order date 2027-06-30" in refused.text and "不早于最后订购日" in refused.text
    assert announcements(bot) == []
    # a draft confirmed once its last-order date has come: refused, nothing posted
    preview = draft(bot, eos_text(dates={"last-order": "2027-06-30"}))
    bot.clock.set(datetime(2027, 6, 30, 2, 0, tzinfo=UTC))
    [late] = bot.click(preview.buttons[0], user=PM)
    assert "is no longer in the future (today is 2027-06-30)" in late.text and "重新起草" in late.text
    assert bot.slack.posted == [] and bot.feishu.posted == [] and announcements(bot)[0].status == "draft"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("announce frobnicate", "Unknown announce subcommand"),
        ("announce status", "needs one announcement id"),
        ("announce status abc", "Expected an announcement id"),
        ("announce status 999", "no announcement #999"),
        ("announce cancel", "needs one announcement id"),
        (release_text(channels="teams:general"), "is not a channel"),
        (release_text(channels="nosuchaudience"), "No audience named"),
        (release_text(channels="console:general,slack:C9") + " highlights:again", "Each option once"),
        (
            "announce release product:CloudDB version:3.2 date:2026-12-01 channels:slack:C9 highlights:Faster sync",
            "did not understand 'sync'",
        ),
        (
            "announce release product:CloudDB version:3.2 date:2026-13-01 channels:slack:C9 highlights:x",
            "not a valid date",
        ),
        (release_text(extra="ships:#12"), "no feature request #12"),
        (release_text(extra="at:2026-11-01T09:00"), "in the past"),
        (
            release_text(extra="at:0001-01-01T00:00"),
            "not a valid date and time",
        ),  # was OverflowError: 'Sorry'
    ],
)
def test_bad_input_gets_a_bilingual_ephemeral_usage_message(bot: Harness, text: str, expected: str) -> None:
    [reply] = bot.say(text, user=PM)
    assert reply.where == "ephemeral"
    assert expected in reply.text, reply.text
    assert any("\u4e00" <= ch <= "\u9fff" for ch in reply.text)
    assert announcements(bot) == []


def test_platform_that_is_not_connected_is_refused(sqlite_url: str) -> None:
    bot = Harness.create(sqlite_url, migrate=False)
    try:
        del bot.services.ports["feishu"]
        [reply] = bot.say(release_text(), user=PM)
        assert "not connected" in reply.text and announcements(bot) == []
    finally:
        bot.close()


def test_full_path_through_dispatcher_and_outbox(bot: Harness) -> None:
    seed_members(bot)
    sent = bot.process(bot.message(release_text(), user=PM, kind=Kind.COMMAND, mention=False))
    assert len(sent) == 1  # the ephemeral preview
    [preview_post] = bot.slack.posted
    assert preview_post.address.ephemeral and preview_post.address.user == PM
    confirm = preview_post.reply.buttons[0]
    bot.process(
        IncomingMessage(
            platform="slack",
            conversation="C1",
            user=PM,
            kind=Kind.ACTION,
            action_id=confirm.action_id,
            action_value=confirm.value,
            event_id="ev-confirm",
        )
    )
    assert [p.address.conversation for p in bot.slack.posted[1:]] == ["C9", "C1"]
    assert bot.slack.posted[2].address.ephemeral  # then the "posted to …" note to the PM
    assert [p.address.conversation for p in bot.feishu.posted] == ["oc_1"]


def test_release_form_reports_every_wrong_field_at_once(bot: Harness) -> None:
    values = {
        "product": "LumenCRM",
        "version": "",
        "date": "2026-13-40",
        "highlights": "Faster search",
        "channels": "nowhere-land, slack:C9",
        "ships": "#999",
        "at": "2020-01-01 09:00",
    }
    msg = bot.message("", kind=Kind.FORM, form_id="announce.release", form=values, user=PM)
    errors = bot.app.router.validate_form(msg, bot.services)
    assert set(errors) == {"version", "date", "channels", "ships", "at"}
    assert "missing" in errors["version"] and "缺少" in errors["version"]
    assert "#999" in errors["ships"] and "in the past" in errors["at"]
    [reply] = bot.submit("announce.release", values, user=PM)
    assert reply.where == "ephemeral" and all(f"`{name}`" in reply.text for name in errors)


def test_agenda_form_refuses_an_empty_item_next_to_its_field(bot: Harness) -> None:
    msg = bot.message("", kind=Kind.FORM, form_id="schedule.agenda.form", form={"item": "  "})
    errors = bot.app.router.validate_form(msg, bot.services)
    assert list(errors) == ["item"] and "议题" in errors["item"]
