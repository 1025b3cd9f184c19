"""Only our workspaces, over the wire: correctly signed Slack requests and AES-encrypted, signed Feishu
requests from another team / app / tenant are answered 200 and ignored with one log line (nothing stored,
nothing sent); a Slack Connect user of another organisation gets a polite refusal."""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from sqlalchemy import func
from sqlmodel import select

from bot.models import InboxEvent, OutboxMessage, RoleGrant
from bot.router import EXTERNAL_REFUSAL
from salesbridge.server import create_asgi_app
from tests.database_templates import migrated_sqlite
from tests.fakes.feishu_api import PAYLOAD_APP_ID
from tests.fakes.servers import serve_asgi
from tests.scale.wire import (
    FEISHU_APP_ID,
    WireBot,
    signed_feishu_request,
    signed_slack_request,
    slack_event,
    slack_headers,
    wire_bot,
)

PAYLOADS = Path(__file__).resolve().parents[1] / "payloads"


def load(platform: str, name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((PAYLOADS / platform / f"{name}.json").read_text(encoding="utf-8"))
    return data


def fresh_slack(name: str) -> dict[str, Any]:
    """A captured Slack event with a new event id and a current ts (not a duplicate of another test's)."""
    payload = load("slack", name)
    ts = f"{int(time.time())}.{uuid.uuid4().int % 1_000_000:06d}"
    payload["event_id"] = f"Ev{uuid.uuid4().hex[:12]}"
    payload["event"] = {**payload["event"], "ts": ts, "event_ts": ts}
    return payload


def fresh_feishu(name: str) -> dict[str, Any]:
    payload = load("feishu", name)
    payload["header"]["event_id"] = uuid.uuid4().hex
    payload["header"]["token"] = "vtoken-test"
    if payload["header"].get("app_id") == PAYLOAD_APP_ID:
        payload["header"]["app_id"] = FEISHU_APP_ID
    return payload


class Served:
    def __init__(self, bot: WireBot, url: str) -> None:
        self.bot = bot
        self.url = url

    def slack(self, payload: dict[str, Any]) -> httpx.Response:
        body, headers = signed_slack_request(payload)
        return httpx.post(f"{self.url}/slack/events", content=body, headers=headers, timeout=10)

    def slack_command(self, form: dict[str, str]) -> httpx.Response:
        body = urlencode(form).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded", **slack_headers(body)}
        return httpx.post(f"{self.url}/slack/events", content=body, headers=headers, timeout=10)

    def feishu(self, payload: dict[str, Any]) -> httpx.Response:
        body, headers = signed_feishu_request(payload)
        return httpx.post(f"{self.url}/feishu/events", content=body, headers=headers, timeout=10)

    def rows(self) -> tuple[int, int]:
        with self.bot.app.services.db.session() as session:
            events = session.exec(select(func.count()).select_from(InboxEvent)).one()
            outbox = session.exec(select(func.count()).select_from(OutboxMessage)).one()
        return int(events), int(outbox)

    def sent(self) -> int:
        slack = sum(len(self.bot.slack.calls(m)) for m in ("chat.postMessage", "chat.postEphemeral"))
        feishu = [
            r
            for r in self.bot.feishu.recorder.requests
            if "/im/v1/messages" in r.path or "ephemeral" in r.path
        ]
        return slack + len(feishu)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    with (
        wire_bot(migrated_sqlite(tmp_path / "workspaces.db")) as bot,
        serve_asgi(create_asgi_app(bot.app)) as url,
    ):
        yield Served(bot, url)


def ignored_lines(caplog: pytest.LogCaptureFixture, platform: str) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.getMessage().startswith(f"{platform} ") and "ignored" in r.getMessage()
    ]


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param(lambda: fresh_slack("app_mention_other_team"), id="another team, a PM's user id"),
        pytest.param(lambda: fresh_slack("app_mention_other_app"), id="another app id"),
        pytest.param(
            lambda: {
                **slack_event("requests status 1 planned", user="UPM"),
                "enterprise_id": "E999",
                "team_id": "T998",
            },
            id="another enterprise",
        ),
    ],
)
def test_signed_slack_event_from_elsewhere_is_acked_and_ignored(
    served: Served, caplog: pytest.LogCaptureFixture, payload: Any
) -> None:
    caplog.set_level(logging.INFO)
    response = served.slack(payload())
    assert response.status_code == 200 and response.text == ""
    assert len(ignored_lines(caplog, "slack")) == 1
    # a request from our own team afterwards is answered: the foreign one left nothing behind
    assert served.slack(slack_event("help")).status_code == 200
    served.bot.slack.wait("chat.postEphemeral", 1)
    assert served.bot.app.dispatcher.wait_idle(timeout=10)
    assert served.rows()[0] == 1 and served.sent() == 1


