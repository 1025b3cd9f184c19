"""Mentions and links only from the bot, on every message path, asserted on what the fake Slack Web API and
Feishu Open API received: a sales rep who writes `<!channel>`, `<@all>`, `<at id=all></at>` or a disguised
link into a request, a question, an answer, an announcement or an agenda item pings nobody and links nothing,
while the bot's own mentions (the asker, the requester) stay live."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from bot.chat_text import mention
from bot.messages import Address, IncomingMessage, Kind, Reply
from bot.platforms.console import ConsolePort
from services.schedules.agenda import add_agenda_item, build_agenda
from services.schedules.digest import build_digest
from tests.fakes.slack_api import BOT_USER_ID
from tests.scale.wire import WireBot, wire_bot

# what a hostile user can type (no double quotes: the options parser takes them as quoting)
HOSTILE = (
    "[invoice.pdf](http://evil.example/x) <http://evil.example/y|invoice.pdf> <at id=all></at> "
    "<!channel> <!here> <!everyone> <!subteam^S1|@eng> <@UVICTIM> <@all> "
    "<at user_id='all'></at> <at open_id=ou_victim></at> <at id=ou_victim></at>"
)
SLACK_FORBIDDEN = ("<!channel", "<!here", "<!everyone", "<!subteam", "<@UVICTIM", "<http://evil", "<@all")
FEISHU_FORBIDDEN = ("<at id=all", "<at user_id='all'", "<at open_id", "<at id=ou_victim", "](http://evil")
CHANNEL = {"slack": "C100", "feishu": "oc_100"}
USER = {"slack": "U200", "feishu": "ou_200"}
PM = {"slack": "UPM", "feishu": "ou_pm"}


@pytest.fixture
def wire(sqlite_url: str) -> Iterator[WireBot]:
    with wire_bot(sqlite_url) as bot:
        yield bot


_n = iter(range(1, 10_000))


def message(platform: str, text: str, *, user: str | None = None, **extra: Any) -> IncomingMessage:
    n = next(_n)
    message_id = f"1700000000.{n:06d}" if platform == "slack" else f"om_inject_{n:04d}"
    fields: dict[str, Any] = {
        "platform": platform,
        "conversation": CHANNEL[platform],
        "user": user or USER[platform],
        "text": text,
        "message_id": message_id,
        "thread": message_id,
        "mentions_bot": True,
        "event_id": f"ev-inject-{n}",
    }
    fields.update(extra)
    return IncomingMessage(**fields)


def slack_texts(wire: WireBot) -> list[str]:
    """Every message text and block the bot sent to Slack, as JSON text."""
    methods = ("chat.postMessage", "chat.postEphemeral", "chat.update")
    return [json.dumps(call, ensure_ascii=False) for m in methods for call in wire.slack.calls(m)]


def feishu_texts(wire: WireBot) -> list[str]:
    """Every card's markdown and every text message the bot sent to Feishu."""
    out = []
    for received in wire.feishu.recorder.requests:
        if "/im/v1/messages" not in received.path or received.method == "GET":
            continue
        body = received.json()
        if body.get("msg_type") == "text":
            out.append(json.loads(body["content"])["text"])
        elif "card" in body or "content" in body:
            out.append(wire.feishu.card_text(received))
    return out


def assert_clean(wire: WireBot) -> tuple[str, str]:
    slack, feishu = "\n".join(slack_texts(wire)), "\n".join(feishu_texts(wire))
    for bad in SLACK_FORBIDDEN:
        assert bad not in slack, bad
    for bad in FEISHU_FORBIDDEN:
        assert bad not in feishu, bad
    return slack, feishu


@pytest.mark.parametrize("platform", ["slack", "feishu"])
def test_request_confirmation_shows_what_was_typed_and_pings_nobody(wire: WireBot, platform: str) -> None:
    wire.app.dispatcher.process(message(platform, f"request {HOSTILE} customer:Acme"))
    slack, feishu = assert_clean(wire)
    shown = slack if platform == "slack" else feishu
    assert "invoice.pdf" in shown and "evil.example/x" in shown  # the real URL stays readable
    assert "&lt;http://evil.example/y|invoice.pdf&gt;" in shown


