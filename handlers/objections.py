"""`objection` / `异议`: the LSCPA objection library, on-demand coaching, practice and per-rep stats.

objection add Your price is too high | pricing
objection list
objection <what the customer said>        → LSCPA coaching with a model answer from the knowledge base
objection practice                        → post one practice scenario here now
objection stats                           → per rep: how many practised, which steps most often missed

Reps answer a practice scenario in its thread; `handle_practice_answer` gives per-step feedback.
"""

from __future__ import annotations

from bot.chat_text import area_word, mention
from bot.errors import UsageError
from bot.i18n import both, pick
from bot.messages import Address, IncomingMessage, KeyValue, Reply
from bot.router import Router
from services.context import Services
from services.objections.library import add_objection, list_objections
from services.objections.lscpa import STEP_NAMES, coach
from services.objections.practice import post_practice, practice_for_thread, practice_stats, record_attempt

USAGE = (
    "objection add Your competitor is cheaper | pricing\n"
    "objection list\n"
    "objection We don't have budget this year\n"
    "objection practice\n"
    "objection stats\n"
    "异议 我们今年没有预算"
)
SUBCOMMANDS = {
    "add": "add", "添加": "add", "新增": "add",
    "list": "list", "ls": "list", "列表": "list", "库": "list",
    "stats": "stats", "统计": "stats",
    "practice": "practice", "练习": "practice",
}  # fmt: skip
MIN_ANSWER_CHARS = {"en": 15, "zh": 8}  # shorter thread replies ("thanks!", "+1") are chat, not answers


def register(router: Router) -> None:
    router.command(
        "objection",
        handle_objection,
        aliases=("objections", "异议", "lscpa"),
        summary_en="LSCPA objection coaching: `objection Your price is too high`; `objection practice`",
        summary_zh="LSCPA 异议处理辅导：`异议 价格太高了`；`异议 练习`",
        usage=USAGE,
        details_en=(
            "LSCPA = Listen (hear it out, restate the key point), Sympathize (acknowledge the concern), "
            "Clarify (confirm the real concern with a question), Present (answer with facts, cases, data from "
            "the knowledge base), Ask (check it is resolved and move forward). Answer a practice scenario in its "
            "thread to get per-step feedback."
        ),
        details_zh=(
            "LSCPA = 倾听（听完并复述要点）、共情（认可顾虑）、澄清（用提问确认真正的顾虑）、陈述（用知识库中的事实、"
            "案例、数据回应）、确认（确认顾虑已解决并推进）。在练习话题中回复即可获得逐步点评。"
        ),
    )
    router.thread_listener(handle_practice_answer)


def handle_objection(msg: IncomingMessage, services: Services) -> Reply | list[Reply]:
    text = msg.args.strip()
    if not text:
        raise UsageError(
            "Tell me what the customer said, or use add / list / practice / stats.",
            "请告诉我客户说了什么，或使用 add / list / practice / stats。",
        )
    head, _, rest = text.partition(" ")
    sub = SUBCOMMANDS.get(head.lower())
    if sub == "add":
        return _add(msg, services, rest)
    if sub == "list" and not rest.strip():
        return _list(msg, services)
    if sub == "stats" and not rest.strip():
        return _stats(msg, services)
    if sub == "practice" and not rest.strip():
        return _practice(msg, services)
    reply, _ = coach(services=services, objection=text, answer=None, lang=msg.language)
    return reply


def _add(msg: IncomingMessage, services: Services, rest: str) -> Reply:
    """Anyone may add: reps are the first to hear new objections."""
    objection, _, area = rest.replace("｜", "|").partition("|")
    objection, area = _unquote(objection.strip()), _unquote(area.strip())
    if not objection or not area:  # the area is required, as the usage and the docs say
        raise UsageError(
            "Write the objection, then `|` and the product area: `objection add Too expensive | pricing`.",
            "请写出异议，再用 `|` 加上产品领域：`异议 add 太贵了 | 定价`。",
        )
    if len(objection) > 500:
        raise UsageError("Keep the objection under 500 characters.", "异议内容请控制在 500 字以内。")
    row = add_objection(services=services, text=objection, area=area, user=msg.user)
    return Reply(
        text=pick(
            msg.language,
            f"Objection #{row.id} added to the library ({row.area}): “{objection}”",
            f"已将异议 #{row.id} 加入异议库（{area_word(row.area, 'zh')}）：“{objection}”",
        ),
        where="ephemeral",
        color="success",
    )


