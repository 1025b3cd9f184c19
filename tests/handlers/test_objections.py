"""`objection` / `异议`: library, LSCPA coaching, practice threads with per-step feedback, stats."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from bot.messages import IncomingMessage, Reply
from bot.models import Objection, PracticeAttempt
from knowledge.ingest import ingest_paths
from services.objections.library import SEEDS
from services.objections.lscpa import assess, join_sentences, sentences
from services.objections.practice import practice_reply
from services.schedules.posting import run_schedule
from tests.fakes.chat import tokens
from tests.fakes.harness import Harness

GOOD = (
    "So you're saying the price is too high compared to what you budgeted. "
    "I understand, many customers felt the same at first. "
    "Is it the license cost or the total cost over three years that worries you most? "
    "For example, Acme cut reporting costs by 35% in the first year and paid back the license in 7 months. "
    "Does that address your concern, and shall we set up a call with your finance lead next week?"
)
POOR = "Our product is the best on the market and everybody loves it."
GOOD_ZH = (
    "您的意思是价格比预算高，对吧。这个顾虑很正常，很多客户一开始也这么觉得。"
    "您主要是担心一次性投入，还是三年的总成本？"
    "比如某银行客户上线后第一年报表成本降低了35%，7个月就收回了投入。"
    "这样能打消您的顾虑吗？我们约个时间和财务一起看看下一步，可以吗？"
)


def _seed_kb(bot: Harness) -> None:
    bot.services.knowledge.add_document(
        path="pricing/roi.md",
        title="Insight pricing and ROI",
        text=(
            "# Insight pricing and ROI\n\n## Customer results\n\n"
            "Customers reduce reporting costs by 35% on average in the first year. "
            "Typical payback of the price is 7 months.\n"
        ),
    )


def test_assess_good_and_poor_answers() -> None:
    good = assess(answer=GOOD, objection="Your price is too high.")
    assert good.covered == ["listen", "sympathize", "clarify", "present", "ask"]
    poor = assess(answer=POOR, objection="Your price is too high.")
    assert poor.score <= 1 and {"listen", "sympathize", "clarify", "ask"} <= set(poor.missed)
    zh = assess(answer=GOOD_ZH, objection="你们的价格太高了。")
    assert zh.covered == ["listen", "sympathize", "clarify", "present", "ask"]


@pytest.mark.parametrize(
    ("objection", "answer", "covered", "evidence"),
    [
        # a restating question is Listen (it was only Clarify, so a rep who did all five got ❌ 倾听)
        (
            "你们的价格太高了。",
            "您是说我们的价格偏高，对吗？我完全理解，很多客户一开始也这么觉得。您主要是和哪家产品比较呢？"
            "比如某客户上线后一年节省了30%的成本。这样能打消您的顾虑吗？",
            ["listen", "sympathize", "clarify", "present", "ask"],
            {"listen": "您是说我们的价格偏高，对吗？", "clarify": "您主要是和哪家产品比较呢？"},
        ),
        # restating in Chinese shares character pairs wherever it starts (价格太高)
        ("你们的价格太高了。", "您觉得价格太高。", ["listen"], {"listen": "您觉得价格太高。"}),
        # "your" is not the cue "our": hearing the concern is not presenting facts
        ("Your price is too high.", "I hear your concern.", ["listen"], {}),
        ("Your price is too high.", "Let me show you around.", [], {}),
        (
            "Your price is too high.",
            "Understood. Totally fair.",
            ["sympathize"],
            {"sympathize": "Understood."},
        ),
        ("Your price is too high.", "So you think the price is too high?", ["listen", "clarify"], {}),
    ],
)
def test_assess_reads_natural_answers_step_by_step(
    objection: str, answer: str, covered: list[str], evidence: dict[str, str]
) -> None:
    result = assess(answer=answer, objection=objection)
    assert result.covered == covered
    for step, sentence in evidence.items():
        assert next(s.evidence for s in result.steps if s.step == step) == sentence


def test_library_is_seeded_bilingual_on_first_use(bot: Harness) -> None:
    reply = bot.say("objection list", user="U1")[0]
    assert f"({len(SEEDS)})" in (reply.title or "") and "Your price is too high." in reply.text
    zh = bot.say("异议 列表", user="U1")[0]
    assert "你们的价格太高了。" in zh.text
    keys = {s.key for s in SEEDS}
    assert {
        "price",
        "budget",
        "competitor-cheaper",
        "security",
        "integration",
        "timing",
        "think-about-it",
        "switching-cost",
    } <= keys


def test_add_objection_and_bad_input(bot: Harness) -> None:
    reply = bot.say("objection add Your SLA is weaker than BigCo's | support", user="U1")[0]
    assert reply.color == "success" and "(support)" in reply.text
    with bot.services.db.session() as session:
        added = session.exec(
            select(Objection).where(Objection.area == "support", Objection.created_by == "U1")
        ).one()
    assert added.text_en == "Your SLA is weaker than BigCo's"
    for bad in (
        "objection",
        "objection add",
        "objection add | pricing",
        "objection add Too expensive |",
        "objection add only text no pipe",  # the product area is required, as the usage says
        "异议 add 只有内容没有领域",
    ):
        answer = bot.say(bad, user="U1")[0]
        assert answer.where == "ephemeral" and answer.color == "warning", bad
        assert "Usage / 用法" in answer.text
    with bot.services.db.session() as session:
        assert len(list(session.exec(select(Objection)))) == len(SEEDS) + 1


def test_the_same_objection_twice_is_refused_naming_the_existing_one(bot: Harness) -> None:
    first = bot.say("objection add Your SLA is weaker than BigCo's | support", user="U1")[0]
    assert first.color == "success" and f"#{len(SEEDS) + 1}" in first.text
    for again in (
        "objection add Your SLA is weaker than BigCo's | support",
        "objection add   your sla IS weaker   than bigco's | contracts",  # case and spacing do not count
        "异议 add YOUR SLA IS WEAKER THAN BIGCO'S ｜ 服务",
    ):
        reply = bot.say(again, user="U2")[0]
        assert reply.where == "ephemeral" and reply.color == "warning", again
        assert (
            f"already has this objection: #{len(SEEDS) + 1} “Your SLA is weaker than BigCo's” (support)"
            in (reply.text)
        )
        assert f"异议库中已有这条异议：#{len(SEEDS) + 1}" in reply.text and "Usage" not in reply.text
    seeded = bot.say("objection add let me THINK about it. | general", user="U2")[0]  # a seed, in English
    assert "already has this objection: #7 “Let me think about it.”" in seeded.text
    seeded_zh = bot.say("异议 add 我再考虑考虑。 | 通用", user="U2")[0]  # the same seed, in Chinese
    assert "异议库中已有这条异议：#7“我再考虑考虑。”（通用）" in seeded_zh.text
    with bot.services.db.session() as session:
        assert len(list(session.exec(select(Objection)))) == len(SEEDS) + 1


def test_a_seed_typed_without_its_full_stop_or_in_quotes_is_the_same_objection(bot: Harness) -> None:
    """`objection add Your price is too high | pricing` added a second copy of seed #1 (its text ends with
    a full stop), and a quoted objection was stored with its quotes, shown as “"Your price is too high."”."""
    for typed in (
        "objection add Your price is too high | pricing",
        'objection add "Your price is too high." | pricing',
        "objection add “your price is TOO high!” | pricing",
        "异议 add 你们的价格太高了 | 定价",
        "异议 add 「你们的价格太高了。」 | 定价",
    ):
        reply = bot.say(typed, user="U2")[0]
        assert reply.color == "warning" and "#1" in reply.text, typed
    added = bot.say("objection add 'Your rollout plan is too slow.' | timing", user="U2")[0]
    assert "“Your rollout plan is too slow.”" in added.text
    assert bot.say("objection add Your rollout plan is too slow | timing", user="U2")[0].color == "warning"
    assert (
        bot.say("objection add We’re locked into a 3-year contract | process", user="U2")[0].color
        == "success"
    )
    assert (
        bot.say("objection add Were locked into a 3-year contract | process", user="U2")[0].color == "success"
    )
    with bot.services.db.session() as session:
        assert len(list(session.exec(select(Objection)))) == len(SEEDS) + 3


def test_on_demand_coaching_uses_the_knowledge_base_with_citations(bot: Harness) -> None:
    _seed_kb(bot)
    reply = bot.say("objection Your price is too high", user="U1")[0]
    assert "Listen" in reply.text and "Ask" in reply.text
    assert "**Model answer**" in reply.text and "35%" in reply.text and "[1]" in reply.text
    assert reply.citations and reply.citations[0].title == "Insight pricing and ROI"
    zh = bot.say("异议 价格太贵了", user="U1")[0]
    assert "参考回答" in zh.text and "倾听" in zh.text


def test_coaching_quotes_facts_in_the_coaching_language_only(bot: Harness) -> None:
    _seed_kb(bot)
    bot.services.knowledge.add_document(
        path="zh/pricing/roi.md",
        title="Insight 价格与投资回报",
        text="# Insight 价格与投资回报\n\n## 客户成果\n\n客户第一年平均降低 35% 的报表成本，价格通常 7 个月回本。\n",
    )
    reply = bot.say("objection Your price is too high", user="U1")[0]
    assert [c.title for c in reply.citations] == ["Insight pricing and ROI"]
    assert "客户" not in reply.text
    zh = bot.say("异议 价格太贵了 Insight", user="U1")[0]
    assert zh.citations and all("价格" in c.title for c in zh.citations)


def test_coaching_without_knowledge_says_what_to_prepare(bot: Harness) -> None:
    reply = bot.say("objection We need on-prem deployment in Antarctica", user="U1")[0]
    assert "No matching facts in the knowledge base yet" in reply.text and not reply.citations


def _practice_thread(bot: Harness, channel: str = "CPRACTICE") -> str:
    ack = bot.say("objection practice", user="U1", channel=channel)[0]
    assert ack.where == "ephemeral" and "Posted" in ack.text
    post = bot.slack.to(conversation=channel)[-1]
    assert "LSCPA practice" in post.reply.plain_text() and "Clarify" in post.reply.text
    return post.message_id


def test_practice_thread_answer_gets_per_step_feedback(bot: Harness) -> None:
    _seed_kb(bot)
    thread = _practice_thread(bot)
    good = bot.say(GOOD, user="U7", channel="CPRACTICE", thread=thread, mention=False)
    assert len(good) == 1 and good[0].where == "thread"
    assert "**5/5**" in good[0].text and all(f.label.startswith("✅") for f in good[0].fields)
    assert tokens("<@U7>") in good[0].text
    poor = bot.say(POOR, user="U8", channel="CPRACTICE", thread=thread, mention=False)[0]
    labels = {f.label: f.value for f in poor.fields}
    assert "❌ Clarify" in labels and "Ask one question" in labels["❌ Clarify"]
    assert "❌ Ask" in labels and "next step" in labels["❌ Ask"]
    assert "**Model answer**" in poor.text
    # chatter and unrelated threads are ignored
    assert bot.say("thanks!", user="U9", channel="CPRACTICE", thread=thread, mention=False) == []
    assert bot.say(GOOD, user="U9", channel="CPRACTICE", thread="not-a-practice", mention=False) == []
    with bot.services.db.session() as session:
        attempts = list(session.exec(select(PracticeAttempt)))
    assert [(a.user_id, a.missed == "") for a in attempts] == [("U7", True), ("U8", False)]


def test_scheduled_practice_posts_and_answers_flow_into_stats(bot: Harness) -> None:
    assert (
        bot.say("schedule add lscpa daily 16:00 channels:slack:CTEAM tz:UTC", user="UPM")[0].color
        == "success"
    )
    bot.clock.set(datetime(2026, 11, 23, 16, 0, 2, tzinfo=UTC))
    assert run_schedule(services=bot.services, schedule_id=1) == 1
    first = bot.slack.to(conversation="CTEAM")[0]
    bot.clock.set(datetime(2026, 11, 24, 16, 0, 2, tzinfo=UTC))
    assert run_schedule(services=bot.services, schedule_id=1) == 1
    second = bot.slack.to(conversation="CTEAM")[1]
    assert first.reply.context != second.reply.context  # a different objection each day
    bot.say(POOR, user="U7", channel="CTEAM", thread=first.message_id, mention=False)
    bot.say(GOOD, user="U7", channel="CTEAM", thread=second.message_id, mention=False)
    bot.say(POOR + " Really.", user="U8", channel="CTEAM", thread=second.message_id, mention=False)
    stats = bot.seen(bot.say("objection stats", user="U1")[0], on="slack")
    values = {f.label: f.value for f in stats.fields}
    assert "2 practised" in values[tokens("<@U7>")] and "most missed:" in values[tokens("<@U7>")]
    assert "1 practised" in values[tokens("<@U8>")] and "Listen ×1" in values[tokens("<@U8>")]
    zh = bot.say("异议 统计", user="U1")[0]
    assert "练习 2 次" in zh.fields[0].value


def test_stats_before_any_practice(bot: Harness) -> None:
    assert "No practice answers yet" in bot.say("objection stats", user="U1")[0].text


class FakeLLM:
    def __init__(self, answer: str = "• Listen: good restatement [1]") -> None:
        self.answer = answer
        self.calls: list[list[dict[str, str]]] = []

    def chat(self, messages: Iterable[dict[str, str]], **kwargs: Any) -> str:
        self.calls.append(list(messages))
        return self.answer


def test_with_an_llm_the_feedback_is_generated_and_grounded(
    bot: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    _seed_kb(bot)
    llm = FakeLLM()
    monkeypatch.setattr(bot.services, "llm", llm)
    thread = _practice_thread(bot)
    reply: Reply = bot.say(POOR, user="U7", channel="CPRACTICE", thread=thread, mention=False)[0]
    assert "good restatement [1]" in reply.text
    prompt = llm.calls[0][1]["content"]
    assert POOR in prompt and "35%" in prompt and "clarify: missing" in prompt
    assert reply.citations  # the model answer still cites the knowledge base


def test_feishu_practice_thread_through_the_full_dispatch_path(bot: Harness) -> None:
    bot.say("异议 练习", user="ou_rep", platform="feishu", channel="oc_team")
    post = bot.feishu.to(conversation="oc_team")[0]
    answer = IncomingMessage(
        platform="feishu",
        conversation="oc_team",
        user="ou_rep",
        text=GOOD_ZH,
        thread=post.message_id,
        message_id="om_answer",
        in_thread=True,
        event_id="ev-answer-1",
    )
    sent = bot.process(answer)
    assert len(sent) == 1
    feedback = bot.feishu.posted[-1]
    assert feedback.address.thread == post.message_id and feedback.address.conversation == "oc_team"
    assert "5/5" in feedback.reply.text and "参考回答" in feedback.reply.text
    assert bot.process(answer) == []  # a redelivered event is not coached twice


def test_model_answer_keeps_numbers_whole_and_never_quotes_internal_notes(
    bot: Harness, tmp_path: Path
) -> None:
    folder = tmp_path / "kb"
    folder.mkdir()
    (folder / "reliability.md").write_text(
        "---\ntitle: Insight reliability\n---\n# Insight reliability\n\n## Uptime SLA and SAML SSO\n\n"
        "Insight guarantees a 99.95% uptime SLA on every plan. SSO uses SAML 2.0 with any identity provider. "
        "Audit logs are kept for 400 days.\n",
        encoding="utf-8",
    )
    (folder / "deal-desk.md").write_text(
        "---\ntitle: Deal desk notes\naudience: internal\n---\n# Deal desk notes\n\n## Uptime SLA and SAML SSO objections\n\n"
        "Reps may concede a 40% discount on the uptime SLA add-on when a prospect pushes on SAML SSO.\n",
        encoding="utf-8",
    )
    ingest_paths(bot.services.knowledge, [folder])
    reply = bot.say("objection Your uptime SLA and SAML SSO are not good enough", user="U1")[0]
    answer = reply.text.split("**Model answer**", 1)[1]
    assert "99.95% uptime SLA" in answer and "SAML 2.0" in answer  # was "99. 95% SLA", "SAML 2. 0"
    assert "40%" not in reply.text and "concede" not in reply.text  # an internal note is not a customer line
    assert [c.title for c in reply.citations] == ["Insight reliability"]


def test_sentences_end_at_punctuation_not_inside_numbers() -> None:
    assert sentences("Uptime is 99.95%. We use SAML 2.0! Right? 可用性99.95%。支持SAML 2.0。") == [
        "Uptime is 99.95%.",
        "We use SAML 2.0!",
        "Right?",
        "可用性99.95%。",
        "支持SAML 2.0。",
    ]
    assert join_sentences(["可用性99.95%。", "支持SAML 2.0。"]) == "可用性99.95%。支持SAML 2.0。"
    assert join_sentences(["A" * 250 + ".", "B" * 100 + "."]) == "A" * 250 + "."  # whole sentences only


def test_a_practice_post_is_bilingual_down_to_its_footer() -> None:
    reply = practice_reply(
        Objection(id=3, area="pricing", text_en="Your price is too high.", text_zh="太贵了。")
    )
    assert reply.context == ["Objection / 异议 #3 · pricing"]
    assert reply.title == "LSCPA practice / 异议处理练习" and "太贵了。" in reply.text
