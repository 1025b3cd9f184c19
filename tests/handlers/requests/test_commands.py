"""`request` / `requests` end to end through the real router, database and outbox (fake platforms)."""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any

import pytest
from sqlmodel import col, func, select

from bot.messages import IncomingMessage, Kind, Reply
from bot.models.requests import FeatureRequest, RequestCustomer
from services.requests.export import export_csv
from tests.fakes.chat import tokens
from tests.fakes.harness import Harness
from tests.handlers.requests.fake_embedder import FakeEmbedder


def _count(bot: Harness) -> int:
    with bot.services.db.session() as session:
        return int(session.exec(select(func.count()).select_from(FeatureRequest)).one())


def _request(bot: Harness, request_id: int) -> FeatureRequest:
    with bot.services.db.session() as session:
        row = session.get(FeatureRequest, request_id)
        assert row is not None
        return row


def _log(bot: Harness, text: str, **kwargs: Any) -> Reply:
    replies = bot.say(f"request {text}", **kwargs)
    assert len(replies) == 1
    return replies[0]


# --- capture -------------------------------------------------------------------------------------------


def test_request_is_logged_with_priority_and_rice(bot: Harness) -> None:
    reply = _log(bot, 'SAML SSO login customer:"Acme Corp" tier:gold urgency:high arr:120k area:SSO')
    assert reply.title == "Logged feature request #1"
    fields = {f.label: f.value for f in reply.fields}
    assert fields["Priority"] == "P1"
    assert fields["RICE"] == "2.1"  # reach 3 + 1.2, impact 2, confidence 50 %, effort 2
    assert fields["Customer"] == "Acme Corp (gold)"
    assert fields["ARR"] == "$120k"
    assert reply.where == "thread"
    without = {f.label: f.value for f in _log(bot, "Okta SCIM provisioning customer:Beta").fields}
    assert (
        without["ARR"] == "not given (add arr:120k to weigh the deal)"
    )  # was "$0", as if the deal were worth nothing
    assert reply.buttons == []


def test_slash_command_and_chinese_alias(bot: Harness) -> None:
    reply = bot.command("request Audit log export customer:Initech")[0]
    assert reply.title == "Logged feature request #1"
    zh = bot.say("需求 支持 审计日志 客户:某某银行 等级:金牌", platform="feishu", user="ou_1")[0]
    assert zh.title == "已记录需求 #2"
    assert {f.label: f.value for f in zh.fields}["客户"] == "某某银行 (金牌)"


def test_bad_value_stores_nothing_and_answers_in_both_languages(bot: Harness) -> None:
    reply = _log(bot, "SSO tier:platinum")
    assert reply.where == "ephemeral"
    assert "diamond, gold, silver, bronze" in reply.text and "钻石" in reply.text
    assert "Usage / 用法" in reply.text
    assert _count(bot) == 0


@pytest.mark.parametrize(
    ("text", "en", "zh"),
    [
        ("request x customer:", "`customer:` needs a value", "`客户:` 冒号后面需要紧跟取值"),
        ("request x tier:", "`tier:` needs a value", "`等级:` 冒号后面需要紧跟取值"),
        ("需求 批量编辑 客户：", "`customer:` needs a value", "`客户:` 冒号后面需要紧跟取值"),
        ('request "unterminated quote customer:Acme', "is never closed", "没有闭合"),
    ],
)
def test_empty_option_or_unterminated_quote_stores_nothing(bot: Harness, text: str, en: str, zh: str) -> None:
    [reply] = bot.say(text)
    assert reply.where == "ephemeral" and en in reply.text and zh in reply.text
    assert "Usage / 用法" in reply.text
    assert _count(bot) == 0


def test_request_without_text_opens_a_form_and_the_form_logs_once(bot: Harness) -> None:
    reply = bot.say("request")[0]
    assert reply.form is not None and reply.form.form_id == "request.new"
    names = [i.name for i in reply.form.inputs]
    assert names == ["description", "customer", "tier", "urgency", "arr", "area"]
    values = {
        "description": "Bulk user import",
        "customer": "Acme",
        "tier": "gold",
        "urgency": "high",
        "arr": "$50,000",
        "area": "",
    }
    first = bot.submit("request.new", values, private_value=reply.form.private_value)[0]
    again = bot.submit("request.new", values, private_value=reply.form.private_value)[0]
    assert first.title == "Logged feature request #1"
    assert again.title == "Already logged as #1"
    assert _count(bot) == 1


