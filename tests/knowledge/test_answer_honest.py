"""Honest answers on hand-made sections: "not sure" for weak evidence, no borrowed verdicts, several asks
answered part by part, PM answers quoted whole with who/when/language, internal documents flagged."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date

from knowledge.answer import answer_question
from knowledge.answer_extractive import select_quotes, strip_verdict
from knowledge.answer_parts import split_question
from knowledge.memory import Recall
from knowledge.types import Hit, SearchResult, Section
from tests.fakes.chat import tokens
from tests.fakes.openai_api import serve_openai
from tests.knowledge.test_answer import FakeSearch, make_llm, section

TODAY = date(2026, 11, 23)


@dataclass
class ByQuery:
    """A retriever whose result depends on the query: the first key found in it decides."""

    results: dict[str, tuple[list[Section], str]]  # key → (sections, support)
    queries: list[str] = field(default_factory=list)

    def search(self, query: str, *, k: int = 5) -> SearchResult:
        self.queries.append(query)
        for key, (sections, support) in self.results.items():
            if key.lower() in query.lower():
                hits = [Hit(section=s, score=10.0 - i, rank=i + 1) for i, s in enumerate(sections[:k])]
                confidence = {"strong": 0.9, "weak": 0.4}.get(support, 0.1)
                return SearchResult(query, hits, confidence, support == "strong", support)
        return SearchResult(query, [], 0.0, False, "none")


SSO = section(
    "Single sign-on (SSO) with SAML 2.0 is available on Enterprise only; Growth supports Sign in with Google.",
    heading="Security",
    title="Features",
    path="en/features.md",
)
EXPORT_FAQ = section(
    "可以。任何管理员都可以随时把全部记录导出为 CSV。",
    heading="客户可以导出数据吗？",
    title="销售常见问题",
    language="zh",
    path="zh/faq.md",
)


# --- weak evidence ----------------------------------------------------------------------------------------


def test_weak_support_lists_the_closest_sections_without_an_answer() -> None:
    kb = ByQuery({"teams": ([EXPORT_FAQ, SSO], "weak")})
    answer = answer_question(question="Can customers use Microsoft Teams?", knowledge=kb, today=TODAY)
    assert not answer.answered and answer.support == "weak" and answer.method == "none"
    assert answer.text.startswith("I'm not sure — these are the closest sections I found:")
    assert "可以。" not in answer.text and "CSV" not in answer.text  # sections are listed, not quoted
    assert [c.section for c in answer.citations] == ["客户可以导出数据吗？", "Security"]
    zh = answer_question(question="客户能用 Teams 吗", knowledge=kb, today=TODAY)
    assert zh.text.startswith("我不确定——以下是我找到的最接近的内容")


def test_no_sentence_sharing_a_term_means_not_sure_even_when_retrieval_is_sure() -> None:
    """The issue's case: `客户能用 Teams 吗` got "可以。" — the lead of the data-export FAQ."""
    kb = ByQuery({"teams": ([EXPORT_FAQ], "strong")})
    answer = answer_question(question="客户能用 Teams 吗", knowledge=kb, today=TODAY)
    assert answer.support == "weak" and not answer.answered
    assert "可以。" not in answer.text


@dataclass
class JudgingQuotes:
    """A sure retriever whose results judge by meaning whether a quote is about the question."""

    about: bool
    quotes: list[str] = field(default_factory=list)
    quoted: list[list[str]] = field(default_factory=list)

    def search(self, query: str, *, k: int = 5) -> SearchResult:
        result = ByQuery({"": ([SSO, EXPORT_FAQ], "strong")}).search(query, k=k)
        return replace(result, about_question=self.judge)

    def judge(self, text: str, hits: Sequence[Hit]) -> bool:
        self.quotes.append(text)
        self.quoted.append([hit.section.heading for hit in hits])
        return self.about


