"""Only our workspaces, from real-shaped payloads (tests/payloads): which Slack teams / apps and Feishu
tenants / apps the bot serves, who is an external Slack Connect user, and what such a user is told."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from slack_sdk import WebClient

from bot.messages import Kind
from bot.platforms.feishu.inbound import FeishuInbound
from bot.platforms.slack import translate
from bot.platforms.slack.workspace import SlackInstallation
from bot.router import EXTERNAL_REFUSAL
from tests.fakes.feishu_api import payload_feishu_harness
from tests.fakes.harness import Harness
from tests.fakes.slack_api import BOT_TOKEN, FakeSlackApi, serve_slack_api

PAYLOADS = Path(__file__).resolve().parents[1] / "payloads"


def load(platform: str, name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((PAYLOADS / platform / f"{name}.json").read_text(encoding="utf-8"))
    return data


@pytest.fixture(scope="module")
def slack_api() -> Iterator[FakeSlackApi]:
    with serve_slack_api() as api:
        yield api


def learned(api: FakeSlackApi) -> SlackInstallation:
    return SlackInstallation(client=WebClient(token=BOT_TOKEN, base_url=api.url), teams=[], apps=[])


def test_slack_installation_is_learned_from_auth_test_and_bots_info(slack_api: FakeSlackApi) -> None:
    installation = learned(slack_api)
    assert installation.foreign(load("slack", "app_mention")) is None
    assert installation.foreign(load("slack", "block_actions")) is None  # `team: {id}` in interactivity
    assert installation.foreign(load("slack", "slash_command")) is None
    assert "T999" in str(installation.foreign(load("slack", "app_mention_other_team")))
    assert "A999" in str(installation.foreign(load("slack", "app_mention_other_app")))
    assert installation.foreign({"type": "event_callback", "event": {}}) is not None  # no team at all
    assert installation.teams() == frozenset({"T111"}) and installation.apps() == frozenset({"A111"})


def test_bots_info_without_its_scope_is_asked_once_not_on_every_ack(slack_api: FakeSlackApi) -> None:
    slack_api.reset()
    slack_api.fail("bots.info", "missing_scope")
    installation = learned(slack_api)
    for _ in range(3):
        assert installation.foreign(load("slack", "app_mention")) is None  # the app id is then not checked
    assert installation.apps() is None and len(slack_api.calls("bots.info")) == 1
    slack_api.reset()


def test_slack_settings_pin_teams_enterprises_and_apps(slack_api: FakeSlackApi) -> None:
    client = WebClient(token=BOT_TOKEN, base_url=slack_api.url)
    pinned = SlackInstallation(client=client, teams=["T999", "E123"], apps=["A111", "A999"])
    assert pinned.foreign(load("slack", "app_mention_other_team")) is None
    assert pinned.foreign(load("slack", "app_mention")) is not None  # T111 is not in the pinned list
    grid = {**load("slack", "app_mention"), "team_id": "T555", "enterprise_id": "E123", "api_app_id": "A999"}
    assert pinned.foreign(grid) is None  # a workspace of our Enterprise Grid org


def test_slack_connect_requests_naming_the_other_organisation_are_ours(slack_api: FakeSlackApi) -> None:
    """In a Slack Connect channel the envelope's `team_id` / `enterprise_id` (or an interactive payload's
    `team`) may be the other organisation's workspace where it happened; the installation it was delivered
    to is `authorizations[0]` (or `view.app_installed_team_id`), as slack-bolt reads it. Such requests were
    dropped as another team's: a partner's question got no refusal, our own rep no answer."""
    installation = learned(slack_api)
    partner = load("slack", "app_mention_slack_connect_partner_hosted")
    ours = load("slack", "app_mention_slack_connect_our_user")
    modal = load("slack", "view_submission_slack_connect")
    for payload in (partner, ours, modal):
        assert installation.foreign(payload) is None
    asked, helped = translate.from_event(partner), translate.from_event(ours)
    form = translate.from_view_submission(modal)
    assert asked is not None and helped is not None and form is not None
    assert asked.workspace == helped.workspace == form.workspace == "T111"
    assert not installation.ours(asked.user_workspace) and installation.ours(helped.user_workspace)
    # the same envelope outside a shared channel, or delivered to another installation, stays foreign
    assert installation.foreign({**partner, "is_ext_shared_channel": False}) is not None
    elsewhere = [{**partner["authorizations"][0], "team_id": "T999"}]
    assert installation.foreign({**partner, "authorizations": elsewhere}) is not None
    assert installation.foreign({**modal, "view": {**modal["view"], "app_installed_team_id": "T999"}})


def test_slack_connect_user_is_external_by_user_team(slack_api: FakeSlackApi) -> None:
    installation = learned(slack_api)
    mention = translate.from_event(load("slack", "app_mention_slack_connect"))
    click = translate.from_block_action(load("slack", "block_actions_slack_connect"))
    ours = translate.from_event(load("slack", "app_mention"))
    assert mention is not None and click is not None and ours is not None
    assert mention.user_workspace == "TPARTNER" and click.user_workspace == "TPARTNER"
    assert installation.foreign(load("slack", "app_mention_slack_connect")) is None  # the event is ours
    assert not installation.ours(mention.user_workspace) and installation.ours(ours.user_workspace)


@pytest.fixture
def feishu_bot(sqlite_url: str) -> Iterator[Harness]:
    harness = payload_feishu_harness(sqlite_url)
    yield harness
    harness.close()


def test_feishu_events_of_another_tenant_or_app_are_ignored(feishu_bot: Harness) -> None:
    submitted: list[Any] = []
    feishu_bot.app.dispatcher.submit = submitted.append  # type: ignore[method-assign,assignment]
    feishu_bot.feishu.known_bot_open_id = "ou_bot"  # type: ignore[attr-defined]  # as learned at start-up
    inbound = FeishuInbound(feishu_bot.app.dispatcher)
    assert inbound.foreign(load("feishu", "group_mention")) is None
    assert "tenant_key 9f8e7d6c5b4a3210" in str(inbound.foreign(load("feishu", "group_mention_other_tenant")))
    assert "app_id cli_a1b2" in str(inbound.foreign(load("feishu", "group_mention_other_app")))
    assert inbound.accept_message(load("feishu", "group_mention_other_tenant")) is None
    assert inbound.accept_message(load("feishu", "group_mention_other_app")) is None
    foreign_card = load("feishu", "card_action")
    foreign_card["header"]["tenant_key"] = "9f8e7d6c5b4a3210"
    assert inbound.accept_card_action(foreign_card) == {}  # 200, no toast, nothing done
    assert submitted == []
    assert inbound.accept_message(load("feishu", "group_mention")) is not None and len(submitted) == 1


def test_external_user_is_declined_politely_except_help(bot: Harness) -> None:
    external: dict[str, Any] = {"external": True, "user_workspace": "TPARTNER", "channel": "CSHARED"}
    (asked,) = bot.say("Can customers pay invoices with PayPal?", user="UEXT1", **external)
    assert asked == EXTERNAL_REFUSAL and "抱歉" in asked.text and asked.where == "ephemeral"
    (logged,) = bot.say("request SSO customer:Acme", user="UEXT1", **external)
    assert logged == EXTERNAL_REFUSAL
    (pm_action,) = bot.say("requests status 1 planned", user="UPM", **external)  # even with a PM's id
    assert pm_action == EXTERNAL_REFUSAL
    (helped,) = bot.say("help", user="UEXT1", **external)
    assert helped != EXTERNAL_REFUSAL
    assert bot.say("just chatting", user="UEXT1", mention=False, thread="t1", **external) == []
    click = bot.message(
        "", user="UEXT1", kind=Kind.ACTION, action_id="request.vote", action_value="1", **external
    )
    assert bot.app.router.handle(click, bot.services) == [EXTERNAL_REFUSAL]


def test_external_user_is_served_in_an_allowed_slack_connect_channel(sqlite_url: str) -> None:
    bot = Harness.create(sqlite_url, migrate=False, SALESBRIDGE_SLACK_CONNECT_CHANNELS="slack:CSHARED")
    try:
        (reply,) = bot.say(
            "request SSO customer:Acme",
            user="UEXT1",
            external=True,
            user_workspace="TPARTNER",
            channel="CSHARED",
        )
        assert reply != EXTERNAL_REFUSAL and "#1" in reply.plain_text()
        (elsewhere,) = bot.say(
            "Can we pay by PayPal?", user="UEXT1", external=True, user_workspace="TPARTNER", channel="C9"
        )
        assert elsewhere == EXTERNAL_REFUSAL
    finally:
        bot.close()