def test_form_with_bad_value_stores_nothing(bot: Harness) -> None:
    reply = bot.submit("request.new", {"description": "Bulk import", "tier": "platinum"}, private_value="{}")[
        0
    ]
    assert reply.where == "ephemeral" and "platinum" in reply.text
    assert _count(bot) == 0


def test_message_shortcut_prefills_the_form_and_keeps_the_link(bot: Harness) -> None:
    value = json.dumps(
        {
            "text": "Can we get SCIM provisioning?",
            "link": "https://acme.slack.com/archives/C1/p1",
            "author": "U9",
            "channel": "C1",
            "ts": "1.2",
        }
    )
    msg = IncomingMessage(
        platform="slack",
        conversation="C1",
        user="U1",
        kind=Kind.ACTION,
        action_id="request.from_message",
        action_value=value,
        trigger_id="t1",
    )
    reply = bot.app.router.handle(msg, bot.services)[0]
    assert reply.form is not None
    assert reply.form.inputs[0].initial == "Can we get SCIM provisioning?"
    logged = bot.submit(
        "request.new",
        {"description": "Can we get SCIM provisioning?", "customer": "Acme"},
        private_value=reply.form.private_value,
    )[0]
    assert {f.label: f.value for f in logged.fields}["Source"] == "https://acme.slack.com/archives/C1/p1"
    assert _request(bot, 1).source_link == "https://acme.slack.com/archives/C1/p1"


def test_feishu_thread_reply_keeps_a_link_to_the_thread_root(bot: Harness) -> None:
    msg = bot.message(
        "request 支持 SAML SSO 客户:某某银行",
        platform="feishu",
        user="ou_1",
        channel="oc_sales",
        thread="om_root",
        mention=False,
    )
    reply = bot.app.router.handle(msg, bot.services)[0]
    assert reply.title == "已记录需求 #1"
    assert _request(bot, 1).source_link == "feishu://oc_sales/om_root"
    # an ordinary thread message is not a request
    chatter = bot.message(
        "requested by the CFO yesterday", platform="feishu", user="ou_1", thread="om_root", mention=False
    )
    assert bot.app.router.handle(chatter, bot.services) == []


def test_retried_event_creates_one_request(bot: Harness) -> None:
    msg = bot.message("request SAML SSO customer:Acme", event_id="Ev1")
    bot.process(msg)
    bot.process(msg)
    assert _count(bot) == 1
    # same message delivered with another event id (Feishu redelivery) is still one request
    bot.process(msg.evolve(event_id="Ev2"))
    assert _count(bot) == 1


def test_robust_text_is_stored_and_shown_verbatim(bot: Harness) -> None:
    description = '<!channel> *bold* `x` ]]> {"blocks": []} 🚀 中文 ' + "é" * 3900
    reply = _log(bot, f'{description} customer:"<@U999> 😀 & Co"')
    assert reply.title == "已记录需求 #1"  # two Chinese characters: answered in Chinese
    row = _request(bot, 1)
    assert row.description == description
    shown = bot.say("requests show 1")[0]
    assert description in shown.text
    assert "<@U999> 😀 & Co" in shown.text  # what the user wrote is text, not a mention
    assert _log(bot, "x" * 4001).where == "ephemeral"
    assert _count(bot) == 1


# --- duplicates and merging ----------------------------------------------------------------------------


