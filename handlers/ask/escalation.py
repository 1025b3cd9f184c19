"""The PM side of questions: "I don't know" + the escalation post in every PM channel, the Answer form and
`answer <id> <text>` command, and delivering the answer to every asker's thread and into the knowledge base."""

from __future__ import annotations

import logging

from bot.chat_text import mention, parse_id
from bot.commands import split_command_word
from bot.errors import NotFound, UsageError
from bot.i18n import both, detect_language, pick
from bot.messages import Address, Button, Form, FormInput, IncomingMessage, KeyValue, Reply
from bot.models.qa import QaEscalation, QaQuestion
from handlers.ask.feedback import feedback_buttons
from knowledge.answer_text import dont_know
from services.context import Services
from services.questions.escalation import (
    escalation_askers,
    get_escalation,
    get_question,
    link_faq,
    open_escalation,
    question_address,
    record_answer,
)

logger = logging.getLogger(__name__)

USAGE_ANSWER = "answer <id> <text>\n回答 <编号> <内容>"
ANSWER_BUTTON = "kb.answer"  # value = escalation id
ANSWER_FORM = "kb.answer"


# --- escalation -----------------------------------------------------------------------------------------


def escalate(services: Services, *, question_id: int, language: str) -> Reply:
    """Say "I don't know", and post the question to every PM channel (once per distinct open question)."""
    with services.db.session() as session:
        question = get_question(session=session, question_id=question_id)
        if question is None:
            raise NotFound(f"No question #{question_id}.", f"没有编号为 {question_id} 的问题。")
        escalation, created = open_escalation(session=session, question=question, now=services.now())
        escalation_id = escalation.id
        asker, platform = question.user_id, question.platform
        text = question.question
    assert escalation_id is not None
    channels = services.settings.pm_channels
    if created:
        for pm_platform, channel in channels:
            services.send(
                Address(platform=pm_platform, conversation=channel),
                escalation_post(escalation_id=escalation_id, question=text, asker=asker, platform=platform),
                dedupe_key=f"qa.escalation.{escalation_id}.{pm_platform}.{channel}",
            )
    if not channels:
        note = pick(
            language,
            f"No PM channel is configured (SALESBRIDGE_PM_CHANNELS), so I could not ask the product managers; "
            f"a PM can still answer with `answer {escalation_id} …` (question #{escalation_id}).",
            f"尚未配置产品经理频道（SALESBRIDGE_PM_CHANNELS），无法转给产品经理；"
            f"产品经理仍可用 `回答 {escalation_id} …` 解答（问题 #{escalation_id}）。",
        )
    elif created:
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


