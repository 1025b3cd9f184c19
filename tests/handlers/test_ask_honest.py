"""Honest answers through the whole bot over the sample knowledge base: "not sure" with Ask a PM, several
asks, internal documents, end-of-sale notes; and with the bundled model, a PM answer given in Chinese
serving the English paraphrase (and not a question about another payment method)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from knowledge.embedding import bundled_unavailable_reason
from tests.fakes.chat import tokens
from tests.fakes.harness import Harness
from tests.handlers.announcements.helpers import eos_text, publish
from tests.handlers.test_ask import escalation_posts, only
from tests.sample_kb import build_sample_database, copy_database

needs_model = pytest.mark.skipif(bundled_unavailable_reason() is not None, reason="bundled model unavailable")


# The product's default: lexical + the bundled semantic model (the decision weighs both).
pytestmark = pytest.mark.skipif(bundled_unavailable_reason() is not None, reason="bundled model unavailable")


@pytest.fixture(scope="module")
def sample_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_sample_database(tmp_path_factory.mktemp("kb"), embedded=True)


@pytest.fixture
def kb_bot(sample_database: Path, tmp_path: Path) -> Iterator[Harness]:
    harness = Harness.create(
        copy_database(sample_database, tmp_path), migrate=False, SALESBRIDGE_EMBEDDINGS="bundled"
    )
    yield harness
    harness.close()


def test_weak_evidence_says_not_sure_with_ask_a_pm_and_no_verdict(kb_bot: Harness) -> None:
    """The issue's case: `客户能用 Teams 吗` was answered "可以。" from the data-export FAQ."""
    reply = only(kb_bot.say("客户能用 Teams 吗"))
    assert reply.text.startswith("我不确定——以下是我找到的最接近的内容") and "可以。" not in reply.text
    assert reply.citations and reply.color == "warning"
    [ask_pm] = reply.buttons
    assert ask_pm.action_id == "kb.escalate" and ask_pm.label == "转给产品经理"
    assert escalation_posts(kb_bot) == []  # not escalated until the rep asks
    kb_bot.click(ask_pm)
    assert len(escalation_posts(kb_bot)) == 2  # Slack and Feishu PM channels


@pytest.mark.parametrize(
    ("question", "first", "second"),
    [
        ("Does Growth have SSO and how long are audit logs kept?", "Enterprise only", "90 days"),
        ("支持单点登录吗？审计日志的保留期是多久？", "仅企业版提供", "成长版 90 天"),
    ],
)
def test_each_ask_of_a_question_is_answered(kb_bot: Harness, question: str, first: str, second: str) -> None:
    reply = only(kb_bot.say(question))
    part_one, part_two = reply.text.split("**2. ")
    assert "**1. " in part_one and first in part_one
    assert second in part_two
    assert [b.action_id for b in reply.buttons] == ["kb.feedback.up", "kb.feedback.down"]
    # a supporting section sharing only a common word of the ask adds no bullet: the internal "Nonprofits get
    # 30% off Growth" and the read-only "kept for 30 days after cancelling" were quoted once
    assert "Nonprofits" not in reply.text and "read-only" not in reply.text and "Internal" not in reply.text


def test_an_uncovered_ask_is_named_and_can_go_to_a_pm(kb_bot: Harness) -> None:
    reply = only(kb_bot.say("How long are audit logs kept, and who is the CEO of Lumenary?"))
    part_one, part_two = reply.text.split("**2. ")
    assert "90 days" in part_one
    assert "who is the CEO of Lumenary?**" in part_two and "does not cover this part" in part_two
    assert reply.buttons[-1].action_id == "kb.escalate"


def test_internal_document_is_flagged_in_the_answer(kb_bot: Harness) -> None:
    reply = only(kb_bot.say("What discount can I give on Enterprise?"))
    assert "10%" in reply.text and "⚠ Internal — do not forward to customers" in reply.text
    assert all("⚠ Internal" in c.section for c in reply.citations if c.source == "en/pricing-notes.md")
    assert (
        reply.context[0].startswith("⚠ Internal — do not forward to customers") and reply.color == "warning"
    )
    zh = only(kb_bot.say("折扣需要谁审批？"))
    assert "⚠ 内部资料——请勿转发给客户" in zh.text


