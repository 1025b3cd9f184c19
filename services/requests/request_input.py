"""What a new feature request holds before it is stored: `RequestInput`, built and validated by `build_input`.

Any entry point (the `request …` command, the request form, a script) collects the raw field values and calls
`build_input`; every bad field is reported at once as `FormErrors` (a bilingual `UsageError`) keyed by the field
names, before anything is stored. `make_title` derives a request's title from its description.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.errors import UsageError
from bot.forms import FieldChecks
from services.requests.vocabulary import NO_ARR, Money, parse_money, parse_tier, parse_urgency

DEFAULT_TIER = "silver"
DEFAULT_URGENCY = "normal"
DEFAULT_AREA = "general"
DEFAULT_CUSTOMER = "(unspecified)"
MAX_DESCRIPTION = 4000
MAX_CUSTOMER = 200
MAX_AREA = 100


@dataclass(frozen=True)
class RequestInput:
    description: str
    customer: str = DEFAULT_CUSTOMER
    tier: str = DEFAULT_TIER
    urgency: str = DEFAULT_URGENCY
    arr: Money = NO_ARR
    area: str = DEFAULT_AREA


def _clean_text(value: str, *, limit: int, what_en: str, what_zh: str) -> str:
    if len(value) > limit:
        raise UsageError(
            f"The {what_en} is too long ({len(value)} characters; at most {limit}).",
            f"{what_zh}太长（{len(value)} 个字符；最多 {limit}）。",
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
    money = checks.check("arr", parse_money, arr) if arr and arr.strip() else NO_ARR
    checks.raise_if_any()
    assert tier_value is not None and urgency_value is not None and money is not None
    return RequestInput(
        description=description,
        customer=customer_name,
        tier=tier_value,
        urgency=urgency_value,
        arr=money,
        area=area_name,
    )


def make_title(description: str, *, limit: int = 80) -> str:
    """The first line of the description, cut at a word boundary."""
    first = description.strip().splitlines()[0].strip() if description.strip() else ""
    if len(first) <= limit:
        return first
    cut = first[:limit]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit // 2 else cut).rstrip() + "…"