def test_a_quote_not_about_the_question_by_meaning_is_not_sure() -> None:
    """Sure retrieval and shared words, but what the answer would quote says something else: the rep gets
    the closest sections and the Ask-a-PM button, not a confident quote."""
    kb = JudgingQuotes(about=False)
    answer = answer_question(question="Does Growth have single sign-on?", knowledge=kb, today=TODAY)
    assert answer.support == "weak" and not answer.answered
    assert answer.text.startswith("I'm not sure — these are the closest sections I found:")
    assert "SAML" not in answer.text  # listed, not quoted
    # the quote as plain text after its heading, and the sections it quotes
    assert (
        kb.quotes[0].startswith("Security: Single sign-on (SSO) with SAML 2.0") and "[1]" not in kb.quotes[0]
    )
    assert kb.quoted == [["Security"]]
    sure = answer_question(
        question="Does Growth have single sign-on?", knowledge=JudgingQuotes(about=True), today=TODAY
    )
    assert sure.answered and "SAML 2.0" in sure.text


def test_a_verdict_is_quoted_only_under_a_heading_that_states_the_question() -> None:
    faq = section(
        "Yes. Any admin can export all records to CSV, and the REST API reads all data.",
        heading="Can customers export their data?",
        title="Sales FAQ",
    )
    own = select_quotes("Can customers export their data?", [Hit(section=faq, score=5.0)])
    assert own[0].sentences[0] == "Yes."  # the heading asks this question: its verdict answers it
    other = select_quotes("Does the REST API read deals?", [Hit(section=faq, score=5.0)])
    assert other and not other[0].sentences[0].startswith("Yes")
    assert "REST API reads all data" in " ".join(other[0].sentences)
    answer = answer_question(
        question="Does the REST API read deals?", knowledge=FakeSearch([faq]), today=TODAY
    )
    assert "Yes" not in answer.text and "REST API" in answer.text


def test_a_heading_sharing_the_question_s_names_but_asking_something_else_lends_no_verdict() -> None:
    """Tried on TiDB's docs: "Does TiDB support Oracle as a source for DM?" got "Yes, it does." from the FAQ
    "Does TiDB have a function like the Flashback Query in Oracle?" — same product, same rare name, another ask."""
    faq = section(
        "Yes, it does. Restore points keep 30 days of history.",
        heading="1.2 Does LumenCRM have a feature like Restore Points in Salesforce?",
        title="Sales FAQ",
    )
    sync = section(
        "Deals sync to HubSpot every 15 minutes; Salesforce sync is on the roadmap.",
        heading="Integrations",
        title="Features",
    )
    hits = [Hit(section=faq, score=6.0), Hit(section=sync, score=5.0)]
    asked = select_quotes("Can LumenCRM sync deals with Salesforce?", hits)
    assert asked and not any(s.startswith(("Yes", "It does")) for q in asked for s in q.sentences)
    # the heading's own question, or its paraphrase, keeps its verdict
    for question in (
        "Does LumenCRM have a feature like Restore Points in Salesforce?",
        "Is there something like Salesforce restore points in LumenCRM?",
    ):
        assert select_quotes(question, hits)[0].sentences[0] == "Yes, it does.", question


def test_strip_verdict_keeps_sentences_that_only_begin_with_the_word() -> None:
    assert (
        strip_verdict("Yes.") == "" and strip_verdict("可以。") == "" and strip_verdict("是的，支持。") == ""
    )
    assert strip_verdict("No, it is cloud only.") == "It is cloud only."
    assert strip_verdict("不支持，我们不签 BAA。") == "我们不签 BAA。"
    assert strip_verdict("支持客户、联系人和商机。") == "支持客户、联系人和商机。"
    assert strip_verdict("Nobody needs a licence.") == "Nobody needs a licence."


# --- several asks -----------------------------------------------------------------------------------------


def test_questions_split_on_their_structure() -> None:
    assert split_question("Does Growth have SSO and how long are audit logs kept?") == [
        "Does Growth have SSO",
        "how long are audit logs kept?",
    ]
    assert split_question("支持单点登录吗？审计日志保存多久？") == ["支持单点登录吗？", "审计日志保存多久？"]
    assert split_question("企业版有几个沙箱？另外，成长版多少钱？") == [
        "企业版有几个沙箱？",
        "另外，成长版多少钱？",
    ]
    # one ask: a list inside a question, an elliptical follow-up, a context sentence
    assert len(split_question("Does Growth include SSO and SCIM?")) == 1
    assert len(split_question("Does Enterprise include SSO? And on Growth?")) == 1
    assert len(split_question("Customer asks: can they pay with PayPal? They use USD.")) == 1
    assert len(split_question("Does Growth have SSO? And is it on Starter?")) == 1  # "it" leans on the first
    # after a question mark, an ask of two content terms or fewer is about the one before (Splunk's plug-in)
    assert len(split_question("TiDB 的监控告警能直接接入 Splunk 吗？有没有现成插件？")) == 1
    assert len(split_question("Does TiDB support vector search? Is it GA?")) == 1
    # a pronoun and no name of its own: searched alone, "how long does it wait" found any waiting time
    assert (
        len(
            split_question(
                "How many times will RocketMQ redeliver it, and how long does it wait between tries?"
            )
        )
        == 1
    )
    assert len(split_question("支持单点登录吗？它的审计日志保存多久？")) == 1
    assert len(split_question("Does Growth have SSO and can they also get SCIM?")) == 2  # a name of its own
    # a conjunction, a question word and its own subject: a second ask
    assert split_question("Does LumenCRM support HIPAA? And how many sandboxes does Enterprise have?") == [
        "Does LumenCRM support HIPAA?",
        "And how many sandboxes does Enterprise have?",
    ]


