"""The floor for `benchmarks/ack_latency.py --compare`: the smallest slack-bolt + lark-oapi app that
acknowledges the same signed Slack and encrypted Feishu events, and does nothing else.

    .venv/bin/python -m benchmarks.minimal_app --port 3999 --slack-api http://127.0.0.1:PORT/api/

- `POST /slack/events`: a bolt `App` with `process_before_response=False` (bolt acks, then runs the listener
  in its thread pool) and an `app_mention` listener that does nothing, served through bolt's own Starlette
  adapter (which dispatches in the event loop). bolt verifies the v0 HMAC signature and calls `auth.test`
  once (on the fake Slack Web API given by `--slack-api`), like any single-workspace bolt app.
- `POST /feishu/events`: a lark-oapi `EventDispatcherHandler` (decrypts AES-256-CBC, checks the signature
  and the verification token) whose `im.message.receive_v1` handler does nothing, called in the event loop
  like lark-oapi's own Flask adapter does.
- `GET /healthz`.

No database, no inbox, no replies: only what any bot on these SDKs pays before its 200. Same secrets as
`tests/scale/wire.py`; served by uvicorn on loopback with the same settings as `salesbridge serve`.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import lark_oapi as lark  # noqa: E402
import uvicorn  # noqa: E402
from lark_oapi.core.model import RawRequest  # noqa: E402
from slack_bolt import App  # noqa: E402
from slack_bolt.adapter.starlette import SlackRequestHandler  # noqa: E402
from slack_sdk import WebClient  # noqa: E402
from starlette.applications import Starlette  # noqa: E402
from starlette.requests import Request  # noqa: E402
from starlette.responses import JSONResponse, Response  # noqa: E402
from starlette.routing import Route  # noqa: E402

from tests.fakes.slack_api import BOT_TOKEN  # noqa: E402
from tests.scale.wire import (  # noqa: E402
    FEISHU_ENCRYPT_KEY,
    FEISHU_VERIFICATION_TOKEN,
    SLACK_SIGNING_SECRET,
)

FEISHU_HEADERS = ("X-Lark-Request-Timestamp", "X-Lark-Request-Nonce", "X-Lark-Signature", "X-Request-Id")


def create_app(slack_api: str) -> Starlette:
    bolt = App(
        client=WebClient(token=BOT_TOKEN, base_url=slack_api),
        signing_secret=SLACK_SIGNING_SECRET,
        token_verification_enabled=False,  # auth.test on the first request, not at start-up
        process_before_response=False,
    )

    @bolt.event("app_mention")
    def on_mention(body: dict[str, Any]) -> None:
        return None

    slack = SlackRequestHandler(bolt)

    def on_message(_data: Any) -> None:
        return None

    logging.getLogger("Lark").setLevel(logging.WARNING)  # no per-request lines
    feishu = (
        lark.EventDispatcherHandler.builder(FEISHU_ENCRYPT_KEY, FEISHU_VERIFICATION_TOKEN)
        .register_p2_im_message_receive_v1(on_message)
        .build()
    )

    async def slack_events(request: Request) -> Response:
        return await slack.handle(request)

    async def feishu_events(request: Request) -> Response:
        raw = RawRequest()
        raw.uri = request.url.path
        raw.headers = {name: request.headers.get(name, "") for name in FEISHU_HEADERS}
        raw.body = await request.body()
        result = feishu.do(raw)
        return Response(
            content=bytes(result.content or b""),
            status_code=int(result.status_code or 500),
            media_type="application/json; charset=utf-8",
        )

    async def healthz(_request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    return Starlette(
        routes=[
            Route("/slack/events", slack_events, methods=["POST"]),
            Route("/feishu/events", feishu_events, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--slack-api", required=True, help="the (fake) Slack Web API, …/api/")
    args = parser.parse_args(argv)
    uvicorn.run(create_app(args.slack_api), host=args.host, port=args.port, log_level="warning")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
