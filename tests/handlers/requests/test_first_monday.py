"""What a sales rep and a PM ran into on their first Monday with feature requests (each test pins one fix)."""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot.errors import UsageError
from bot.models.requests import FeatureRequest
from services.requests import workflow
from tests.fakes.harness import Harness


def _row(bot: Harness, request_id: int) -> FeatureRequest:
    with bot.services.db.session() as session:
        row = session.exec(select(FeatureRequest).where(FeatureRequest.id == request_id)).one()
        session.expunge(row)
        return row


def test_effort_below_half_a_day_is_refused_not_shown_in_a_formula_that_does_not_add_up(bot: Harness) -> None:
    bot.say("request SSO customer:Acme tier:gold", user="U1")
    reply = bot.say("requests triage 1 effort:0.0001 confidence:100%", user="UPM")[0]
    assert reply.where == "ephemeral"
    assert "from 0.1 (half a day) to 520" in reply.text and "0.1（半天）到 520" in reply.text
    row = _row(bot, 1)
    assert (row.status, row.effort_weeks, row.rice) == ("new", None, 0.75)
    # the service refuses it too (the dashboard's triage form calls it directly)
    with pytest.raises(UsageError, match="half a day"), bot.services.db.session() as session:
        workflow.triage_request(
            session=session,
            request_id=1,
            effort_weeks=0.05,
            confidence=0.8,
            actor_platform="slack",
            actor="UPM",
            now=bot.services.now(),
        )
    ok = bot.say("requests triage 1 effort:0.1 confidence:100%", user="UPM")[0]
    assert "RICE 30 = 3 × 1 × 100% ÷ 0.1 person-weeks" in ok.text


def test_a_request_merged_into_a_shipped_one_tells_its_rep_it_shipped(bot: Harness) -> None:
    bot.say('request SAML SSO login customer:"Acme Corp" tier:gold', user="U1")
    bot.say("requests status 1 shipped release:3.2", user="UPM")
    bot.say("需求 SAML SSO 登录 客户:某某银行", platform="feishu", user="ou_1")
    bot.say("requests merge 2 into 1", user="UPM")
    [told] = bot.feishu.to(user="ou_1")
    assert "#1 already shipped in 3.2." in told.reply.text and "#1 已经发布（3.2）。" in told.reply.text
    assert "updates will keep reaching you" not in told.reply.text  # there will be no later update
    # declined: the rep hears why
    bot.say("request Dark mode customer:Globex", user="U1")
    bot.say("requests status 3 declined not on this year's roadmap", user="UPM")
    bot.say("request Dark mode for the web app customer:Initech", user="U2")
    bot.say("requests merge 4 into 3", user="UPM")
    [declined] = bot.slack.to(user="U2")
    assert "#3 was declined: not on this year's roadmap" in declined.reply.text
    assert "#3 已被拒绝：not on this year's roadmap" in declined.reply.text
    # an open target: updates follow
    bot.say("request Bulk import customer:Umbrella", user="U1")
    bot.say("request Bulk import of contacts customer:Hooli", user="U3")
    bot.say("requests merge 6 into 5", user="UPM")
    assert "updates will keep reaching you" in bot.slack.to(user="U3")[0].reply.text


def test_the_join_button_says_when_the_request_shipped_meanwhile(bot: Harness) -> None:
    bot.say("request SAML SSO login customer:Acme", user="U1")
    offer = bot.say("request SAML SSO login customer:Globex", user="U2")[0]
    bot.say("requests status 1 shipped release:3.2", user="UPM")
    reply = bot.click(offer.buttons[0], user="U2")[0]
    assert "#2 is closed as merged. #1 already shipped in 3.2." in reply.text
    assert "#2 已作为重复合并关闭。#1 已经发布（3.2）。" in reply.text


