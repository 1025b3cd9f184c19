"""A fake Feishu / Lark Open API on loopback, plus the test side of Feishu's webhook crypto.

`serve_feishu_api()` yields a `FeishuFake`: its `url` is a valid lark-oapi domain (http://127.0.0.1:P),
`recorder` holds every request, and `fail(path, status=, code=, times=)` makes the next calls to a path
fail (rate limits, 5xx, permission errors). Implemented: tenant token, bot info, messages create / reply /
patch, chat members (paginated), file upload, ephemeral cards, and `/callback/ws/endpoint` for the long
connection (pointing at `ws_url`).

`encrypt`, `sign` and `webhook_request` build requests exactly as Feishu does (platform-notes §11–12).
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import os
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tests.fakes.servers import Received, Recorder, RecordingHandler, serve_fake

if TYPE_CHECKING:
    from tests.fakes.harness import Harness

BOT_OPEN_ID = "ou_bot_salesbridge"
TENANT_KEY = "2ca1d211f64f6438"  # the tenant of the app, as in the payloads of tests/payloads/feishu
PAYLOAD_APP_ID = "cli_9f5343c580712544"  # the app id in those payloads
_MEMBERS = re.compile(r"^/open-apis/im/v1/chats/([^/]+)/members$")
_CHAT = re.compile(r"^/open-apis/im/v1/chats/([^/]+)$")
_REPLY = re.compile(r"^/open-apis/im/v1/messages/([^/]+)/reply$")
_PATCH = re.compile(r"^/open-apis/im/v1/messages/([^/]+)$")
_USER = re.compile(r"^/open-apis/contact/v3/users/([^/]+)$")


@dataclass
class Failure:
    path: str
    status: int
    code: int
    msg: str
    times: int
    headers: dict[str, str]


@dataclass
class FeishuFake:
    url: str = ""
    recorder: Recorder = field(default_factory=Recorder)
    bot_open_id: str = BOT_OPEN_ID
    chat_members: dict[str, list[str]] = field(default_factory=dict)
    users: dict[str, str] = field(default_factory=dict)  # open_id → name (contact/v3/users/:user_id)
    ws_url: str = ""
    latency: float = 0.0  # seconds every Open API call takes (a slow Feishu, for the crash benchmark)
    failures: list[Failure] = field(default_factory=list)
    issued: dict[str, str] = field(default_factory=dict)  # message id → msg_type of what we accepted
    # messages created, in order (create and reply; a repeated `uuid` returns the first one, like Feishu)
    created: list[dict[str, Any]] = field(default_factory=list)
    by_uuid: dict[str, dict[str, Any]] = field(default_factory=dict)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def fail(
        self,
        path: str,
        *,
        status: int = 429,
        code: int = 99991400,
        msg: str = "request trigger frequency limit",
        times: int = 1,
        headers: dict[str, str] | None = None,
    ) -> None:
        """The next `times` requests whose path ends with `path` get this error."""
        with self._lock:
            self.failures.append(Failure(path, status, code, msg, times, headers or {}))

    def reset(self) -> None:
        """Forget requests and pending failures (a server shared by several tests)."""
        with self._lock:
            self.failures.clear()
            self.chat_members.clear()
            self.users.clear()
            self.issued.clear()
            self.created.clear()
            self.by_uuid.clear()
        with self.recorder.lock:
            self.recorder.requests.clear()

    def _failure_for(self, path: str) -> Failure | None:
        with self._lock:
            for failure in self.failures:
                if failure.times > 0 and path.endswith(failure.path):
                    failure.times -= 1
                    return failure
        return None

    def next_message_id(self) -> str:
        return f"om_fake_{next(self._ids):04d}"

    # --- assertion helpers ---------------------------------------------------------------------------
    def sent(self, path: str = "/open-apis/im/v1/messages") -> list[Received]:
        """Successful-looking calls to a path (creates by default; use `/reply` for replies)."""
        return [
            r for r in self.recorder.requests if r.method != "GET" and r.path.split("?")[0].endswith(path)
        ]

    @staticmethod
    def card(received: Received) -> dict[str, Any]:
        """The card JSON of a create / reply / patch request (or the `card` of an ephemeral send)."""
        body = received.json()
        if "card" in body:
            return dict(body["card"])
        return dict(json.loads(body["content"]))

    @staticmethod
    def card_text(received: Received) -> str:
        """Every text in a card, joined: titles, markdown, button labels."""
        card = FeishuFake.card(received)
        texts: list[str] = []

        def walk(node: Any) -> None:
            if isinstance(node, dict):
                for key, value in node.items():
                    if key == "content" and isinstance(value, str):
                        texts.append(value)
                    else:
                        walk(value)
            elif isinstance(node, list):
                for item in node:
                    walk(item)

        walk(card)
        return "\n".join(texts)


class FeishuApiHandler(RecordingHandler):
    fake: FeishuFake  # set on the subclass made per server

    def respond(self, received: Received) -> tuple[int, Any, dict[str, str] | None]:
        if self.fake.latency:
            time.sleep(self.fake.latency)
        path, _, query = received.path.partition("?")
        failure = self.fake._failure_for(path)
        if failure is not None:
            return failure.status, {"code": failure.code, "msg": failure.msg}, failure.headers
        if path == "/open-apis/auth/v3/tenant_access_token/internal":
            body = json.loads(received.body or b"{}")  # lark sends no Content-Type: parse regardless
            if not body.get("app_id") or not body.get("app_secret"):
                return 400, {"code": 10003, "msg": "invalid param"}, None
            return (
                200,
                {"code": 0, "msg": "ok", "tenant_access_token": f"t-{body['app_id']}", "expire": 7200},
                None,
            )
        if path == "/open-apis/tenant/v2/tenant/query" and received.method == "GET":
            tenant = {"name": "Acme", "tenant_key": TENANT_KEY, "display_id": "F000001"}
            return 200, {"code": 0, "msg": "success", "data": {"tenant": tenant}}, None
        if path == "/open-apis/bot/v3/info":
            return (
                200,
                {
                    "code": 0,
                    "msg": "ok",
                    "bot": {
                        "activate_status": 2,
                        "app_name": "SalesBridge",
                        "open_id": self.fake.bot_open_id,
                    },
                },
                None,
            )
        if path == "/callback/ws/endpoint":
            return (
                200,
                {
                    "code": 0,
                    "msg": "ok",
                    "data": {
                        "URL": self.fake.ws_url,
                        "ClientConfig": {
                            "ReconnectCount": 0,
                            "ReconnectInterval": 1,
                            "ReconnectNonce": 0,
                            "PingInterval": 120,
                        },
                    },
                },
                None,
            )
        if not received.headers.get("Authorization", "").startswith("Bearer t-"):
            return 400, {"code": 99991661, "msg": "Missing access token for authorization."}, None
        if path == "/open-apis/im/v1/messages" and received.method == "POST":
            body = received.json()
            return 200, self._message(chat_id=body.get("receive_id", ""), body=body), None
        if (match := _REPLY.match(path)) and received.method == "POST":
            return (
                200,
                self._message(chat_id="oc_from_reply", body=received.json(), root=match.group(1)),
                None,
            )
        if (match := _PATCH.match(path)) and received.method == "PATCH":
            return 200, {"code": 0, "msg": "success", "data": {}}, None
        if path == "/open-apis/ephemeral/v1/send":
            if str(received.json().get("chat_id", "")).startswith("oc_p2p"):  # group chats only
                return 400, {"code": 99992402, "msg": "仅支持普通对话群组"}, None
            return 200, {"code": 0, "msg": "ok", "data": {"message_id": self.fake.next_message_id()}}, None
        if (match := _CHAT.match(path)) and received.method == "GET":
            mode = "p2p" if match.group(1).startswith("oc_p2p") else "group"
            return (
                200,
                {"code": 0, "msg": "success", "data": {"chat_mode": mode, "chat_type": "private"}},
                None,
            )
        if path == "/open-apis/im/v1/files" and received.method == "POST":
            return 200, {"code": 0, "msg": "success", "data": {"file_key": "file_v2_fake"}}, None
        if (match := _USER.match(path)) and received.method == "GET":
            name = self.fake.users.get(match.group(1))
            if name is None:  # unknown user, or the app lacks the contact scope for them
                return 400, {"code": 41050, "msg": "no user authority error"}, None
            user = {"open_id": match.group(1), "name": name, "en_name": name}
            return 200, {"code": 0, "msg": "success", "data": {"user": user}}, None
        if (match := _MEMBERS.match(path)) and received.method == "GET":
            return 200, self._members(match.group(1), query), None
        return 404, {"code": 230001, "msg": f"fake: no route {received.method} {path}"}, None

    def _message(self, *, chat_id: str, body: dict[str, Any], root: str | None = None) -> dict[str, Any]:
        uuid_ = str(body.get("uuid") or "")
        with self.fake._lock:  # Feishu: the same uuid within an hour is the same message
            if uuid_ and uuid_ in self.fake.by_uuid:
                return self.fake.by_uuid[uuid_]
        message_id = self.fake.next_message_id()
        self.fake.issued[message_id] = str(body.get("msg_type", ""))
        now = str(int(time.time() * 1000))
        data = {
            "message_id": message_id,
            "chat_id": chat_id,
            "msg_type": body.get("msg_type", "text"),
            "create_time": now,
            "update_time": now,
            "deleted": False,
            "updated": False,
            "sender": {"id": "cli_fake", "id_type": "app_id", "sender_type": "app", "tenant_key": "tk"},
            "body": {"content": body.get("content", "")},
            "mentions": [],
        }
        if root:
            data.update({"root_id": root, "parent_id": root})
        answer = {"code": 0, "msg": "success", "data": data}
        with self.fake._lock:
            self.fake.created.append({**data, "content": body.get("content", "")})
            if uuid_:
                self.fake.by_uuid[uuid_] = answer
        return answer

    def _members(self, chat_id: str, query: str) -> dict[str, Any]:
        params = dict(part.split("=", 1) for part in query.split("&") if "=" in part)
        members = self.fake.chat_members.get(chat_id, [])
        size = int(params.get("page_size", "20"))
        start = int(params.get("page_token") or 0)
        page = members[start : start + size]
        more = start + size < len(members)
        return {
            "code": 0,
            "msg": "success",
            "data": {
                "items": [
                    {
                        "member_id_type": "open_id",
                        "member_id": m,
                        "name": self.fake.users.get(m, ""),
                        "tenant_key": "tk",
                    }
                    for m in page
                ],
                "page_token": str(start + size) if more else "",
                "has_more": more,
                "member_total": len(members),
            },
        }


@contextmanager
def serve_feishu_api(fake: FeishuFake | None = None) -> Iterator[FeishuFake]:
    fake = fake or FeishuFake()
    handler = type("BoundFeishuApiHandler", (FeishuApiHandler,), {"fake": fake})
    with serve_fake(handler) as (url, recorder):
        fake.url, fake.recorder = url, recorder
        yield fake


# --- the webhook side: what Feishu's servers send --------------------------------------------------------
def encrypt(plain: str, encrypt_key: str) -> str:
    """AES-256-CBC with key = SHA256(encrypt_key), IV prepended, base64 (platform-notes §11)."""
    from Crypto.Cipher import AES

    key = hashlib.sha256(encrypt_key.encode()).digest()
    iv = os.urandom(16)
    data = plain.encode()
    pad = 16 - len(data) % 16
    data += bytes([pad]) * pad
    return base64.b64encode(iv + AES.new(key, AES.MODE_CBC, iv).encrypt(data)).decode()


def sign(timestamp: str, nonce: str, encrypt_key: str, body: bytes) -> str:
    """sha256(timestamp + nonce + encrypt_key + body) — plain SHA-256, not an HMAC (§12)."""
    return hashlib.sha256((timestamp + nonce + encrypt_key).encode() + body).hexdigest()


def webhook_request(
    payload: dict[str, Any],
    *,
    encrypt_key: str | None,
    timestamp: float | None = None,
    nonce: str = "nonce-1",
    signed: bool = True,
) -> tuple[bytes, dict[str, str]]:
    """(body, headers) for POST /feishu/events: encrypted when `encrypt_key`, signed when `signed`."""
    plain = json.dumps(payload, ensure_ascii=False)
    body = json.dumps({"encrypt": encrypt(plain, encrypt_key)}).encode() if encrypt_key else plain.encode()
    headers = {"Content-Type": "application/json"}
    if signed and encrypt_key:
        ts = str(int(time.time() if timestamp is None else timestamp))
        headers.update(
            {
                "X-Lark-Request-Timestamp": ts,
                "X-Lark-Request-Nonce": nonce,
                "X-Lark-Signature": sign(ts, nonce, encrypt_key, body),
            }
        )
    return body, headers


# --- the long connection: a WebSocket server speaking pbbp2.Frame (platform-notes §15) --------------------
@dataclass
class FeishuWsFake:
    """Accepts lark.ws.Client connections, pushes DATA frames to them, records the client's acks."""

    url: str = ""
    acks: list[dict[str, Any]] = field(default_factory=list)
    connected: threading.Event = field(default_factory=threading.Event)
    _loop: Any = None
    _connections: list[Any] = field(default_factory=list)
    _seq: itertools.count = field(default_factory=lambda: itertools.count(1))

    def push_event(self, payload: dict[str, Any], *, timeout: float = 5.0) -> None:
        """Send one event (`type=event`) to every connected client."""
        import asyncio

        from lark_oapi.ws.pb.pbbp2_pb2 import Frame

        frame = Frame()
        seq = next(self._seq)
        frame.SeqID, frame.LogID, frame.service, frame.method = seq, seq, 1, 1
        for key, value in (
            ("type", "event"),
            ("message_id", f"ws_msg_{seq}"),
            ("sum", "1"),
            ("seq", "0"),
            ("trace_id", f"trace_{seq}"),
        ):
            header = frame.headers.add()
            header.key, header.value = key, value
        frame.payload = json.dumps(payload).encode()
        data = frame.SerializeToString()

        async def send_all() -> None:
            for connection in list(self._connections):
                await connection.send(data)

        asyncio.run_coroutine_threadsafe(send_all(), self._loop).result(timeout=timeout)

    def wait_for_ack(self, count: int = 1, timeout: float = 5.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.acks) >= count:
                return list(self.acks)
            time.sleep(0.01)
        raise AssertionError(f"expected {count} ack(s), got {self.acks}")

    async def _serve_connection(self, connection: Any) -> None:
        from lark_oapi.ws.pb.pbbp2_pb2 import Frame

        self._connections.append(connection)
        self.connected.set()
        try:
            async for message in connection:
                frame = Frame()
                frame.ParseFromString(message)
                headers = {h.key: h.value for h in frame.headers}
                if frame.method == 1:  # DATA: the client's ack of a pushed event
                    self.acks.append({"headers": headers, "payload": json.loads(frame.payload or b"{}")})
        except Exception:  # the client went away
            pass
        finally:
            self._connections.remove(connection)


