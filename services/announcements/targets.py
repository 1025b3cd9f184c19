"""Channel targets of announcements and launch plans: `slack:#sales`, `<#C0123|sales>`, `feishu:oc_…`,
`console:general` → `Target`, audience names, and the comma-separated form they are stored in."""

from __future__ import annotations

import re
from dataclasses import dataclass

PLATFORMS = ("slack", "feishu", "console")

_SEPARATORS = re.compile(r"[\s,，、;；]+")
_SLACK_CHANNEL_MENTION = re.compile(r"^<#([A-Z0-9]+)(?:\|[^>]*)?>$")
_AUDIENCE_NAME = re.compile(r"^[\w\-\u4e00-\u9fff]{1,64}$")


@dataclass(frozen=True, order=True)
class Target:
    """One channel to post to."""

    platform: str
    conversation: str

    def __str__(self) -> str:
        return f"{self.platform}:{self.conversation}"


def split_list(value: str) -> list[str]:
    """Items separated by spaces, commas (also `，`, `、`) or semicolons."""
    return [item for item in _SEPARATORS.split(value.strip()) if item]


def parse_target(token: str) -> Target | None:
    """`slack:#sales`, `slack:C0123`, `<#C0123|sales>`, `feishu:oc_…`, `console:general` → Target;
    anything without a platform prefix → None (it may be an audience name)."""
    token = token.strip()
    mention = _SLACK_CHANNEL_MENTION.match(token)
    if mention:
        return Target("slack", mention.group(1))
    platform, sep, rest = token.partition(":")
    if not sep:
        platform, sep, rest = token.partition("：")
    if not sep or platform.lower() not in PLATFORMS:
        return None
    rest = rest.strip()
    mention = _SLACK_CHANNEL_MENTION.match(rest)
    if mention:
        rest = mention.group(1)
    if not rest:
        return None
    return Target(platform.lower(), rest)


def is_audience_name(token: str) -> bool:
    return bool(_AUDIENCE_NAME.match(token)) and token.lower() not in PLATFORMS


def format_targets(targets: list[Target]) -> str:
    return ",".join(str(t) for t in targets)


def load_targets(stored: str) -> list[Target]:
    targets = []
    for item in stored.split(","):
        target = parse_target(item)
        if target is not None:
            targets.append(target)
    return targets
