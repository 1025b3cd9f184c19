"""One bullet line per item type that agendas and digests list, written the way a sales team reads it."""

from __future__ import annotations

from bot.models import Announcement, FeatureRequest, QaEscalation
from services.announcements.workflow import AckRate, Upcoming
from services.requests.queries import StatusChange


def request_line(request: FeatureRequest) -> str:
    """`#12 SAML SSO — planned · P1 · ARR $120,000 · 2 customer(s) / 客户 · RICE 3.50`"""
    parts = [request.status, request.priority]
    if request.total_arr_usd:
        parts.append(f"ARR ${request.total_arr_usd:,.0f}")
    if request.customer_count:
        parts.append(f"{request.customer_count} customer(s) / 客户")
    if request.rice:
        parts.append(f"RICE {request.rice:.2f}")
    return f"#{request.id} {request.title} — " + " · ".join(p for p in parts if p)


def status_change_line(change: StatusChange) -> str:
    release = f" ({change.release})" if change.release else ""
    return f"#{change.request_id} {change.title}: {change.from_status} → **{change.to_status}**{release}"


def upcoming_line(item: Upcoming) -> str:
    """A release, last-order, end-of-support or launch date."""
    return f"{item.day.isoformat()} · {item.kind.replace('_', ' ')} · {item.title}"


def ack_rate_line(rate: AckRate) -> str:
    return f"{rate.title} — {rate.acknowledged}/{rate.expected} ({rate.rate:.0%})"


def announcement_line(announcement: Announcement) -> str:
    release = announcement.kind == "release"
    when = announcement.release_date if release else announcement.last_order
    version = f" {announcement.version}" if announcement.version else ""
    label = "release / 发布" if release else "end of sale / 停售"
    return f"#{announcement.id} [{label}] {announcement.product}{version}" + (
        f" — {when.isoformat()}" if when else ""
    )


def escalation_line(escalation: QaEscalation) -> str:
    """An escalated question: with its answer once a PM answered it, else with its status."""
    if escalation.status == "answered" and escalation.answer:
        return f"{escalation.question} → {escalation.answer[:160]}"
    return f"{escalation.question} ({escalation.status})"


def most_asked_line(item: tuple[str, int]) -> str:
    """(a wording of the question, how many times it was asked)"""
    question, times = item
    return f"{question} — ×{times}"
