"""`serve --socket`: Slack Socket Mode and the Feishu long connection (no public URL needed).

Both SDK clients run in their own threads; /healthz is still served over HTTP for the orchestrator.
"""

from __future__ import annotations

import logging

from salesbridge.app import Application
from salesbridge.shutdown import serve_http

logger = logging.getLogger(__name__)


def run_socket_mode(application: Application, *, host: str, port: int) -> None:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse, Response
    from starlette.routing import Route

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

    serve_http(Starlette(routes=[Route("/healthz", healthz)]), host=host, port=port)