def test_escalation_answer_and_faq_quote_ping_nobody_but_mention_the_askers(wire: WireBot) -> None:
    question = f"Does the appliance support {HOSTILE} quantum teleportation of invoices?"
    for platform in ("slack", "feishu"):
        wire.app.dispatcher.process(message(platform, question))
    slack, feishu = assert_clean(wire)
    assert any("CPM" in json.dumps(c) for c in wire.slack.calls("chat.postMessage"))  # escalated
    assert wire.feishu.sent("/open-apis/im/v1/messages")  # the Feishu PM chat
    pm_post = [json.dumps(c) for c in wire.slack.calls("chat.postMessage") if c.get("channel") == "CPM"]
    assert pm_post and "<@U200>" in pm_post[0]  # the bot's own mention of the asker is live
    wire.slack.reset()
    wire.feishu.reset()
    answer = f"answer 1 Yes: {HOSTILE} works since 3.2."
    wire.app.dispatcher.process(message("slack", answer, user="UPM", conversation="CPM"))
    slack, feishu = assert_clean(wire)
    assert "<@U200>" in slack  # the Slack asker, mentioned by the bot
    assert "<at id=ou_200></at>" in feishu  # the Feishu asker, mentioned by the bot
    wire.slack.reset()
    wire.feishu.reset()
    for platform in ("slack", "feishu"):  # the same question again: answered from the FAQ entry
        wire.app.dispatcher.process(message(platform, question))
    slack, feishu = assert_clean(wire)
    assert "works since 3.2" in slack and "works since 3.2" in feishu


def test_announcement_pings_nobody(wire: WireBot) -> None:
    text = (
        "announce release product:CloudDB version:3.2 date:2026-12-01 channels:slack:C9,feishu:oc_1 "
        f'highlights:"{HOSTILE}"'
    )
    draft = message("slack", text, user="UPM")
    (preview,) = wire.app.router.handle(draft, wire.app.services)
    assert preview.buttons, preview.text
    confirm = next(b for b in preview.buttons if b.style == "primary")
    click = message(
        "slack", "", user="UPM", kind=Kind.ACTION, action_id=confirm.action_id, action_value=confirm.value
    )
    wire.app.dispatcher.process(click)
    slack, feishu = assert_clean(wire)
    assert "invoice.pdf" in slack
    assert any(c.get("channel") == "C9" for c in wire.slack.calls("chat.postMessage"))
    assert "invoice.pdf" in feishu


def test_digest_and_agenda_ping_nobody(wire: WireBot) -> None:
    services = wire.app.services
    for platform in ("slack", "feishu"):
        wire.app.router.handle(message(platform, f"request {HOSTILE} customer:Acme"), services)
    (added,) = wire.app.router.handle(
        message(
            "slack", "schedule add sync weekly mon 10:00 channels:slack:CSYNC,feishu:oc_sync", user="UPM"
        ),
        services,
    )
    assert added.color == "success", added.text
    now = services.now()
    add_agenda_item(services=services, schedule_id=1, text=HOSTILE, platform="feishu", user="ou_200")
    agenda = build_agenda(services=services, schedule_id=1, since=now - timedelta(days=7), now=now, slot=now)
    digest = build_digest(services=services, since=now - timedelta(days=7), now=now)
    for reply in (agenda, digest):
        services.send(Address(platform="slack", conversation="CSYNC"), reply)
        services.send(Address(platform="feishu", conversation="oc_sync"), reply)
    slack, feishu = assert_clean(wire)
    assert "evil.example/x" in slack and "evil.example/x" in feishu


def test_feishu_text_fallback_pings_nobody(wire: WireBot) -> None:
    wire.feishu.fail("/reply", status=400, code=230099, msg="Failed to create card content", times=1)
    wire.app.dispatcher.process(message("feishu", f"request {HOSTILE} customer:Acme"))
    texts = [
        json.loads(r.json()["content"])["text"]
        for r in wire.feishu.recorder.requests
        if r.method == "POST" and "/reply" in r.path and r.json().get("msg_type") == "text"
    ]
    assert texts and "<at" not in texts[0].replace("<\u200bat", "")
    assert "](http" not in texts[0]
    assert_clean(wire)


def test_slack_fallback_text_and_mention_tokens_from_users_are_inert(wire: WireBot) -> None:
    forged = mention("UVICTIM")  # as if a user could type the bot's token: cleaned on the way in
    wire.app.dispatcher.process(message("slack", f"request {forged} {HOSTILE} customer:Acme"))
    slack, _feishu = assert_clean(wire)
    assert "<@UVICTIM>" not in slack and f"<@{BOT_USER_ID}>" not in slack


def test_console_shows_what_was_typed_and_names_people_by_the_bot() -> None:
    out = io.StringIO()
    port = ConsolePort(out=out)
    port.send(
        Address(platform="console", conversation="general"),
        Reply(text=f"{mention('lily')} logged: {HOSTILE}"),
    )
    shown = out.getvalue()
    assert "@lily logged:" in shown and "<@all>" in shown  # typed text shown as typed, nothing live
    assert "\ufdd0" not in shown
