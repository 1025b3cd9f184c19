"""`announce` / `公告` and `audience` / `受众`: drafting, previewing, confirming, scheduling, cancelling,
acknowledging and checking who has read release announcements and end-of-sale (停售) notices."""

from __future__ import annotations

import re
from collections.abc import Mapping

from sqlalchemy.exc import IntegrityError

from bot.chat_text import mention, parse_id
from bot.clock import as_utc
from bot.commands import parse_args, refuse_unknown_options, tokenize
from bot.errors import NotFound, PermissionDenied, UsageError
from bot.forms import FieldChecks, FormErrors
from bot.i18n import both, pick
from bot.messages import Form, FormInput, IncomingMessage, KeyValue, Reply
from bot.models import Announcement
from handlers.announcements.parse import EOS_KEYS, RELEASE_KEYS, take_time_token
from handlers.announcements.render import preview_reply
from services.announcements import workflow
from services.announcements.posts import ack_button, announcement_reply, headline
from services.announcements.targets import format_targets, is_audience_name, load_targets
from services.announcements.validate import Draft, validate_eos, validate_release
from services.announcements.values import parse_request_ids
from services.context import Services

ANNOUNCE_USAGE = (
    "announce release product:CloudDB version:3.2 date:2026-12-01 channels:slack:#sales,feishu:oc_1 "
    'highlights:"SAML SSO; 2x faster sync" [ships:#12,#31] [at:2026-12-01T09:00]\n'
    'announce eos product:LegacyDB reason:"…" last-order:2027-06-30 end-of-support:2028-06-30 scope:"…" '
    'alternative:"CloudDB 3" support:"…" contact:@ann channels:sales-cn\n'
    "announce            (opens a form / 打开表单; `announce eos` opens the end-of-sale form)\n"
    "announce status 7 | announce cancel 7 | announce list\n"
    '公告 停售 产品:LegacyDB 原因:"…" 最后订购日:2027-06-30 停止支持日:2028-06-30 范围:"…" 替代:"…" 支持:"…" 联系人:@ann 频道:sales-cn'
)
AUDIENCE_USAGE = (
    "audience add sales-cn feishu:oc_1 feishu:oc_2 slack:#sales-apac\naudience list\naudience remove sales-cn\n"
    "受众 添加 华东销售 feishu:oc_1 feishu:oc_2 | 受众 列表 | 受众 删除 华东销售"
)
RELEASE_FORM = "announce.release"
EOS_FORM = "announce.eos"

_RELEASE_WORDS = {"release", "发布", "新版本", "版本发布"}
_EOS_WORDS = {"eos", "end-of-sale", "停售"}
_STATUS_WORDS = {"status", "状态"}
_CANCEL_WORDS = {"cancel", "取消"}
_LIST_WORDS = {"list", "列表"}
_MAX_NAMES = 25
_STATES = {  # status → (English, Chinese)
    "draft": ("a draft awaiting confirmation", "草稿，待确认"),
    "scheduled": ("scheduled", "已定时"),
    "cancelled": ("cancelled", "已取消"),
    "published": ("published", "已发布"),
}


def _split_sub(args: str) -> tuple[str, str]:
    parts = re.split(r"[\s\u3000]+", args.strip(), maxsplit=1)
    return parts[0].lower(), (parts[1] if len(parts) > 1 else "")


def _require_pm(msg: IncomingMessage, services: Services) -> None:
    services.roles.require(
        platform=msg.platform, user=msg.user, workspace=msg.role_workspace, roles=("pm", "admin")
    )


def _may_manage(msg: IncomingMessage, services: Services, a: Announcement) -> bool:
    is_author = a.author == msg.user and a.author_platform == msg.platform
    return is_author or services.roles.is_pm(
        platform=msg.platform, user=msg.user, workspace=msg.role_workspace
    )


def _load(services: Services, token: str) -> Announcement:
    announcement_id = parse_id(token, what_en="announcement", what_zh="公告")
    with services.db.session() as session:
        a = workflow.get_announcement(session=session, announcement_id=announcement_id)
    if a is None:
        raise NotFound(
            f"There is no announcement #{announcement_id}.", f"没有编号为 #{announcement_id} 的公告。"
        )
    return a


