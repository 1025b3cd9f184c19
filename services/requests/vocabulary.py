"""The values a feature request's fields take: customer tiers, urgencies, statuses and ARR amounts.

Each value has a canonical English word, a Chinese name (`TIER_ZH`, `URGENCY_ZH`, `STATUS_ZH`) and the aliases
people type in either language (`金牌` → gold, `阻塞` → blocker, `已排期` → planned). Amounts are read from `120k`, `1.2m`,
`$50,000`, `¥80万` … into `Money` and shown back the way sales teams count (`¥80万`, `$1.5M`).

Everything here is pure (no database). A bad value raises a bilingual `UsageError` naming the allowed values;
the chat handlers add their command's usage text to it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.errors import UsageError

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

OPEN_STATUSES = ("new", "triaged", "planned", "in-progress")
STATUSES = (*OPEN_STATUSES, "shipped", "declined")
SETTABLE_STATUSES = STATUSES[1:]  # what `requests status` moves a request to
LISTED_STATUSES = (*STATUSES, "merged")  # what a request can be in (a merged one points at its target)
RELEASE_STATUSES = ("planned", "in-progress", "shipped")  # statuses that may name a release
STATUS_ZH = {
    "new": "新建",
    "triaged": "已分诊",
    "planned": "已排期",
    "in-progress": "开发中",
    "shipped": "已发布",
    "declined": "已拒绝",
    "merged": "已合并",
}
STATUS_ALIASES = {
    "new": "new",
    "新建": "new",
    "triaged": "triaged",
    "分诊": "triaged",
    "已分诊": "triaged",
    "planned": "planned",
    "排期": "planned",
    "已排期": "planned",
    "计划": "planned",
    "in-progress": "in-progress",
    "in_progress": "in-progress",
    "inprogress": "in-progress",
    "progress": "in-progress",
    "开发中": "in-progress",
    "进行中": "in-progress",
    "shipped": "shipped",
    "released": "shipped",
    "发布": "shipped",
    "已发布": "shipped",
    "已上线": "shipped",
    "declined": "declined",
    "rejected": "declined",
    "拒绝": "declined",
    "已拒绝": "declined",
    "merged": "merged",
    "已合并": "merged",
}

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


NO_ARR = Money(0.0, "USD")  # no amount given


def _allowed(values: tuple[str, ...], zh: dict[str, str]) -> tuple[str, str]:
    return ", ".join(values), "、".join(f"{zh[v]}({v})" for v in values)


def parse_tier(value: str) -> str:
    """A tier word in either language → the canonical tier (`金牌` → gold)."""
    key = value.strip().lower()
    if key in TIER_ALIASES:
        return TIER_ALIASES[key]
    en, zh = _allowed(TIERS, TIER_ZH)
    raise UsageError(f"Unknown tier {value!r}. Allowed: {en}.", f"未知的客户等级 {value!r}。可选：{zh}。")


def parse_urgency(value: str) -> str:
    """An urgency word in either language → the canonical urgency (`阻塞` → blocker)."""
    key = value.strip().lower()
    if key in URGENCY_ALIASES:
        return URGENCY_ALIASES[key]
    en, zh = _allowed(URGENCIES, URGENCY_ZH)
    raise UsageError(f"Unknown urgency {value!r}. Allowed: {en}.", f"未知的紧急度 {value!r}。可选：{zh}。")


def parse_status(value: str, *, allowed: tuple[str, ...] = LISTED_STATUSES) -> str:
    """A status word in either language → the canonical status (`已排期` → planned), one of `allowed`."""
    status = STATUS_ALIASES.get(value.strip().lower())
    if status is not None and status in allowed:
        return status
    en, zh = _allowed(allowed, STATUS_ZH)
    raise UsageError(f"Unknown status {value!r}. Allowed: {en}.", f"未知状态 {value!r}。可选：{zh}。")


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
        )
    suffix = match.group(2) or ""
    amount = float(match.group(1)) * _MULTIPLIERS.get(suffix, 1.0)
    if not currency:
        currency = "CNY" if suffix in {"万", "亿", "w", "千"} else default_currency
    if amount > 1e13:
        raise UsageError(f"The ARR {value!r} is implausibly large.", f"金额 {value!r} 大得不合理。")
    return Money(round(amount, 2), currency)


def format_money(amount: float, currency: str) -> str:
    symbol = {"USD": "$", "CNY": "¥", "EUR": "€", "GBP": "£", "JPY": "JP¥", "HKD": "HK$"}.get(currency, "")
    if currency == "CNY" and amount >= 1e4:  # Chinese sales teams count in 万 / 亿
        unit, size = ("亿", 1e8) if amount >= 1e8 else ("万", 1e4)
        return f"¥{amount / size:.2f}".rstrip("0").rstrip(".") + unit
    if amount >= 1e12:
        shown = f"{amount / 1e12:,.2f}".rstrip("0").rstrip(".") + "T"
    elif amount >= 1e9:
        shown = f"{amount / 1e9:.2f}".rstrip("0").rstrip(".") + "B"
    elif amount >= 1e6:
        shown = f"{amount / 1e6:.2f}".rstrip("0").rstrip(".") + "M"
    elif amount >= 1e3:
        shown = f"{amount / 1e3:.1f}".rstrip("0").rstrip(".") + "k"
    else:
        shown = f"{amount:.0f}"
    return f"{symbol}{shown}" if symbol else f"{shown} {currency}"


def plain_number(value: float, *, grouping: bool = False) -> str:
    """A score as people read it: at most two decimals, never an exponent (`2.1`, `1.75`, `25,000,000` with
    `grouping`; `f"{x:g}"` showed 25,000,000 as `2.5e+07` and 12,345.67 as `12345.7`)."""
    text = f"{value:,.2f}" if grouping else f"{value:.2f}"
    text = text.rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text
