"""What building the inbound bolt Apps logs: nothing at WARNING on an ordinary start-up."""

from __future__ import annotations

import logging

import pytest
from slack_sdk import WebClient

from bot.platforms.slack.inbound import build_bolt_app


def test_start_up_with_the_bot_token_in_the_environment_logs_no_warning(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """`serve` logged "As you gave `client` as well, `token` will be unused." at WARNING, once for each of
    its two bolt Apps, on every start (SLACK_BOT_TOKEN is set, and the App is given our client)."""
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test-token")
    client = WebClient(token="xoxb-test-token", base_url="http://127.0.0.1:9/api/")
    with caplog.at_level(logging.INFO):
        for secret in ("signing-secret", ""):
            build_bolt_app(client=client, signing_secret=secret, submit=lambda msg: None)
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
    caplog.clear()
    other = logging.getLogger("slack_bolt.App")
    with caplog.at_level(logging.WARNING):
        other.warning("a listener failed")  # bolt's other warnings still reach the log
    assert [r.getMessage() for r in caplog.records] == ["a listener failed"]