# --- announce ---------------------------------------------------------------------------------------


def handle_announce(msg: IncomingMessage, services: Services) -> Reply | list[Reply]:
    sub, rest = _split_sub(msg.args)
    if not sub:
        _require_pm(msg, services)
        return Reply(form=release_form())
    if sub in _RELEASE_WORDS or sub in _EOS_WORDS:
        _require_pm(msg, services)
        kind = "release" if sub in _RELEASE_WORDS else "eos"
        if not rest.strip():
            return Reply(form=release_form() if kind == "release" else eos_form())
        return _draft_from_text(msg, services, kind=kind, text=rest)
    if sub in _STATUS_WORDS:
        return _status(msg, services, rest)
    if sub in _CANCEL_WORDS:
        words = tokenize(rest)
        if len(words) != 1:
            raise UsageError(
                "`announce cancel` needs one announcement id.", "`announce cancel` 需要一个公告编号。"
            )
        return _cancel(msg, services, _load(services, words[0]))
    if sub in _LIST_WORDS:
        _require_pm(msg, services)
        return _list(msg, services)
    raise UsageError(
        f"Unknown announce subcommand {sub!r}: use release, eos, status, cancel or list.",
        f"未知的公告子命令 {sub!r}：可用 release（发布）、eos（停售）、status（状态）、cancel（取消）、list（列表）。",
    )


def _draft_from_text(msg: IncomingMessage, services: Services, *, kind: str, text: str) -> Reply:
    keys = RELEASE_KEYS if kind == "release" else EOS_KEYS
    refuse_unknown_options(text, keys, usage=ANNOUNCE_USAGE)
    parsed = parse_args(text, keys=keys)
    options = dict(parsed.options)
    leftover = parsed.text
    if options.get("at") and "T" not in options["at"] and " " not in options["at"]:
        clock, leftover = take_time_token(leftover)
        if clock:
            options["at"] = f"{options['at']} {clock}"
    if parsed.duplicates:
        dup = ", ".join(sorted(set(parsed.duplicates)))
        raise UsageError(
            f"Each option once, please; repeated: {dup}.", f"每个选项只能写一次；重复的有：{dup}。"
        )
    if leftover:
        raise UsageError(
            f'I did not understand {leftover!r}. Put values with spaces in quotes: highlights:"Faster sync".',
            f'无法理解 {leftover!r}。含空格的值请加引号：亮点:"同步更快"。',
        )
    return _draft(msg, services, kind=kind, options=options, where="ephemeral")


def _draft(
    msg: IncomingMessage, services: Services, *, kind: str, options: Mapping[str, str], where: str
) -> Reply:
    now, tz = services.now(), services.settings.tz
    draft: Draft = (
        validate_release(options=options, now=now, tz=tz)
        if kind == "release"
        else validate_eos(options=options, now=now, tz=tz)
    )
    with services.db.session() as session:
        targets = workflow.parse_targets(
            session=session, spec=draft.channels, enabled_platforms=set(services.ports)
        )
        unknown = workflow.unknown_requests(session=session, request_ids=draft.ships)
        if unknown:
            listed = ", ".join(f"#{i}" for i in unknown)
            raise UsageError(
                f"ships: there is no feature request {listed}. Check the ids with `requests`.",
                f"ships（包含需求）：不存在需求 {listed}，请核对编号。",
            )
        repeats = workflow.repeat_warnings(session=session, draft=draft, tz=tz)
        announcement = workflow.create_announcement(
            session=session,
            draft=draft,
            targets=targets,
            platform=msg.platform,
            author=msg.user,
            now=services.now(),
        )
    scheduled_for = (
        draft.at.astimezone(tz).strftime(f"%Y-%m-%d %H:%M ({services.settings.timezone})") if draft.at else ""
    )
    preview = preview_reply(
        announcement,
        targets=[str(t) for t in targets],
        warnings=[*repeats, *draft.warnings],
        scheduled_for=scheduled_for,
    )
    return preview.model_copy(update={"where": where})


