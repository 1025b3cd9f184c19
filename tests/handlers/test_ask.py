"""Knowledge-base questions through the whole bot: answers with citations, escalation to PM channels on both
platforms, PM answers (button form and command) back into the asker's thread, FAQ round trip, feedback,
thread follow-ups, permissions and usage messages. Uses the real KnowledgeBase over `samples/knowledge/`."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import col, select

from bot.messages import Button, Reply
from bot.models.qa import QaQuestion
from knowledge.ingest import ingest_paths
from tests.fakes.chat import tokens
from tests.fakes.harness import Harness
from tests.sample_kb import SAMPLES, copy_database

UNKNOWN = "Can customers pay their invoices with PayPal?"
PAYPAL_ANSWER = (
    "Yes. Since November 2026 invoices can be paid with PayPal in USD and EUR; card and wire work as before."
)


def only(replies: list[Reply]) -> Reply:
    assert len(replies) == 1, replies
    return replies[0]


def button(reply: Reply, prefix: str) -> Button:
    return next(b for b in reply.buttons if b.action_id.startswith(prefix))


def escalation_posts(bot: Harness) -> list[Reply]:
    return [
        p.reply
        for port in (bot.slack, bot.feishu)
        for p in port.posted
        if p.reply.title and p.reply.title.startswith("❓")
    ]


# --- answers ------------------------------------------------------------------------------------------


def test_english_question_gets_extractive_answer_with_citation(kb_bot: Harness) -> None:
    reply = only(kb_bot.say("Do we support HIPAA?"))
    assert "not HIPAA compliant" in reply.text and "[1]" in reply.text
    assert reply.citations[0].title == "Sales FAQ"
    assert reply.citations[0].section == "Does LumenCRM support HIPAA?"
    assert reply.citations[0].source == "en/faq.md" and str(reply.citations[0].updated) == "2026-11-02"
    assert {b.action_id for b in reply.buttons} == {"kb.feedback.up", "kb.feedback.down"}
    assert reply.where == "thread"


def test_chinese_question_is_answered_from_chinese_docs(kb_bot: Harness) -> None:
    reply = only(kb_bot.say("客户想知道有没有本地部署版本"))
    assert reply.text.startswith("知识库中的相关内容")
    assert "没有" in reply.text and "停售" in reply.text
    assert all(c.source.startswith("zh/") for c in reply.citations)
    assert "👍 有帮助" in [b.label for b in reply.buttons]


def test_mixed_language_question(kb_bot: Harness) -> None:
    reply = only(kb_bot.say("成长版的 API 每天能调用多少次？"))
    assert "100,000" in reply.text
    assert reply.citations and reply.citations[0].source.startswith("zh/")


def test_ask_command_and_chinese_alias(kb_bot: Harness) -> None:
    assert "not HIPAA compliant" in only(kb_bot.command("ask Do we support HIPAA?")).text
    assert "没有" in only(kb_bot.say("提问 有本地部署版本吗")).text


def test_stale_document_is_flagged(kb_bot: Harness) -> None:
    reply = only(kb_bot.say("How does LumenCRM compare with HubSpot Sales Hub?"))
    stale = [c for c in reply.citations if c.stale]
    assert stale and stale[0].source == "en/competitor-comparison.md"
    assert any("2025-06-30" in note and "365 days" in note for note in reply.context)
    assert reply.color == "warning"


def test_staleness_threshold_is_configurable(sample_database: Path, tmp_path: Path) -> None:
    bot = Harness.create(
        copy_database(sample_database, tmp_path), migrate=False, SALESBRIDGE_KB_STALE_DAYS=1000
    )
    try:
        reply = only(bot.say("How does LumenCRM compare with HubSpot Sales Hub?"))
        assert reply.citations and not any(c.stale for c in reply.citations)
    finally:
        bot.close()


def test_placeholder_is_replaced_by_the_answer(kb_bot: Harness) -> None:
    kb_bot.process(kb_bot.message("Do we support HIPAA?"))
    assert [p.reply.text for p in kb_bot.slack.posted] == ["Looking it up…"]
    sent, reply = kb_bot.slack.updates[0]
    assert sent.message_id == kb_bot.slack.posted[0].message_id and "HIPAA" in reply.text


# --- escalation round trip ----------------------------------------------------------------------------


def test_unknown_question_escalates_to_pm_channels_on_both_platforms(kb_bot: Harness) -> None:
    kb_bot.feishu.names["ou_rep"] = "Lily Chen"  # what Feishu's contact API says
    msg = kb_bot.message(UNKNOWN, platform="feishu", channel="oc_sales", user="ou_rep")
    kb_bot.process(msg)
    _, answer = kb_bot.feishu.updates[0]
    assert "I don't know" in answer.text and "#1" in answer.text
    slack_post = only([p.reply for p in kb_bot.slack.to(conversation="CPM")])
    feishu_post = only([p.reply for p in kb_bot.feishu.to(conversation="oc_pm")])
    for post in (slack_post, feishu_post):
        assert UNKNOWN in post.text
        assert button(post, "kb.answer").value == "1"
        assert "answer 1" in post.context[0]
    assert tokens("<@ou_rep>") in feishu_post.fields[0].value  # a native mention on the asker's platform
    assert slack_post.fields[0].value == "Lily Chen"  # her name on the other one, never her id


def test_chinese_unknown_question_says_so_in_chinese(kb_bot: Harness) -> None:
    reply = only(kb_bot.say("客户问能不能用支付宝付款？"))
    assert reply.text.startswith("我不知道") and "产品经理" in reply.text


def test_pm_answers_with_button_form_back_to_askers_thread_then_faq(kb_bot: Harness) -> None:
    kb_bot.slack.names["UPM"] = "Pat Lee"  # what Slack's users.info says
    ask = kb_bot.message(UNKNOWN, platform="feishu", channel="oc_sales", user="ou_rep")
    kb_bot.process(ask)
    post = only([p.reply for p in kb_bot.slack.to(conversation="CPM")])
    # A sales rep cannot answer; a PM gets the form.
    denied = only(kb_bot.click(button(post, "kb.answer"), user="U7"))
    assert denied.where == "ephemeral" and "pm" in denied.text
    form = only(kb_bot.click(button(post, "kb.answer"), user="UPM", channel="CPM")).form
    assert form is not None and form.form_id == "kb.answer" and form.private_value == "1"
    assert form.inputs[0].label == UNKNOWN
    confirmation = only(kb_bot.submit("kb.answer", {"answer": PAYPAL_ANSWER}, private_value="1", user="UPM"))
    assert "1 asker" in confirmation.text
    # The answer lands in the asker's Feishu thread.
    delivered = [p for p in kb_bot.feishu.posted if p.reply.title == "Answer from the product team"]
    assert len(delivered) == 1
    assert delivered[0].address.conversation == "oc_sales" and delivered[0].address.thread == ask.thread
    assert PAYPAL_ANSWER in delivered[0].reply.text and tokens("<@ou_rep>") in delivered[0].reply.text
    assert "Pat Lee" in delivered[0].reply.context[0] and "UPM" not in delivered[0].reply.context[0]
    # The next rep gets it straight from the knowledge base, attributed to the PM.
    again = only(kb_bot.say("Can customers pay with PayPal?", user="U9"))
    assert "PayPal" in again.text and again.citations[0].source == "faq:escalation-1"
    assert any(tokens("<@UPM>") in note for note in again.context)
    assert len(escalation_posts(kb_bot)) == 2  # no new escalation


def test_pm_answers_with_command_and_repeated_answers_are_idempotent(kb_bot: Harness) -> None:
    kb_bot.say(UNKNOWN, user="U1", channel="C1")
    kb_bot.say(f"  {UNKNOWN}?", user="U2", channel="C2")  # the same question: joins the escalation
    assert len(escalation_posts(kb_bot)) == 2  # posted once per PM channel, not twice
    confirmation = only(kb_bot.say(f"answer 1 {PAYPAL_ANSWER}", user="UPM", channel="CPM"))
    assert "2 asker" in confirmation.text
    answers = [p for p in kb_bot.slack.posted if p.reply.title == "Answer from the product team"]
    assert sorted(p.address.conversation or "" for p in answers) == ["C1", "C2"]
    # The same answer again (a double submit): nothing is re-sent.
    repeat = only(kb_bot.say(f"回答 #1 {PAYPAL_ANSWER}", user="UPM", channel="CPM"))
    assert repeat.where == "ephemeral" and "already" in repeat.text
    assert len([p for p in kb_bot.slack.posted if "product team" in (p.reply.title or "")]) == 2
    # A different answer is a correction: sent again, FAQ replaced.
    correction = only(kb_bot.say("answer 1 No, PayPal is not supported; use card or wire.", user="UPM"))
    assert "Updated" in correction.text
    corrected = [p for p in kb_bot.slack.posted if p.reply.title == "Corrected answer from the product team"]
    assert len(corrected) == 2
    assert "not supported" in only(kb_bot.say("Can customers pay with PayPal?", user="U9")).text


def test_escalation_without_pm_channels_still_recorded(sample_database: Path, tmp_path: Path) -> None:
    bot = Harness.create(copy_database(sample_database, tmp_path), migrate=False, SALESBRIDGE_PM_CHANNELS="")
    try:
        reply = only(bot.say(UNKNOWN))
        assert "SALESBRIDGE_PM_CHANNELS" in reply.text and not escalation_posts(bot)
        assert "1 asker" in only(bot.say(f"answer 1 {PAYPAL_ANSWER}", user="UPM")).text
    finally:
        bot.close()


# --- feedback -----------------------------------------------------------------------------------------


def test_feedback_one_vote_per_user_changeable(kb_bot: Harness) -> None:
    answer = only(kb_bot.say("Do we support HIPAA?"))
    up, down = button(answer, "kb.feedback.up"), button(answer, "kb.feedback.down")
    first = only(kb_bot.click(up, user="U1"))
    assert first.where == "ephemeral" and "👍 1 · 👎 0" in first.text
    again = only(kb_bot.click(up, user="U1"))
    assert "already" in again.text and "👍 1 · 👎 0" in again.text
    changed = only(kb_bot.click(down, user="U1"))
    assert "Changed" in changed.text and "👍 0 · 👎 1" in changed.text
    other = only(kb_bot.click(up, user="U2"))
    assert "👍 1 · 👎 1" in other.text


def test_down_vote_offers_escalation_and_shows_in_gaps(kb_bot: Harness) -> None:
    answer = only(kb_bot.say("Which languages does the user interface support?"))
    reply = only(kb_bot.click(button(answer, "kb.feedback.down"), user="U1"))
    escalate = button(reply, "kb.escalate")
    gaps = only(kb_bot.say("kb gaps", user="UPM"))
    assert "Which languages" in gaps.text and "👎 1" in gaps.text
    note = only(kb_bot.click(escalate, user="U1"))
    assert "#1" in note.text and len(escalation_posts(kb_bot)) == 2
    assert "already" in only(kb_bot.click(escalate, user="U1")).text


def test_kb_gaps_most_frequent_first(kb_bot: Harness) -> None:
    for user in ("U1", "U2", "U3"):
        kb_bot.say(UNKNOWN, user=user)
    kb_bot.say("Does LumenCRM run on IBM mainframes?", user="U4")
    gaps = only(kb_bot.say("知识库 缺口", user="UPM"))
    lines = gaps.text.splitlines()
    assert "3×" in lines[0] and "PayPal" in lines[0] and "mainframes" in lines[1]
    kb_bot.say(f"answer 1 {PAYPAL_ANSWER}", user="UPM")
    assert "PayPal" not in only(kb_bot.say("kb gaps", user="UPM")).text


# --- thread follow-up ---------------------------------------------------------------------------------


def test_follow_up_in_thread_uses_earlier_question(kb_bot: Harness) -> None:
    first = kb_bot.message("How long is the audit log kept on Growth?")
    kb_bot.app.router.handle(first, kb_bot.services)
    follow = only(kb_bot.say("And on Enterprise?", thread=first.thread))
    assert "3 years" in follow.text
    with kb_bot.services.db.session() as session:
        rows = list(session.exec(select(QaQuestion).order_by(col(QaQuestion.id))))
    assert rows[-1].question == "And on Enterprise?" and "audit log" in rows[-1].search_query
    # The thread now remembers the follow-up (with its context) for the next one.
    assert "90 days" in only(kb_bot.say("What about Growth?", thread=first.thread)).text


def test_a_new_short_question_in_a_thread_is_not_answered_from_the_earlier_one(kb_bot: Harness) -> None:
    first = kb_bot.message("How long is the audit log kept on Growth?")
    kb_bot.app.router.handle(first, kb_bot.services)
    # short, like a follow-up, but about something else the knowledge base never mentions: read with the
    # thread it was answered from the audit-log sections
    reply = only(kb_bot.say("LumenCRM 支持 WhatsApp 吗？", thread=first.thread))
    assert "审计" not in reply.text and "audit" not in reply.text.lower(), reply.text


# --- kb add ---------------------------------------------------------------------------------------------


def test_kb_add_by_pm_is_answered_next(kb_bot: Harness) -> None:
    reply = only(kb_bot.say(f"kb add {UNKNOWN} | {PAYPAL_ANSWER}", user="UPM"))
    assert "Added" in reply.text
    answer = only(kb_bot.say("Can customers pay with PayPal?"))
    assert "PayPal" in answer.text and answer.citations[0].source.startswith("faq:chat-")
    # Re-adding the same title updates the entry instead of duplicating it.
    only(kb_bot.say(f"知识库 添加 {UNKNOWN} ｜ Not yet; planned for 2027.", user="UPM"))
    assert "2027" in only(kb_bot.say("Can customers pay with PayPal?")).text


# --- permissions and usage ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["answer 1 yes", "回答 1 可以", "kb add T | x", "kb gaps"],
)
def test_pm_commands_are_refused_to_sales(kb_bot: Harness, text: str) -> None:
    reply = only(kb_bot.say(text, user="U1"))
    assert reply.where == "ephemeral" and "pm" in reply.text and "角色" in reply.text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ask", "What would you like to know"),
        ("answer", "Which question"),
        ("answer abc some text", "Expected a question id"),
        ("answer 7", "missing"),
        ("answer 99 text", "No escalated question #99"),
        ("kb", "Usage"),
        ("kb frobnicate", "Unknown subcommand"),
        ("kb add only a title", "title and a text"),
        ("kb add | text only", "title and a text"),
        ("kb gaps soon", "number of days"),
        ("ask " + "x" * 1200, "too long"),
    ],
)
def test_bad_input_gets_bilingual_usage(kb_bot: Harness, text: str, expected: str) -> None:
    reply = only(kb_bot.say(text, user="UPM"))
    assert reply.where == "ephemeral" and expected in reply.text
    assert any("\u4e00" <= ch <= "\u9fff" for ch in reply.text)  # Chinese too


def test_bad_buttons_and_forms_never_crash(kb_bot: Harness) -> None:
    assert (
        "No answer #404"
        in only(kb_bot.click(Button(action_id="kb.feedback.up", label="x", value="404"))).text
    )
    assert "Expected" in only(kb_bot.click(Button(action_id="kb.feedback.down", label="x", value="zz"))).text
    assert (
        "Unknown feedback"
        in only(kb_bot.click(Button(action_id="kb.feedback.sideways", label="x", value="1"))).text
    )
    empty = only(kb_bot.submit("kb.answer", {"answer": "  "}, private_value="1", user="UPM"))
    assert "empty" in empty.text
    missing = only(kb_bot.submit("kb.answer", {"answer": "x"}, private_value="5", user="UPM"))
    assert "#5" in missing.text
    assert "pm" in only(kb_bot.submit("kb.answer", {"answer": "x"}, private_value="1", user="U1")).text


def test_round_trip_on_every_database(any_db_bot: Harness) -> None:
    """Question → escalation → PM answer in the asker's thread → next ask answered (SQLite and PostgreSQL)."""
    ingest_paths(any_db_bot.services.knowledge, [SAMPLES])
    assert "HIPAA" in only(any_db_bot.say("Do we support HIPAA?")).text
    ask = any_db_bot.message(UNKNOWN, platform="slack", channel="C5", user="U5")
    any_db_bot.process(ask)
    assert len(escalation_posts(any_db_bot)) == 2
    assert (
        "1 asker" in only(any_db_bot.say(f"answer 1 {PAYPAL_ANSWER}", user="ou_pm", platform="feishu")).text
    )
    delivered = [p for p in any_db_bot.slack.posted if p.reply.title == "Answer from the product team"]
    assert [(p.address.conversation, p.address.thread) for p in delivered] == [("C5", ask.thread)]
    assert "a Feishu user" in delivered[0].reply.context[0]  # no name known: a label, never the raw id
    assert "ou_pm" not in delivered[0].reply.context[0]
    assert only(any_db_bot.say("Can customers pay with PayPal?")).citations[0].source == "faq:escalation-1"


