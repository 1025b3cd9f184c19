"""Live data for agendas and digests, read from the other capabilities' service modules.

Each source is a keyword-only function of another module (`services.requests.workflow.top_requests(*,
session, limit)` …). A module that is not installed yields `Section(available=False)`: the agenda says the
section is unavailable instead of inventing data. Items may be dataclasses, SQLModel rows, dicts or tuples;
`describe` renders any of them as one line.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from services.context import Services

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Section:
    available: bool
    items: list[Any] = field(default_factory=list)
    source: str = ""


def _function(candidates: Iterable[str]) -> tuple[Any, str] | None:
    for reference in candidates:
        module_name, _, attr = reference.partition(":")
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        function = getattr(module, attr, None)
        if callable(function):
            return function, reference
    return None


def fetch(services: Services, candidates: Iterable[str], **kwargs: Any) -> Section:
    """Call the first installed function among `candidates` with a session and `kwargs`."""
    found = _function(candidates)
    if found is None:
        return Section(available=False)
    function, reference = found
    try:
        with services.db.session() as session:
            result = function(session=session, **kwargs)
            items = _as_list(result)
    except Exception:
        logger.exception("agenda/digest source %s failed", reference)
        return Section(available=False, source=reference)
    return Section(available=True, items=items, source=reference)


def _as_list(result: Any) -> list[Any]:
    if result is None:
        return []
    if isinstance(result, Mapping):
        return [(key, value) for key, value in result.items()]
    if isinstance(result, (str, bytes)):
        return [result]
    return list(result)


_TEXT_FIELDS = ("title", "text", "question", "name", "summary", "product", "objection")
_DETAIL_FIELDS = (
    ("customer", "customer"),
    ("status", "status"),
    ("old_status", "from"),
    ("new_status", "to"),
    ("score", "score"),
    ("arr", "ARR"),
    ("total_arr", "ARR"),
    ("priority", "priority"),
    ("count", "×"),
    ("asks", "×"),
    ("rate", "ack"),
    ("acknowledged", "acked"),
    ("date", "date"),
    ("when", "date"),
    ("kind", "kind"),
)


def _get(item: Any, name: str) -> Any:
    if isinstance(item, Mapping):
        return item.get(name)
    return getattr(item, name, None)


def _format(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.0%}" if 0 <= value <= 1 else f"{value:,.0f}"
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int) and value >= 10000:
        return f"{value:,}"
    return str(value)


def _known(item: Any) -> str | None:
    """The shapes the other capabilities return, each rendered the way a sales team reads it."""
    has = lambda *names: all(hasattr(item, n) for n in names)  # noqa: E731
    if has("rice", "total_arr_usd", "title", "status"):  # a feature request
        parts = [item.status, getattr(item, "priority", "")]
        if item.total_arr_usd:
            parts.append(f"ARR ${item.total_arr_usd:,.0f}")
        if getattr(item, "customer_count", 0):
            parts.append(f"{item.customer_count} customer(s) / 客户")
        if item.rice:
            parts.append(f"RICE {item.rice:.2f}")
        return f"#{item.id} {item.title} — " + " · ".join(p for p in parts if p)
    if has("from_status", "to_status", "request_id"):  # a status change
        release = f" ({item.release})" if getattr(item, "release", "") else ""
        return f"#{item.request_id} {item.title}: {item.from_status} → **{item.to_status}**{release}"
    if has("day", "kind", "product", "title"):  # an upcoming release / end-of-sale date
        return f"{_format(item.day)} · {item.kind.replace('_', ' ')} · {item.title}"
    if has("acknowledged", "expected", "title"):  # an acknowledgement rate
        rate = item.acknowledged / item.expected if item.expected else 0.0
        return f"{item.title} — {item.acknowledged}/{item.expected} ({rate:.0%})"
    if has("kind", "product", "version", "release_date", "last_order"):  # an announcement
        when = item.release_date if item.kind == "release" else item.last_order
        version = f" {item.version}" if item.version else ""
        label = "release / 发布" if item.kind == "release" else "end of sale / 停售"
        return f"#{item.id} [{label}] {item.product}{version}" + (f" — {_format(when)}" if when else "")
    if has("question", "status", "answer"):  # an escalated question
        if item.status == "answered" and item.answer:
            return f"{item.question} → {item.answer[:160]}"
        return f"{item.question} ({item.status})"
    if isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str) and isinstance(item[1], int):
        return f"{item[0]} — ×{item[1]}"  # (question, times asked)
    return None


def describe(item: Any) -> str:
    """One bullet line for any item shape: `#12 SAML SSO — customer: Acme · status: planned`."""
    known = _known(item)
    if known is not None:
        return known
    if isinstance(item, tuple) and len(item) == 2 and not hasattr(item, "_fields"):
        left, right = item
        return f"{_format(left) if not hasattr(left, '__dict__') else describe(left)} — {_format(right)}"
    if isinstance(item, str):
        return item
    identifier = _get(item, "id")
    text = next((str(v) for f in _TEXT_FIELDS if (v := _get(item, f))), "")
    details = []
    for name, label in _DETAIL_FIELDS:
        value = _get(item, name)
        if value not in (None, ""):
            details.append(f"{label}: {_format(value)}")
    head = (f"#{identifier} " if identifier is not None else "") + (text or str(item))
    return head + (" — " + " · ".join(details) if details else "")


def bullets(items: list[Any], *, limit: int = 8) -> str:
    lines = [f"• {describe(item)}" for item in items[:limit]]
    if len(items) > limit:
        lines.append(f"• … +{len(items) - limit}")
    return "\n".join(lines)


# --- named sources (names agreed with the requests, announcements and knowledge engineers) ------------
REQUESTS = "services.requests.workflow"
ANNOUNCEMENTS = ("services.announcements.workflow", "jobs.announcements")
ESCALATION = "services.questions.escalation"


def _each(modules: str | tuple[str, ...], function: str) -> list[str]:
    names = (modules,) if isinstance(modules, str) else modules
    return [f"{m}:{function}" for m in names]


def new_requests(services: Services, *, since: datetime) -> Section:
    return fetch(services, _each(REQUESTS, "requests_created_since"), since=since)


def status_changes(services: Services, *, since: datetime) -> Section:
    return fetch(services, _each(REQUESTS, "status_changes_since"), since=since)


def top_requests(services: Services, *, limit: int = 5) -> Section:
    return fetch(services, _each(REQUESTS, "top_requests"), limit=limit)


def requests_by_arr(services: Services, *, limit: int = 10) -> Section:
    return fetch(services, _each(REQUESTS, "requests_by_arr"), limit=limit)


def upcoming_releases(services: Services, *, now: datetime, days: int = 14) -> Section:
    return fetch(services, _each(ANNOUNCEMENTS, "upcoming_releases_and_eos"), now=now, days=days)


def announcements_since(services: Services, *, since: datetime) -> Section:
    return fetch(services, _each(ANNOUNCEMENTS, "announcements_since"), since=since)


def acknowledgement_rates(services: Services, *, since: datetime) -> Section:
    return fetch(services, _each(ANNOUNCEMENTS, "acknowledgement_rates"), since=since)


def unanswered_questions(services: Services, *, since: datetime) -> Section:
    return fetch(services, _each(ESCALATION, "unanswered_questions"), since=since)


def answered_escalations(services: Services, *, since: datetime) -> Section:
    return fetch(services, _each(ESCALATION, "answered_escalations"), since=since)


def most_asked(services: Services, *, since: datetime, limit: int = 5) -> Section:
    return fetch(services, _each(ESCALATION, "most_asked"), since=since, limit=limit)
