"""What every dashboard page uses: `page_route` (sign-in, CSRF and role checks, errors as pages), `Ctx` (the
viewer, the language, rendering, URLs, the submitted form), `Page` (a nav entry and its routes).

A page handler is a plain function `def handler(ctx: Ctx) -> Response`, run in a worker thread (it may use
the database). It calls the services with `ctx.services` and returns `ctx.render(...)` or
`ctx.redirect(...)`. User mistakes are raised, never returned: `bot.errors.UsageError` becomes a 400 page,
`NotFound` a 404 page, `PermissionDenied` and `forbidden(...)` a 403 page — bilingual, with a way back.
Anything unexpected is logged and answered with a polite 500 page.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

from markupsafe import Markup, escape
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.templating import Jinja2Templates

from bot.config import secret as secret_value
from bot.errors import NotFound, PermissionDenied, UserFacingError
from bot.i18n import Language, pick
from bot.markup import at_names, clean_text, replace_mentions
from dashboard.auth import COOKIE, CSRF_FIELD, csrf_ok, csrf_token, session_token_from_cookie
from dashboard.i18n import LANG_COOKIE, negotiate
from services.context import Services
from services.dashboard_access import Identity, session_identity, shared_secret

logger = logging.getLogger(__name__)

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).resolve().parent / "templates"))
MAX_FORM_BYTES = 64 * 1024
PM_ROLES = ("pm", "admin")
ROLE_ZH = {"admin": "管理员", "pm": "产品经理", "sales": "销售"}
SECRET_NAME = "dashboard-cookie"

Handler = Callable[["Ctx"], Response]


def plain(text: str) -> str:
    """Stored text as a page shows it: the bot's mention tokens as `@slack:U1` (`bot.markup`)."""
    return at_names(replace_mentions(text, lambda m: "@" + (f"{m.platform}:" if m.platform else "") + m.user))


TEMPLATES.env.filters["plain"] = plain
TEMPLATES.env.trim_blocks = True  # no blank lines where template tags were: smaller pages
TEMPLATES.env.lstrip_blocks = True


class PageError(Exception):
    """A user mistake shown as a page with this status and a bilingual message."""

    def __init__(self, status: int, en: str, zh: str) -> None:
        super().__init__(en)
        self.status, self.en, self.zh = status, en, zh


def bad_request(en: str, zh: str) -> PageError:
    return PageError(400, en, zh)


def forbidden(en: str, zh: str) -> PageError:
    return PageError(403, en, zh)


def not_found(en: str, zh: str) -> PageError:
    return PageError(404, en, zh)


@dataclass(frozen=True)
class Viewer:
    """The signed-in person: who, their role now (asked of `bot.roles` on every request), their session."""

    identity: Identity
    role: str
    session_token: str
    csrf_token: str

    @property
    def platform(self) -> str:
        return self.identity.platform

    @property
    def user(self) -> str:
        return self.identity.user

    @property
    def workspace(self) -> str:
        return self.identity.workspace

    @property
    def label(self) -> str:
        return self.identity.label

    @property
    def is_pm(self) -> bool:
        return self.role in PM_ROLES


@dataclass(frozen=True)
class Page:
    """A page of the nav: `key` (also the nav link's id, `nav-<key>`), its bilingual label, the route name
    the nav links to (`home`), and its routes. `roles`: who sees it in the nav (empty: everyone)."""

    key: str
    label_en: str
    label_zh: str
    home: str
    routes: Sequence[BaseRoute]
    roles: tuple[str, ...] = ()


class Dashboard:
    """What the dashboard's routes share: the services, the pages (for the nav) and the signing secret."""

    def __init__(self, services: Services, pages: Sequence[Page]) -> None:
        self.services = services
        self.pages = list(pages)
        self._secret: str | None = None
        self._lock = threading.Lock()

    @property
    def secure_cookies(self) -> bool:
        return self.services.settings.public_url.startswith("https://")

    def secret(self) -> str:
        """SALESBRIDGE_DASHBOARD_SECRET, else the one generated once and kept in the database."""
        if self._secret is None:
            with self._lock:
                if self._secret is None:
                    configured = secret_value(self.services.settings.dashboard_secret)
                    if configured:
                        self._secret = configured
                    else:
                        with self.services.db.session() as session:
                            self._secret = shared_secret(
                                session=session, name=SECRET_NAME, now=self.services.now()
                            )
        return self._secret

    def viewer(self, request: Request) -> Viewer | None:
        raw = request.cookies.get(COOKIE, "")
        if not raw:
            return None
        key = self.secret()
        now = self.services.now()
        token = session_token_from_cookie(secret=key, value=raw, now=now)
        if token is None:
            return None
        with self.services.db.session() as session:
            identity = session_identity(session=session, token=token, now=now)
        if identity is None:
            return None
        role = self.services.roles.role_of(
            platform=identity.platform, user=identity.user, workspace=identity.workspace
        )
        return Viewer(
            identity=identity,
            role=role,
            session_token=token,
            csrf_token=csrf_token(secret=key, session_token=token),
        )


