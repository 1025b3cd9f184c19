"""Demand at a glance, for the dashboard's charts: customers asking per month by tier and the ARR behind
them, and the most requested product areas.

Both are one grouped query each (portable SQL: the month is a CASE over the month boundaries in the
schedule timezone), so they stay quick with 100,000 requests.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo

from sqlalchemy import case, func
from sqlmodel import Session, col, select

from bot.clock import as_utc
from bot.models import FeatureRequest, RequestCustomer
from services.requests.vocabulary import TIERS


@dataclass(frozen=True)
class MonthDemand:
    month: date  # its first day
    customers: dict[str, int] = field(default_factory=dict)  # tier → customers asking that month
    arr_usd: dict[str, float] = field(default_factory=dict)  # tier → their ARR

    @property
    def total_customers(self) -> int:
        return sum(self.customers.values())

    @property
    def total_arr_usd(self) -> float:
        return sum(self.arr_usd.values())


def _month_starts(now: datetime, tz: tzinfo, months: int) -> list[date]:
    local = now.astimezone(tz).date().replace(day=1)
    starts = []
    year, month = local.year, local.month
    for _ in range(months):
        starts.append(date(year, month, 1))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return sorted(starts)


def demand_by_month(*, session: Session, now: datetime, tz: tzinfo, months: int = 12) -> list[MonthDemand]:
    """Customers added to requests per month over the last `months` months (this one included), by tier,
    with their ARR in USD; oldest month first, months without demand listed with zeros."""
    starts = _month_starts(now, tz, months)
    bounds = [as_utc(datetime.combine(day, datetime.min.time(), tzinfo=tz)) for day in starts]
    added = col(RequestCustomer.created_at)
    bucket = case(*[(added >= bound, index) for index, bound in reversed(list(enumerate(bounds)))], else_=-1)
    rows = session.exec(
        select(bucket, RequestCustomer.tier, func.count(), func.sum(RequestCustomer.arr_usd))
        .where(added >= bounds[0])
        .group_by(bucket, col(RequestCustomer.tier))
    )
    counts: dict[int, dict[str, int]] = {}
    money: dict[int, dict[str, float]] = {}
    for index, tier, count, arr in rows:
        if index is None or int(index) < 0:
            continue
        counts.setdefault(int(index), {})[tier] = int(count)
        money.setdefault(int(index), {})[tier] = float(arr or 0.0)
    return [
        MonthDemand(
            month=start,
            customers={tier: counts.get(index, {}).get(tier, 0) for tier in _tiers(counts)},
            arr_usd={tier: money.get(index, {}).get(tier, 0.0) for tier in _tiers(counts)},
        )
        for index, start in enumerate(starts)
    ]


def _tiers(counts: dict[int, dict[str, int]]) -> list[str]:
    """The known tiers in order, then any other value stored."""
    seen = {tier for by_tier in counts.values() for tier in by_tier}
    return [*TIERS, *sorted(seen - set(TIERS))]


@dataclass(frozen=True)
class AreaDemand:
    area: str
    requests: int  # open requests in the area
    customers: int  # customers asking for them
    arr_usd: float


def top_areas(*, session: Session, limit: int = 10) -> list[AreaDemand]:
    """The product areas with the most open requests (then customers, then ARR)."""
    requests = func.count()
    customers = func.sum(FeatureRequest.customer_count)
    arr = func.sum(FeatureRequest.total_arr_usd)
    rows = session.exec(
        select(FeatureRequest.area, requests, customers, arr)
        .where(col(FeatureRequest.is_open).is_(True), col(FeatureRequest.merged_into_id).is_(None))
        .group_by(col(FeatureRequest.area))
        .order_by(requests.desc(), customers.desc(), arr.desc(), col(FeatureRequest.area))
        .limit(limit)
    )
    return [
        AreaDemand(area=area, requests=int(n), customers=int(c or 0), arr_usd=float(a or 0.0))
        for area, n, c, a in rows
    ]
