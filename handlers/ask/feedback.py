"""👍/👎 on answers (and "Ask a PM" after a 👎), `kb add` (a PM's quick FAQ entry) and `kb gaps`: parsing and
replies; the votes and FAQ entries are stored by `services.questions.feedback`."""

from __future__ import annotations

import re
from datetime import timedelta

from bot.chat_text import parse_id
from bot.commands import split_command_word
from bot.errors import UsageError
from bot.i18n import pick
from bot.messages import IncomingMessage, Reply
from services.context import Services
from services.questions.buttons import ask_pm_button
from services.questions.escalation import knowledge_gaps
from services.questions.feedback import add_faq_entry, faq_entry_path, rate_answer
from services.questions.pm_answers import has_words

USAGE_KB = "kb add <title> | <text>\nkb gaps [days]\n知识库 添加 <标题> | <内容>\n知识库 缺口 [天数]"
GAPS_DAYS = 30
MAX_GAPS_DAYS = 36500  # a century: beyond it the date would not exist


# --- feedback -------------------------------------------------------------------------------------------


def handle_feedback(msg: IncomingMessage, services: Services) -> Reply:
    direction = (msg.action_id or "").rsplit(".", 1)[-1]
    if direction not in ("up", "down"):
        raise UsageError("Unknown feedback button.", "未知的反馈按钮。")
    question_id = parse_id(msg.action_value, what_en="answer", what_zh="回答")
    value = 1 if direction == "up" else -1
    with services.db.session() as session:
        rating = rate_answer(
            session=session,
            question_id=question_id,
            platform=msg.platform,
            user=msg.user,
            value=value,
            now=services.now(),
        )
    language, escalated, outcome = rating.language, rating.escalated, rating.outcome
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
    buttons = [ask_pm_button(question_id, language)] if value < 0 and not escalated else []
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
    services.roles.require(platform=msg.platform, user=msg.user, workspace=msg.role_workspace)
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
    if faq_entry_path(title) is None:
        raise UsageError("The title needs some words.", "标题需要包含文字。", usage=USAGE_KB)
    if not has_words(text):
        raise UsageError(
            f"The text needs some words, not only {text!r}; nothing was saved.",
            f"内容需要包含文字，而不只是 {text!r}；未保存。",
            usage=USAGE_KB,
        )
    today = services.now().astimezone(services.settings.tz).date()
    document_id = add_faq_entry(
        knowledge=services.knowledge, title=title, text=text, owner=msg.user, today=today
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
        if not rest.strip().isdecimal() or not 1 <= int(rest.strip()) <= MAX_GAPS_DAYS:
            raise UsageError(
                f"Expected a number of days, got {rest.strip()!r}.",
                f"需要天数，收到的是 {rest.strip()!r}。",
                usage=USAGE_KB,
            )
        days = int(rest.strip())
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
