"""Roles: admin, pm, sales (the default). From settings, or granted in chat by an admin."""

from __future__ import annotations

from sqlmodel import select

from bot.config import Settings
from bot.database import Database
from bot.errors import PermissionDenied, UsageError
from bot.models import RoleGrant

ROLES = ("admin", "pm", "sales")


def _configured(ids: list[str], platform: str, user: str) -> bool:
    return user in ids or f"{platform}:{user}" in ids


class Roles:
    def __init__(self, *, settings: Settings, db: Database) -> None:
        self._settings = settings
        self._db = db

    def configured_role(self, *, platform: str, user: str) -> str:
        """The role from settings (SALESBRIDGE_ADMIN_USERS / SALESBRIDGE_PM_USERS), else sales."""
        if _configured(self._settings.admin_users, platform, user):
            return "admin"
        if _configured(self._settings.pm_users, platform, user):
            return "pm"
        return "sales"

    def role_of(self, *, platform: str, user: str) -> str:
        """A role granted in chat (the latest decision) wins over the settings; without one, the settings."""
        with self._db.session() as session:
            grant = session.exec(
                select(RoleGrant).where(RoleGrant.platform == platform, RoleGrant.user_id == user)
            ).first()
        if grant is not None:
            return grant.role
        return self.configured_role(platform=platform, user=user)

    def is_pm(self, *, platform: str, user: str) -> bool:
        return self.role_of(platform=platform, user=user) in {"pm", "admin"}

    def require(self, *, platform: str, user: str, roles: tuple[str, ...] = ("pm", "admin")) -> None:
        role = self.role_of(platform=platform, user=user)
        if role not in roles and role != "admin":
            raise PermissionDenied(
                f"This needs the {' or '.join(roles)} role; yours is {role}. Ask an admin: `role grant <user> pm`.",
                f"此操作需要 {' 或 '.join(roles)} 角色；你的角色是 {role}。请联系管理员：`role grant <用户> pm`。",
            )

    def grant(self, *, platform: str, user: str, role: str, by: str) -> None:
        if role not in ROLES:
            raise UsageError(
                f"Unknown role {role!r}; choose one of {', '.join(ROLES)}.",
                f"未知角色 {role!r}；可选：{', '.join(ROLES)}。",
            )
        with self._db.session() as session:
            grant = session.exec(
                select(RoleGrant).where(RoleGrant.platform == platform, RoleGrant.user_id == user)
            ).first()
            if grant is None:
                grant = RoleGrant(platform=platform, user_id=user, role=role, granted_by=by)
            else:
                grant.role, grant.granted_by = role, by
            session.add(grant)

    def revoke(self, *, platform: str, user: str, by: str) -> str:
        """Take a user's pm/admin role away: they are sales afterwards (an explicit grant overrides the
        settings when those name them). Returns the role they had."""
        before = self.role_of(platform=platform, user=user)
        if self.configured_role(platform=platform, user=user) != "sales":
            self.grant(platform=platform, user=user, role="sales", by=by)
        else:
            with self._db.session() as session:
                grant = session.exec(
                    select(RoleGrant).where(RoleGrant.platform == platform, RoleGrant.user_id == user)
                ).first()
                if grant is not None:
                    session.delete(grant)
        return before

    def granted(self) -> list[RoleGrant]:
        with self._db.session() as session:
            return list(session.exec(select(RoleGrant).order_by(RoleGrant.platform, RoleGrant.user_id)))
