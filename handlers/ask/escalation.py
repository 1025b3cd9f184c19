"""The PM side of questions in chat: "I don't know" around the escalation (`services.questions.escalating`),
the "Ask a PM" button, the Answer form and the `answer <id> <text>` command. Recording the answer and
delivering it to every asker's thread and into the knowledge base is `services.questions.pm_answers`."""

from __future__ import annotations

import logging
import re

from bot.chat_text import mention, parse_id
from bot.commands import split_command_word
from bot.errors import NotFound, UsageError
from bot.i18n import detect_language, pick
from bot.messages import Form, FormInput, IncomingMessage, Reply
from knowledge.answer_text import dont_know
from services.context import Services
from services.questions.buttons import feedback_buttons
from services.questions.escalating import escalate_question
from services.questions.escalation import get_escalation, get_question
from services.questions.pm_answers import answer_escalation, has_words

logger = logging.getLogger(__name__)

USAGE_ANSWER = "answer <id> <text>\n回答 <编号> <内容>"
ANSWER_FORM = "kb.answer"

# --- escalation -----------------------------------------------------------------------------------------


def escalate(services: Services, *, question_id: int, language: str) -> Reply:
    """Say "I don't know", and post the question to every PM channel (once per distinct open question)."""
    escalated = escalate_question(services=services, question_id=question_id)
    escalation_id = escalated.escalation_id
    if not escalated.pm_channels:
        note = pick(
            language,
            f"No PM channel is configured (SALESBRIDGE_PM_CHANNELS), so I could not ask the product managers; "
            f"a PM can still answer with `answer {escalation_id} …` (question #{escalation_id}).",
            f"尚未配置产品经理频道（SALESBRIDGE_PM_CHANNELS），无法转给产品经理；"
            f"产品经理仍可用 `回答 {escalation_id} …` 解答（问题 #{escalation_id}）。",
        )
    elif escalated.created:
        note = pick(
            language,
            f"I've asked the product managers (question #{escalation_id}); their answer will be posted here.",
            f"我已把问题转给产品经理（问题 #{escalation_id}），他们的回答会发到这里。",
        )
    else:
        note = pick(
            language,
            f"The product managers already have this question (#{escalation_id}); I'll post their answer here too.",
            f"产品经理已经收到过这个问题（#{escalation_id}），他们回答后我也会发到这里。",
        )
    return Reply(
        text=f"{dont_know(language)}\n{note}",
        buttons=feedback_buttons(question_id, language),
        where="thread",
        color="info",
    )


def handle_escalate_button(msg: IncomingMessage, services: Services) -> Reply:
    question_id = parse_id(msg.action_value, what_en="question", what_zh="问题")
    with services.db.session() as session:
        question = get_question(session=session, question_id=question_id)
        if question is None:
            raise NotFound(f"No question #{question_id}.", f"没有编号为 {question_id} 的问题。")
        language, already = question.language, question.escalation_id
    if already is not None:
        with services.db.session() as session:
            escalation = get_escalation(session=session, escalation_id=already)
            status = escalation.status if escalation else "open"
        return Reply(
            text=pick(
                language,
                f"This question is already with the product managers (#{already}, {status}).",
                f"这个问题已经转给产品经理（#{already}，{'已回答' if status == 'answered' else '待回答'}）。",
            ),
            where="ephemeral",
        )
    reply = escalate(services, question_id=question_id, language=language)
    note = reply.text.split("\n", 1)[-1]
    return Reply(text=note, where="ephemeral", color="info")


# --- PM answers -----------------------------------------------------------------------------------------


# "12 text", "#12: text", "12：内容", "#12，内容" — the id, then the answer after an optional colon or comma
_ID_THEN_TEXT = re.compile(r"^([#＃]?\d+)(?:\s*[:：,，]\s*|\s+|$)(.*)$", re.DOTALL)


