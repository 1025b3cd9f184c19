"""Knowledge-base questions: answers with citations, "I don't know" + escalation to the PMs, PM answers
that go back to the asker's thread and into the knowledge base, 👍/👎 feedback, `kb add` and `kb gaps`.

Free text addressed to the bot (a mention, a DM) is a question; so is `ask …` / `提问 …`.
"""

from __future__ import annotations

import logging
import re

from bot.commands import split_command_word
from bot.dispatch import resolve_address
from bot.errors import NotFound, UsageError
from bot.i18n import both, detect_language, pick
from bot.messages import Address, Button, Form, FormInput, IncomingMessage, KeyValue, Reply
from bot.models.qa import QaEscalation, QaQuestion
from bot.router import Router
from bot.services import Services
from handlers.common import mention, parse_id
from knowledge.answer import Answer, answer_question, dont_know
from knowledge.escalation import (
    escalation_askers,
    get_escalation,
    get_question,
    knowledge_gaps,
    link_faq,
    normalize_question,
    open_escalation,
    question_address,
    record_answer,
    record_question,
    remember_thread,
    thread_question,
    vote,
)

logger = logging.getLogger(__name__)

USAGE_ASK = "ask <question>\n提问 <问题>\n@bot <question>  (or a DM / 或私信)"
USAGE_ANSWER = "answer <id> <text>\n回答 <编号> <内容>"
USAGE_KB = "kb add <title> | <text>\nkb gaps [days]\n知识库 添加 <标题> | <内容>\n知识库 缺口 [天数]"

FEEDBACK = "kb.feedback"  # kb.feedback.up / kb.feedback.down, value = question id
ESCALATE = "kb.escalate"  # value = question id (offered after a 👎)
ANSWER_BUTTON = "kb.answer"  # value = escalation id
ANSWER_FORM = "kb.answer"
MAX_QUESTION = 1000
MAX_CONTEXT = 500
GAPS_DAYS = 30


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


# --- asking ---------------------------------------------------------------------------------------------


def handle_ask(msg: IncomingMessage, services: Services) -> Reply:
    return answer_message(msg, services, question=msg.args)


def handle_question(msg: IncomingMessage, services: Services) -> Reply:
    return answer_message(msg, services, question=msg.text)


def answer_message(msg: IncomingMessage, services: Services, *, question: str) -> Reply:
    question = question.strip()
    if not question:
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
    )
    if not answer.answered and not worth_escalating(question):
        return small_talk_reply(answer.language)
    address = resolve_address(msg, Reply(where="thread"))
    with services.db.session() as session:
        row = record_question(
            session=session,
            answer=answer,
            platform=msg.platform,
            user=msg.user,
            address=address,
            now=services.now(),
            thread=thread,
        )
        if thread:
            remember_thread(
                session=session,
                platform=msg.platform,
                conversation=msg.conversation,
                thread=thread,
                question=(answer.search_query or question)[-MAX_CONTEXT:],
                question_id=row.id,
                now=services.now(),
            )
        question_id = row.id
    assert question_id is not None
    if answer.answered:
        return answer_reply(answer, question_id=question_id)
    return escalate(services, question_id=question_id, language=answer.language)


_QUESTION_MARKS = ("?", "？", "吗", "呢", "么")


def worth_escalating(question: str) -> bool:
    """A real question for the PMs — not "hi", "thanks" or a lone word the knowledge base does not know."""
    from knowledge.tokenize import tokens

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


def feedback_buttons(question_id: int, language: str) -> list[Button]:
    return [
        Button(
            action_id=f"{FEEDBACK}.up",
            label=pick(language, "👍 Helpful", "👍 有帮助"),
            value=str(question_id),
        ),
        Button(
            action_id=f"{FEEDBACK}.down",
            label=pick(language, "👎 Not helpful", "👎 没帮助"),
            value=str(question_id),
        ),
    ]


def answer_reply(answer: Answer, *, question_id: int) -> Reply:
    return Reply(
        text=answer.text,
        citations=answer.citations,
        context=answer.notes,
        buttons=feedback_buttons(question_id, answer.language),
        where="thread",
        color="warning" if any(s.stale for s in answer.sources) else "default",
    )


