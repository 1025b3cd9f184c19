"""POST /feishu/events end to end: uvicorn on loopback, the real lark-oapi decrypt / token / signature path,
encrypted + signed requests, and the bot's calls landing on the fake Feishu Open API."""

from __future__ import annotations

import copy
import json
import logging
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import col, select

from bot.chat_text import mention
from bot.inbox import RawEvent, from_json
from bot.messages import IncomingMessage, Reply
from bot.models import InboxEvent
from bot.platforms.feishu import FeishuInbound
from bot.platforms.feishu.port import FeishuPort
from salesbridge.app import Application, build_application
from salesbridge.server import create_asgi_app
from services.context import Services
from tests.database_templates import migrated_sqlite
from tests.fakes.feishu_api import PAYLOAD_APP_ID, TENANT_KEY, FeishuFake, serve_feishu_api, webhook_request
from tests.fakes.harness import make_settings
from tests.fakes.servers import serve_asgi

pytestmark = pytest.mark.wire

PAYLOADS = Path(__file__).resolve().parents[1] / "payloads" / "feishu"
TOKEN = "vtoken-test"  # the verification token in the payload files
KEY = "encrypt-key-for-tests"
MESSAGE_PATHS = ("/open-apis/im/v1/messages", "/reply", "/open-apis/ephemeral/v1/send")


def load(name: str) -> dict[str, Any]:
    return json.loads((PAYLOADS / f"{name}.json").read_text(encoding="utf-8"))


def group_message(text: str, *, user: str = "ou_admin", message_id: str = "om_group_1") -> dict[str, Any]:
    """A group message mentioning the bot (`@_user_1` is the bot in group_mention.json)."""
    payload = load("group_mention")
    payload["header"]["event_id"] = uuid.uuid4().hex
    payload["event"]["sender"]["sender_id"]["open_id"] = user
    payload["event"]["message"]["message_id"] = message_id
    payload["event"]["message"]["content"] = json.dumps({"text": text})
    return payload


@dataclass
class FeishuWire:
    app: Application
    url: str
    api: FeishuFake

    def own(self, payload: dict[str, Any]) -> dict[str, Any]:
        """A captured payload with this test's app id instead of the docs' example's (lark-oapi caches
        tenant tokens per app id, process-wide, so each test has its own)."""
        header = payload.get("header")
        if isinstance(header, dict) and header.get("app_id") == PAYLOAD_APP_ID:
            payload = {**payload, "header": {**header, "app_id": self.app.services.settings.feishu_app_id}}
        return payload

    def post(self, payload: dict[str, Any], **kwargs: Any) -> httpx.Response:
        """Encrypted and signed, as this test's app."""
        body, headers = webhook_request(self.own(payload), encrypt_key=KEY, **kwargs)
        return self.post_raw(body, headers)

    def post_raw(self, body: bytes, headers: dict[str, str]) -> httpx.Response:
        return httpx.post(f"{self.url}/feishu/events", content=body, headers=headers, timeout=10)

    def idle(self) -> None:
        assert self.app.dispatcher.wait_idle(timeout=10)

    def outgoing(self) -> list[Any]:
        return [
            r
            for r in self.api.recorder.requests
            if r.method == "POST" and r.path.split("?")[0].endswith(MESSAGE_PATHS)
        ]


@pytest.fixture(scope="module")
def api_server() -> Iterator[FeishuFake]:
    with serve_feishu_api() as fake:
        yield fake


@pytest.fixture
def wire(api_server: FeishuFake, tmp_path: Path) -> Iterator[FeishuWire]:
    api_server.reset()
    settings = make_settings(
        migrated_sqlite(tmp_path / "feishu.db"),
        FEISHU_APP_ID=f"cli_{uuid.uuid4().hex[:12]}",  # lark caches tenant tokens per app id, process-wide
        FEISHU_APP_SECRET="app-secret",
        FEISHU_VERIFICATION_TOKEN=TOKEN,
        FEISHU_ENCRYPT_KEY=KEY,
        FEISHU_DOMAIN=api_server.url,
    )
    app = build_application(settings, migrate=False)
    try:
        with serve_asgi(create_asgi_app(app)) as url:
            yield FeishuWire(app=app, url=url, api=api_server)
    finally:
        app.stop()
        app.services.db.dispose()


