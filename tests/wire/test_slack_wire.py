"""Slack over the wire: `create_asgi_app` behind uvicorn on loopback, the real bolt code path, correctly
signed requests, and the bot's outbound calls landing on the fake Slack Web API (tests/fakes/slack_api.py)."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from sqlmodel import select

from bot.clock import as_utc
from bot.inbox import Item, RawEvent
from bot.messages import Form, FormInput, IncomingMessage, Reply
from bot.models import InboxEvent
from bot.platforms.slack import SlackInbound, create_port
from bot.platforms.slack.codec import OPEN_FORM_ACTION, FormContext, decode_form_context, pack_form
from salesbridge.app import Application, build_application
from salesbridge.server import create_asgi_app
from tests.database_templates import migrated_sqlite
from tests.fakes.harness import make_settings
from tests.fakes.servers import serve_asgi
from tests.fakes.slack_api import BOT_TOKEN, FakeSlackApi, serve_slack_api

SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
PAYLOADS = Path(__file__).resolve().parents[1] / "payloads" / "slack"


def payload(name: str, **event_changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((PAYLOADS / f"{name}.json").read_text(encoding="utf-8"))
    if event_changes:
        data["event"] = {**data["event"], **event_changes}
    return data


def signed_headers(
    body: str, *, secret: str = SIGNING_SECRET, timestamp: int | None = None
) -> dict[str, str]:
    """Slack's v0 signature: HMAC-SHA256 over `v0:{timestamp}:{body}`."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


@dataclass
class ProcessedSpy:
    """Counts what reached the dispatcher (including duplicates it then drops): translated messages, and
    plain events acknowledged before bolt saw them (`RawEvent`s); `replayed` holds what the workers' bolt
    App made of the latter."""

    messages: list[Item] = field(default_factory=list)
    replayed: list[IncomingMessage | None] = field(default_factory=list)
    condition: threading.Condition = field(default_factory=threading.Condition)

    def wait_for(self, count: int, timeout: float = 5.0) -> list[Item]:
        with self.condition:
            if not self.condition.wait_for(lambda: len(self.messages) >= count, timeout=timeout):
                raise AssertionError(f"expected {count} processed messages, got {self.messages}")
            return list(self.messages)


@dataclass
class SlackBot:
    url: str
    api: FakeSlackApi
    application: Application
    spy: ProcessedSpy
    client: httpx.Client

    def post(self, body: str, content_type: str, **headers: str) -> httpx.Response:
        signed = signed_headers(body)
        signed.update(headers)
        return self.client.post(
            f"{self.url}/slack/events",
            content=body.encode(),
            headers={"Content-Type": content_type, **signed},
        )

    def event(self, data: dict[str, Any], **headers: str) -> httpx.Response:
        return self.post(json.dumps(data), "application/json", **headers)

    def command(self, form: dict[str, Any]) -> httpx.Response:
        return self.post(urlencode(form), "application/x-www-form-urlencoded")

    def interactive(self, data: dict[str, Any]) -> httpx.Response:
        return self.post(urlencode({"payload": json.dumps(data)}), "application/x-www-form-urlencoded")

    def settle(self, count: int) -> list[Item]:
        """Wait until `count` messages reached the dispatcher and every one of them is done."""
        messages = self.spy.wait_for(count)
        assert self.application.dispatcher.wait_idle(timeout=5)
        return messages


def spy_on(application: Application) -> ProcessedSpy:
    spy = ProcessedSpy()
    original, original_async = application.dispatcher.submit, application.dispatcher.submit_async
    decode = application.dispatcher.decoders["slack"]

    def seen(msg: Item) -> None:
        with spy.condition:
            spy.messages.append(msg)
            spy.condition.notify_all()

    def submit(msg: Item) -> int | None:
        try:
            return original(msg)
        finally:
            seen(msg)

    async def submit_async(msg: Item) -> int | None:  # plain events, from the event loop
        try:
            return await original_async(msg)
        finally:
            seen(msg)

    def replayed(raw: RawEvent) -> IncomingMessage | None:
        msg = decode(raw)
        spy.replayed.append(msg)
        return msg

    application.dispatcher.submit = submit  # type: ignore[method-assign]
    application.dispatcher.submit_async = submit_async  # type: ignore[method-assign]
    application.dispatcher.decoders["slack"] = replayed
    return spy


