"""Acknowledge / 已阅 clicks, `announce status` per channel, audiences."""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot.messages import Button
from bot.models import Acknowledgement
from tests.fakes.chat import tokens
from tests.fakes.harness import Harness
from tests.handlers.announcements.helpers import PM, draft, eos_text, publish, release_text, seed_members


def _ack(announcement_id: int) -> Button:
    return Button(action_id="announce.ack", label="Acknowledge / 已阅", value=str(announcement_id))


def _acks(bot: Harness) -> list[tuple[str, str]]:
    with bot.services.db.session() as session:
        return [(a.platform, a.user_id) for a in session.exec(select(Acknowledgement))]


def test_clicks_are_recorded_once_per_user_and_platform(bot: Harness) -> None:
    seed_members(bot)
    announcement_id = publish(bot, release_text())
    button = bot.slack.posted[0].reply.buttons[0]
    [first] = bot.click(button, user="U1", channel="C9")
    [second] = bot.click(button, user="U1", channel="C9")
    [feishu] = bot.click(button, user="ou_1", platform="feishu", channel="oc_1")
    assert tokens("Thanks <@U1>") in first.text and "已记录" in first.text and first.where == "ephemeral"
    assert "already acknowledged" in second.text
    assert "Thanks" in feishu.text
    assert sorted(_acks(bot)) == [("feishu", "ou_1"), ("slack", "U1")]
    assert announcement_id == int(button.value)


def test_unknown_users_and_strangers_may_acknowledge(bot: Harness) -> None:
    seed_members(bot)
    announcement_id = publish(bot, release_text())
    [reply] = bot.click(_ack(announcement_id), user="UNOBODY", channel="D-elsewhere")
    assert "Thanks" in reply.text
    assert ("slack", "UNOBODY") in _acks(bot)
    [status] = bot.say(f"announce status {announcement_id}", user=PM)
    assert "UNOBODY" not in status.plain_text()  # not a member of the channels: not counted


def test_bad_ack_buttons(bot: Harness) -> None:
    [missing] = bot.click(_ack(999), user="U1")
    assert "no announcement #999" in missing.text and "没有" in missing.text
    [garbled] = bot.click(Button(action_id="announce.ack", label="x", value="abc"), user="U1")
    assert "Expected an announcement id" in garbled.text
    [empty] = bot.click(Button(action_id="announce.ack", label="x", value=""), user="U1")
    assert "missing its announcement id" in empty.text
    preview = draft(bot, release_text())
    [not_yet] = bot.click(_ack(int(preview.buttons[0].value)), user="U1")
    assert "not posted yet" in not_yet.text
    assert _acks(bot) == []


def test_acknowledging_a_cancelled_announcement_says_it_was_cancelled(bot: Harness) -> None:
    preview = draft(bot, release_text())
    bot.click(preview.buttons[1], user=PM)  # Cancel
    [reply] = bot.click(_ack(int(preview.buttons[0].value)), user="U1")
    assert "was cancelled and never posted" in reply.text and "已取消" in reply.text
    assert "not posted yet" not in reply.text and _acks(bot) == []


def test_status_shows_who_has_and_has_not_acknowledged_per_channel(bot: Harness) -> None:
    seed_members(bot)
    announcement_id = publish(bot, release_text())
    bot.click(_ack(announcement_id), user="U1", channel="C9")
    bot.click(_ack(announcement_id), user="ou_2", platform="feishu", channel="oc_1")
    [status] = bot.say(f"announce status {announcement_id}", user=PM)
    assert status.where == "ephemeral"
    bot.feishu.names["ou_2"] = "Wang Fang"
    fields = {f.label: f.value for f in bot.seen(status, on="slack").fields}
    assert fields["slack:C9 — 1/2 (50%)"] == tokens("✅ <@U1>\n⏳ <@U2>")  # the author (UPM) is not chased
    # Feishu members read by name on Slack (a label when Feishu will not say), never as raw open_ids
    assert fields["feishu:oc_1 — 1/2 (50%)"] == "✅ Wang Fang\n⏳ a Feishu user / 一位飞书用户"
    on_feishu = {f.label: f.value for f in bot.seen(status, on="feishu").fields}
    assert on_feishu["feishu:oc_1 — 1/2 (50%)"] == tokens("✅ <@ou_2>\n⏳ <@ou_1>")
    assert "2 of 4" in status.text and "4 位成员中已有 2 位" in status.text


