"""Capturing requests: `request …`, the form, the Slack message shortcut, Feishu thread replies, and the
"Add my customer" / "Keep as new" buttons on the confirmation.

`request top`, `需求 show 12` … (the words of `requests`) are handed to `commands.handle_requests`.
"""

from __future__ import annotations

import json
import uuid

from bot.chat_text import area_word, parse_id
from bot.commands import split_command_word, tokenize
from bot.errors import PermissionDenied, UsageError
from bot.i18n import Language, both, detect_language, pick
from bot.messages import Button, Form, FormInput, IncomingMessage, KeyValue, Reply
from handlers.requests.commands import handle_requests
from handlers.requests.manage import merge_and_notify
from handlers.requests.parse import build_input, parse_request_text
from handlers.requests.views import SUBCOMMANDS, customer_word, standing, status_word, tier_word, urgency_word
from services.context import Services
from services.requests import workflow
from services.requests.duplicates import Match
from services.requests.request_input import RequestInput
from services.requests.vocabulary import TIER_ZH, TIERS, URGENCIES, URGENCY_ZH, format_money, plain_number

FORM_ID = "request.new"


def _looks_like_subcommand(args: str) -> bool:
    """`需求 top 5`, `request show 12`: the words of `requests`, strictly shaped, typed after `request`."""
    words = tokenize(args)
    if not words or words[0].lower() not in SUBCOMMANDS:
        return False
    sub, rest = SUBCOMMANDS[words[0].lower()], words[1:]
    if not rest:  # `request show` alone is `requests show` missing its id, not a request titled "show"
        return True
    id_like = bool(rest) and rest[0].lstrip("#＃").isdecimal()
    match sub:
        case "top":
            numbers = rest[1:] if rest and rest[0].lower() in ("arr", "金额") else rest
            return not numbers or (len(numbers) == 1 and numbers[0].isdecimal())
        case "mine" | "export":
            return not rest
        case "show":
            return len(rest) == 1 and id_like
        case "search":  # only the Chinese words: "request search across attachments" is a request
            return words[0] != "search" and bool(rest)
        case _:
            return id_like


def _source_link(msg: IncomingMessage) -> str:
    """A thread reply `request …` keeps a reference to the message it answers (the thread root)."""
    if not msg.in_thread or not msg.thread:
        return ""
    link = msg.raw.get("permalink") or msg.raw.get("root_link")
    if isinstance(link, str) and link:
        return link
    root = msg.raw.get("root_id") or msg.thread
    return f"{msg.platform}://{msg.conversation}/{root}"


def _origin_key(msg: IncomingMessage, *, nonce: str = "") -> str | None:
    if nonce:
        return f"{msg.platform}:form:{nonce}"[:255]
    ref = msg.message_id or msg.event_id or msg.trigger_id
    return f"{msg.platform}:{msg.conversation}:{ref}"[:255] if ref else None


def handle_request(msg: IncomingMessage, services: Services) -> Reply | list[Reply]:
    if _looks_like_subcommand(msg.args):  # `request top` = `requests top`
        return handle_requests(msg, services)
    if not msg.args.strip():
        link = _source_link(msg)
        return request_form(services, lang=msg.language, link=link)
    data = parse_request_text(msg.args)
    return _store(msg, services, data=data, link=_source_link(msg), origin_key=_origin_key(msg))


THREAD_WORDS = ("request", "需求")


def handle_thread_request(msg: IncomingMessage, services: Services) -> Reply | None:
    """Feishu: `request …` typed as a reply in a customer message's thread (no @mention needed there)."""
    if msg.platform != "feishu" or not msg.in_thread:
        return None
    head, rest = split_command_word(msg.text)
    # typed as a command, in lower case: "Request is clear, thanks" is a sentence, not a request
    typed = msg.text.strip().split(None, 1)[0].removeprefix("/") if msg.text.strip() else ""
    if typed not in THREAD_WORDS:
        return None
    if head not in THREAD_WORDS or not rest.strip() or _looks_like_subcommand(rest):
        return None
    data = parse_request_text(rest)
    return _store(msg, services, data=data, link=_source_link(msg), origin_key=_origin_key(msg))


