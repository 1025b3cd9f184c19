"""Parsing `request …` in both languages: options, quoting, defaults, bad values, ARR formats."""

from __future__ import annotations

import pytest

from bot.errors import UsageError
from bot.forms import FormErrors
from handlers.requests.parse import build_input, parse_request_text
from services.requests.request_input import make_title
from services.requests.vocabulary import Money, format_money, parse_money


def test_english_options_with_quotes() -> None:
    data = parse_request_text(
        'SAML SSO login customer:"Acme Corp" tier:gold urgency:high arr:120k area:"Admin console"'
    )
    assert data.description == "SAML SSO login"
    assert data.customer == "Acme Corp"
    assert (data.tier, data.urgency, data.area) == ("gold", "high", "Admin console")
    assert data.arr == Money(120_000, "USD")


def test_chinese_keys_and_values_with_fullwidth_colon() -> None:
    data = parse_request_text(
        "支持 SAML SSO 登录 客户：「某某银行」 等级:钻石 紧急度：阻塞 金额:¥80万 模块:安全"
    )
    assert data.description == "支持 SAML SSO 登录"
    assert data.customer == "某某银行"
    assert (data.tier, data.urgency, data.area) == ("diamond", "blocker", "安全")
    assert data.arr == Money(800_000, "CNY")
    assert data.arr.usd == pytest.approx(112_000)


def test_only_description_is_required_and_defaults_apply() -> None:
    data = parse_request_text("Dark mode for the mobile app")
    assert (data.customer, data.tier, data.urgency, data.area) == (
        "(unspecified)",
        "silver",
        "normal",
        "general",
    )
    assert data.arr == Money(0.0, "USD")


def test_urls_and_times_stay_in_the_description() -> None:
    data = parse_request_text("Webhook to https://example.com/hook at 10:00 customer:Acme")
    assert data.description == "Webhook to https://example.com/hook at 10:00"


@pytest.mark.parametrize(
    ("text", "en_fragment", "zh_fragment"),
    [
        ("SSO tier:platinum", "diamond, gold, silver, bronze", "钻石"),
        ("SSO urgency:asap", "blocker, high, normal, low", "阻塞"),
        ("SSO arr:lots", "120k", "¥80万"),
        ("tier:gold customer:Acme", "Describe", "描述"),
        ("SSO customer:A customer:B", "more than once", "重复"),
    ],
)
def test_bad_values_name_the_allowed_ones_in_both_languages(
    text: str, en_fragment: str, zh_fragment: str
) -> None:
    with pytest.raises(UsageError) as caught:
        parse_request_text(text)
    assert en_fragment in caught.value.en
    assert zh_fragment in caught.value.zh


