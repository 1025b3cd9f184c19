"""Every feature request as rows and as CSV: the chat's `requests export`, the CLI's `salesbridge requests list`
and `salesbridge requests export --csv`."""

from __future__ import annotations

import csv
import io

from sqlmodel import Session, col, select

from bot.clock import as_utc
from bot.models.requests import FeatureRequest, RequestRequester
from services.requests.queries import customers_of
from services.requests.vocabulary import format_money

CSV_COLUMNS = (
    "id", "title", "status", "priority", "priority_override_reason", "rice", "reach", "impact", "confidence",
    "effort_weeks", "total_arr_usd", "customer_count", "customers", "area", "release", "merged_into",
    "requesters", "created_platform", "created_by", "created_at", "updated_at", "source_link", "description",
)  # fmt: skip


def _csv_safe(value: str) -> str:
    """Spreadsheet apps run cells starting with = + - @ as formulas; a leading apostrophe disarms them."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def export_rows(*, session: Session) -> list[dict[str, str]]:
    requests = list(session.exec(select(FeatureRequest).order_by(col(FeatureRequest.id))))
    ids = [r.id for r in requests if r.id is not None]
    customers = customers_of(session=session, request_ids=ids)
    requesters: dict[int, list[str]] = {}
    for requester in session.exec(select(RequestRequester).order_by(col(RequestRequester.id))):
        requesters.setdefault(requester.request_id, []).append(f"{requester.platform}:{requester.user_id}")
    rows = []
    for r in requests:
        assert r.id is not None
        rows.append(
            {
                "id": str(r.id),
                "title": r.title,
                "status": r.status,
                "priority": r.priority,
                "priority_override_reason": r.override_reason,
                "rice": f"{r.rice:g}",
                "reach": f"{r.reach:g}",
                "impact": f"{r.impact:g}",
                "confidence": "" if r.confidence is None else f"{r.confidence:g}",
                "effort_weeks": "" if r.effort_weeks is None else f"{r.effort_weeks:g}",
                "total_arr_usd": f"{r.total_arr_usd:.2f}",
                "customer_count": str(r.customer_count),
                "customers": "; ".join(
                    f"{c.name} ({c.tier}, {c.urgency}, {format_money(c.arr_amount, c.arr_currency)})"
                    for c in customers.get(r.id, [])
                ),
                "area": r.area,
                "release": r.release,
                "merged_into": "" if r.merged_into_id is None else str(r.merged_into_id),
                "requesters": "; ".join(requesters.get(r.id, [])),
                "created_platform": r.created_platform,
                "created_by": r.created_by,
                "created_at": as_utc(r.created_at).isoformat(),
                "updated_at": as_utc(r.updated_at).isoformat(),
                "source_link": r.source_link,
                "description": r.description,
            }
        )
    return rows


def rows_to_csv(rows: list[dict[str, str]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _csv_safe(v) for k, v in row.items()})
    return buffer.getvalue()


def export_csv(*, session: Session) -> str:
    """Every request (merged ones too) with customers, ARR, requesters and status, as CSV text."""
    return rows_to_csv(export_rows(session=session))