def test_url_verification_plain_and_encrypted(wire: FeishuWire) -> None:
    challenge = load("url_verification")
    plain = wire.post_raw(json.dumps(challenge).encode(), {"Content-Type": "application/json"})
    assert plain.status_code == 200 and plain.json() == {"challenge": "ajls384kdjx98XX"}
    encrypted = wire.post(challenge, signed=False)
    assert encrypted.status_code == 200 and encrypted.json() == {"challenge": "ajls384kdjx98XX"}
    wrong_token = wire.post({**challenge, "token": "forged"}, signed=False)
    assert wrong_token.status_code == 401


def test_group_mention_is_answered_in_the_thread_of_the_message(wire: FeishuWire) -> None:
    response = wire.post(group_message("@_user_1 role grant @_user_2 pm", message_id="om_ask_1"))
    assert response.status_code == 200 and response.json() == {"msg": "success"}
    (reply,) = wire.api.recorder.wait_for("/open-apis/im/v1/messages/om_ask_1/reply")
    body = reply.json()
    assert body["msg_type"] == "interactive"
    assert "<at id=ou_ann></at> is now *pm*" in wire.api.card_text(reply)
    assert wire.app.services.roles.role_of(platform="feishu", user="ou_ann", workspace=TENANT_KEY) == "pm"
    assert wire.app.services.roles.role_of(platform="feishu", user="ou_ann", workspace="other") == "sales"


def test_p2p_message_is_answered_in_the_chat(wire: FeishuWire) -> None:
    assert wire.post(load("p2p")).status_code == 200
    (sent,) = wire.api.recorder.wait_for("/open-apis/im/v1/messages")
    assert sent.path.endswith("receive_id_type=chat_id")
    assert sent.json()["receive_id"] == "oc_p2p_sales1"
    assert "role" in wire.api.card_text(sent)  # help lists the commands, in Chinese for 帮助


def test_group_message_without_mention_is_ignored(wire: FeishuWire) -> None:
    assert wire.post(load("group_no_mention")).status_code == 200
    assert wire.post(load("bot_message")).status_code == 200
    wire.idle()
    assert wire.outgoing() == []


def test_thread_reply_without_mention_reaches_thread_listeners(wire: FeishuWire) -> None:
    def listener(msg: IncomingMessage, _services: Services) -> Reply:
        return Reply(text=f"noted: {msg.text}", where="thread")

    wire.app.router.thread_listener(listener)
    assert wire.post(load("thread_reply")).status_code == 200
    (reply,) = wire.api.recorder.wait_for("/open-apis/im/v1/messages/om_thread_root_0001/reply")
    assert (
        "noted: We would stress the audit log &lt;b&gt;first&lt;/b&gt; &amp; then price"
        in wire.api.card_text(reply)
    )


def test_redelivery_of_the_same_message_with_a_new_event_id_is_answered_once(wire: FeishuWire) -> None:
    first = group_message("@_user_1 role grant @_user_2 pm", message_id="om_dup_1")
    again = copy.deepcopy(first)
    again["header"]["event_id"] = uuid.uuid4().hex
    assert wire.post(first).status_code == 200
    assert wire.post(again).status_code == 200
    wire.idle()
    assert len(wire.api.recorder.to("/open-apis/im/v1/messages/om_dup_1/reply")) == 1
    with wire.app.services.db.session() as session:
        (row,) = session.exec(select(InboxEvent))  # the second delivery found the first one's row
    assert row.key == "feishu:msg:om_dup_1" and row.attempts == 1 and row.status == "done"


