"""Parsing what reps type: `request <description> customer: tier: urgency: arr: area:` in English or Chinese.

The chat syntax lives here (option keys in both languages, quoting, the usage text); the values themselves
(tiers, urgencies, ARR) and their validation are `services.requests.vocabulary` and
`services.requests.request_input`. Everything here is pure (no database); bad values raise a bilingual
`UsageError` naming the allowed values, before anything is stored (`FormErrors`, one message per bad field,
when several fields are checked).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from bot.commands import refuse_unknown_options
from bot.errors import UsageError
from services.requests import request_input
from services.requests.request_input import RequestInput
from services.requests.vocabulary import TIER_ALIASES

REQUEST_USAGE = (
    'request <description> customer:"Acme Corp" tier:gold urgency:high arr:120k area:"SSO"\n'
    '需求 支持 SAML SSO 登录 客户:"某某银行" 等级:金牌 紧急度:高 金额:¥80万 模块:安全\n'
    "request            (opens a form / 打开表单)"
)

OPTION_KEYS: dict[str, str] = {
    "customer": "customer",
    "client": "customer",
    "客户": "customer",
    "tier": "tier",
    "等级": "tier",
    "级别": "tier",
    "urgency": "urgency",
    "紧急度": "urgency",
    "紧急程度": "urgency",
    "arr": "arr",
    "金额": "arr",
    "area": "area",
    "module": "area",
    "模块": "area",
}


@contextmanager
def _request_usage() -> Iterator[None]:
    """A bad field value names the `request` command's usage (the service's errors carry none)."""
    try:
        yield
    except UsageError as exc:
        exc.usage = exc.usage or REQUEST_USAGE
        raise


def build_input(
    *,
    description: str,
    customer: str | None = None,
    tier: str | None = None,
    urgency: str | None = None,
    arr: str | None = None,
    area: str | None = None,
) -> RequestInput:
    """`services.requests.request_input.build_input` (every bad field at once, `FormErrors` keyed by the field
    names of the request form), its error showing the `request` usage."""
    with _request_usage():
        return request_input.build_input(
            description=description, customer=customer, tier=tier, urgency=urgency, arr=arr, area=area
        )


def validate_request_form(values: Mapping[str, str]) -> None:
    """The request form's validator: every field at once (`FormErrors`), nothing stored."""
    build_input(
        description=values.get("description", ""),
        customer=values.get("customer"),
        tier=values.get("tier"),
        urgency=values.get("urgency"),
        arr=values.get("arr"),
        area=values.get("area"),
    )


_QUOTES = {'"': '"', "'": "'", "“": "”", "‘": "’", "「": "」", "『": "』"}
_KEY = re.compile(r"([\w\-\u4e00-\u9fff]+)[:：]", re.UNICODE)


# An empty option's example, in English and Chinese (`customer:` with nothing after the colon).
OPTION_EXAMPLES = {
    "customer": ('customer:"Acme Corp"', '客户:"某某银行"'),
    "tier": ("tier:gold", "等级:金牌"),
    "urgency": ("urgency:high", "紧急度:高"),
    "arr": ("arr:120k", "金额:¥80万"),
    "area": ("area:SSO", "模块:安全"),
}


def _unterminated(source: str, pos: int) -> UsageError:
    """A quote at `pos` that is never closed: everything after it would silently become text."""
    quote, closing = source[pos], _QUOTES[source[pos]]
    rest = " ".join(source[pos:].split())
    shown = rest if len(rest) <= 40 else rest[:39] + "…"
    return UsageError(
        f"The quote {quote} in `{shown}` is never closed, so everything after it (options too) would be "
        f"taken as text. Close it with {closing} or remove it.",
        f"`{shown}` 中的引号 {quote} 没有闭合，其后的内容（包括选项）都会被当作正文。请用 {closing} 闭合，或删掉它。",
        usage=REQUEST_USAGE,
    )


