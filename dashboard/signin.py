"""Signing in with a one-time link from chat, and signing out.

`GET /app/login?token=…` checks the link without using it and shows a "Sign in" button; pressing it
(`POST /app/login`) uses the link, starts a session and sets the cookie. Two steps on purpose: chat apps and
mail scanners fetch links to preview them, and a GET that used the link would sign the preview in instead
of the person. A used, expired or unknown link gets a page saying how to get a new one.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.responses import Response

from dashboard.auth import COOKIE, cookie_value
from dashboard.web import Ctx, forbidden, page_route, sign_in_help
from services.dashboard_access import (
    LINK_TTL,
    SESSION_TTL,
    LinkProblem,
    end_session,
    link_problem,
    redeem_link,
    start_session,
)

NEW_LINK_EN = (
    "Ask the bot for a new one: send `dashboard` (on Slack `/salesbridge dashboard`, on Feishu `dashboard` or "
    "`看板`). Each link works once, within {minutes} minutes."
)
NEW_LINK_ZH = (
    "请向机器人获取新链接：发送 `看板`（Slack 上用 `/salesbridge dashboard`，飞书上发送 `dashboard` 或 `看板`）。"
    "每个链接只能使用一次，{minutes} 分钟内有效。"
)


def _refused(ctx: Ctx, problem: LinkProblem) -> Response:
    minutes = int(LINK_TTL.total_seconds() // 60)
    why_en, why_zh, title_en, title_zh = {
        "used": (
            "This sign-in link was already used.",
            "这个登录链接已经用过了。",
            "Link already used",
            "链接已用过",
        ),
        "expired": ("This sign-in link has expired.", "这个登录链接已过期。", "Link expired", "链接已过期"),
        "unknown": ("This sign-in link is not valid.", "这个登录链接无效。", "Link not valid", "链接无效"),
    }[problem]
    return ctx.render(
        "link_refused.html",
        status=404 if problem == "unknown" else 410,
        title=ctx.t(title_en, title_zh),
        problem=problem,
        why=ctx.t(why_en, why_zh),
        how=ctx.t(NEW_LINK_EN.format(minutes=minutes), NEW_LINK_ZH.format(minutes=minutes)),
    )


def login_page(ctx: Ctx) -> Response:
    token = ctx.param("token").strip()
    if not token:
        return sign_in_help(ctx, status=200)
    with ctx.services.db.session() as session:
        problem = link_problem(session=session, token=token, now=ctx.services.now())
    if problem is not None:
        return _refused(ctx, problem)
    return ctx.render("login.html", token=token)


def _same_origin(ctx: Ctx) -> bool:
    """A browser's Origin header, when sent, names this site (the public URL or the address used)."""
    origin = ctx.request.headers.get("origin", "")
    if not origin:
        return True
    allowed = {ctx.services.settings.public_url.rstrip("/")}
    own = urlsplit(str(ctx.request.base_url))
    allowed.add(f"{own.scheme}://{own.netloc}")
    return origin.rstrip("/") in allowed


def login(ctx: Ctx) -> Response:
    if not _same_origin(ctx):
        raise forbidden(
            "This sign-in form came from another site; nothing was changed.",
            "此登录表单来自其他网站，未做任何更改。",
        )
    token = ctx.form.get("token", "").strip()
    now = ctx.services.now()
    with ctx.services.db.session() as session:
        problem = link_problem(session=session, token=token, now=now)
        if problem is None:
            identity = redeem_link(session=session, token=token, now=now)
            session_token, expires = start_session(session=session, identity=identity, now=now)
    if problem is not None:
        return _refused(ctx, problem)
    response = ctx.redirect(ctx.url("requests"))
    response.set_cookie(
        COOKIE,
        cookie_value(secret=ctx.dashboard.secret(), session_token=session_token, expires=expires),
        max_age=int(SESSION_TTL.total_seconds()),
        path="/app",
        httponly=True,
        samesite="lax",
        secure=ctx.dashboard.secure_cookies,
    )
    return response


def logout(ctx: Ctx) -> Response:
    with ctx.services.db.session() as session:
        end_session(session=session, token=ctx.me.session_token, now=ctx.services.now())
    ctx.viewer = None
    response = ctx.message(
        200,
        "You are signed out. To come back, send `dashboard` to the bot for a new sign-in link.",
        "你已退出登录。需要再次进入时，请给机器人发送 `看板` 获取新的登录链接。",
        title_en="Signed out",
        title_zh="已退出登录",
    )
    response.delete_cookie(
        COOKIE, path="/app", httponly=True, samesite="lax", secure=ctx.dashboard.secure_cookies
    )
    return response


def home(ctx: Ctx) -> Response:
    if ctx.viewer is None:
        return sign_in_help(ctx, status=200)
    return ctx.redirect(ctx.url("requests"))


ROUTES = [
    page_route("/", home, name="home", public=True),
    page_route("/login", login_page, name="login", public=True),
    page_route("/login", login, name="login_submit", methods=("POST",), public=True),
    page_route("/logout", logout, name="logout", methods=("POST",)),
]