def escalation_post(*, escalation_id: int, question: str, asker: str, platform: str) -> Reply:
    return Reply(
        title=f"❓ Question #{escalation_id} from sales / 销售提问 #{escalation_id}",
        text=f"> {question}",
        fields=[KeyValue(label="Asked by / 提问人", value=mention(asker, platform=platform))],
        buttons=[
            Button(action_id=ANSWER_BUTTON, label="Answer / 回答", value=str(escalation_id), style="primary")
        ],
        context=[
            both(
                f"The knowledge base has no reliable answer. Click Answer or reply `answer {escalation_id} <text>`: "
                "the answer goes to the asker and into the knowledge base as an FAQ.",
                f"知识库中没有可靠的答案。点击“回答”或发送 `回答 {escalation_id} <内容>`：回答会发给提问人，并作为 FAQ 存入知识库。",
            )
        ],
        where="channel",
        color="warning",
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


def handle_answer_command(msg: IncomingMessage, services: Services) -> Reply:
    head, text = split_command_word(msg.args)
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
    """Record the PM's answer, save it as an FAQ entry, and post it in every asker's thread (once)."""
    text = text.strip()
    now = services.now()
    today = now.astimezone(services.settings.tz).date()
    with services.db.session() as session:
        outcome = record_answer(
            session=session,
            escalation_id=escalation_id,
            text=text,
            by=msg.user,
            platform=msg.platform,
            now=now,
        )
        if outcome is None:
            raise NotFound(
                f"No escalated question #{escalation_id}.", f"没有编号为 {escalation_id} 的转交问题。"
            )
        escalation = outcome.escalation
    language = detect_language(text)
    # The same answer again is a double submit — unless the first delivery broke off before the FAQ entry was
    # saved: then this retry completes it (the outbox dedupe keys keep askers from getting it twice).
    if not outcome.changed and escalation.faq_document_id is not None:
        who = escalation.answered_by or msg.user
        return Reply(
            text=pick(
                language,
                f"#{escalation_id} already has this answer (from {mention(who, platform=escalation.answered_platform or msg.platform)}); nothing was sent again.",
                f"#{escalation_id} 已经有这个回答（来自 {mention(who, platform=escalation.answered_platform or msg.platform)}），没有重复发送。",
            ),
            where="ephemeral",
        )
    document_id = services.knowledge.add_document(
        path=f"faq:escalation-{escalation_id}",
        title=escalation.question,
        text=text,
        language=escalation.language,
        owner=msg.user,
        updated=today,
        kind="faq",
    )
    with services.db.session() as session:
        link_faq(session=session, escalation_id=escalation_id, document_id=document_id)
        askers = escalation_askers(session=session, escalation_id=escalation_id)
    sent = notify_askers(
        services,
        escalation=escalation,
        askers=askers,
        answer=text,
        by=msg.user,
        platform=msg.platform,
        corrected=outcome.corrected,
        revision=outcome.revision,
    )
    tell_other_pm_channels(services, msg=msg, escalation=escalation, answer=text, revision=outcome.revision)
    if outcome.corrected:
        en = f"Updated the answer to #{escalation_id}: sent the correction to {sent} asker(s) and updated the FAQ entry."
        zh = f"已更新 #{escalation_id} 的回答：更正已发给 {sent} 位提问人，FAQ 条目也已更新。"
    else:
        en = f"Thanks! Your answer to #{escalation_id} went to {sent} asker(s) and is now in the knowledge base as an FAQ."
        zh = f"谢谢！你对 #{escalation_id} 的回答已发给 {sent} 位提问人，并已作为 FAQ 存入知识库。"
    return Reply(text=pick(language, en, zh), where="thread", color="success")


def tell_other_pm_channels(
    services: Services, *, msg: IncomingMessage, escalation: QaEscalation, answer: str, revision: int
) -> None:
    """ "✅ #12 answered by …" in the PM channels other than the one the answer came from (no double work)."""
    for platform, channel in services.settings.pm_channels:
        if (platform, channel) == (msg.platform, msg.conversation):
            continue
        services.send(
            Address(platform=platform, conversation=channel),
            Reply(
                text=f"✅ #{escalation.id} — {escalation.question}\n{answer}",
                context=[
                    both(
                        f"Answered by {mention(msg.user, platform=msg.platform)}; saved to the knowledge base.",
                        f"由 {mention(msg.user, platform=msg.platform)} 解答；已存入知识库。",
                    )
                ],
                where="channel",
                color="success",
            ),
            dedupe_key=f"qa.answered.{escalation.id}.r{revision}.{platform}.{channel}",
        )


def notify_askers(
    services: Services,
    *,
    escalation: QaEscalation,
    askers: list[QaQuestion],
    answer: str,
    by: str,
    platform: str,
    corrected: bool,
    revision: int,
) -> int:
    """Post the answer into each asker's thread on the asker's platform; one message per asker and revision."""
    sent = 0
    seen: set[str] = set()
    for question in askers:
        address = question_address(question)
        if address is None:
            continue  # asked from the command line: nobody to notify
        key = f"{address.model_dump_json()}|{question.user_id}"
        if key in seen:
            continue
        seen.add(key)
        lang = question.language
        date = services.now().astimezone(services.settings.tz).date().isoformat()
        title = (
            pick(lang, "Corrected answer from the product team", "产品团队更正后的回答")
            if corrected
            else pick(lang, "Answer from the product team", "产品团队的回答")
        )
        reply = Reply(
            title=title,
            text=f"{mention(question.user_id)} "
            + pick(
                lang, f"you asked: _{question.question}_\n{answer}", f"你问：_{question.question}_\n{answer}"
            ),
            context=[
                pick(
                    lang,
                    f"Answered by {mention(by, platform=platform)} on {date}; saved to the knowledge base as an FAQ.",
                    f"由 {mention(by, platform=platform)} 于 {date} 解答；已作为 FAQ 存入知识库。",
                )
            ],
            buttons=feedback_buttons(question.id or 0, lang),
            color="success",
        )
        services.send(address, reply, dedupe_key=f"qa.answer.{escalation.id}.r{revision}.q{question.id}")
        sent += 1
    return sent