def test_a_published_eos_notice_brings_its_note_in_both_languages(kb_bot: Harness) -> None:
    notice = publish(
        kb_bot,
        eos_text(
            product='"LumenCRM Classic"',
            alternative='"LumenCRM Enterprise"',
            dates={"last-order": "2026-12-31", "end-of-support": "2027-12-31"},
        ),
    )
    english = only(kb_bot.say("Is Classic still sold?"))
    assert english.text.startswith(
        "⚠️ LumenCRM Classic: end of sale on 2026-12-31, end of support on 2027-12-31; "
        f"alternative: LumenCRM Enterprise (notice #{notice})."
    )
    chinese = only(kb_bot.say("Classic 还在卖吗？"))
    assert chinese.text.startswith(
        f"⚠️ LumenCRM Classic 将于 2026-12-31 停售，2027-12-31 停止支持；替代方案：LumenCRM Enterprise（停售通知 #{notice}）。"
    )
    # the product's full name too (its retrieval need not rank the notice among the first three)
    full = only(kb_bot.say("Is LumenCRM Classic still sold?"))
    assert full.text.startswith("⚠️ LumenCRM Classic: end of sale on 2026-12-31"), full.text
    assert not only(kb_bot.say("Is LumenCRM still sold?")).text.startswith("⚠️")  # the product lives on


@needs_model
def test_a_pm_answer_in_chinese_answers_the_english_paraphrase(sample_database: Path, tmp_path: Path) -> None:
    bot = Harness.create(
        copy_database(sample_database, tmp_path), migrate=False, SALESBRIDGE_EMBEDDINGS="bundled"
    )
    try:
        asked = only(
            bot.say("客户可以用 PayPal 支付发票吗？", platform="feishu", user="ou_1", channel="oc_1")
        )
        assert asked.text.startswith("我不知道")
        answer = "可以。自 2026 年 11 月起，发票可以用 PayPal 以美元和欧元支付。人民币发票仍需银行转账。"
        only(bot.say(f"回答 1 {answer}", user="UPM"))

        kb = bot.services.knowledge
        paraphrase = "Can customers pay their invoices with PayPal?"
        assert "faq:escalation-1" in [h.section.path for h in kb.search(paraphrase).hits]  # the dense ranking

        reply = only(bot.say(paraphrase, user="U2"))
        assert answer in reply.text  # quoted whole, verdict and all: the PM wrote it for this question
        assert reply.citations[0].source == "faq:escalation-1"
        assert tokens("[1] answered by <@UPM> on 2026-11-23 (in Chinese).") in reply.context

        other = only(bot.say("Can customers pay their invoices with Alipay?", user="U3"))
        assert answer not in other.text  # a different payment method is not the PM's question
    finally:
        bot.close()


def test_a_chinese_pm_answer_nothing_confirms_is_offered_as_not_sure(kb_bot: Harness) -> None:
    """e5 cannot tell 支付宝 from PayPal: an English question sharing no word with the PM's question gets the
    answer as "not sure — a PM answered a similar question", with Ask a PM, never as the answer."""
    asked = only(kb_bot.say("客户可以用支付宝付款吗？", platform="feishu", user="ou_1", channel="oc_1"))
    assert asked.text.startswith("我不知道")
    answer = "可以，成长版和企业版支持支付宝付款。"
    only(kb_bot.say(f"回答 1 {answer}", user="UPM"))

    reply = only(kb_bot.say("Can customers pay with Alipay?", user="U2"))
    assert reply.text.startswith("I'm not sure") and answer in reply.text
    assert "A PM answered a similar question in Chinese — check that it is the same thing" in reply.text
    assert reply.citations[0].source == "faq:escalation-1"
    assert [b.action_id for b in reply.buttons] == ["kb.escalate"]
    # in the same language, another name ("PayPal") is another question: not the PM's answer, not quoted
    other = only(kb_bot.say("客户可以用 PayPal 付款吗？", user="U3"))
    assert other.text.startswith("我不确定") and answer not in other.text


def test_the_products_own_name_does_not_keep_a_pm_answer_from_its_translation(kb_bot: Harness) -> None:
    """ "LumenCRM" is in most documents: it tells "Does LumenCRM support WhatsApp?" from "支持 WhatsApp 吗？"
    nothing, so the PM's Chinese answer is the answer (it quoted "Personal WeChat is not supported")."""
    answer = "支持，成长版和企业版自 5.2 起提供。"
    only(kb_bot.say(f"kb add 支持 WhatsApp 吗？ | {answer}", user="UPM"))
    reply = only(kb_bot.say("Does LumenCRM support WhatsApp?", user="U2"))
    assert reply.text.startswith("From the knowledge base:") and answer in reply.text
    assert "WeChat" not in reply.text


def test_an_answer_about_a_name_the_knowledge_base_never_writes_says_so(kb_bot: Harness) -> None:
    # the integrations list is the right place to look, but it does not name WhatsApp: the rep is told
    reply = only(kb_bot.say("Does LumenCRM support WhatsApp integration?"))
    assert "Native integrations with Slack" in reply.text, reply.text
    assert any(line.startswith("⚠️ The knowledge base never mentions WhatsApp") for line in reply.context)
    slack = only(kb_bot.say("Does LumenCRM integrate with Slack?"))
    assert not any("never mentions" in line for line in slack.context)
