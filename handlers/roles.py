"""`role` / `角色`: show your role; admins grant (`role grant <user> pm`, `角色 授予 @ann 产品经理`) and revoke
roles (`role revoke <user>`) and list grants. A role granted in chat wins over SALESBRIDGE_PM_USERS; configured
admins and the last admin keep their role (bot/roles.py)."""

from __future__ import annotations

from bot.chat_text import mention, parse_user
from bot.commands import tokenize
from bot.errors import UsageError
from bot.i18n import pick
from bot.messages import IncomingMessage, KeyValue, Reply
from bot.roles import ROLE_ZH
from bot.router import Router
from services.context import Services

USAGE = "role\nrole grant <@user> pm|admin|sales\nrole revoke <@user>\nrole list\n角色 授予 @lily 产品经理"

SUBCOMMANDS = {
    "grant": "grant", "授予": "grant", "授权": "grant", "设置": "grant", "设为": "grant",
    "revoke": "revoke", "remove": "revoke", "撤销": "revoke", "收回": "revoke", "取消": "revoke", "移除": "revoke",
    "list": "list", "ls": "list", "列表": "list", "查看": "list",
}  # fmt: skip
ROLE_WORDS = {
    "admin": "admin", "管理员": "admin",
    "pm": "pm", "产品经理": "pm", "产品": "pm", "product": "pm",
    "sales": "sales", "销售": "sales", "rep": "sales",
}  # fmt: skip


def register(router: Router) -> None:
    router.command(
        "role",
        handle_role,
        aliases=("roles", "角色"),
        summary_en="Show your role; admins grant and revoke roles: `role grant @ann pm`, `role revoke @ann`",
        summary_zh="查看你的角色；管理员可授予或撤销角色：`角色 授予 @ann 产品经理`、`角色 撤销 @ann`",
        usage=USAGE,
    )


def _role_text(role: str, lang: str) -> str:
    return pick(lang, role, f"{ROLE_ZH.get(role, role)}（{role}）")


def handle_role(msg: IncomingMessage, services: Services) -> Reply:
    words = tokenize(msg.args)
    lang = msg.language
    if not words:
        role = services.roles.role_of(platform=msg.platform, user=msg.user, workspace=msg.role_workspace)
        return Reply(
            text=pick(lang, f"Your role: *{role}*", f"你的角色：*{_role_text(role, lang)}*"),
            where="ephemeral",
        )
    sub = SUBCOMMANDS.get(words[0].lower())
    if sub == "grant":
        if len(words) != 3:
            raise UsageError(
                "`role grant` needs a user and a role: `role grant @ann pm`.",
                "`角色 授予` 需要用户和角色：`角色 授予 @ann 产品经理`。",
                usage=USAGE,
            )
        granted = ROLE_WORDS.get(words[2].lower())
        if granted is None:
            raise UsageError(
                f"Unknown role {words[2]!r}; choose admin, pm or sales.",
                f"未知角色 {words[2]!r}；可选：管理员(admin)、产品经理(pm)、销售(sales)。",
                usage=USAGE,
            )
        services.roles.require(
            platform=msg.platform, user=msg.user, workspace=msg.role_workspace, roles=("admin",)
        )
        user = parse_user(words[1])
        services.roles.grant(
            platform=msg.platform, user=user, workspace=msg.workspace, role=granted, by=msg.user
        )
        return _now_reply(msg, services, user)
    if sub == "revoke":
        if len(words) != 2:
            raise UsageError(
                "`role revoke` needs one user: `role revoke @ann`.",
                "`角色 撤销` 需要一个用户：`角色 撤销 @ann`。",
                usage=USAGE,
            )
        services.roles.require(
            platform=msg.platform, user=msg.user, workspace=msg.role_workspace, roles=("admin",)
        )
        user = parse_user(words[1])
        services.roles.revoke(platform=msg.platform, user=user, workspace=msg.workspace, by=msg.user)
        return _now_reply(msg, services, user)
    if sub == "list":
        services.roles.require(
            platform=msg.platform, user=msg.user, workspace=msg.role_workspace, roles=("admin",)
        )
        fields = [
            KeyValue(label=mention(g.user_id, platform=g.platform), value=g.role)
            for g in services.roles.granted()
            if g.platform != msg.platform or g.workspace in {msg.workspace, ""}  # this workspace's grants
        ]
        configured = [
            KeyValue(
                label=pick(lang, "Configured admins", "配置的管理员"),
                value=", ".join(services.settings.admin_users) or "—",
            ),
            KeyValue(
                label=pick(lang, "Configured PMs", "配置的产品经理"),
                value=", ".join(services.settings.pm_users) or "—",
            ),
        ]
        return Reply(
            title=pick(lang, "Roles", "角色"),
            fields=configured + fields,
            context=[
                pick(
                    lang,
                    "A role granted in chat wins over the configured PMs; configured admins always stay admins.",
                    "聊天中授予的角色优先于配置的产品经理；配置的管理员始终是管理员。",
                )
            ],
            where="ephemeral",
        )
    raise UsageError(
        f"Unknown subcommand {words[0]!r}: use grant, revoke or list.",
        f"未知子命令 {words[0]!r}：可用 授予(grant)、撤销(revoke)、列表(list)。",
        usage=USAGE,
    )


def _now_reply(msg: IncomingMessage, services: Services, user: str) -> Reply:
    """What `role` reports for `user` now (the reply never claims a role the user does not have)."""
    role = services.roles.role_of(platform=msg.platform, user=user, workspace=msg.workspace)
    lang = msg.language
    return Reply(
        text=pick(
            lang,
            f"{mention(user)} is now *{role}*.",
            f"{mention(user)} 现在的角色是 *{_role_text(role, lang)}*。",
        ),
        where="thread",
    )
