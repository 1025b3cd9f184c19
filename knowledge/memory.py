"""The PMs' answers as one memory across both languages: a new question is matched, by meaning, against the
questions PMs already answered (FAQ entries from escalations and `kb add`), so a PM answer given in Chinese
serves the English paraphrase — quoted whole, with who answered, when and in which language.

The match compares question with question (e5 is at its best there) through `knowledge.semantic`: the
calibrated cosine, no swapped slot ("pay with PayPal?" is not "pay with Alipay?") — and, because a wrong answer
here is forwarded to a customer, one more guard: every name either question writes (PayPal, Okta, SCIM) must
appear in the other one's text or its answer. "Can customers pay with Alipay?" therefore does not take the
answer to "客户可以用支付宝付款吗？" (Alipay is written 支付宝 there); retrieval still finds that entry.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import TYPE_CHECKING

from sqlmodel import col, select

from bot.models.knowledge import KnowledgeDocument, KnowledgeSection
from knowledge.semantic import passage_vector, same_meaning, text_vectors
from knowledge.store import to_section
from knowledge.tokenize import named_words, tokens
from knowledge.types import Hit, Section

if TYPE_CHECKING:
    from knowledge.base import KnowledgeBase

logger = logging.getLogger(__name__)


def _terms(text: str) -> list[str]:
    return tokens(text, query=True)


def names_agree(question: str, other_question: str, answer: str) -> bool:
    """Every name one question writes is in the other's text (for the asked question: the question or the
    answer it would get)."""
    theirs = f"{other_question}\n{answer}".lower()
    ours = question.lower()
    return all(word in theirs for word, _ in named_words(question)) and all(
        word in ours for word, _ in named_words(other_question)
    )


class PmMemory:
    """`match(question)`: the PM answer to a question with the same meaning, as a hit, or None."""

    def __init__(self, *, knowledge: KnowledgeBase) -> None:
        self.knowledge = knowledge

    def match(self, question: str) -> Hit | None:
        embedder = self.knowledge.embedder
        if embedder is None:
            return None
        entries = [d for d in self.knowledge.documents(kind="faq") if d.owner]
        if not entries:
            return None
        try:
            with self.knowledge.db.session() as session:
                vectors = text_vectors(session=session, embedder=embedder, texts=[d.title for d in entries])
            asked = passage_vector(embedder=embedder, text=question)
        except Exception:  # the model failing must not stop the answer: retrieval still runs
            logger.exception("matching the question against PM answers failed")
            return None
        scored = sorted(
            ((float(vectors[d.title] @ asked), d) for d in entries if d.title in vectors),
            key=lambda pair: -pair[0],
        )
        for cosine, entry in scored[:3]:
            if not same_meaning(question, entry.title, cosine=cosine, terms=_terms):
                continue
            section = self.whole_entry(entry.id)
            if section is not None and names_agree(question, entry.title, section.text):
                logger.info("question matched PM answer %s (cosine %.3f)", entry.path, cosine)
                return Hit(section=section, score=cosine, rank=1, signals={"pm_memory": cosine})
        return None

    def whole_entry(self, document_id: int) -> Section | None:
        """The FAQ entry as one section: its whole text, whatever chunking did to it."""
        with self.knowledge.db.session() as session:
            document = session.get(KnowledgeDocument, document_id)
            rows = list(
                session.exec(
                    select(KnowledgeSection)
                    .where(col(KnowledgeSection.document_id) == document_id)
                    .order_by(col(KnowledgeSection.id))
                )
            )
            if document is None or not rows:
                return None
            first = to_section(rows[0], document)
        text = "\n\n".join(row.text.strip() for row in rows if row.text.strip())
        return replace(first, heading="", headings=(), text=text)
