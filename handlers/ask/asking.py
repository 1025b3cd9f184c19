"""A question in, one reply out: an answer with citations, "I'm not sure — the closest sections" with an
Ask-a-PM button, or "I don't know" and the question escalated to the PMs (`handlers.ask.escalation`). The
question is recorded by `services.questions.asking`; the asker's thread address (`resolve_address`) is stored
with it, so a PM's answer can be posted there later.

A cited end-of-sale notice brings its note ("⚠️ X: end of sale on …, alternative …") to the top of the reply;
a cited internal document makes the reply a warning. PM answers are matched by meaning in both languages
(`knowledge.memory.PmMemory`) when a semantic model runs.
"""

from __future__ import annotations

import logging

from bot.errors import UsageError
from bot.i18n import pick
from bot.messages import IncomingMessage, Reply, resolve_address
from handlers.announcements.render import eos_note
from handlers.ask.escalation import escalate
from knowledge.answer import Answer, answer_question
from knowledge.memory import PmMemory
from knowledge.tokenize import tokens
from services.announcements.followups import published_eos_notices
from services.announcements.workflow import get_announcement
from services.context import Services
from services.questions.asking import record_asked_question, record_uncovered_asks
from services.questions.buttons import ask_pm_button, feedback_buttons
from services.questions.escalation import thread_question

logger = logging.getLogger(__name__)

USAGE_ASK = "ask <question>\n提问 <问题>\n@bot <question>  (or a DM / 或私信)"
MAX_QUESTION = 1000


def handle_ask(msg: IncomingMessage, services: Services) -> Reply:
    return answer_message(msg, services, question=msg.args)


def handle_question(msg: IncomingMessage, services: Services) -> Reply:
    return answer_message(msg, services, question=msg.text)


def answer_message(msg: IncomingMessage, services: Services, *, question: str) -> Reply:
    question = question.strip()
    if not any(ch.isalnum() for ch in question):  # "", "?", "？", "🙂": nothing to look up, in no language
        raise UsageError("What would you like to know?", "你想了解什么？", usage=USAGE_ASK)
    if len(question) > MAX_QUESTION:
        raise UsageError(
            f"That question is too long ({len(question)} characters, at most {MAX_QUESTION}).",
            f"问题太长（{len(question)} 个字符，最多 {MAX_QUESTION} 个）。",
            usage=USAGE_ASK,
        )
    thread = msg.thread or msg.message_id
    context = None
    if msg.in_thread and thread:
        with services.db.session() as session:
            context = thread_question(
                session=session, platform=msg.platform, conversation=msg.conversation, thread=thread
            )
    answer = answer_question(
        question=question,
        knowledge=services.knowledge,
        llm=services.llm,
        today=services.now().astimezone(services.settings.tz).date(),
        stale_days=services.settings.kb_stale_days,
        context=context,
        memory=pm_memory(services),
    )
    if answer.support == "none" and not worth_escalating(question):
        return small_talk_reply(answer.language)
    address = resolve_address(msg, Reply(where="thread"))
    with services.db.session() as session:
        question_id = record_asked_question(
            session=session,
            answer=answer,
            question=question,
            platform=msg.platform,
            user=msg.user,
            address=address,
            conversation=msg.conversation,
            thread=thread,
            now=services.now(),
        )
        uncovered_id = (
            record_uncovered_asks(
                session=session,
                answer=answer,
                platform=msg.platform,
                user=msg.user,
                address=address,
                thread=thread,
                now=services.now(),
            )
            if answer.support == "strong"
            else None
        )
    if answer.support == "none":
        reply = escalate(services, question_id=question_id, language=answer.language)
        notes = eos_notes(services, answer)
        return reply.model_copy(update={"text": "\n".join([*notes, reply.text])}) if notes else reply
    return answer_reply(
        answer, question_id=question_id, eos_notes=eos_notes(services, answer), uncovered_id=uncovered_id
    )


def pm_memory(services: Services) -> PmMemory | None:
    """The PM answers, matched by meaning — None when no semantic model runs (lexical retrieval still finds
    them as FAQ entries)."""
    knowledge = services.knowledge
    if getattr(knowledge, "embedder", None) is None:
        return None
    return PmMemory(knowledge=knowledge)


_QUESTION_MARKS = ("?", "？", "吗", "呢", "么")


def worth_escalating(question: str) -> bool:
    """A real question for the PMs — not "hi", "thanks" or a lone word the knowledge base does not know."""
    terms = tokens(question)
    if not terms:
        return False
    return len(terms) >= 2 or question.strip().endswith(_QUESTION_MARKS)


def small_talk_reply(language: str) -> Reply:
    return Reply(
        text=pick(
            language,
            "I couldn't find that in the knowledge base. Ask me a full product question — e.g. "
            "“Does the Enterprise plan include SSO?” — or type `help`.",
            "知识库里没有找到相关内容。请问一个完整的产品问题，例如“企业版支持单点登录吗？”，或输入 `help`。",
        ),
        where="thread",
    )


def answer_reply(
    answer: Answer, *, question_id: int, eos_notes: list[str] | None = None, uncovered_id: int | None = None
) -> Reply:
    """An answer (👍/👎, and Ask a PM for the asks it could not answer — question `uncovered_id`, those asks
    alone), or "not sure" (Ask a PM)."""
    text = "\n".join([*(eos_notes or []), answer.text])
    if answer.support == "weak":
        return Reply(
            text=text,
            citations=answer.citations,
            context=answer.notes,
            buttons=[ask_pm_button(question_id, answer.language)],
            where="thread",
            color="warning",
        )
    buttons = feedback_buttons(question_id, answer.language)
    if answer.uncovered:
        buttons.append(ask_pm_button(uncovered_id or question_id, answer.language))
    warn = answer.internal or any(s.stale for s in answer.sources)
    return Reply(
        text=text,
        citations=answer.citations,
        context=answer.notes,
        buttons=buttons,
        where="thread",
        color="warning" if warn else "default",
    )


def eos_notes(services: Services, answer: Answer) -> list[str]:
    """The note of each published end-of-sale notice among the answer's sources or retrieval's best
    sections (`eos:<id>` documents), or whose product the question names: a question about a discontinued
    product gets the dates and the alternative, in the asker's language, whatever else the answer quotes."""
    ids: list[int] = []
    for path in [*(s.path for s in answer.sources), *answer.evidence]:
        if path.startswith("eos:") and path[4:].isdecimal() and int(path[4:]) not in ids:
            ids.append(int(path[4:]))
    asked = set(tokens(answer.question))
    everywhere = services.knowledge.indexes().everywhere
    with services.db.session() as session:
        for notice in published_eos_notices(session=session):
            # "Is Classic still sold?" names "LumenCRM Classic": the product's own name is written everywhere
            named = {term for term in tokens(notice.product) if not everywhere(term)}
            if named and named <= asked and notice.id not in ids and notice.id is not None:
                ids.append(notice.id)
        notices = [get_announcement(session=session, announcement_id=i) for i in ids]
        return [
            eos_note(notice, lang=answer.language)
            for notice in notices
            if notice is not None and notice.kind == "eos" and notice.status == "published"
        ]
