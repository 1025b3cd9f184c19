"""Shared text helpers for the feature-request replies: status / tier / urgency words, list lines, history."""

from __future__ import annotations

from collections.abc import Sequence

from bot.chat_text import mention, parse_id
from bot.errors import UsageError
from bot.i18n import Language, pick
from bot.messages import Reply
from bot.models.requests import FeatureRequest, RequestEvent
from services.context import Services
from services.requests.queries import customers_of
from services.requests.request_input import DEFAULT_CUSTOMER
from services.requests.vocabulary import STATUS_ZH, TIER_ZH, URGENCY_ZH, plain_number

REQUESTS_USAGE = (
    "requests top [arr] [n]\n"
    "requests mine\n"
    "requests search <text>\n"
    "requests show <id>\n"
    "requests triage <id> effort:<person-weeks> confidence:<0-100%>      (PM)\n"
    "requests status <id> <triaged|planned|in-progress|shipped|declined> [note…] [release:3.2]   (PM)\n"
    'requests priority <id> <P0|P1|P2|P3> reason:"…"      (PM)\n'
    "requests merge <id> into <id>      (PM)\n"
    "requests export"
)


SUBCOMMANDS = {
    "top": "top",
    "排行": "top",
    "排名": "top",
    "mine": "mine",
    "我的": "mine",
    "search": "search",
    "搜索": "search",
    "查找": "search",
    "show": "show",
    "查看": "show",
    "详情": "show",
    "triage": "triage",
    "分诊": "triage",
    "评估": "triage",
    "status": "status",
    "状态": "status",
    "priority": "priority",
    "优先级": "priority",
    "merge": "merge",
    "合并": "merge",
    "export": "export",
    "导出": "export",
}


def tier_word(tier: str, lang: Language) -> str:
    return pick(lang, tier, TIER_ZH.get(tier, tier))


def customer_word(name: str, lang: Language) -> str:
    """A customer name; the placeholder for "no customer given" in the reader's language."""
    return pick(lang, name, "（未指定）") if name == DEFAULT_CUSTOMER else name


def urgency_word(urgency: str, lang: Language) -> str:
    return pick(lang, urgency, URGENCY_ZH.get(urgency, urgency))


def status_word(status: str, lang: str) -> str:
    return pick(lang, status, STATUS_ZH.get(status, status))


def list_line(request: FeatureRequest, lang: Language, customers: Sequence[str] = ()) -> str:
    names = ", ".join(customers[:3]) + (" …" if len(customers) > 3 else "")
    who = f" · {names}" if names else ""
    rice = plain_number(request.rice, grouping=True)
    return (
        f"• **#{request.id}** [{request.priority}] {request.title} — RICE {rice} · "
        f"ARR ${request.total_arr_usd:,.0f} · {status_word(request.status, lang)}{who}"
    )


def list_reply(
    services: Services, requests: list[FeatureRequest], *, title: str, empty: str, lang: Language
) -> Reply:
    if not requests:
        return Reply(title=title, text=empty, where="ephemeral")
    with services.db.session() as session:
        customers = customers_of(session=session, request_ids=[r.id for r in requests if r.id is not None])
    lines = [
        list_line(r, lang, [c.name for c in customers.get(r.id or 0, []) if c.name != DEFAULT_CUSTOMER])
        for r in requests
    ]
    return Reply(title=title, text="\n".join(lines), where="ephemeral")


def single_id(rest: list[str], *, usage_en: str, usage_zh: str) -> int:
    """The one id of `requests show 12`; none, or more than one (`show 1 2`), is the usage."""
    if len(rest) != 1:
        raise UsageError(usage_en, usage_zh, usage=REQUESTS_USAGE)
    return parse_id(rest[0], what_en="request", what_zh="需求")


def who(platform: str, user: str) -> str:
    """Someone from the request's records: a mention on their platform, their name on the other one."""
    return mention(user, platform=platform)


def percent(confidence: float | None) -> str:
    return f"{(0.5 if confidence is None else confidence):.0%}"


def effort_text(effort: float | None, lang: Language) -> str:
    return plain_number(2.0 if effort is None else effort) + " " + pick(lang, "person-weeks", "人周")


def rice_formula(request: FeatureRequest, lang: Language) -> str:
    """`1.6 = 4 × 2 × 80% ÷ 4 person-weeks`: how the request's RICE score comes about."""
    rice, reach, impact = (
        plain_number(n, grouping=True) for n in (request.rice, request.reach, request.impact)
    )
    return f"{rice} = {reach} × {impact} × {percent(request.confidence)} ÷ {effort_text(request.effort_weeks, lang)}"


def standing(request: FeatureRequest) -> tuple[str, str]:
    """Where a request stands after customers joined it, in English and Chinese:
    `3 customer(s), ARR $420,000, RICE 12.5, P1`."""
    arr = f"${request.total_arr_usd:,.0f}"
    rice = plain_number(request.rice, grouping=True)
    return (
        f"{request.customer_count} customer(s), ARR {arr}, RICE {rice}, {request.priority}",
        f"{request.customer_count} 个客户，ARR {arr}，RICE {rice}，{request.priority}",
    )


def event_text(event: RequestEvent, lang: Language) -> str:
    note = f": {event.note}" if event.note else ""
    match event.kind:
        case "status":
            moved = pick(
                lang,
                f"{event.from_status} → {event.to_status}",
                f"{status_word(event.from_status, 'zh')} → {status_word(event.to_status, 'zh')}",
            )
            return moved + note
        case "created":
            return pick(lang, "created", "创建") + note
        case "merged":
            return pick(lang, f"merged {event.note}", f"合并到 {event.note.removeprefix('into ')}")
        case "absorbed":
            return pick(lang, f"absorbed {event.note}", f"合并了 {event.note}")  # #5 was merged into this one
        case "triaged":
            return pick(lang, "re-triaged", "重新分诊") + note
        case "priority":
            return pick(lang, "priority override", "优先级调整") + note
        case "kept":
            return pick(lang, "kept separate from similar requests", "保留为独立需求")
        case _:
            return f"{event.kind}{note}"
