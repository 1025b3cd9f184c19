"""Answer composition on hand-made sections: sentence splitting, extractive answers (en, zh, mixed),
citations and staleness, language preference, follow-up context, and the LLM path (fake server)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

from bot.llm import LLM
from knowledge.answer import answer_question, is_follow_up, section_trail
from knowledge.answer_extractive import select_quotes, split_sentences
from knowledge.answer_llm import NO_ANSWER, parse_model_answer
from knowledge.answer_text import extractive_body, join_sentences
from knowledge.types import Hit, SearchResult, Section
from tests.fakes.openai_api import serve_openai

TODAY = date(2026, 11, 23)


def section(
    text: str,
    *,
    id: int = 1,
    title: str = "Plans and limits",
    heading: str = "Plan comparison",
    language: str = "en",
    updated: date | None = date(2026, 10, 1),
    path: str = "en/plans.md",
) -> Section:
    return Section(
        id=id,
        document_id=id,
        path=path,
        title=title,
        heading=heading,
        headings=(title,),
        text=text,
        language=language,
        updated=updated,
    )


@dataclass
class FakeSearch:
    """A stand-in retriever returning fixed hits (the real one is tested in tests/handlers/test_ask.py)."""

    sections: list[Section]
    answerable: bool = True
    confidence: float = 0.9
    queries: list[str] = field(default_factory=list)

    def search(self, query: str, *, k: int = 5) -> SearchResult:
        self.queries.append(query)
        hits = [Hit(section=s, score=10.0 - i, rank=i + 1) for i, s in enumerate(self.sections[:k])]
        return SearchResult(query=query, hits=hits, confidence=self.confidence, answerable=self.answerable)


# --- sentences ------------------------------------------------------------------------------------------


def test_split_english_keeps_versions_and_abbreviations() -> None:
    text = "Forecasting was added in 5.2 and is Enterprise only. It works e.g. by team. Ask a PM!\nMore here."
    assert split_sentences(text) == [
        "Forecasting was added in 5.2 and is Enterprise only.",
        "It works e.g. by team.",
        "Ask a PM!",
        "More here.",
    ]


def test_a_list_inside_a_quoted_note_is_split_into_its_items() -> None:
    # TiDB's requirements page: the two items of a "> **Note:**" list were quoted as one sentence joined by " - "
    text = """    > **Note:**
    >
    > - Starting from v8.5.1, CentOS Linux 7 is supported again.
    > - The maintenance support for Red Hat Enterprise Linux 7 ended on June 30, 2024.
    >
    > ```shell
    > uname -a
    > ```
"""
    assert split_sentences(text) == [
        "Note: Starting from v8.5.1, CentOS Linux 7 is supported again.",
        "The maintenance support for Red Hat Enterprise Linux 7 ended on June 30, 2024.",
    ]


def test_split_chinese_and_wrapped_lines() -> None:
    text = "销售预测在 5.2 中推出。仅企业版包含！\n支持经理调整，\n以及 AI 预测；完毕"
    assert split_sentences(text) == [
        "销售预测在 5.2 中推出。",
        "仅企业版包含！",
        "支持经理调整，以及 AI 预测；",
        "完毕",
    ]


def test_split_markdown_bullets_tables_and_code() -> None:
    text = """# Heading
- **Starter**: one pipeline
- Growth: 20 pipelines

| Plan | Price | Seats |
|---|---|---|
| Growth | 59 | 500 |

