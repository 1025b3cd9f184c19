"""Slack payloads (real shapes, tests/payloads/slack/) → IncomingMessage."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bot.messages import Kind
from bot.platforms.slack import translate
from bot.platforms.slack.codec import FormContext, decode_form_context, encode_form_context

PAYLOADS = Path(__file__).resolve().parents[2] / "payloads" / "slack"


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((PAYLOADS / f"{name}.json").read_text(encoding="utf-8"))
    return data


def test_app_mention_strips_only_the_bot_mention_and_threads_on_its_own_ts() -> None:
    msg = translate.from_event(load("app_mention"))
    assert msg is not None
    assert msg.kind is Kind.MESSAGE
    assert msg.mentions_bot and not msg.is_direct and not msg.in_thread
    assert msg.text == "role grant <@U333> pm & more"
    assert (msg.conversation, msg.user, msg.workspace) == ("C111", "U222", "T111")
    assert msg.thread == msg.message_id == "1700000000.000100"
    assert msg.event_id == "Ev0001"


def test_app_mention_inside_a_thread_replies_in_that_thread_and_unwraps_links() -> None:
    msg = translate.from_event(load("app_mention_in_thread"))
    assert msg is not None
    assert msg.thread == "1699999999.000001"
    assert msg.message_id == "1700000100.000300"
    assert msg.in_thread
    assert msg.text == "what about pricing (https://acme.example/pricing)?"


def test_thread_reply_without_mention_reaches_thread_listeners() -> None:
    msg = translate.from_event(load("thread_reply"))
    assert msg is not None
    assert msg.in_thread and not msg.mentions_bot and not msg.is_direct
    assert msg.thread == "1700000000.000100"
    assert msg.text == "follow-up"
    assert not msg.addressed_to_bot  # the router only offers it to thread listeners


def test_direct_message_is_direct() -> None:
    msg = translate.from_event(load("dm"))
    assert msg is not None
    assert msg.is_direct and not msg.in_thread
    assert (msg.conversation, msg.text, msg.event_id) == ("D111", "help", "Ev0004")


@pytest.mark.parametrize(
    "name",
    ["channel_message", "channel_message_with_mention", "bot_message", "message_changed"],
)
def test_messages_the_bot_must_not_answer_are_dropped(name: str) -> None:
    assert translate.from_event(load(name)) is None


def test_own_messages_are_dropped_even_without_bot_id() -> None:
    body = load("dm")
    body["event"]["user"] = "UBOT"
    assert translate.from_event(body) is None


def test_bot_user_id_from_context_wins_over_authorizations() -> None:
    body = load("app_mention")
    body["authorizations"] = []
    body["event"]["text"] = "<@UOTHERBOT> hi"
    msg = translate.from_event(body, bot_user_id="UOTHERBOT")
    assert msg is not None and msg.text == "hi"


def test_file_share_and_thread_broadcast_subtypes_are_kept() -> None:
    body = load("dm")
    body["event"]["subtype"] = "file_share"
    assert translate.from_event(body) is not None


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("subtype", []),
        ("subtype", {"x": 1}),
        ("user", ["U222"]),
        ("channel", {"id": "C111"}),
        ("ts", 1700000000),
    ],
)
def test_an_event_with_a_field_of_the_wrong_type_is_not_a_message(key: str, value: Any) -> None:
    body = load("app_mention")
    body["event"][key] = value
    assert translate.from_event(body) is None  # not a crash, nor a message from user "['U222']"


def test_a_text_or_thread_of_the_wrong_type_counts_as_absent() -> None:
    body = load("app_mention")
    body["event"].update(text=["role"], thread_ts={"ts": "1"})
    msg = translate.from_event(body)
    assert msg is not None and msg.text == "" and msg.thread == msg.message_id == "1700000000.000100"


def test_slash_command_main_word_passes_text_through() -> None:
    msg = translate.from_command(load("slash_command"))
    assert msg is not None
    assert msg.kind is Kind.COMMAND
    assert msg.text == "role grant <@U333>"
    assert msg.raw["response_url"] == "https://hooks.slack.com/commands/T111/1234/abcd"
    assert msg.trigger_id == "111.222.cmd"
    assert msg.event_id == "command:111.222.cmd"
    assert msg.user_name == "sam" and not msg.is_direct


def test_shortcut_slash_command_prefixes_its_word_and_decodes_entities() -> None:
    msg = translate.from_command(load("slash_command_shortcut"))
    assert msg is not None
    assert msg.text == 'request SSO login customer:"Acme Corp" <urgent>'
    assert msg.is_direct  # issued in a DM with the bot


def test_unknown_slash_command_is_ignored() -> None:
    form = load("slash_command") | {"command": "/weather"}
    assert translate.from_command(form) is None


def test_block_action_restores_the_original_action_id() -> None:
    msg = translate.from_block_action(load("block_actions"))
    assert msg is not None
    assert msg.kind is Kind.ACTION
    assert (msg.action_id, msg.action_value) == ("request.vote", "12")
    assert msg.thread == "1700000000.000100"
    assert msg.message_id == "1700000010.000100"
    assert msg.trigger_id == "111.222.abc"
    assert msg.raw["response_url"].endswith("/actions/T111/1/xyz")


def test_block_action_select_value() -> None:
    body = load("block_actions")
    body["actions"] = [
        {"action_id": "request.status::0", "type": "static_select", "selected_option": {"value": "done"}}
    ]
    msg = translate.from_block_action(body)
    assert msg is not None and (msg.action_id, msg.action_value) == ("request.status", "done")


def test_view_submission_becomes_a_form_back_in_its_channel() -> None:
    msg = translate.from_view_submission(load("view_submission"))
    assert msg is not None
    assert msg.kind is Kind.FORM
    assert msg.form_id == "request.new"
    assert dict(msg.form) == {"title": "SSO login", "details": "", "priority": "high"}
    assert msg.action_value == "42"
    assert (msg.conversation, msg.thread) == ("C111", "1700000000.000100")
    assert msg.raw["response_url"] == "https://hooks.slack.com/commands/T111/1234/abcd"


def test_view_we_did_not_encode_falls_back_to_a_dm_and_raw_metadata() -> None:
    body = load("view_submission")
    body["view"]["private_metadata"] = "plain-value"
    msg = translate.from_view_submission(body)
    assert msg is not None
    assert msg.action_value == "plain-value"
    assert msg.conversation == "U222" and msg.is_direct


def test_message_shortcut_becomes_request_from_message() -> None:
    msg = translate.from_message_shortcut(load("message_shortcut"))
    assert msg is not None
    assert msg.kind is Kind.ACTION and msg.action_id == "request.from_message"
    assert msg.trigger_id == "111.222.msg"
    value = json.loads(msg.action_value)
    assert value == {
        "text": "Customer https://acme.example needs SAML & SCIM".replace(
            "https://acme.example", "Acme (https://acme.example)"
        ),
        "link": "https://acme.slack.com/archives/C111/p1700000500000900",
        "author": "U444",
        "channel": "C111",
        "ts": "1700000500.000900",
    }


def test_other_shortcuts_are_ignored() -> None:
    assert translate.from_message_shortcut(load("message_shortcut") | {"callback_id": "other"}) is None


def test_form_context_round_trip_and_limit() -> None:
    context = FormContext(value="7", channel="C1", thread="1.2", response_url="https://h/x")
    assert decode_form_context(encode_form_context(context)) == context
    long = FormContext(value="v" * 2990, channel="C1", response_url="https://hooks/" + "x" * 100)
    encoded = encode_form_context(long)
    assert len(encoded) <= 3000 or "r" not in json.loads(encoded)
    assert decode_form_context(encoded).response_url == ""
    assert decode_form_context('{"unexpected": 1}').value == '{"unexpected": 1}'


def test_an_edited_mention_is_not_answered_again() -> None:
    # Slack sends app_mention again, with a new event_id and `edited`, when the message is edited
    assert translate.from_event(load("app_mention_edited")) is None
    body = load("app_mention_edited")
    del body["event"]["edited"]
    msg = translate.from_event(body)
    assert msg is not None and msg.text == "what does Growth cost per seat?"


def test_user_groups_and_dates_read_as_slack_shows_them() -> None:
    msg = translate.from_event(load("app_mention_rich_text"))
    assert msg is not None
    assert msg.text == (
        "can @pm-team confirm SSO ships by Jan 1, 2026? see the spec (https://acme.example/sso)"
    )
    assert translate.clean_text("ping <!subteam^S0123>") == "ping @S0123"
    assert translate.clean_text("post in <#C0123|sales>") == "post in <#C0123|sales>"  # targets parse these


@pytest.mark.parametrize("name", ["app_home_opened", "member_joined_channel"])
def test_other_events_are_not_messages(name: str) -> None:
    assert translate.from_event(load(name)) is None


def test_block_action_in_a_modal_answers_where_the_modal_was_opened() -> None:
    msg = translate.from_block_action(load("block_actions_in_modal"))
    assert msg is not None
    assert (msg.action_id, msg.action_value) == ("request.tier", "gold")
    assert (msg.conversation, msg.thread, msg.message_id) == ("C111", "1700000000.000100", None)
    assert msg.in_thread and not msg.is_direct


def test_block_action_in_a_modal_we_did_not_open_answers_in_the_dm() -> None:
    body = load("block_actions_in_modal")
    body["view"]["private_metadata"] = ""
    msg = translate.from_block_action(body)
    assert msg is not None
    assert (msg.conversation, msg.thread) == ("U222", None) and msg.is_direct


def test_block_action_in_an_ephemeral_message_does_not_thread_under_it() -> None:
    msg = translate.from_block_action(load("block_actions_ephemeral"))
    assert msg is not None
    assert (msg.conversation, msg.thread, msg.message_id, msg.in_thread) == ("C111", None, None, False)
    assert msg.raw["response_url"].endswith("/actions/T111/3/eph")
    body = load("block_actions_ephemeral")
    body["container"]["thread_ts"] = "1700000000.000100"  # shown inside a thread
    msg = translate.from_block_action(body)
    assert msg is not None and (msg.thread, msg.in_thread) == ("1700000000.000100", True)


def test_block_action_checkboxes_and_multi_selects_give_every_value() -> None:
    msg = translate.from_block_action(load("block_actions_checkboxes"))
    assert msg is not None and (msg.action_id, msg.action_value) == ("announce.regions", "cn,us")
    body = load("block_actions_checkboxes")
    body["actions"] = [{"type": "multi_users_select", "action_id": "x::0", "selected_users": ["U1", "U2"]}]
    msg = translate.from_block_action(body)
    assert msg is not None and msg.action_value == "U1,U2"


def test_view_submission_reads_every_input_type() -> None:
    msg = translate.from_view_submission(load("view_submission_all_inputs"))
    assert msg is not None
    assert dict(msg.form) == {
        "title": "SAML SSO",
        "details": "",
        "tier": "gold",
        "urgency": "",
        "regions": "cn,sg",
        "flags": "",
        "owner": "U333",
        "watchers": "U333,U444",
        "channel": "C222",
        "channels": "C222,G333",
        "public": "C444",
        "due": "2026-12-01",
        "at": "09:30",
        "when": "2025-12-01T01:30:00+00:00",
        "arr": "120000",
        "contact": "ann@acme.example",
        "link": "https://acme.example/rfp",
        "notes": "Needed for Acme, ask <@U333>\n• Okta\n• https://azure.example",
    }
