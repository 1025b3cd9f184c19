"""People on the other platform appear by name, never as raw ids: one bot with the real Slack and Feishu ports
against the fake Web / Open APIs (names from Slack `users.info` and Feishu `contact/v3/users/:user_id`)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.messages import IncomingMessage, Kind, Reply
from bot.people import People
from salesbridge.app import Application, build_application
from tests.fakes.chat import FakePort, tokens
from tests.fakes.feishu_api import FeishuFake, serve_feishu_api
from tests.fakes.harness import make_settings
from tests.fakes.slack_api import BOT_TOKEN, FakeSlackApi, serve_slack_api
from tests.handlers.test_ask import PAYPAL_ANSWER, UNKNOWN
from tests.sample_kb import copy_database

pytestmark = pytest.mark.wire


@dataclass
class TwoPlatforms:
    app: Application
    slack: FakeSlackApi
    feishu: FeishuFake

    def run(
        self, text: str, *, platform: str, user: str, channel: str, message_id: str, **extra: Any
    ) -> None:
        msg = IncomingMessage(
            platform=platform,
            conversation=channel,
            user=user,
            text=text,
            message_id=message_id,
            thread=message_id,
            mentions_bot=True,
            event_id=uuid.uuid4().hex,
            **extra,
        )
        self.app.dispatcher.process(msg)

    def slack_texts(self, channel: str) -> list[str]:
        return [
            str(c.get("text", "")) + json.dumps(c.get("blocks", ""), ensure_ascii=False)
            for c in [
                *self.slack.calls("chat.postMessage"),
                *self.slack.calls("chat.update"),
                *self.slack.calls("chat.postEphemeral"),
            ]
            if c.get("channel") == channel
        ]

    def feishu_cards(self) -> list[str]:
        return [self.feishu.card_text(r) for r in self.feishu.recorder.requests if r.method in ("POST", "PATCH")
                and ("/im/v1/messages" in r.path) and r.body]  # fmt: skip


@pytest.fixture
def both(sample_database: Path, tmp_path: Path) -> Iterator[TwoPlatforms]:
    database = copy_database(sample_database, tmp_path)
    with serve_slack_api() as slack, serve_feishu_api() as feishu:
        slack.state.names.update({"UPM": "Pat Lee", "U222": "Sam Sales"})
        feishu.users.update({"ou_rep": "李丽", "ou_pm": "Wang Fang"})
        settings = make_settings(
            database,
            SLACK_BOT_TOKEN=BOT_TOKEN,
            SLACK_SIGNING_SECRET="secret",
            SLACK_API_URL=slack.url,
            FEISHU_APP_ID=f"cli_{uuid.uuid4().hex[:12]}",
            FEISHU_APP_SECRET="app-secret",
            FEISHU_DOMAIN=feishu.url,
        )
        app = build_application(settings, migrate=False)
        app.services.db.create_all()
        try:
            yield TwoPlatforms(app=app, slack=slack, feishu=feishu)
        finally:
            app.stop()
            app.services.db.dispose()


def test_slack_pm_answering_a_feishu_rep_is_named_on_feishu_and_the_rep_on_slack(both: TwoPlatforms) -> None:
    both.run(UNKNOWN, platform="feishu", user="ou_rep", channel="oc_sales", message_id="om_q1")
    escalation = "\n".join(both.slack_texts("CPM"))
    assert "李丽" in escalation and "ou_rep" not in escalation  # the Feishu rep by name on Slack
    both.run(f"answer 1 {PAYPAL_ANSWER}", platform="slack", user="UPM", channel="CPM", message_id="1.1")
    (delivered,) = [c for c in both.feishu_cards() if PAYPAL_ANSWER in c and "<at id=ou_rep>" in c]
    assert "<at id=ou_rep></at>" in delivered  # the asker: a live mention on her own platform
    assert "Pat Lee" in delivered and "UPM" not in delivered  # the Slack PM: by name, no foreign <at>
    assert both.slack.calls("users.info")  # asked Slack once for the name…
    both.run(UNKNOWN + " again?", platform="feishu", user="ou_rep", channel="oc_sales", message_id="om_q2")
    assert len(both.slack.calls("users.info")) == 1  # …and cached it


def test_feishu_pm_answering_a_slack_rep_is_named_on_slack(both: TwoPlatforms) -> None:
    both.run(UNKNOWN, platform="slack", user="U222", channel="C111", message_id="1700000200.000100")
    feishu_post = "\n".join(c for c in both.feishu_cards() if UNKNOWN in c)
    assert "Sam Sales" in feishu_post and "U222" not in feishu_post  # the Slack rep by name on Feishu
    both.run(f"answer 1 {PAYPAL_ANSWER}", platform="feishu", user="ou_pm", channel="oc_pm", message_id="om_a")
    delivered = "\n".join(t for t in both.slack_texts("C111") if PAYPAL_ANSWER in t)
    assert "<@U222>" in delivered  # the asker, mentioned natively
    assert "Wang Fang" in delivered and "ou_pm" not in delivered
    assert both.feishu.recorder.to("/open-apis/contact/v3/users/ou_pm")


def test_request_requesters_and_status_notices_name_people_of_the_other_platform(both: TwoPlatforms) -> None:
    both.run(
        "request Audit log export customer:Acme",
        platform="slack",
        user="U222",
        channel="C1",
        message_id="1.2",
    )
    both.run("request Audit log export customer:Globex", platform="feishu", user="ou_rep", channel="oc_s",
             message_id="om_r")  # fmt: skip
    both.run("requests merge 2 into 1", platform="slack", user="UPM", channel="C1", message_id="1.3")
    both.run(
        "requests show 1", platform="slack", user="U222", channel="C1", message_id="1.4", kind=Kind.COMMAND
    )
    shown = "\n".join(both.slack_texts("C1"))
    assert "李丽" in shown and "ou_rep" not in shown  # the Feishu requester, by name
    both.run("requests status 1 planned", platform="feishu", user="ou_pm", channel="oc_pm", message_id="om_s")
    dm = [c for c in both.slack.calls("chat.postMessage") if "planned" in str(c.get("text", ""))]
    assert dm and all("Wang Fang" in str(c["text"]) + json.dumps(c.get("blocks")) for c in dm)
    assert not any("ou_pm" in str(c.get("text")) + json.dumps(c.get("blocks")) for c in dm)


# --- the mechanism, without a network --------------------------------------------------------------------


def test_localize_mentions_natively_at_home_and_by_name_or_label_elsewhere() -> None:
    slack, feishu = FakePort(platform="slack"), FakePort(platform="feishu")
    slack.names["UPM"] = "Pat Lee"
    people = People(ports={"slack": slack, "feishu": feishu})
    reply = Reply(
        text=tokens("by <@slack:UPM> for <@feishu:ou_x>"), context=[tokens("由 <@feishu:ou_x> 提交")]
    )
    on_slack = people.localize(reply, platform="slack")
    assert on_slack.text == tokens("by <@UPM> for a Feishu user / 一位飞书用户")
    on_feishu = people.localize(reply, platform="feishu")
    assert on_feishu.text == tokens("by Pat Lee for <@ou_x>")
    zh = people.localize(Reply(text=tokens("由 <@slack:U9> 解答")), platform="feishu")
    assert zh.text == "由 一位Slack用户 解答"
    people.remember(platform="slack", user="U9", name="sam")  # a name the bot saw on U9's own message
    assert people.localize(Reply(text=tokens("by <@slack:U9>")), platform="feishu").text == "by sam"
    assert "lily" not in people.localize(Reply(text=tokens("<@console:lily> x")), platform="slack").text
