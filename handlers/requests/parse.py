"""Parsing what reps type: `request <description> customer: tier: urgency: arr: area:` in English or Chinese.

Everything here is pure (no database); bad values raise a bilingual `UsageError` naming the allowed values,
before anything is stored (`FormErrors`, one message per bad field, when several fields are checked).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from bot.commands import refuse_unknown_options
from bot.errors import UsageError
from bot.forms import FieldChecks

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

TIERS = ("diamond", "gold", "silver", "bronze")
URGENCIES = ("blocker", "high", "normal", "low")
TIER_ALIASES = {
    "diamond": "diamond",
    "钻石": "diamond",
    "gold": "gold",
    "金牌": "gold",
    "金": "gold",
    "silver": "silver",
    "银牌": "silver",
    "银": "silver",
    "bronze": "bronze",
    "铜牌": "bronze",
    "铜": "bronze",
}
URGENCY_ALIASES = {
    "blocker": "blocker",
    "阻塞": "blocker",
    "卡点": "blocker",
    "high": "high",
    "高": "high",
    "normal": "normal",
    "medium": "normal",
    "中": "normal",
    "普通": "normal",
    "low": "low",
    "低": "low",
}
TIER_ZH = {"diamond": "钻石", "gold": "金牌", "silver": "银牌", "bronze": "铜牌"}
URGENCY_ZH = {"blocker": "阻塞", "high": "高", "normal": "普通", "low": "低"}

DEFAULT_TIER = "silver"
DEFAULT_URGENCY = "normal"
DEFAULT_AREA = "general"
DEFAULT_CUSTOMER = "(unspecified)"
MAX_DESCRIPTION = 4000
MAX_CUSTOMER = 200
MAX_AREA = 100

# Approximate conversion to USD so that ARR in different currencies can be summed and ranked. The amount
# and currency the rep typed are stored as given; only the ranking uses these rates.
USD_PER_UNIT = {"USD": 1.0, "CNY": 0.14, "EUR": 1.08, "GBP": 1.27, "JPY": 0.0067, "HKD": 0.128}
_CURRENCY_MARKS = (
    ("us$", "USD"),
    ("usd", "USD"),
    ("$", "USD"),
    ("rmb", "CNY"),
    ("cny", "CNY"),
    ("¥", "CNY"),
    ("￥", "CNY"),
    ("元", "CNY"),
    ("eur", "EUR"),
    ("€", "EUR"),
    ("gbp", "GBP"),
    ("£", "GBP"),
    ("jpy", "JPY"),
    ("hkd", "HKD"),
)
_MULTIPLIERS = {"k": 1e3, "m": 1e6, "mm": 1e6, "b": 1e9, "bn": 1e9, "千": 1e3, "万": 1e4, "w": 1e4, "亿": 1e8}
_AMOUNT = re.compile(r"^(\d+(?:\.\d+)?)\s*(k|mm|m|bn|b|千|万|w|亿)?$")


@dataclass(frozen=True)
class Money:
    amount: float
    currency: str

    @property
    def usd(self) -> float:
        return round(self.amount * USD_PER_UNIT.get(self.currency, 1.0), 2)


@dataclass(frozen=True)
class RequestInput:
    description: str
    customer: str = DEFAULT_CUSTOMER
    tier: str = DEFAULT_TIER
    urgency: str = DEFAULT_URGENCY
    arr: Money = Money(0.0, "USD")
    area: str = DEFAULT_AREA


def _allowed(values: tuple[str, ...], zh: dict[str, str]) -> tuple[str, str]:
    return ", ".join(values), "、".join(f"{zh[v]}({v})" for v in values)


def parse_tier(value: str) -> str:
    key = value.strip().lower()
    if key in TIER_ALIASES:
        return TIER_ALIASES[key]
    en, zh = _allowed(TIERS, TIER_ZH)
    raise UsageError(
        f"Unknown tier {value!r}. Allowed: {en}.",
        f"未知的客户等级 {value!r}。可选：{zh}。",
        usage=REQUEST_USAGE,
    )


def parse_urgency(value: str) -> str:
    key = value.strip().lower()
    if key in URGENCY_ALIASES:
        return URGENCY_ALIASES[key]
    en, zh = _allowed(URGENCIES, URGENCY_ZH)
    raise UsageError(
        f"Unknown urgency {value!r}. Allowed: {en}.",
        f"未知的紧急度 {value!r}。可选：{zh}。",
        usage=REQUEST_USAGE,
    )


def parse_money(value: str, *, default_currency: str = "USD") -> Money:
    """`120k`, `1.2m`, `¥80万`, `$50,000`, `80万元`, `EUR 30k`, `50000` → Money (amount, currency)."""
    text = value.strip().lower().replace(",", "").replace("，", "").replace("_", "")
    currency = ""
    for mark, code in _CURRENCY_MARKS:
        if mark in text:
            currency = currency or code
            text = text.replace(mark, "")
    text = text.replace("/yr", "").replace("/year", "").replace("每年", "").replace("/年", "").strip()
    match = _AMOUNT.match(text)
    if not match or not value.strip():
        raise UsageError(
            f"Cannot read the ARR {value!r}. Examples: 120k, 1.2m, $50,000, ¥80万.",
            f"无法识别金额 {value!r}。示例：120k、1.2m、$50,000、¥80万。",
            usage=REQUEST_USAGE,
        )
    suffix = match.group(2) or ""
    amount = float(match.group(1)) * _MULTIPLIERS.get(suffix, 1.0)
    if not currency:
        currency = "CNY" if suffix in {"万", "亿", "w", "千"} else default_currency
    if amount > 1e13:
        raise UsageError(
            f"The ARR {value!r} is implausibly large.", f"金额 {value!r} 大得不合理。", usage=REQUEST_USAGE
        )
    return Money(round(amount, 2), currency)


def format_money(amount: float, currency: str) -> str:
    symbol = {"USD": "$", "CNY": "¥", "EUR": "€", "GBP": "£", "JPY": "JP¥", "HKD": "HK$"}.get(currency, "")
    if currency == "CNY" and amount >= 1e4:  # Chinese sales teams count in 万 / 亿
        unit, size = ("亿", 1e8) if amount >= 1e8 else ("万", 1e4)
        return f"¥{amount / size:.2f}".rstrip("0").rstrip(".") + unit
    if amount >= 1e6:
        shown = f"{amount / 1e6:.2f}".rstrip("0").rstrip(".") + "M"
    elif amount >= 1e3:
        shown = f"{amount / 1e3:.1f}".rstrip("0").rstrip(".") + "k"
    else:
        shown = f"{amount:.0f}"
    return f"{symbol}{shown}" if symbol else f"{shown} {currency}"


def _clean_text(value: str, *, limit: int, what_en: str, what_zh: str) -> str:
    if len(value) > limit:
        raise UsageError(
            f"The {what_en} is too long ({len(value)} characters; at most {limit}).",
            f"{what_zh}太长（{len(value)} 个字符；最多 {limit}）。",
            usage=REQUEST_USAGE,
        )
    return value


def build_input(
    *,
    description: str,
    customer: str | None = None,
    tier: str | None = None,
    urgency: str | None = None,
    arr: str | None = None,
    area: str | None = None,
) -> RequestInput:
    """Validate every field (or apply its default). Every bad field is reported at once: `FormErrors` (a
    bilingual UsageError) keyed by the field names of the request form."""
    checks = FieldChecks()
    description = description.strip()
    if not description:
        checks.fail(
            "description",
            "Describe what the customer needs, e.g. `request SAML SSO login customer:Acme`.",
            "请描述客户的需求，例如：`需求 支持 SAML SSO 登录 客户:某某银行`。",
        )
    checks.check(
        "description",
        _clean_text,
        description,
        limit=MAX_DESCRIPTION,
        what_en="description",
        what_zh="需求描述",
    )
    customer_name = (customer or "").strip() or DEFAULT_CUSTOMER
    checks.check(
        "customer",
        _clean_text,
        customer_name,
        limit=MAX_CUSTOMER,
        what_en="customer name",
        what_zh="客户名称",
    )
    area_name = (area or "").strip() or DEFAULT_AREA
    checks.check("area", _clean_text, area_name, limit=MAX_AREA, what_en="product area", what_zh="产品模块")
    tier_value = checks.check("tier", parse_tier, tier) if tier and tier.strip() else DEFAULT_TIER
    urgency_value = (
        checks.check("urgency", parse_urgency, urgency) if urgency and urgency.strip() else DEFAULT_URGENCY
    )
    money = checks.check("arr", parse_money, arr) if arr and arr.strip() else Money(0.0, "USD")
    checks.raise_if_any(usage=REQUEST_USAGE)
    assert tier_value is not None and urgency_value is not None and money is not None
    return RequestInput(
        description=description,
        customer=customer_name,
        tier=tier_value,
        urgency=urgency_value,
        arr=money,
        area=area_name,
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


def _value_end(source: str, pos: int) -> tuple[str, int]:
    """A (possibly quoted) option value starting at `pos`, and the position after it."""
    if pos < len(source) and source[pos] in _QUOTES:
        end = source.find(_QUOTES[source[pos]], pos + 1)
        if end == -1:
            return source[pos + 1 :], len(source)
        return source[pos + 1 : end], end + 1
    end = pos
    while end < len(source) and not source[end].isspace():
        end += 1
    return source[pos:end], end


def split_options(source: str) -> tuple[str, dict[str, str], list[str]]:
    """Cut the known `key:value` options out of `source`; the rest is the description, verbatim.

    Unlike `bot.commands.parse_args`, the description keeps its line breaks and spacing (a pasted customer
    e-mail stays readable). A description wrapped whole in quotes loses the outer pair.
    """
    options: dict[str, str] = {}
    duplicates: list[str] = []
    kept: list[str] = []
    pos = start = 0
    while pos < len(source):
        at_word = pos == 0 or source[pos - 1].isspace()
        match = _KEY.match(source, pos) if at_word else None
        if match and match.group(1).lower() in OPTION_KEYS:
            canonical = OPTION_KEYS[match.group(1).lower()]
            value, end = _value_end(source, match.end())
            if canonical in options:
                duplicates.append(canonical)
            options[canonical] = value.strip()
            kept.append(source[start:pos])
            pos = start = end
            continue
        if source[pos] in _QUOTES and at_word:  # a quoted run in the description: skip over it whole
            _, pos = _value_end(source, pos)
            continue
        pos += 1
    kept.append(source[start:])
    lines = [line.strip() for line in "".join(kept).strip().splitlines()]
    description = "\n".join(re.sub(r"[ \t]{2,}", " ", line) for line in lines).strip()
    if len(description) >= 2 and description[0] in _QUOTES and description.endswith(_QUOTES[description[0]]):
        inner = description[1:-1]
        if _QUOTES[description[0]] not in inner:
            description = inner.strip()
    return description, options, duplicates


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


def make_title(description: str, *, limit: int = 80) -> str:
    """The first line of the description, cut at a word boundary."""
    first = description.strip().splitlines()[0].strip() if description.strip() else ""
    if len(first) <= limit:
        return first
    cut = first[:limit]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit // 2 else cut).rstrip() + "…"
