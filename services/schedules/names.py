"""What a schedule is called, in English and Chinese, as its frequency says: a `daily` digest is a
"Daily sales digest / 销售日报", a `weekly mon` one a "Weekly sales digest / 销售周报". The chat confirmations,
`schedule list` and the posts' titles all take their names from here, so they never disagree.
"""

from __future__ import annotations

from services.schedules.timing import WORKWEEK

DAILY, WEEKLY, MONTHLY, OTHER = "daily", "weekly", "monthly", ""

# kind → frequency → (English, Chinese); OTHER is a crontab that is none of the three (several times a
# day, a few weekdays, some months only)
_NAMES: dict[str, dict[str, tuple[str, str]]] = {
    "sync": {
        DAILY: ("Daily sync reminder", "每日同步会提醒"),
        WEEKLY: ("Weekly sync reminder", "周同步会提醒"),
        MONTHLY: ("Monthly sync reminder", "月度同步会提醒"),
        OTHER: ("Sync reminder", "同步会提醒"),
    },
    "digest": {
        DAILY: ("Daily sales digest", "销售日报"),
        WEEKLY: ("Weekly sales digest", "销售周报"),
        MONTHLY: ("Monthly sales digest", "销售月报"),
        OTHER: ("Sales digest", "销售简报"),
    },
    "pm-digest": {
        DAILY: ("Daily PM digest", "产品经理日报"),
        WEEKLY: ("Weekly PM digest", "产品经理周报"),
        MONTHLY: ("Monthly PM digest", "产品经理月报"),
        OTHER: ("PM digest", "产品经理简报"),
    },
}
_LSCPA = ("LSCPA objection practice", "LSCPA 异议处理练习")
_SYNC_TITLES = {
    DAILY: ("Daily product–sales sync", "产品–销售每日同步会"),
    WEEKLY: ("Weekly product–sales sync", "产品–销售周同步会"),
    MONTHLY: ("Monthly product–sales sync", "产品–销售月度同步会"),
    OTHER: ("Product–sales sync", "产品–销售同步会"),
}


def frequency(cron: str) -> str:
    """`DAILY` (every day, or every working day), `WEEKLY` (one weekday), `MONTHLY` (one day of the month)
    or `OTHER`, for a stored 5-field crontab (`services.schedules.timing.parse_when` / `validate_crontab`)."""
    fields = cron.split()
    if len(fields) != 5:
        return OTHER
    minute, hour, day, month, weekday = fields
    if not (minute.isdecimal() and hour.isdecimal()) or month != "*":
        return OTHER  # several times a day, or only some months
    if day == "*":
        if weekday in {"*", WORKWEEK}:
            return DAILY
        if "," not in weekday and "-" not in weekday and "/" not in weekday:
            return WEEKLY
        return OTHER
    if day.isdecimal() and weekday == "*":
        return MONTHLY
    return OTHER


def kind_name(kind: str, how_often: str) -> tuple[str, str]:
    """(English, Chinese) name of a schedule of `kind` that runs `how_often` (a `frequency`), e.g.
    ("Daily sales digest", "销售日报")."""
    if kind == "lscpa":
        return _LSCPA
    names = _NAMES.get(kind)
    return names.get(how_often, names[OTHER]) if names is not None else (kind, kind)


def schedule_name(kind: str, cron: str) -> tuple[str, str]:
    """(English, Chinese) name of a schedule of `kind` running at `cron`."""
    return kind_name(kind, frequency(cron))


def sync_title(how_often: str) -> tuple[str, str]:
    """(English, Chinese) title of a sync reminder's post, e.g. ("Weekly product–sales sync", "产品–销售周同步会")."""
    return _SYNC_TITLES.get(how_often, _SYNC_TITLES[OTHER])
