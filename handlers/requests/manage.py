"""PM commands: `requests triage`, `requests status`, `requests priority`, `requests merge`.

The role check happens in `commands.handle_requests` before these run. `merge_and_notify` is shared with the
rep's "Add my customer to #7" button (`capture.py`).
"""

from __future__ import annotations

from bot.chat_text import parse_id
from bot.commands import parse_args, refuse_unknown_options, tokenize
from bot.errors import UsageError
from bot.i18n import Language, both, pick
from bot.messages import IncomingMessage, Reply
from handlers.requests.views import REQUESTS_USAGE, rice_formula, standing
from services.context import Services
from services.requests import workflow
from services.requests.priority import LABELS, MAX_EFFORT_WEEKS, MIN_EFFORT_WEEKS
from services.requests.vocabulary import SETTABLE_STATUSES, STATUS_ZH, parse_status

TRIAGE_KEYS = {"effort": "effort", "工作量": "effort", "confidence": "confidence", "信心": "confidence"}


STATUS_KEYS = {"release": "release", "版本": "release", "reason": "note", "note": "note", "理由": "note"}


PRIORITY_KEYS = {"reason": "reason", "理由": "reason", "原因": "reason"}


def _parse_confidence(value: str) -> float:
    text = value.strip().rstrip("%％")
    try:
        number = float(text)
    except ValueError:
        number = -1.0
    if not value.strip().endswith(("%", "％")) and 0 < number <= 1 and "." in text:
        number *= 100  # 0.8 means 80 %
    if not 0 <= number <= 100:
        raise UsageError(
            f"Confidence must be 0–100%, got {value!r}.",
            f"信心应为 0–100%，收到 {value!r}。",
            usage=REQUESTS_USAGE,
        )
    return round(number / 100, 4)


def _parse_effort(value: str) -> float:
    try:
        number = float(value.strip().lower().removesuffix("w").removesuffix("pw").removesuffix("周"))
    except ValueError:
        number = -1.0
    if not MIN_EFFORT_WEEKS <= number <= MAX_EFFORT_WEEKS:
        raise UsageError(
            f"Effort is in person-weeks, from {MIN_EFFORT_WEEKS:g} (half a day) to {MAX_EFFORT_WEEKS:g}, "
            f"got {value!r}.",
            f"工作量以人周计，应在 {MIN_EFFORT_WEEKS:g}（半天）到 {MAX_EFFORT_WEEKS:g} 之间，收到 {value!r}。",
            usage=REQUESTS_USAGE,
        )
    return number


def triage(msg: IncomingMessage, services: Services, text: str) -> Reply:
    lang = msg.language
    refuse_unknown_options(text, TRIAGE_KEYS, usage=REQUESTS_USAGE)
    parsed = parse_args(text, keys=TRIAGE_KEYS)
    rest = tokenize(parsed.text)
    effort, confidence = parsed.get("effort"), parsed.get("confidence")
    if len(rest) != 1 or not effort or not confidence:
        raise UsageError(
            "`requests triage` needs an id, effort and confidence: `requests triage 12 effort:3 confidence:80%`.",
            "`requests triage` 需要编号、工作量和信心：`需求列表 分诊 12 工作量:3 信心:80%`。",
            usage=REQUESTS_USAGE,
        )
    request_id = parse_id(rest[0], what_en="request", what_zh="需求")
    effort_weeks, conf = _parse_effort(effort), _parse_confidence(confidence)
    request, _moved = workflow.triage(
        services=services,
        request_id=request_id,
        effort_weeks=effort_weeks,
        confidence=conf,
        actor_platform=msg.platform,
        actor=msg.user,
    )
    formula = rice_formula(request, lang)
    return Reply(
        text=pick(
            lang,
            f"#{request_id} triaged: RICE {formula}; {request.priority}.",
            f"#{request_id} 已分诊：RICE {formula}；{request.priority}。",
        ),
        where="thread",
        color="success",
    )


