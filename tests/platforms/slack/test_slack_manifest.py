"""slack-manifest.yml stays in step with what the adapter handles."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from bot.platforms.slack import translate

MANIFEST = Path(__file__).resolve().parents[3] / "slack-manifest.yml"


def load() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    return data


def test_every_slash_command_is_declared_escaped_on_the_one_url() -> None:
    commands = load()["features"]["slash_commands"]
    assert {c["command"] for c in commands} == {translate.MAIN_COMMAND, *translate.SHORTCUT_COMMANDS}
    assert all(c["should_escape"] for c in commands)  # mentions arrive as <@U…> ids
    assert {c["url"].rsplit("/", 2)[-2:] == ["slack", "events"] for c in commands} == {True}


def test_events_interactivity_shortcut_and_scopes() -> None:
    manifest = load()
    settings = manifest["settings"]
    assert {"app_mention", "message.im", "message.channels"} <= set(
        settings["event_subscriptions"]["bot_events"]
    )
    assert settings["interactivity"]["is_enabled"]
    shortcut = manifest["features"]["shortcuts"][0]
    assert (shortcut["type"], shortcut["callback_id"]) == ("message", translate.LOG_REQUEST_SHORTCUT)
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert {"app_mentions:read", "chat:write", "commands", "im:history", "im:write", "files:write"} <= scopes