```
code is skipped
```
> Quoted [link](https://x.example) text.
"""
    assert split_sentences(text) == [
        "Starter: one pipeline",
        "Growth: 20 pipelines",
        "Growth — Price: 59; Seats: 500",
        "Quoted link text.",
    ]


# --- extractive -----------------------------------------------------------------------------------------


def test_extractive_picks_the_relevant_sentence_with_citation() -> None:
    kb = FakeSearch(
        [
            section(
                "Starter has no workflows. Growth allows 50 active workflows, Enterprise 500. "
                "Workflows can call webhooks.",
                heading="Workflow automation",
            ),
            section("Email tracking is on all plans.", id=2, heading="Email"),
        ]
    )
    answer = answer_question(question="How many workflows on Growth?", knowledge=kb, today=TODAY)
    assert answer.answered and answer.method == "extractive"
    assert "Growth allows 50 active workflows" in answer.text and "[1]" in answer.text
    assert "Email tracking" not in answer.text
    citation = answer.citations[0]
    assert (citation.title, citation.section, citation.source) == (
        "Plans and limits",
        "Workflow automation",
        "en/plans.md",
    )
    assert answer.notes == ["Quoted from the knowledge base."]


def test_heading_question_brings_short_answer_with_its_reason() -> None:
    hit = Hit(
        section=section(
            "No. LumenCRM is not HIPAA compliant. Ask security for details.", heading="Does it support HIPAA?"
        ),
        score=5.0,
    )
    quotes = select_quotes("Does LumenCRM support HIPAA?", [hit])
    assert quotes[0].sentences[:2] == ("No.", "LumenCRM is not HIPAA compliant.")


def test_chinese_extractive_answer() -> None:
    kb = FakeSearch(
        [
            section(
                "成长版最多 50 个启用中的工作流，企业版 500 个。入门版不提供工作流自动化。",
                heading="工作流自动化",
                title="功能介绍",
                language="zh",
                path="zh/features.md",
            )
        ]
    )
    answer = answer_question(question="入门版有工作流自动化吗？", knowledge=kb, today=TODAY)
    assert answer.language == "zh" and answer.text.startswith("知识库中的相关内容")
    assert "入门版不提供工作流自动化" in answer.text
    assert answer.notes == ["摘自知识库。"]


def test_mixed_question_prefers_sections_in_askers_language() -> None:
    en = section("The API allows 100,000 calls per day on Growth.", heading="API")
    zh = section("成长版每天可调用 API 100,000 次。", id=2, heading="API", language="zh", path="zh/api.md")
    answer = answer_question(
        question="成长版 API 每天调用上限？", knowledge=FakeSearch([en, zh]), today=TODAY
    )
    assert [s.path for s in answer.sources] == ["zh/api.md"]
    assert "100,000" in answer.text


def test_foreign_language_quote_is_labelled() -> None:
    en = section("The API allows 100,000 calls per day on Growth.", heading="API")
    answer = answer_question(question="成长版 API 每天调用上限？", knowledge=FakeSearch([en]), today=TODAY)
    assert "100,000" in answer.text and "英文文档" in answer.text


def test_a_bilingual_documents_english_and_chinese_sentences_stay_apart_and_unlabelled() -> None:
    # an end-of-sale notice is one document in both languages (its language detected as Chinese)
    notice = section(
        "Classic reaches end of sale on 2027-06-30; the alternative is LumenCRM Cloud\n\n"
        "Classic 将于 2027-06-30 停售，替代方案为 LumenCRM Cloud。",
        heading="End of sale",
        language="zh",
    )
    answer = answer_question(
        question="When does Classic reach end of sale?", knowledge=FakeSearch([notice]), today=TODAY
    )
    assert (
        answer.text
        == (  # quoted as English: no Chinese colon, no "(Quoted from the Chinese documentation.)"
            "From the knowledge base:\n"
            "**End of sale**: Classic reaches end of sale on 2027-06-30; the alternative is LumenCRM Cloud [1]"
        )
    )
    assert join_sentences(["the alternative is Cloud", "Classic 将于 2027-06-30 停售"], "zh") == (
        "the alternative is Cloud. Classic 将于 2027-06-30 停售"
    )
    assert join_sentences(["支持 SSO", "仅企业版"], "zh") == "支持 SSO。仅企业版"


def test_stale_sources_are_flagged_with_a_note() -> None:
    old = section("Salesforce lists at 165 USD per user.", heading="Salesforce", updated=date(2024, 1, 10))
    answer = answer_question(
        question="Salesforce price per user?", knowledge=FakeSearch([old]), today=TODAY, stale_days=365
    )
    assert answer.citations[0].stale and answer.sources[0].stale
    assert "2024-01-10" in answer.notes[0] and "365 days" in answer.notes[0]
    fresh = answer_question(
        question="Salesforce price per user?", knowledge=FakeSearch([old]), today=TODAY, stale_days=0
    )
    assert not fresh.citations[0].stale


def test_stale_sources_share_one_note() -> None:
    # a doc set copied on one day: "⚠️ [1] …", "⚠️ [2] …", "⚠️ [3] …" said the same thing three times
    same_day = [
        section(
            f"Salesforce plan {n} lists at {n}0 USD per user.", heading=f"Plan {n}", updated=date(2024, 1, 10)
        )
        for n in (1, 2, 3)
    ]
    answer = answer_question(
        question="Salesforce plan price per user?",
        knowledge=FakeSearch(same_day),
        today=TODAY,
        stale_days=365,
    )
    stale = [note for note in answer.notes if "365 days" in note]
    cited = ", ".join(f"[{n}]" for n in range(1, len(answer.citations) + 1))
    assert len(answer.citations) > 1
    assert stale == [
        f"⚠️ {cited} were last updated on 2024-01-10 (more than 365 days ago) — double-check with a PM "
        "before quoting them to a customer."
    ]
    dated = [
        section("Salesforce lists at 165 USD per user.", heading="List", updated=date(2024, 1, 10)),
        section(
            "Salesforce per user price is 150 USD with a discount.", heading="Deal", updated=date(2023, 5, 2)
        ),
    ]
    answer = answer_question(
        question="Salesforce 每个用户多少钱？", knowledge=FakeSearch(dated), today=TODAY, stale_days=365
    )
    stale = [note for note in answer.notes if "365 天" in note]
    assert len(stale) == 1 and "(2024-01-10)" in stale[0] and "(2023-05-02)" in stale[0]


def test_weak_evidence_is_not_answered() -> None:
    kb = FakeSearch([section("Something else entirely.")], answerable=False, confidence=0.1)
    answer = answer_question(question="Who is the CEO?", knowledge=kb, today=TODAY)
    assert not answer.answered and answer.method == "none" and not answer.citations
    assert answer.text.startswith("I don't know")
    zh = answer_question(question="首席执行官是谁？", knowledge=kb, today=TODAY)
    assert zh.text.startswith("我不知道")


def test_json_shape() -> None:
    kb = FakeSearch([section("Growth allows 50 active workflows.", heading="Workflows")])
    data = answer_question(question="workflows on Growth", knowledge=kb, today=TODAY).as_json()
    assert set(data) >= {"answer", "language", "citations", "confidence", "answered"}
    assert set(data["citations"][0]) >= {"path", "heading", "title", "score"}


def test_section_trail_skips_the_title() -> None:
    assert section_trail(title="Plans", headings=("Plans", "Limits"), heading="API") == "Limits › API"


# --- follow-ups -----------------------------------------------------------------------------------------


def test_follow_up_detection() -> None:
    assert (
        is_follow_up("And on Enterprise?")
        and is_follow_up("what about Growth")
        and is_follow_up("那企业版呢？")
    )
    assert not is_follow_up("Does LumenCRM support SAML single sign-on for Okta users?")


def test_follow_up_searches_with_thread_context() -> None:
    kb = FakeSearch(
        [section("Audit logs are kept 90 days on Growth and 3 years on Enterprise.", heading="Audit")]
    )
    answer = answer_question(
        question="And on Enterprise?", knowledge=kb, today=TODAY, context="How long are audit logs kept?"
    )
    assert kb.queries == ["And on Enterprise?", "How long are audit logs kept? And on Enterprise?"]
    assert answer.search_query.startswith("How long are audit logs kept?")
    assert "3 years" in answer.text


def test_a_follow_up_is_not_answered_from_sections_that_never_mention_its_subject() -> None:
    # "支持 WhatsApp 吗？" after a question about Alipay: read with the thread, retrieval finds the Alipay
    # section again (the earlier words carry it) — which says nothing about WhatsApp, the follow-up's own
    # most informative word. The question is answered alone: here, "I don't know".
    class Thread(FakeSearch):
        def search(self, query: str, *, k: int = 5) -> SearchResult:
            result = super().search(query, k=k)
            alone = query == "那 WhatsApp 呢？"
            return replace(
                result,
                answerable=not alone,
                support="none" if alone else "strong",
                term_weights={"whatsapp": 4.0, "alipay": 3.0},
            )

    kb = Thread([section("Alipay and WeChat Pay are available for accounts billed in CNY.", heading="Pay")])
    answer = answer_question(
        question="那 WhatsApp 呢？", knowledge=kb, today=TODAY, context="Can customers pay with Alipay?"
    )
    assert not answer.answered and "Alipay" not in answer.text and answer.search_query == "那 WhatsApp 呢？"


def test_a_short_complete_question_in_a_thread_is_answered_alone() -> None:
    # two content terms make "How many sandboxes does Enterprise have?" look like a follow-up; answerable on
    # its own, it is one, and the thread's earlier question does not ride along (nor grow with each ask)
    kb = FakeSearch([section("Enterprise includes 3 sandboxes.", heading="Sandboxes")])
    answer = answer_question(
        question="How many sandboxes does Enterprise have?",
        knowledge=kb,
        today=TODAY,
        context="Can customers pay with Alipay?",
    )
    assert answer.search_query == "How many sandboxes does Enterprise have?" and "3 sandboxes" in answer.text


# --- LLM path -------------------------------------------------------------------------------------------


def make_llm(base_url: str) -> LLM:
    return LLM(model="fake-model", api_key="sk-test", base_url=base_url, timeout=5, backoff_seconds=0.01)


def test_parse_model_answer() -> None:
    parsed = parse_model_answer("Yes, on Enterprise [2][7]. Also [1].", source_count=3)
    assert parsed.cited == (2, 1) and "[7]" not in parsed.text and not parsed.declined
    assert parse_model_answer(f"{NO_ANSWER}.", source_count=3).declined


def test_llm_answer_cites_numbered_sources_in_askers_language() -> None:
    kb = FakeSearch(
        [
            section("Growth allows 50 active workflows.", heading="Workflows"),
            section("成长版最多 50 个工作流。", id=2, heading="工作流", language="zh", path="zh/f.md"),
        ]
    )
    with serve_openai(answer=lambda messages: "成长版最多 50 个启用中的工作流 [2]。") as fake:
        answer = answer_question(
            question="成长版能有多少个工作流？", knowledge=kb, llm=make_llm(fake.base_url), today=TODAY
        )
        request = fake.chat_requests()[0]
    assert answer.answered and answer.method == "llm"
    assert answer.text == "成长版最多 50 个启用中的工作流 [2]。"
    assert [c.index for c in answer.citations] == [2] and answer.citations[0].source == "zh/f.md"
    system, user = request["messages"]
    assert "Simplified Chinese" in system["content"] and NO_ANSWER in system["content"]
    assert "[1] Plans and limits › Workflows (updated 2026-10-01)" in user["content"]
    assert "[2]" in user["content"] and user["content"].endswith("Question: 成长版能有多少个工作流？")
    assert any("AI" in note for note in answer.notes)


def test_llm_declining_means_dont_know() -> None:
    kb = FakeSearch([section("Growth allows 50 active workflows.")])
    with serve_openai(answer=lambda messages: NO_ANSWER) as fake:
        answer = answer_question(
            question="Who is the CEO?", knowledge=kb, llm=make_llm(fake.base_url), today=TODAY
        )
    assert not answer.answered and answer.method == "llm" and answer.text.startswith("I don't know")


def test_llm_failure_falls_back_to_extractive() -> None:
    kb = FakeSearch([section("Growth allows 50 active workflows.", heading="Workflows")])
    with serve_openai() as fake:
        fake.fail_next.extend([500, 500, 500])
        answer = answer_question(
            question="How many workflows on Growth?", knowledge=kb, llm=make_llm(fake.base_url), today=TODAY
        )
    assert answer.answered and answer.method == "extractive" and "50 active workflows" in answer.text


def test_an_llm_answer_citing_no_source_is_replaced_by_the_quoted_sources() -> None:
    kb = FakeSearch([section("Growth allows 50 active workflows.", heading="Workflows")])
    with serve_openai(answer=lambda messages: "Growth has unlimited workflows.") as fake:
        answer = answer_question(
            question="How many workflows on Growth?", knowledge=kb, llm=make_llm(fake.base_url), today=TODAY
        )
    assert answer.answered and answer.method == "extractive" and "50 active workflows" in answer.text
    assert "unlimited" not in answer.text and answer.sources


def test_llm_is_not_asked_when_evidence_is_weak() -> None:
    kb = FakeSearch([section("Unrelated.")], answerable=False, confidence=0.05)
    with serve_openai() as fake:
        answer = answer_question(
            question="Who is the CEO?", knowledge=kb, llm=make_llm(fake.base_url), today=TODAY
        )
        assert not fake.recorder.requests
    assert not answer.answered


def test_sentence_introducing_a_list_brings_the_list() -> None:
    hit = Hit(
        section=section(
            "Unrelated intro. Release 5.2 brings:\n- Forecasting by team\n- CPQ add-on\n",
            heading="Highlights",
        ),
        score=5.0,
    )
    quotes = select_quotes("What does release 5.2 bring?", [hit])
    assert quotes[0].sentences == ("Release 5.2 brings:", "Forecasting by team", "CPQ add-on")


def test_table_rows_are_judged_by_their_own_cells() -> None:
    table = "| Plan | API calls per day |\n|---|---|\n| Starter | 10,000 |\n| Growth | 100,000 |\n| Enterprise | 1,000,000 |"
    quotes = select_quotes("API calls per day on Growth", [Hit(section=section(table), score=5.0)])
    assert quotes[0].sentences == ("Growth — API calls per day: 100,000",)


def test_a_word_found_everywhere_in_the_knowledge_base_does_not_choose_the_sentence() -> None:
    # "LumenCRM" is in every section (idf ~0.5): a sentence sharing it and "supported" must not outrank the
    # one that names the integrations the question asks about
    features = section(
        "Native integrations with Slack, Feishu, WeCom, Zapier, DocuSign and QuickBooks.\n"
        "The REST API is available on all plans.",
        heading="Integrations and API",
    )
    editions = section(
        "The on-premises product LumenCRM Classic is no longer sold; it is supported until 2027-12-31.",
        id=2,
        heading="Editions",
    )
    hits = [Hit(section=features, score=8.0, rank=1), Hit(section=editions, score=6.2, rank=2)]
    question = "What integrations does LumenCRM support?"
    weights = {"integr": 2.5, "lumencrm": 0.5, "support": 2.2}
    quotes = select_quotes(question, hits, term_weights=weights)
    assert quotes[0].sentences[0].startswith("Native integrations")
    unweighted = select_quotes(question, hits)  # without the knowledge base's idf the product name counts
    assert unweighted[0].hit.section.heading == "Editions"


def test_a_sentence_two_sections_share_is_quoted_once_and_a_bold_heading_is_bold_once() -> None:
    shared = "For production, deploy on a cluster or on Kubernetes."
    first = section(f"Kubernetes deployment runs every service in pods. {shared}", heading="**Kubernetes**")
    second = section(f"Standalone mode is for trying it out. {shared}", id=2, heading="Standalone")
    hits = [Hit(section=first, score=9.0, rank=1), Hit(section=second, score=8.0, rank=2)]
    quotes = select_quotes("Can we deploy on Kubernetes in production?", hits)
    quoted = [sentence for quote in quotes for sentence in quote.sentences]
    assert quoted.count(shared) == 1
    body = extractive_body(
        question="Can we deploy on Kubernetes in production?", hits=hits, language="en"
    ).body
    assert body.count(shared) == 1 and "**Kubernetes**:" in body and "****" not in body


def _limits_and_release_notes() -> list[Hit]:
    """The limits FAQ, then release notes repeating the question's rarest word ("single-table") in sentences
    about something else."""
    limits = section(
        "The default maximum number of columns is 1017; it can be raised to 4096.",
        heading="What are the limits on columns and row size?",
    )
    notes = [
        section(
            f"Release {n}: single-table write throughput scales out; single-table replication runs on "
            "several nodes.",
            id=n,
            heading=f"Release {n}",
            path=f"en/release-{n}.md",
        )
        for n in range(2, 6)
    ]
    return [Hit(section=s, score=9.0 - i, rank=i + 1) for i, s in enumerate([limits, *notes])]


COLUMNS_QUESTION = "How many columns can a single table have?"
COLUMNS_WEIGHTS = {"singl": 6.0, "tabl": 1.0, "column": 1.5, "mani": 0.5}


def test_the_supporting_sections_are_quoted_first_even_when_lower_ones_repeat_a_rare_word() -> None:
    hits = _limits_and_release_notes()
    # the decision found the FAQ (id 1) supporting: it speaks, and first; of the others only the section
    # holding the best sentence of all is quoted
    quotes = select_quotes(COLUMNS_QUESTION, hits, term_weights=COLUMNS_WEIGHTS, leads={1})
    assert [q.hit.section.id for q in quotes] == [1, 2]
    assert quotes[0].sentences == (
        "The default maximum number of columns is 1017; it can be raised to 4096.",
    )
    # without the decision's word, the first three hits are taken as supporting
    unknown = select_quotes(COLUMNS_QUESTION, hits, term_weights=COLUMNS_WEIGHTS)
    assert 1 in {q.hit.section.id for q in unknown} <= {1, 2, 3}


def test_a_chinese_question_word_inside_a_longer_word_of_the_sentence_is_shared() -> None:
    # jieba cuts 列 alone in the question, 列数 in the sentence: the sentence still answers it
    faq = section("部署前请阅读存储说明。TiDB 中默认的最大列数为 1017。", heading="限制", language="zh")
    quotes = select_quotes("单表最多多少列？", [Hit(section=faq, score=9.0, rank=1)])
    assert quotes and quotes[0].sentences == ("TiDB 中默认的最大列数为 1017。",)


def test_html_tags_are_not_quoted_but_placeholders_are() -> None:
    # APISIX / TiDB tables break lines with <br/>; RocketMQ folds tables into <details><summary>
    text = (
        "<details>\n<summary>Connection-related parameters</summary>\n\n| Name | Meaning |\n|---|---|\n"
        "| timeout | Read timeout<br/>in <b>seconds</b>, default 3 |\n</details>\n\n"
        "Call `/routes/<id>` with <username> to change it."
    )
    assert split_sentences(text) == [
        "Connection-related parameters",
        "timeout — Meaning: Read timeout in seconds, default 3",
        "Call /routes/<id> with <username> to change it.",
    ]
    # an image quoted "See !" as a sentence, and an image without alt text as "[](a.png)"
    assert split_sentences("See ![architecture](img/a.png) below.\n\n![](img/b.png)\n\nNext.") == [
        "See below.",
        "Next.",
    ]


def test_a_sentence_that_only_introduces_code_is_not_quoted_and_repeats_count_once() -> None:
    # APISIX quoted "Create a Consumer … configured as such: Synchronize the configuration to the gateway: Create
    # a Consumer … configured as such:" — introductions of code blocks, the same under each tab of the page
    text = (
        "JWT authenticates consumers.\n\nCreate a Consumer configured as such:\n\n```shell\ncurl x\n```\n\n"
        "Synchronize the configuration to the gateway:\n\n```yaml\na: 1\n```\n\nJWT authenticates consumers.\n\n"
        "Options are:\n\n- one\n- two"
    )
    assert split_sentences(text) == ["JWT authenticates consumers.", "Options are:", "one", "two"]


def test_a_bold_label_alone_on_a_line_leads_the_sentence_after_it() -> None:
    # RocketMQ's FAQ lists "- **原因**" / "- **解决方案**": quoted as "原因。 1）Consumer 参数校验失败。解决方案"
    text = (
        "除此之外，还有其他异常。\n\n   - **原因**\n\n     1）Consumer 参数校验失败。\n\n   - **解决方案**\n\n"
        "     1）请参考客户端配置。\n\n**Solution:**\nRestart the broker.\n\n**Example**\n\n```sh\nrun\n```\n\nAfter."
    )
    assert split_sentences(text) == [
        "除此之外，还有其他异常。",
        "原因：1）Consumer 参数校验失败。",
        "解决方案：1）请参考客户端配置。",
        "Solution: Restart the broker.",
        "After.",
    ]
