"""`schedule` / `提醒`: recurring sync reminders, digests and LSCPA practice, managed in chat by PMs/admins.

schedule list
schedule add sync weekly mon 10:00 channels:slack:C0123,feishu:oc_abc tz:Asia/Shanghai calendar:cn
schedule pause|resume|remove|run <id>

Also the sync reminder's buttons ("Add agenda item" → form, "Can't attend") and the agenda form.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.chat_text import is_id, mention, parse_id
from bot.clock import as_utc
from bot.commands import parse_args, refuse_unknown_options, split_command_word, tokenize
from bot.errors import UsageError
from bot.forms import FormErrors
from bot.i18n import both, pick, weekday
from bot.messages import Form, FormInput, IncomingMessage, KeyValue, Reply
from bot.models import Schedule
from bot.router import ButtonText, Router
from services import calendars
from services.context import Services
from services.schedules.agenda import (
    ADD_ITEM_ACTION,
    CANT_ATTEND_ACTION,
    absentees,
    add_agenda_item,
    record_absence,
)
from services.schedules.names import schedule_name
from services.schedules.posting import MISFIRE_GRACE, run_schedule_detailed
from services.schedules.store import (
    KIND_ALIASES,
    KINDS,
    all_schedules,
    create_schedule,
    load_schedule,
    parse_channels,
    remove_schedule,
    set_paused,
    slot_key,
    upcoming_runs,
)
from services.schedules.timing import WHEN_HELP_EN, WHEN_HELP_ZH, parse_timezone, parse_when

USAGE = (
    "schedule list\n"
    "schedule add sync weekly mon 10:00 channels:slack:C0123,feishu:oc_abc tz:Asia/Shanghai calendar:cn\n"
    "schedule add digest daily 09:30\n"
    "schedule add pm-digest monthly 1 10:00 calendar:us tz:America/New_York\n"
    'schedule add lscpa "30 9 * * 1-5" calendar:cn\n'
    "schedule pause|resume|remove|run <id>\n"
    "提醒 add sync 每周 周一 10:00 频道:feishu:oc_abc 日历:cn"
)
OPTION_KEYS = {
    "channels": "channels", "channel": "channels", "频道": "channels", "群": "channels",
    "tz": "tz", "timezone": "tz", "时区": "tz",
    "calendar": "calendar", "cal": "calendar", "日历": "calendar",
}  # fmt: skip
OPTION_EXAMPLES = {
    "channels": "channels:slack:C0123,feishu:oc_abc",
    "tz": "tz:Asia/Shanghai",
    "calendar": "calendar:cn",
}
SUBCOMMANDS = {
    "list": "list", "ls": "list", "列表": "list", "查看": "list",
    "add": "add", "new": "add", "添加": "add", "新建": "add",
    "pause": "pause", "暂停": "pause",
    "resume": "resume", "恢复": "resume",
    "remove": "remove", "delete": "remove", "rm": "remove", "删除": "remove",
    "run": "run", "立即运行": "run", "运行": "run",
}  # fmt: skip
LOOKAHEAD = timedelta(days=45)  # warn this early that next year's Chinese holiday data is missing
AGENDA_FORM = "schedule.agenda.form"


def register(router: Router) -> None:
    router.command(
        "schedule",
        handle_schedule,
        aliases=("schedules", "提醒", "定时"),
        summary_en="Recurring sync reminders, digests and LSCPA practice: `schedule add sync weekly mon 10:00`",
        summary_zh="定时任务：同步会提醒、周报、LSCPA 练习：`提醒 add sync weekly mon 10:00`",
        usage=USAGE,
        details_en=(
            "Kinds: `sync` (weekly product–sales sync with a live agenda), `digest` (sales digest), "
            "`pm-digest` (PM digest), `lscpa` (objection practice). " + WHEN_HELP_EN + " Options: "
            "`channels:` (default: this channel), `tz:` (default SALESBRIDGE_TIMEZONE), `calendar:none|cn|us|…` "
            "(`cn` skips Chinese public holidays and runs on make-up workdays). Adding, pausing, removing and "
            "running need the PM or admin role."
        ),
        details_zh=(
            "类型：`sync`（产品–销售周同步会，议程来自实时数据）、`digest`（销售周报）、`pm-digest`（产品经理周报）、"
            "`lscpa`（异议处理练习）。" + WHEN_HELP_ZH + " 选项：`channels:`（默认当前频道）、`tz:`（默认 "
            "SALESBRIDGE_TIMEZONE）、`calendar:none|cn|us|…`（`cn` 跳过中国法定节假日并在调休日运行）。"
            "添加、暂停、删除和立即运行需要产品经理或管理员角色。"
        ),
    )
    router.button_text(
        ButtonText(
            command="schedule",
            words=("agenda", "议题"),
            action_id=ADD_ITEM_ACTION,
            form_id=AGENDA_FORM,
            field="item",
            label="Add agenda item / 添加议题",
            example="schedule agenda 3 Pricing of the EU plan",
        )
    )
    router.button_text(
        ButtonText(
            command="schedule",
            words=("absent", "cant-attend", "请假"),
            action_id=CANT_ATTEND_ACTION,
            label="Can't attend / 无法参加",
            example="schedule absent 3",
        )
    )
    router.action(ADD_ITEM_ACTION, handle_add_item_button)
    router.action(CANT_ATTEND_ACTION, handle_cant_attend)
    router.form(AGENDA_FORM, handle_agenda_form, validate=validate_agenda_form)


def handle_schedule(msg: IncomingMessage, services: Services) -> Reply:
    words = tokenize(msg.args)
    if not words:
        return list_schedules(msg, services)
    sub = SUBCOMMANDS.get(words[0].lower())
    if sub is None:
        raise UsageError(
            f"Unknown subcommand {words[0]!r}: use list, add, pause, resume, remove or run.",
            f"未知子命令 {words[0]!r}：可用 list、add、pause、resume、remove、run。",
            usage=USAGE,
        )
    if sub == "list":
        if len(words) > 1:
            raise UsageError(
                f"`schedule list` takes nothing after it (it shows every schedule), not {' '.join(words[1:])!r}.",
                f"`提醒 列表` 后面不需要参数（会列出全部定时任务），而不是 {' '.join(words[1:])!r}。",
                usage=USAGE,
            )
        return list_schedules(msg, services)
    services.roles.require(
        platform=msg.platform, user=msg.user, workspace=msg.role_workspace, roles=("pm", "admin")
    )
    rest = split_command_word(msg.args)[1]
    if sub == "add":
        return add_schedule(msg, services, rest)
    if len(words) != 2:
        raise UsageError(
            f"`schedule {sub}` needs exactly one schedule id, e.g. `schedule {sub} 3`.",
            f"`schedule {sub}` 需要一个任务编号，例如 `schedule {sub} 3`。",
            usage=USAGE,
        )
    schedule_id = parse_id(words[1], what_en="schedule", what_zh="定时任务")
    if sub == "run":
        return run_now(msg, services, schedule_id)
    return change_schedule(msg, services, schedule_id, sub)


# --- add -------------------------------------------------------------------------------------------------
def add_schedule(msg: IncomingMessage, services: Services, text: str) -> Reply:
    refuse_unknown_options(text, OPTION_KEYS, usage=USAGE)
    parsed = parse_args(text, keys=OPTION_KEYS)
    if parsed.duplicates:
        raise UsageError(
            f"Option {parsed.duplicates[0]}: given twice.",
            f"选项 {parsed.duplicates[0]}: 重复出现。",
            usage=USAGE,
        )
    empty = [key for key, value in parsed.options.items() if not value]
    if empty:
        example = OPTION_EXAMPLES[empty[0]]
        raise UsageError(
            f"Option `{empty[0]}:` has no value; write it without a space, e.g. `{example}`.",
            f"选项 `{empty[0]}:` 没有值；冒号后直接写值（不要空格），例如 `{example}`。",
            usage=USAGE,
        )
    words = parsed.text.split()
    if not words:
        raise UsageError(
            "Say what to schedule: sync, digest, pm-digest or lscpa, then when.",
            "请指定类型（sync、digest、pm-digest、lscpa）和时间。",
            usage=USAGE,
        )
    kind = KIND_ALIASES.get(words[0].lower())
    if kind is None:
        raise UsageError(
            f"Unknown kind {words[0]!r}; choose one of {', '.join(KINDS)}.",
            f"未知类型 {words[0]!r}；可选：{', '.join(KINDS)}。",
            usage=USAGE,
        )
    when_text = " ".join(words[1:])
    cron = parse_when(when_text)
    timezone = parse_timezone(parsed.get("tz") or services.settings.timezone)
    calendar = calendars.normalize_calendar(parsed.get("calendar"))
    channels_option = parsed.get("channels")
    if channels_option is None:
        if msg.is_direct:
            raise UsageError(
                "In a direct message, name the channels: `channels:slack:C0123,feishu:oc_abc`.",
                "在私聊中请指定频道：`channels:slack:C0123,feishu:oc_abc`。",
                usage=USAGE,
            )
        channels = [(msg.platform, msg.conversation)]
    else:
        channels = parse_channels(channels_option)
    disabled = sorted({platform for platform, _ in channels if platform not in services.ports})
    if disabled:
        raise UsageError(
            f"{', '.join(disabled)} is not connected in this deployment; posts there would be dropped.",
            f"本部署未接入 {', '.join(disabled)}；发往那里的消息会被丢弃。",
            usage=USAGE,
        )
    upcoming = upcoming_runs(cron=cron, timezone=timezone, calendar=calendar, now=services.now(), count=3)
    if not upcoming:
        raise UsageError(
            f"`{when_text}` never runs on a working day of calendar `{calendar}`.",
            f"`{when_text}` 在日历 `{calendar}` 中没有任何工作日会运行。",
            usage=USAGE,
        )
    schedule = create_schedule(
        services=services,
        kind=kind,
        when_text=when_text,
        cron=cron,
        timezone=timezone,
        calendar=calendar,
        channels=channels,
        user=msg.user,
    )
    lang = msg.language
    en_kind, zh_kind = schedule_name(kind, cron)
    return Reply(
        title=pick(lang, f"Schedule #{schedule.id} added", f"已添加定时任务 #{schedule.id}"),
        text=pick(
            lang,
            f"{en_kind}: `{when_text}` ({timezone})",
            f"{zh_kind}：`{when_text}`（{timezone}）",
        ),
        fields=_describe_fields(schedule, upcoming, lang, services.now()),
        where="ephemeral",
        color="success",
    )


def _describe_fields(
    schedule: Schedule, upcoming: list[datetime], lang: str, now: datetime
) -> list[KeyValue]:
    fields = [
        KeyValue(label=pick(lang, "Channels", "频道"), value=schedule.channels.replace(",", ", ")),
        KeyValue(label=pick(lang, "Holiday calendar", "节假日日历"), value=schedule.calendar),
        KeyValue(
            label=pick(lang, "Next runs", "接下来运行"),
            value=", ".join(f"{weekday(lang, t)} {t:%Y-%m-%d %H:%M}" for t in upcoming) or "—",
        ),
    ]
    warning = _calendar_warning(schedule.calendar, upcoming, now)
    if warning:
        fields.append(KeyValue(label="⚠️", value=warning))
    return fields


def _calendar_warning(calendar: str, upcoming: list[datetime], now: datetime) -> str:
    """A visible warning when Chinese holiday data is missing for a year the schedule runs in soon."""
    if calendar != calendars.CHINA:
        return ""
    years = sorted({t.year for t in upcoming} | {(now + LOOKAHEAD).year})
    missing = [y for y in years if not calendars.china_covers(y)]
    if not missing:
        return ""
    return both(*calendars.missing_data_note(missing))


# --- list / change / run -----------------------------------------------------------------------------
def list_schedules(msg: IncomingMessage, services: Services) -> Reply:
    lang = msg.language
    rows = all_schedules(services=services)
    if not rows:
        return Reply(
            text=pick(
                lang,
                "No schedules yet. A PM can add one: `schedule add sync weekly mon 10:00`.",
                "还没有定时任务。产品经理可以添加：`提醒 add sync weekly mon 10:00`。",
            ),
            where="ephemeral",
        )
    fields = []
    now = services.now()
    for row in rows:
        en_kind, zh_kind = schedule_name(row.kind, row.cron)
        upcoming = (
            []
            if row.paused
            else upcoming_runs(cron=row.cron, timezone=row.timezone, calendar=row.calendar, now=now, count=1)
        )
        state = (
            pick(lang, "paused", "已暂停")
            if row.paused
            else (
                pick(lang, "next ", "下次 ")
                + (f"{weekday(lang, upcoming[0])} {upcoming[0]:%Y-%m-%d %H:%M}" if upcoming else "—")
            )
        )
        value = (
            f"`{row.when_text}` {row.timezone} · {pick(lang, 'calendar', '日历')} {row.calendar} · {state}\n"
        )
        value += row.channels.replace(",", ", ")
        if row.last_posted_at:
            value += pick(lang, " · last posted ", " · 上次发送 ") + as_utc(row.last_posted_at).astimezone(
                ZoneInfo(row.timezone)
            ).strftime("%Y-%m-%d %H:%M")
        if row.last_note:
            value += pick(lang, " · last skipped: ", " · 上次跳过：") + _skip_reason(row, lang)
        warning = _calendar_warning(row.calendar, upcoming, now)
        if warning:
            value += "\n⚠️ " + warning
        fields.append(KeyValue(label=f"#{row.id} {pick(lang, en_kind, zh_kind)}", value=value))
    return Reply(title=pick(lang, "Schedules", "定时任务"), fields=fields, where="ephemeral")


def _skip_reason(row: Schedule, lang: str) -> str:
    """Why the last slot was skipped, in `lang`: the stored note is English, so a Chinese list asks the
    calendar again about the skipped day (the note itself when the calendar no longer skips it)."""
    if lang == "zh" and row.last_slot is not None:
        day = as_utc(row.last_slot).astimezone(ZoneInfo(row.timezone)).date()
        judged = calendars.verdict(calendar=row.calendar, day=day)
        if not judged.run and judged.reason_zh:
            return judged.reason_zh
    return row.last_note


def change_schedule(msg: IncomingMessage, services: Services, schedule_id: int, action: str) -> Reply:
    lang = msg.language
    if action == "remove":  # NotFound → bilingual reply
        remove_schedule(services=services, schedule_id=schedule_id)
    elif not set_paused(services=services, schedule_id=schedule_id, paused=action == "pause"):
        already = {
            "pause": (
                f"Schedule #{schedule_id} is already paused; `schedule resume {schedule_id}` starts it again.",
                f"定时任务 #{schedule_id} 已经是暂停状态；用 `提醒 resume {schedule_id}` 恢复。",
            ),
            "resume": (
                f"Schedule #{schedule_id} is not paused; it is already running.",
                f"定时任务 #{schedule_id} 没有暂停，已在运行中。",
            ),
        }[action]
        return Reply(text=both(*already), where="ephemeral", color="info")
    done = {
        "pause": (f"Schedule #{schedule_id} paused.", f"定时任务 #{schedule_id} 已暂停。"),
        "resume": (f"Schedule #{schedule_id} resumed.", f"定时任务 #{schedule_id} 已恢复。"),
        "remove": (f"Schedule #{schedule_id} removed.", f"定时任务 #{schedule_id} 已删除。"),
    }[action]
    return Reply(text=pick(lang, *done), where="ephemeral", color="success")


def run_now(msg: IncomingMessage, services: Services, schedule_id: int) -> Reply:
    load_schedule(services=services, schedule_id=schedule_id)
    result = run_schedule_detailed(services=services, schedule_id=schedule_id, force=True)
    return Reply(
        text=pick(
            msg.language,
            f"Schedule #{schedule_id} posted now to {result.posted} channel(s).",
            f"定时任务 #{schedule_id} 已立即发送到 {result.posted} 个频道。",
        ),
        where="ephemeral",
        color="success" if result.posted else "warning",
    )


# --- sync reminder buttons and form ---------------------------------------------------------------------
def _schedule_id_from(value: str) -> int:
    head = value.split(":", 1)[0]
    if not is_id(head):
        raise UsageError("This button is no longer valid.", "此按钮已失效。")
    return int(head)


def _load_sync(services: Services, schedule_id: int) -> Schedule:
    """The sync schedule behind an agenda / can't-attend button or its text: a digest or a practice has no
    agenda and no meeting, so an item or an absence recorded there would never be shown."""
    schedule = load_schedule(services=services, schedule_id=schedule_id)
    if schedule.kind != "sync":
        en_kind, zh_kind = schedule_name(schedule.kind, schedule.cron)
        raise UsageError(
            f"Schedule #{schedule_id} is a {en_kind}, not a sync: it has no agenda or attendance. "
            "`schedule list` shows the sync reminders.",
            f"定时任务 #{schedule_id} 是{zh_kind}，不是同步会：没有议程，也无需请假。`提醒 列表` 可查看同步会提醒。",
        )
    return schedule


def handle_add_item_button(msg: IncomingMessage, services: Services) -> Reply:
    schedule_id = _schedule_id_from(msg.action_value)
    _load_sync(services, schedule_id)
    return Reply(form=agenda_form(schedule_id))


def agenda_form(schedule_id: int) -> Form:
    """The "Add agenda item" form; its private value names the schedule."""
    return Form(
        form_id=AGENDA_FORM,
        title="Add agenda item / 添加议题",
        submit_label="Add / 添加",
        inputs=[
            FormInput(
                name="item",
                label="Topic for the next sync / 下次同步会的议题",
                placeholder="e.g. Acme asks for SSO before renewal / 例如：Acme 续约前需要 SSO",
                multiline=True,
            )
        ],
        private_value=str(schedule_id),
    )


MAX_AGENDA_ITEM = 2000


def validate_agenda_form(msg: IncomingMessage, services: Services) -> None:
    """The agenda form's one field: something to discuss, not longer than an agenda item can be."""
    text = (msg.form.get("item") or "").strip()
    if not text:
        raise FormErrors(
            {"item": ("The agenda item is empty; write the topic to add.", "议题为空，请填写要加入的议题。")}
        )
    if len(text) > MAX_AGENDA_ITEM:
        raise FormErrors(
            {
                "item": (
                    f"At most {MAX_AGENDA_ITEM} characters, please ({len(text)} now).",
                    f"最多 {MAX_AGENDA_ITEM} 个字符（当前 {len(text)}）。",
                )
            }
        )


