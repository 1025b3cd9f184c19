"""`serve --socket` for Feishu: lark.ws.Client against a local fake (`/callback/ws/endpoint` + a websockets
server speaking protobuf `pbbp2.Frame`); the event is answered on the fake Open API."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.messages import IncomingMessage, Reply
from bot.platforms.feishu import FeishuInbound
from salesbridge.app import Application, build_application
from services.context import Services
from tests.database_templates import migrated_sqlite
from tests.fakes.feishu_api import FeishuFake, FeishuWsFake, serve_feishu_api, serve_feishu_ws
from tests.fakes.harness import make_settings

pytestmark = pytest.mark.wire

PAYLOADS = Path(__file__).resolve().parents[1] / "payloads" / "feishu"


def load(name: str, *, app_id: str | None = None) -> dict[str, Any]:
    """A captured payload, as sent to `app_id` (each test has its own: lark caches tokens per app id)."""
    data: dict[str, Any] = json.loads((PAYLOADS / f"{name}.json").read_text(encoding="utf-8"))
    if app_id and isinstance(data.get("header"), dict):
        data["header"]["app_id"] = app_id
    return data


@pytest.fixture
def connected(tmp_path: Path) -> Iterator[tuple[Application, FeishuFake, FeishuWsFake]]:
    with serve_feishu_api() as api, serve_feishu_ws() as ws:
        api.ws_url = ws.url
        settings = make_settings(
            migrated_sqlite(tmp_path / "ws.db"),
            FEISHU_APP_ID=f"cli_{uuid.uuid4().hex[:12]}",
            FEISHU_APP_SECRET="app-secret",
            FEISHU_DOMAIN=api.url,
        )
        app = build_application(settings, migrate=False)
        inbound = FeishuInbound(app.dispatcher)
        inbound.start_long_connection()
        try:
            assert ws.connected.wait(timeout=10), "lark.ws.Client did not connect"
            yield app, api, ws
        finally:
            inbound.stop_long_connection()
            app.stop()
            app.services.db.dispose()


def test_message_and_card_action_over_the_long_connection(
    connected: tuple[Application, FeishuFake, FeishuWsFake],
) -> None:
    app, api, ws = connected
    (endpoint,) = api.recorder.to("/callback/ws/endpoint")
    assert json.loads(endpoint.body)["AppSecret"] == "app-secret"

    app_id = app.services.settings.feishu_app_id
    ws.push_event(load("p2p", app_id=app_id))
    (sent,) = api.recorder.wait_for("/open-apis/im/v1/messages")
    assert sent.json()["receive_id"] == "oc_p2p_sales1"
    assert "role" in api.card_text(sent)
    (ack,) = ws.wait_for_ack(1)
    assert ack["payload"]["code"] == 200 and "biz_rt" in ack["headers"]

    def on_click(msg: IncomingMessage, _services: Services) -> Reply:
        return Reply(text=f"clicked {msg.action_value}", where="thread")

    app.router.action("wstest.click", on_click)
    card = load("card_action", app_id=app_id)
    card["event"]["action"]["value"] = {"action": "wstest.click", "value": "9"}
    ws.push_event(card)
    (reply,) = api.recorder.wait_for("/open-apis/im/v1/messages/om_card_0001/reply")
    assert "clicked 9" in api.card_text(reply)
    answer = ws.wait_for_ack(2)[1]["payload"]
    assert json.loads(base64.b64decode(answer["data"]))["toast"]["type"] == "info"