# --- escalation -----------------------------------------------------------------------------------------


def _who(user: str, platform: str, *, on: str) -> str:
    """A mention when the reader is on the same platform, else a plain id with its platform."""
    return mention(user) if platform == on else f"{user} ({platform})"


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
                escalation_post(
                    escalation_id=escalation_id, question=text, asker=asker, platform=platform, on=pm_platform
                ),
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


def escalation_post(*, escalation_id: int, question: str, asker: str, platform: str, on: str) -> Reply:
    return Reply(
        title=f"❓ Question #{escalation_id} from sales / 销售提问 #{escalation_id}",
        text=f"> {question}",
        fields=[KeyValue(label="Asked by / 提问人", value=_who(asker, platform, on=on))],
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
    services.roles.require(platform=msg.platform, user=msg.user)
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
    services.roles.require(platform=msg.platform, user=msg.user)
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
                f"#{escalation_id} already has this answer (from {_who(who, escalation.answered_platform or '', on=msg.platform)}); nothing was sent again.",
                f"#{escalation_id} 已经有这个回答（来自 {_who(who, escalation.answered_platform or '', on=msg.platform)}），没有重复发送。",
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
                        f"Answered by {_who(msg.user, msg.platform, on=platform)}; saved to the knowledge base.",
                        f"由 {_who(msg.user, msg.platform, on=platform)} 解答；已存入知识库。",
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
                    f"Answered by {_who(by, platform, on=question.platform)} on {date}; saved to the knowledge base as an FAQ.",
                    f"由 {_who(by, platform, on=question.platform)} 于 {date} 解答；已作为 FAQ 存入知识库。",
                )
            ],
            buttons=feedback_buttons(question.id or 0, lang),
            color="success",
        )
        services.send(address, reply, dedupe_key=f"qa.answer.{escalation.id}.r{revision}.q{question.id}")
        sent += 1
    return sent


# --- feedback -------------------------------------------------------------------------------------------


def handle_feedback(msg: IncomingMessage, services: Services) -> Reply:
    direction = (msg.action_id or "").rsplit(".", 1)[-1]
    if direction not in ("up", "down"):
        raise UsageError("Unknown feedback button.", "未知的反馈按钮。")
    question_id = parse_id(msg.action_value, what_en="answer", what_zh="回答")
    value = 1 if direction == "up" else -1
    with services.db.session() as session:
        question = get_question(session=session, question_id=question_id)
        if question is None:
            raise NotFound(f"No answer #{question_id}.", f"没有编号为 {question_id} 的回答。")
        language, escalated = question.language, question.escalation_id is not None
        outcome = vote(
            session=session,
            question_id=question_id,
            platform=msg.platform,
            user=msg.user,
            value=value,
            now=services.now(),
        )
    tally = f"(👍 {outcome.up} · 👎 {outcome.down})"
    if outcome.previous == value:
        text = pick(
            language,
            f"You already rated this answer {'👍' if value > 0 else '👎'} {tally}.",
            f"你已经给这个回答打过 {'👍' if value > 0 else '👎'} {tally}。",
        )
    elif outcome.previous:
        text = pick(
            language,
            f"Changed your rating to {'👍' if value > 0 else '👎'} {tally}.",
            f"已把你的评价改为 {'👍' if value > 0 else '👎'} {tally}。",
        )
    elif value > 0:
        text = pick(language, f"Thanks for the feedback! {tally}", f"感谢反馈！{tally}")
    else:
        text = pick(
            language,
            f"Thanks — PMs review down-voted answers (`kb gaps`). {tally}",
            f"谢谢——产品经理会查看被点踩的回答（`知识库 缺口`）。{tally}",
        )
    buttons = []
    if value < 0 and not escalated:
        buttons = [
            Button(
                action_id=ESCALATE, label=pick(language, "Ask a PM", "转给产品经理"), value=str(question_id)
            )
        ]
    return Reply(text=text, buttons=buttons, where="ephemeral")