def request_form(
    services: Services, *, lang: Language, description: str = "", link: str = "", author: str = ""
) -> Reply:
    tiers = [(t, f"{t} / {TIER_ZH[t]}") for t in TIERS]
    urgencies = [(u, f"{u} / {URGENCY_ZH[u]}") for u in URGENCIES]
    private = json.dumps({"nonce": uuid.uuid4().hex, "link": link, "author": author}, ensure_ascii=False)
    form = Form(
        form_id=FORM_ID,
        title=pick(lang, "Log a feature request", "记录客户需求"),
        submit_label=pick(lang, "Log request", "提交需求"),
        inputs=[
            FormInput(
                name="description",
                label=pick(lang, "What does the customer need?", "客户需要什么？"),
                multiline=True,
                initial=description[:3000],
                placeholder=pick(lang, "SAML SSO login for the admin console", "管理后台支持 SAML SSO 登录"),
            ),
            FormInput(name="customer", label=pick(lang, "Customer", "客户"), required=False),
            FormInput(name="tier", label=pick(lang, "Tier", "客户等级"), options=tiers, initial="silver"),
            FormInput(
                name="urgency", label=pick(lang, "Urgency", "紧急度"), options=urgencies, initial="normal"
            ),
            FormInput(
                name="arr",
                label=pick(
                    lang, "ARR (e.g. 120k, $50,000, ¥80万)", "年度合同额 ARR（如 120k、$50,000、¥80万）"
                ),
                required=False,
            ),
            FormInput(name="area", label=pick(lang, "Product area", "产品模块"), required=False),
        ],
        private_value=private,
    )
    return Reply(form=form, where="ephemeral")


def handle_request_form(msg: IncomingMessage, services: Services) -> Reply | list[Reply]:
    values = msg.form
    try:
        private = json.loads(msg.action_value) if msg.action_value else {}
    except ValueError:
        private = {}
    if not isinstance(private, dict):
        private = {}
    data = build_input(
        description=str(values.get("description", "")),
        customer=values.get("customer"),
        tier=values.get("tier"),
        urgency=values.get("urgency"),
        arr=values.get("arr"),
        area=values.get("area"),
    )
    nonce = str(private.get("nonce", ""))
    return _store(
        msg,
        services,
        data=data,
        link=str(private.get("link", "")),
        author=str(private.get("author", "")),
        origin_key=_origin_key(msg, nonce=nonce),
    )


def handle_from_message(msg: IncomingMessage, services: Services) -> Reply:
    """Slack's "Log as feature request" shortcut: a form prefilled with the message, keeping its link."""
    try:
        value = json.loads(msg.action_value or "{}")
    except ValueError:
        value = {}
    if not isinstance(value, dict):
        value = {}
    text = str(value.get("text", ""))
    link = str(value.get("link", "")) or (
        f"{msg.platform}://{value.get('channel')}/{value.get('ts')}"
        if value.get("channel") and value.get("ts")
        else ""
    )
    return request_form(
        services,
        lang=msg.language if text else "en",
        description=text,
        link=link,
        author=str(value.get("author", "")),
    )


def _store(
    msg: IncomingMessage,
    services: Services,
    *,
    data: RequestInput,
    link: str,
    origin_key: str | None,
    author: str = "",
) -> Reply:
    lang = detect_language(msg.text or msg.args or data.description)  # a form has no text: its description
    with services.db.session() as session:
        created = workflow.create_request(
            session=session,
            data=data,
            platform=msg.platform,
            user=msg.user,
            now=services.now(),
            source_link=link,
            source_author=author,
            origin_key=origin_key,
            embedder=services.knowledge.embedder,
        )
    return confirmation(created, data=data, lang=lang)


def confirmation(created: workflow.Created, *, data: RequestInput, lang: Language) -> Reply:
    request = created.request
    rid = request.id
    fields = [
        KeyValue(label=pick(lang, "Priority", "优先级"), value=request.priority),
        KeyValue(label="RICE", value=plain_number(request.rice, grouping=True)),
        KeyValue(
            label=pick(lang, "Customer", "客户"),
            value=f"{customer_word(data.customer, lang)} ({tier_word(data.tier, lang)})",
        ),
        KeyValue(label=pick(lang, "Urgency", "紧急度"), value=urgency_word(data.urgency, lang)),
        KeyValue(
            label="ARR",
            value=format_money(data.arr.amount, data.arr.currency)
            if data.arr.amount
            else pick(
                lang, "not given (add arr:120k to weigh the deal)", "未填写（加上 金额:120k 计入合同额）"
            ),
        ),
        KeyValue(label=pick(lang, "Area", "产品模块"), value=area_word(data.area, lang)),
    ]
    if request.source_link:
        fields.append(KeyValue(label=pick(lang, "Source", "原消息"), value=request.source_link))
    if not created.created:
        return Reply(
            title=pick(lang, f"Already logged as #{rid}", f"已记录为 #{rid}"),
            text=request.title,
            fields=fields,
            where="ephemeral",
            color="info",
        )
    buttons: list[Button] = []
    lines = [request.title]
    if created.similar:
        lines.append("")
        lines.append(pick(lang, "Looks similar to open requests:", "与以下未关闭需求相似："))
        for match in created.similar:
            lines.append(_similar_line(match, lang))
        best = created.similar[0].request
        buttons = [
            Button(
                action_id="request.join",
                label=pick(lang, f"Add my customer to #{best.id}", f"把我的客户加到 #{best.id}"),
                value=json.dumps({"request": rid, "into": best.id}),
                style="primary",
            ),
            Button(action_id="request.keep", label=pick(lang, "Keep as new", "保留为新需求"), value=str(rid)),
        ]
    return Reply(
        title=pick(lang, f"Logged feature request #{rid}", f"已记录需求 #{rid}"),
        text="\n".join(lines),
        fields=fields,
        buttons=buttons,
        context=[
            pick(
                lang,
                f"`requests show {rid}` · `help requests` explains priority and RICE",
                f"`需求列表 查看 {rid}` · `帮助 requests` 解释优先级与 RICE",
            )
        ],
        color="success",
    )


