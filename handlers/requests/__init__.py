"""Customer feature requests: capture, priority (P0–P3 + RICE), duplicates, workflow, notifications, export.

`register` lists every command, button, form and listener of the capability:
- `capture.py` — `request …`, the request form, Slack's message shortcut, Feishu thread replies and the
  "Add my customer" / "Keep as new" buttons;
- `commands.py` — `requests …` (top, mine, search, show, export), and the PM commands of `manage.py`;
- `parse.py` — the chat syntax of `request …`; `views.py` — the text shared by the replies.

The data and rules live in `services.requests` (`workflow`, `queries`, `duplicates`, `priority`, `vocabulary`,
`request_input`, `export`); other capabilities and the CLI use those, not this package.
"""

from __future__ import annotations

import json

from bot.chat_text import is_id
from bot.errors import UsageError
from bot.router import ButtonText, Router
from handlers.requests.capture import (
    FORM_ID,
    handle_request,
    handle_request_action,
    handle_request_form,
    handle_thread_request,
)
from handlers.requests.commands import handle_requests
from handlers.requests.parse import REQUEST_USAGE, validate_request_form
from handlers.requests.views import REQUESTS_USAGE
from services.requests.priority import EXPLANATION_EN, EXPLANATION_ZH


def register(router: Router) -> None:
    router.command(
        "request",
        handle_request,
        aliases=("需求", "feature-request"),
        summary_en='Log a customer feature request: `request SAML SSO customer:"Acme" tier:gold`',
        summary_zh="记录客户需求：`需求 支持 SAML SSO 登录 客户:某某银行 等级:金牌`",
        usage=REQUEST_USAGE,
        details_en=(
            "Only the description is required. Defaults: tier silver, urgency normal, ARR 0, area general. "
            "Keys: customer, tier (diamond|gold|silver|bronze), urgency (blocker|high|normal|low), arr "
            "(120k, 1.2m, $50,000, ¥80万), area. Without text it opens a form. Similar open requests are "
            "offered for merging.\n\n" + EXPLANATION_EN
        ),
        details_zh=(
            "只有描述必填。默认：等级 银牌、紧急度 普通、金额 0、模块 general。键：客户、等级（钻石|金牌|银牌|铜牌）、"
            "紧急度（阻塞|高|普通|低）、金额（120k、1.2m、$50,000、¥80万）、模块。不带内容时打开表单。"
            "相似的未关闭需求会提示合并。\n\n" + EXPLANATION_ZH
        ),
    )
    router.command(
        "requests",
        handle_requests,
        aliases=("需求列表", "需求单"),
        summary_en="Browse and manage feature requests: `requests top`, `requests show 12`",
        summary_zh="查看和管理客户需求：`需求列表 排行`、`需求列表 查看 12`",
        usage=REQUESTS_USAGE,
        details_en=(
            "Statuses: new → triaged → planned → in-progress → shipped, or declined (with a reason). "
            "Only PMs change status, triage, override priority and merge; every requester is told by DM.\n\n"
            + EXPLANATION_EN
        ),
        details_zh=(
            "状态：新建 → 已分诊 → 已排期 → 开发中 → 已发布，或已拒绝（需说明理由）。只有产品经理可以修改状态、"
            "分诊、覆盖优先级和合并；每位提交人都会收到私信通知。\n\n" + EXPLANATION_ZH
        ),
    )
    router.button_text(
        ButtonText(
            command="requests",
            words=("join", "加入"),
            action_id="request.join",
            label="Add my customer to #7 / 把我的客户加到 #7",
            example="requests join 12 7",
            value=_join_value,
        )
    )
    router.button_text(
        ButtonText(
            command="requests",
            words=("keep", "保留"),
            action_id="request.keep",
            label="Keep as new / 保留为新需求",
            example="requests keep 12",
            value=_keep_value,
        )
    )
    router.action("request.", handle_request_action)
    router.form(FORM_ID, handle_request_form, validate=lambda msg, _services: validate_request_form(msg.form))
    router.thread_listener(handle_thread_request)


def _join_value(words: list[str]) -> str:
    """`requests join 12 7` (or `12 into 7`): the value of the "Add my customer to #7" button of #12."""
    ids = [w.lstrip("#＃") for w in words if w.lower() not in ("into", "to", "到")]
    if len(ids) != 2 or not all(is_id(i) for i in ids):
        raise UsageError(
            "`requests join` needs your new request's id and the open request to join: `requests join 12 7`.",
            "`requests join` 需要你的新需求编号和要加入的已有需求编号：`需求列表 加入 12 7`。",
            usage="requests join 12 7",
        )
    return json.dumps({"request": int(ids[0]), "into": int(ids[1])})


def _keep_value(words: list[str]) -> str:
    """`requests keep 12`: the value of the "Keep as new" button of #12 — one id (`keep 12 13` is the usage)."""
    if len(words) != 1 or not is_id(words[0].lstrip("#＃")):
        raise UsageError(
            "`requests keep` needs the id of your one new request: `requests keep 12`.",
            "`requests keep` 需要你那一个新需求的编号：`需求列表 保留 12`。",
            usage="requests keep 12",
        )
    return words[0].lstrip("#＃")
