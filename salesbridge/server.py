"""One ASGI app: `POST /slack/events`, `POST /feishu/events`, `GET /healthz`, `GET /metrics`, and the web
dashboard under `/app` (`dashboard/`).

Each platform's inbound adapter verifies the request with the platform SDK, acknowledges it at once and
hands an `IncomingMessage` to the dispatcher, which does the slow work after the ack.
"""

from __future__ import annotations

import logging
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route

import bot
from bot.metrics import CONTENT_TYPE, metrics
from dashboard.app import create_dashboard_app
from salesbridge.app import Application, Inbound

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024  # platform payloads are a few KB; anything near a megabyte is not from them


async def _too_large(request: Request) -> bool:
    """Refuse oversized bodies before any parsing (the body stays cached for the adapter)."""
    declared = request.headers.get("content-length", "")
    if declared.isdecimal() and int(declared) > MAX_BODY_BYTES:
        return True
    size = 0
    chunks = []
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            return True
        chunks.append(chunk)
    request._body = b"".join(chunks)  # what request.body() returns to the adapter
    return False


def create_asgi_app(application: Application) -> Starlette:
    settings = application.services.settings
    inbound: dict[str, Inbound] = {}
    if "slack" in application.services.ports:
        inbound["slack"] = application.inbound("slack")
    if "feishu" in application.services.ports and settings.feishu_encrypt_key is not None:
        inbound["feishu"] = application.inbound("feishu")

    def endpoint(platform: str) -> Any:
        async def handle(request: Request) -> Response:
            adapter = inbound.get(platform)
            if adapter is None:
                return JSONResponse({"error": f"{platform} is not enabled"}, status_code=404)
            if await _too_large(request):
                return JSONResponse({"error": "request body too large"}, status_code=413)
            response: Response = await adapter.handle(request)
            return response

        return handle

    async def healthz(_request: Request) -> Response:
        database = application.services.db.ping()
        body = {
            "status": "ok" if database else "degraded",
            "version": bot.__version__,
            "database": database,
            "platforms": {
                "slack": "slack" in inbound,
                "feishu": "feishu" in application.services.ports,
            },
            "semantic_retrieval": application.services.knowledge.embedding_status.describe(),
            "inbox": application.dispatcher.inbox.unfinished() if database else None,
        }
        return JSONResponse(body, status_code=200 if database else 503)

    async def prometheus(_request: Request) -> Response:
        body = await run_in_threadpool(metrics().render, outbox_depth=application.services.outbox.depth)
        return Response(body, media_type=CONTENT_TYPE)

    routes = [
        Route("/slack/events", endpoint("slack"), methods=["POST"]),
        Route("/feishu/events", endpoint("feishu"), methods=["POST"]),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/metrics", prometheus, methods=["GET"]),
        Mount("/app", app=create_dashboard_app(application.services)),
    ]
    return Starlette(routes=routes)