def test_similar_request_offers_join_and_double_click_merges_once(bot: Harness) -> None:
    _log(bot, "SAML SSO login customer:Acme tier:gold arr:120k", user="U1")
    reply = _log(
        bot,
        "支持 SAML SSO 登录 客户:某某银行 等级:钻石 紧急度:阻塞 金额:¥80万",
        platform="feishu",
        user="ou_1",
    )
    assert "#1" in reply.text and "SAML SSO login" in reply.text
    join, keep = reply.buttons
    assert join.action_id == "request.join" and "#1" in join.label
    assert keep.action_id == "request.keep"
    first = bot.click(join, user="ou_1", platform="feishu")[0]
    assert "2 customer" in first.text
    second = bot.click(join, user="ou_1", platform="feishu")[0]
    assert "Already" in second.text
    with bot.services.db.session() as session:
        customers = session.exec(select(RequestCustomer).where(col(RequestCustomer.request_id) == 1)).all()
    assert sorted(c.name for c in customers) == ["Acme", "某某银行"]
    target = _request(bot, 1)
    assert target.customer_count == 2 and target.total_arr_usd == 120_000 + 112_000
    assert target.priority == "P0"
    assert _request(bot, 2).status == "merged"
    assert [r.title for r in [target]] == ["SAML SSO login"]


def test_only_the_rep_or_a_pm_can_use_the_join_button(bot: Harness) -> None:
    _log(bot, "SAML SSO login", user="U1")
    reply = _log(bot, "SAML SSO login for admins", user="U2")
    denied = bot.click(reply.buttons[0], user="U3")[0]
    assert denied.where == "ephemeral" and "Only the rep" in denied.text
    assert _request(bot, 2).merged_into_id is None
    kept = bot.click(reply.buttons[1], user="U2")[0]
    assert "#2" in kept.text
    assert _request(bot, 2).is_open


def test_pm_merge_keeps_customers_arr_and_requesters_and_is_idempotent(bot: Harness) -> None:
    _log(bot, "Audit log export customer:Acme arr:100k", user="U1")
    _log(bot, "Export the audit trail customer:Globex tier:diamond arr:$200,000", user="U2")
    _log(bot, "导出审计日志 客户:某某银行 金额:¥100万", platform="feishu", user="ou_1")
    assert "Merged #2 into #1" in bot.say("requests merge 2 into 1", user="UPM")[0].text
    assert "合并" in bot.say("需求列表 合并 3 到 1", user="ou_pm", platform="feishu")[0].text
    again = bot.say("requests merge 2 into 1", user="UPM")[0]
    assert "already merged" in again.text
    target = _request(bot, 1)
    assert target.customer_count == 3
    assert target.total_arr_usd == 100_000 + 200_000 + 140_000
    # as Slack readers see it: Slack people mentioned, the Feishu requester by name (none known: a label)
    shown = bot.services.outbox.people.localize(bot.say("requests show 1")[0], platform="slack").text
    assert "Acme" in shown and "Globex" in shown and "某某银行" in shown
    assert (
        tokens("<@U1>") in shown
        and tokens("<@U2>") in shown
        and "a Feishu user" in shown
        and "ou_1" not in shown
    )
    # the merged requesters were told where their request went
    assert any("merged into #1" in p.reply.text for p in bot.slack.to(user="U2"))
    assert any("合并到 #1" in p.reply.text for p in bot.feishu.to(user="ou_1"))


def test_merging_a_merge_target_repoints_its_earlier_duplicates(bot: Harness) -> None:
    for text in ("SSO login", "SSO sign-in", "Single sign-on"):
        _log(bot, text)
    bot.say("requests merge 1 into 2", user="UPM")
    bot.say("requests merge 2 into 3", user="UPM")
    assert _request(bot, 1).merged_into_id == 3
    assert _request(bot, 3).customer_count == 0  # three times no customer named is still no customer