@contextmanager
def serve_feishu_ws() -> Iterator[FeishuWsFake]:
    """A websockets server in its own thread; `url` is what `/callback/ws/endpoint` should return."""
    import asyncio

    from websockets.asyncio.server import serve

    fake = FeishuWsFake()
    loop = asyncio.new_event_loop()
    fake._loop = loop
    started = threading.Event()
    stop = asyncio.Event()

    async def main() -> None:
        async with serve(fake._serve_connection, "127.0.0.1", 0) as server:
            port = next(iter(server.sockets)).getsockname()[1]
            fake.url = f"ws://127.0.0.1:{port}/ws?device_id=dev-1&service_id=1"
            started.set()
            await stop.wait()

    thread = threading.Thread(target=loop.run_until_complete, args=(main(),), daemon=True)
    thread.start()
    if not started.wait(timeout=5):
        raise RuntimeError("websocket fake did not start")
    try:
        yield fake
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(timeout=5)
        loop.close()


def payload_feishu_harness(database_url: str) -> Harness:
    """The whole bot in-process as the app of the captured Feishu payloads (their `header.app_id` and
    `tenant_key`), on a migrated database."""
    from tests.fakes.harness import Harness

    return Harness.create(
        database_url,
        migrate=False,
        FEISHU_APP_ID=PAYLOAD_APP_ID,
        FEISHU_APP_SECRET="app-secret",
        FEISHU_VERIFICATION_TOKEN="vt",
        FEISHU_ENCRYPT_KEY="ek",
        SALESBRIDGE_FEISHU_TENANT_KEYS=TENANT_KEY,
    )
