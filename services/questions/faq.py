"""FAQ entries PMs wrote (an escalation's answer, `kb add`): who owns each, and when it is due for
re-verification.

An entry is due `SALESBRIDGE_FAQ_VERIFY_DAYS` (default 180) after it was answered or last re-verified
(`knowledge_document.verify_by`). Past that date the dashboard lists it for re-verification and answers
quoting it say "unverified since <date>" (`knowledge.answer_text.unverified_note`); a PM re-verifies it
(`reverify_faq`), which pushes the date by the same number of days from today.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from sqlmodel import Session, col, select

from bot.clock import as_utc
from bot.config import Settings
from bot.errors import NotFound
from bot.models.knowledge import KnowledgeDocument
from bot.models.qa import QaEscalation
from services.context import Services

_ESCALATION_PATH = re.compile(r"^faq:escalation-(\d+)$")


def faq_verify_by(*, settings: Settings, answered: date) -> date:
    """The re-verification date of an entry answered (or re-verified) on `answered`."""
    return answered + timedelta(days=settings.faq_verify_days)


def escalation_of(path: str) -> int | None:
    """The escalation an FAQ entry answers (`faq:escalation-12` → 12), None for `kb add` entries."""
    found = _ESCALATION_PATH.match(path)
    return int(found.group(1)) if found else None


@dataclass(frozen=True)
class FaqEntry:
    document_id: int
    path: str
    title: str  # the question
    language: str
    owner: str  # the PM who answered (user id)
    owner_platform: str  # their platform, when the entry answers an escalation ("" for `kb add`)
    answered: date | None
    verify_by: date
    escalation_id: int | None

    def overdue(self, today: date) -> bool:
        return today > self.verify_by


def faq_entries(*, session: Session, settings: Settings, today: date) -> list[FaqEntry]:
    """Every FAQ entry a PM wrote: those past their re-verification date first (oldest date first), then the
    others by date. An entry stored without a date (none of ours after the migration) is due
    SALESBRIDGE_FAQ_VERIFY_DAYS after its answer."""
    documents = list(
        session.exec(
            select(KnowledgeDocument).where(
                col(KnowledgeDocument.kind) == "faq",
                col(KnowledgeDocument.owner).is_not(None),
                col(KnowledgeDocument.owner) != "",
            )
        )
    )
    escalation_ids = [e for e in (escalation_of(d.path) for d in documents) if e is not None]
    platforms = {
        e.id: e.answered_platform or ""
        for e in (
            session.exec(select(QaEscalation).where(col(QaEscalation.id).in_(escalation_ids)))
            if escalation_ids
            else []
        )
    }
    entries = []
    for document in documents:
        answered = document.updated or as_utc(document.created_at).date()
        escalation_id = escalation_of(document.path)
        entries.append(
            FaqEntry(
                document_id=document.id or 0,
                path=document.path,
                title=document.title,
                language=document.language,
                owner=document.owner or "",
                owner_platform=platforms.get(escalation_id, "") if escalation_id is not None else "",
                answered=document.updated,
                verify_by=document.verify_by or faq_verify_by(settings=settings, answered=answered),
                escalation_id=escalation_id,
            )
        )
    entries.sort(key=lambda e: (not e.overdue(today), e.verify_by, e.document_id))
    return entries


def reverify_faq(*, services: Services, document_id: int) -> date:
    """A PM checked the entry and it still holds: its re-verification date moves to today +
    SALESBRIDGE_FAQ_VERIFY_DAYS (answers quoting it stop saying "unverified"). Returns the new date;
    NotFound for an id that is not a PM's FAQ entry."""
    with services.db.session() as session:
        document = session.get(KnowledgeDocument, document_id)
        is_entry = document is not None and document.kind == "faq" and bool(document.owner)
    if not is_entry:
        raise NotFound(f"There is no FAQ entry #{document_id}.", f"没有编号为 #{document_id} 的 FAQ 条目。")
    today = services.now().astimezone(services.settings.tz).date()
    verify_by = faq_verify_by(settings=services.settings, answered=today)
    services.knowledge.set_verify_by(document_id=document_id, verify_by=verify_by)
    return verify_by