def test_a_request_without_a_customer_adds_no_phantom_reach(bot: Harness) -> None:
    reply = _log(bot, "ab")
    fields = {f.label: f.value for f in reply.fields}
    assert (fields["Priority"], fields["RICE"]) == ("P2", "0")  # normal × silver (the default tier), reach 0
    alone = _request(bot, 1)
    assert (alone.reach, alone.customer_count, alone.total_arr_usd) == (0, 0, 0)
    _log(bot, "cd arr:200k")
    with_arr = _request(bot, 2)
    assert (with_arr.reach, with_arr.customer_count, with_arr.total_arr_usd) == (2, 0, 200_000)  # ARR counts
    _log(bot, "Audit log export customer:Acme tier:gold urgency:high arr:100k")  # #3: reach 3 + 1
    before = _request(bot, 3)
    assert (before.reach, before.rice, before.customer_count) == (4, 2, 1)  # 4 × 2 × 50 % ÷ 2
    merged = bot.say("requests merge 1 into 3", user="UPM")[0].text
    assert "1 customer(s), ARR $100,000, RICE 2, P1" in merged  # was 2 customer(s), reach 6
    after = _request(bot, 3)
    assert (after.reach, after.rice, after.customer_count, after.total_arr_usd) == (4, 2, 1, 100_000)
    shown = bot.say("requests show 3")[0].text  # who logged it stays visible, marked as not counted
    assert "(unspecified) — silver, normal, $0 (" in shown
    assert "no customer named: not counted in reach" in shown
    assert "未指定客户：不计入覆盖面" in bot.say("需求 查看 3", platform="feishu", user="ou_1")[0].text
    bot.say("requests merge 2 into 3", user="UPM")
    assert _request(bot, 3).reach == 4 + 2  # #2's $200k, and still no phantom customer


def test_merge_history_reads_the_right_way_round_in_chinese(bot: Harness) -> None:
    _log(bot, "SSO login", user="U1")
    _log(bot, "SSO sign-in", user="U2")
    bot.say("requests merge 2 into 1", user="UPM")
    target = bot.say("需求 查看 1", platform="feishu", user="ou_1")[0].text
    assert "合并了 #2 «SSO sign-in»" in target and "并入" not in target  # 并入 #2 read "merged into #2"
    assert "合并到 #1" in bot.say("需求 查看 2", platform="feishu", user="ou_1")[0].text
    assert "absorbed #2 «SSO sign-in»" in bot.say("requests show 1")[0].text


def test_merge_mistakes(bot: Harness) -> None:
    _log(bot, "SSO", user="U1")
    assert "itself" in bot.say("requests merge 1 into 1", user="UPM")[0].text
    assert "no request #9" in bot.say("requests merge 9 into 1", user="UPM")[0].text
    assert "two ids" in bot.say("requests merge 1", user="UPM")[0].text


# --- permissions ---------------------------------------------------------------------------------------


def test_sales_users_are_refused_on_pm_commands(bot: Harness) -> None:
    _log(bot, "SSO")
    for text in (
        "requests triage 1 effort:2 confidence:80%",
        "requests status 1 planned",
        'requests priority 1 P0 reason:"big deal"',
        "requests merge 1 into 1",
    ):
        reply = bot.say(text, user="U1")[0]
        assert reply.where == "ephemeral"
        assert "role" in reply.text and "角色" in reply.text
    assert _request(bot, 1).status == "new"


# --- triage, status, priority --------------------------------------------------------------------------


def test_triage_sets_rice_and_notifies(bot: Harness) -> None:
    _log(bot, "SSO customer:Acme tier:gold urgency:high arr:100k")
    reply = bot.say("requests triage #1 effort:4 confidence:80%", user="UPM")[0]
    assert "RICE 1.6 = 4 × 2 × 80% ÷ 4" in reply.text
    row = _request(bot, 1)
    assert (row.status, row.effort_weeks, row.confidence, row.rice) == ("triaged", 4, 0.8, 1.6)
    assert any("triaged" in p.reply.text for p in bot.slack.to(user="U1"))
    bad = bot.say("requests triage 1 effort:0 confidence:80%", user="UPM")[0]
    assert "person-weeks" in bad.text and bad.where == "ephemeral"
    bad = bot.say("requests triage 1 effort:2 confidence:180%", user="UPM")[0]
    assert "0–100%" in bad.text
    assert "needs an id" in bot.say("requests triage 1 effort:2", user="UPM")[0].text