@pytest.mark.parametrize(
    ("text", "en", "zh"),
    [
        ("request show", "Which request?", "哪个需求？"),
        ("需求 查看", "Which request?", "哪个需求？"),
        ("request search", "What should I search for?", "要搜索什么？"),
        ("request status", "needs an id and a status", "需要编号和状态"),
        ("需求 分诊", "needs an id, effort and confidence", "需要编号、工作量和信心"),
        ("request merge", "needs two ids", "需要两个编号"),
        ("request priority", "needs an id, P0–P3 and a reason", "需要编号、P0–P3 和理由"),
    ],
)
def test_a_bare_subcommand_word_after_request_gets_its_usage_not_a_request_titled_show(
    bot: Harness, text: str, en: str, zh: str
) -> None:
    [reply] = bot.say(text, user="UPM")
    assert reply.where == "ephemeral" and en in reply.text and zh in reply.text
    assert "Usage / 用法" in reply.text
    with bot.services.db.session() as session:
        assert session.exec(select(FeatureRequest)).first() is None
    # with words that are not an id, it is a request as before
    assert bot.say("request show dashboards to guests")[0].title == "Logged feature request #1"


@pytest.mark.parametrize(
    ("text", "stranded", "joined"),
    [
        (
            "request SSO login customer:Acme Corp tier:gold",
            "“Corp” comes after `customer:Acme`",
            'customer:"Acme Corp"',
        ),
        (
            "request SSO login customer:Acme Corp",
            "“Corp” comes after `customer:Acme`",
            'customer:"Acme Corp"',
        ),
        ("request SSO arr:120k USD", "“USD” comes after `arr:120k`", 'arr:"120k USD"'),
        (
            "需求 支持 SSO 客户:某某银行 北京分行 等级:金牌",
            "“北京分行”跟在 `客户:某某银行` 后面",
            '客户:"某某银行 北京分行"',
        ),
    ],
)
def test_a_multi_word_value_without_quotes_is_asked_about_not_split_silently(
    bot: Harness, text: str, stranded: str, joined: str
) -> None:
    [reply] = bot.say(text)
    assert reply.where == "ephemeral" and stranded in reply.text and f"`{joined}`" in reply.text
    assert "描述被选项隔开了" in reply.text and "The description is split by the options" in reply.text
    with bot.services.db.session() as session:
        assert session.exec(select(FeatureRequest)).first() is None
    # quoted as suggested, it is logged with the whole value
    quoted = text.split(" ", 1)[1].replace(joined.replace('"', ""), joined)
    assert (bot.say(f"request {quoted}")[0].title or "").endswith("#1")  # logged


def test_options_before_or_after_the_whole_description_are_fine() -> None:
    from handlers.requests.parse import parse_request_text

    assert parse_request_text("customer:Acme tier:gold SSO login").description == "SSO login"
    assert parse_request_text("SSO login tier:gold customer:Acme").customer == "Acme"
    data = parse_request_text('SSO login customer:"Acme Corp" tier:gold 。')  # trailing punctuation only
    assert (data.description, data.customer) == ("SSO login 。", "Acme Corp")


def test_huge_numbers_read_in_full_never_as_exponents(bot: Harness) -> None:
    from services.requests.export import export_csv
    from services.requests.vocabulary import format_money

    logged = bot.say("request Audit log customer:Megacorp arr:9999999999999", user="U1")[0]
    fields = {f.label: f.value for f in logged.fields}
    assert fields["RICE"] == "25,000,000.5" and fields["ARR"] == "$10T"  # was 2.5e+07 and $10000000M
    top = bot.say("requests top")[0].text
    assert "RICE 25,000,000.5 ·" in top and "e+" not in top
    shown = bot.say("requests show 1")[0]
    assert (
        "25,000,000.5 = 100,000,002 × 1 × 50% ÷ 2 person-weeks"
        in {f.label: f.value for f in shown.fields}["RICE"]
    )
    with bot.services.db.session() as session:
        row = export_csv(session=session).splitlines()[1]
    assert ",25000000.5,100000002,1,," in row and "e+" not in row
    assert format_money(2.5e9, "USD") == "$2.5B" and format_money(1.5e6, "EUR") == "€1.5M"


def test_shipping_a_planned_request_tells_the_pm_the_release_the_reps_were_told(bot: Harness) -> None:
    bot.say("request SAML SSO login customer:Acme", user="U1")
    bot.say("requests status 1 planned release:3.2", user="UPM")
    reply = bot.say("requests status 1 shipped", user="UPM")[0]
    told = bot.slack.to(user="U1")[-1].reply.text
    assert "shipped in 3.2." in told
    assert (
        reply.text == "#1 SAML SSO login → **shipped** in 3.2. Notified 1 requester(s)."
    )  # was "→ **shipped**."
    zh = bot.say("需求列表 状态 1 开发中", user="UPM")[0]
    assert zh.text == "#1 SAML SSO login → **开发中**（3.2）。已通知 1 位提交人。"
    assert "目标版本 3.2" in bot.slack.to(user="U1")[-1].reply.text
    # a status without a release says none
    assert bot.say("requests status 1 triaged", user="UPM")[0].text.endswith(
        "→ **triaged**. Notified 1 requester(s)."
    )