def release_form() -> Form:
    return Form(
        form_id=RELEASE_FORM,
        title="Release announcement / 发布公告",
        submit_label="Preview / 预览",
        inputs=[
            FormInput(name="product", label="Product / 产品"),
            FormInput(name="version", label="Version / 版本"),
            FormInput(name="date", label="Release date / 发布日期 (YYYY-MM-DD)", placeholder="2026-12-01"),
            FormInput(name="highlights", label="Highlights / 亮点 (one per line)", multiline=True),
            FormInput(
                name="channels",
                label="Channels / 频道",
                placeholder="slack:#sales, feishu:oc_…, sales-cn",
            ),
            FormInput(
                name="ships", label="Ships requests / 包含需求", placeholder="#12, #31", required=False
            ),
            FormInput(
                name="at",
                label="Post at / 定时发送 (YYYY-MM-DD HH:MM)",
                placeholder="empty = now / 留空立即",
                required=False,
            ),
        ],
    )


def eos_form() -> Form:
    return Form(
        form_id=EOS_FORM,
        title="End-of-sale notice / 停售通知",
        submit_label="Preview / 预览",
        inputs=[
            FormInput(name="product", label="Product / 产品"),
            FormInput(name="reason", label="Reason / 原因", multiline=True),
            FormInput(name="last_order", label="Last order date / 最后订购日 (YYYY-MM-DD)"),
            FormInput(name="end_of_support", label="End of support / 停止支持日 (YYYY-MM-DD)"),
            FormInput(name="scope", label="Affected scope / 影响范围", multiline=True),
            FormInput(name="alternative", label="Alternative / 替代方案"),
            FormInput(name="support", label="Support plan / 支持方案", multiline=True),
            FormInput(name="contact", label="Contact / 联系人"),
            FormInput(
                name="channels",
                label="Channels / 频道",
                placeholder="slack:#sales, feishu:oc_…, sales-cn",
            ),
            FormInput(
                name="at",
                label="Post at / 定时发送 (YYYY-MM-DD HH:MM)",
                placeholder="empty = now / 留空立即",
                required=False,
            ),
        ],
    )


def validate_form(msg: IncomingMessage, services: Services) -> None:
    """The release and end-of-sale forms' validator: every field at once, channels and shipped requests
    included (`FormErrors`); nothing is stored. Someone who may not announce is told that first."""
    _require_pm(msg, services)
    options = dict(msg.form)
    checks = FieldChecks()
    validate = validate_release if msg.form_id == RELEASE_FORM else validate_eos
    try:
        validate(options=options, now=services.now(), tz=services.settings.tz)
    except FormErrors as exc:
        checks.errors.update(exc.errors)
    channels = options.get("channels", "").strip()
    ships = options.get("ships", "").strip()
    with services.db.session() as session:
        if channels and "channels" not in checks.errors:
            checks.check(
                "channels",
                workflow.parse_targets,
                session=session,
                spec=channels,
                enabled_platforms=set(services.ports),
            )
        if ships and "ships" not in checks.errors:
            unknown = workflow.unknown_requests(session=session, request_ids=parse_request_ids(ships))
            if unknown:
                listed = ", ".join(f"#{i}" for i in unknown)
                checks.fail(
                    "ships",
                    f"There is no feature request {listed}. Check the ids with `requests`.",
                    f"不存在需求 {listed}，请核对编号。",
                )
    checks.raise_if_any()


def handle_release_form(msg: IncomingMessage, services: Services) -> Reply:
    _require_pm(msg, services)
    return _draft(msg, services, kind="release", options=dict(msg.form), where="dm")


def handle_eos_form(msg: IncomingMessage, services: Services) -> Reply:
    _require_pm(msg, services)
    return _draft(msg, services, kind="eos", options=dict(msg.form), where="dm")


# --- buttons -----------------------------------------------------------------------------------------


def _button_target(msg: IncomingMessage, services: Services) -> Announcement:
    if not msg.action_value.strip():
        raise UsageError("This button is missing its announcement id.", "此按钮缺少公告编号。")
    return _load(services, msg.action_value)


