"""Every button has a text command that does the same thing, and `help` lists them."""

from __future__ import annotations

from sqlmodel import select

from bot.models import Acknowledgement, FeatureRequest
from tests.fakes.chat import tokens
from tests.fakes.harness import Harness
from tests.handlers.announcements.helpers import PM, draft, publish, release_text, seed_members
from tests.jobs.helpers import add_schedule

SHORTCUTS = {"request.from_message"}  # a Slack message shortcut, not a button


def test_every_button_action_has_a_text_command_listed_in_help(bot: Harness) -> None:
    router = bot.app.router
    texts = router.button_texts
    for prefix, _handler in router._actions:
        if prefix in SHORTCUTS:
            continue
        assert any(t.action_id.startswith(prefix) for t in texts), prefix
    for action in ("request.join", "request.keep", "request.from_message"):
        if action not in SHORTCUTS:
            assert any(t.action_id == action for t in texts), action
    [listing] = bot.say("help")
    for text in texts:
        assert f"`{text.example}`" in listing.text, text.example
    assert "Every button has a text command" in listing.text
    [chinese] = bot.say("帮助")
    assert "每个按钮都有同样效果的文字命令" in chinese.text
    [announce_help] = bot.say("help announce")
    assert "`announce ack 7`" in announce_help.text


def test_announce_confirm_and_ack_as_text(bot: Harness) -> None:
    seed_members(bot)
    preview = draft(bot, release_text())
    announcement_id = int(preview.buttons[0].value)
    [posted] = bot.say(f"announce confirm {announcement_id}", user=PM)
    assert "Posted" in posted.text
    [thanks] = bot.say(f"announce ack {announcement_id}", user="U1")
    assert tokens("Thanks <@U1>") in thanks.text
    [chinese] = bot.say(f"公告 已阅 #{announcement_id}", user="U2")
    assert "Thanks" in chinese.text
    with bot.services.db.session() as session:
        acks = sorted(a.user_id for a in session.exec(select(Acknowledgement)))
    assert acks == ["U1", "U2"]


def test_text_command_without_an_id_gets_a_bilingual_usage_message(bot: Harness) -> None:
    publish(bot, release_text())
    [reply] = bot.say("announce ack", user="U1")
    assert reply.where == "ephemeral" and "announce ack 7" in reply.text
    assert any("\u4e00" <= ch <= "\u9fff" for ch in reply.text)
    [join] = bot.say("requests join 3", user="U1")
    assert "requests join 12 7" in join.text and "需要" in join.text
    # the Chinese line quotes the command as it was typed, not its English spelling
    [chinese] = bot.say("反馈 有帮助", user="U1")
    assert "`反馈 有帮助` 需要编号，例如 `反馈 有帮助 12`。" in chinese.text
    assert "`feedback up` needs an id, like `feedback up 12`." in chinese.text
    with bot.services.db.session() as session:
        assert session.exec(select(Acknowledgement)).first() is None


def test_requests_join_and_keep_as_text(bot: Harness) -> None:
    bot.say("request SAML SSO login customer:Acme tier:gold arr:120k", user="U1")
    [second] = bot.say("request SAML SSO login for admins customer:Globex", user="U2")
    assert [b.action_id for b in second.buttons] == ["request.join", "request.keep"]
    [denied] = bot.say("requests join 2 1", user="U3")
    assert "Only the rep" in denied.text
    [joined] = bot.say("requests join 2 into 1", user="U2")
    assert "2 customer" in joined.text
    with bot.services.db.session() as session:
        merged = session.get(FeatureRequest, 2)
        assert merged is not None and merged.status == "merged"
    bot.say("request Audit log export customer:Initech", user="U1")
    [third] = bot.say("request Audit log export to S3 customer:Umbrella", user="U2")
    [kept] = bot.say(f"requests keep {third.title.split('#')[1] if third.title else 4}", user="U2")
    assert "#4" in kept.text


def test_feedback_and_agenda_as_text(bot: Harness) -> None:
    schedule = add_schedule(bot, "sync weekly mon 10:00 channels:slack:CSYNC")
    [added] = bot.say(f"schedule agenda {schedule.id} Acme renewal blockers", user="U3")
    assert "Acme renewal blockers" in added.text
    bot.say(f"schedule run {schedule.id}", user="UPM")
    assert tokens("Acme renewal blockers (<@U3>)") in bot.slack.to(conversation="CSYNC")[0].reply.plain_text()
    [absent] = bot.say(f"schedule absent {schedule.id}", user="U4")
    assert tokens("<@U4>") in absent.text
    [again] = bot.click(bot.slack.to(conversation="CSYNC")[0].reply.buttons[1], user="U4")
    assert "already" in again.text  # the text command and the button name the same sync
    [no_text] = bot.say(f"schedule agenda {schedule.id}", user="U3")
    assert no_text.where == "ephemeral"
    [usage] = bot.say("feedback", user="U1")
    assert "feedback up 12" in usage.text and usage.where == "ephemeral"
    [unknown] = bot.say("feedback up 999", user="U1")
    assert "999" in unknown.text and unknown.where == "ephemeral"  # reached the 👍 button's handler