def handle_agenda_form(msg: IncomingMessage, services: Services) -> Reply:
    schedule_id = _schedule_id_from(msg.action_value)
    _load_sync(services, schedule_id)
    text = (msg.form.get("item") or "").strip()
    if not text:
        raise UsageError("The agenda item is empty; nothing was added.", "议题为空，未添加。")
    add_agenda_item(
        services=services, schedule_id=schedule_id, text=text, platform=msg.platform, user=msg.user
    )
    return Reply(
        text=both(
            f"Added to the next sync agenda: “{text[:200]}”",
            f"已加入下次同步会议程：“{text[:200]}”",
        ),
        where="ephemeral",
        color="success",
    )


def _meant_occurrence(schedule: Schedule, now: datetime) -> str:
    """The slot key of the sync someone means by `schedule absent <id>`: the one posted today (local date),
    else the next one that will post — a rep away on Monday says so on Friday. Before, it was the last slot
    the schedule went past (its creation time before the first post), so the absence was never listed."""
    tz = ZoneInfo(schedule.timezone)
    posted: datetime | None = None
    if schedule.last_posted_at is not None:
        posted_at = as_utc(schedule.last_posted_at)
        slot = as_utc(schedule.last_slot) if schedule.last_slot is not None else None
        # a scheduled post's buttons carry its slot; a `schedule run` post's carry the minute it was run
        scheduled = slot is not None and not schedule.last_note and slot <= posted_at <= slot + MISFIRE_GRACE
        posted = slot if scheduled and slot is not None else posted_at.replace(second=0, microsecond=0)
        if posted.astimezone(tz).date() == as_utc(now).astimezone(tz).date():
            return slot_key(posted)
    upcoming = upcoming_runs(
        cron=schedule.cron, timezone=schedule.timezone, calendar=schedule.calendar, now=now, count=1
    )
    if upcoming and not schedule.paused:
        return slot_key(upcoming[0])
    return slot_key(posted) if posted is not None else "next"