def handle_confirm(msg: IncomingMessage, services: Services) -> Reply:
    a = _button_target(msg, services)
    assert a.id is not None
    if not _may_manage(msg, services, a):
        raise PermissionDenied(
            "Only the author or a PM can post this announcement.", "只有作者或产品经理可以发布此公告。"
        )
    today = services.now().astimezone(services.settings.tz).date()
    if a.kind == "eos" and a.status == "draft" and a.last_order is not None and a.last_order <= today:
        raise UsageError(
            f"The last-order date {a.last_order} of end-of-sale draft #{a.id} is no longer in the future "
            f"(today is {today}); nothing was posted. Draft the notice again with current dates.",
            f"停售通知草稿 #{a.id} 的最后订购日 {a.last_order} 已不在未来（今天是 {today}），未发布任何内容。"
            "请用新的日期重新起草。",
        )
    published = workflow.publish_announcement(services=services, announcement_id=a.id)
    if published is None:
        return _not_pending(a, services)
    where = ", ".join(str(t) for t in published.targets)
    lines = [
        both(
            f"Posted announcement #{a.id} to {len(published.targets)} channel(s): {where}. "
            f"Check who has read it with `announce status {a.id}`.",
            f"公告 #{a.id} 已发布到 {len(published.targets)} 个频道：{where}。"
            f"用 `公告 status {a.id}` 查看阅读情况。",
        )
        if published.targets
        else both(f"Announcement #{a.id} reached no channel.", f"公告 #{a.id} 没有发布到任何频道。")
    ]
    lines += [both(en, zh) for en, zh in published.notes]
    return Reply(
        text="\n".join(lines), where="ephemeral", color="warning" if published.refused else "success"
    )


def _not_pending(a: Announcement, services: Services) -> Reply:
    with services.db.session() as session:
        current = workflow.get_announcement(session=session, announcement_id=a.id or 0) or a
    if current.status == "published":
        text = both(
            f"Announcement #{a.id} is already posted; nothing was sent twice.",
            f"公告 #{a.id} 已经发布过，不会重复发送。",
        )
    else:
        text = both(f"Announcement #{a.id} was cancelled.", f"公告 #{a.id} 已取消。")
    return Reply(text=text, where="ephemeral", color="info")


def handle_cancel(msg: IncomingMessage, services: Services) -> Reply:
    return _cancel(msg, services, _button_target(msg, services))


def _cancel(msg: IncomingMessage, services: Services, a: Announcement) -> Reply:
    assert a.id is not None
    if not _may_manage(msg, services, a):
        raise PermissionDenied(
            "Only the author or a PM can cancel this announcement.", "只有作者或产品经理可以取消此公告。"
        )
    with services.db.session() as session:
        cancelled = workflow.cancel_announcement(session=session, announcement_id=a.id)
        current = workflow.get_announcement(session=session, announcement_id=a.id) or a
    if not cancelled and current.status == "published":
        return Reply(
            text=both(
                f"Announcement #{a.id} is already published and cannot be cancelled: a posted message cannot "
                f"be taken back. Post a correction with a new announcement if needed.",
                f"公告 #{a.id} 已发布，无法取消：已发出的消息不能撤回。如有需要，请发布一条新的更正公告。",
            ),
            where="ephemeral",
            color="warning",
        )
    if not cancelled:
        return Reply(
            text=both(f"Announcement #{a.id} is already cancelled.", f"公告 #{a.id} 已经取消过了。"),
            where="ephemeral",
            color="info",
        )
    return Reply(
        text=both(
            f"Announcement #{a.id} cancelled; nothing was posted.", f"公告 #{a.id} 已取消，未发布任何内容。"
        ),
        where="ephemeral",
    )


