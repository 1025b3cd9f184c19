"""What the announcements, knowledge, schedules and charts pages share: ids from the path, dates in the team's
timezone, the one-line notice an action leaves (`?notice=…&n=…`), people as `platform:user`."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime

from bot.clock import as_utc
from bot.i18n import weekday
from dashboard.web import Ctx, not_found

Notices = Mapping[str, tuple[str, str]]


def whole_number(text: str, *, digits: int = 9) -> int | None:
    """`12` (or full-width `１２`) → 12; None for anything else. Not `str.isdigit`: it also accepts `²` and
    `①`, which `int()` refuses (a 500 page, found by poking the dashboard's URLs)."""
    if not text.isdecimal() or len(text) > digits:
        return None
    return int(text)


def path_id(ctx: Ctx, name: str, *, what_en: str, what_zh: str) -> int:
    """A numeric id from the path; anything else is a 404 page naming what was asked for."""
    raw = ctx.path_param(name)
    number = whole_number(raw)
    if number is None:
        raise not_found(f"There is no {what_en} {raw!r}.", f"没有编号为 {raw!r} 的{what_zh}。")
    return number


def local_time(ctx: Ctx, moment: datetime | None) -> str:
    """`2026-11-23 10:00` in the team's timezone (SALESBRIDGE_TIMEZONE); "—" for none."""
    if moment is None:
        return "—"
    return as_utc(moment).astimezone(ctx.services.settings.tz).strftime("%Y-%m-%d %H:%M")


def local_today(ctx: Ctx) -> date:
    return ctx.services.now().astimezone(ctx.services.settings.tz).date()


def day_text(ctx: Ctx, day: date | None) -> str:
    """`2026-11-23 Mon` / `2026-11-23 周一`."""
    return "—" if day is None else f"{day.isoformat()} {weekday(ctx.lang, day)}"


def notice_text(ctx: Ctx, notices: Notices) -> str:
    """The sentence of `?notice=<code>` (only known codes; a number from `?n=`, a date from `?d=`), "" otherwise."""
    code = ctx.param("notice")
    if code not in notices:
        return ""
    count = whole_number(ctx.param("n")) or 0
    en, zh = notices[code]
    return ctx.t(en, zh).format(n=count, d=_safe_date(ctx.param("d")))


def _safe_date(text: str) -> str:
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        return "—"


def person(platform: str, user: str) -> str:
    return f"{platform}:{user}" if platform else user