@dataclass
class Ctx:
    """One request to a page: use `t`, `param`, `form`, `url`, `render`, `redirect`, `require_pm`."""

    request: Request
    dashboard: Dashboard
    lang: Language
    page: str = ""  # the nav entry this route belongs to (highlighted)
    viewer: Viewer | None = None
    form: Mapping[str, str] = field(default_factory=dict)

    @property
    def services(self) -> Services:
        return self.dashboard.services

    @property
    def me(self) -> Viewer:
        """The viewer of a page that requires signing in (every page but the sign-in ones)."""
        if self.viewer is None:
            raise forbidden("Please sign in.", "请先登录。")
        return self.viewer

    def t(self, en: str, zh: str) -> str:
        return pick(self.lang, en, zh)

    def param(self, name: str, default: str = "") -> str:
        """A query-string value, cleaned like chat text (`bot.markup.clean_text`)."""
        return clean_text(self.request.query_params.get(name, default))

    def path_param(self, name: str) -> str:
        return str(self.request.path_params.get(name, ""))

    def url(self, name: str, query: Mapping[str, Any] | None = None, **path_params: Any) -> str:
        """The path of a named route (`/app/requests/7`), with an optional query string."""
        path = self.request.url_for(name, **path_params).path
        pairs = {k: v for k, v in (query or {}).items() if v not in ("", None)}
        return f"{path}?{urlencode(pairs)}" if pairs else path

    def require_pm(self) -> Viewer:
        viewer = self.me
        if not viewer.is_pm:
            raise forbidden(
                f"This needs the pm or admin role; yours is {viewer.role}. Ask an admin: `role grant <user> pm`.",
                f"此操作需要产品经理（pm）或管理员（admin）角色；你的角色是{ROLE_ZH.get(viewer.role, viewer.role)}。"
                "请联系管理员：`role grant <用户> pm`。",
            )
        return viewer

    def csrf_field(self) -> Markup:
        token = self.viewer.csrf_token if self.viewer is not None else ""
        return Markup('<input type="hidden" name="{}" value="{}">').format(CSRF_FIELD, escape(token))

    def _lang_href(self, lang: str) -> str:
        pairs = [(k, v) for k, v in self.request.query_params.multi_items() if k != "lang"]
        return self.request.url.path + "?" + urlencode([*pairs, ("lang", lang)])

    def render(self, template: str, *, status: int = 200, **context: Any) -> Response:
        viewer = self.viewer
        nav = []
        if viewer is not None:
            for page in self.dashboard.pages:
                if not page.roles or viewer.role in page.roles or viewer.role == "admin":
                    nav.append(
                        {
                            "key": page.key,
                            "label": self.t(page.label_en, page.label_zh),
                            "href": self.url(page.home),
                        }
                    )
        values: dict[str, Any] = {
            "t": self.t,
            "lang": self.lang,
            "viewer": viewer,
            "role_label": self.t(viewer.role, ROLE_ZH.get(viewer.role, viewer.role)) if viewer else "",
            "nav": nav,
            "current": self.page,
            "url": self.url,
            "static": lambda path: self.url("static", path=path),
            "csrf_field": self.csrf_field,
            "lang_href": {"en": self._lang_href("en"), "zh": self._lang_href("zh")},
        }
        values.update(context)
        return TEMPLATES.TemplateResponse(self.request, template, values, status_code=status)

    def message(self, status: int, en: str, zh: str, *, title_en: str = "", title_zh: str = "") -> Response:
        """A page saying one thing (an error, a refusal, a confirmation), with a way back."""
        titles = {
            400: ("Please check the request", "请检查输入"),
            401: ("Please sign in", "请先登录"),
            403: ("Not allowed", "没有权限"),
            404: ("Not found", "未找到"),
            410: ("Link no longer valid", "链接已失效"),
            500: ("Something went wrong", "出错了"),
        }
        default_en, default_zh = titles.get(status, ("SalesBridge", "SalesBridge"))
        return self.render(
            "message.html",
            status=status,
            title=self.t(title_en or default_en, title_zh or default_zh),
            text=self.t(en, zh),
            code=status,
            back=self._back(),
        )

    def _back(self) -> str:
        """Where "Back" goes: for a form, the page it was on (`/app/requests/3/triage` → `/app/requests/3`);
        otherwise the home of the section the page belongs to."""
        if self.request.method == "POST":
            return self.request.url.path.rsplit("/", 1)[0]
        home = next((p.home for p in self.dashboard.pages if p.key == self.page), "requests")
        return self.url(home)

    def redirect(self, url: str) -> Response:
        return RedirectResponse(url, status_code=303)


