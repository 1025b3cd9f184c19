"""`serve --socket`: Slack Socket Mode and the Feishu long connection (no public URL needed).

Both SDK clients run in their own threads; /healthz is still served over HTTP for the orchestrator, and
the web dashboard under /app (reachable wherever the port is: an internal address is enough).
"""

from __future__ import annotations

import logging

from dashboard.app import create_dashboard_app
from salesbridge.app import Application
from salesbridge.shutdown import serve_http

logger = logging.getLogger(__name__)


def run_socket_mode(application: Application, *, host: str, port: int) -> None:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse, Response
    from starlette.routing import Mount, Route

    ports = application.services.ports
    if "slack" in ports:
        from bot.platforms.slack import SlackInbound

        SlackInbound(application.dispatcher).start_socket_mode()
        logger.info("Slack Socket Mode connected")
    if "feishu" in ports:
        from bot.platforms.feishu import FeishuInbound

        FeishuInbound(application.dispatcher).start_long_connection()
        logger.info("Feishu long connection started")

    async def healthz(_request: Request) -> Response:
        ok = application.services.db.ping()
        return JSONResponse(
            {"status": "ok" if ok else "degraded", "database": ok, "platforms": sorted(ports)},
            status_code=200 if ok else 503,
        )

    routes = [Route("/healthz", healthz), Mount("/app", app=create_dashboard_app(application.services))]
    serve_http(Starlette(routes=routes), host=host, port=port)
