"""Roles: admin, pm, sales (the default). From settings, or granted in chat by an admin.

A role granted in chat holds on one platform *in one workspace* (Slack team, Feishu tenant): the same user id
elsewhere is nobody here. Grants recorded before workspaces were (workspace "") hold in every workspace of
the installation. SALESBRIDGE_PM_USERS / SALESBRIDGE_ADMIN_USERS entries — `U1`, `slack:U1`, or
`slack:T0123:U1` for one workspace — apply to the installation's workspaces (other workspaces never reach
the bot: `bot/platforms/*` drop their events).

A role granted in chat wins over SALESBRIDGE_PM_USERS, but never over SALESBRIDGE_ADMIN_USERS: a configured
admin stays admin whatever is granted in chat, so a team cannot lock itself out. For the same reason nobody
may take the admin role from the last admin of a platform (in practice: the last admin stepping down)."""

from __future__ import annotations

from sqlmodel import Session, col, select

from bot.config import Settings
from bot.database import Database
from bot.errors import PermissionDenied, UsageError
from bot.markup import mention_token
from bot.models import RoleGrant

ROLES = ("admin", "pm", "sales")
ROLE_ZH = {"admin": "管理员", "pm": "产品经理", "sales": "销售"}


def _configured(ids: list[str], platform: str, user: str, workspace: str = "") -> bool:
    return (
        user in ids
        or f"{platform}:{user}" in ids
        or (bool(workspace) and f"{platform}:{workspace}:{user}" in ids)
    )


