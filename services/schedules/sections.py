"""One section of an agenda or a digest: the items a query of another capability returned, as bullets.

`read_section` runs one typed query in its own session. Only a query that raises makes the section
unavailable (logged with its traceback); the post then says so instead of inventing data.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from sqlmodel import Session

from services.context import Services

logger = logging.getLogger(__name__)

T = TypeVar("T")

UNAVAILABLE = "_(not available right now / 暂不可用)_"


@dataclass(frozen=True)
class Section(Generic[T]):
    items: list[T] = field(default_factory=list)
    available: bool = True


def read_section(services: Services, query: Callable[[Session], Sequence[T]], *, name: str) -> Section[T]:
    """`query(session)` as a section; a query that raises is logged and gives an unavailable section."""
    try:
        with services.db.session() as session:
            return Section(items=list(query(session)))
    except Exception:
        logger.exception("agenda/digest section %r failed", name)
        return Section(available=False)


def bullets(items: Sequence[T], line: Callable[[T], str], *, limit: int = 8) -> str:
    """One `• line` per item, at most `limit`, then `• … +N` for the rest."""
    lines = [f"• {line(item)}" for item in items[:limit]]
    if len(items) > limit:
        lines.append(f"• … +{len(items) - limit}")
    return "\n".join(lines)


def block(title: str, section: Section[T], line: Callable[[T], str], *, empty: str, limit: int = 8) -> str:
    """`**title**` and the section's bullets, `empty` when it has none, or that it is unavailable."""
    if not section.available:
        return f"**{title}**\n{UNAVAILABLE}"
    return f"**{title}**\n" + (bullets(section.items, line, limit=limit) if section.items else empty)