def test_status_falls_back_to_the_members_when_posted(bot: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    seed_members(bot)
    announcement_id = publish(bot, release_text())

    def broken(conversation: str) -> list[str]:
        raise RuntimeError("members API down")

    monkeypatch.setattr(bot.slack, "members", broken)
    [status] = bot.say(f"announce status {announcement_id}", user=PM)
    labels = [f.label for f in status.fields]
    assert "slack:C9 — 0/2 (0%) (members when posted / 发布时成员)" in labels


def test_status_permissions_and_unpublished_states(bot: Harness) -> None:
    announcement_id = publish(bot, release_text())
    [refused] = bot.say(f"announce status {announcement_id}", user="U1")
    assert "Only the author or a PM" in refused.text
    [admin] = bot.say(f"announce status {announcement_id}", user="UADMIN")
    assert admin.fields
    preview = draft(bot, release_text())
    [pending] = bot.say(f"公告 status {preview.buttons[0].value}", user=PM)
    assert "Not posted yet" in pending.text and "草稿" in pending.text
    scheduled = draft(bot, release_text(extra="at:2026-12-01 09:30"))
    [later] = bot.say(f"announce status {scheduled.buttons[0].value}", user=PM)
    assert "scheduled 2026-12-01 09:30" in later.text


def test_announce_list_for_pms(bot: Harness) -> None:
    publish(bot, release_text())
    [listing] = bot.say("announce list", user=PM)
    assert "#1 Release: CloudDB 3.2" in listing.text and "published" in listing.text
    draft(bot, release_text(extra="at:2026-12-01 09:30"))
    draft(bot, release_text())
    [zh] = bot.say("公告 列表", user=PM)
    assert zh.text.splitlines() == [  # each state in both languages, not the English status alone
        "• #3 Release: CloudDB 3.2 / 发布：CloudDB 3.2 — draft / 草稿",
        "• #2 Release: CloudDB 3.2 / 发布：CloudDB 3.2 — scheduled 2026-12-01 09:30 / 已定时 2026-12-01 09:30",
        "• #1 Release: CloudDB 3.2 / 发布：CloudDB 3.2 — published / 已发布",
    ]
    [refused] = bot.say("announce list", user="U1")
    assert "pm" in refused.text


def test_audiences_add_list_replace_remove(bot: Harness) -> None:
    [created] = bot.say("audience add sales-cn feishu:oc_1 feishu:oc_2", user=PM)
    assert "created" in created.text and "feishu:oc_1,feishu:oc_2" in created.text
    [updated] = bot.say("受众 add sales-cn feishu:oc_3 <#C77|sales>", user=PM)
    assert "updated" in updated.text
    [listing] = bot.say("audience list", user=PM)
    assert [(f.label, f.value) for f in listing.fields] == [("sales-cn", "feishu:oc_3, slack:C77")]
    [removed] = bot.say("audience remove SALES-CN", user=PM)
    assert "removed" in removed.text
    [empty] = bot.say("audience", user=PM)
    assert "No audiences yet" in empty.text


def test_audience_bad_input_and_permissions(bot: Harness) -> None:
    cases = {
        "audience add": "needs a name",
        "audience add sales-cn": "needs a name",
        "audience add slack:C1 slack:C2": "cannot be an audience name",
        "audience add team teams:abc": "is not a channel",
        "audience add team other-audience": "No audience named",
        "audience remove": "needs one name",
        "audience remove nope": "No audience named",
        "audience rename a b": "Unknown audience subcommand",
    }
    for text, expected in cases.items():
        [reply] = bot.say(text, user=PM)
        assert expected in reply.text and reply.where == "ephemeral", (text, reply.text)
    [zh] = bot.say("受众 添加", user=PM)  # the usage shows the Chinese spelling too (was English only)
    assert "受众 添加 华东销售 feishu:oc_1" in zh.text
    [refused] = bot.say("audience add sales feishu:oc_1", user="U1")
    assert "pm" in refused.text
    [listing] = bot.say("audience list", user=PM)
    assert listing.fields == []


def test_status_says_when_a_channel_has_no_known_members(bot: Harness) -> None:
    announcement_id = publish(bot, release_text(channels="slack:#sales"))
    assert bot.slack.posted[0].address.conversation == "#sales"
    [status] = bot.say(f"announce status {announcement_id}", user=PM)
    [channel] = status.fields
    assert channel.label == "slack:#sales — 0/0 (0%)" and "Members unknown" in channel.value


def test_acknowledging_a_replaced_eos_notice_points_to_the_one_in_force(bot: Harness) -> None:
    old = publish(bot, eos_text(dates={"last-order": "2027-06-30"}))
    new = publish(bot, eos_text(dates={"last-order": "2027-07-31"}))
    [reply] = bot.click(_ack(old), user="U1", channel="C9")
    assert f"#{old} was replaced by #{new} (last order 2027-07-31" in reply.text and "已被" in reply.text
    assert [(b.action_id, b.value) for b in reply.buttons] == [("announce.ack", str(new))]
    assert _acks(bot) == []  # not recorded as read: the dates they read are no longer true
    [current] = bot.click(reply.buttons[0], user="U1", channel="C9")
    assert "Thanks" in current.text and _acks(bot) == [("slack", "U1")]