def slack_application(api: FakeSlackApi, database_url: str, **settings: Any) -> Application:
    values = {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": api.url,
        **settings,
    }
    config = make_settings(database_url, **values)
    application = build_application(config, ports={"slack": create_port(config)}, migrate=False)
    return application


@contextmanager
def serve_slack_bot(api: FakeSlackApi, database_url: str) -> Iterator[SlackBot]:
    application = slack_application(api, database_url)
    spy = spy_on(application)
    try:
        with serve_asgi(create_asgi_app(application)) as url, httpx.Client(timeout=10) as client:
            yield SlackBot(url=url, api=api, application=application, spy=spy, client=client)
    finally:
        application.stop()
        application.services.db.dispose()


# --- fixtures --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def slack_api() -> Iterator[FakeSlackApi]:
    with serve_slack_api() as api:
        yield api


@pytest.fixture(scope="module")
def served(slack_api: FakeSlackApi, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SlackBot]:
    database = migrated_sqlite(tmp_path_factory.mktemp("slack-wire") / "bot.db")
    with serve_slack_bot(slack_api, database) as bot:
        bot.application.router.action("test.", _clicked)
        bot.application.router.form("test.form", _submitted)
        bot.application.router.command(
            "testform", _form_command, summary_en="test", summary_zh="测试", usage="testform"
        )
        yield bot


@pytest.fixture
def bot(served: SlackBot) -> SlackBot:
    served.settle(len(served.spy.messages))
    served.api.reset()
    return served


def _clicked(msg: IncomingMessage, _services: Any) -> Reply:
    return Reply(text=f"clicked {msg.action_id} = {msg.action_value}")


def _submitted(msg: IncomingMessage, _services: Any) -> Reply:
    return Reply(text=f"saved {msg.form['title']} for {msg.action_value}", where="thread")


def _form_command(msg: IncomingMessage, _services: Any) -> Reply:
    return Reply(
        form=Form(
            form_id="test.form", title="New", inputs=[FormInput(name="title", label="T")], private_value="42"
        )
    )


def _processed(bot: SlackBot) -> int:
    return len(bot.spy.messages)


# --- tests -----------------------------------------------------------------------------------------------


