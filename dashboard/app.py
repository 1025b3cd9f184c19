"""The dashboard's ASGI app, mounted under `/app` by `salesbridge.server.create_asgi_app`.

`PAGES` is the nav, in order: adding a page is one module in `dashboard/pages/` (defining `PAGE`) and one
line here.
"""

from __future__ import annotations

from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dashboard import signin
from dashboard.pages import announcements, charts, knowledge, schedules
from dashboard.pages import requests as requests_page
from dashboard.web import Dashboard, Page, error_page
from services.context import Services

PAGES: list[Page] = [
    requests_page.PAGE,  # /app/requests, /app/requests/{id} (+ status, merge, triage), /app/requests/export.csv
    announcements.PAGE,  # /app/announcements, /app/announcements/{id} (+ remind, cancel)
    knowledge.PAGE,  # /app/knowledge (+ answer, faq/{id}/reverify)
    schedules.PAGE,  # /app/schedules (+ {id}/pause, resume, run)
    charts.PAGE,  # /app/charts (pm)
]

STATIC = Path(__file__).resolve().parent / "static"

SECURITY_HEADERS = [
    # our own CSS and scripts only, no inline script, no framing, forms post only to us
    (
        b"content-security-policy",
        b"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        b"frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    # a sign-in link never leaks to another site through Referer; `same-origin`, not `no-referrer`: under
    # no-referrer a browser sends `Origin: null` with our own form posts, and the sign-in form's origin check
    # (signin.py) refused every sign-in (found by tests/browser/, in Chromium)
    (b"referrer-policy", b"same-origin"),
]


class SecurityHeaders:
    """Adds `SECURITY_HEADERS` to every dashboard response (pages, errors, static files)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(name, value) for name, value in SECURITY_HEADERS if name not in present]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


async def _http_error(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    if status == 405:
        return error_page(
            request, 405, "That address does not take this kind of request.", "该地址不支持此类请求。"
        )
    return error_page(
        request,
        404,
        "There is no such page in the dashboard. Start again from Requests.",
        "看板中没有这个页面。请从“需求”页重新开始。",
    )


def create_dashboard_app(services: Services, *, pages: list[Page] | None = None) -> Starlette:
    chosen = PAGES if pages is None else pages
    routes: list[BaseRoute] = [*signin.ROUTES]
    for page in chosen:
        routes.extend(page.routes)
    routes.append(Mount("/static", app=StaticFiles(directory=STATIC), name="static"))
    app = Starlette(
        routes=routes,
        middleware=[Middleware(SecurityHeaders), Middleware(GZipMiddleware, minimum_size=1000)],
        exception_handlers={HTTPException: _http_error},
    )
    app.state.dashboard = Dashboard(services, chosen)
    return app
