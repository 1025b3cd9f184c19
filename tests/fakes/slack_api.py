"""A fake Slack Web API on loopback: answers the methods the bot calls, records every request.

with serve_slack_api() as api:                       # api.url is the SLACK_API_URL (…/api/)
    api.rate_limit("chat.postMessage", times=2, retry_after=7)
    ...
    call = api.recorder.wait_for("/api/chat.postMessage")[0]
    call.json()["thread_ts"]

Response URLs (`/hooks/...`) and the file upload URL (`/upload/...`) are served by the same server;
`apps.connections.open` answers with `api.socket_url` when a test set it.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tests.fakes.servers import Received, Recorder, RecordingHandler, serve_fake

BOT_TOKEN = "xoxb-test-token"
APP_TOKEN = "xapp-test-token"
BOT_USER_ID = "UBOT"
BOT_ID = "BBOT"
TEAM_ID = "T111"
APP_ID = "A111"


@dataclass
class SlackState:
    """What the fake knows; tests tweak it between calls."""

    rate_limits: dict[str, list[float]] = field(default_factory=dict)  # method → Retry-After per 429 to send
    errors: dict[str, list[str]] = field(default_factory=dict)  # method → error codes to answer, in order
    members: dict[str, list[str]] = field(default_factory=dict)  # channel → member ids
    bots: set[str] = field(default_factory=lambda: {BOT_USER_ID})
    names: dict[str, str] = field(default_factory=dict)  # user id → profile display name (users.info)
    socket_url: str = ""
    latency: float = 0.0  # seconds every Web API call takes (a slow Slack, for the crash tests)
    posted: list[dict[str, Any]] = field(default_factory=list)  # chat.postMessage, as Slack stored them
    lock: threading.Lock = field(default_factory=threading.Lock)
    ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def next_ts(self) -> str:
        return f"1800000000.{next(self.ids):06d}"


def params_of(received: Received) -> dict[str, Any]:
    """The call's arguments, whether sent as JSON, a form body or a query string."""
    params: dict[str, Any] = dict(parse_qsl(urlsplit(received.path).query))
    if received.body:
        content_type = received.headers.get("Content-Type", received.headers.get("content-type", ""))
        if "json" in content_type:
            try:
                data = json.loads(received.body)
            except ValueError:
                data = {}
            if isinstance(data, dict):
                params.update(data)
        elif "form" in content_type:
            params.update(parse_qsl(received.body.decode()))
    return params


