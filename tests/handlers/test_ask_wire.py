"""Knowledge-base Q&A over the Slack wire: signed events into the real ASGI app, answers and escalations on
the fake Slack Web API, the PM's Answer button → modal → submission → answer in the asker's thread."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from salesbridge.app import build_application
from salesbridge.server import create_asgi_app
from tests.fakes.feishu_api import serve_feishu_api
from tests.fakes.harness import make_settings
from tests.fakes.servers import serve_asgi
from tests.fakes.slack_api import FakeSlackApi, serve_slack_api
from tests.handlers.test_ask import PAYPAL_ANSWER, UNKNOWN
from tests.sample_kb import copy_database
from tests.wire.test_feishu_webhook import KEY, TOKEN, FeishuWire, group_message, load
from tests.wire.test_slack_wire import SlackBot, payload, serve_slack_bot

pytestmark = pytest.mark.wire


@pytest.fixture
def served(sample_database: Path, tmp_path: Path) -> Iterator[SlackBot]:
    database = copy_database(sample_database, tmp_path)
    with serve_slack_api() as api, serve_slack_bot(api, database) as bot:
        yield bot


def blocks_text(call: dict[str, Any]) -> str:
    blocks = call.get("blocks")
    return json.dumps(json.loads(blocks) if isinstance(blocks, str) else blocks, ensure_ascii=False)


def find_button(call: dict[str, Any], prefix: str) -> dict[str, Any]:
    blocks = call["blocks"] if not isinstance(call["blocks"], str) else json.loads(call["blocks"])
    for block in blocks:
        for element in block.get("elements", []) if block.get("type") == "actions" else []:
            if element.get("action_id", "").startswith(prefix):
                return dict(element)
    raise AssertionError(f"no {prefix} button in {blocks}")


def test_question_answer_and_escalation_round_trip_over_slack(served: SlackBot) -> None:
    api: FakeSlackApi = served.api
    (ask_known := payload("app_mention", text="<@UBOT> Do we support HIPAA?"))["event_id"] = "EvAsk1"
    assert served.event(ask_known).status_code == 200
    (placeholder,) = api.wait("chat.postMessage")
    assert placeholder["text"] == "Looking it up…" and placeholder["thread_ts"] == "1700000000.000100"
    (update,) = api.wait("chat.update")
    assert "not HIPAA compliant" in update["text"] and "Sales FAQ" in blocks_text(update)
    find_button(update, "kb.feedback.up")

    unknown = payload("app_mention", text=f"<@UBOT> {UNKNOWN}", ts="1700000200.000100", user="U222")
    unknown["event_id"] = "EvAsk2"
    assert served.event(unknown).status_code == 200
    posts = api.wait("chat.postMessage", 3)
    (escalation,) = [c for c in posts if c["channel"] == "CPM"]
    assert UNKNOWN in blocks_text(escalation)
    button = find_button(escalation, "kb.answer")

    click = payload("block_actions")
    click["user"] = {"id": "UPM", "username": "pat", "name": "pat", "team_id": "T111"}
    click["container"] = {"type": "message", "message_ts": "1700000300.000100", "channel_id": "CPM"}
    click["channel"] = {"id": "CPM", "name": "pm"}
    click["actions"] = [{"action_id": button["action_id"], "value": button["value"], "type": "button"}]
    click["trigger_id"] = "t.answer"
    assert served.interactive(click).status_code == 200
    (opened,) = api.wait("views.open")
    assert opened["trigger_id"] == "t.answer" and opened["view"]["callback_id"] == "kb.answer"

    submission = payload("view_submission")
    submission["user"] = click["user"]
    submission["view"].update(
        id="VANSWER1",
        callback_id="kb.answer",
        private_metadata=opened["view"]["private_metadata"],
        state={"values": {"answer": {"answer": {"type": "plain_text_input", "value": PAYPAL_ANSWER}}}},
    )
    assert served.interactive(submission).status_code == 200
    posts = api.wait("chat.postMessage", 5)
    (delivered,) = [c for c in posts if c["channel"] == "C111" and PAYPAL_ANSWER in c.get("text", "")]
    assert delivered["thread_ts"] == "1700000200.000100"  # the asker's thread
    (confirmation,) = [c for c in posts if c["channel"] == "CPM" and "1 asker" in c.get("text", "")]
    assert confirmation is not None


# --- Feishu ---------------------------------------------------------------------------------------------


@pytest.fixture
def feishu(sample_database: Path, tmp_path: Path) -> Iterator[FeishuWire]:
    database = copy_database(sample_database, tmp_path)
    with serve_feishu_api() as api:
        settings = make_settings(
            database,
            FEISHU_APP_ID=f"cli_{uuid.uuid4().hex[:12]}",
            FEISHU_APP_SECRET="app-secret",
            FEISHU_VERIFICATION_TOKEN=TOKEN,
            FEISHU_ENCRYPT_KEY=KEY,
            FEISHU_DOMAIN=api.url,
        )
        app = build_application(settings, migrate=False)  # a copy of the migrated sample database
        try:
            with serve_asgi(create_asgi_app(app)) as url:
                yield FeishuWire(app=app, url=url, api=api)
        finally:
            app.stop()
            app.services.db.dispose()


def card_event(
    name: str, *, user: str, chat: str, value: dict[str, str], form: dict[str, str] | None = None
) -> Any:
    data = load(name)
    data["header"]["event_id"] = uuid.uuid4().hex
    data["event"]["operator"]["open_id"] = user
    data["event"]["context"]["open_chat_id"] = chat
    data["event"]["action"]["value"] = value
    data["event"]["action"]["form_value"] = form or {}
    return data


def test_chinese_question_escalation_and_form_answer_over_feishu(feishu: FeishuWire) -> None:
    api = feishu.api
    assert (
        feishu.post(
            group_message("@_user_1 企业版有几个沙箱？", user="ou_rep", message_id="om_q1")
        ).status_code
        == 200
    )
    (placeholder,) = api.recorder.wait_for("/open-apis/im/v1/messages/om_q1/reply")
    assert "正在查找" in api.card_text(placeholder)
    feishu.idle()
    patched = [r for r in api.recorder.requests if r.method == "PATCH"]
    assert patched and "2 个沙箱" in api.card_text(patched[-1])

    assert (
        feishu.post(group_message(f"@_user_1 {UNKNOWN}", user="ou_rep", message_id="om_q2")).status_code
        == 200
    )
    feishu.idle()
    posts = [r for r in api.sent() if r.json().get("receive_id") == "oc_pm"]
    assert len(posts) == 1 and UNKNOWN in api.card_text(posts[0])

    click = card_event("card_action", user="ou_pm", chat="oc_pm", value={"action": "kb.answer", "value": "1"})
    assert feishu.post(click).status_code == 200
    feishu.idle()
    form_cards = [r for r in feishu.outgoing() if "Answer #1" in api.card_text(r)]
    assert form_cards, "the answer form card was not sent"

    submit = card_event(
        "form_submit",
        user="ou_pm",
        chat="oc_pm",
        value={"form": "kb.answer", "value": "1"},
        form={"answer": PAYPAL_ANSWER},
    )
    assert feishu.post(submit).status_code == 200
    (delivered,) = api.recorder.wait_for("/open-apis/im/v1/messages/om_q2/reply", 2)[1:]
    assert PAYPAL_ANSWER in api.card_text(delivered) and "<at id=ou_rep></at>" in api.card_text(delivered)
