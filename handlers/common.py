"""Small helpers shared by handlers: user mentions, ids, bilingual usage errors."""

from __future__ import annotations

import re

from bot.errors import UsageError

_MENTION = re.compile(r"^<@([A-Za-z0-9_\-]+)(?:\|[^>]*)?>$")


def parse_user(token: str) -> str:
    """`<@U123>`, `<@U123|ann>`, `@U123` or `U123` → `U123` (adapters normalise mentions to `<@id>`)."""
    token = token.strip()
    match = _MENTION.match(token)
    if match:
        return match.group(1)
    return token.lstrip("@")


def mention(user: str) -> str:
    """The neutral mention syntax; each adapter renders it natively."""
    return f"<@{user}>"


def parse_id(token: str, *, what_en: str, what_zh: str) -> int:
    """`#12` or `12` → 12, or a bilingual usage error naming what was expected."""
    cleaned = token.strip().lstrip("#＃")
    if not cleaned.isdigit():
        raise UsageError(
            f"Expected a {what_en} id like #12, got {token!r}.",
            f"需要{what_zh}编号，例如 #12，收到的是 {token!r}。",
        )
    return int(cleaned)
