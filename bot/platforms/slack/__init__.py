"""The Slack adapter: `translate` (payload → IncomingMessage), `render` (Reply/Form → Block Kit / modal),
`port` (outbound WebClient calls), `inbound` (the bolt App behind `/slack/events` and Socket Mode)."""

from __future__ import annotations

from bot.platforms.slack.inbound import SlackInbound
from bot.platforms.slack.port import SlackPort, create_port

__all__ = ["SlackInbound", "SlackPort", "create_port"]
