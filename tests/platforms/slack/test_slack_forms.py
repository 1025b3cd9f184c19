"""A request form submitted with wrong fields (real-shaped view_submission): the bolt App answers inside the
ack with `response_action: "errors"` keyed by the modal's input blocks, every error at once, and nothing
reaches the dispatcher; a correct submission is acked empty and submitted."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from slack_bolt import BoltRequest
from slack_sdk import WebClient

from bot.messages import IncomingMessage
from bot.platforms.slack import translate
from bot.platforms.slack.inbound import build_bolt_app, view_errors
from tests.fakes.harness import Harness
from tests.fakes.slack_api import BOT_TOKEN, FakeSlackApi, serve_slack_api

PAYLOADS = Path(__file__).resolve().parents[2] / "payloads" / "slack"


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((PAYLOADS / f"{name}.json").read_text(encoding="utf-8"))
    return data


@pytest.fixture(scope="module")
def slack_api() -> Iterator[FakeSlackApi]:
    with serve_slack_api() as api:
        yield api


def _dispatch(bot: Harness, api: FakeSlackApi, body: dict[str, Any]) -> tuple[Any, list[IncomingMessage]]:
    submitted: list[IncomingMessage] = []
    app = build_bolt_app(
        client=WebClient(token=BOT_TOKEN, base_url=api.url),
        signing_secret="",
        submit=submitted.append,
        validate=lambda msg: bot.app.router.validate_form(msg, bot.services),
    )
    response = app.dispatch(
        BoltRequest(
            body=urlencode({"payload": json.dumps(body)}),
            headers={"content-type": "application/x-www-form-urlencoded"},
        )
    )
    return response, submitted


def test_wrong_fields_keep_the_modal_open_with_every_error_under_its_field(
    bot: Harness, slack_api: FakeSlackApi
) -> None:
    response, submitted = _dispatch(bot, slack_api, load("view_submission_request_invalid"))
    assert response.status == 200
    answer = json.loads(response.body)
    assert answer["response_action"] == "errors"
    errors = answer["errors"]
    assert set(errors) == {"arr", "area"}  # both wrong fields at once, keyed by the input blocks
    assert (
        "about three hundred k" in errors["arr"]
        and "120k" in errors["arr"]
        and "无法识别金额" in errors["arr"]
    )
    assert "at most 100" in errors["area"] and "产品模块太长" in errors["area"]
    assert submitted == []
    with bot.services.db.session() as session:
        from sqlmodel import select

        from bot.models import FeatureRequest

        assert session.exec(select(FeatureRequest)).all() == []


def test_a_correct_submission_is_acked_empty_and_submitted(bot: Harness, slack_api: FakeSlackApi) -> None:
    body = copy.deepcopy(load("view_submission_request_invalid"))
    values = body["view"]["state"]["values"]
    values["arr"]["arr"]["value"] = "300k"
    values["area"]["area"]["value"] = "Contacts"
    response, submitted = _dispatch(bot, slack_api, body)
    assert (response.status, response.body) == (200, "")
    [msg] = submitted
    assert msg.form["arr"] == "300k" and msg.form["tier"] == "diamond"


def test_view_errors_only_name_the_views_input_blocks() -> None:
    view = load("view_submission_request_invalid")["view"]
    assert view_errors(view, {"arr": "bad", "elsewhere": "lost?"}) == {"arr": "bad lost?"}
    assert view_errors(view, {"nowhere": "kept"}) == {"description": "kept"}
    assert view_errors(view, {}) == {}


def test_the_payload_translates_to_the_request_form() -> None:
    msg = translate.from_view_submission(load("view_submission_request_invalid"))
    assert msg is not None and msg.form_id == "request.new"
    assert msg.form["arr"] == "about three hundred k" and msg.conversation == "C111"
