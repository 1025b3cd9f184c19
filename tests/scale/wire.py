"""A whole bot wired to the fake Slack Web API and Feishu Open API, plus signed request builders.

Shared by the hostile-input and secrets tests and by `benchmarks/ack_latency.py`.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any

from bot.clock import Clock
from salesbridge.app import Application, build_application
from tests.fakes.feishu_api import TENANT_KEY, FeishuFake, serve_feishu_api, webhook_request
from tests.fakes.harness import make_settings
from tests.fakes.slack_api import BOT_TOKEN, BOT_USER_ID, FakeSlackApi, serve_slack_api

SLACK_SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5-signing"
FEISHU_APP_ID = "cli_9f5343c580712544"
FEISHU_APP_SECRET = "feishu-app-secret-7f3a9c"
FEISHU_VERIFICATION_TOKEN = "vtoken-test"
FEISHU_ENCRYPT_KEY = "encrypt-key-5b2e8d41"
OPENAI_API_KEY = "sk-test-openai-4c1d9e7b2a"
SECRET_VALUES = (
    BOT_TOKEN,
    SLACK_SIGNING_SECRET,
    FEISHU_APP_SECRET,
    FEISHU_VERIFICATION_TOKEN,
    FEISHU_ENCRYPT_KEY,
    OPENAI_API_KEY,
)


def platform_env(*, slack_api: str, feishu_api: str, database_url: str) -> dict[str, str]:
    """The environment of a bot whose platforms are the fakes (also for `salesbridge serve` subprocesses)."""
    return {
        "DATABASE_URL": database_url,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SLACK_SIGNING_SECRET,
        "SLACK_API_URL": slack_api,
        "FEISHU_APP_ID": FEISHU_APP_ID,
        "FEISHU_APP_SECRET": FEISHU_APP_SECRET,
        "FEISHU_VERIFICATION_TOKEN": FEISHU_VERIFICATION_TOKEN,
        "FEISHU_ENCRYPT_KEY": FEISHU_ENCRYPT_KEY,
        "FEISHU_DOMAIN": feishu_api,
        "OPENAI_API_KEY": OPENAI_API_KEY,
        "OPENAI_BASE_URL": "http://127.0.0.1:9/v1",  # nothing listens: the LLM is never reachable
        "SALESBRIDGE_ADMIN_USERS": "UADMIN,ou_admin",
        "SALESBRIDGE_PM_USERS": "UPM,ou_pm",
        "SALESBRIDGE_EMBEDDINGS": "none",  # lexical: the wire tests measure the bot, not the model
    }


@dataclass
class WireBot:
    app: Application
    slack: FakeSlackApi
    feishu: FeishuFake


@contextmanager
def wire_bot(database_url: str, *, clock: Clock | None = None, **overrides: str) -> Iterator[WireBot]:
    """Real Slack and Feishu ports and inbound adapters against the loopback fakes (not yet serving), on a
    migrated database (`database_url` fixture, `tests.database_templates.migrated_sqlite`)."""
    import lark_oapi  # noqa: F401  (first import is not thread-safe: do it before the adapter's threads)

    with ExitStack() as stack:
        slack = stack.enter_context(serve_slack_api())
        feishu = stack.enter_context(serve_feishu_api())
        env = platform_env(slack_api=slack.url, feishu_api=feishu.url, database_url=database_url)
        env.pop("DATABASE_URL")
        env.update(overrides)
        app = build_application(make_settings(database_url, **env), migrate=False, clock=clock)
        try:
            yield WireBot(app=app, slack=slack, feishu=feishu)
        finally:
            app.stop()
            app.services.db.dispose()


# --- requests as the platforms send them -------------------------------------------------------------
_seq = itertools.count(1)


def slack_headers(
    body: bytes, *, secret: str = SLACK_SIGNING_SECRET, timestamp: int | None = None
) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    basestring = f"v0:{ts}:".encode() + body
    signature = "v0=" + hmac.new(secret.encode(), basestring, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature}


def slack_event(text: str, *, channel: str = "C100", user: str = "U200") -> dict[str, Any]:
    n = next(_seq)
    ts = f"{int(time.time())}.{n:06d}"
    return {
        "token": "legacy",
        "team_id": "T111",
        "api_app_id": "A111",
        "type": "event_callback",
        "event_id": f"Ev{uuid.uuid4().hex[:16]}",
        "event_time": int(time.time()),
        "authorizations": [{"team_id": "T111", "user_id": BOT_USER_ID, "is_bot": True}],
        "event": {
            "type": "app_mention",
            "user": user,
            "text": f"<@{BOT_USER_ID}> {text}",
            "ts": ts,
            "channel": channel,
            "event_ts": ts,
            "team": "T111",
        },
    }


def signed_slack_request(payload: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(payload).encode()
    return body, {"Content-Type": "application/json", **slack_headers(body)}


def feishu_event(text: str, *, chat: str = "oc_100", user: str = "ou_200") -> dict[str, Any]:
    n = next(_seq)
    now = str(int(time.time() * 1000))
    return {
        "schema": "2.0",
        "header": {
            "event_id": uuid.uuid4().hex,
            "event_type": "im.message.receive_v1",
            "create_time": now,
            "token": FEISHU_VERIFICATION_TOKEN,
            "app_id": FEISHU_APP_ID,
            "tenant_key": TENANT_KEY,
        },
        "event": {
            "sender": {
                "sender_id": {"open_id": user, "user_id": user, "union_id": "on_" + user},
                "sender_type": "user",
                "tenant_key": TENANT_KEY,
            },
            "message": {
                "message_id": f"om_{uuid.uuid4().hex[:24]}{n}",
                "create_time": now,
                "chat_id": chat,
                "chat_type": "group",
                "message_type": "text",
                "content": json.dumps({"text": f"@_user_1 {text}"}),
                "mentions": [
                    {
                        "key": "@_user_1",
                        "id": {"open_id": "ou_bot_salesbridge", "union_id": "on_bot", "user_id": ""},
                        "name": "SalesBridge",
                        "tenant_key": TENANT_KEY,
                    }
                ],
            },
        },
    }


def signed_feishu_request(payload: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    return webhook_request(payload, encrypt_key=FEISHU_ENCRYPT_KEY, nonce=uuid.uuid4().hex[:12])