@pytest.mark.parametrize("text", ["hi", "thanks!", "你好", "ok"])
def test_small_talk_is_not_escalated(kb_bot: Harness, text: str) -> None:
    reply = only(kb_bot.say(text, dm=True))
    assert "full" in reply.text or "完整" in reply.text
    assert not escalation_posts(kb_bot)


def test_other_pm_channels_learn_the_question_was_answered(kb_bot: Harness) -> None:
    kb_bot.say(UNKNOWN)
    only(kb_bot.say(f"answer 1 {PAYPAL_ANSWER}", user="UPM", channel="CPM"))
    notes = [p for p in kb_bot.feishu.to(conversation="oc_pm") if p.reply.text.startswith("✅ #1")]
    assert len(notes) == 1 and "a Slack user" in notes[0].reply.context[0]
    assert "UPM" not in notes[0].reply.context[0]
    assert not [p for p in kb_bot.slack.to(conversation="CPM") if p.reply.text.startswith("✅")]


def test_answer_delivery_interrupted_before_the_faq_is_completed_by_a_retry(
    kb_bot: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    kb_bot.say(UNKNOWN, user="U1", channel="C1")
    knowledge = kb_bot.services.knowledge

    def broken(**_kwargs: object) -> int:
        raise RuntimeError("database went away")

    with monkeypatch.context() as patch:
        patch.setattr(knowledge, "add_document", broken)
        failed = only(kb_bot.say(f"answer 1 {PAYPAL_ANSWER}", user="UPM"))
        assert failed.color == "danger"  # the router's polite crash reply
    retried = only(kb_bot.say(f"answer 1 {PAYPAL_ANSWER}", user="UPM"))
    assert "1 asker" in retried.text
    assert "PayPal" in only(kb_bot.say("Can customers pay with PayPal?")).text
    again = only(kb_bot.say(f"answer 1 {PAYPAL_ANSWER}", user="UPM"))
    assert "already" in again.text
    assert len([p for p in kb_bot.slack.posted if p.reply.title == "Answer from the product team"]) == 1


# --- everyday sales questions over the sample knowledge base ---------------------------------------------


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("what does Growth cost?", "59 USD"),  # the wording of a heading elsewhere must not decide support
        ("Does LumenCRM support SSO?", "SSO"),  # "Does LumenCRM support HIPAA?" states another question
        ("Do we support HIPAA?", "HIPAA"),
        ("企业版有几个沙箱？", "2 个沙箱"),
    ],
)
def test_everyday_questions_lead_with_the_answer(kb_bot: Harness, question: str, expected: str) -> None:
    reply = only(kb_bot.say(question))
    first_quote = reply.text.split("\n")[1]
    assert expected in first_quote, reply.text


def test_a_chinese_answer_cites_in_chinese(kb_bot: Harness) -> None:
    reply = only(kb_bot.say("LumenCRM 和 HubSpot Sales Hub 相比怎么样？"))
    assert reply.citations and {c.language for c in reply.citations} == {"zh"}
    assert any(c.stale for c in reply.citations)  # the comparison is older than the threshold


def test_each_and_per_say_nothing_in_chinese_as_in_english(kb_bot: Harness) -> None:
    # 每个 ("each") was a rare, heavy word: it picked the Starter row ("每个组织 10 GB") over Growth's price
    reply = only(kb_bot.say("成长版每个用户多少钱？"))
    assert "成长版 59 美元" in reply.text, reply.text

