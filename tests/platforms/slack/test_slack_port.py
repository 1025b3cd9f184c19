"""SlackPort against the fake Slack Web API: which method is called, with what, and how errors map."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from bot.chat_text import mention
from bot.config import Settings
from bot.errors import DeliveryError
from bot.messages import Address, Attachment, Button, Form, FormInput, IncomingMessage, Kind, Reply, Sent
from bot.platforms.slack import SlackPort, create_port
from bot.platforms.slack.codec import OPEN_FORM_ACTION, decode_form_context, original_action_id, unpack_form
from tests.fakes.slack_api import BOT_TOKEN, FakeSlackApi, serve_slack_api


@pytest.fixture(scope="module")
def server() -> Iterator[FakeSlackApi]:
    with serve_slack_api() as fake:
        yield fake


@pytest.fixture
def api(server: FakeSlackApi) -> FakeSlackApi:
    server.reset()
    return server


@pytest.fixture
def port(api: FakeSlackApi) -> SlackPort:
    settings = Settings(_env_file=None, SLACK_BOT_TOKEN=SecretStr(BOT_TOKEN), SLACK_API_URL=api.url)  # type: ignore[call-arg]
    return create_port(settings)


def test_threaded_message(api: FakeSlackApi, port: SlackPort) -> None:
    reply = Reply(text=f"**hi** {mention('U9')}", buttons=[Button(action_id="a.b", label="Go", value="1")])
    sent = port.send(Address(platform="slack", conversation="C1", thread="1.5"), reply)
    (call,) = api.calls("chat.postMessage")
    assert call["channel"] == "C1" and call["thread_ts"] == "1.5"
    assert call["text"] == "*hi* <@U9>"
    assert original_action_id(call["blocks"][1]["elements"][0]["action_id"]) == "a.b"
    assert call["unfurl_links"] is False
    assert sent.conversation == "C1" and sent.message_id.startswith("1800000000.")
    assert api.recorder.to("/api/chat.postMessage")[0].headers["Authorization"] == f"Bearer {BOT_TOKEN}"


def test_user_only_address_opens_a_dm(api: FakeSlackApi, port: SlackPort) -> None:
    sent = port.send(Address(platform="slack", user="U42"), Reply(text="psst"))
    assert api.calls("conversations.open")[0]["users"] == "U42"
    assert api.calls("chat.postMessage")[0]["channel"] == "D42"
    assert sent.conversation == "D42"


def test_ephemeral_uses_post_ephemeral(api: FakeSlackApi, port: SlackPort) -> None:
    address = Address(platform="slack", conversation="C1", user="U1", ephemeral=True, thread="1.1")
    port.send(address, Reply(text="only you"))
    (call,) = api.calls("chat.postEphemeral")
    assert (call["channel"], call["user"], call["thread_ts"]) == ("C1", "U1", "1.1")
    assert not api.calls("chat.postMessage")


def test_reply_url_posts_an_ephemeral_response(api: FakeSlackApi, port: SlackPort) -> None:
    address = Address(
        platform="slack", conversation="C1", user="U1", ephemeral=True, reply_url=api.hook_url()
    )
    port.send(address, Reply(text="Usage / 用法"))
    (hook,) = api.recorder.to("/hooks/commands/T111/1/cmd")
    body = hook.json()
    assert body["response_type"] == "ephemeral" and body["replace_original"] is False
    assert body["text"] == "Usage / 用法"
    assert "Authorization" not in hook.headers
    assert not api.calls("chat.postEphemeral")


def test_expired_reply_url_falls_back_to_post_ephemeral(api: FakeSlackApi, port: SlackPort) -> None:
    expired = f"{api.base}/hooks/expired/T111/1/old"
    port.send(
        Address(platform="slack", conversation="C1", user="U1", ephemeral=True, reply_url=expired),
        Reply(text="late"),
    )
    assert len(api.recorder.to("/hooks/expired/T111/1/old")) == 1
    (call,) = api.calls("chat.postEphemeral")
    assert (call["channel"], call["user"], call["text"]) == ("C1", "U1", "late")


def test_expired_reply_url_without_channel_is_a_permanent_error(api: FakeSlackApi, port: SlackPort) -> None:
    expired = f"{api.base}/hooks/expired/T111/1/old"
    with pytest.raises(DeliveryError) as err:
        port.send(Address(platform="slack", user="U1", ephemeral=True, reply_url=expired), Reply(text="x"))
    assert err.value.permanent


def test_update_uses_chat_update(api: FakeSlackApi, port: SlackPort) -> None:
    port.update(Sent(platform="slack", conversation="C1", message_id="1.9"), Reply(text="done"))
    (call,) = api.calls("chat.update")
    assert (call["channel"], call["ts"], call["text"]) == ("C1", "1.9", "done")


def test_attachment_is_uploaded_with_files_upload_v2(api: FakeSlackApi, port: SlackPort) -> None:
    reply = Reply(text="Export", attachment=Attachment(filename="requests.csv", content="id,title\n1,SSO\n"))
    port.send(Address(platform="slack", conversation="C1", thread="1.5"), reply)
    assert api.calls("chat.postMessage")[0]["text"] == "Export"
    assert api.calls("files.getUploadURLExternal")[0]["filename"] == "requests.csv"
    (upload,) = [r for r in api.recorder.requests if r.path.startswith("/upload/v1/")]
    assert upload.body == b"id,title\n1,SSO\n"
    complete = api.calls("files.completeUploadExternal")[0]
    assert complete["channel_id"] == "C1" and complete["thread_ts"] == "1.5"
    assert json.loads(complete["files"])[0]["title"] == "requests.csv"


def test_ephemeral_attachment_goes_to_the_users_dm(api: FakeSlackApi, port: SlackPort) -> None:
    address = Address(platform="slack", conversation="C1", user="U7", ephemeral=True)
    port.send(address, Reply(text="Your export", attachment=Attachment(filename="a.txt", content="a")))
    assert "direct message" in json.dumps(api.calls("chat.postEphemeral")[0]["blocks"])
    assert api.calls("files.completeUploadExternal")[0]["channel_id"] == "D7"


def test_open_form_sends_the_modal_with_its_origin(api: FakeSlackApi, port: SlackPort) -> None:
    msg = IncomingMessage(
        platform="slack",
        conversation="C1",
        user="U1",
        kind=Kind.COMMAND,
        thread="1.1",
        trigger_id="trig",
        raw={"response_url": "https://hooks/x"},
    )
    form = Form(
        form_id="request.new", title="New", inputs=[FormInput(name="t", label="T")], private_value="9"
    )
    port.open_form(msg, form)
    (call,) = api.calls("views.open")
    assert call["trigger_id"] == "trig"
    assert call["view"]["callback_id"] == "request.new"
    context = decode_form_context(call["view"]["private_metadata"])
    assert (context.value, context.channel, context.thread, context.response_url) == (
        "9",
        "C1",
        "1.1",
        "https://hooks/x",
    )


def test_form_without_a_trigger_is_offered_as_an_open_form_button(api: FakeSlackApi, port: SlackPort) -> None:
    msg = IncomingMessage(platform="slack", conversation="C1", user="U1", thread="1.1", mentions_bot=True)
    form = Form(
        form_id="request.new", title="New request", inputs=[FormInput(name="t", label="T")], private_value="9"
    )
    port.open_form(msg, form)
    assert not api.calls("views.open")
    (call,) = api.calls("chat.postEphemeral")
    assert (call["channel"], call["user"], call["thread_ts"]) == ("C1", "U1", "1.1")
    button = call["blocks"][-1]["elements"][0]
    assert original_action_id(button["action_id"]) == OPEN_FORM_ACTION
    packed_form, context = unpack_form(button["value"])
    assert packed_form == form
    assert (context.value, context.channel, context.thread) == ("9", "C1", "1.1")


def test_expired_trigger_falls_back_to_the_button(api: FakeSlackApi, port: SlackPort) -> None:
    api.fail("views.open", "expired_trigger_id")
    msg = IncomingMessage(platform="slack", conversation="C1", user="U1", kind=Kind.COMMAND, trigger_id="old")
    port.open_form(msg, Form(form_id="f", title="F", inputs=[FormInput(name="t", label="T")]))
    assert len(api.calls("views.open")) == 1
    assert api.calls("chat.postEphemeral")[0]["blocks"][-1]["type"] == "actions"


def test_a_form_too_large_for_a_button_gets_a_bilingual_hint(api: FakeSlackApi, port: SlackPort) -> None:
    import secrets

    noise = [(secrets.token_hex(16), secrets.token_hex(16)) for _ in range(100)]
    form = Form(form_id="f", title="Huge", inputs=[FormInput(name="pick", label="Pick", options=noise)])
    port.open_form(IncomingMessage(platform="slack", conversation="C1", user="U1"), form)
    (call,) = api.calls("chat.postEphemeral")
    assert "slash command" in call["text"] and "斜杠命令" in call["text"]
    assert all(b["type"] != "actions" for b in call["blocks"])


def test_members_paginate_and_skip_bots(api: FakeSlackApi, port: SlackPort) -> None:
    api.state.members["C1"] = ["U1", "UBOT", "U2", "B5", "U3"]
    api.state.bots.add("B5")
    assert port.members("C1") == ["U1", "U2", "U3"]
    assert len(api.calls("conversations.members")) == 3  # pages of two


def test_rate_limit_carries_retry_after(api: FakeSlackApi, port: SlackPort) -> None:
    api.rate_limit("chat.postMessage", times=1, retry_after=7)
    with pytest.raises(DeliveryError) as err:
        port.send(Address(platform="slack", conversation="C1"), Reply(text="x"))
    assert err.value.retry_after == 7 and not err.value.permanent
    port.send(Address(platform="slack", conversation="C1"), Reply(text="x"))  # the next call goes through


@pytest.mark.parametrize(
    ("code", "permanent"),
    [
        ("channel_not_found", True),
        ("not_in_channel", True),
        ("is_archived", True),
        ("invalid_auth", True),
        ("internal_error", False),
        ("fatal_error", False),
    ],
)
def test_error_codes_map_to_permanent_or_transient(
    api: FakeSlackApi, port: SlackPort, code: str, permanent: bool
) -> None:
    api.fail("chat.postMessage", code)
    with pytest.raises(DeliveryError) as err:
        port.send(Address(platform="slack", conversation="C1"), Reply(text="x"))
    assert err.value.permanent is permanent
    assert code in str(err.value)


def test_connection_failure_is_transient() -> None:
    settings = Settings(
        _env_file=None, SLACK_BOT_TOKEN=SecretStr(BOT_TOKEN), SLACK_API_URL="http://127.0.0.1:9/api/"
    )  # type: ignore[call-arg]
    with pytest.raises(DeliveryError) as err:
        create_port(settings).send(Address(platform="slack", conversation="C1"), Reply(text="x"))
    assert not err.value.permanent


def test_command_reply_in_a_channel_the_bot_has_not_joined_goes_through_response_url(
    api: FakeSlackApi, port: SlackPort
) -> None:
    api.fail("chat.postMessage", "not_in_channel")
    address = Address(platform="slack", conversation="CPRIV", reply_url=api.hook_url())
    port.send(address, Reply(text="logged #7"))
    (hook,) = api.recorder.to("/hooks/commands/T111/1/cmd")
    assert hook.json()["response_type"] == "in_channel" and "logged #7" in hook.json()["text"]


def test_channel_reply_with_response_url_still_posts_normally(api: FakeSlackApi, port: SlackPort) -> None:
    port.send(Address(platform="slack", conversation="C1", reply_url=api.hook_url()), Reply(text="hi"))
    assert api.calls("chat.postMessage")[0]["channel"] == "C1"
    assert not api.recorder.to("/hooks/commands/T111/1/cmd")