def test_status_change_notifies_every_requester_on_their_platform(bot: Harness) -> None:
    bot.process(bot.message("request SAML SSO login customer:Acme", user="U1", event_id="e1"))
    bot.process(
        bot.message("request SAML SSO 登录 客户:某某银行", platform="feishu", user="ou_1", event_id="e2")
    )
    bot.process(bot.message("requests merge 2 into 1", user="UPM", event_id="e3"))
    bot.slack.clear()
    bot.feishu.clear()
    bot.process(
        bot.message(
            'requests status 1 shipped release:3.2 "Enable it under Settings › SSO"',
            user="UPM",
            event_id="e4",
        )
    )
    slack_dm = bot.slack.to(user="U1")
    feishu_dm = bot.feishu.to(user="ou_1")
    assert len(slack_dm) == 1 and len(feishu_dm) == 1
    assert slack_dm[0].address.conversation is None
    assert "Acme's request #1 SAML SSO login shipped in 3.2." in slack_dm[0].reply.text
    assert "某某银行 的需求 #1 SAML SSO login 已在 3.2 中发布" in feishu_dm[0].reply.text
    assert "Enable it under Settings › SSO" in feishu_dm[0].reply.text
    confirmation = [p for p in bot.slack.posted if p.address.conversation == "C1"]
    assert "Notified 2 requester(s)" in confirmation[0].reply.text
    row = _request(bot, 1)
    assert (row.status, row.release, row.is_open) == ("shipped", "3.2", False)


def test_declining_needs_a_reason(bot: Harness) -> None:
    _log(bot, "Blockchain integration")
    reply = bot.say("requests status 1 declined", user="UPM")[0]
    assert "reason" in reply.text and "理由" in reply.text
    assert _request(bot, 1).status == "new"
    assert bot.slack.posted == []
    bot.say("requests status 1 declined not on the roadmap this year", user="UPM")
    assert _request(bot, 1).status == "declined"
    dm = bot.slack.to(user="U1")[0].reply.text
    assert "declined" in dm and "not on the roadmap this year" in dm


def test_status_usage_errors(bot: Harness) -> None:
    _log(bot, "SSO")
    assert "Unknown status" in bot.say("requests status 1 done", user="UPM")[0].text
    for status in ("merged", "已合并", "new"):  # a status a request can be in, but not one a PM sets
        refused = bot.say(f"requests status 1 {status}", user="UPM")[0].text
        assert "Allowed: triaged, planned, in-progress, shipped, declined." in refused, status
        assert (
            "可选：已分诊(triaged)、已排期(planned)、开发中(in-progress)、已发布(shipped)、已拒绝(declined)"
            in refused
        )
        assert "Usage / 用法" in refused
    assert "已排期" in bot.say("需求列表 状态 1 已排期", user="UPM")[0].text
    assert "needs an id" in bot.say("requests status 1", user="UPM")[0].text
    assert "no request #5" in bot.say("requests status 5 planned", user="UPM")[0].text
    assert "too long" in bot.say(f"requests status 1 shipped release:{'9' * 101}", user="UPM")[0].text
    bot.say("requests status 1 planned", user="UPM")
    assert "already planned" in bot.say("requests status 1 planned", user="UPM")[0].text
    assert (
        "已排期" in bot.say("需求列表 状态 1 开发中", user="UPM")[0].text
        or _request(bot, 1).status == "in-progress"
    )


def test_priority_override_needs_a_reason(bot: Harness) -> None:
    _log(bot, "SSO tier:bronze urgency:low")
    assert _request(bot, 1).priority == "P3"
    assert "reason" in bot.say("requests priority 1 P0", user="UPM")[0].text
    assert "P0–P3" in bot.say("requests priority 1 P7 reason:x", user="UPM")[0].text
    bot.say('requests priority 1 P0 reason:"renewal at risk"', user="UPM")
    row = _request(bot, 1)
    assert (row.priority, row.override_reason) == ("P0", "renewal at risk")
    assert "renewal at risk" in bot.say("requests show 1")[0].plain_text()


# --- browsing ------------------------------------------------------------------------------------------


def test_search_takes_like_wildcards_literally(any_db_bot: Harness) -> None:
    """`%` and `_` are LIKE wildcards: they must match only themselves (SQLite and PostgreSQL)."""
    bot = any_db_bot
    _log(bot, "Show 100% of the rows")
    _log(bot, "Rename snake_case fields")
    _log(bot, r"Keep \n escapes in exports")
    _log(bot, "Dark mode")
    for text, expected in (("%", "#1"), ("_", "#2"), ("\\", "#3"), ("e_c", "#2")):
        found = bot.say(f"requests search {text}")[0].text
        listed = re.findall(r"\*\*#(\d+)\*\*", found)
        assert listed == [expected.lstrip("#")], (text, found)
    assert "No request matches" in bot.say("requests search %%")[0].text


