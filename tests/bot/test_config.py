import pytest

from bot.errors import ConfigurationError
from tests.fakes.harness import make_settings


def test_half_configured_slack_is_an_error() -> None:
    settings = make_settings("sqlite://", SLACK_BOT_TOKEN="xoxb-1")
    with pytest.raises(ConfigurationError, match="SLACK_SIGNING_SECRET"):
        settings.validate_platforms()
    make_settings("sqlite://", SLACK_BOT_TOKEN="xoxb-1", SLACK_APP_TOKEN="xapp-1").validate_platforms(
        socket_mode=True
    )


def test_half_configured_feishu_is_an_error() -> None:
    with pytest.raises(ConfigurationError, match="FEISHU_APP_SECRET"):
        make_settings("sqlite://", FEISHU_APP_ID="cli_x").validate_platforms()


def test_no_credentials_means_no_platforms() -> None:
    settings = make_settings("sqlite://")
    settings.validate_platforms()
    assert not settings.slack_enabled and not settings.feishu_enabled


def test_pm_channels_parsed_and_validated() -> None:
    assert make_settings("sqlite://").pm_channels == [("slack", "CPM"), ("feishu", "oc_pm")]
    with pytest.raises(ConfigurationError):
        make_settings("sqlite://", SALESBRIDGE_PM_CHANNELS="teams:x").validate_platforms()


def test_bad_timezone_rejected() -> None:
    with pytest.raises(ValueError):
        make_settings("sqlite://", SALESBRIDGE_TIMEZONE="Mars/Base")