def test_url_verification_answers_the_challenge(bot: SlackBot) -> None:
    response = bot.event(
        {
            "token": "vt",
            "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
            "type": "url_verification",
        }
    )
    assert response.status_code == 200
    assert response.json() == {"challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}


def test_mention_gets_a_threaded_reply(bot: SlackBot) -> None:
    before = _processed(bot)
    data = payload("app_mention", user="UADMIN", text="<@UBOT> role grant <@U333|ann> pm")
    data["event_id"] = "EvMention1"
    response = bot.event(data)  # how fast the ack is: benchmarks/ack_latency.py
    assert response.status_code == 200 and response.text == ""
    (call,) = bot.api.wait("chat.postMessage")
    assert call["channel"] == "C111"
    assert call["thread_ts"] == "1700000000.000100"
    assert call["text"] == "<@U333> is now *pm*."
    bot.settle(before + 1)
    roles = bot.application.services.roles
    assert roles.role_of(platform="slack", user="U333", workspace="T111") == "pm"
    assert roles.role_of(platform="slack", user="U333", workspace="T999") == "sales"  # another team's U333


def test_direct_message_is_answered_in_the_dm(bot: SlackBot) -> None:
    data = payload("dm")
    data["event_id"] = "EvDm1"
    assert bot.event(data).status_code == 200
    (call,) = bot.api.wait("chat.postMessage")
    assert call["channel"] == "D111"
    assert "thread_ts" not in call
    assert "help" in call["text"].lower()


def test_channel_message_without_mention_is_ignored(bot: SlackBot) -> None:
    before = _processed(bot)
    chatter = payload("channel_message")
    chatter["event_id"] = "EvChatter1"
    assert bot.event(chatter).status_code == 200
    double = payload("channel_message_with_mention")  # the app_mention event answers this one
    double["event_id"] = "EvDouble1"
    assert bot.event(double).status_code == 200
    sentinel = payload("dm")
    sentinel["event_id"] = "EvSentinel1"
    bot.event(sentinel)
    bot.api.wait("chat.postMessage")
    messages = bot.settle(before + 1)
    assert [m.event_id for m in messages[before:]] == ["EvSentinel1"]
    assert [c["channel"] for c in bot.api.calls("chat.postMessage")] == ["D111"]


def test_slack_retry_with_the_same_event_id_gets_one_reply(bot: SlackBot) -> None:
    before = _processed(bot)
    data = payload("dm")
    data["event_id"] = "EvRetry1"
    assert bot.event(data).status_code == 200
    retry = bot.event(data, **{"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})
    assert retry.status_code == 200
    bot.settle(before + 2)
    assert len(bot.api.calls("chat.postMessage")) == 1
    assert [m.event_id for m in bot.spy.replayed[-1:] if m] == ["EvRetry1"]  # bolt dispatched it once
    assert sum(1 for m in bot.spy.replayed if m and m.event_id == "EvRetry1") == 1


def _counting(app: Any) -> list[str]:
    """Record the body of every request `app` (a bolt App) dispatches."""
    bodies: list[str] = []
    original = app.dispatch

    def dispatch(request: Any) -> Any:
        bodies.append(request.raw_body)
        return original(request)

    app.dispatch = dispatch
    return bodies


def test_a_plain_event_is_acked_before_bolt_and_answered_once_through_bolt_by_a_worker(bot: SlackBot) -> None:
    """An `event_callback` is verified and written down as it came; the worker dispatches it through bolt
    (middleware, the `app_mention` listener, translation) and answers it once."""
    inbound = bot.application.inbound("slack")
    assert isinstance(inbound, SlackInbound)
    before, replayed_before = _processed(bot), len(bot.spy.replayed)
    acked, replayed = _counting(inbound.app), _counting(inbound.replay_app)
    data = payload("app_mention", user="UADMIN", text="<@UBOT> role grant <@U333|ann> pm")
    data["event_id"] = "EvFast1"
    body = json.dumps(data)
    try:
        response = bot.post(body, "application/json")
        assert response.status_code == 200 and response.text == ""
        (call,) = bot.api.wait("chat.postMessage")
        assert call["text"] == "<@U333> is now *pm*." and call["thread_ts"] == "1700000000.000100"
        (written,) = bot.settle(before + 1)[before:]
        assert written == RawEvent(
            platform="slack", event_id="EvFast1", body=body, headers={"content-type": "application/json"}
        )
        assert acked == [] and replayed == [body]  # bolt saw it once, in the worker, not before the ack
        (msg,) = bot.spy.replayed[replayed_before:]
        assert msg is not None and (msg.event_id, msg.user, msg.workspace) == ("EvFast1", "UADMIN", "T111")
        assert msg.mentions_bot and msg.text == "role grant <@U333> pm"
    finally:
        del inbound.app.dispatch, inbound.replay_app.dispatch


def test_a_plain_event_not_for_the_bot_is_acked_and_not_written_down(bot: SlackBot) -> None:
    before = _processed(bot)
    for name in ("channel_message", "bot_message", "message_changed", "app_mention_other_team"):
        data = payload(name)
        data["event_id"] = f"EvNotOurs-{name}"
        response = bot.event(data)
        assert response.status_code == 200 and response.text == ""
    assert _processed(bot) == before
    with bot.application.services.db.session() as session:
        keys = set(session.exec(select(InboxEvent.key)))
    assert not any(key and key.startswith("slack:EvNotOurs") for key in keys)


def test_a_plain_event_with_a_bad_or_old_signature_is_refused_before_the_inbox(bot: SlackBot) -> None:
    before = _processed(bot)
    data = payload("app_mention")
    data["event_id"] = "EvForged1"
    body = json.dumps(data)
    for headers in (
        signed_headers(body, secret="not-the-secret"),
        signed_headers(body, timestamp=int(time.time()) - 600),
        {"X-Slack-Request-Timestamp": "soon", "X-Slack-Signature": "v0=00"},
        {},
    ):
        response = bot.client.post(
            f"{bot.url}/slack/events", content=body, headers={"Content-Type": "application/json", **headers}
        )
        assert response.status_code == 401 and response.json() == {"error": "invalid request"}
    assert _processed(bot) == before
    assert bot.api.calls("chat.postMessage") == []


def test_bad_signature_is_rejected(bot: SlackBot) -> None:
    body = json.dumps(payload("dm"))
    headers = signed_headers(body, secret="not-the-secret")
    response = bot.client.post(
        f"{bot.url}/slack/events", content=body, headers={"Content-Type": "application/json", **headers}
    )
    assert response.status_code == 401
    unsigned = bot.client.post(
        f"{bot.url}/slack/events", content=body, headers={"Content-Type": "application/json"}
    )
    assert unsigned.status_code == 401


def test_stale_timestamp_is_rejected(bot: SlackBot) -> None:
    body = json.dumps(payload("dm"))
    headers = signed_headers(body, timestamp=int(time.time()) - 600)  # correctly signed, 10 minutes old
    response = bot.client.post(
        f"{bot.url}/slack/events", content=body, headers={"Content-Type": "application/json", **headers}
    )
    assert response.status_code == 401
    assert response.json() == {"error": "invalid request"}


def test_slash_command_with_bad_arguments_gets_an_ephemeral_usage_reply(bot: SlackBot) -> None:
    form = payload("slash_command") | {
        "text": "role grant x",
        "response_url": bot.api.hook_url("usage"),
        "trigger_id": "t.usage",
    }
    response = bot.command(form)  # how fast the ack is: benchmarks/ack_latency.py
    assert response.status_code == 200 and response.text == ""
    (hook,) = bot.api.recorder.wait_for("/hooks/commands/T111/1/usage")
    body = hook.json()
    assert body["response_type"] == "ephemeral"
    assert "Usage / 用法" in body["text"] and "role grant" in body["text"]
    assert not bot.api.calls("chat.postMessage")


def test_shortcut_slash_command_is_routed_by_its_word(bot: SlackBot) -> None:
    form = payload("slash_command") | {
        "command": "/salesbridge",
        "text": "help",
        "response_url": bot.api.hook_url("help"),
        "trigger_id": "t.help",
    }
    assert bot.command(form).status_code == 200
    (hook,) = bot.api.recorder.wait_for("/hooks/commands/T111/1/help")
    assert hook.json()["response_type"] == "ephemeral"
    assert "role" in hook.json()["text"]


def test_block_action_reaches_its_handler_with_the_original_action_id(bot: SlackBot) -> None:
    data = payload("block_actions")
    data["actions"][0]["action_id"] = "test.vote::3"
    data["trigger_id"] = "t.click"
    response = bot.interactive(data)
    assert response.status_code == 200
    (call,) = bot.api.wait("chat.postMessage")
    assert call["channel"] == "C111" and call["thread_ts"] == "1700000000.000100"
    assert call["text"] == "clicked test.vote = 12"


def test_view_submission_closes_the_modal_and_answers_where_the_form_was_opened(bot: SlackBot) -> None:
    data = payload("view_submission")
    data["view"]["callback_id"] = "test.form"
    data["view"]["id"] = "VSUBMIT1"
    response = bot.interactive(data)
    assert response.status_code == 200 and response.text == ""  # empty ack closes the modal
    (call,) = bot.api.wait("chat.postMessage")
    assert (call["channel"], call["thread_ts"]) == ("C111", "1700000000.000100")
    assert call["text"] == "saved SSO login for 42"


def test_ack_does_not_wait_for_slow_work(bot: SlackBot) -> None:
    release, finished = threading.Event(), threading.Event()

    def slow(msg: IncomingMessage, _services: Any) -> Reply:
        release.wait(10)
        finished.set()
        return Reply(text="finally")

    bot.application.router.action("slow.", slow)
    data = payload("block_actions")
    data["actions"][0]["action_id"] = "slow.work::0"
    data["trigger_id"] = "t.slow"
    response = bot.interactive(data)  # how fast the ack is: benchmarks/ack_latency.py
    assert response.status_code == 200
    assert not finished.is_set() and not bot.api.calls("chat.postMessage")  # acked while the handler works
    release.set()
    assert bot.api.wait("chat.postMessage")[0]["text"] == "finally"


def test_open_form_button_opens_the_modal_with_the_fresh_trigger(bot: SlackBot) -> None:
    form = Form(
        form_id="test.form", title="New", inputs=[FormInput(name="title", label="Title")], private_value="7"
    )
    packed = pack_form(form, FormContext(value="7", channel="C111", thread="1700000000.000100"))
    assert packed is not None
    data = payload("block_actions")
    data["actions"][0].update(action_id=f"{OPEN_FORM_ACTION}::0", value=packed)
    data["trigger_id"] = "t.fresh"
    before = _processed(bot)
    assert bot.interactive(data).status_code == 200
    (call,) = bot.api.wait("views.open")
    assert call["trigger_id"] == "t.fresh"
    assert call["view"]["callback_id"] == "test.form"
    assert decode_form_context(call["view"]["private_metadata"]).channel == "C111"
    assert _processed(bot) == before  # handled inside the adapter, not routed


def test_message_shortcut_reaches_the_dispatcher_as_request_from_message(bot: SlackBot) -> None:
    before = _processed(bot)
    data = payload("message_shortcut")
    data["trigger_id"] = "t.shortcut"
    response = bot.interactive(data)
    assert response.status_code == 200 and response.text == ""
    msg = bot.settle(before + 1)[before]
    assert isinstance(msg, IncomingMessage)  # interactivity goes through bolt before the ack, as before
    assert (msg.action_id, msg.trigger_id, msg.user) == ("request.from_message", "t.shortcut", "U222")
    assert json.loads(msg.action_value)["link"] == "https://acme.slack.com/archives/C111/p1700000500000900"


def test_rate_limited_reply_is_queued_for_retry_after_and_then_delivered(bot: SlackBot) -> None:
    from datetime import timedelta

    from sqlalchemy import update
    from sqlmodel import col, select

    from bot.models import OutboxMessage

    before = _processed(bot)
    bot.api.rate_limit("chat.postMessage", times=1, retry_after=30)
    data = payload("dm")
    data["event_id"] = "EvRateLimited1"
    started = bot.application.services.now()
    assert bot.event(data).status_code == 200
    bot.settle(before + 1)
    assert len(bot.api.recorder.to("/api/chat.postMessage")) == 1  # the 429
    db = bot.application.services.db
    with db.session() as session:
        row = session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id).desc())).first()
        assert row is not None and row.status == "pending" and "rate limited" in (row.last_error or "")
        assert as_utc(row.next_attempt_at) >= started + timedelta(seconds=29)
        row_id = row.id
    with db.session() as session:  # let the retry time pass, then run the outbox as its loop would
        session.execute(
            update(OutboxMessage)
            .where(col(OutboxMessage.id) == row_id)
            .values(next_attempt_at=started - timedelta(seconds=1))
        )
    assert bot.application.services.outbox.flush() == 1
    assert [c["channel"] for c in bot.api.calls("chat.postMessage")] == ["D111", "D111"]


