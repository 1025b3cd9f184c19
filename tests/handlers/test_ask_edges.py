"""Questions, PM answers and FAQ entries at their edges: answers without words, odd ids, several asks with a
part the knowledge base does not cover, re-verification by answering again. Over the sample knowledge base."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.models.qa import QaEscalation
from tests.fakes.harness import Harness
from tests.handlers.test_ask import (
    PAYPAL_ANSWER,
    UNKNOWN,
    escalation_posts,
    only,
)


def answers_sent(bot: Harness) -> list[str]:
    return [p.reply.text for p in bot.slack.posted if "product team" in (p.reply.title or "")]


# --- answers and FAQ entries without words ---------------------------------------------------------------


@pytest.mark.parametrize("text", ["answer 1 .", "回答 1 。", "answer 1 👍", "answer 1 ?!"])
def test_an_answer_without_words_is_refused_and_replaces_nothing(kb_bot: Harness, text: str) -> None:
    kb_bot.say(UNKNOWN, user="U1", channel="C1")
    only(kb_bot.say(f"answer 1 {PAYPAL_ANSWER}", user="UPM"))
    refused = only(kb_bot.say(text, user="UPM"))
    assert refused.where == "ephemeral" and "no words" in refused.text and "没有文字" in refused.text
    assert "answer <id> <text>" in refused.text  # the usage
    assert answers_sent(kb_bot) == [answers_sent(kb_bot)[0]]  # no "Corrected answer"
    with kb_bot.services.db.session() as session:
        escalation = session.get(QaEscalation, 1)
        assert escalation is not None and escalation.answer == PAYPAL_ANSWER
    assert "PayPal" in only(kb_bot.say("Can customers pay with PayPal?", user="U9")).text


def test_an_answer_form_without_words_is_refused(kb_bot: Harness) -> None:
    kb_bot.say(UNKNOWN, user="U1", channel="C1")
    refused = only(kb_bot.submit("kb.answer", {"answer": "..."}, private_value="1", user="UPM"))
    assert "no words" in refused.text and not answers_sent(kb_bot)
    with kb_bot.services.db.session() as session:
        escalation = session.get(QaEscalation, 1)
        assert escalation is not None and escalation.status == "open"


def test_kb_add_without_words_in_the_text_saves_nothing(kb_bot: Harness) -> None:
    refused = only(kb_bot.say(f"kb add {UNKNOWN} | .", user="UPM"))
    assert refused.where == "ephemeral" and "needs some words" in refused.text and "未保存" in refused.text
    answer = only(kb_bot.say("Can customers pay with PayPal?"))
    assert not any(c.source.startswith("faq:") for c in answer.citations)


# --- questions without words ---------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["ask ?", "提问 ？", "ask 🙂", "提问 。。。"])
def test_a_question_without_words_gets_the_bilingual_usage(kb_bot: Harness, text: str) -> None:
    reply = only(kb_bot.say(text))
    assert "What would you like to know" in reply.text and "你想了解什么" in reply.text
    assert "提问 <问题>" in reply.text  # the usage
    assert not escalation_posts(kb_bot)


# --- the id of `answer` ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        f"answer #1: {PAYPAL_ANSWER}",
        f"answer 1, {PAYPAL_ANSWER}",
        "回答 1：可以，支持 PayPal。",
        "回答 #1，可以。",
    ],
)
def test_an_answer_may_follow_the_id_after_a_colon_or_comma(kb_bot: Harness, text: str) -> None:
    kb_bot.say(UNKNOWN, user="U1", channel="C1")
    reply = only(kb_bot.say(text, user="UPM"))
    assert "1 asker" in reply.text or "1 位提问人" in reply.text
    sent = answers_sent(kb_bot)
    assert len(sent) == 1 and not sent[0].rstrip().endswith((":", "：", ",", "，"))
    with kb_bot.services.db.session() as session:
        escalation = session.get(QaEscalation, 1)
        assert escalation is not None and escalation.answer[:1] not in ":：,，"


@pytest.mark.parametrize(("text", "expected"), [("answer 1abc text", "'1abc'"), ("answer 1:", "missing")])
def test_a_glued_or_answerless_id_is_still_a_usage_error(kb_bot: Harness, text: str, expected: str) -> None:
    kb_bot.say(UNKNOWN, user="U1", channel="C1")
    reply = only(kb_bot.say(text, user="UPM"))
    assert expected in reply.text and "answer <id> <text>" in reply.text and not answers_sent(kb_bot)


# --- several asks, one not covered ----------------------------------------------------------------------

SEVERAL = "Does Enterprise include SSO? And does LumenCRM integrate with Splunk?"


def test_ask_a_pm_under_several_asks_escalates_only_the_uncovered_one(kb_bot: Harness) -> None:
    reply = only(kb_bot.say(SEVERAL, user="U1", channel="C1"))
    assert "does not cover this part" in reply.text
    ask_pm = next(b for b in reply.buttons if b.action_id == "kb.escalate")
    only(kb_bot.click(ask_pm, user="U1", channel="C1"))
    posts = escalation_posts(kb_bot)
    assert len(posts) == 2 and all(p.text == "> Does LumenCRM integrate with Splunk?" for p in posts)
    only(kb_bot.say("answer 1 No native Splunk integration; use the webhook API.", user="UPM"))
    sent = answers_sent(kb_bot)
    assert len(sent) == 1 and "Does LumenCRM integrate with Splunk?_" in sent[0] and "SSO" not in sent[0]
    # The FAQ entry answers the Splunk ask alone: the same question again gets both parts answered,
    # the SSO one still from the product documentation.
    again = only(kb_bot.say(SEVERAL, user="U2"))
    sso, splunk = again.text.split("**2.", 1)
    assert "Single sign-on" in sso and "faq:escalation-1" not in [
        c.source for c in again.citations if f"[{c.index}]" in sso
    ]
    assert "webhook API" in splunk
    with kb_bot.services.db.session() as session:
        escalation = session.get(QaEscalation, 1)
        assert escalation is not None and escalation.question == "Does LumenCRM integrate with Splunk?"


def test_the_uncovered_chinese_ask_is_escalated_without_its_conjunction(kb_bot: Harness) -> None:
    reply = only(kb_bot.say("企业版支持单点登录吗？另外能接入 Splunk 吗？", user="U1"))
    ask_pm = next(b for b in reply.buttons if b.action_id == "kb.escalate")
    assert "产品经理" in only(kb_bot.click(ask_pm, user="U1")).text
    assert escalation_posts(kb_bot)[0].text == "> 能接入 Splunk 吗？"


# --- re-verifying by answering again ---------------------------------------------------------------------


def test_the_same_answer_again_re_verifies_an_overdue_faq_entry(kb_bot: Harness) -> None:
    kb_bot.say(UNKNOWN, user="U1", channel="C1")
    only(kb_bot.say(f"answer 1 {PAYPAL_ANSWER}", user="UPM"))
    kb_bot.clock.advance(timedelta(days=200))  # past SALESBRIDGE_FAQ_VERIFY_DAYS (180)
    overdue = only(kb_bot.say("Can customers pay with PayPal?", user="U9"))
    assert any("unverified since" in note for note in overdue.context)
    repeat = only(kb_bot.say(f"answer 1 {PAYPAL_ANSWER}", user="UPM"))
    assert "nothing was sent again" in repeat.text and "re-verified until 2027-12-08" in repeat.text
    assert len(answers_sent(kb_bot)) == 1
    again = only(kb_bot.say("Can customers pay with PayPal?", user="U9"))
    assert "PayPal" in again.text and not any("unverified" in note for note in again.context)
