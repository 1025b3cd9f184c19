from pathlib import Path

import pytest
from pydantic import ValidationError

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


def test_empty_values_mean_not_set_as_in_a_copied_env_example(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`cp .env.example .env` must not turn the LLM or Slack on with empty credentials."""
    from pathlib import Path

    from bot.config import Settings

    example = Path(__file__).resolve().parents[2] / ".env.example"
    env_file = tmp_path / ".env"
    env_file.write_text(example.read_text(encoding="utf-8"), encoding="utf-8")
    for name in ("SLACK_BOT_TOKEN", "OPENAI_API_KEY", "OPENAI_BASE_URL", "FEISHU_APP_ID", "DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("FEISHU_APP_SECRET", "  ")  # blank in the environment too
    settings = Settings(_env_file=env_file)  # type: ignore[call-arg]
    assert not settings.slack_enabled and not settings.feishu_enabled and not settings.llm_enabled
    assert settings.slack_signing_secret is None and settings.feishu_app_secret is None
    assert settings.openai_embedding_model is None
    settings.validate_platforms()
    settings.validate_platforms(socket_mode=True)
    empty = make_settings("", OPENAI_API_KEY="", SLACK_BOT_TOKEN="", OPENAI_MODEL="")
    assert empty.database_url == "sqlite:///salesbridge.db" and empty.openai_model == "gpt-4o-mini"
    assert not empty.llm_enabled and not empty.slack_enabled


def test_healthz_with_a_copied_env_example_reports_no_slack(tmp_path: Path, sqlite_url: str) -> None:
    from starlette.testclient import TestClient

    from salesbridge.app import build_application
    from salesbridge.server import create_asgi_app

    settings = make_settings(sqlite_url, SLACK_BOT_TOKEN="", SLACK_SIGNING_SECRET="", FEISHU_APP_ID="")
    application = build_application(settings, migrate=False)
    try:
        body = TestClient(create_asgi_app(application)).get("/healthz").json()
    finally:
        application.stop()
    assert body["platforms"] == {"slack": False, "feishu": False}


def test_log_level_and_format_in_any_case_and_only_known_ones() -> None:
    settings = make_settings("sqlite://", SALESBRIDGE_LOG_LEVEL="debug", SALESBRIDGE_LOG_FORMAT="JSON")
    assert (settings.log_level, settings.log_format) == ("DEBUG", "json")
    for name, value in (("SALESBRIDGE_LOG_LEVEL", "LOUD"), ("SALESBRIDGE_LOG_FORMAT", "xml")):
        with pytest.raises(ValidationError, match=name):
            make_settings("sqlite://", **{name: value})


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SALESBRIDGE_EOS_REMINDER_DAYS", "60,soon"),
        ("SALESBRIDGE_OUTBOX_RATE_LIMITS", "fast"),
        ("DATABASE_URL", "mysql://db/sales"),
        ("DATABASE_URL", "not a url"),
    ],
)
def test_values_used_later_are_refused_when_the_settings_are_read(name: str, value: str) -> None:
    """Not by the job or the first send that reads them, every minute, after start-up said nothing."""
    with pytest.raises(ValidationError, match=name):
        make_settings("sqlite://", **{name: value})


def test_pasted_postgres_urls_and_sqlite_files_are_databases() -> None:
    for url in ("postgres://u:p@db/x", "postgresql+psycopg://u:p@db/x", "sqlite:///var/demo.db", "sqlite://"):
        assert make_settings(url).database_url == url
