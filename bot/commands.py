"""Command text parsing, shared by every platform.

`request SAML SSO customer:"Acme Corp" tier:gold` → positional text "SAML SSO" and options
{"customer": "Acme Corp", "tier": "gold"}. Keys accept a full-width colon (`客户：Acme`) and aliases
(`客户` → `customer`); values may be quoted with "…", '…', “…”, ‘…’ or 「…」. Unknown `word:value` pairs stay in
the positional text, so URLs and times ("10:00") are never mistaken for options.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

_QUOTES = {'"': '"', "'": "'", "“": "”", "‘": "’", "「": "」", "『": "』"}
_KEY = re.compile(r"([\w\-\u4e00-\u9fff]+)[:：]", re.UNICODE)


@dataclass(frozen=True)
class ParsedArgs:
    text: str
    options: dict[str, str] = field(default_factory=dict)
    duplicates: tuple[str, ...] = ()

    def get(self, key: str, default: str | None = None) -> str | None:
        return self.options.get(key, default)


def _read_value(source: str, pos: int) -> tuple[str, int]:
    """Read a (possibly quoted) value starting at `pos`; return it and the position after it."""
    if pos < len(source) and source[pos] in _QUOTES:
        close = _QUOTES[source[pos]]
        end = source.find(close, pos + 1)
        if end == -1:  # unbalanced quote: take the rest of the line
            return source[pos + 1 :].strip(), len(source)
        return source[pos + 1 : end], end + 1
    end = pos
    while end < len(source) and not source[end].isspace():
        end += 1
    return source[pos:end], end


def tokenize(source: str) -> list[str]:
    """Split on whitespace, keeping quoted runs together (quotes removed)."""
    tokens, pos = [], 0
    while pos < len(source):
        if source[pos].isspace():
            pos += 1
            continue
        value, pos = _read_value(source, pos)
        tokens.append(value)
    return tokens


def parse_args(source: str, *, keys: Mapping[str, str] | Iterable[str] = ()) -> ParsedArgs:
    """Split `source` into free text and `key:value` options.

    `keys` maps every accepted spelling (lower-case, aliases included) to its canonical key; an iterable
    means the keys are their own canonical names.
    """
    known = dict(keys) if isinstance(keys, Mapping) else {k: k for k in keys}
    known = {k.lower(): v for k, v in known.items()}
    options: dict[str, str] = {}
    duplicates: list[str] = []
    free: list[str] = []
    pos = 0
    source = source.strip()
    while pos < len(source):
        if source[pos].isspace():
            pos += 1
            continue
        match = _KEY.match(source, pos)
        if match and match.group(1).lower() in known:
            canonical = known[match.group(1).lower()]
            value, pos = _read_value(source, match.end())
            if canonical in options:
                duplicates.append(canonical)
            options[canonical] = value.strip()
            continue
        value, new_pos = _read_value(source, pos)
        free.append(source[pos:new_pos] if source[pos] not in _QUOTES else value)
        pos = new_pos
    return ParsedArgs(text=" ".join(free).strip(), options=options, duplicates=tuple(duplicates))


def split_command_word(text: str) -> tuple[str, str]:
    """`/Request foo bar` → ("request", "foo bar"). The word is lower-cased, a leading `/` dropped."""
    stripped = text.strip()
    if not stripped:
        return "", ""
    head, _, rest = stripped.partition(" ")
    # Chinese users often type the command directly followed by a full-width space or no space at all.
    if "\u3000" in head:
        head, _, more = head.partition("\u3000")
        rest = f"{more} {rest}".strip()
    return head.lstrip("/").lower(), rest.strip()
