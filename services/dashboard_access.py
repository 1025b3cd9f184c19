"""Getting into the web dashboard without a password: one-time sign-in links and browser sessions.

`dashboard` in chat and `salesbridge dashboard link` call `create_link`; the dashboard redeems the link
(`redeem_link`, once, within `LINK_TTL`) and starts a session (`start_session`, `SESSION_TTL`), which every
page looks up (`session_identity`) and sign-out ends (`end_session`). Tokens are random (256 bits) and only
their SHA-256 is stored. The person's role is not stored here: the dashboard asks `bot.roles` on every
request, so a role granted or revoked in chat applies at once.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal
from urllib.parse import quote

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.clock import as_utc
from bot.errors import UsageError, UserFacingError
from bot.models.dashboard import DashboardLink, DashboardSecret, DashboardSession

LINK_TTL = timedelta(minutes=10)
SESSION_TTL = timedelta(hours=8)
KEEP_ENDED = timedelta(days=1)  # expired links and sessions are deleted this long after they expire
PLATFORMS = ("slack", "feishu", "console")
MAX_TOKEN_LENGTH = 128

LinkProblem = Literal["unknown", "used", "expired"]


@dataclass(frozen=True)
class Identity:
    """Who a link or session belongs to: a chat user, on one platform, in one workspace."""

    platform: str
    user: str
    workspace: str = ""

    @property
    def label(self) -> str:
        return f"{self.platform}:{self.user}"


class LinkRefused(UserFacingError):
    """A sign-in link that cannot be used: unknown, already used or expired (`problem`)."""

    def __init__(self, problem: LinkProblem) -> None:
        texts = {
            "unknown": ("This sign-in link is not valid.", "这个登录链接无效。"),
            "used": ("This sign-in link was already used.", "这个登录链接已经用过了。"),
            "expired": ("This sign-in link has expired.", "这个登录链接已过期。"),
        }
        en, zh = texts[problem]
        super().__init__(en, zh)
        self.problem: LinkProblem = problem


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _well_formed(token: str) -> bool:
    return 0 < len(token) <= MAX_TOKEN_LENGTH and token.isascii()


def parse_identity(text: str, *, workspace: str = "") -> Identity:
    """`slack:U123`, `feishu:ou_abc`, `console:ann` → Identity (the CLI's way of naming a person)."""
    platform, sep, user = text.strip().partition(":")
    platform = platform.lower()
    if not sep or platform not in PLATFORMS or not user.strip() or len(user) > 128:
        raise UsageError(
            f"Name the person as platform:user, e.g. slack:U0123, feishu:ou_abc or console:ann (got {text!r}).",
            f"请用 平台:用户 指定用户，例如 slack:U0123、feishu:ou_abc 或 console:ann（收到 {text!r}）。",
        )
    return Identity(platform=platform, user=user.strip(), workspace=workspace.strip())


def sign_in_url(*, public_url: str, token: str) -> str:
    return f"{public_url.rstrip('/')}/app/login?token={quote(token, safe='')}"


def create_link(*, session: Session, identity: Identity, now: datetime) -> str:
    """A new one-time sign-in token for `identity`, valid `LINK_TTL`. Old expired links and sessions are
    deleted on the way (a few rows at most; the expiry columns are indexed)."""
    purge_expired(session=session, now=now)
    token = secrets.token_hex(32)  # hex: nothing in it a chat renderer could read as formatting (_x_, *x*)
    session.add(
        DashboardLink(
            token_hash=_hash(token),
            platform=identity.platform,
            workspace=identity.workspace,
            user_id=identity.user,
            created_at=now,
            expires_at=now + LINK_TTL,
        )
    )
    session.flush()
    return token


def purge_expired(*, session: Session, now: datetime) -> None:
    cutoff = now - KEEP_ENDED
    session.execute(delete(DashboardLink).where(col(DashboardLink.expires_at) < cutoff))
    session.execute(delete(DashboardSession).where(col(DashboardSession.expires_at) < cutoff))


def link_problem(*, session: Session, token: str, now: datetime) -> LinkProblem | None:
    """Why the link cannot be used, or None when it can (nothing is changed: the sign-in page shows this
    before the person presses "Sign in", so a link preview fetching the URL does not use it up)."""
    if not _well_formed(token):
        return "unknown"
    link = session.exec(select(DashboardLink).where(col(DashboardLink.token_hash) == _hash(token))).first()
    if link is None:
        return "unknown"
    if link.used_at is not None:
        return "used"
    if as_utc(link.expires_at) <= now:
        return "expired"
    return None


def redeem_link(*, session: Session, token: str, now: datetime) -> Identity:
    """Use a sign-in link: exactly once (of two concurrent redemptions one wins), before it expires.
    Raises `LinkRefused` otherwise."""
    problem = link_problem(session=session, token=token, now=now)
    if problem is not None:
        raise LinkRefused(problem)
    claimed = session.execute(
        update(DashboardLink)
        .where(
            col(DashboardLink.token_hash) == _hash(token),
            col(DashboardLink.used_at).is_(None),
            col(DashboardLink.expires_at) > now,
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if not getattr(claimed, "rowcount", 0):
        raise LinkRefused("used")
    link = session.exec(select(DashboardLink).where(col(DashboardLink.token_hash) == _hash(token))).one()
    return Identity(platform=link.platform, user=link.user_id, workspace=link.workspace)


def start_session(*, session: Session, identity: Identity, now: datetime) -> tuple[str, datetime]:
    """A new browser session for `identity`: its token (for the signed cookie) and its expiry."""
    token = secrets.token_urlsafe(32)
    expires = now + SESSION_TTL
    session.add(
        DashboardSession(
            token_hash=_hash(token),
            platform=identity.platform,
            workspace=identity.workspace,
            user_id=identity.user,
            created_at=now,
            expires_at=expires,
        )
    )
    session.flush()
    return token, expires


def session_identity(*, session: Session, token: str, now: datetime) -> Identity | None:
    """Whose session this is, or None when it is unknown, ended or expired."""
    if not _well_formed(token):
        return None
    row = session.exec(
        select(DashboardSession).where(col(DashboardSession.token_hash) == _hash(token))
    ).first()
    if row is None or row.ended_at is not None or as_utc(row.expires_at) <= now:
        return None
    return Identity(platform=row.platform, user=row.user_id, workspace=row.workspace)


def end_session(*, session: Session, token: str, now: datetime) -> None:
    """Sign out: the session's cookie is worthless from now on, even if someone kept a copy."""
    if _well_formed(token):
        session.execute(
            update(DashboardSession)
            .where(col(DashboardSession.token_hash) == _hash(token), col(DashboardSession.ended_at).is_(None))
            .values(ended_at=now)
            .execution_options(synchronize_session=False)
        )


def shared_secret(*, session: Session, name: str, now: datetime) -> str:
    """The generated secret called `name`, created on first use; every process on the database gets the
    same one (of two processes creating it at once, the first insert wins and both read it)."""
    stored = session.get(DashboardSecret, name)
    if stored is not None:
        return stored.value
    try:
        with session.begin_nested():
            session.add(DashboardSecret(name=name, value=secrets.token_urlsafe(48), created_at=now))
            session.flush()
    except IntegrityError:
        pass
    return session.exec(select(DashboardSecret.value).where(col(DashboardSecret.name) == name)).one()
