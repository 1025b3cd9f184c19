"""FeishuPort against the fake Feishu Open API: routing, cards, retries, error classification."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from bot.chat_text import mention
from bot.errors import DeliveryError
from bot.messages import Address, Attachment, Form, FormInput, IncomingMessage, Reply, Sent
from bot.platforms.feishu.port import FeishuPort, classify
from tests.fakes.feishu_api import FeishuFake, serve_feishu_api

pytestmark = pytest.mark.wire


@pytest.fixture(scope="module")
def server() -> Iterator[FeishuFake]:
    with serve_feishu_api() as fake:
        yield fake


@pytest.fixture
def fake(server: FeishuFake) -> FeishuFake:
    server.reset()
    return server


@pytest.fixture
def port(fake: FeishuFake) -> FeishuPort:
    # lark caches tenant tokens per app id, process-wide: a fresh app id per test
    return FeishuPort(
        app_id=f"cli_{uuid.uuid4().hex[:12]}", app_secret="s", domain=fake.url, sleep=lambda _s: None
    )


def feishu(**kwargs: Any) -> Address:
    return Address(platform="feishu", **kwargs)


def test_thread_reply_uses_the_reply_api(port: FeishuPort, fake: FeishuFake) -> None:
    sent = port.send(feishu(conversation="oc_1", thread="om_root"), Reply(text="hi **there**", title="T"))
    (call,) = fake.sent("/open-apis/im/v1/messages/om_root/reply")
    body = call.json()
    assert body["msg_type"] == "interactive" and body["reply_in_thread"] is False
    assert fake.card(call)["header"]["title"]["content"] == "T"
    assert "hi **there**" in fake.card_text(call)
    assert sent.platform == "feishu" and sent.message_id.startswith("om_fake_")
    assert call.headers["Authorization"] == f"Bearer t-{port.app_id}"
    tokens = fake.recorder.to("/tenant_access_token/internal")
    assert len(tokens) == 1 and json.loads(tokens[0].body) == {"app_id": port.app_id, "app_secret": "s"}


def test_conversation_and_dm_use_create_with_the_right_id_type(port: FeishuPort, fake: FeishuFake) -> None:
    port.send(feishu(conversation="oc_sales"), Reply(text="to the chat"))
    port.send(feishu(user="ou_ann"), Reply(text="to ann"))
    chat, dm = fake.sent()
    assert chat.path.endswith("receive_id_type=chat_id") and chat.json()["receive_id"] == "oc_sales"
    assert dm.path.endswith("receive_id_type=open_id") and dm.json()["receive_id"] == "ou_ann"
    assert "to ann" in fake.card_text(dm)


def test_ephemeral_in_a_group_uses_the_ephemeral_card_api(port: FeishuPort, fake: FeishuFake) -> None:
    port.send(feishu(conversation="oc_sales", user="ou_ann", ephemeral=True), Reply(text="only you"))
    (call,) = fake.sent("/open-apis/ephemeral/v1/send")
    body = call.json()
    assert body["chat_id"] == "oc_sales" and body["open_id"] == "ou_ann" and body["msg_type"] == "interactive"
    assert body["card"]["schema"] == "2.0" and "only you" in fake.card_text(call)


def test_refused_ephemeral_falls_back_to_a_direct_message(port: FeishuPort, fake: FeishuFake) -> None:
    fake.fail("/ephemeral/v1/send", status=400, code=230099, msg="topic chat not supported")
    port.send(feishu(conversation="oc_topic", user="ou_ann", ephemeral=True), Reply(text="only you"))
    (dm,) = fake.sent("/open-apis/im/v1/messages")
    assert dm.path.endswith("receive_id_type=open_id") and dm.json()["receive_id"] == "ou_ann"


def test_rate_limits_are_retried_then_succeed(port: FeishuPort, fake: FeishuFake) -> None:
    fake.fail("/reply", status=429, code=99991400, times=2)
    port.send(feishu(conversation="oc_1", thread="om_1"), Reply(text="x"))
    assert len(fake.recorder.to("/open-apis/im/v1/messages/om_1/reply")) == 3


def test_rate_limit_code_with_http_200_is_retried(port: FeishuPort, fake: FeishuFake) -> None:
    fake.fail("/open-apis/im/v1/messages", status=200, code=230020, times=1)
    port.send(feishu(conversation="oc_1"), Reply(text="x"))
    assert len(fake.recorder.to("/open-apis/im/v1/messages")) == 2


def test_persistent_rate_limit_becomes_a_transient_delivery_error(port: FeishuPort, fake: FeishuFake) -> None:
    fake.fail("/open-apis/im/v1/messages", status=429, times=10, headers={"x-ogw-ratelimit-reset": "7"})
    with pytest.raises(DeliveryError) as info:
        port.send(feishu(conversation="oc_1"), Reply(text="x"))
    assert not info.value.permanent and info.value.retry_after == 7
    assert len(fake.recorder.to("/open-apis/im/v1/messages")) == port.max_retries + 1


def test_permission_errors_are_permanent_and_not_retried(port: FeishuPort, fake: FeishuFake) -> None:
    fake.fail("/open-apis/im/v1/messages", status=400, code=230002, msg="Bot is not in the chat", times=5)
    with pytest.raises(DeliveryError) as info:
        port.send(feishu(conversation="oc_gone"), Reply(text="x"))
    assert info.value.permanent
    assert len(fake.recorder.to("/open-apis/im/v1/messages")) == 1


def test_a_rejected_token_is_fetched_again(port: FeishuPort, fake: FeishuFake) -> None:
    port.send(feishu(conversation="oc_1"), Reply(text="first"))
    fake.fail("/open-apis/im/v1/messages", status=400, code=99991663, msg="Invalid access token", times=1)
    port.send(feishu(conversation="oc_1"), Reply(text="second"))
    assert len(fake.recorder.to("/tenant_access_token/internal")) == 2
    assert len(fake.recorder.to("/open-apis/im/v1/messages")) == 3


def test_a_refused_card_is_resent_as_plain_text(port: FeishuPort, fake: FeishuFake) -> None:
    fake.fail("/reply", status=400, code=230099, msg="Failed to create card content", times=1)
    port.send(
        feishu(conversation="oc_1", thread="om_7"),
        Reply(title="T", text=f'hello {mention("ou_ann")} <at user_id="all"></at>'),
    )
    card, text = fake.sent("/open-apis/im/v1/messages/om_7/reply")
    assert card.json()["msg_type"] == "interactive" and text.json()["msg_type"] == "text"
    assert json.loads(text.json()["content"])["text"] == (
        '*T*\nhello <at user_id="ou_ann"></at> <\u200bat user_id="all"><\u200b/at>'
    )


def test_a_private_attachment_goes_to_the_dm(port: FeishuPort, fake: FeishuFake) -> None:
    address = feishu(conversation="oc_1", user="ou_ann", ephemeral=True)
    port.send(address, Reply(attachment=Attachment(filename="mine.csv", content="a,b\n")))
    (file_message,) = fake.sent("/open-apis/im/v1/messages")
    assert file_message.path.endswith("receive_id_type=open_id") and file_message.json()["msg_type"] == "file"
    assert fake.sent("/open-apis/ephemeral/v1/send") == []


def test_server_errors_are_transient() -> None:
    error = classify(502, {}, {})
    assert error is not None and not error.permanent
    assert classify(200, {"code": 0}, {}) is None
    not_found = classify(404, {"code": 230001}, {})
    assert not_found is not None and not_found.permanent


def test_update_patches_the_card(port: FeishuPort, fake: FeishuFake) -> None:
    port.update(Sent(platform="feishu", conversation="oc_1", message_id="om_9"), Reply(text="final answer"))
    (call,) = [r for r in fake.recorder.requests if r.method == "PATCH"]
    assert call.path == "/open-apis/im/v1/messages/om_9"
    assert fake.card(call)["config"]["update_multi"] is True
    assert "final answer" in fake.card_text(call)


def test_attachment_is_uploaded_then_sent_as_a_file_message(port: FeishuPort, fake: FeishuFake) -> None:
    reply = Reply(
        text="export attached", attachment=Attachment(filename="requests.csv", content="id,title\n1,SSO\n")
    )
    sent = port.send(feishu(conversation="oc_1"), reply)
    (upload,) = fake.recorder.to("/open-apis/im/v1/files")
    assert b"requests.csv" in upload.body and b"1,SSO" in upload.body
    card, file_message = fake.sent("/open-apis/im/v1/messages")
    assert card.json()["msg_type"] == "interactive"
    assert file_message.json()["msg_type"] == "file"
    assert json.loads(file_message.json()["content"]) == {"file_key": "file_v2_fake"}
    assert fake.issued[sent.message_id] == "interactive"  # the card is the message to update later


def test_form_in_a_group_is_private_and_in_a_dm_is_a_reply(port: FeishuPort, fake: FeishuFake) -> None:
    form = Form(form_id="request.new", title="New request", inputs=[FormInput(name="title", label="Title")])
    group = IncomingMessage(
        platform="feishu", conversation="oc_1", user="ou_ann", message_id="om_5", thread="om_5"
    )
    port.open_form(group, form)
    (ephemeral,) = fake.sent("/open-apis/ephemeral/v1/send")
    assert ephemeral.json()["card"]["body"]["elements"][0]["tag"] == "form"
    direct = group.evolve(conversation="oc_p2p", is_direct=True, message_id="om_6", thread="om_6")
    port.open_form(direct, form)
    (reply,) = fake.sent("/open-apis/im/v1/messages/om_6/reply")
    assert fake.card(reply)["body"]["elements"][0]["tag"] == "form"


def test_members_are_paginated(port: FeishuPort, fake: FeishuFake) -> None:
    fake.chat_members["oc_big"] = [f"ou_{n:03d}" for n in range(250)]
    members = port.members("oc_big")
    assert members == fake.chat_members["oc_big"]
    calls = fake.recorder.to("/open-apis/im/v1/chats/oc_big/members")
    assert len(calls) == 3 and "member_id_type=open_id" in calls[0].path


def test_bot_open_id_is_fetched_once(port: FeishuPort, fake: FeishuFake) -> None:
    assert port.bot_open_id() == fake.bot_open_id
    assert port.bot_open_id() == fake.bot_open_id
    assert len(fake.recorder.to("/open-apis/bot/v3/info")) == 1


def test_a_private_answer_in_a_one_to_one_chat_is_posted_in_that_chat(
    port: FeishuPort, fake: FeishuFake
) -> None:
    # a card button clicked in a p2p chat: the click carries only the chat id; the group-only
    # "visible to one person" API (仅支持普通对话群组) is never called, the answer goes into the chat
    address = feishu(conversation="oc_p2p_sales1", user="ou_sales1", ephemeral=True, thread="om_card")
    port.send(address, Reply(text="only you"))
    port.send(address.model_copy(update={"thread": None}), Reply(text="again"))
    assert fake.sent("/open-apis/ephemeral/v1/send") == []
    (reply,) = fake.sent("/open-apis/im/v1/messages/om_card/reply")
    assert "only you" in fake.card_text(reply)
    (created,) = fake.sent("/open-apis/im/v1/messages")
    assert (
        created.path.endswith("receive_id_type=chat_id") and created.json()["receive_id"] == "oc_p2p_sales1"
    )
    # the chat's mode is looked up once
    assert len(fake.recorder.to("/open-apis/im/v1/chats/oc_p2p_sales1")) == 1


def test_a_form_asked_for_from_a_card_in_a_one_to_one_chat_is_sent_in_the_chat(
    port: FeishuPort, fake: FeishuFake
) -> None:
    form = Form(form_id="request.new", title="New request", inputs=[FormInput(name="title", label="Title")])
    click = IncomingMessage(
        platform="feishu", conversation="oc_p2p_sales1", user="ou_sales1", message_id="om_c", thread="om_c"
    )
    port.open_form(click, form)
    assert fake.sent("/open-apis/ephemeral/v1/send") == []
    (reply,) = fake.sent("/open-apis/im/v1/messages/om_c/reply")
    assert fake.card(reply)["body"]["elements"][0]["tag"] == "form"