def test_a_status_note_or_priority_reason_too_long_to_send_is_refused_before_anything_changes(
    bot: Harness,
) -> None:
    bot.say("request SAML SSO login customer:Acme", user="U1")
    reply = bot.say("requests status 1 declined " + "n" * 2001, user="UPM")[0]
    assert reply.where == "ephemeral" and "at most 2000" in reply.text and "最多 2000" in reply.text
    assert _row(bot, 1).status == "new" and bot.slack.to(user="U1") == []  # was declined and DMed 2,001 chars
    reply = bot.say('requests priority 1 P0 reason:"' + "r" * 501 + '"', user="UPM")[0]
    assert "at most 500" in reply.text and "最多 500" in reply.text
    assert (_row(bot, 1).priority, _row(bot, 1).override_reason) == ("P2", "")
    assert "→ **declined**" in bot.say("requests status 1 declined " + "n" * 2000, user="UPM")[0].text


@pytest.mark.parametrize(
    ("text", "en", "zh"),
    [
        ("requests show 1 2", "One id: `requests show 12`", "请给一个编号"),
        ("需求列表 查看 1 2", "One id: `requests show 12`", "请给一个编号"),
        ("requests mine 5", "`requests mine` takes nothing after it, got '5'", "后面不需要参数"),
        ("requests export all", "`requests export` takes nothing after it, got 'all'", "后面不需要参数"),
    ],
)
def test_extra_words_after_show_mine_export_get_the_usage_not_silently_dropped(
    bot: Harness, text: str, en: str, zh: str
) -> None:
    bot.say("request SAML SSO login customer:Acme")
    bot.say("request Dark mode customer:Globex")
    [reply] = bot.say(text)
    assert (
        reply.where == "ephemeral" and en in reply.text and zh in reply.text and "Usage / 用法" in reply.text
    )
    assert reply.attachment is None


def test_mine_says_it_lists_the_requests_you_joined_too(bot: Harness) -> None:
    bot.say("request SAML SSO login customer:Acme", user="U1")
    offer = bot.say("request SAML SSO login customer:Globex", user="U2")[0]
    bot.click(offer.buttons[0], user="U2")
    mine = bot.say("requests mine", user="U2")[0]
    assert mine.title == "Requests you logged or joined"  # #1 was logged by U1: it was "Requests you logged"
    assert "#1" in mine.text
    assert bot.say("需求列表 我的", user="U2")[0].title == "你提交或加入的需求"


def test_a_feishu_thread_sentence_starting_with_request_is_not_logged(bot: Harness) -> None:
    def thread_reply(text: str) -> list:
        msg = bot.message(text, platform="feishu", user="ou_2", thread="om_root", mention=False)
        return bot.app.router.handle(msg, bot.services)

    assert thread_reply("Request is clear, will follow up tomorrow") == []  # was logged as request #1
    assert thread_reply("REQUEST received") == []
    with bot.services.db.session() as session:
        assert session.exec(select(FeatureRequest)).first() is None
    # typed as the command, it is logged as before
    assert thread_reply("request SAML SSO customer:Acme")[0].title == "Logged feature request #1"
    assert thread_reply("/request Dark mode customer:Globex")[0].title == "Logged feature request #2"
    assert thread_reply("需求 支持企业微信审批流 客户:某某银行")[0].title == "已记录需求 #3"


@pytest.mark.parametrize("text", ["requests keep", "requests keep 2 3", "需求列表 保留 abc"])
def test_keep_takes_exactly_one_id(bot: Harness, text: str) -> None:
    bot.say("request SAML SSO login customer:Acme", user="U1")
    bot.say("request SAML SSO login customer:Globex", user="U1")
    [reply] = bot.say(text, user="U1")
    assert (
        "`requests keep` needs the id of your one new request" in reply.text
        and "需要你那一个新需求的编号" in reply.text
    )
    assert "stays a separate request" in bot.say("requests keep #2", user="U1")[0].text
