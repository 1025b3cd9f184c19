"""`role`: show your role; admins grant roles (`role grant <user> pm`) and list grants."""

from __future__ import annotations

from bot.commands import tokenize
from bot.errors import UsageError
from bot.i18n import pick
from bot.messages import IncomingMessage, KeyValue, Reply
from bot.router import Router
from bot.services import Services
from handlers.common import mention, parse_user

USAGE = "role\nrole grant <@user> pm|admin|sales\nrole list"


def register(router: Router) -> None:
    router.command(
        "role",
        handle_role,
        aliases=("roles", "角色"),
        summary_en="Show your role; admins grant roles: `role grant @ann pm`",
        summary_zh="查看你的角色；管理员可授权：`角色 grant @ann pm`",
        usage=USAGE,
    )


def handle_role(msg: IncomingMessage, services: Services) -> Reply:
    words = tokenize(msg.args)
    lang = msg.language
    if not words:
        role = services.roles.role_of(platform=msg.platform, user=msg.user)
        return Reply(text=pick(lang, f"Your role: *{role}*", f"你的角色：*{role}*"), where="ephemeral")
    sub = words[0].lower()
    if sub == "grant":
        if len(words) != 3:
            raise UsageError("`role grant` needs a user and a role.", "`role grant` 需要用户和角色。")
        services.roles.require(platform=msg.platform, user=msg.user, roles=("admin",))
        user, role = parse_user(words[1]), words[2].lower()
        services.roles.grant(platform=msg.platform, user=user, role=role, by=msg.user)
        return Reply(
            text=pick(lang, f"{mention(user)} is now *{role}*.", f"{mention(user)} 现在的角色是 *{role}*。"),
            where="thread",
        )
    if sub == "list":
        services.roles.require(platform=msg.platform, user=msg.user, roles=("admin",))
        fields = [
            KeyValue(label=f"{g.platform}:{mention(g.user_id)}", value=g.role)
            for g in services.roles.granted()
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
        return Reply(title=pick(lang, "Roles", "角色"), fields=configured + fields, where="ephemeral")
    raise UsageError(f"Unknown subcommand {sub!r}.", f"未知子命令 {sub!r}。", usage=USAGE)
