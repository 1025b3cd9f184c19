"""People across platforms: a mention is live only on its own platform; elsewhere it reads as a name.

Handlers write `mention("U1")` for someone on the platform the reply goes to, and the qualified
`mention("U1", platform="slack")` (see `person_token`; both are structured tokens, `bot.markup`) for someone who may sit on another platform (a Slack PM answering a Feishu rep, the
requesters of a request, the authors of agenda items). Just before a message is sent, `People.localize`
turns each qualified token into a native mention when the reply goes to that person's platform, and into
their display name otherwise: asked once from the platform's user-info API (Slack `users.info`, Feishu
`contact/v3/users/:user_id`) and cached, else a name the bot learned from their own messages, else a
neutral label ("a Slack user"). A raw foreign id is never shown.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping

from bot.i18n import detect_language, pick
from bot.markup import Mention, clean_text, has_mentions, mention_token, replace_mentions
from bot.messages import KeyValue, Reply
from bot.ports import ChatPort

PLATFORM_NAMES = {"slack": ("Slack", "Slack"), "feishu": ("Feishu", "飞书"), "console": ("console", "控制台")}
NAME_TTL = 12 * 3600.0  # display names change rarely; a day-long process re-reads them twice a day
MISS_TTL = 600.0  # a failed lookup (no permission, rate limit) is retried after ten minutes


def person_token(*, platform: str, user: str) -> str:
    """The neutral mention of `user` on `platform`, valid in a reply to any platform."""
    return mention_token(user, platform=platform)


def neutral_label(platform: str, lang: str) -> str:
    """The label for someone whose name nobody can tell; both languages for a bilingual message."""
    en, zh = PLATFORM_NAMES.get(platform, (platform, platform))
    if lang == "both":
        return f"a {en} user / 一位{zh}用户"
    return pick(lang, f"a {en} user", f"一位{zh}用户")


def _reply_language(texts: list[str]) -> str:
    """en, zh, or "both" when the message carries lines in each language (notices written with `both`)."""
    found = {detect_language(line) for text in texts for line in text.splitlines() if line.strip()}
    return "both" if len(found) > 1 else (found.pop() if found else "en")


class People:
    """Display names of users on every enabled platform, cached per process."""

    def __init__(
        self,
        *,
        ports: Mapping[str, ChatPort],
        clock: Callable[[], float] = time.monotonic,
        ttl: float = NAME_TTL,
        miss_ttl: float = MISS_TTL,
    ) -> None:
        self._ports = ports
        self._clock = clock
        self._ttl = ttl
        self._miss_ttl = miss_ttl
        self._cache: dict[tuple[str, str], tuple[str | None, float]] = {}
        self._learned: dict[tuple[str, str], str] = {}
        self._lock = threading.Lock()

    def remember(self, *, platform: str, user: str, name: str | None) -> None:
        """A name the bot saw with the user's own message (a fallback when the API cannot tell)."""
        name = clean_text(name).strip() if name else ""
        if name and name != user:
            with self._lock:
                self._learned[(platform, user)] = name

    def name(self, *, platform: str, user: str) -> str | None:
        """The user's display name, or None when nobody can tell."""
        key = (platform, user)
        now = self._clock()
        with self._lock:
            cached = self._cache.get(key)
        if cached is not None and cached[1] > now:
            return cached[0] or self._learned.get(key)
        port = self._ports.get(platform)
        found = port.display_name(user) if port is not None else None
        found = clean_text(found).strip() if found else None
        found = found or None
        with self._lock:
            self._cache[key] = (found, now + (self._ttl if found else self._miss_ttl))
            return found or self._learned.get(key)

    def localize(self, reply: Reply, *, platform: str) -> Reply:
        """`reply` as readers on `platform` see it: qualified mentions made native or named."""
        texts = [reply.title or "", reply.text, *reply.context, *(f.label + f.value for f in reply.fields)]
        if not any(has_mentions(text) for text in texts):
            return reply
        lang = _reply_language(texts)

        def one(found: Mention) -> str:
            owner = found.platform
            if owner is None or owner == platform:
                return mention_token(found.user)
            return self.name(platform=owner, user=found.user) or neutral_label(owner, lang)

        def sub(text: str) -> str:
            return replace_mentions(text, one)

        return reply.model_copy(
            update={
                "title": sub(reply.title) if reply.title else reply.title,
                "text": sub(reply.text),
                "context": [sub(c) for c in reply.context],
                "fields": [KeyValue(label=sub(f.label), value=sub(f.value)) for f in reply.fields],
            }
        )
