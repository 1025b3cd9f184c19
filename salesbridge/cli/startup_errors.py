"""What stops a `salesbridge` command before it can do its work — a setting that does not parse, settings that
do not fit together, a database that cannot be opened — said in one English and one Chinese line on stderr,
never as a traceback.

`SalesBridgeGroup` is the class of the root `salesbridge` group: every command runs inside its `invoke`, so
one handler covers `serve`, `worker`, `db`, `kb`, `jobs`, `requests`, `dashboard` and the chat. A setting that
cannot be used exits with code 2 (fix the configuration); a database that does not answer, with code 1.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer
from pydantic import ValidationError
from typer._click.core import Context

from bot.config import SettingsConflict, SettingValueError
from bot.errors import ConfigurationError
from salesbridge.cli.usage_errors import VALUE_ERRORS_ZH, BilingualGroup

# settings whose value is never printed (the database URL is printed without its password)
_SECRET_WORDS = ("TOKEN", "SECRET", "KEY", "PASSWORD")


class SalesBridgeGroup(BilingualGroup):
    """The root group: usage errors in both languages (BilingualGroup), and start-up errors too."""

    def invoke(self, ctx: Context) -> Any:
        with startup_errors():
            return super().invoke(ctx)


@contextmanager
def startup_errors() -> Iterator[None]:
    """Settings that cannot be used and a database that cannot be opened: one line in each language on
    stderr and exit code 2 (configuration) or 1 (the database does not answer)."""
    from sqlalchemy.exc import ArgumentError, OperationalError

    try:
        yield
    except ValidationError as exc:
        en, zh = settings_error(exc)
        typer.echo(f"configuration error: {en}\n配置错误：{zh}", err=True)
        raise typer.Exit(2) from exc
    except ConfigurationError as exc:
        zh = exc.zh if isinstance(exc, SettingsConflict) else f"{exc}（详见上一行英文说明）"
        typer.echo(f"configuration error: {exc}\n配置错误：{zh}", err=True)
        raise typer.Exit(2) from exc
    except ArgumentError as exc:  # an unreadable URL, or a database kind SQLAlchemy does not know
        en, zh = _unusable_url()
        typer.echo(f"configuration error: {en}\n配置错误：{zh}", err=True)
        raise typer.Exit(2) from exc
    except OperationalError as exc:
        en, zh = database_error(exc)
        typer.echo(f"database error: {en}\n数据库错误：{zh}", err=True)
        raise typer.Exit(1) from exc


def settings_error(exc: ValidationError) -> tuple[str, str]:
    """Each refused setting as `NAME='value': why`, in English and in Chinese."""
    english, chinese = [], []
    for error in exc.errors():
        name = ".".join(str(part) for part in error["loc"]) or "settings"
        shown = _shown_setting(name, error.get("input"))
        cause = (error.get("ctx") or {}).get("error")
        if isinstance(cause, SettingValueError):
            english.append(f"{shown}: {cause.en}")
            chinese.append(f"{shown}：{cause.zh}")
            continue
        message = str(error["msg"]).removeprefix("Value error, ")
        english.append(f"{shown}: {message}")
        template = VALUE_ERRORS_ZH.get(error["type"])
        zh = template.format(**(error.get("ctx") or {})) if template else f"{message}（详见上一行英文说明）"
        chinese.append(f"{shown}：{zh.replace(' or ', ' 或 ')}")
    where = " (from the environment or .env)"
    return "; ".join(english) + where + ".", "；".join(chinese) + "（来自环境变量或 .env）。"


def _shown_setting(name: str, value: Any) -> str:
    """`NAME='value'`; a secret's value as ***, a database URL without its password (an unreadable one not
    at all: where its password is cannot be told)."""
    if any(word in name.upper() for word in _SECRET_WORDS):
        return f"{name}=***"
    if name == "DATABASE_URL" and isinstance(value, str):
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        from bot.database import normalize_url

        try:
            return f"{name}={make_url(normalize_url(value)).render_as_string(hide_password=True)!r}"
        except ArgumentError:
            return name
    return f"{name}={value!r}"


def _database_url() -> str:
    """The URL the command used: the settings' when they can be read, else the environment's."""
    from bot.config import Settings

    try:
        return Settings().database_url
    except ValidationError:
        return os.environ.get("DATABASE_URL", "")


def _unusable_url() -> tuple[str, str]:
    from bot.database import describe_url

    where = describe_url(_database_url())
    return (
        f"DATABASE_URL is not a database this bot can use ({where}): give sqlite:///path/to/file.db or "
        "postgresql+psycopg://user:password@host:5432/name.",
        f"DATABASE_URL 不是本机器人可用的数据库（{where}）：请设为 sqlite:///路径/文件.db 或 "
        "postgresql+psycopg://用户:密码@主机:5432/库名。",
    )


def database_error(exc: Any) -> tuple[str, str]:
    """Which database did not answer and why (the driver's first line; a SQLite file whose folder is missing
    or not writable named as such), with what to check."""
    from sqlalchemy.engine import make_url

    from bot.database import describe_url, normalize_url

    url = _database_url()
    where = describe_url(url)
    reason = (str(getattr(exc, "orig", None) or exc).strip().splitlines() or ["unknown"])[0]
    if isinstance(getattr(exc, "orig", None), sqlite3.OperationalError) and "unable to open" in reason:
        database = make_url(normalize_url(url)).database or ""
        folder = Path(database).expanduser().resolve().parent
        if not folder.is_dir():
            return (
                f"cannot open {where}: the folder {folder} does not exist. Create it, or set DATABASE_URL "
                "to a file in an existing folder.",
                f"无法打开 {where}：文件夹 {folder} 不存在。请先创建它，或把 DATABASE_URL 设为已有文件夹中的文件。",
            )
        return (
            f"cannot open {where}: {reason} (can this user write to {folder}?).",
            f"无法打开 {where}：{reason}（当前用户能否写入 {folder}？）。",
        )
    return (
        f"cannot use {where}: {reason}. Check DATABASE_URL and that the database server is running.",
        f"无法使用 {where}：{reason}。请检查 DATABASE_URL，以及数据库服务是否在运行。",
    )
