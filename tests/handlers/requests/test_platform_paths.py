"""Real-shaped Slack and Feishu payloads through the adapters' translators, the dispatcher and the outbox."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlmodel import col, func, select

from bot.models.requests import FeatureRequest
from bot.platforms.feishu.translate import message_event
from bot.platforms.slack.codec import FormContext, encode_form_context
from bot.platforms.slack.translate import from_message_shortcut, from_view_submission
from tests.fakes.chat import tokens
from tests.fakes.harness import Harness

PAYLOADS = Path(__file__).resolve().parents[2] / "payloads"


def _payload(name: str) -> dict[str, Any]:
    return json.loads((PAYLOADS / name).read_text(encoding="utf-8"))


def _requests(bot: Harness) -> list[FeatureRequest]:
    with bot.services.db.session() as session:
        return list(session.exec(select(FeatureRequest).order_by(col(FeatureRequest.id))))


def test_slack_shortcut_opens_a_prefilled_modal_and_its_submission_logs_once(bot: Harness) -> None:
    shortcut = from_message_shortcut(_payload("slack/message_shortcut.json"))
    assert shortcut is not None
    bot.process(shortcut)
    [(_, form)] = bot.slack.forms
    assert form.form_id == "request.new"
    assert form.inputs[0].initial == "Customer Acme (https://acme.example) needs SAML & SCIM"
    body = _payload("slack/view_submission.json")
    body["view"]["private_metadata"] = encode_form_context(
        FormContext(value=form.private_value, channel="C111", thread="1700000500.000900")
    )
    body["view"]["state"] = {
        "values": {
            "description": {"description": {"type": "plain_text_input", "value": "SAML and SCIM for Acme"}},
            "customer": {"customer": {"type": "plain_text_input", "value": "Acme"}},
            "tier": {"tier": {"type": "static_select", "selected_option": {"value": "gold"}}},
            "urgency": {"urgency": {"type": "static_select", "selected_option": {"value": "high"}}},
            "arr": {"arr": {"type": "plain_text_input", "value": "$50,000"}},
            "area": {"area": {"type": "plain_text_input", "value": None}},
        }
    }
    submission = from_view_submission(body)
    assert submission is not None
    bot.process(submission)
    bot.process(submission.evolve(event_id="view:V111:other-hash"))  # a double submit
    [request] = _requests(bot)
    assert request.source_link == "https://acme.slack.com/archives/C111/p1700000500000900"
    assert request.priority == "P1"
    shown = bot.seen(bot.say("requests show 1", user="U222", channel="C111")[0], on="slack")
    assert tokens("from a message by <@U444>") in shown.text
    confirmation = [p for p in bot.slack.posted if p.address.conversation == "C111"]
    assert confirmation[0].reply.title == "Logged feature request #1"


def test_feishu_thread_reply_logs_a_request_linked_to_the_root(bot: Harness) -> None:
    payload = _payload("feishu/thread_reply.json")
    payload["event"]["message"]["content"] = json.dumps({"text": "需求 导出审计日志 客户:某某银行 等级:金牌"})
    msg = message_event(payload, bot_open_id="ou_bot")
    assert msg is not None and msg.in_thread
    bot.process(msg)
    bot.process(msg)  # a redelivery
    [request] = _requests(bot)
    assert request.source_link == "feishu://oc_sales_group/om_thread_root_0001"
    assert request.created_platform == "feishu" and request.created_by == "ou_sales1"
    [posted] = bot.feishu.posted
    assert posted.address.thread == "om_thread_root_0001"
    assert posted.reply.title == "已记录需求 #1"
    with bot.services.db.session() as session:
        assert session.exec(select(func.count()).select_from(FeatureRequest)).one() == 1