def test_each_ask_is_answered_or_said_to_be_uncovered() -> None:
    kb = ByQuery({"sso": ([SSO], "strong")})
    answer = answer_question(
        question="Does Growth have SSO and how long are audit logs kept?", knowledge=kb, today=TODAY
    )
    assert answer.answered and answer.support == "strong"
    assert kb.queries == ["Does Growth have SSO", "how long are audit logs kept?"]
    first, second = answer.text.split("**2. ")
    assert "**1. Does Growth have SSO**" in first and "Enterprise only" in first and "[1]" in first
    assert second.startswith("how long are audit logs kept?**") and "does not cover this part" in second
    assert answer.uncovered == ["how long are audit logs kept?"]


def test_citations_are_numbered_across_parts() -> None:
    sso = section("单点登录（SSO）仅企业版提供。", heading="安全", language="zh", path="zh/features.md")
    audit = section("审计日志保留期：成长版 90 天。", id=2, heading="审计日志", language="zh", path="zh/a.md")
    kb = ByQuery({"单点登录": ([sso], "strong"), "审计日志": ([audit], "strong")})
    answer = answer_question(question="支持单点登录吗？审计日志保存多久？", knowledge=kb, today=TODAY)
    assert answer.answered and answer.uncovered == []
    first, second = answer.text.split("**2.")
    assert "仅企业版提供" in first and "[1]" in first and "90 天" in second and "[2]" in second
    assert [(c.index, c.source) for c in answer.citations] == [(1, "zh/features.md"), (2, "zh/a.md")]
    assert answer.text.startswith("知识库中的相关内容：") and "没有涵盖" not in answer.text


def test_a_section_two_parts_cite_keeps_one_number() -> None:
    features = section(
        "单点登录（SSO）仅企业版提供。审计日志保留期：成长版 90 天。",
        heading="安全",
        language="zh",
        path="zh/f.md",
    )
    plans = section("企业版含 5 个沙箱。", id=2, heading="套餐", language="zh", path="zh/plans.md")
    kb = ByQuery({"单点登录": ([features], "strong"), "审计日志": ([plans, features], "strong")})
    answer = answer_question(question="支持单点登录吗？审计日志保存多久？", knowledge=kb, today=TODAY)
    first, second = answer.text.split("**2.")
    assert "仅企业版提供。 [1]" in first and "90 天。 [1]" in second and "[3]" not in answer.text, answer.text
    assert [(c.index, c.source) for c in answer.citations] == [(1, "zh/f.md")]


def test_no_part_answered_is_i_dont_know() -> None:
    answer = answer_question(
        question="Who is the CEO and when was the company founded?", knowledge=ByQuery({}), today=TODAY
    )
    assert not answer.answered and answer.support == "none" and answer.text.startswith("I don't know")


# --- PM answers -------------------------------------------------------------------------------------------

PM_ZH = Section(
    id=9,
    document_id=9,
    path="faq:escalation-3",
    title="客户可以用 PayPal 支付发票吗？",
    heading="",
    headings=(),
    text="可以。自 2026 年 11 月起，发票可以用 PayPal 以美元和欧元支付。银行卡和电汇照常可用。人民币发票不支持 PayPal。",
    language="zh",
    updated=date(2026, 11, 20),
    owner="UPM",
)


