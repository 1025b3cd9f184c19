"""The `requests …` commands: the ones everyone may use (top, mine, search, show, export) and, after the role
check, the PM ones of `manage.py` (triage, status, priority, merge).

Capture (`request …`, form, shortcut, buttons) lives in `capture.py`, shared text helpers in `views.py`, the
registration in the package's `register`. Handlers parse and validate, call the data functions of
`services.requests` inside one session, and return `Reply`s; notifications to other users go through
`services.send` after the commit.
"""

from __future__ import annotations

from bot.chat_text import area_word
from bot.clock import as_utc
from bot.commands import tokenize
from bot.errors import UsageError
from bot.i18n import pick
from bot.messages import Attachment, IncomingMessage, KeyValue, Reply
from handlers.requests.manage import change_status_command, merge_command, override_priority_command, triage
from handlers.requests.views import (
    REQUESTS_USAGE,
    SUBCOMMANDS,
    customer_word,
    event_text,
    list_reply,
    rice_formula,
    single_id,
    status_word,
    tier_word,
    urgency_word,
    who,
)
from services.context import Services
from services.requests import workflow
from services.requests.export import export_csv
from services.requests.request_input import DEFAULT_CUSTOMER
from services.requests.vocabulary import format_money


def handle_requests(msg: IncomingMessage, services: Services) -> Reply | list[Reply]:
    words = tokenize(msg.args)
    lang = msg.language
    if not words:
        return _top(msg, services, [])
    sub = SUBCOMMANDS.get(words[0].lower())
    if sub is None:
        raise UsageError(
            f"Unknown subcommand {words[0]!r}.", f"未知子命令 {words[0]!r}。", usage=REQUESTS_USAGE
        )
    rest_text = msg.args.strip()[len(msg.args.strip().split(maxsplit=1)[0]) :].strip()
    match sub:
        case "top":
            return _top(msg, services, words[1:])
        case "mine" | "export" if len(words) > 1:  # `requests mine 5`: nothing to take, say so
            raise UsageError(
                f"`requests {sub}` takes nothing after it, got {' '.join(words[1:])!r}.",
                f"`requests {sub}` 后面不需要参数，收到 {' '.join(words[1:])!r}。",
                usage=REQUESTS_USAGE,
            )
        case "mine":
            return _mine(msg, services)
        case "search":
            return _search(msg, services, rest_text)
        case "show":
            return _show(msg, services, words[1:])
        case "export":
            return _export(msg, services)
    services.roles.require(platform=msg.platform, user=msg.user, workspace=msg.role_workspace)
    match sub:
        case "triage":
            return triage(msg, services, rest_text)
        case "status":
            return change_status_command(msg, services, rest_text)
        case "priority":
            return override_priority_command(msg, services, rest_text)
        case _:
            return merge_command(msg, services, words[1:], lang)


def _top(msg: IncomingMessage, services: Services, rest: list[str]) -> Reply:
    lang = msg.language
    by_arr = bool(rest) and rest[0].lower() in ("arr", "金额")
    numbers = rest[1:] if by_arr else rest
    limit = 10
    if numbers:
        if len(numbers) != 1 or not numbers[0].isdecimal() or not 1 <= int(numbers[0]) <= 50:
            raise UsageError(
                "`requests top` takes a number from 1 to 50 (and `arr` to rank by ARR): `requests top arr 5`.",
                "`requests top` 的数量应为 1 到 50（加 `金额` 按 ARR 排序）：`需求列表 排行 金额 5`。",
                usage=REQUESTS_USAGE,
            )
        limit = int(numbers[0])
    with services.db.session() as session:
        if by_arr:
            found = workflow.requests_by_arr(session=session, limit=limit)
        else:
            found = workflow.top_requests(session=session, limit=limit)
    if by_arr:
        title = pick(lang, f"Top {limit} open requests by ARR", f"按 ARR 排序的前 {limit} 个未关闭需求")
    else:
        title = pick(
            lang,
            f"Top {limit} open requests (by RICE, then ARR)",
            f"前 {limit} 个未关闭需求（按 RICE、ARR 排序）",
        )
    return list_reply(
        services,
        found,
        lang=lang,
        title=title,
        empty=pick(
            lang,
            "No open requests yet. Log one: `request <description>`.",
            "还没有未关闭的需求。记录一个：`需求 <描述>`。",
        ),
    )