def handle_answer_command(msg: IncomingMessage, services: Services) -> Reply:
    found = _ID_THEN_TEXT.match(msg.args.strip())
    head, text = (found.group(1), found.group(2)) if found else split_command_word(msg.args)
    if not head:
        raise UsageError(
            "Which question, and what is the answer?", "回答哪个问题？内容是什么？", usage=USAGE_ANSWER
        )
    escalation_id = parse_id(head, what_en="question", what_zh="问题")
    if not text.strip():
        raise UsageError(
            f"The answer to #{escalation_id} is missing.",
            f"缺少对 #{escalation_id} 的回答内容。",
            usage=USAGE_ANSWER,
        )
    return deliver_answer(msg, services, escalation_id=escalation_id, text=text)


def handle_answer_button(msg: IncomingMessage, services: Services) -> Reply:
    services.roles.require(platform=msg.platform, user=msg.user, workspace=msg.role_workspace)
    escalation_id = parse_id(msg.action_value, what_en="question", what_zh="问题")
    with services.db.session() as session:
        escalation = get_escalation(session=session, escalation_id=escalation_id)
        if escalation is None:
            raise NotFound(
                f"No escalated question #{escalation_id}.", f"没有编号为 {escalation_id} 的转交问题。"
            )
        question, current = escalation.question, escalation.answer
    return Reply(
        form=Form(
            form_id=ANSWER_FORM,
            title=f"Answer #{escalation_id} / 回答",
            submit_label="Send / 发送",
            inputs=[
                FormInput(
                    name="answer",
                    label=question[:150] + ("…" if len(question) > 150 else ""),
                    placeholder="The answer for the sales team / 给销售团队的回答",
                    multiline=True,
                    initial=current,
                )
            ],
            private_value=str(escalation_id),
        )
    )


def handle_answer_form(msg: IncomingMessage, services: Services) -> Reply:
    services.roles.require(platform=msg.platform, user=msg.user, workspace=msg.role_workspace)
    escalation_id = parse_id(msg.action_value, what_en="question", what_zh="问题")
    text = (msg.form.get("answer") or "").strip()
    if not text:
        raise UsageError("The answer is empty.", "回答内容为空。", usage=USAGE_ANSWER)
    return deliver_answer(msg, services, escalation_id=escalation_id, text=text)


def deliver_answer(msg: IncomingMessage, services: Services, *, escalation_id: int, text: str) -> Reply:
    """The PM's answer, recorded and delivered (`answer_escalation`); the reply tells the PM where it went."""
    if not has_words(text):
        raise UsageError(
            f"The answer to #{escalation_id} has no words ({text.strip()!r}); nothing was sent or saved.",
            f"对 #{escalation_id} 的回答没有文字（{text.strip()!r}），未发送也未保存。",
            usage=USAGE_ANSWER,
        )
    delivered = answer_escalation(
        services=services,
        escalation_id=escalation_id,
        text=text,
        by=msg.user,
        platform=msg.platform,
        from_conversation=msg.conversation,
    )
    language = detect_language(text.strip())
    if delivered.repeated:
        escalation = delivered.escalation
        who = escalation.answered_by or msg.user
        where = escalation.answered_platform or msg.platform
        en = f"#{escalation_id} already has this answer (from {mention(who, platform=where)}); nothing was sent again."
        zh = f"#{escalation_id} 已经有这个回答（来自 {mention(who, platform=where)}），没有重复发送。"
        if delivered.verify_by is not None:
            en += f" Its FAQ entry is re-verified until {delivered.verify_by.isoformat()}."
            zh += f"FAQ 条目已复核，有效期至 {delivered.verify_by.isoformat()}。"
        return Reply(text=pick(language, en, zh), where="ephemeral")
    sent = delivered.askers
    if delivered.corrected:
        en = f"Updated the answer to #{escalation_id}: sent the correction to {sent} asker(s) and updated the FAQ entry."
        zh = f"已更新 #{escalation_id} 的回答：更正已发给 {sent} 位提问人，FAQ 条目也已更新。"
    else:
        en = f"Thanks! Your answer to #{escalation_id} went to {sent} asker(s) and is now in the knowledge base as an FAQ."
        zh = f"谢谢！你对 #{escalation_id} 的回答已发给 {sent} 位提问人，并已作为 FAQ 存入知识库。"
    return Reply(text=pick(language, en, zh), where="thread", color="success")
