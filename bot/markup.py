"""What text may carry on its way to a chat: mentions only the bot made, nothing a database cannot store.

**Mentions are structured tokens, not syntax.** A mention the bot made (`bot.chat_text.mention`,
`bot.people.person_token`) is written as `MENTION_OPEN + "@" [platform ":"] user + MENTION_CLOSE`, two
Unicode *noncharacters* (U+FDD0, U+FDD1: reserved for a program's internal use, never interchanged). Text
that comes from outside — chat messages, form values, display names, model output, knowledge files — goes
through `clean_text`, which removes those characters, so no user can write a token. Each renderer escapes
every piece of text between tokens with its platform's rules (`segments`) and turns only the tokens into
native mentions. `<@U1>`, `<!channel>`, `<at id=all></at>` or `[label](url)` written by a user therefore
reach readers as the characters they typed.

**Text a database cannot store** (NUL — PostgreSQL refuses it in text columns —, other C0 controls, lone
surrogates that cannot be encoded as UTF-8) is removed by `clean_text` too; `bot.database` applies
`storable` to every string parameter as a last line of defence.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

MENTION_OPEN = "\ufdd0"
MENTION_CLOSE = "\ufdd1"
_TOKEN = re.compile(
    MENTION_OPEN + r"@(?:(?P<platform>[a-z]+):)?(?P<user>[^\ufdd0\ufdd1\s]{1,128})" + MENTION_CLOSE
)
# C0 controls except tab / newline / carriage return, DEL, lone surrogates, and the noncharacters
_UNSTORABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]|[\ud800-\udfff]")
_NONCHARACTERS = re.compile("[\ufdd0-\ufdef\ufffe\uffff]")


@dataclass(frozen=True)
class Mention:
    """A mention the bot made: `platform` None means the platform the message goes to."""

    user: str
    platform: str | None = None


def mention_token(user: str, *, platform: str | None = None) -> str:
    """The structured mention of `user` (on `platform`, or on the platform the reply goes to)."""
    user = clean_text(user).strip()
    owner = f"{platform}:" if platform else ""
    return f"{MENTION_OPEN}@{owner}{user}{MENTION_CLOSE}"


def segments(text: str) -> Iterator[str | Mention]:
    """`text` as plain pieces (to be escaped by the renderer) and the bot's mentions, in order."""
    pos = 0
    for match in _TOKEN.finditer(text):
        if match.start() > pos:
            yield text[pos : match.start()]
        yield Mention(user=match.group("user"), platform=match.group("platform"))
        pos = match.end()
    if pos < len(text):
        yield text[pos:]


def render(text: str, *, escape: Callable[[str], str], mention: Callable[[Mention], str]) -> str:
    """Escape every plain piece of `text`; render each token with `mention`. Stray noncharacters (a token
    cut in half by a length limit) are dropped."""
    out = [
        escape(_NONCHARACTERS.sub("", piece)) if isinstance(piece, str) else mention(piece)
        for piece in segments(text)
    ]
    return "".join(out)


def replace_mentions(text: str, replacement: Callable[[Mention], str]) -> str:
    """`text` with each token replaced by `replacement(token)` (itself a token, or plain text)."""
    return _TOKEN.sub(
        lambda m: replacement(Mention(user=m.group("user"), platform=m.group("platform"))), text
    )


def has_mentions(text: str) -> bool:
    return MENTION_OPEN in text


def at_names(text: str) -> str:
    """Tokens as `@user` (terminal text, logs, plain-text fields that cannot mention)."""
    return _NONCHARACTERS.sub("", replace_mentions(text, lambda m: f"@{m.user}"))


def clean_text(text: str) -> str:
    """Text from outside the bot, made safe to keep and to show: no mention tokens, no NUL or other control
    characters (tab and line breaks stay), no lone surrogates."""
    return _NONCHARACTERS.sub("", storable(text))


def storable(text: str) -> str:
    """`text` without what SQLite and PostgreSQL cannot store as text (NUL, control characters, lone
    surrogates). Mention tokens (noncharacters) are kept: outbox rows carry them."""
    return _UNSTORABLE.sub("", text) if _UNSTORABLE.search(text) else text
