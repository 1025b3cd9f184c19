"""Every feature request as records (numbers as numbers) and as CSV: the chat's `requests export`, the CLI's
`salesbridge requests list [--json]` and `salesbridge requests export --csv`."""

from __future__ import annotations

import csv
import io
from typing import TypedDict

from sqlmodel import Session, col, select

from bot.clock import as_utc
from bot.models.requests import FeatureRequest, RequestRequester
from services.requests.queries import customers_of
from services.requests.vocabulary import format_money, plain_number

CSV_COLUMNS = (
    "id", "title", "status", "priority", "priority_override_reason", "rice", "reach", "impact", "confidence",
    "effort_weeks", "total_arr_usd", "customer_count", "customers", "area", "release", "merged_into",
    "requesters", "created_platform", "created_by", "created_at", "updated_at", "source_link", "description",
)  # fmt: skip


def _csv_safe(value: str) -> str:
    """Spreadsheet apps run cells starting with = + - @ as formulas; a leading apostrophe disarms them."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


class ExportRecord(TypedDict):
    """One request as the export has it, with numbers as numbers (`salesbridge requests list --json`); `None`:
    not set (confidence and effort before triage, `merged_into` of an unmerged request)."""

    id: int
    title: str
    status: str
    priority: str
    priority_override_reason: str
    rice: float
    reach: float
    impact: float
    confidence: float | None
    effort_weeks: float | None
    total_arr_usd: float
    customer_count: int
    customers: str
    area: str
    release: str
    merged_into: int | None
    requesters: str
    created_platform: str
    created_by: str
    created_at: str
    updated_at: str
    source_link: str
    description: str


def export_records(*, session: Session) -> list[ExportRecord]:
    """Every request (merged ones too) with its customers and requesters, by id."""
    requests = list(session.exec(select(FeatureRequest).order_by(col(FeatureRequest.id))))
    ids = [r.id for r in requests if r.id is not None]
    customers = customers_of(session=session, request_ids=ids)
    requesters: dict[int, list[str]] = {}
    for requester in session.exec(select(RequestRequester).order_by(col(RequestRequester.id))):
        requesters.setdefault(requester.request_id, []).append(f"{requester.platform}:{requester.user_id}")
    records: list[ExportRecord] = []
    for r in requests:
        assert r.id is not None
        records.append(
            {
                "id": r.id,
                "title": r.title,
                "status": r.status,
                "priority": r.priority,
                "priority_override_reason": r.override_reason,
                "rice": r.rice,
                "reach": r.reach,
                "impact": r.impact,
                "confidence": r.confidence,
                "effort_weeks": r.effort_weeks,
                "total_arr_usd": r.total_arr_usd,
                "customer_count": r.customer_count,
                "customers": "; ".join(
                    f"{c.name} ({c.tier}, {c.urgency}, {format_money(c.arr_amount, c.arr_currency)})"
                    for c in customers.get(r.id, [])
                ),
                "area": r.area,
                "release": r.release,
                "merged_into": r.merged_into_id,
                "requesters": "; ".join(requesters.get(r.id, [])),
                "created_platform": r.created_platform,
                "created_by": r.created_by,
                "created_at": as_utc(r.created_at).isoformat(),
                "updated_at": as_utc(r.updated_at).isoformat(),
                "source_link": r.source_link,
                "description": r.description,
            }
        )
    return records


def _cell(column: str, value: object) -> str:
    """A record's value as the CSV shows it: ARR with cents, other numbers short (`2.1`, `162`, `25000000`, never
    `2.5e+07`), unset empty."""
    if value is None:
        return ""
    if column == "total_arr_usd" and isinstance(value, int | float):
        return f"{value:.2f}"
    if isinstance(value, float):
        return plain_number(value)
    return str(value)


def export_rows(*, session: Session) -> list[dict[str, str]]:
    """`export_records` as text, the cells of the CSV."""
    return [{k: _cell(k, v) for k, v in record.items()} for record in export_records(session=session)]


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