def test_top_mine_search(bot: Harness) -> None:
    _log(bot, "Dark mode customer:Small tier:bronze urgency:low", user="U1")
    _log(bot, "SAML SSO login customer:Big tier:diamond urgency:blocker arr:1m", user="U2")
    _log(bot, "Offline mobile app customer:Mid tier:gold", user="U1")
    top = bot.say("requests top 2")[0].text.splitlines()
    assert len(top) == 2 and "#2" in top[0] and "Big" in top[0]
    mine = bot.say("requests mine", user="U1")[0].text
    assert "#1" in mine and "#3" in mine and "#2" not in mine
    found = bot.say("requests search 单点登录")[0].text
    assert "#2" in found and "#1" not in found
    assert "No request matches" in bot.say("requests search kubernetes")[0].text
    assert bot.say("需求 top 1")[0].title == "前 1 个未关闭需求（按 RICE、ARR 排序）"
    assert "1 to 50" in bot.say("requests top 500")[0].text
    by_arr = bot.say("requests top arr 3")[0]
    assert by_arr.title == "Top 3 open requests by ARR"
    assert by_arr.text.splitlines()[0].startswith("• **#2**")
    assert bot.say("需求 排行 金额")[0].title == "按 ARR 排序的前 10 个未关闭需求"
    assert "Unknown subcommand" in bot.say("requests fly")[0].text
    assert "Requests you logged" in (bot.say("requests mine", user="U9")[0].title or "")


def test_show_explains_rice_and_history(bot: Harness) -> None:
    _log(bot, "SSO customer:Acme tier:gold arr:¥80万")
    bot.say("requests triage 1 effort:2 confidence:100%", user="UPM")
    shown = bot.say("requests show #1")[0]
    fields = {f.label: f.value for f in shown.fields}
    assert fields["RICE"].startswith(f"{_request(bot, 1).rice:g} = ")
    assert "¥80万" in shown.text
    assert "new → triaged" in shown.text
    assert "Which request" in bot.say("requests show")[0].text
    assert "request id" in bot.say("requests show abc")[0].text


def test_export_is_a_csv_attachment_with_every_request(bot: Harness) -> None:
    _log(bot, '=HYPERLINK("http://evil") customer:Acme arr:100k')
    _log(bot, "支持 SAML SSO 登录 客户:某某银行", platform="feishu", user="ou_1")
    reply = bot.say("requests export")[0]
    assert reply.attachment is not None and reply.attachment.filename.endswith(".csv")
    assert reply.where == "dm"
    rows = list(csv.DictReader(io.StringIO(reply.attachment.content)))
    assert [r["id"] for r in rows] == ["1", "2"]
    assert rows[0]["title"].startswith("'=HYPERLINK")  # disarmed for spreadsheets
    assert rows[1]["customers"].startswith("某某银行")
    assert rows[1]["requesters"] == "feishu:ou_1"


def test_help_explains_priority_and_rice(bot: Harness) -> None:
    text = bot.say("help requests")[0].text
    assert "RICE" in text and "Reach × Impact × Confidence ÷ Effort" in text and "P0" in text
    zh = bot.say("帮助 需求")[0].text
    assert "覆盖面 × 影响 × 信心 ÷ 工作量" in zh


def test_configured_embeddings_are_used_when_logging(bot: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bot.services.knowledge, "embedder", FakeEmbedder())
    _log(bot, "SAML SSO login for the admin console with Okta and Azure AD groups")
    reply = _log(bot, "Okta sign-in for admin users", user="U2")
    assert reply.buttons and "#1" in reply.buttons[0].label