@pytest.mark.parametrize(
    ("text", "en_fragment", "zh_fragment"),
    [
        (
            "x customer:",
            '`customer:` needs a value right after the colon, e.g. customer:"Acme Corp"',
            "`客户:`",
        ),
        (
            "x tier:",
            "`tier:` needs a value right after the colon, e.g. tier:gold",
            "`等级:` 冒号后面需要紧跟取值",
        ),
        ("x tier: gold", "`tier:` needs a value", "等级:金牌"),
        ('x customer:""', "`customer:` needs a value", '客户:"某某银行"'),
        ("x 客户： 金额:", "`customer:`, `arr:` need a value", "`客户:`、`金额:`"),
    ],
)
def test_an_option_without_a_value_is_refused(text: str, en_fragment: str, zh_fragment: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse_request_text(text)
    assert en_fragment in caught.value.en and zh_fragment in caught.value.zh
    assert caught.value.usage.startswith("request <description>")


@pytest.mark.parametrize(
    ("text", "shown", "closing"),
    [
        ('"unterminated quote customer:Acme', '"unterminated quote customer:Acme', '"'),
        ('SSO customer:"Acme Corp tier:gold', '"Acme Corp tier:gold', '"'),
        ("“单点登录 客户:某某银行", "“单点登录 客户:某某银行", "”"),
    ],
)
def test_an_unterminated_quote_is_refused(text: str, shown: str, closing: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse_request_text(text)
    assert f"`{shown}` is never closed" in caught.value.en and f"Close it with {closing}" in caught.value.en
    assert "没有闭合" in caught.value.zh and f"请用 {closing} 闭合" in caught.value.zh
    assert caught.value.usage.startswith("request <description>")
    # closed, or an apostrophe inside a word: logged as typed
    assert parse_request_text(text + closing).description
    assert parse_request_text("Customer's 5\" screen customer:Acme").customer == "Acme"


def test_description_over_4000_characters_is_refused() -> None:
    with pytest.raises(UsageError):
        parse_request_text("x" * 4001)
    assert len(parse_request_text("x" * 4000).description) == 4000


@pytest.mark.parametrize(
    ("raw", "amount", "currency"),
    [
        ("120k", 120_000, "USD"),
        ("1.2m", 1_200_000, "USD"),
        ("$50,000", 50_000, "USD"),
        ("¥80万", 800_000, "CNY"),
        ("80万元", 800_000, "CNY"),
        ("1.5亿", 150_000_000, "CNY"),
        ("RMB 300k", 300_000, "CNY"),
        ("€30k", 30_000, "EUR"),
        ("50000", 50_000, "USD"),
        ("200K USD", 200_000, "USD"),
    ],
)
def test_money_formats(raw: str, amount: float, currency: str) -> None:
    assert parse_money(raw) == Money(amount, currency)


@pytest.mark.parametrize("raw", ["", "k", "12..5", "-5", "1e9", "abc"])
def test_bad_money(raw: str) -> None:
    with pytest.raises(UsageError):
        parse_money(raw)


def test_money_display() -> None:
    assert format_money(120_000, "USD") == "$120k"
    assert format_money(800_000, "CNY") == "¥80万"
    assert format_money(1_500_000, "USD") == "$1.5M"


def test_title_is_first_line_cut_at_a_word() -> None:
    assert make_title("Short title\nmore detail") == "Short title"
    long = "word " * 40
    title = make_title(long)
    assert title.endswith("…") and len(title) <= 81


def test_description_keeps_line_breaks_and_inner_quotes() -> None:
    data = parse_request_text('Customer wrote:\n  "We need SSO"\n\nThanks customer:Acme tier:gold')
    assert data.description == 'Customer wrote:\n"We need SSO"\n\nThanks'
    assert (data.customer, data.tier) == ("Acme", "gold")


def test_wholly_quoted_description_is_unwrapped() -> None:
    assert parse_request_text('"SAML SSO" customer:Acme').description == "SAML SSO"
    assert parse_request_text("“单点登录” 客户:某某银行").description == "单点登录"


def test_option_words_inside_the_description_are_not_options() -> None:
    data = parse_request_text('Webhook "customer:abc" field for mailto:x@y.z')
    assert data.customer == "(unspecified)"
    assert data.description == 'Webhook "customer:abc" field for mailto:x@y.z'


def test_unknown_options_are_refused_with_did_you_mean_in_both_languages() -> None:
    with pytest.raises(UsageError) as caught:
        parse_request_text("Bulk edit customer:Umbrella teir:diamond urgancy:blocker")
    error = caught.value
    assert (
        "`teir:` (did you mean `tier:`?)" in error.en and "`urgancy:` (did you mean `urgency:`?)" in error.en
    )
    assert "`customer:`, `tier:`, `urgency:`, `arr:`, `area:`" in error.en
    assert "是不是想写 `tier:`" in error.zh and "可用选项" in error.zh
    with pytest.raises(UsageError, match="等级"):
        parse_request_text("支持批量编辑 客户:某某银行 等极:钻石")
    # times, links, prose colons and quoted text are not options
    for text in (
        "Sync at 10:00 daily customer:Acme",
        "Open https://example.com/x and mailto:x@y.z links",
        "客户说：价格太高了 客户:某某银行",
        'Support "ratio:16:9" video note: please hurry',
    ):
        parse_request_text(text)


def test_a_tier_or_amount_in_free_text_is_confirmed_not_silently_dropped() -> None:
    with pytest.raises(UsageError) as caught:
        parse_request_text("Bulk edit for a diamond account worth about 300k customer:Umbrella")
    assert "`tier:diamond arr:300k`" in caught.value.en and "tier:diamond arr:300k" in caught.value.zh
    with pytest.raises(UsageError, match="tier:diamond"):
        parse_request_text("批量编辑，钻石客户 客户:某某银行")
    # given as options, quoted, or an amount that is not money: logged as typed
    assert parse_request_text("Bulk edit tier:diamond arr:300k customer:Umbrella").tier == "diamond"
    assert parse_request_text('"Bulk edit for a diamond account worth about 300k"').tier == "silver"
    assert parse_request_text("Import 10k rows at once").arr.amount == 0


def test_build_input_reports_every_bad_field_at_once() -> None:
    with pytest.raises(FormErrors) as caught:
        build_input(
            description="", tier="platinum", urgency="soon", arr="lots", area="a" * 101, customer="Acme"
        )
    assert set(caught.value.errors) == {"description", "tier", "urgency", "arr", "area"}
    assert "diamond, gold, silver, bronze" in caught.value.errors["tier"][0].replace("`", "")
    assert (
        isinstance(caught.value, UsageError) and "platinum" in caught.value.en and "lots" in caught.value.en
    )