def test_form_asked_for_in_a_mention_round_trips_through_the_open_form_button(bot: SlackBot) -> None:
    mention = payload("app_mention", text="<@UBOT> testform")
    mention["event_id"] = "EvFormMention1"
    assert bot.event(mention).status_code == 200
    (offer,) = bot.api.wait("chat.postEphemeral")  # no trigger_id on a mention: a button instead of a modal
    assert (offer["channel"], offer["user"], offer["thread_ts"]) == ("C111", "U222", "1700000000.000100")
    button = offer["blocks"][-1]["elements"][0]
    click = payload("block_actions")
    click["actions"] = [{"action_id": button["action_id"], "value": button["value"], "type": "button"}]
    click["trigger_id"] = "t.formbutton"
    assert bot.interactive(click).status_code == 200
    (opened,) = bot.api.wait("views.open")
    assert opened["trigger_id"] == "t.formbutton"
    view = opened["view"]
    submission = payload("view_submission")
    submission["view"].update(
        id="VROUNDTRIP",
        callback_id=view["callback_id"],
        private_metadata=view["private_metadata"],
        state={"values": {"title": {"title": {"type": "plain_text_input", "value": "SAML"}}}},
    )
    assert bot.interactive(submission).status_code == 200
    (answer,) = bot.api.wait("chat.postMessage")
    assert (answer["channel"], answer["thread_ts"]) == ("C111", "1700000000.000100")
    assert answer["text"] == "saved SAML for 42"


