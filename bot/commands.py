"""Command text parsing, shared by every platform.

`request SAML SSO customer:"Acme Corp" tier:gold` → positional text "SAML SSO" and options
{"customer": "Acme Corp", "tier": "gold"}. Keys accept a full-width colon (`客户：Acme`) and aliases
(`客户` → `customer`); values may be quoted with "…", '…', “…”, ‘…’ or 「…」. Unknown `word:value` pairs stay in
the positional text, so URLs and times ("10:00") are never mistaken for options.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from bot.errors import UsageError

_QUOTES = {'"': '"', "'": "'", "“": "”", "‘": "’", "「": "」", "『": "』"}
_KEY = re.compile(r"([\w\-\u4e00-\u9fff]+)[:：]", re.UNICODE)
_LATIN_KEY = re.compile(r"^[A-Za-z][A-Za-z_\-]*$")
_CHINESE_KEY = re.compile(r"^[\u4e00-\u9fff]+$")
# `mailto:x@y.z`, `tel:+86…`: link schemes in a description, not options
_SCHEMES = frozenset(
    ("mailto", "tel", "sms", "http", "https", "ftp", "file", "urn", "data", "ssh", "git", "slack", "feishu", "lark")
)


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


def unknown_options(source: str, keys: Mapping[str, str] | Iterable[str]) -> list[tuple[str, str | None]]:
    """`key:value` pairs in `source` whose key is not one of `keys`, each with the closest known spelling.

    A Latin word followed by a colon and a value (`teir:diamond`) counts; times (`10:00`), links
    (`https://…`, `mailto:…`), `note: text` (nothing right after the colon) and quoted runs do not. A Chinese word
    counts only when it is close to a known key (`等极：钻石`), as `客户说：…` is ordinary prose."""
    known = dict(keys) if isinstance(keys, Mapping) else {k: k for k in keys}
    spellings = [k.lower() for k in known]
    found: list[tuple[str, str | None]] = []
    pos = 0
    while pos < len(source):
        if source[pos].isspace():
            pos += 1
            continue
        if source[pos] in _QUOTES:
            _, pos = _read_value(source, pos)
            continue
        match = _KEY.match(source, pos)
        if match:
            key = match.group(1)
            rest = source[match.end() :]
            has_value = bool(rest) and not rest[0].isspace() and not rest.startswith("//")
            if has_value and key.lower() not in spellings and key.lower() not in _SCHEMES:
                chinese = bool(_CHINESE_KEY.match(key))
                # a Chinese typo keeps the key's length (等极 → 等级); 客户说：… is prose, not 客户:
                candidates = [k for k in spellings if len(k) == len(key)] if chinese else spellings
                close = difflib.get_close_matches(
                    key.lower(), candidates, n=1, cutoff=0.5 if chinese else 0.6
                )
                if _LATIN_KEY.match(key) or (chinese and close):
                    found.append((key, close[0] if close else None))
        _, pos = _read_value(source, pos)
    return found


def refuse_unknown_options(source: str, keys: Mapping[str, str] | Iterable[str], *, usage: str) -> None:
    """Raise a bilingual usage error naming every unknown `key:` with a "did you mean", and the known
    keys, before anything is stored."""
    found = unknown_options(source, keys)
    if not found:
        return
    known = dict(keys) if isinstance(keys, Mapping) else {k: k for k in keys}
    canonical = ", ".join(f"`{k}:`" for k in dict.fromkeys(known.values()))
    en_parts, zh_parts = [], []
    for key, close in found:
        en_parts.append(f"`{key}:`" + (f" (did you mean `{close}:`?)" if close else ""))
        zh_parts.append(f"`{key}:`" + (f"（是不是想写 `{close}:`？）" if close else ""))
    raise UsageError(
        f"Unknown option {', '.join(en_parts)}. Known options: {canonical}. "
        "If it is part of the text, put that text in quotes.",
        f"未知选项 {'、'.join(zh_parts)}。可用选项：{canonical}。如果它是正文的一部分，请给正文加引号。",
        usage=usage,
    )


_LEADING_MENTIONS = re.compile(r"^(?:<@[^>\s]+>\s*)+")


def without_leading_mentions(text: str) -> str:
    """`text`, stripped, without the mentions of people it opens with."""
    return _LEADING_MENTIONS.sub("", text.strip())


def split_command_word(text: str) -> tuple[str, str]:
    """`/Request foo bar` → ("request", "foo bar"). The word is lower-cased, a leading `/` dropped. Mentions
    of other people before it are skipped: "@Ann @bot role" addresses both, the command is `role`."""
    stripped = without_leading_mentions(text)
    if not stripped:
        return "", ""
    head, _, rest = stripped.partition(" ")
    # Chinese users often type the command directly followed by a full-width space or no space at all.
    if "\u3000" in head:
        head, _, more = head.partition("\u3000")
        rest = f"{more} {rest}".strip()
    return head.lstrip("/").lower(), rest.strip()