def sign_in_help(ctx: Ctx, *, status: int = 401) -> Response:
    """How to get in: ask the bot for a link."""
    return ctx.message(
        status,
        "Sign in from chat: send `dashboard` to the bot (on Slack `/salesbridge dashboard`, on Feishu "
        "`dashboard` or `看板`). It answers, only to you, with a sign-in link valid for 10 minutes.",
        "请在聊天中登录：给机器人发送 `看板`（Slack 上用 `/salesbridge dashboard`，飞书上发送 `dashboard` 或 "
        "`看板`）。机器人会只对你回复一个 10 分钟内有效的登录链接。",
        title_en="Sign in to SalesBridge",
        title_zh="登录 SalesBridge",
    )


async def read_form(request: Request) -> dict[str, str] | None:
    """An urlencoded form body (the only kind our pages send), cleaned like chat text; None when too large."""
    declared = request.headers.get("content-length", "")
    if declared.isdecimal() and int(declared) > MAX_FORM_BYTES:
        return None
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            return None
    if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        return {}
    form: dict[str, str] = {}
    for key, value in parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True):
        form.setdefault(clean_text(key), clean_text(value))
    return form


def _serve(ctx: Ctx, handler: Handler, *, pm_only: bool, public: bool, form_too_large: bool) -> Response:
    try:
        ctx.viewer = ctx.dashboard.viewer(ctx.request)
        if form_too_large:
            raise PageError(413, "That form is too large.", "表单内容太大。")
        if not public:
            if ctx.viewer is None:
                return sign_in_help(ctx)
            if ctx.request.method == "POST" and not csrf_ok(
                secret=ctx.dashboard.secret(),
                session_token=ctx.viewer.session_token,
                sent=ctx.form.get(CSRF_FIELD, ""),
            ):
                raise forbidden(
                    "This form did not come from your dashboard session (its security token is missing or "
                    "wrong), so nothing was changed. Reload the page and try again.",
                    "此表单不是来自你当前的看板会话（安全令牌缺失或错误），因此未做任何更改。请刷新页面后重试。",
                )
            if pm_only:
                ctx.require_pm()
        return handler(ctx)
    except PageError as exc:
        return ctx.message(exc.status, exc.en, exc.zh)
    except NotFound as exc:
        return ctx.message(404, exc.en, exc.zh)
    except PermissionDenied as exc:
        return ctx.message(403, exc.en, exc.zh)
    except UserFacingError as exc:  # UsageError: a bad value
        return ctx.message(400, exc.en, exc.zh)
    except Exception:
        logger.exception("dashboard page failed path=%s", ctx.request.url.path)
        return ctx.message(
            500,
            "Sorry, something went wrong on our side; it has been logged. Try again, or go back.",
            "抱歉，服务器出了点问题，已记录在日志中。请重试或返回上一页。",
        )


def page_route(
    path: str,
    handler: Handler,
    *,
    name: str,
    page: str = "",
    methods: Sequence[str] = ("GET",),
    pm_only: bool = False,
    public: bool = False,
) -> Route:
    """A dashboard route. Unless `public`, the viewer must be signed in (else: how to sign in, 401), a POST
    must carry the session's CSRF token (else 403), and `pm_only` routes need the pm or admin role (else 403).
    `page` is the nav entry to highlight."""

    async def endpoint(request: Request) -> Response:
        dashboard: Dashboard = request.app.state.dashboard
        lang, remember = negotiate(request)
        form: dict[str, str] | None = {}
        if request.method == "POST":
            form = await read_form(request)
        ctx = Ctx(request=request, dashboard=dashboard, lang=lang, page=page, form=form or {})
        response: Response = await run_in_threadpool(
            _serve, ctx, handler, pm_only=pm_only, public=public, form_too_large=form is None
        )
        response.headers.setdefault("Cache-Control", "no-store")
        if remember:
            response.set_cookie(
                LANG_COOKIE,
                lang,
                max_age=365 * 24 * 3600,
                httponly=True,
                samesite="lax",
                secure=dashboard.secure_cookies,
            )
        return response

    return Route(path, endpoint, methods=list(methods), name=name)


def coming_page(key: str, label_en: str, label_zh: str, *, what_en: str, what_zh: str) -> Page:
    """A nav entry whose page is not built yet: it says what will be there and what to use meanwhile."""

    def show(ctx: Ctx) -> Response:
        return ctx.render(
            "coming.html", title=ctx.t(label_en, label_zh), text=ctx.t(what_en, what_zh), page_key=key
        )

    return Page(
        key=key,
        label_en=label_en,
        label_zh=label_zh,
        home=key,
        routes=[page_route(f"/{key}", show, name=key, page=key)],
    )


def error_page(request: Request, status: int, en: str, zh: str) -> Response:
    """An error page outside a page route (an unknown path, a wrong method)."""
    lang, _ = negotiate(request)
    ctx = Ctx(request=request, dashboard=request.app.state.dashboard, lang=lang)
    return ctx.message(status, en, zh)