def test_healthz_reports_slack_enabled(bot: SlackBot) -> None:
    assert bot.client.get(f"{bot.url}/healthz").json()["platforms"]["slack"] is True


def test_view_submission_with_wrong_fields_is_answered_with_errors_and_keeps_the_modal_open(
    bot: SlackBot,
) -> None:
    before = _processed(bot)
    data = payload("view_submission_request_invalid")
    response = bot.interactive(data)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    answer = response.json()
    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == {"arr", "area"}
    assert "120k" in answer["errors"]["arr"] and "无法识别金额" in answer["errors"]["arr"]
    assert bot.application.dispatcher.wait_idle(timeout=5)
    assert _processed(bot) == before  # nothing dispatched, nothing posted
    assert bot.api.calls("chat.postMessage") == []


def test_requests_the_bot_does_not_act_on_are_acknowledged_not_404(bot: SlackBot) -> None:
    """bolt answers a request no listener takes with 404: Slack would retry the event (and turn a failing
    subscription off) or show the user an error when a modal is closed."""
    before = _processed(bot)
    for name in ("app_home_opened", "member_joined_channel"):
        response = bot.event(payload(name))
        assert (response.status_code, response.text) == (200, ""), name
    closed = bot.interactive(payload("view_closed"))
    assert (closed.status_code, closed.text) == (200, "")
    shortcut = payload("message_shortcut") | {"callback_id": "some_other_shortcut", "trigger_id": "t.other"}
    assert bot.interactive(shortcut).status_code == 200
    suggestion = {
        "type": "block_suggestion",
        "user": {"id": "U222", "team_id": "T111"},
        "team": {"id": "T111", "domain": "acme"},
        "api_app_id": "A111",
        "token": "vt",
        "action_id": "lookup",
        "block_id": "b",
        "value": "acm",
        "container": {"type": "view", "view_id": "V113"},
    }
    options = bot.interactive(suggestion)
    assert options.status_code == 200 and options.json() == {"options": []}
    assert bot.application.dispatcher.wait_idle(timeout=5)
    assert _processed(bot) == before and bot.api.calls("chat.postMessage") == []


def test_an_edited_mention_is_acknowledged_and_not_answered_again(bot: SlackBot) -> None:
    before = _processed(bot)
    response = bot.event(payload("app_mention_edited"))
    assert (response.status_code, response.text) == (200, "")
    assert bot.application.dispatcher.wait_idle(timeout=5)
    assert _processed(bot) == before and bot.api.calls("chat.postMessage") == []


def test_block_action_in_a_modal_is_answered_where_the_modal_was_opened(bot: SlackBot) -> None:
    data = payload("block_actions_in_modal")
    data["actions"][0]["action_id"] = "test.tier::0"
    assert bot.interactive(data).status_code == 200
    (call,) = bot.api.wait("chat.postMessage")
    assert (call["channel"], call["thread_ts"]) == ("C111", "1700000000.000100")
    assert call["text"] == "clicked test.tier = gold"