def handle_ack(msg: IncomingMessage, services: Services) -> Reply:
    a = _button_target(msg, services)
    assert a.id is not None
    if a.status == "cancelled":
        raise UsageError(
            f"Announcement #{a.id} was cancelled and never posted; there is nothing to acknowledge.",
            f"公告 #{a.id} 已取消，从未发布，无需确认已阅。",
        )
    if a.status != "published":
        raise UsageError(
            f"Announcement #{a.id} is not posted yet, so it cannot be acknowledged.",
            f"公告 #{a.id} 尚未发布，无法确认已阅。",
        )
    if a.kind == "eos":
        with services.db.session() as session:
            current = workflow.eos_notice_for(session=session, product=a.product)
        if current is not None and current.id is not None and current.id != a.id:
            return Reply(
                text=both(
                    f"End-of-sale notice #{a.id} was replaced by #{current.id} (last order {current.last_order}, "
                    f"end of support {current.end_of_support}); please read #{current.id} and acknowledge it.",
                    f"停售通知 #{a.id} 已被 #{current.id} 取代（最后订购日 {current.last_order}，"
                    f"停止支持日 {current.end_of_support}）；请阅读 #{current.id} 并确认已阅。",
                ),
                fields=announcement_reply(current).fields,
                buttons=[ack_button(current.id)],
                where="ephemeral",
                color="warning",
            )
    try:
        with services.db.session() as session:
            first = workflow.acknowledge(
                session=session,
                announcement_id=a.id,
                platform=msg.platform,
                user=msg.user,
                conversation=msg.conversation,
                now=services.now(),
            )
    except IntegrityError:  # the same user's concurrent second click
        first = False
    if first:
        text = both(
            f"Thanks {mention(msg.user)} — recorded that you read #{a.id} ({a.product}).",
            f"谢谢 {mention(msg.user)}——已记录你阅读了公告 #{a.id}（{a.product}）。",
        )
    else:
        text = both(
            f"You already acknowledged #{a.id}; nothing more to do.",
            f"你已确认过公告 #{a.id}，无需重复操作。",
        )
    return Reply(text=text, where="ephemeral", color="success" if first else "info")


# --- status and list ---------------------------------------------------------------------------------


def _names(users: list[str], *, platform: str) -> str:
    shown = ", ".join(mention(u, platform=platform) for u in users[:_MAX_NAMES])
    more = len(users) - _MAX_NAMES
    return shown + (f" … +{more}" if more > 0 else "") if users else "—"


def _status(msg: IncomingMessage, services: Services, rest: str) -> Reply:
    words = tokenize(rest)
    if len(words) != 1:
        raise UsageError(
            "`announce status` needs one announcement id.", "`announce status` 需要一个公告编号。"
        )
    a = _load(services, words[0])
    assert a.id is not None
    if not _may_manage(msg, services, a):
        raise PermissionDenied(
            "Only the author or a PM can see who acknowledged this announcement.",
            "只有作者或产品经理可以查看此公告的阅读情况。",
        )
    title = f"#{a.id} {headline(a)}"
    if a.status != "published":
        state = _STATES.get(a.status, (a.status, a.status))
        when = ""
        if a.status == "scheduled" and a.scheduled_at is not None:
            when = " " + as_utc(a.scheduled_at).astimezone(services.settings.tz).strftime("%Y-%m-%d %H:%M")
        return Reply(
            title=title,
            text=both(f"Not posted yet: {state[0]}{when}.", f"尚未发布：{state[1]}{when}。"),
            where="ephemeral",
        )
    statuses = workflow.acknowledgement_status(services=services, announcement=a)
    fields = []
    total_acked = total = 0
    for st in statuses:
        count = len(st.acknowledged) + len(st.pending)
        total_acked += len(st.acknowledged)
        total += count
        snapshot = "" if st.live else " (members when posted / 发布时成员)"
        value = (
            f"✅ {_names(st.acknowledged, platform=st.target.platform)}\n"
            f"⏳ {_names(st.pending, platform=st.target.platform)}"
        )
        if not count:
            value = (
                "Members unknown: the platform did not list them (name channels by id, e.g. slack:C0123). / "
                "无法获取成员（请使用频道 ID，例如 slack:C0123）。"
            )
        fields.append(
            KeyValue(
                label=f"{st.target} — {len(st.acknowledged)}/{count} ({st.rate:.0%}){snapshot}", value=value
            )
        )
    return Reply(
        title=title,
        text=both(
            f"{total_acked} of {total} members acknowledged.",
            f"{total} 位成员中已有 {total_acked} 位确认已阅。",
        ),
        fields=fields,
        context=["✅ acknowledged / 已阅   ⏳ not yet / 未阅"],
        where="ephemeral",
    )


