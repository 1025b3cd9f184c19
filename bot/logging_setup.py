"""Logging set-up: one line per record, tagged with the event being handled, secrets masked everywhere.

Every record carries `event_id` and `platform` from a context variable the dispatcher binds while it
handles an event (`with log_context(event_id=..., platform=...)`), so the lines of one event — routing,
handler, outbox delivery — can be grepped together. `SALESBRIDGE_LOG_FORMAT=json` writes JSON lines for
log shippers; the default is a plain `key=value` line. Secret values from the settings (tokens, signing
secret, encrypt key, API keys, the database password) are replaced by `***` in the final text, including
tracebacks.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from urllib.parse import urlsplit

from bot.config import Settings

_context: ContextVar[dict[str, str] | None] = ContextVar("salesbridge_log_context", default=None)
CONTEXT_FIELDS = ("event_id", "platform")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [platform=%(platform)s event=%(event_id)s] %(message)s"


@contextmanager
def log_context(**values: str | None) -> Iterator[None]:
    """Tag every record logged inside the block (in this thread / task) with these fields."""
    merged = dict(_context.get() or {})
    merged.update({key: value for key, value in values.items() if value})
    token = _context.set(merged)
    try:
        yield
    finally:
        _context.reset(token)


def current_context() -> dict[str, str]:
    return dict(_context.get() or {})


class ContextFilter(logging.Filter):
    """Adds `event_id` and `platform` (or `-`) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        context = _context.get() or {}
        for name in CONTEXT_FIELDS:
            if not hasattr(record, name) or getattr(record, name) in (None, ""):
                setattr(record, name, context.get(name, "-"))
        return True


class Redactor:
    def __init__(self, secrets: list[str]) -> None:
        # longest first, so a secret that contains another is masked whole
        self._secrets = sorted({s for s in secrets if len(s) >= 6}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for value in self._secrets:
            if value in text:
                text = text.replace(value, "***")
        return text


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        body: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "thread": record.threadName,
        }
        for name in CONTEXT_FIELDS:
            value = getattr(record, name, "-")
            if value and value != "-":
                body[name] = value
        if record.exc_info:
            body["exception"] = self.formatException(record.exc_info)
        return json.dumps(body, ensure_ascii=False)


class RedactingFormatter(logging.Formatter):
    """Formats with `inner`, then masks every secret in the finished text (message and traceback)."""

    def __init__(self, inner: logging.Formatter, secrets: list[str]) -> None:
        super().__init__()
        self._inner = inner
        self._redact = Redactor(secrets)

    def format(self, record: logging.LogRecord) -> str:
        return self._redact(self._inner.format(record))


def secret_values(settings: Settings) -> list[str]:
    values = []
    for name in type(settings).model_fields:
        value = getattr(settings, name)
        if hasattr(value, "get_secret_value"):
            values.append(value.get_secret_value())
    password = urlsplit(settings.database_url).password if "://" in settings.database_url else None
    if password:
        values.append(password)
    return [v for v in values if v]


def build_handler(
    settings: Settings, *, stream: object | None = None, json_lines: bool | None = None
) -> logging.Handler:
    """A stream handler with context tags and redaction (tests pass their own `stream`)."""
    handler = logging.StreamHandler(stream)  # type: ignore[arg-type]
    use_json = json_lines if json_lines is not None else settings.log_format.lower() == "json"
    inner = JsonFormatter() if use_json else logging.Formatter(TEXT_FORMAT)
    handler.setFormatter(RedactingFormatter(inner, secret_values(settings)))
    handler.addFilter(ContextFilter())
    return handler


def configure_logging(settings: Settings) -> None:
    root = logging.getLogger()
    root.handlers[:] = [build_handler(settings)]
    root.setLevel(settings.log_level.upper())