def _value_end(source: str, pos: int) -> tuple[str, int]:
    """A (possibly quoted) option value starting at `pos`, and the position after it. A quote that is never
    closed raises a usage error."""
    if pos < len(source) and source[pos] in _QUOTES:
        end = source.find(_QUOTES[source[pos]], pos + 1)
        if end == -1:
            raise _unterminated(source, pos)
        return source[pos + 1 : end], end + 1
    end = pos
    while end < len(source) and not source[end].isspace():
        end += 1
    return source[pos:end], end


def _scan(source: str) -> tuple[list[str], list[tuple[str, str, str]]]:
    """The text around the known `key:value` options of `source` (one more segment than options: before the
    first, between them, after the last) and the options in order as (canonical key, key as typed, value)."""
    found: list[tuple[str, str, str]] = []
    segments: list[str] = []
    pos = start = 0
    while pos < len(source):
        at_word = pos == 0 or source[pos - 1].isspace()
        match = _KEY.match(source, pos) if at_word else None
        if match and match.group(1).lower() in OPTION_KEYS:
            value, end = _value_end(source, match.end())
            found.append((OPTION_KEYS[match.group(1).lower()], match.group(1), value.strip()))
            segments.append(source[start:pos])
            pos = start = end
            continue
        if source[pos] in _QUOTES and at_word:  # a quoted run in the description: skip over it whole
            _, pos = _value_end(source, pos)
            continue
        pos += 1
    segments.append(source[start:])
    return segments, found


def split_options(source: str) -> tuple[str, dict[str, str], list[str]]:
    """Cut the known `key:value` options out of `source`; the rest is the description, verbatim.

    Unlike `bot.commands.parse_args`, the description keeps its line breaks and spacing (a pasted customer
    e-mail stays readable). A description wrapped whole in quotes loses the outer pair. A quote opened at the
    start of a word and never closed is refused (it would swallow the options after it).
    """
    segments, found = _scan(source)
    options: dict[str, str] = {}
    duplicates: list[str] = []
    for canonical, _typed, value in found:
        if canonical in options:
            duplicates.append(canonical)
        options[canonical] = value
    lines = [line.strip() for line in "".join(segments).strip().splitlines()]
    description = "\n".join(re.sub(r"[ \t]{2,}", " ", line) for line in lines).strip()
    if len(description) >= 2 and description[0] in _QUOTES and description.endswith(_QUOTES[description[0]]):
        inner = description[1:-1]
        if _QUOTES[description[0]] not in inner:
            description = inner.strip()
    return description, options, duplicates


def refuse_split_description(source: str) -> None:
    """`SSO customer:Acme Corp tier:gold`: an unquoted value ends at the first space, so "Corp" would silently
    join the description ("SSO Corp") and the customer be "Acme". Text on both sides of an option is asked
    about instead: quote the value, or put the options after the whole description."""
    segments, found = _scan(source)
    filled = [i for i, segment in enumerate(segments) if any(ch.isalnum() for ch in segment)]
    if len(filled) < 2:
        return
    after = next(i for i in filled if i > 0)  # text right after option `after - 1`
    _canonical, typed, value = found[after - 1]
    words = " ".join(segments[after].split())
    shown = words if len(words) <= 40 else words[:39] + "…"
    option = f"{typed}:{value}" if value and not any(ch.isspace() for ch in value) else f'{typed}:"{value}"'
    joined = f'{typed}:"{value} {shown}"'
    raise UsageError(
        f"The description is split by the options: “{shown}” comes after `{option}`. If it belongs to that "
        f"value, quote it: `{joined}`; if it is part of the description, put the options after the whole "
        "description. Nothing was logged.",
        f"描述被选项隔开了：“{shown}”跟在 `{option}` 后面。如果它属于该取值，请加引号：`{joined}`；"
        "如果它属于描述，请把选项都放在完整描述之后。未记录任何内容。",
        usage=REQUEST_USAGE,
    )