_QUOTE_PAIRS = {'"': '"', "'": "'", "“": "”", "‘": "’", "「": "」", "『": "』"}


def _unquote(text: str) -> str:
    """`"Your price is too high."` → `Your price is too high.`: quotes around the whole text are not part
    of what the customer said (they were stored and shown as “"…"”)."""
    if len(text) >= 2 and _QUOTE_PAIRS.get(text[0]) == text[-1]:
        return text[1:-1].strip()
    return text


def _list(msg: IncomingMessage, services: Services) -> Reply:
    lang = msg.language
    rows = list_objections(services=services)
    lines = [
        f"• #{row.id} [{area_word(row.area, lang)}] {pick(lang, row.text_en, row.text_zh)}" for row in rows
    ]
    return Reply(
        title=pick(lang, f"Objection library ({len(rows)})", f"异议库（{len(rows)} 条）"),
        text="\n".join(lines),
        context=[
            pick(
                lang,
                "Add one: `objection add <objection> | <product area>`",
                "添加：`异议 add <异议> | <产品领域>`",
            )
        ],
        where="ephemeral",
    )


def _stats(msg: IncomingMessage, services: Services) -> Reply:
    lang = msg.language
    stats = practice_stats(services=services, platform=msg.platform)
    if not stats:
        return Reply(
            text=pick(
                lang,
                "No practice answers yet. Try `objection practice` and answer in the thread.",
                "还没有练习记录。试试 `异议 练习`，然后在话题中回答。",
            ),
            where="ephemeral",
        )
    fields = []
    for rep in stats:
        missed = ", ".join(f"{pick(lang, *STEP_NAMES[step])} ×{n}" for step, n in rep.missed[:3]) or pick(
            lang, "none", "无"
        )
        fields.append(
            KeyValue(
                label=mention(rep.user, platform=rep.platform),
                value=pick(
                    lang,
                    f"{rep.attempts} practised · {rep.average:.1f}/5 steps on average · most missed: {missed}",
                    f"练习 {rep.attempts} 次 · 平均覆盖 {rep.average:.1f}/5 步 · 最常遗漏：{missed}",
                ),
            )
        )
    return Reply(title=pick(lang, "LSCPA practice stats", "LSCPA 练习统计"), fields=fields, where="ephemeral")


def _practice(msg: IncomingMessage, services: Services) -> Reply:
    address = Address(platform=msg.platform, conversation=msg.conversation, workspace=msg.workspace)
    key = f"lscpa:manual:{msg.platform}:{msg.conversation}:{msg.event_id or msg.message_id or services.now().isoformat()}"
    posted = post_practice(services=services, address=address, dedupe_key=key[:255])
    if not posted:
        return Reply(text=both("That practice was already posted.", "该练习已发送。"), where="ephemeral")
    return Reply(
        text=pick(
            msg.language,
            "Posted a practice scenario — answer it in its thread.",
            "已发布一道练习题——请在它的话题中回答。",
        ),
        where="ephemeral",
        color="success",
    )


def handle_practice_answer(msg: IncomingMessage, services: Services) -> Reply | None:
    """A reply inside a practice thread: per-step LSCPA feedback and a model answer."""
    if not msg.thread or len(msg.text.strip()) < MIN_ANSWER_CHARS[msg.language]:
        return None
    practice = practice_for_thread(services=services, platform=msg.platform, thread=msg.thread)
    if practice is None:
        return None
    objection = practice.objection
    lang = msg.language
    said = pick(lang, objection.text_en, objection.text_zh)
    hint = pick(lang, objection.hint_en, objection.hint_zh)
    reply, assessment = coach(services=services, objection=said, answer=msg.text, hint=hint, lang=lang)
    assert assessment is not None
    record_attempt(
        services=services,
        session_id=practice.session.id,
        platform=msg.platform,
        user=msg.user,
        objection=said,
        answer=msg.text,
        assessment=assessment,
    )
    return reply.model_copy(update={"text": f"{mention(msg.user)} " + reply.text, "where": "thread"})