def change_status_command(msg: IncomingMessage, services: Services, text: str) -> Reply:
    lang = msg.language
    refuse_unknown_options(text, STATUS_KEYS, usage=REQUESTS_USAGE)
    parsed = parse_args(text, keys=STATUS_KEYS)
    rest = tokenize(parsed.text)
    if len(rest) < 2:
        raise UsageError(
            "`requests status` needs an id and a status: `requests status 12 planned Q3`.",
            "`requests status` 需要编号和状态：`需求列表 状态 12 已排期 三季度`。",
            usage=REQUESTS_USAGE,
        )
    request_id = parse_id(rest[0], what_en="request", what_zh="需求")
    try:
        status = parse_status(rest[1], allowed=SETTABLE_STATUSES)
    except UsageError as exc:
        exc.usage = REQUESTS_USAGE
        raise
    free = parsed.text.split(None, 2)
    note = " ".join(
        part for part in (free[2] if len(free) > 2 else "", parsed.get("note") or "") if part
    ).strip()
    release = (parsed.get("release") or "").strip()
    move = workflow.move_status(
        services=services,
        request_id=request_id,
        status=status,
        note=note,
        release=release,
        actor_platform=msg.platform,
        actor=msg.user,
    )
    if not move.moved:
        return Reply(
            text=both(
                f"#{request_id} is already {status}.",
                f"#{request_id} 已经是{STATUS_ZH[status]}状态。",
            ),
            where="ephemeral",
            color="info",
        )
    told = move.release  # the release requesters were told: the one given, or the one the request had
    return Reply(
        text=pick(
            lang,
            f"#{request_id} {move.title} → **{status}**"
            + (f" in {told}" if told else "")
            + f". Notified {move.notified} requester(s).",
            f"#{request_id} {move.title} → **{STATUS_ZH[status]}**"
            + (f"（{told}）" if told else "")
            + f"。已通知 {move.notified} 位提交人。",
        ),
        where="thread",
        color="success",
    )


def override_priority_command(msg: IncomingMessage, services: Services, text: str) -> Reply:
    lang = msg.language
    refuse_unknown_options(text, PRIORITY_KEYS, usage=REQUESTS_USAGE)
    parsed = parse_args(text, keys=PRIORITY_KEYS)
    rest = tokenize(parsed.text)
    reason = (parsed.get("reason") or " ".join(rest[2:])).strip()
    if len(rest) < 2 or rest[1].upper() not in LABELS or not reason:
        raise UsageError(
            'A priority override needs an id, P0–P3 and a reason: `requests priority 12 P1 reason:"renewal at risk"`.',
            '调整优先级需要编号、P0–P3 和理由：`需求列表 优先级 12 P1 理由:"续约风险"`。',
            usage=REQUESTS_USAGE,
        )
    request_id = parse_id(rest[0], what_en="request", what_zh="需求")
    label = rest[1].upper()
    with services.db.session() as session:
        workflow.override_priority(
            session=session,
            request_id=request_id,
            label=label,
            reason=reason,
            actor_platform=msg.platform,
            actor=msg.user,
            now=services.now(),
        )
    return Reply(
        text=pick(
            lang,
            f"#{request_id} is now {label} (override: {reason}).",
            f"#{request_id} 优先级调整为 {label}（理由：{reason}）。",
        ),
        where="thread",
        color="success",
    )


def merge_command(msg: IncomingMessage, services: Services, rest: list[str], lang: Language) -> Reply:
    ids = [w for w in rest if w.lower() not in {"into", "to", "到", "并入", "->", "→"}]
    if len(ids) != 2:
        raise UsageError(
            "`requests merge` needs two ids: `requests merge 15 into 12`.",
            "`requests merge` 需要两个编号：`需求列表 合并 15 到 12`。",
            usage=REQUESTS_USAGE,
        )
    source_id = parse_id(ids[0], what_en="request", what_zh="需求")
    target_id = parse_id(ids[1], what_en="request", what_zh="需求")
    result = merge_and_notify(msg, services, source_id=source_id, target_id=target_id)
    if result.already:
        return Reply(
            text=both(
                f"#{source_id} is already merged into #{target_id}.",
                f"#{source_id} 已经合并到 #{target_id}。",
            ),
            where="ephemeral",
            color="info",
        )
    target = result.target
    now_en, now_zh = standing(target)
    return Reply(
        text=pick(
            lang,
            f"Merged #{source_id} into #{target_id} “{target.title}”: {now_en}.",
            f"已将 #{source_id} 合并到 #{target_id} “{target.title}”：{now_zh}。",
        ),
        where="thread",
        color="success",
    )


def merge_and_notify(
    msg: IncomingMessage, services: Services, *, source_id: int, target_id: int
) -> workflow.MergeResult:
    """Fold `source_id` into `target_id` on behalf of `msg`'s user; unless it was merged already, the source's
    other requesters are told by DM (after the commit)."""
    with services.db.session() as session:
        result = workflow.merge_requests(
            session=session,
            source_id=source_id,
            target_id=target_id,
            actor_platform=msg.platform,
            actor=msg.user,
            now=services.now(),
        )
    if not result.already:
        workflow.notify_merge(services=services, result=result, by_platform=msg.platform, by_user=msg.user)
    return result
