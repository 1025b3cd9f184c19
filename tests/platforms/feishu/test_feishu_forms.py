"""A Feishu form card submitted with wrong fields (real-shaped card.action.trigger): the callback answers
at once with the same form card — every typed value kept as the inputs' values, each error in red under its
field — and an error toast; nothing is stored or dispatched. A correct form is dispatched as before."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.messages import IncomingMessage
from bot.platforms.feishu.inbound import FeishuInbound
from bot.platforms.feishu.render import render_form_card
from handlers.requests.capture import request_form
from tests.fakes.feishu_api import payload_feishu_harness
from tests.fakes.harness import Harness

PAYLOADS = Path(__file__).resolve().parents[2] / "payloads" / "feishu"


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((PAYLOADS / f"{name}.json").read_text(encoding="utf-8"))
    return data


@pytest.fixture
def bot(sqlite_url: str) -> Iterator[Harness]:
    """The harness as the app of the captured payloads (their `header.app_id` and `tenant_key`)."""
    harness = payload_feishu_harness(sqlite_url)
    yield harness
    harness.close()


def _inbound(bot: Harness) -> tuple[FeishuInbound, list[IncomingMessage]]:
    submitted: list[IncomingMessage] = []
    bot.app.dispatcher.submit = submitted.append  # type: ignore[method-assign,assignment]
    return FeishuInbound(bot.app.dispatcher), submitted


def _inputs(card: dict[str, Any]) -> dict[str, dict[str, Any]]:
    [form] = card["body"]["elements"]
    return {e["name"]: e for e in form["elements"] if e["tag"] in ("input", "select_static")}


def _texts(card: dict[str, Any]) -> str:
    [form] = card["body"]["elements"]
    return "\n".join(e.get("content", "") for e in form["elements"] if e["tag"] == "markdown")


def test_wrong_fields_come_back_in_the_same_card_with_what_was_typed(bot: Harness) -> None:
    inbound, submitted = _inbound(bot)
    answer = inbound.accept_card_action(load("form_submit_request_invalid"))
    assert answer["toast"]["type"] == "error" and "2" in answer["toast"]["content"]
    card = answer["card"]["data"]
    inputs = _inputs(card)
    assert inputs["description"]["default_value"] == "批量编辑联系人"
    assert inputs["customer"]["default_value"] == "伞公司"
    assert inputs["arr"]["default_value"] == "大约三十万"
    assert inputs["area"]["default_value"] == "联系人" * 40
    assert inputs["tier"]["initial_option"] == "diamond" and inputs["urgency"]["initial_option"] == "blocker"
    assert [o["value"] for o in inputs["tier"]["options"]] == ["diamond", "gold", "silver", "bronze"]
    notes = _texts(card)
    assert "无法识别金额" in notes and "产品模块太长" in notes and notes.count("color='red'") == 2
    # the re-rendered card can be submitted again: its button still names the form and carries the spec
    [form] = card["body"]["elements"]
    value = form["elements"][-1]["behaviors"][0]["value"]
    assert value["form"] == "request.new" and json.loads(value["spec"])["form_id"] == "request.new"
    assert json.loads(value["value"])["nonce"] == "5f0c2b7e9a1d4c3b8e6f0a2d4c6e8b1a"
    assert submitted == []


def test_a_correct_form_is_dispatched_and_replaced_by_its_summary(bot: Harness) -> None:
    inbound, submitted = _inbound(bot)
    payload = copy.deepcopy(load("form_submit_request_invalid"))
    payload["event"]["action"]["form_value"].update({"arr": "30万", "area": "联系人"})
    answer = inbound.accept_card_action(payload)
    assert answer["toast"]["type"] == "success" and "Submitted" in json.dumps(answer["card"])
    [msg] = submitted
    assert msg.form["arr"] == "30万"


def test_the_summary_of_a_submitted_form_reads_as_the_form_did(bot: Harness) -> None:
    """The read-only card that replaces a submitted form names each field by its label and a choice by its
    option text — it showed the input names ('description', 'arr') and raw values ('diamond')."""
    inbound, _submitted = _inbound(bot)
    payload = copy.deepcopy(load("form_submit_request_invalid"))
    payload["event"]["action"]["form_value"].update({"arr": "30万", "area": "联系人"})
    card = inbound.accept_card_action(payload)["card"]["data"]
    shown = [
        e["content"]
        for row in card["body"]["elements"]
        for column in row.get("columns", [])
        for e in column["elements"]
    ]
    assert shown[:4] == [
        "**What does the customer need?**\n批量编辑联系人",
        "**Customer**\n伞公司",
        "**Tier**\ndiamond / 钻石",
        "**Urgency**\nblocker / 阻塞",
    ]
    assert "**ARR (e.g. 120k, $50,000, ¥80万)**\n30万" in shown
    assert not any(text.startswith(("**description**", "**tier**")) for text in shown)


def test_the_form_card_carries_its_spec_and_lists_the_tiers() -> None:
    form = request_form(None, lang="zh").form  # type: ignore[arg-type]
    assert form is not None
    card = render_form_card(form)
    tier = _inputs(card)["tier"]
    assert [o["value"] for o in tier["options"]] == ["diamond", "gold", "silver", "bronze"]