def _mine(msg: IncomingMessage, services: Services) -> Reply:
    lang = msg.language
    with services.db.session() as session:
        found = workflow.requests_of_user(session=session, platform=msg.platform, user=msg.user)
    return list_reply(
        services,
        found,
        lang=lang,
        title=pick(lang, "Requests you logged or joined", "你提交或加入的需求"),
        empty=pick(lang, "You have not logged any requests yet.", "你还没有提交过需求。"),
    )


def _search(msg: IncomingMessage, services: Services, text: str) -> Reply:
    lang = msg.language
    if not text:
        raise UsageError(
            "What should I search for? `requests search SSO`",
            "要搜索什么？`需求列表 搜索 SSO`",
            usage=REQUESTS_USAGE,
        )
    with services.db.session() as session:
        found = workflow.search_requests(session=session, text=text, embedder=services.knowledge.embedder)
    return list_reply(
        services,
        found,
        lang=lang,
        title=pick(lang, f"Requests matching “{text}”", f"与“{text}”相关的需求"),
        empty=pick(lang, "No request matches.", "没有匹配的需求。"),
    )


def _show(msg: IncomingMessage, services: Services, rest: list[str]) -> Reply:
    lang = msg.language
    request_id = single_id(
        rest,
        usage_en="Which request? One id: `requests show 12`",
        usage_zh="哪个需求？请给一个编号：`需求列表 查看 12`",
    )
    with services.db.session() as session:
        details = workflow.request_details(session=session, request_id=request_id)
    r = details.request
    tz = services.settings.tz
    fields = [
        KeyValue(label=pick(lang, "Status", "状态"), value=status_word(r.status, lang)),
        KeyValue(
            label=pick(lang, "Priority", "优先级"),
            value=r.priority
            + (
                f" ({pick(lang, 'override', '人工调整')}: {r.override_reason})" if r.priority_override else ""
            ),
        ),
        KeyValue(label="RICE", value=rice_formula(r, lang)),
        KeyValue(label=pick(lang, "Total ARR", "总 ARR"), value=f"${r.total_arr_usd:,.0f}"),
        KeyValue(label=pick(lang, "Area", "产品模块"), value=area_word(r.area, lang)),
    ]
    if r.release:
        fields.append(KeyValue(label=pick(lang, "Release", "版本"), value=r.release))
    if r.merged_into_id:
        fields.append(KeyValue(label=pick(lang, "Merged into", "已合并到"), value=f"#{r.merged_into_id}"))
    if r.source_link:
        fields.append(KeyValue(label=pick(lang, "Source", "原消息"), value=r.source_link))
    unnamed = pick(lang, " · no customer named: not counted in reach", " · 未指定客户：不计入覆盖面")
    customers = [
        f"• {customer_word(c.name, lang)} — {tier_word(c.tier, lang)}, {urgency_word(c.urgency, lang)}, "
        f"{format_money(c.arr_amount, c.arr_currency)} ({who(c.added_platform, c.added_by)})"
        + (unnamed if c.name == DEFAULT_CUSTOMER else "")
        for c in details.customers
    ]
    requesters = ", ".join(who(q.platform, q.user_id) for q in details.requesters)
    history = [
        f"• {as_utc(e.created_at).astimezone(tz):%Y-%m-%d %H:%M} {event_text(e, lang)}"
        + (f" — {who(e.actor_platform, e.actor)}" if e.actor else "")
        for e in details.events
    ]
    text = "\n".join(
        [
            r.description,
            "",
            f"**{pick(lang, 'Customers', '客户')}**",
            *(customers or ["—"]),
            f"**{pick(lang, 'Requesters', '提交人')}**: {requesters or '—'}",
            f"**{pick(lang, 'History', '历史')}**",
            *history,
        ]
    )
    return Reply(title=f"#{r.id} {r.title}", text=text, fields=fields, where="ephemeral")


def _export(msg: IncomingMessage, services: Services) -> Reply:
    lang = msg.language
    with services.db.session() as session:
        content = export_csv(session=session)
    stamp = services.now().astimezone(services.settings.tz).strftime("%Y%m%d-%H%M")
    return Reply(
        text=pick(lang, "All feature requests as CSV.", "全部需求（CSV）。"),
        attachment=Attachment(filename=f"feature-requests-{stamp}.csv", content=content, mimetype="text/csv"),
        where="dm",
    )
