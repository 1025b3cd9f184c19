"""Browsing feature requests: filters, sorting and pages over the whole table (the web dashboard's list).

`browse_requests` is one indexed query for the page and one for the total, fast with 100,000 requests:
the common views (open requests by RICE, ARR, priority, votes or age) read an `(is_open, <sort column>)`
index in order and stop after the page; customer, tier and requester filters are semi-joins on indexed
columns of `request_customer` / `request_requester`; text matches the title, the description, the token
index (so `登录` finds "SSO login") and `#id`.

Filter values are checked by `RequestFilters.checked()`: a bad one raises a bilingual `UsageError` naming the
allowed values (the dashboard shows it as a page, never a crash).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from operator import itemgetter
from typing import Any

from sqlalchemy import func, union
from sqlmodel import Session, col, select

from bot.errors import UsageError
from bot.models.requests import FeatureRequest, RequestCustomer, RequestRequester, RequestToken
from services.requests.duplicates import text_tokens
from services.requests.queries import customers_of
from services.requests.vocabulary import STATUS_ZH, STATUSES, TIER_ALIASES, TIER_ZH, TIERS

PER_PAGE = 50
MAX_PER_PAGE = 200
MAX_FILTER_LENGTH = 200
FEW_MATCHES = 5000  # a text or customer search matching at most this many is paged in Python (one scan)
PLATFORMS = ("slack", "feishu", "console")
STATUS_CHOICES = ("open", "all", *STATUSES, "merged")  # "all": every request except merged ones
SORTS = ("rice", "arr", "priority", "votes", "age")
SORT_ZH = {"rice": "RICE", "arr": "ARR", "priority": "优先级", "votes": "票数", "age": "时长"}

_ID = re.compile(r"^[#＃]?(\d{1,9})$")


@dataclass(frozen=True)
class RequestFilters:
    """What the list shows. Empty strings mean "any". `requester` is `U123` or `slack:U123`; `platform` is
    where the request was logged; `visible_to` (platform, user) limits the list to one person's requests
    (a sales user sees only their own)."""

    status: str = "open"
    tier: str = ""
    customer: str = ""
    area: str = ""
    requester: str = ""
    platform: str = ""
    text: str = ""
    visible_to: tuple[str, str] | None = field(default=None)

    def checked(self) -> RequestFilters:
        """The same filters, normalised (`金牌` → gold, surrounding spaces dropped); raises `UsageError`."""
        values = {
            name: (getattr(self, name) or "").strip()
            for name in ("status", "tier", "customer", "area", "requester", "platform", "text")
        }
        for name, value in values.items():
            if len(value) > MAX_FILTER_LENGTH:
                raise UsageError(
                    f"The {name} filter is too long (at most {MAX_FILTER_LENGTH} characters).",
                    f"筛选条件 {name} 太长（最多 {MAX_FILTER_LENGTH} 个字符）。",
                )
        status = values["status"].lower() or "open"
        if status not in STATUS_CHOICES:
            raise UsageError(
                f"Unknown status {values['status']!r}. Allowed: {', '.join(STATUS_CHOICES)}.",
                f"未知状态 {values['status']!r}。可选：{'、'.join(STATUS_CHOICES)}。",
            )
        tier = values["tier"]
        if tier:
            canonical = TIER_ALIASES.get(tier.lower())
            if canonical is None:
                raise UsageError(
                    f"Unknown tier {tier!r}. Allowed: {', '.join(TIERS)}.",
                    f"未知客户等级 {tier!r}。可选：{'、'.join(f'{TIER_ZH[t]}({t})' for t in TIERS)}。",
                )
            tier = canonical
        platform = values["platform"].lower()
        if platform and platform not in PLATFORMS:
            raise UsageError(
                f"Unknown platform {values['platform']!r}. Allowed: {', '.join(PLATFORMS)}.",
                f"未知平台 {values['platform']!r}。可选：{'、'.join(PLATFORMS)}。",
            )
        return replace(
            self,
            status=status,
            tier=tier,
            customer=values["customer"],
            area=values["area"],
            requester=values["requester"],
            platform=platform,
            text=values["text"],
        )


@dataclass(frozen=True)
class BrowseRow:
    request: FeatureRequest
    customers: list[RequestCustomer]


@dataclass(frozen=True)
class BrowsePage:
    rows: list[BrowseRow]
    total: int  # requests matching the filters
    page: int  # 1-based, clamped to the last page
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def check_sort(sort: str) -> str:
    value = (sort or "rice").strip().lower()
    if value not in SORTS:
        raise UsageError(
            f"Unknown sort {sort!r}. Allowed: {', '.join(SORTS)}.",
            f"未知排序 {sort!r}。可选：{'、'.join(f'{SORT_ZH[s]}({s})' for s in SORTS)}。",
        )
    return value


def _contains(column: Any, value: str, *, sqlite: bool) -> Any:
    """Case-insensitive substring match. SQLite's LIKE already ignores ASCII case (Chinese has none) and
    is several times faster without `lower()` on every row; on PostgreSQL `lower(x) LIKE` beats ILIKE."""
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    if sqlite:
        return column.like(f"%{escaped}%", escape="\\")
    return func.lower(column).like(f"%{escaped.lower()}%", escape="\\")


def _spellings(area: str) -> list[str]:
    """The usual ways of writing an area ("Security", "security", "SSO", "Import-Export"): the filter is
    then an indexed `area IN (…)` on both databases."""
    return list(dict.fromkeys((area, area.lower(), area.upper(), area.capitalize(), area.title())))


def _where(filters: RequestFilters, *, session: Session) -> list[Any]:
    """The SQL conditions of (checked) filters."""
    sqlite = session.get_bind().dialect.name == "sqlite"
    conditions: list[Any] = []
    status = filters.status
    if status == "open":
        conditions.append(col(FeatureRequest.is_open).is_(True))
    elif status == "all":
        conditions.append(col(FeatureRequest.merged_into_id).is_(None))
    else:
        conditions.append(col(FeatureRequest.status) == status)
    if filters.tier:
        conditions.append(
            col(FeatureRequest.id).in_(
                select(RequestCustomer.request_id).where(col(RequestCustomer.tier) == filters.tier)
            )
        )
    if filters.customer:
        conditions.append(
            col(FeatureRequest.id).in_(
                select(RequestCustomer.request_id).where(
                    _contains(col(RequestCustomer.name), filters.customer, sqlite=sqlite)
                )
            )
        )
    if filters.area:
        conditions.append(col(FeatureRequest.area).in_(_spellings(filters.area)))
    if filters.platform:
        conditions.append(col(FeatureRequest.created_platform) == filters.platform)
    if filters.requester:
        platform, sep, user = filters.requester.partition(":")
        who = select(RequestRequester.request_id)
        if sep and platform.lower() in PLATFORMS:
            who = who.where(
                col(RequestRequester.user_id) == user, col(RequestRequester.platform) == platform.lower()
            )
        else:
            who = who.where(col(RequestRequester.user_id) == filters.requester)
        conditions.append(col(FeatureRequest.id).in_(who))
    if filters.visible_to is not None:
        platform, user = filters.visible_to
        conditions.append(
            col(FeatureRequest.id).in_(
                select(RequestRequester.request_id).where(
                    col(RequestRequester.user_id) == user, col(RequestRequester.platform) == platform
                )
            )
        )
    if filters.text:
        conditions.append(_text_condition(filters.text, sqlite=sqlite))
    return conditions


def _text_condition(text: str, *, sqlite: bool) -> Any:
    """Requests whose description contains the text (the title is its first line, `make_title`), that
    carry every word of it in the token index (`登录` finds "SSO login"), or whose id it is (`#42`). One
    `id IN (…)` over a union: the databases read the description column in one sequential scan."""
    matches: list[Any] = [
        select(FeatureRequest.id).where(_contains(col(FeatureRequest.description), text, sqlite=sqlite))
    ]
    number = _ID.match(text)
    if number:
        matches.append(select(FeatureRequest.id).where(col(FeatureRequest.id) == int(number.group(1))))
    tokens = text_tokens(text)
    if tokens:
        matches.append(
            select(RequestToken.request_id)
            .where(col(RequestToken.token).in_(tokens))
            .group_by(col(RequestToken.request_id))
            .having(func.count() == len(tokens))
        )
    return col(FeatureRequest.id).in_(union(*matches) if len(matches) > 1 else matches[0])


def _ordering(sort: str, most_first: bool) -> list[tuple[Any, bool]]:
    """(column, ascending) pairs. Sorted "most first" by default: highest RICE, ARR, priority (P0), most
    votes (customers), oldest; the id breaks ties, so pages never overlap. `most_first=False` reverses."""
    asc, desc = True, False
    columns: dict[str, list[tuple[Any, bool]]] = {
        "rice": [(col(FeatureRequest.rice), desc), (col(FeatureRequest.total_arr_usd), desc)],
        "arr": [(col(FeatureRequest.total_arr_usd), desc), (col(FeatureRequest.rice), desc)],
        "priority": [(col(FeatureRequest.priority), asc), (col(FeatureRequest.rice), desc)],
        "votes": [(col(FeatureRequest.customer_count), desc), (col(FeatureRequest.rice), desc)],
        "age": [(col(FeatureRequest.created_at), asc)],
    }
    chosen = [*columns[sort], (col(FeatureRequest.id), asc if sort == "age" else desc)]
    return [(column, ascending == most_first) for column, ascending in chosen]


def _sorted_in_python(rows: list[Any], ordering: list[tuple[Any, bool]]) -> list[int]:
    """The ids of (id, *sort columns but the last) rows in `ordering`'s order; the last column of every
    ordering is the id (stable sorts, last key first)."""
    ordered = list(rows)
    last = len(ordering) - 1
    for position in range(last, -1, -1):
        ordered.sort(
            key=itemgetter(0 if position == last else position + 1), reverse=not ordering[position][1]
        )
    return [int(row[0]) for row in ordered]


def _page_ids(
    session: Session,
    conditions: list[Any],
    ordering: list[tuple[Any, bool]],
    *,
    page: int,
    per_page: int,
    scan: bool,
) -> tuple[int, int, list[int]]:
    """(total, page, ids of that page). When a filter makes the database scan the table anyway (`scan`:
    text, customer), the matches are fetched once with their sort keys and paged here — one scan instead
    of two — as long as there are at most `FEW_MATCHES`. Otherwise: a count, then the page's ids (an
    index-only scan for the common orders, however deep the page)."""
    if scan:
        keys = [column for column, _ in ordering[:-1]]
        rows = list(
            session.execute(select(col(FeatureRequest.id), *keys).where(*conditions).limit(FEW_MATCHES + 1))
        )
        if len(rows) <= FEW_MATCHES:
            total = len(rows)
            page = max(1, min(page, max(1, -(-total // per_page))))
            ordered = _sorted_in_python(rows, ordering)
            return total, page, ordered[(page - 1) * per_page : page * per_page]
    total = int(session.exec(select(func.count()).select_from(FeatureRequest).where(*conditions)).one())
    page = max(1, min(page, max(1, -(-total // per_page))))
    order_by = [column.asc() if ascending else column.desc() for column, ascending in ordering]
    ids = session.exec(
        select(FeatureRequest.id)
        .where(*conditions)
        .order_by(*order_by)
        .offset((page - 1) * per_page)
        .limit(per_page)
    )
    return total, page, [int(rid) for rid in ids if rid is not None]


def browse_requests(
    *,
    session: Session,
    filters: RequestFilters,
    sort: str = "rice",
    most_first: bool = True,
    page: int = 1,
    per_page: int = PER_PAGE,
) -> BrowsePage:
    """One page of requests matching `filters`, sorted by `sort` (rice, arr, priority, votes, age; "most
    first" unless `most_first` is False), with each request's customers. A page past the end shows the
    last one."""
    filters = filters.checked()
    sort = check_sort(sort)
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    conditions = _where(filters, session=session)
    total, page, ids = _page_ids(
        session,
        conditions,
        _ordering(sort, most_first),
        page=page,
        per_page=per_page,
        scan=bool(filters.text or filters.customer),
    )
    # the page's rows by id (a "deferred join": sorting and skipping never read whole rows)
    by_id = {r.id: r for r in session.exec(select(FeatureRequest).where(col(FeatureRequest.id).in_(ids)))}
    found = [by_id[rid] for rid in ids if rid in by_id]
    customers = customers_of(session=session, request_ids=ids)
    rows = [BrowseRow(request=r, customers=customers.get(r.id or 0, [])) for r in found]
    return BrowsePage(rows=rows, total=total, page=page, per_page=per_page)


def merged_into(*, session: Session, request_id: int) -> list[FeatureRequest]:
    """The requests folded into this one (its duplicates), newest first."""
    return list(
        session.exec(
            select(FeatureRequest)
            .where(col(FeatureRequest.merged_into_id) == request_id)
            .order_by(col(FeatureRequest.id).desc())
        )
    )


def is_requester(*, session: Session, request_id: int, platform: str, user: str) -> bool:
    """Whether this person logged or joined the request (a sales user may see only those)."""
    found = session.exec(
        select(RequestRequester.id).where(
            col(RequestRequester.request_id) == request_id,
            col(RequestRequester.platform) == platform,
            col(RequestRequester.user_id) == user,
        )
    ).first()
    return found is not None


def status_word(status: str, lang: str) -> str:
    return STATUS_ZH.get(status, status) if lang == "zh" else status