def handle_cant_attend(msg: IncomingMessage, services: Services) -> Reply:
    schedule_id = _schedule_id_from(msg.action_value)
    schedule = _load_sync(services, schedule_id)
    # the button names its sync; the text command (`schedule absent 3`) means today's or else the next one
    slot = msg.action_value.partition(":")[2] or _meant_occurrence(schedule, services.now())
    new = record_absence(
        services=services, schedule_id=schedule_id, slot_key=slot, platform=msg.platform, user=msg.user
    )
    names = ", ".join(
        mention(a.user_id, platform=a.platform)
        for a in absentees(services=services, schedule_id=schedule_id, slot_key=slot)
    )
    en_when, zh_when = _occurrence_words(slot, schedule.timezone)
    if not new:
        return Reply(
            text=both(
                f"You're already on the can't-attend list{en_when}. Can't attend: {names}",
                f"你已在{zh_when + '的' if zh_when else ''}无法参加名单中。无法参加：{names}",
            ),
            where="ephemeral",
        )
    return Reply(
        text=both(
            f"{mention(msg.user)} can't attend{en_when}. Can't attend so far: {names}",
            f"{mention(msg.user)} 无法参加{zh_when}。目前无法参加：{names}",
        ),
        where="thread",
    )


def _occurrence_words(slot: str, timezone: str) -> tuple[str, str]:
    """(" the sync of Mon 2026-11-30 10:00", "周一 2026-11-30 10:00 的同步会") for a slot key, in the
    schedule's time zone; blank if the key names no time."""
    try:
        at = datetime.strptime(slot, "%Y%m%dT%H%MZ").replace(tzinfo=UTC).astimezone(ZoneInfo(timezone))
    except ValueError:
        return "", ""
    return (
        f" the sync of {weekday('en', at)} {at:%Y-%m-%d %H:%M}",
        f"{weekday('zh', at)} {at:%Y-%m-%d %H:%M} 的同步会",
    )
