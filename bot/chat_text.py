"""Small text helpers shared by every entry point and service: user mentions, ids, area names."""

from __future__ import annotations

import re

from bot.errors import UsageError
from bot.markup import mention_token
from bot.people import person_token

_MENTION = re.compile(r"^<@([A-Za-z0-9_\-]+)(?:\|[^>]*)?>$")


def parse_user(token: str) -> str:
    """`<@U123>`, `<@U123|ann>`, `@U123` or `U123` → `U123` (adapters normalise mentions to `<@id>`)."""
    token = token.strip()
    match = _MENTION.match(token)
    if match:
        return match.group(1)
    return token.lstrip("@")


def mention(user: str, *, platform: str | None = None) -> str:
    """The neutral mention syntax; each adapter renders it natively. Without `platform` the user is on the
    platform the reply goes to; with it (someone who may be on another platform) the mention is live there
    and reads as the person's display name anywhere else (`bot.people`)."""
    return person_token(platform=platform, user=user) if platform else mention_token(user)


AREA_ZH = {"general": "通用"}  # the default product area, as Chinese readers see it


def area_word(area: str, lang: str) -> str:
    """A product area in the reader's language: the default "general" reads 通用 in Chinese; areas the team
    named themselves stay as typed."""
    return AREA_ZH.get(area, area) if lang == "zh" else area


MAX_ID = 2**31 - 1  # the largest id the databases store (PostgreSQL INTEGER)


def is_id(text: str) -> bool:
    """Digits (full-width too) of a number a stored row could have as its id — not `²`, not 20 digits."""
    return text.isdecimal() and int(text) <= MAX_ID


def parse_id(token: str, *, what_en: str, what_zh: str) -> int:
    """`#12` or `12` → 12, or a bilingual usage error naming what was expected."""
    cleaned = token.strip().lstrip("#＃")
    if not is_id(cleaned):
        raise UsageError(
            f"Expected {'an' if what_en[:1].lower() in 'aeiou' else 'a'} {what_en} id like #12, got {token!r}.",
            f"需要{what_zh}编号，例如 #12，收到的是 {token!r}。",
        )
    return int(cleaned)