def test_signed_slash_command_from_another_team_is_ignored(
    served: Served, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    form = load("slack", "slash_command")
    response = served.slack_command({**form, "team_id": "T999", "text": "status 1 planned", "user_id": "UPM"})
    assert response.status_code == 200 and response.text == ""
    assert len(ignored_lines(caplog, "slack")) == 1
    assert served.bot.app.dispatcher.wait_idle(timeout=10)
    assert served.rows() == (0, 0) and served.sent() == 0


def test_slack_connect_user_gets_a_polite_refusal(served: Served) -> None:
    payload = fresh_slack("app_mention_slack_connect")
    assert served.slack(payload).status_code == 200
    (note,) = served.bot.slack.wait("chat.postEphemeral", 1)
    assert note["user"] == "UEXT1" and note["channel"] == "CSHARED"
    assert "our own workspace" in note["text"] and "抱歉" in note["text"]
    assert served.bot.app.dispatcher.wait_idle(timeout=10)
    assert not served.bot.slack.calls("chat.postMessage")  # no answer, no escalation to the PMs
    assert EXTERNAL_REFUSAL.where == "ephemeral"


def test_slack_connect_events_naming_the_partners_workspace_are_served(served: Served) -> None:
    """In a channel hosted by the other organisation the envelope's team_id is theirs and ours is in
    `authorizations`: the partner's user gets the refusal and our rep the answer (both were dropped)."""
    assert served.slack(fresh_slack("app_mention_slack_connect_partner_hosted")).status_code == 200
    assert served.slack(fresh_slack("app_mention_slack_connect_our_user")).status_code == 200
    notes = served.bot.slack.wait("chat.postEphemeral", 2)
    by_user = {note["user"]: note["text"] for note in notes}
    assert "our own workspace" in by_user["UEXT1"]
    assert "SalesBridge commands" in by_user["U222"]
    assert {note["channel"] for note in notes} == {"CPARTNER"}


@pytest.mark.parametrize("name", ["group_mention_other_tenant", "group_mention_other_app"])
def test_encrypted_feishu_event_from_another_tenant_or_app_is_acked_and_ignored(
    served: Served, caplog: pytest.LogCaptureFixture, name: str
) -> None:
    caplog.set_level(logging.INFO)
    payload = fresh_feishu(name)
    payload["event"]["message"]["content"] = json.dumps({"text": "@_user_1 role grant @_user_2 pm"})
    payload["event"]["sender"]["sender_id"]["open_id"] = "ou_admin"  # an admin's id, from elsewhere
    response = served.feishu(payload)
    assert response.status_code == 200
    assert len(ignored_lines(caplog, "feishu")) == 1
    assert served.bot.app.dispatcher.wait_idle(timeout=10)
    assert served.rows() == (0, 0) and served.sent() == 0
    with served.bot.app.services.db.session() as session:
        assert not session.exec(select(RoleGrant)).all()


def test_encrypted_feishu_card_click_from_another_tenant_is_ignored(served: Served) -> None:
    payload = fresh_feishu("card_action")
    payload["header"]["tenant_key"] = "9f8e7d6c5b4a3210"
    response = served.feishu(payload)
    assert response.status_code == 200 and response.json() == {}
    assert served.bot.app.dispatcher.wait_idle(timeout=10)
    assert served.rows() == (0, 0) and served.sent() == 0