_TIER_IN_TEXT = re.compile(r"(?i)\b(diamond|gold|silver|bronze)\b|(钻石|金牌|银牌|铜牌)")
_AMOUNT_IN_TEXT = re.compile(
    r"(?i)(?<![\w.])([$¥￥]\s?\d[\d,.]*\s?(?:k|m|万)?|\d[\d,.]*\s?(?:k|m|万|million|thousand)(?![a-z]))"
)
_AMOUNT_CONTEXT = re.compile(
    r"(?i)\b(worth|arr|deal|revenue|contract|renewal|budget|value|spend)\b|金额|价值|合同|预算|年费|营收"
)
_QUOTED = re.compile(r"\"[^\"]*\"|“[^”]*”|'[^']*'|「[^」]*」")


def unconfirmed_details(description: str, options: dict[str, str]) -> tuple[str | None, str | None]:
    """A tier word or a money amount written in the text instead of as `tier:` / `arr:` (`a diamond
    account worth about 300k`): they would be logged as silver / 0 unless the rep confirms them. Quoted
    text is taken as it is."""
    text = _QUOTED.sub(" ", description)
    tier = amount = None
    if "tier" not in options and (found := _TIER_IN_TEXT.search(text)):
        tier = TIER_ALIASES.get((found.group(1) or found.group(2)).lower())
    if "arr" not in options and _AMOUNT_CONTEXT.search(text) and (money := _AMOUNT_IN_TEXT.search(text)):
        amount = money.group(1).replace(" ", "")
    return tier, amount


def parse_request_text(text: str) -> RequestInput:
    """The arguments of `request …` → a validated RequestInput."""
    refuse_unknown_options(text, OPTION_KEYS, usage=REQUEST_USAGE)
    description, options, duplicates = split_options(text)
    if duplicates:
        key = duplicates[0]
        raise UsageError(f"`{key}:` was given more than once.", f"`{key}:` 重复出现了。", usage=REQUEST_USAGE)
    empty = [key for key in OPTION_EXAMPLES if key in options and not options[key]]
    if empty:
        keys_en = ", ".join(f"`{key}:`" for key in empty)
        keys_zh = "、".join(f"`{OPTION_EXAMPLES[key][1].split(':')[0]}:`" for key in empty)
        examples_en = ", ".join(OPTION_EXAMPLES[key][0] for key in empty)
        examples_zh = "、".join(OPTION_EXAMPLES[key][1] for key in empty)
        raise UsageError(
            f"{keys_en} {'needs' if len(empty) == 1 else 'need'} a value right after the colon, e.g. "
            f"{examples_en}; leave the option out to use its default.",
            f"{keys_zh} 冒号后面需要紧跟取值，例如 {examples_zh}；不需要时请去掉该选项（使用默认值）。",
            usage=REQUEST_USAGE,
        )
    refuse_split_description(text)
    tier, amount = unconfirmed_details(text, options)
    if tier or amount:
        add = " ".join(
            part for part in (f"tier:{tier}" if tier else "", f"arr:{amount}" if amount else "") if part
        )
        seen = " and ".join(
            part for part in (tier and f"a tier ({tier})", amount and f"an amount ({amount})") if part
        )
        seen_zh = "和".join(
            part for part in (tier and f"等级（{tier}）", amount and f"金额（{amount}）") if part
        )
        raise UsageError(
            f"Your text names {seen}, but the request would be logged without it. Please confirm: send it "
            f"again with `{add}`, or put the description in quotes to log it as it is.",
            f"你的描述里提到了{seen_zh}，但不会被记录。请确认：加上 `{add}` 重新发送，或给描述加引号按原样记录。",
            usage=REQUEST_USAGE,
        )
    return build_input(
        description=description,
        customer=options.get("customer"),
        tier=options.get("tier"),
        urgency=options.get("urgency"),
        arr=options.get("arr"),
        area=options.get("area"),
    )
