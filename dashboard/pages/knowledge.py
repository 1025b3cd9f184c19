"""The knowledge base: documents with their ingest and embedding status, the questions it does not serve
(unanswered, declined, 👎) grouped by meaning with an answer form in place, FAQ entries from PM answers with
their owner and re-verification date, and the answer / decline rate per week.

Routes (names for `ctx.url`): `knowledge` GET /app/knowledge · `knowledge_answer` POST /app/knowledge/answer
(pm) · `faq_reverify` POST /app/knowledge/faq/{document_id}/reverify (pm).

Everyone sees the documents and the FAQ entries; PMs and admins also see the questions, the rates, and act.
An answer goes through `services.questions.groups.answer_group` → `pm_answers.answer_escalation`, so askers
are told in their threads exactly as when a PM answers in chat; re-verifying is `faq.reverify_faq`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from markupsafe import Markup
from starlette.responses import Response

from dashboard.charts import Series, bar_chart
from dashboard.pages.common import (
    day_text,
    local_time,
    local_today,
    notice_text,
    path_id,
    person,
    whole_number,
)
from dashboard.web import Ctx, Page, bad_request, page_route
from services.knowledge_status import knowledge_status
from services.questions.faq import faq_entries, reverify_faq
from services.questions.groups import (
    WeekRate,
    answer_group,
    answer_rates,
    parse_question_ids,
    question_groups,
)

DAYS = (7, 30, 90, 365)
DEFAULT_DAYS = 90
MAX_DOCUMENTS_SHOWN = 300
MAX_ANSWER_CHARS = 8000
NOTICES = {
    "answered": (
        "Answer sent to {n} asker(s) in their threads, on their own platform, and saved as an FAQ entry.",
        "回答已在各自平台的原对话中发给 {n} 位提问人，并已存为 FAQ 条目。",
    ),
    "repeated": (
        "These questions already have this very answer; nothing was sent again.",
        "这些问题已经有相同的回答，没有重复发送。",
    ),
    "reverified": (
        "Re-verified: the entry is due again on {d}.",
        "已复核：下次复核日期为 {d}。",
    ),
}
KIND_ZH = {"doc": "文档", "faq": "FAQ", "eos": "停售通知"}
STATE_LABELS = {
    "embedded": ("embedded", "已向量化"),
    "partial": ("partly embedded", "部分向量化"),
    "pending": ("waiting to be embedded", "等待向量化"),
    "off": ("lexical only", "仅关键词检索"),
}


def kind_label(ctx: Ctx, kind: str) -> str:
    return ctx.t(kind, KIND_ZH.get(kind, kind))


def _days(ctx: Ctx) -> int:
    raw = ctx.param("days")
    if not raw:
        return DEFAULT_DAYS
    number = whole_number(raw)
    if number is None or number not in DAYS:
        raise bad_request(
            f"The period is one of {', '.join(map(str, DAYS))} days, got {raw!r}.",
            f"时间范围应为 {'、'.join(map(str, DAYS))} 天之一，收到 {raw!r}。",
        )
    return number


def show_knowledge(ctx: Ctx) -> Response:
    viewer = ctx.me
    days = _days(ctx)
    kind = ctx.param("kind")
    if kind not in ("", "doc", "faq", "eos"):
        raise bad_request(
            f"The kind is doc, faq or eos, got {kind!r}.", f"类型应为 doc、faq 或 eos，收到 {kind!r}。"
        )
    services = ctx.services
    today = local_today(ctx)
    status = knowledge_status(services=services, kind=kind)
    with services.db.session() as session:
        entries = faq_entries(session=session, settings=services.settings, today=today)
        rates = (
            answer_rates(session=session, now=services.now(), tz=services.settings.tz) if viewer.is_pm else []
        )
    groups = (
        question_groups(services=services, since=services.now() - timedelta(days=days))
        if viewer.is_pm
        else []
    )
    overdue = [e for e in entries if e.overdue(today)]
    return ctx.render(
        "knowledge.html",
        title=ctx.t("Knowledge", "知识库"),
        kb=status,
        semantic=semantic_text(ctx),
        decision=decision_text(ctx, status.decision),
        changed=local_time(ctx, datetime.fromisoformat(status.changed)) if status.changed else "",
        documents=status.documents[:MAX_DOCUMENTS_SHOWN],
        kind=kind,
        groups=groups,
        days=days,
        day_choices=DAYS,
        entries=entries,
        overdue=overdue,
        today=today,
        rate_chart=answer_rate_chart(ctx, rates) if rates else None,
        notice=notice_text(ctx, NOTICES),
        when=lambda moment: local_time(ctx, moment),
        day=lambda d: day_text(ctx, d),
        person=person,
        kind_label=lambda k: kind_label(ctx, k),
        state_label=lambda s: ctx.t(*STATE_LABELS.get(s, (s, s))),
        max_answer=MAX_ANSWER_CHARS,
    )


def semantic_text(ctx: Ctx) -> str:
    """The embedding model in use (`bundled: multilingual-e5-small`), or "lexical only" and why, in the page's
    language (`EmbeddingStatus.describe` is the log's English)."""
    embedding = ctx.services.knowledge.embedding_status
    if embedding.model is not None:
        return f"{embedding.backend}: {embedding.model}"
    why = f" ({embedding.detail})" if embedding.detail else ""
    return ctx.t("lexical only", "仅关键词检索") + why


def decision_text(ctx: Ctx, source: str) -> str:
    """`knowledge.decision().source`: "default", or what `kb calibrate` was fed."""
    if source == "default":
        return ctx.t("default thresholds (not calibrated)", "默认阈值（未校准）")
    return ctx.t(f"calibrated: {source}", f"已校准：{source}")


def answer_rate_chart(ctx: Ctx, rates: list[WeekRate]) -> Markup:
    asked = sum(r.asked for r in rates)
    answered = sum(r.answered for r in rates)
    share = answered / asked if asked else 0.0
    labels = [r.week.strftime("%m-%d") for r in rates]
    return bar_chart(
        chart_id="chart-answer-rate",
        title=ctx.t("Questions answered and declined per week", "每周回答与未能回答的问题"),
        summary=ctx.t(
            f"{len(rates)} weeks: {asked} question(s), {answered} answered ({share:.0%}); this week "
            f"{rates[-1].answered} of {rates[-1].asked}.",
            f"{len(rates)} 周：共 {asked} 个问题，回答 {answered} 个（{share:.0%}）；本周 {rates[-1].asked} 个中回答 "
            f"{rates[-1].answered} 个。",
        ),
        labels=labels,
        series=[
            Series(ctx.t("answered", "已回答"), [r.answered for r in rates], "#17794a"),
            Series(ctx.t("declined", "未能回答"), [r.declined for r in rates], "#b42318"),
        ],
        details_label=ctx.t("Numbers", "数据"),
        total_label=ctx.t("Asked", "提问数"),
    )


def answer(ctx: Ctx) -> Response:
    """A PM's answer to a group of questions: every escalation of the group answered as in chat."""
    viewer = ctx.require_pm()
    question_ids = parse_question_ids(ctx.form.get("questions", ""))
    text = ctx.form.get("answer", "").strip()
    if not text:
        raise bad_request("The answer is empty.", "回答内容为空。")
    if len(text) > MAX_ANSWER_CHARS:
        raise bad_request(
            f"The answer is too long (at most {MAX_ANSWER_CHARS} characters).",
            f"回答太长（最多 {MAX_ANSWER_CHARS} 个字符）。",
        )
    done = answer_group(
        services=ctx.services, question_ids=question_ids, text=text, by=viewer.user, platform=viewer.platform
    )
    code = "repeated" if done.repeated else "answered"
    return ctx.redirect(ctx.url("knowledge", query={"notice": code, "n": done.askers}) + "#unanswered-groups")


def reverify(ctx: Ctx) -> Response:
    """A PM re-verified an FAQ entry: its date moves SALESBRIDGE_FAQ_VERIFY_DAYS ahead."""
    ctx.require_pm()
    document_id = path_id(ctx, "document_id", what_en="FAQ entry", what_zh="FAQ 条目")
    verify_by = reverify_faq(services=ctx.services, document_id=document_id)
    return ctx.redirect(
        ctx.url("knowledge", query={"notice": "reverified", "d": verify_by.isoformat()})
        + f"#faq-row-{document_id}"
    )


PAGE = Page(
    key="knowledge",
    label_en="Knowledge",
    label_zh="知识库",
    home="knowledge",
    routes=[
        page_route("/knowledge", show_knowledge, name="knowledge", page="knowledge"),
        page_route(
            "/knowledge/answer",
            answer,
            name="knowledge_answer",
            page="knowledge",
            methods=("POST",),
            pm_only=True,
        ),
        page_route(
            "/knowledge/faq/{document_id}/reverify",
            reverify,
            name="faq_reverify",
            page="knowledge",
            methods=("POST",),
            pm_only=True,
        ),
    ],
)