class Roles:
    def __init__(self, *, settings: Settings, db: Database) -> None:
        self._settings = settings
        self._db = db

    def configured_role(self, *, platform: str, user: str, workspace: str = "") -> str:
        """The role from settings (SALESBRIDGE_ADMIN_USERS / SALESBRIDGE_PM_USERS), else sales."""
        if _configured(self._settings.admin_users, platform, user, workspace):
            return "admin"
        if _configured(self._settings.pm_users, platform, user, workspace):
            return "pm"
        return "sales"

    def is_configured_admin(self, *, platform: str, user: str, workspace: str = "") -> bool:
        return _configured(self._settings.admin_users, platform, user, workspace)

    @staticmethod
    def _grant(session: Session, *, platform: str, user: str, workspace: str) -> RoleGrant | None:
        """The grant for this workspace, else one from before workspaces were recorded."""
        rows = session.exec(
            select(RoleGrant).where(
                RoleGrant.platform == platform,
                RoleGrant.user_id == user,
                col(RoleGrant.workspace).in_({workspace, ""}),
            )
        ).all()
        return next((g for g in rows if g.workspace == workspace), None) or next(iter(rows), None)

    def role_of(self, *, platform: str, user: str, workspace: str = "") -> str:
        """A configured admin is admin. Otherwise a role granted in chat in this workspace (the latest
        decision) wins over the settings; without one, the settings."""
        if self.is_configured_admin(platform=platform, user=user, workspace=workspace):
            return "admin"
        with self._db.session() as session:
            grant = self._grant(session, platform=platform, user=user, workspace=workspace)
        if grant is not None:
            return grant.role
        return self.configured_role(platform=platform, user=user, workspace=workspace)

    def is_pm(self, *, platform: str, user: str, workspace: str = "") -> bool:
        return self.role_of(platform=platform, user=user, workspace=workspace) in {"pm", "admin"}

    def require(
        self, *, platform: str, user: str, workspace: str = "", roles: tuple[str, ...] = ("pm", "admin")
    ) -> None:
        role = self.role_of(platform=platform, user=user, workspace=workspace)
        if role not in roles and role != "admin":
            raise PermissionDenied(
                f"This needs the {' or '.join(roles)} role; yours is {role}. Ask an admin: `role grant <user> pm`.",
                f"此操作需要 {' 或 '.join(roles)} 角色；你的角色是 {role}。请联系管理员：`role grant <用户> pm`。",
            )

    def admins(self, *, platform: str, workspace: str = "") -> set[str]:
        """Every admin of `platform` in `workspace`: configured ones (bare, `platform:` or
        `platform:workspace:` ids) and those granted in chat."""
        configured = set()
        for entry in self._settings.admin_users:
            parts = entry.split(":")
            if len(parts) == 1:
                configured.add(entry)
            elif parts[0] == platform and len(parts) == 2:
                configured.add(parts[1])
            elif parts[0] == platform and parts[1] == workspace:
                configured.add(":".join(parts[2:]))
        with self._db.session() as session:
            granted = session.exec(
                select(RoleGrant.user_id).where(
                    RoleGrant.platform == platform,
                    RoleGrant.role == "admin",
                    col(RoleGrant.workspace).in_({workspace, ""}),
                )
            ).all()
        return configured | set(granted)

    def _check_demotion(self, *, platform: str, user: str, by: str, workspace: str) -> None:
        """Refuse to take admin from a configured admin, or from the last admin of the platform."""
        if self.is_configured_admin(platform=platform, user=user, workspace=workspace):
            raise PermissionDenied(
                f"{mention_token(user)} is an admin in the settings (SALESBRIDGE_ADMIN_USERS); a chat command cannot remove "
                "that role. Change the setting and restart to remove it.",
                f"{mention_token(user)} 是配置中的管理员（SALESBRIDGE_ADMIN_USERS），聊天命令不能撤销该角色；"
                "请修改配置并重启。",
            )
        if self.role_of(platform=platform, user=user, workspace=workspace) == "admin" and self.admins(
            platform=platform, workspace=workspace
        ) == {user}:
            who_en, who_zh = (
                ("you are", "你是")
                if user == by
                else (f"{mention_token(user)} is", f"{mention_token(user)} 是")
            )
            raise PermissionDenied(
                f"Refused: {who_en} the last admin here, and nobody could grant roles afterwards. "
                "Grant admin to someone else first: `role grant @ann admin`.",
                f"已拒绝：{who_zh}这里最后一位管理员，撤销后将无人能够授予角色。"
                "请先授予他人管理员角色：`角色 授予 @ann 管理员`。",
            )

    def grant(self, *, platform: str, user: str, role: str, by: str, workspace: str = "") -> None:
        if role not in ROLES:
            raise UsageError(
                f"Unknown role {role!r}; choose one of {', '.join(ROLES)}.",
                f"未知角色 {role!r}；可选：{', '.join(ROLES)}。",
            )
        if role != "admin":
            self._check_demotion(platform=platform, user=user, by=by, workspace=workspace)
        with self._db.session() as session:
            grant = session.exec(
                select(RoleGrant).where(
                    RoleGrant.platform == platform,
                    RoleGrant.user_id == user,
                    RoleGrant.workspace == workspace,
                )
            ).first()
            if grant is None:
                grant = RoleGrant(
                    platform=platform, workspace=workspace, user_id=user, role=role, granted_by=by
                )
            else:
                grant.role, grant.granted_by = role, by
            session.add(grant)

    def revoke(self, *, platform: str, user: str, by: str, workspace: str = "") -> str:
        """Take a user's pm/admin role away: they are sales afterwards (an explicit grant overrides the
        settings when those name them). Returns the role they had. A configured admin and the last admin
        keep their role (PermissionDenied)."""
        self._check_demotion(platform=platform, user=user, by=by, workspace=workspace)
        before = self.role_of(platform=platform, user=user, workspace=workspace)
        has_legacy = False
        with self._db.session() as session:
            for grant in session.exec(
                select(RoleGrant).where(
                    RoleGrant.platform == platform,
                    RoleGrant.user_id == user,
                    col(RoleGrant.workspace).in_({workspace, ""}),
                )
            ):
                has_legacy = has_legacy or (grant.workspace == "" and workspace != "")
                session.delete(grant)
        if self.configured_role(platform=platform, user=user, workspace=workspace) != "sales" or has_legacy:
            self.grant(platform=platform, user=user, role="sales", by=by, workspace=workspace)
        return before

    def granted(self) -> list[RoleGrant]:
        with self._db.session() as session:
            return list(
                session.exec(
                    select(RoleGrant).order_by(
                        col(RoleGrant.platform), col(RoleGrant.workspace), col(RoleGrant.user_id)
                    )
                )
            )