def _similar_line(match: Match, lang: Language) -> str:
    r = match.request
    return pick(
        lang,
        f"• #{r.id} “{r.title}” — {r.customer_count} customer(s), {status_word(r.status, 'en')}, "
        f"{match.similarity:.0%} similar",
        f"• #{r.id} “{r.title}” — {r.customer_count} 个客户，{status_word(r.status, 'zh')}，相似度 {match.similarity:.0%}",
    )


def handle_request_action(msg: IncomingMessage, services: Services) -> Reply | None:
    match msg.action_id:
        case "request.from_message":
            return handle_from_message(msg, services)
        case "request.join":
            return _join(msg, services)
        case "request.keep":
            return _keep(msg, services)
    return None


def _may_decide(services: Services, msg: IncomingMessage, request_platform: str, request_user: str) -> None:
    if (msg.platform, msg.user) == (request_platform, request_user):
        return
    if services.roles.is_pm(platform=msg.platform, user=msg.user, workspace=msg.role_workspace):
        return
    raise PermissionDenied(
        "Only the rep who logged this request (or a PM) can decide that.",
        "只有提交该需求的销售（或产品经理）可以操作。",
    )


def _join(msg: IncomingMessage, services: Services) -> Reply:
    try:
        value = json.loads(msg.action_value)
        source_id, target_id = int(value["request"]), int(value["into"])
    except (ValueError, KeyError, TypeError):
        raise UsageError("This button is out of date.", "此按钮已失效。") from None
    with services.db.session() as session:
        source = workflow.get_request(session=session, request_id=source_id)
        _may_decide(services, msg, source.created_platform, source.created_by)
    result = merge_and_notify(msg, services, source_id=source_id, target_id=target_id)
    if result.already:
        return Reply(
            text=both(f"Already added to #{target_id}.", f"已经加入 #{target_id}。"),
            where="ephemeral",
            color="info",
        )
    target = result.target
    now_en, now_zh = standing(target)
    with services.db.session() as session:  # shipped or declined since the button was offered
        closed_en, closed_zh = workflow.closed_state(session=session, request=target) or ("", "")
    return Reply(
        text=both(
            f"Added to #{target.id} “{target.title}”: now {now_en}. #{source_id} is closed as merged."
            + (f" {closed_en}" if closed_en else ""),
            f"已加入 #{target.id} “{target.title}”：现有 {now_zh}。#{source_id} 已作为重复合并关闭。{closed_zh}",
        ),
        where="ephemeral",
        color="success",
    )


def _keep(msg: IncomingMessage, services: Services) -> Reply:
    request_id = parse_id(msg.action_value, what_en="request", what_zh="需求")
    with services.db.session() as session:
        request = workflow.get_request(session=session, request_id=request_id)
        _may_decide(services, msg, request.created_platform, request.created_by)
        if request.merged_into_id is not None:
            return Reply(
                text=both(
                    f"#{request_id} was already merged into #{request.merged_into_id}.",
                    f"#{request_id} 已合并到 #{request.merged_into_id}。",
                ),
                where="ephemeral",
                color="info",
            )
        workflow.keep_separate(
            session=session,
            request_id=request_id,
            actor_platform=msg.platform,
            actor=msg.user,
            now=services.now(),
        )
    return Reply(
        text=both(f"OK — #{request_id} stays a separate request.", f"好的，#{request_id} 保留为独立需求。"),
        where="ephemeral",
    )