def _list(msg: IncomingMessage, services: Services) -> Reply:
    with services.db.session() as session:
        rows = workflow.recent_announcements(session=session, limit=15)
    if not rows:
        return Reply(text=both("No announcements yet.", "还没有公告。"), where="ephemeral")
    lines = []
    for a in rows:
        en, zh = _STATES.get(a.status, (a.status, a.status))
        if a.status == "draft":
            en, zh = "draft", "草稿"
        when = ""
        if a.status == "scheduled" and a.scheduled_at is not None:
            when = " " + as_utc(a.scheduled_at).astimezone(services.settings.tz).strftime("%Y-%m-%d %H:%M")
        lines.append(f"• #{a.id} {headline(a)} — {en}{when} / {zh}{when}")
    return Reply(
        title=pick(msg.language, "Recent announcements", "最近的公告"),
        text="\n".join(lines),
        where="ephemeral",
    )


# --- audience ------------------------------------------------------------------------------------------


def handle_audience(msg: IncomingMessage, services: Services) -> Reply:
    words = tokenize(msg.args)
    sub = words[0].lower() if words else ""
    if sub in {"list", "列表", ""}:
        with services.db.session() as session:
            audiences = workflow.list_audiences(session=session)
        if not audiences:
            return Reply(
                text=both(
                    "No audiences yet. Create one: `audience add sales-cn feishu:oc_1 feishu:oc_2`.",
                    "还没有受众。创建：`受众 add sales-cn feishu:oc_1 feishu:oc_2`。",
                ),
                where="ephemeral",
            )
        return Reply(
            title="Audiences / 受众",
            fields=[
                KeyValue(label=a.name, value=", ".join(str(t) for t in load_targets(a.targets)))
                for a in audiences
            ],
            where="ephemeral",
        )
    if sub in {"add", "set", "添加"}:
        if len(words) < 3:
            raise UsageError(
                "`audience add` needs a name and at least one channel.",
                "`audience add` 需要名称和至少一个频道。",
            )
        name = words[1]
        if not is_audience_name(name):
            raise UsageError(
                f"{name!r} cannot be an audience name: use letters, digits, - or _ (e.g. sales-cn).",
                f"{name!r} 不能作为受众名称：请使用字母、数字、- 或 _（例如 sales-cn）。",
            )
        with services.db.session() as session:
            targets = workflow.parse_targets(
                session=session, spec=" ".join(words[2:]), enabled_platforms=set(services.ports)
            )
            _, created = workflow.save_audience(
                session=session, name=name, targets=targets, by=msg.user, now=services.now()
            )
        verb_en, verb_zh = ("created", "已创建") if created else ("updated", "已更新")
        return Reply(
            text=both(
                f"Audience `{name}` {verb_en}: {format_targets(targets)}.",
                f"受众 `{name}` {verb_zh}：{format_targets(targets)}。",
            ),
            where="ephemeral",
            color="success",
        )
    if sub in {"remove", "delete", "删除"}:
        if len(words) != 2:
            raise UsageError("`audience remove` needs one name.", "`audience remove` 需要一个名称。")
        with services.db.session() as session:
            removed = workflow.remove_audience(session=session, name=words[1])
        if not removed:
            raise NotFound(f"No audience named {words[1]!r}.", f"没有名为 {words[1]!r} 的受众。")
        return Reply(
            text=both(f"Audience `{words[1]}` removed.", f"受众 `{words[1]}` 已删除。"), where="ephemeral"
        )
    raise UsageError(
        f"Unknown audience subcommand {sub!r}: use add, list or remove.",
        f"未知的受众子命令 {sub!r}：可用 add、list、remove。",
    )