# --- kb add / kb gaps -----------------------------------------------------------------------------------

_SUBCOMMANDS = {"add": "add", "添加": "add", "新增": "add", "gaps": "gaps", "缺口": "gaps", "gap": "gaps"}
_SPLIT = re.compile(r"\s*[|｜]\s*")


def handle_kb(msg: IncomingMessage, services: Services) -> Reply:
    word, rest = split_command_word(msg.args)
    sub = _SUBCOMMANDS.get(word)
    if sub is None:
        en = f"Unknown subcommand {word!r}." if word else "Add an FAQ entry or list knowledge gaps."
        zh = f"未知子命令 {word!r}。" if word else "可以添加 FAQ 条目或查看知识缺口。"
        raise UsageError(en, zh, usage=USAGE_KB)
    services.roles.require(platform=msg.platform, user=msg.user)
    if sub == "add":
        return kb_add(msg, services, rest)
    return kb_gaps(msg, services, rest)


def kb_add(msg: IncomingMessage, services: Services, rest: str) -> Reply:
    parts = _SPLIT.split(rest.strip(), maxsplit=1)
    title, text = (parts[0].strip(), parts[1].strip()) if len(parts) == 2 else ("", "")
    if not title or not text:
        raise UsageError(
            "`kb add` needs a title and a text separated by |, e.g. `kb add Does it support SSO? | Yes, on Enterprise.`",
            "`知识库 添加` 需要用 | 分隔的标题和内容，例如 `知识库 添加 支持单点登录吗？ | 支持，企业版提供。`",
            usage=USAGE_KB,
        )
    slug = normalize_question(title).replace(" ", "-")[:200]
    if not slug:
        raise UsageError("The title needs some words.", "标题需要包含文字。", usage=USAGE_KB)
    today = services.now().astimezone(services.settings.tz).date()
    document_id = services.knowledge.add_document(
        path=f"faq:chat-{slug}", title=title, text=text, owner=msg.user, updated=today, kind="faq"
    )
    lang = msg.language
    return Reply(
        text=pick(
            lang,
            f"Added the FAQ entry **{title}** (document #{document_id}); reps asking about it get it right away.",
            f"已添加 FAQ 条目 **{title}**（文档 #{document_id}），销售提问时会直接得到这个答案。",
        ),
        where="thread",
        color="success",
    )


def kb_gaps(msg: IncomingMessage, services: Services, rest: str) -> Reply:
    lang = msg.language
    days = GAPS_DAYS
    if rest.strip():
        if not rest.strip().isdigit() or int(rest.strip()) < 1:
            raise UsageError(
                f"Expected a number of days, got {rest.strip()!r}.",
                f"需要天数，收到的是 {rest.strip()!r}。",
                usage=USAGE_KB,
            )
        days = int(rest.strip())
    from datetime import timedelta

    with services.db.session() as session:
        gaps = knowledge_gaps(session=session, since=services.now() - timedelta(days=days), limit=15)
    title = pick(lang, f"Knowledge gaps, last {days} days", f"知识缺口（最近 {days} 天）")
    if not gaps:
        return Reply(
            title=title,
            text=pick(lang, "No unanswered or down-voted questions. 🎉", "没有未解答或被点踩的问题。🎉"),
            where="ephemeral",
        )
    lines = []
    for gap in gaps:
        status = (
            pick(
                lang, f"waiting for a PM (#{gap.escalation_id})", f"等待产品经理回答（#{gap.escalation_id}）"
            )
            if gap.unanswered and gap.escalation_id
            else pick(lang, "unanswered", "未解答")
            if gap.unanswered
            else pick(
                lang, f"👎 {gap.down_votes} · 👍 {gap.up_votes}", f"👎 {gap.down_votes} · 👍 {gap.up_votes}"
            )
        )
        lines.append(f"• **{gap.asked}×** {gap.question} — {status}")
    return Reply(
        title=title,
        text="\n".join(lines),
        context=[pick(lang, "Answer one with `answer <id> <text>`.", "用 `回答 <编号> <内容>` 解答。")],
        where="ephemeral",
    )
