"""Knowledge-base questions: answers with citations, "I'm not sure" with the closest sections, "I don't know" +
escalation to the PMs, PM answers that go back to the asker's thread and into the knowledge base, 👍/👎
feedback, `kb add` and `kb gaps`.

Free text addressed to the bot (a mention, a DM) is a question; so is `ask …` / `提问 …`.
- `asking.py` — a question in, an answer (or "not sure", or "I don't know" + escalation) out;
- `escalation.py` — the PM side: "I don't know" + escalation, the Answer form/command;
- `feedback.py` — 👍/👎, "Ask a PM" after a 👎, `kb add`, `kb gaps`.

These parse and reply; the data and rules — recording questions and escalations, posting to the PM channels,
delivering a PM's answer to every asker and into the knowledge base, votes, FAQ entries — are in
`services/questions/`, where any other entry point (the dashboard) calls them too. The buttons' action ids
are in `services.questions.buttons`.
"""

from __future__ import annotations

from bot.router import Router
from handlers.ask.asking import USAGE_ASK, handle_ask, handle_question
from handlers.ask.escalation import (
    ANSWER_FORM,
    USAGE_ANSWER,
    handle_answer_button,
    handle_answer_command,
    handle_answer_form,
    handle_escalate_button,
)
from handlers.ask.feedback import USAGE_KB, handle_feedback, handle_kb
from services.questions.buttons import ANSWER_BUTTON, ESCALATE, FEEDBACK


def register(router: Router) -> None:
    router.command(
        "ask",
        handle_ask,
        aliases=("提问",),
        summary_en="Ask the product knowledge base (or just @mention me / DM me)",
        summary_zh="向产品知识库提问（也可以直接 @我 或私信我）",
        usage=USAGE_ASK,
        placeholder=True,
        details_en="Answers come with numbered sources. When I don't know, I ask the product managers and "
        "post their answer in your thread.",
        details_zh="回答附带编号的资料来源。不知道时我会转给产品经理，并把他们的回答发回你的话题。",
    )
    router.command(
        "answer",
        handle_answer_command,
        aliases=("回答",),
        summary_en="PMs: answer an escalated question: `answer 12 Yes, since 5.0`",
        summary_zh="产品经理：回答转来的问题：`回答 12 支持，5.0 起`",
        usage=USAGE_ANSWER,
        roles=("pm",),
    )
    router.command(
        "kb",
        handle_kb,
        aliases=("知识库",),
        summary_en="PMs: add a quick FAQ entry, list unanswered and down-voted questions",
        summary_zh="产品经理：添加 FAQ 条目，查看未解答和被点踩的问题",
        usage=USAGE_KB,
    )
    router.action(FEEDBACK, handle_feedback)
    router.action(ESCALATE, handle_escalate_button)
    router.action(ANSWER_BUTTON, handle_answer_button)
    router.form(ANSWER_FORM, handle_answer_form)
    router.fallback(handle_question, placeholder=True)