def test_a_received_message_is_acked_before_lark_and_answered_once_through_lark_by_a_worker(
    wire: FeishuWire, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An `im.message.receive_v1` is checked (token, signature, installation) and written down decrypted;
    the worker hands it to lark-oapi's `EventDispatcherHandler.do`, whose listener translates it."""
    import lark_oapi

    handled: list[tuple[Any, bytes]] = []
    original = lark_oapi.EventDispatcherHandler.do

    def do(handler: Any, request: Any) -> Any:
        handled.append((handler, request.body))
        return original(handler, request)

    monkeypatch.setattr(lark_oapi.EventDispatcherHandler, "do", do)
    decoded: list[IncomingMessage | None] = []
    decode = wire.app.dispatcher.decoders["feishu"]

    def replayed(raw: RawEvent) -> IncomingMessage | None:
        decoded.append(decode(raw))
        return decoded[-1]

    monkeypatch.setitem(wire.app.dispatcher.decoders, "feishu", replayed)
    payload = wire.own(group_message("@_user_1 role grant @_user_2 pm", message_id="om_fast_1"))
    response = wire.post(payload)
    assert response.status_code == 200 and response.json() == {"msg": "success"}
    (reply,) = wire.api.recorder.wait_for("/open-apis/im/v1/messages/om_fast_1/reply")
    assert "<at id=ou_ann></at> is now *pm*" in wire.api.card_text(reply)
    wire.idle()
    with wire.app.services.db.session() as session:
        (row,) = session.exec(select(InboxEvent).where(col(InboxEvent.key) == "feishu:msg:om_fast_1"))
    stored = from_json(row.message)
    assert isinstance(stored, RawEvent) and json.loads(stored.body) == payload and row.status == "done"
    ((handler, body),) = handled  # lark dispatched it once: in the worker, on the decrypted payload
    assert json.loads(body) == payload
    inbound = wire.app.inbound("feishu")
    assert isinstance(inbound, FeishuInbound) and handler is not inbound._webhook_handler()
    (msg,) = decoded
    assert msg is not None and (msg.event_id, msg.user, msg.conversation) == (
        "msg:om_fast_1",
        "ou_admin",
        "oc_5ce6d572455d361153b7xx51da133945",
    )


def test_a_received_message_with_a_forged_token_is_refused_before_the_inbox(wire: FeishuWire) -> None:
    payload = wire.own(group_message("@_user_1 role grant @_user_2 pm", message_id="om_forged"))
    payload["header"]["token"] = "forged"
    response = wire.post(payload)
    assert response.status_code == 401
    wire.idle()
    assert wire.outgoing() == []
    with wire.app.services.db.session() as session:
        assert list(session.exec(select(InboxEvent))) == []


def test_bad_signature_and_unsigned_events_are_rejected(wire: FeishuWire) -> None:
    body, headers = webhook_request(group_message("@_user_1 role"), encrypt_key=KEY)
    forged = wire.post_raw(body, {**headers, "X-Lark-Signature": "0" * 64})
    assert forged.status_code == 401
    unsigned = wire.post(group_message("@_user_1 role", message_id="om_unsigned"), signed=False)
    assert unsigned.status_code == 401
    garbage = wire.post_raw(b"not json at all", {"Content-Type": "application/json"})
    assert garbage.status_code == 400
    empty = wire.post_raw(b"", {})
    assert empty.status_code == 400
    wrong_key = wire.post_raw(*webhook_request(group_message("@_user_1 role"), encrypt_key="another-key"))
    assert wrong_key.status_code in (400, 401)
    wire.idle()
    assert wire.outgoing() == []


def test_stale_and_replayed_requests_are_rejected(wire: FeishuWire) -> None:
    old = wire.post(group_message("@_user_1 role", message_id="om_old"), timestamp=time.time() - 600)
    assert old.status_code == 401
    future = wire.post(group_message("@_user_1 role", message_id="om_future"), timestamp=time.time() + 600)
    assert future.status_code == 401
    body, headers = webhook_request(
        wire.own(group_message("@_user_1 role grant @_user_2 pm", message_id="om_once")), encrypt_key=KEY
    )
    assert wire.post_raw(body, headers).status_code == 200
    assert wire.post_raw(body, headers).status_code == 200  # a replay inside the window: acked, not re-run
    wire.idle()
    assert [r.path for r in wire.outgoing()] == ["/open-apis/im/v1/messages/om_once/reply"]


def test_card_button_click_is_acked_with_a_toast_and_handled_after(wire: FeishuWire) -> None:
    def on_vote(msg: IncomingMessage, _services: Services) -> Reply:
        return Reply(text=f"vote {msg.action_value} counted for {mention(msg.user)}", where="thread")

    wire.app.router.action("wiretest.vote", on_vote)
    payload = load("card_action")
    payload["event"]["action"]["value"]["action"] = "wiretest.vote"  # clear of real handlers' prefixes
    response = wire.post(payload)
    assert response.status_code == 200
    assert response.json()["toast"]["type"] == "info"
    (reply,) = wire.api.recorder.wait_for("/open-apis/im/v1/messages/om_card_0001/reply")
    assert "vote 42 counted for <at id=ou_pm></at>" in wire.api.card_text(reply)


def test_form_submit_reaches_the_form_handler(wire: FeishuWire) -> None:
    seen: list[IncomingMessage] = []

    def on_form(msg: IncomingMessage, _services: Services) -> Reply:
        seen.append(msg)
        return Reply(text=f"created {msg.form['title']} ({msg.form['priority']})", where="thread")

    wire.app.router.form("wiretest.form", on_form)
    payload = load("form_submit")
    payload["event"]["action"]["value"]["form"] = "wiretest.form"
    response = wire.post(payload)
    assert response.status_code == 200 and response.json()["toast"]["type"] == "success"
    replacement = response.json()["card"]
    assert (
        replacement["type"] == "raw"
        and replacement["data"]["header"]["title"]["content"] == "Submitted / 已提交"
    )
    assert "SSO with Okta" in json.dumps(replacement, ensure_ascii=False)
    (reply,) = wire.api.recorder.wait_for("/open-apis/im/v1/messages/om_form_card_0001/reply")
    assert "created SSO with Okta (high)" in wire.api.card_text(reply)
    assert seen[0].action_value == "7" and seen[0].user == "ou_sales1"


def test_bad_command_gets_a_private_usage_reply(wire: FeishuWire) -> None:
    assert (
        wire.post(group_message("@_user_1 role grant", user="ou_sales1", message_id="om_bad")).status_code
        == 200
    )
    (sent,) = wire.api.recorder.wait_for("/open-apis/ephemeral/v1/send")
    body = sent.json()
    assert body["chat_id"] == "oc_5ce6d572455d361153b7xx51da133945" and body["open_id"] == "ou_sales1"
    text = wire.api.card_text(sent)
    assert "Usage / 用法" in text and "role grant" in text


def test_event_types_we_do_not_handle_are_acknowledged(wire: FeishuWire) -> None:
    payload = load("p2p")
    payload["header"]["event_type"] = "im.chat.member.bot.added_v1"
    payload["event"] = {"chat_id": "oc_new", "operator_id": {"open_id": "ou_admin"}}
    assert wire.post(payload).status_code == 200


def test_unknown_bot_identity_is_learned_off_the_ack_path(api_server: FeishuFake, tmp_path: Path) -> None:
    """The start-up lookup of the bot's open_id failed: the next message is still acknowledged at once, the
    lookup is retried in the background, and the mention is answered."""
    api_server.reset()
    api_server.fail("/open-apis/bot/v3/info", status=400, code=99991672, msg="no permission", times=1)
    settings = make_settings(
        migrated_sqlite(tmp_path / "feishu.db"),
        FEISHU_APP_ID=f"cli_{uuid.uuid4().hex[:12]}",
        FEISHU_APP_SECRET="app-secret",
        FEISHU_VERIFICATION_TOKEN=TOKEN,
        FEISHU_ENCRYPT_KEY=KEY,
        FEISHU_DOMAIN=api_server.url,
    )
    app = build_application(settings, migrate=False)
    try:
        with serve_asgi(create_asgi_app(app)) as url:
            wire = FeishuWire(app=app, url=url, api=api_server)
            api_server.recorder.wait_for("/open-apis/bot/v3/info")  # the failed start-up lookup
            port = app.services.ports["feishu"]
            assert isinstance(port, FeishuPort) and port.known_bot_open_id is None
            response = wire.post(group_message("@_user_1 role", message_id="om_late_id"))
            assert response.status_code == 200
            (note,) = api_server.recorder.wait_for("/open-apis/ephemeral/v1/send")  # "Your role" is private
            assert "Your role" in json.dumps(note.json()["card"])
            assert len(api_server.recorder.to("/open-apis/bot/v3/info")) == 2
    finally:
        app.stop()
        app.services.db.dispose()


UNSUBSCRIBED = {
    "v2 event we do not handle": lambda: {
        **load("p2p"),
        "header": {
            **load("p2p")["header"],
            "event_id": uuid.uuid4().hex,
            "event_type": "im.chat.member.bot.added_v1",
        },
        "event": {"chat_id": "oc_new", "operator_id": {"open_id": "ou_admin"}},
    },
    "v1-schema event": lambda: {
        "uuid": uuid.uuid4().hex,
        "token": TOKEN,
        "ts": "1700000000.000000",
        "type": "event_callback",
        "event": {"type": "message", "app_id": "cli_x", "open_chat_id": "oc_1", "text": "hi"},
    },
    "old-style card callback": lambda: {
        "open_id": "ou_sales1",
        "user_id": "sales1",
        "open_message_id": "om_old_card",
        "open_chat_id": "oc_sales_group",
        "tenant_key": "2ca1d211f64f6438",
        "token": TOKEN,
        "action": {"value": {"action": "announce.ack", "value": "7"}, "tag": "button"},
    },
}


@pytest.mark.parametrize("kind", list(UNSUBSCRIBED))
def test_an_unsubscribed_event_is_one_log_line_without_a_traceback(
    wire: FeishuWire, kind: str, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    capfd.readouterr()
    with caplog.at_level(logging.INFO):
        response = wire.post(UNSUBSCRIBED[kind]())
    assert response.status_code == 200
    lines = [
        r for r in caplog.records if "processor not found" in r.getMessage() or "subscribe" in r.getMessage()
    ]
    assert len(lines) == 1, [r.getMessage() for r in caplog.records]
    assert lines[0].levelno == logging.INFO and lines[0].exc_info is None
    assert "does not subscribe" in lines[0].getMessage()
    assert all(r.levelno < logging.ERROR for r in caplog.records)
    out, err = capfd.readouterr()
    assert "[Lark]" not in out and "Traceback" not in out + err  # lark's own stdout handler is gone


def _forged_token(wire: FeishuWire) -> tuple[bytes, dict[str, str]]:
    payload = wire.own(load("card_action"))
    payload["header"]["token"] = "forged"
    return webhook_request(payload, encrypt_key=KEY)


def _forged_signature(wire: FeishuWire) -> tuple[bytes, dict[str, str]]:
    body, headers = webhook_request(wire.own(load("card_action")), encrypt_key=KEY)
    return body, {**headers, "X-Lark-Signature": "0" * 64}


REFUSED: dict[str, Any] = {
    "forged token": (_forged_token, 401),
    "forged signature": (_forged_signature, 401),
    "not JSON": (lambda wire: (b"not json", {"Content-Type": "application/json"}), 400),
    "undecryptable": (lambda wire: (b'{"encrypt": "AAAA"}', {"Content-Type": "application/json"}), 400),
}


@pytest.mark.parametrize("kind", list(REFUSED))
def test_a_refused_request_is_one_warning_without_a_traceback(
    wire: FeishuWire, kind: str, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    """lark-oapi logged every request it refused as an ERROR with a full traceback ("handle event failed"),
    beside the bot's own warning: a forged or garbled request is one WARNING line with the reason."""
    build, status = REFUSED[kind]
    capfd.readouterr()
    with caplog.at_level(logging.INFO):
        response = wire.post_raw(*build(wire))
    assert response.status_code == status
    assert all(r.levelno < logging.ERROR and r.exc_info is None for r in caplog.records), [
        (r.levelname, r.getMessage()) for r in caplog.records
    ]
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and warnings[0].startswith("feishu request"), warnings
    out, err = capfd.readouterr()
    assert "Traceback" not in out + err


def test_a_mention_inside_a_thread_is_answered_under_the_threads_root(wire: FeishuWire) -> None:
    def echo(msg: IncomingMessage, _services: Services) -> Reply:
        return Reply(text=f"echo: {msg.args}", where="thread")

    wire.app.router.command("echo", echo, summary_en="echo", summary_zh="回显", usage="echo")
    payload = load("thread_mention")
    payload["event"]["message"]["content"] = json.dumps({"text": "@_user_1 echo in the topic"})
    assert wire.post(payload).status_code == 200
    (reply,) = wire.api.recorder.wait_for("/open-apis/im/v1/messages/om_topic_root_0001/reply")
    assert "echo: in the topic" in wire.api.card_text(reply)
    assert reply.json()["reply_in_thread"] is False  # replying to a topic's root stays in the topic


def test_a_mention_beside_at_all_is_answered_and_at_all_alone_is_not(wire: FeishuWire) -> None:
    quiet = load("at_all")
    quiet["header"]["event_id"] = uuid.uuid4().hex
    quiet["event"]["message"].update(
        message_id="om_at_all_only", content=json.dumps({"text": "@_all 周五开会"}, ensure_ascii=False)
    )
    assert wire.post(quiet).status_code == 200
    wire.idle()
    assert wire.outgoing() == []
    assert wire.post(load("at_all")).status_code == 200
    (reply,) = wire.api.recorder.wait_for("/open-apis/im/v1/messages/om_at_all_0001/reply")
    assert reply.json()["msg_type"] == "interactive"


def test_a_user_of_another_tenant_in_an_external_group_is_declined_like_a_slack_connect_user(
    wire: FeishuWire,
) -> None:
    assert wire.post(load("external_group_mention")).status_code == 200
    (sent,) = wire.api.recorder.wait_for("/open-apis/ephemeral/v1/send")
    assert sent.json()["chat_id"] == "oc_external_group"
    assert "members of our own workspace" in wire.api.card_text(sent)
    assert not wire.api.recorder.to("/open-apis/im/v1/messages/om_external_0001/reply")


def test_the_bot_added_to_a_group_is_acknowledged(wire: FeishuWire) -> None:
    response = wire.post(load("bot_added"))
    assert response.status_code == 200
    wire.idle()
    assert wire.outgoing() == []
