"""End-of-sale and release validation: every missing-field combination, date rules, targets, `at:`."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.errors import UsageError
from services.announcements.targets import Target, parse_target
from services.announcements.validate import EOS_REQUIRED, LATE_NOTICE_DAYS, validate_eos, validate_release
from services.announcements.values import parse_date, parse_when
from tests.fakes.chat import tokens

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # 2026-11-23 10:00 in Shanghai
COMPLETE = {
    "product": "LegacyDB",
    "channels": "slack:C9",
    "reason": "Replaced by the cloud edition",
    "last_order": "2027-06-30",
    "end_of_support": "2028-06-30",
    "scope": "All on-prem 2.x licences",
    "alternative": "CloudDB 3",
    "support": "Security fixes until end of support",
    "contact": "<@UPM>",
}
KEYS = [key for key, _, _ in EOS_REQUIRED]
SUBSETS = [combo for size in range(1, len(KEYS) + 1) for combo in itertools.combinations(KEYS, size)]


def test_there_are_127_missing_field_combinations() -> None:
    assert len(SUBSETS) == 2**7 - 1 == 127


@pytest.mark.parametrize("missing", SUBSETS, ids=lambda combo: "+".join(combo))
def test_eos_notice_missing_fields_is_refused_with_exactly_what_is_missing(missing: tuple[str, ...]) -> None:
    options = {key: value for key, value in COMPLETE.items() if key not in missing}
    if len(missing) % 2:  # blank values count as missing too
        options.update({key: "  " for key in missing[:1]})
    with pytest.raises(UsageError) as caught:
        validate_eos(options=options, now=NOW, tz=TZ)
    en, zh = caught.value.en, caught.value.zh
    labels = {key: (label_en, label_zh) for key, label_en, label_zh in EOS_REQUIRED}
    listed_zh = set(zh.split("缺少：", 1)[1].rstrip("。").split("、"))
    assert listed_zh == {labels[key][1] for key in missing}
    for key in KEYS:
        option = {"last_order": "last-order", "end_of_support": "end-of-support"}.get(key, key)
        assert (f"`{option}:`" in en) == (key in missing), (key, en)
    assert en.startswith("End-of-sale notice refused — missing:")


def test_complete_eos_notice_passes_and_normalises_the_contact() -> None:
    draft = validate_eos(options={**COMPLETE, "contact": "@UPM"}, now=NOW, tz=TZ)
    assert draft.contact == tokens("<@UPM>") and draft.support_plan.startswith("Security")
    assert draft.warnings == []  # > 90 days of notice
    plain = validate_eos(options={**COMPLETE, "contact": "Ann Li (ann@example.com)"}, now=NOW, tz=TZ)
    assert plain.contact == "Ann Li (ann@example.com)"


def test_product_and_channels_are_required_too() -> None:
    options = {k: v for k, v in COMPLETE.items() if k not in ("product", "channels")}
    with pytest.raises(UsageError) as caught:
        validate_eos(options=options, now=NOW, tz=TZ)
    assert "product" in caught.value.en and "频道" in caught.value.zh


@pytest.mark.parametrize(
    ("last_order", "end_of_support", "message"),
    [
        ("2026-11-23", "2028-01-01", "must be in the future"),  # today is not the future
        ("2025-01-01", "2028-01-01", "must be in the future"),
        ("2027-06-30", "2027-06-30", "must come after"),
        ("2027-06-30", "2027-01-01", "must come after"),
        ("2027-02-30", "2028-01-01", "not a valid date"),
        ("next week", "2028-01-01", "not a valid date"),
        ("2027-06-30", "someday", "not a valid date"),
    ],
)
def test_eos_date_rules(last_order: str, end_of_support: str, message: str) -> None:
    with pytest.raises(UsageError) as caught:
        validate_eos(
            options={**COMPLETE, "last_order": last_order, "end_of_support": end_of_support}, now=NOW, tz=TZ
        )
    assert message in caught.value.en and caught.value.zh


def test_late_notice_warns_but_does_not_refuse() -> None:
    draft = validate_eos(options={**COMPLETE, "last_order": "2027-01-31"}, now=NOW, tz=TZ)
    [(en, zh)] = draft.warnings
    assert "69 days" in en and str(LATE_NOTICE_DAYS) in en and "69 天" in zh
    on_the_edge = validate_eos(options={**COMPLETE, "last_order": "2027-02-21"}, now=NOW, tz=TZ)
    assert on_the_edge.warnings == []  # exactly 90 days


def test_dates_accept_slashes_and_the_schedule_timezone_decides_today() -> None:
    draft = validate_eos(options={**COMPLETE, "last_order": "2027/06/30"}, now=NOW, tz=TZ)
    assert draft.last_order is not None and draft.last_order.isoformat() == "2027-06-30"
    late_evening_utc = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)  # already 24 Nov in Shanghai
    with pytest.raises(UsageError):
        validate_eos(options={**COMPLETE, "last_order": "2026-11-24"}, now=late_evening_utc, tz=TZ)


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"last_order": "2207-06-30", "end_of_support": "2208-06-30"}, "last-order"),
        ({"end_of_support": "9999-12-31"}, "end-of-support"),
    ],
)
def test_dates_more_than_ten_years_ahead_are_refused(options: dict[str, str], field: str) -> None:
    with pytest.raises(UsageError) as caught:
        validate_eos(options={**COMPLETE, **options}, now=NOW, tz=TZ)
    assert f"{field}:" in caught.value.en and "more than 10 years ahead" in caught.value.en
    assert "请检查年份" in caught.value.zh
    base = {"product": "x", "version": "1", "highlights": "h", "channels": "slack:C9"}
    with pytest.raises(UsageError) as caught:
        validate_release(options={**base, "date": "9999-12-31"}, now=NOW, tz=TZ)
    assert "date: 9999-12-31 is more than 10 years ahead (the latest is 2036-11-23)" in caught.value.en
    with pytest.raises(UsageError) as caught:
        validate_release(options={**base, "date": "2027-01-01", "at": "2207-01-01 09:00"}, now=NOW, tz=TZ)
    assert "at: 2207-01-01" in caught.value.en
    assert validate_release(options={**base, "date": "2036-11-23"}, now=NOW, tz=TZ).release_date


@pytest.mark.parametrize(
    "written",
    [
        "2027-03-01",
        "2027-3-1",
        "2027/3/1",
        "2027.03.01",
        "2027年3月1日",
        "2027年3月1号",
        "２０２７－０３－０１",
        "20270301",
    ],
)
def test_dates_are_read_as_people_write_them(written: str) -> None:
    assert parse_date(written, label_en="date", label_zh="日期").isoformat() == "2027-03-01"


@pytest.mark.parametrize(
    ("written", "en", "zh"),
    [
        ("3/1", "'3/1' has no year; write the whole date", "缺少年份"),
        ("3月1日", "has no year", "例如 2027-03-31 或 2027年3月31日"),
        ("2027-02-30", "is not a valid date; use YYYY-MM-DD", "不是有效日期"),
        ("2027-W10-1", "is not a valid date", "不是有效日期"),
    ],
)
def test_dates_that_cannot_be_read_say_why(written: str, en: str, zh: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse_date(written, label_en="last-order", label_zh="最后订购日")
    assert en in caught.value.en and zh in caught.value.zh


def test_release_requires_its_fields_and_parses_ships() -> None:
    with pytest.raises(UsageError) as caught:
        validate_release(options={"product": "CloudDB"}, now=NOW, tz=TZ)
    assert "version" in caught.value.en and "highlights" in caught.value.en and "亮点" in caught.value.zh
    draft = validate_release(
        options={
            "product": "CloudDB",
            "version": "3.2",
            "date": "2026-12-01",
            "highlights": "SSO",
            "channels": "slack:C9",
            "ships": "#12, #31 ,12",
        },
        now=NOW,
        tz=TZ,
    )
    assert draft.ships == [12, 31] and draft.at is None
    with pytest.raises(UsageError):
        validate_release(
            options={
                **{
                    "product": "x",
                    "version": "1",
                    "date": "2026-12-01",
                    "highlights": "h",
                    "channels": "slack:C9",
                },
                "ships": "#12,abc",
            },
            now=NOW,
            tz=TZ,
        )


def test_at_must_be_a_future_time_in_the_schedule_timezone() -> None:
    assert parse_when("2026-12-01T09:30", tz=TZ) == datetime(2026, 12, 1, 1, 30, tzinfo=UTC)
    assert parse_when("2026-12-01", tz=TZ) == datetime(2026, 12, 1, 1, 0, tzinfo=UTC)  # 09:00 by default
    with pytest.raises(UsageError):
        parse_when("tomorrow", tz=TZ)
    base = {"product": "x", "version": "1", "date": "2026-12-01", "highlights": "h", "channels": "slack:C9"}
    with pytest.raises(UsageError) as caught:
        validate_release(options={**base, "at": "2026-11-23 09:00"}, now=NOW, tz=TZ)
    assert "in the past" in caught.value.en


@pytest.mark.parametrize(
    ("written", "utc"),
    [
        ("2026-12-01 9:30", datetime(2026, 12, 1, 1, 30, tzinfo=UTC)),
        ("2026-12-01T9:30", datetime(2026, 12, 1, 1, 30, tzinfo=UTC)),
        ("2026年12月1日 9:30", datetime(2026, 12, 1, 1, 30, tzinfo=UTC)),
        ("2026/12/1", datetime(2026, 12, 1, 1, 0, tzinfo=UTC)),
        ("2026-12-01T09:30Z", datetime(2026, 12, 1, 9, 30, tzinfo=UTC)),  # was read as 09:30 in Shanghai
        ("2026-12-01T09:30+01:00", datetime(2026, 12, 1, 8, 30, tzinfo=UTC)),
    ],
)
def test_at_reads_one_digit_hours_chinese_dates_and_written_offsets(written: str, utc: datetime) -> None:
    assert parse_when(written, tz=TZ) == utc


@pytest.mark.parametrize(
    "written", ["0001-01-01T00:00", "2026-12-01T25:00", "09:30", "2026-12-01T09:30+25:00"]
)
def test_at_out_of_range_is_a_usage_error(written: str) -> None:
    with pytest.raises(UsageError) as caught:  # year 1 in Shanghai is before UTC's first day: OverflowError
        parse_when(written, tz=TZ)
    assert "is not a valid date and time" in caught.value.en and "不是有效的日期时间" in caught.value.zh


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        ("slack:#sales", Target("slack", "#sales")),
        ("slack:C0123", Target("slack", "C0123")),
        ("Slack:C0123", Target("slack", "C0123")),
        ("<#C0123|sales>", Target("slack", "C0123")),
        ("slack:<#C0123|sales>", Target("slack", "C0123")),
        ("feishu:oc_abc", Target("feishu", "oc_abc")),
        ("feishu：oc_abc", Target("feishu", "oc_abc")),
        ("sales-cn", None),
        ("teams:abc", None),
        ("slack:", None),
    ],
)
def test_channel_targets(token: str, expected: Target | None) -> None:
    assert parse_target(token) == expected


def test_overlong_values_are_refused() -> None:
    with pytest.raises(UsageError) as caught:
        validate_eos(options={**COMPLETE, "product": "X" * 201}, now=NOW, tz=TZ)
    assert "at most 200" in caught.value.en