def test_pm_answer_is_quoted_whole_with_who_when_and_language() -> None:
    kb = FakeSearch([PM_ZH, SSO])
    answer = answer_question(question="Can customers pay invoices with PayPal?", knowledge=kb, today=TODAY)
    assert answer.answered and answer.method == "pm"
    assert (
        PM_ZH.text in answer.text
    )  # every sentence, the verdict included: the PM wrote it for this question
    assert "**客户可以用 PayPal 支付发票吗？**" in answer.text
    assert tokens("[1] answered by <@UPM> on 2026-11-20 (in Chinese).") in answer.notes
    same = answer_question(question="客户能用 PayPal 付发票吗？", knowledge=kb, today=TODAY)
    assert tokens("[1] 由 <@UPM> 于 2026-11-20 解答。") in same.notes  # same language: no language note


def test_memory_match_answers_before_retrieval() -> None:
    class Memory:
        def lookup(self, question: str) -> Recall | None:
            return Recall(hit=Hit(section=PM_ZH, score=0.9), sure=True) if "PayPal" in question else None

        def names_agree(self, question: str, section: Section) -> bool:
            return True

    kb = ByQuery({})  # retrieval finds nothing
    answer = answer_question(
        question="Can customers pay invoices with PayPal?", knowledge=kb, today=TODAY, memory=Memory()
    )
    assert answer.answered and answer.method == "pm" and PM_ZH.text in answer.text
    assert kb.queries == []


# --- internal documents -----------------------------------------------------------------------------------

INTERNAL = replace(
    section("Reps may give up to 10% off list price without approval.", heading="Discount approval"),
    internal=True,
    path="en/pricing-notes.md",
)


def test_internal_sections_are_flagged_in_text_citations_and_notes() -> None:
    answer = answer_question(
        question="What discount can reps give?", knowledge=FakeSearch([INTERNAL]), today=TODAY
    )
    assert answer.answered and answer.sources[0].internal and answer.as_json()["citations"][0]["internal"]
    assert "[1] ⚠ Internal — do not forward to customers" in answer.text
    assert answer.citations[0].section == "Discount approval · ⚠ Internal — do not forward to customers"
    assert answer.notes[0].startswith("⚠ Internal — do not forward to customers: [1]")
    zh = answer_question(question="销售可以给多少折扣？", knowledge=FakeSearch([INTERNAL]), today=TODAY)
    assert "⚠ 内部资料——请勿转发给客户" in zh.notes[0]
    weak = answer_question(
        question="What discount can reps give?",
        knowledge=ByQuery({"discount": ([INTERNAL], "weak")}),
        today=TODAY,
    )
    assert "⚠ Internal" in weak.text and "⚠ Internal" in weak.citations[0].section


def test_internal_sections_are_flagged_in_llm_answers() -> None:
    public = section("Growth costs 59 USD per user per month.", id=2, heading="Pricing")
    kb = FakeSearch([public, INTERNAL])
    with serve_openai(
        answer=lambda messages: "Growth is 59 USD [1]; reps may give 10% off [2]; again [2]."
    ) as fake:
        llm = make_llm(fake.base_url)
        answer = answer_question(
            question="What does Growth cost with a discount?", knowledge=kb, llm=llm, today=TODAY
        )
        prompt = fake.chat_requests()[0]["messages"][1]["content"]
    assert answer.method == "llm"
    assert answer.text == (
        "Growth is 59 USD [1]; reps may give 10% off [2] ⚠ Internal — do not forward to customers; again [2]."
    )
    assert [s.internal for s in answer.sources] == [False, True]
    assert "INTERNAL" in prompt  # the model is told which source is not for customers


def test_a_part_that_would_quote_what_an_earlier_part_quoted_points_to_it() -> None:
    # RocketMQ: "…能不能一次拿一批消息？默认一次给几条？" quoted the same batch-consumption paragraph under both asks
    batch = section(
        "批量消费可提高吞吐量，consumeMessageBatchMaxSize 默认是 1，即一次只消费一条消息。",
        heading="批量方式消费",
        language="zh",
    )
    kb = ByQuery({"一批": ([batch], "strong"), "几条": ([batch], "strong")})
    answer = answer_question(
        question="消费端能不能一次拿一批消息？默认一次最多给几条消息？", knowledge=kb, today=TODAY
    )
    first, second = answer.text.split("**2.")
    assert "默认是 1" in first and "[1]" in first
    assert "默认是 1" not in second and second.endswith("见上文 [1]。"), answer.text