class SlackApiHandler(RecordingHandler):
    state: SlackState  # set per server by `serve_slack_api`

    def respond(self, received: Received) -> tuple[int, Any, dict[str, str] | None]:
        if self.state.latency:
            time.sleep(self.state.latency)
        path = urlsplit(received.path).path
        if path.startswith("/hooks/expired"):
            return 404, b"expired_url", None  # a response_url past its 30 minutes / 5 uses
        if path.startswith("/hooks/"):
            return 200, b"ok", None
        if path.startswith("/upload/"):
            return 200, b"OK - 11", None
        method = path.rsplit("/", 1)[-1]
        with self.state.lock:
            waits = self.state.rate_limits.get(method)
            if waits:
                return 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(int(waits.pop(0)))}
            errors = self.state.errors.get(method)
            if errors:
                return 200, {"ok": False, "error": errors.pop(0)}, None
        token = received.headers.get("Authorization", "")
        if method == "apps.connections.open":
            if token != f"Bearer {APP_TOKEN}":
                return 200, {"ok": False, "error": "invalid_auth"}, None
            return 200, {"ok": True, "url": self.state.socket_url}, None
        if token != f"Bearer {BOT_TOKEN}":
            return 200, {"ok": False, "error": "invalid_auth"}, None
        params = params_of(received)
        handler = getattr(self, "api_" + method.replace(".", "_"), None)
        if handler is None:
            return 200, {"ok": False, "error": "unknown_method"}, None
        return 200, handler(params), None

    # --- methods -------------------------------------------------------------------------------------
    def api_auth_test(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "url": "https://acme.slack.com/",
            "team": "Acme",
            "user": "salesbridge",
            "team_id": TEAM_ID,
            "user_id": BOT_USER_ID,
            "bot_id": BOT_ID,
        }

    def api_bots_info(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "bot": {"id": params.get("bot"), "app_id": APP_ID, "user_id": BOT_USER_ID}}

    def api_chat_postMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        ts = self.state.next_ts()
        message = {"type": "message", "subtype": "bot_message", "text": params.get("text", ""), "ts": ts}
        metadata = params.get("metadata")
        metadata = json.loads(metadata) if isinstance(metadata, str) else metadata
        with self.state.lock:
            self.state.posted.append(
                {
                    **message,
                    "channel": params.get("channel"),
                    "thread_ts": params.get("thread_ts"),
                    "metadata": metadata,
                }
            )
        return {"ok": True, "channel": params.get("channel"), "ts": ts, "message": message}

    def _stored(self, channel: str, *, thread: str | None, with_metadata: bool) -> list[dict[str, Any]]:
        with self.state.lock:
            found = [
                {k: v for k, v in m.items() if k != "channel" and (with_metadata or k != "metadata")}
                for m in self.state.posted
                if m["channel"] == channel and (m["thread_ts"] == thread if thread else not m["thread_ts"])
            ]
        return list(reversed(found))  # newest first, as Slack lists them

    def api_conversations_history(self, params: dict[str, Any]) -> dict[str, Any]:
        metadata = str(params.get("include_all_metadata", "")).lower() in ("1", "true")
        messages = self._stored(str(params.get("channel")), thread=None, with_metadata=metadata)
        return {"ok": True, "messages": messages, "has_more": False}

    def api_conversations_replies(self, params: dict[str, Any]) -> dict[str, Any]:
        metadata = str(params.get("include_all_metadata", "")).lower() in ("1", "true")
        thread = str(params.get("ts"))
        messages = self._stored(str(params.get("channel")), thread=thread, with_metadata=metadata)
        return {"ok": True, "messages": list(reversed(messages)), "has_more": False}

    def api_chat_postEphemeral(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "message_ts": self.state.next_ts()}

    def api_chat_update(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "channel": params.get("channel"),
            "ts": params.get("ts"),
            "text": params.get("text"),
        }

    def api_views_open(self, params: dict[str, Any]) -> dict[str, Any]:
        view = params.get("view")
        view = json.loads(view) if isinstance(view, str) else view or {}
        return {"ok": True, "view": {"id": "V111", **view}}

    def api_conversations_open(self, params: dict[str, Any]) -> dict[str, Any]:
        users = str(params.get("users", ""))
        return {"ok": True, "channel": {"id": "D" + users.lstrip("U")}}

    def api_conversations_members(self, params: dict[str, Any]) -> dict[str, Any]:
        members = self.state.members.get(str(params.get("channel")), [])
        start = int(params.get("cursor") or 0)
        limit = min(int(params.get("limit") or 100), 2)  # small pages so pagination is exercised
        page = members[start : start + limit]
        cursor = str(start + limit) if start + limit < len(members) else ""
        return {"ok": True, "members": page, "response_metadata": {"next_cursor": cursor}}

    def api_users_info(self, params: dict[str, Any]) -> dict[str, Any]:
        user = str(params.get("user"))
        if user not in self.state.names:  # a bare record: no profile name to show
            return {"ok": True, "user": {"id": user, "is_bot": user in self.state.bots, "deleted": False}}
        name = self.state.names[user]
        return {
            "ok": True,
            "user": {
                "id": user,
                "name": name.lower().replace(" ", "."),
                "real_name": name,
                "is_bot": user in self.state.bots,
                "deleted": False,
                "profile": {"display_name": name, "real_name": name},
            },
        }

    def api_files_getUploadURLExternal(self, params: dict[str, Any]) -> dict[str, Any]:
        file_id = f"F{next(self.state.ids):04d}"
        host = self.headers.get("Host", "127.0.0.1")
        return {"ok": True, "upload_url": f"http://{host}/upload/v1/{file_id}", "file_id": file_id}

    def api_files_completeUploadExternal(self, params: dict[str, Any]) -> dict[str, Any]:
        files = json.loads(params.get("files") or "[]")
        return {"ok": True, "files": [{"id": f["id"], "title": f.get("title", "")} for f in files]}


@dataclass
class FakeSlackApi:
    base: str
    recorder: Recorder
    state: SlackState

    @property
    def url(self) -> str:
        """What SLACK_API_URL points at."""
        return f"{self.base}/api/"

    def reset(self) -> None:
        """Forget recorded requests and configured failures (one server shared by a test module)."""
        with self.recorder.lock:
            self.recorder.requests.clear()
        with self.state.lock:
            self.state.rate_limits.clear()
            self.state.errors.clear()
            self.state.members.clear()
            self.state.bots = {BOT_USER_ID}
            self.state.names.clear()

    def hook_url(self, name: str = "cmd") -> str:
        return f"{self.base}/hooks/commands/T111/1/{name}"

    def rate_limit(self, method: str, *, times: int = 1, retry_after: float = 1) -> None:
        with self.state.lock:
            self.state.rate_limits[method] = [retry_after] * times

    def fail(self, method: str, *errors: str) -> None:
        with self.state.lock:
            self.state.errors[method] = list(errors)

    def calls(self, method: str) -> list[dict[str, Any]]:
        """Arguments of every call of one Web API method so far."""
        return [params_of(r) for r in self.recorder.to(f"/api/{method}")]

    def wait(self, method: str, count: int = 1, timeout: float = 5.0) -> list[dict[str, Any]]:
        return [params_of(r) for r in self.recorder.wait_for(f"/api/{method}", count, timeout)]


@contextmanager
def serve_slack_api() -> Iterator[FakeSlackApi]:
    state = SlackState()
    handler = type("BoundSlackApiHandler", (SlackApiHandler,), {"state": state})
    with serve_fake(handler) as (base, recorder):
        yield FakeSlackApi(base=base, recorder=recorder, state=state)
