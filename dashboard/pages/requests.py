"""Requests: the table (filters, sorting, pages), a request's page, and the PM's actions.

Routes (names for `ctx.url`): `requests` GET /app/requests · `requests_export` GET /app/requests/export.csv
(pm) · `request` GET /app/requests/{id} · `request_status`, `request_merge`, `request_triage` POST
/app/requests/{id}/status|merge|triage (pm).

Sales see only the requests they logged or joined; PMs and admins see all and act. Every action calls the
service the chat's `requests status|merge|triage` calls (`services.requests.workflow`), and then notifies
the requesters the same way, on their own platform.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from starlette.responses import Response

from bot.clock import as_utc
from dashboard.pages.common import path_id, whole_number
from dashboard.web import Ctx, Page, bad_request, forbidden, page_route
from services.requests import workflow
from services.requests.browse import (
    PER_PAGE,
    PLATFORMS,
    SORT_ZH,
    SORTS,
    STATUS_CHOICES,
    RequestFilters,
    browse_requests,
    is_requester,
    merged_into,
)
from services.requests.duplicates import similar_open_requests
from services.requests.export import export_csv
from services.requests.priority import MAX_EFFORT_WEEKS, MIN_EFFORT_WEEKS
from services.requests.vocabulary import STATUS_ZH, TIER_ZH, TIERS, URGENCY_ZH, format_money

FILTER_NAMES = ("status", "tier", "customer", "area", "requester", "platform", "text")
CHANGEABLE = ("triaged", "planned", "in-progress", "shipped", "declined")
MAX_PAGE = 1_000_000
MAX_NOTE_CHARS = 2000  # the status form's note (sent to every requester); the textarea's maxlength too
NOTICES = {  # ?notice=… after an action (only these codes; numbers from ?n=)
    "status": (
        "Status changed; {n} requester(s) notified on their own platform.",
        "状态已更新；已在各自的平台通知 {n} 位提交人。",
    ),
    "same": ("The request already had that status; nothing changed.", "该需求已经是这个状态，未做更改。"),
    "merged": ("Merged; {n} requester(s) told where their request went.", "已合并；已通知 {n} 位提交人。"),
    "triaged": ("Triaged; RICE recomputed.", "已分诊，RICE 已重新计算。"),
}


def status_label(ctx: Ctx, status: str) -> str:
    return ctx.t(status, STATUS_ZH.get(status, status))


def tier_label(ctx: Ctx, tier: str) -> str:
    return ctx.t(tier, TIER_ZH.get(tier, tier))


def urgency_label(ctx: Ctx, urgency: str) -> str:
    return ctx.t(urgency, URGENCY_ZH.get(urgency, urgency))


def status_choices(ctx: Ctx) -> list[tuple[str, str]]:
    names = {"open": ("open (not done)", "未关闭"), "all": ("all but merged", "全部（不含已合并）")}
    return [
        (value, ctx.t(*names[value]) if value in names else status_label(ctx, value))
        for value in STATUS_CHOICES
    ]


def age_text(ctx: Ctx, created: datetime) -> str:
    days = max(0, (ctx.services.now() - as_utc(created)).days)
    if days == 0:
        return ctx.t("today", "今天")
    return ctx.t(f"{days} d", f"{days} 天")


def _page_number(text: str) -> int:
    if not text:
        return 1
    number = whole_number(text, digits=len(str(MAX_PAGE)))
    if number is None or not 1 <= number <= MAX_PAGE:
        raise bad_request(
            f"The page must be a number from 1 on, got {text!r}.", f"页码应为从 1 开始的数字，收到 {text!r}。"
        )
    return number


def list_requests(ctx: Ctx) -> Response:
    viewer = ctx.me
    asked = {name: ctx.param(name) for name in FILTER_NAMES}
    filters = RequestFilters(
        status=asked["status"] or "open",
        tier=asked["tier"],
        customer=asked["customer"],
        area=asked["area"],
        requester=asked["requester"] if viewer.is_pm else "",
        platform=asked["platform"],
        text=asked["text"],
        visible_to=None if viewer.is_pm else (viewer.platform, viewer.user),
    ).checked()
    sort = ctx.param("sort", "rice").lower() or "rice"
    direction = ctx.param("dir", "desc").lower() or "desc"
    if direction not in ("asc", "desc"):
        raise bad_request(
            f"The direction must be asc or desc, got {direction!r}.",
            f"排序方向应为 asc 或 desc，收到 {direction!r}。",
        )
    page_number = _page_number(ctx.param("page"))
    with ctx.services.db.session() as session:
        result = browse_requests(
            session=session,
            filters=filters,
            sort=sort,
            most_first=direction == "desc",
            page=page_number,
            per_page=PER_PAGE,
        )
    kept: dict[str, Any] = {name: getattr(filters, name) for name in FILTER_NAMES}
    kept["requester"] = filters.requester
    if kept["status"] == "open":
        kept["status"] = ""  # the default: keep links short

    def link(**changes: Any) -> str:
        query = {
            **kept,
            "sort": sort if sort != "rice" else "",
            "dir": direction if direction != "desc" else "",
        }
        query.update(changes)
        return ctx.url("requests", query=query)

    def sort_link(key: str) -> str:
        flip = "asc" if sort == key and direction == "desc" else ""
        return link(sort=key if key != "rice" else "", dir=flip, page="")

    first = (result.page - 1) * result.per_page + 1 if result.total else 0
    return ctx.render(
        "requests_list.html",
        title=ctx.t("Requests", "需求"),
        result=result,
        filters=filters,
        sort=sort,
        direction=direction,
        sorts=[(key, ctx.t(key.upper() if key in ("rice", "arr") else key, SORT_ZH[key])) for key in SORTS],
        statuses=status_choices(ctx),
        tiers=[(tier, tier_label(ctx, tier)) for tier in TIERS],
        platforms=PLATFORMS,
        sort_link=sort_link,
        prev_link=link(page=result.page - 1) if result.page > 1 else "",
        next_link=link(page=result.page + 1) if result.page < result.pages else "",
        first_row=first,
        last_row=first + len(result.rows) - 1 if result.rows else 0,
        status_label=lambda s: status_label(ctx, s),
        tier_label=lambda tier: tier_label(ctx, tier),
        money=lambda amount: format_money(amount, "USD"),
        age=lambda created: age_text(ctx, created),
        export_link=ctx.url("requests_export") if viewer.is_pm else "",
    )


def _request_id(ctx: Ctx) -> int:
    return path_id(ctx, "request_id", what_en="request", what_zh="需求")


def show_request(ctx: Ctx) -> Response:
    viewer = ctx.me
    request_id = _request_id(ctx)
    with ctx.services.db.session() as session:
        details = workflow.request_details(session=session, request_id=request_id)
        if not viewer.is_pm and not is_requester(
            session=session, request_id=request_id, platform=viewer.platform, user=viewer.user
        ):
            raise forbidden(
                "Sales see the requests they logged or joined; this one is not yours.",
                "销售只能查看自己提交或加入的需求；这个需求不是你的。",
            )
        duplicates = merged_into(session=session, request_id=request_id)
        # sales open only requests they logged or joined: the others are listed without a link (a 403 page)
        openable = {
            d.id
            for d in duplicates
            if d.id is not None
            and (
                viewer.is_pm
                or is_requester(session=session, request_id=d.id, platform=viewer.platform, user=viewer.user)
            )
        }
        target = (
            workflow.get_request(session=session, request_id=details.request.merged_into_id)
            if details.request.merged_into_id is not None
            else None
        )
        similar = (
            similar_open_requests(
                session=session, text=details.request.description, exclude_id=request_id, limit=5
            )
            if viewer.is_pm and details.request.merged_into_id is None
            else []
        )
    notice = ""
    code = ctx.param("notice")
    if code in NOTICES:
        en, zh = NOTICES[code]
        notice = ctx.t(en, zh).format(n=whole_number(ctx.param("n")) or 0)
    request = details.request
    return ctx.render(
        "request_detail.html",
        title=f"#{request.id} {request.title}",
        req=request,
        details=details,
        duplicates=duplicates,
        openable=openable,
        target=target,
        similar=similar,
        notice=notice,
        changeable=[(s, status_label(ctx, s)) for s in CHANGEABLE],
        max_note=MAX_NOTE_CHARS,
        status_label=lambda s: status_label(ctx, s),
        tier_label=lambda tier: tier_label(ctx, tier),
        urgency_label=lambda urgency: urgency_label(ctx, urgency),
        money=format_money,
        when=lambda moment: as_utc(moment).astimezone(ctx.services.settings.tz).strftime("%Y-%m-%d %H:%M"),
        event_text=lambda event: event_text(ctx, event),
        confidence=None if request.confidence is None else f"{request.confidence:.0%}",
    )


def event_text(ctx: Ctx, event: Any) -> str:
    note = f": {event.note}" if event.note else ""
    words = {
        "status": (
            f"{event.from_status} → {event.to_status}",
            f"{STATUS_ZH.get(event.from_status, event.from_status)} → {STATUS_ZH.get(event.to_status, event.to_status)}",
        ),
        "created": ("created", "创建"),
        "merged": ("merged", "已合并"),
        "absorbed": ("absorbed", "并入"),
        "triaged": ("re-triaged", "重新分诊"),
        "priority": ("priority override", "优先级调整"),
        "kept": ("kept separate from similar requests", "保留为独立需求"),
    }
    en, zh = words.get(event.kind, (event.kind, event.kind))
    return ctx.t(en, zh) + note


def change_status(ctx: Ctx) -> Response:
    """As `requests status 12 planned release:5.3 note`: the same service call, the same DMs."""
    viewer = ctx.require_pm()
    request_id = _request_id(ctx)
    status = ctx.form.get("status", "").strip()
    if status not in CHANGEABLE:
        raise bad_request(
            f"Choose a status: {', '.join(CHANGEABLE)} (got {status!r}).",
            f"请选择状态：{'、'.join(STATUS_ZH[s] for s in CHANGEABLE)}（收到 {status!r}）。",
        )
    note = ctx.form.get("note", "").strip()
    if len(note) > MAX_NOTE_CHARS:
        raise bad_request(
            f"The note is too long (at most {MAX_NOTE_CHARS} characters); nothing was changed.",
            f"说明太长（最多 {MAX_NOTE_CHARS} 个字符），未做任何更改。",
        )
    release = ctx.form.get("release", "").strip()
    move = workflow.move_status(
        services=ctx.services,
        request_id=request_id,
        status=status,
        note=note,
        release=release,
        actor_platform=viewer.platform,
        actor=viewer.user,
    )
    if not move.moved:
        return ctx.redirect(ctx.url("request", request_id=request_id, query={"notice": "same"}))
    return ctx.redirect(
        ctx.url("request", request_id=request_id, query={"notice": "status", "n": move.notified})
    )


def merge(ctx: Ctx) -> Response:
    """As `requests merge 15 into 12`: this request is folded into the one named in the form."""
    viewer = ctx.require_pm()
    source_id = _request_id(ctx)
    into = ctx.form.get("into", "").strip().lstrip("#＃")
    target_id = whole_number(into)
    if target_id is None:
        raise bad_request(
            f"Name the request to merge into by its number, e.g. 12 (got {into!r}).",
            f"请填写要合并到的需求编号，例如 12（收到 {into!r}）。",
        )
    with ctx.services.db.session() as session:
        result = workflow.merge_requests(
            session=session,
            source_id=source_id,
            target_id=target_id,
            actor_platform=viewer.platform,
            actor=viewer.user,
            now=ctx.services.now(),
        )
    told = 0
    if not result.already:
        told = workflow.notify_merge(
            services=ctx.services, result=result, by_platform=viewer.platform, by_user=viewer.user
        )
    return ctx.redirect(ctx.url("request", request_id=target_id, query={"notice": "merged", "n": told}))


def _number(ctx: Ctx, name: str, *, en: str, zh: str) -> float:
    text = ctx.form.get(name, "").strip().rstrip("%％")
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise bad_request(
            f"{en} (got {ctx.form.get(name, '')!r}).", f"{zh}（收到 {ctx.form.get(name, '')!r}）。"
        )
    return value


def triage(ctx: Ctx) -> Response:
    """As `requests triage 12 effort:3 confidence:80%`."""
    viewer = ctx.require_pm()
    request_id = _request_id(ctx)
    effort = _number(
        ctx,
        "effort",
        en=f"Effort is in person-weeks, a number from {MIN_EFFORT_WEEKS:g} to {MAX_EFFORT_WEEKS:g}",
        zh=f"工作量以人周计，应为 {MIN_EFFORT_WEEKS:g} 到 {MAX_EFFORT_WEEKS:g} 之间的数字",
    )
    confidence = _number(
        ctx, "confidence", en="Confidence is a percentage, 0 to 100", zh="信心应为 0 到 100 的百分比"
    )
    if not MIN_EFFORT_WEEKS <= effort <= MAX_EFFORT_WEEKS:
        raise bad_request(
            f"Effort is in person-weeks, from {MIN_EFFORT_WEEKS:g} to {MAX_EFFORT_WEEKS:g}.",
            f"工作量以人周计，应在 {MIN_EFFORT_WEEKS:g} 到 {MAX_EFFORT_WEEKS:g} 之间。",
        )
    if not 0 <= confidence <= 100:
        raise bad_request("Confidence is a percentage, 0 to 100.", "信心应为 0 到 100 的百分比。")
    _request, move = workflow.triage(
        services=ctx.services,
        request_id=request_id,
        effort_weeks=effort,
        confidence=round(confidence / 100, 4),
        actor_platform=viewer.platform,
        actor=viewer.user,
    )
    code = "status" if move.moved else "triaged"
    return ctx.redirect(ctx.url("request", request_id=request_id, query={"notice": code, "n": move.notified}))


def export(ctx: Ctx) -> Response:
    """Every request as CSV (the chat's `requests export`), for PMs and admins."""
    ctx.require_pm()
    with ctx.services.db.session() as session:
        content = export_csv(session=session)
    stamp = ctx.services.now().strftime("%Y%m%d")
    return Response(
        "\ufeff" + content,  # BOM: spreadsheet apps then read Chinese text correctly
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="salesbridge-requests-{stamp}.csv"'},
    )


PAGE = Page(
    key="requests",
    label_en="Requests",
    label_zh="需求",
    home="requests",
    routes=[
        page_route("/requests", list_requests, name="requests", page="requests"),
        page_route("/requests/export.csv", export, name="requests_export", page="requests", pm_only=True),
        page_route("/requests/{request_id}", show_request, name="request", page="requests"),
        page_route(
            "/requests/{request_id}/status",
            change_status,
            name="request_status",
            methods=("POST",),
            pm_only=True,
        ),
        page_route(
            "/requests/{request_id}/merge", merge, name="request_merge", methods=("POST",), pm_only=True
        ),
        page_route(
            "/requests/{request_id}/triage", triage, name="request_triage", methods=("POST",), pm_only=True
        ),
    ],
)
