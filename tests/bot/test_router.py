from typing import Any

import pytest

from bot.errors import UsageError
from bot.messages import IncomingMessage, Kind, Reply
from bot.router import ButtonText, Router
from services.context import Services
from tests.fakes.harness import Harness


def test_help_lists_commands_in_both_languages(bot: Harness) -> None:
    [reply] = bot.say("help")
    assert "role" in reply.text and reply.where == "ephemeral"
    [reply_zh] = bot.say("帮助")
    assert "命令" in (reply_zh.title or "")


def test_help_for_unknown_command_is_bilingual_whatever_the_language(bot: Harness) -> None:
    expected = (
        "I don't know the command `nosuchthing`. Type `help` for the list.\n"
        "没有 `nosuchthing` 这个命令。输入 `帮助` 查看命令列表。"
    )
    for text in ("help nosuchthing", "帮助 nosuchthing"):
        [reply] = bot.say(text)
        assert reply.text == expected
        assert reply.where == "ephemeral" and reply.color == "warning"


def test_group_message_without_mention_is_ignored(bot: Harness) -> None:
    assert bot.say("help", mention=False) == []


def test_dm_is_answered_without_mention(bot: Harness) -> None:
    [reply] = bot.say("help", dm=True)
    assert "SalesBridge" in (reply.title or "")


def test_a_command_after_a_mention_of_someone_else_is_the_command(bot: Harness) -> None:
    [reply] = bot.say("<@U2> role")  # was answered as the question "<@U2> role"
    assert reply.text.startswith("Your role:")


def test_leading_slash_and_aliases_resolve(bot: Harness) -> None:
    assert bot.say("/help")[0].title == bot.say("help")[0].title


def test_unknown_slash_command_word_shows_help(bot: Harness) -> None:
    [reply] = bot.command("frobnicate now")
    assert "help" in reply.text


def test_usage_error_becomes_bilingual_ephemeral_reply(bot: Harness) -> None:
    [reply] = bot.say("role grant onlyone", user="UADMIN")
    assert reply.where == "ephemeral"
    assert "Usage / 用法" in reply.text and "需要" in reply.text


def test_crash_in_handler_is_answered_politely(bot: Harness) -> None:
    router: Router[Services] = Router()

    def boom(msg: IncomingMessage, services: Services) -> Reply:
        raise RuntimeError("kaboom")

    router.command("boom", boom, summary_en="x", summary_zh="x", usage="boom")
    [reply] = router.handle(bot.message("boom"), bot.services)
    assert "Sorry" in reply.text and "抱歉" in reply.text


def test_role_restricted_command_refused_for_sales(bot: Harness) -> None:
    router: Router[Services] = Router()
    router.command(
        "secret", lambda m, s: Reply(text="ok"), summary_en="x", summary_zh="x", usage="secret", roles={"pm"}
    )
    [refused] = router.handle(bot.message("secret", user="U1"), bot.services)
    assert "pm" in refused.text and refused.where == "ephemeral"
    [allowed] = router.handle(bot.message("secret", user="UPM"), bot.services)
    assert allowed.text == "ok"
    [admin] = router.handle(bot.message("secret", user="UADMIN"), bot.services)
    assert admin.text == "ok"


def test_usage_error_uses_command_usage(bot: Harness) -> None:
    router: Router[Services] = Router()

    def needs_args(msg: IncomingMessage, services: Services) -> Reply:
        raise UsageError("Missing text.", "缺少内容。")

    router.command("x", needs_args, summary_en="x", summary_zh="x", usage="x <text>")
    [reply] = router.handle(bot.message("x", kind=Kind.COMMAND), bot.services)
    assert "x <text>" in reply.text and "缺少内容" in reply.text


def test_thread_listeners_see_replies_with_or_without_mention(bot: Harness) -> None:
    router: Router[Services] = Router()
    seen: list[bool] = []

    def listener(msg: IncomingMessage, services: Services) -> Reply | None:
        seen.append(msg.mentions_bot)
        return Reply(text="coached") if msg.thread == "practice" else None

    router.thread_listener(listener)
    router.fallback(lambda m, s: Reply(text="answered"))
    router.command("help", lambda m, s: Reply(text="help"), summary_en="x", summary_zh="x", usage="help")
    assert (
        router.handle(bot.message("my answer", thread="practice", mention=False), bot.services)[0].text
        == "coached"
    )
    assert router.handle(bot.message("my answer", thread="practice"), bot.services)[0].text == "coached"
    assert router.handle(bot.message("a question", thread="other"), bot.services)[0].text == "answered"
    assert router.handle(bot.message("chatter", thread="other", mention=False), bot.services) == []
    assert router.handle(bot.message("help", thread="practice"), bot.services)[0].text == "help"
    assert seen == [False, True, True, False]


def test_the_dispatcher_resolves_each_message_once(bot: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    """The placeholder decision and the handler come from one `Router.route` (it used to resolve twice)."""
    router = bot.app.router
    calls: list[str] = []
    resolve = router._resolve

    def counting(msg: IncomingMessage) -> Any:
        calls.append(msg.text)
        return resolve(msg)

    monkeypatch.setattr(router, "_resolve", counting)
    bot.process(bot.message("help"))
    bot.process(bot.message("request SSO for Acme customer:Acme tier:gold"))
    assert calls == ["help", "request SSO for Acme customer:Acme tier:gold"]


def test_a_failing_button_text_converter_is_answered_not_raised(bot: Harness) -> None:
    router: Router[Services] = Router()

    def broken(words: list[str]) -> str:
        raise ValueError("bad words")

    router.command("thing", lambda m, s: Reply(text="ok"), summary_en="x", summary_zh="x", usage="thing")
    router.button_text(
        ButtonText(
            command="thing",
            words=("press",),
            label="Press",
            example="thing press 1",
            action_id="thing.press",
            value=broken,
        )
    )
    route = router.route(bot.message("thing press 1"))
    [reply] = router.run(route, bot.services)
    assert "Sorry" in reply.text and reply.where == "ephemeral"


@pytest.mark.parametrize(
    ("text", "kind"), [("ask", Kind.COMMAND), ("ask   ", Kind.MESSAGE), ("提问", Kind.COMMAND)]
)
def test_an_empty_ask_posts_no_placeholder_only_its_usage(bot: Harness, text: str, kind: Kind) -> None:
    """Nothing to look up: no public "Looking it up…" that nothing would ever replace, just the usage."""
    bot.process(bot.message(text, kind=kind, mention=kind is Kind.MESSAGE))
    assert [
        p.reply.text
        for p in bot.slack.posted
        if "Looking it up" in p.reply.text or "正在查找" in p.reply.text
    ] == []
    assert bot.slack.updates == []
    [usage] = bot.slack.posted
    assert (
        usage.address.ephemeral
        and "Usage / 用法" in usage.reply.text
        and "ask <question>" in usage.reply.text
    )


def test_an_ask_with_a_question_still_posts_its_placeholder(bot: Harness) -> None:
    bot.process(bot.message("ask Do we support HIPAA?", kind=Kind.COMMAND, mention=False))
    placeholder = bot.slack.posted[0]
    assert placeholder.reply.text == "Looking it up…" and not placeholder.address.ephemeral
    sent, answer = bot.slack.updates[0]  # replaced by the answer
    assert sent.message_id == placeholder.message_id and "Looking it up" not in answer.text