def test_request_with_misspelt_options_stores_nothing(bot: Harness) -> None:
    [reply] = bot.say("request Bulk edit customer:Umbrella teir:diamond urgancy:blocker", user="U1")
    assert reply.where == "ephemeral" and "did you mean `tier:`" in reply.text and "是不是想写" in reply.text
    with bot.services.db.session() as session:
        assert session.exec(select(FeatureRequest)).first() is None
    for text in (
        "announce release product:X version:1 date:2027-01-05 channels:slack:C9 higlights:x",
        "schedule add sync weekly mon 10:00 chanels:slack:C9",
        "requests status 1 planned relase:5.3",
    ):
        [refused] = bot.say(text, user="UPM")
        assert "did you mean" in refused.text and "未知选项" in refused.text, text


def test_planned_with_a_release_stores_it_and_show_and_export_show_it(bot: Harness) -> None:
    bot.say("request Bulk edit of deals customer:Umbrella tier:gold", user="U1")
    [moved] = bot.say("requests status 1 planned release:5.3", user="UPM")
    assert "**planned** in 5.3" in moved.text
    with bot.services.db.session() as session:
        planned = session.get(FeatureRequest, 1)
        assert planned is not None and planned.release == "5.3"
    [shown] = bot.say("requests show 1", user="U1")
    assert any(f.value == "5.3" for f in shown.fields)
    with bot.services.db.session() as session:
        assert "5.3" in export_csv(session=session).splitlines()[1]
    notice = [p.reply for p in bot.slack.posted if p.address.user == "U1"][-1]
    assert "planned** for 5.3" in notice.text and "目标版本 5.3" in notice.text
    [again] = bot.say("requests status 1 planned release:5.4", user="UPM")  # a new target release
    assert "5.4" in again.text
    [refused] = bot.say("requests status 1 triaged release:5.4", user="UPM")
    assert refused.where == "ephemeral" and "planned, in-progress or shipped" in refused.text


def test_form_reports_every_wrong_field_at_once_and_stores_nothing(bot: Harness) -> None:
    values = {"description": "", "tier": "platinum", "urgency": "soonish", "arr": "lots", "area": "x" * 101}
    [reply] = bot.submit("request.new", values, private_value="{}")
    assert reply.where == "ephemeral" and reply.title and "请修改" in reply.title
    for name, needle in (
        ("description", "Describe what the customer needs"),
        ("tier", "diamond"),
        ("urgency", "soonish"),
        ("arr", "lots"),
        ("area", "at most 100"),
    ):
        assert f"`{name}`:" in reply.text and needle in reply.text, name
    assert _count(bot) == 0
    assert bot.app.router.validate_form(
        bot.message("", kind=Kind.FORM, form_id="request.new", form=values), bot.services
    ).keys() == {"description", "tier", "urgency", "arr", "area"}


def test_request_text_with_several_bad_options_names_them_all(bot: Harness) -> None:
    [reply] = bot.say("request Bulk edit tier:platinum urgency:soonish arr:lots", user="U1")
    assert "platinum" in reply.text and "soonish" in reply.text and "lots" in reply.text
    assert "未知的客户等级" in reply.text and "Usage" in reply.text
    assert _count(bot) == 0


_ASCII_WORD = re.compile(r"[A-Za-z]{2,}")
_TERMS = {"ARR", "RICE"}  # product terms Chinese sales teams use as they are


def _english_words(reply: Reply) -> set[str]:
    texts = [reply.title or "", *(f"{f.label} {f.value}" for f in reply.fields)]
    return {w for t in texts for w in _ASCII_WORD.findall(t)} - _TERMS


def test_chinese_request_replies_carry_no_english_labels(bot: Harness) -> None:
    logged = bot.say("需求 批量编辑客户资料", user="ou_1", platform="feishu")[0]
    assert "通用" in {f.value for f in logged.fields} and "（未指定）（银牌）" not in logged.fields[2].value
    assert not _english_words(logged), logged.fields  # was "模块: general", "(unspecified)"
    shown = bot.say("需求列表 查看 1", user="ou_1", platform="feishu")[0]
    assert not _english_words(shown), shown.fields
    assert "（未指定）" in shown.text and "(unspecified)" not in shown.text
    english = bot.say("requests show 1")[0]
    assert "general" in {f.value for f in english.fields} and "(unspecified)" in english.text
