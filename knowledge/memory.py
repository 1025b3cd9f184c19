"""The PMs' answers as one memory across both languages: a new question is matched, by meaning, against the
questions PMs already answered (FAQ entries from escalations and `kb add`), so a PM answer given in Chinese
serves the English paraphrase — quoted whole, with who answered, when and in which language.

The match compares question with question (e5 is at its best there) through `knowledge.semantic`: the
calibrated cosine, no swapped slot ("pay with PayPal?" is not "pay with Alipay?") — and, because a wrong answer
here is forwarded to a customer, one more guard: every name either question writes (PayPal, Okta, SCIM) must
appear in the other one's text or its answer. The knowledge base's own names — written in at least half of its
documents, like the product's name — distinguish nothing and are not asked for ("Does LumenCRM support
WhatsApp?" takes the answer to "支持 WhatsApp 吗？").

A question in the other language that shares no word or name with a PM's question cannot be confirmed: e5
puts "Can customers pay with PayPal?" as close to "客户可以用支付宝付款吗？" (0.88) as "… with Alipay?" (0.88),
and "PayPal" ↔ "支付宝" above "Alipay" ↔ "支付宝". Such a match is only *likely* (`Recall.sure` False): the answer
shows it as "not sure — a PM answered a similar question", never as the answer.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from sqlmodel import col, select

from bot.models.knowledge import KnowledgeDocument, KnowledgeSection
from knowledge.semantic import (
    cosine_threshold,
    is_chinese,
    is_cross_language,
    passage_vector,
    same_meaning,
    swapped_slot,
    text_vectors,
)
from knowledge.store import to_section
from knowledge.tokenize import named_words, tokens
from knowledge.types import Hit, Section

if TYPE_CHECKING:
    from knowledge.base import KnowledgeBase

logger = logging.getLogger(__name__)


def _terms(text: str) -> list[str]:
    return tokens(text, query=True)


def missing_names(text: str, other: str, *, common: Callable[[str], bool] = lambda term: False) -> list[str]:
    """The names `text` writes (`named_words`) that `other` does not — leaving out those `common` says the
    knowledge base writes everywhere."""
    written = other.lower()
    return [word for word, _ in named_words(text) if not common(word) and word not in written]


def names_agree(
    question: str, other_question: str, answer: str, *, common: Callable[[str], bool] = lambda term: False
) -> bool:
    """Every name one question writes is in the other's text (for the asked question: the question or the
    answer it would get) — except the names `common` says the knowledge base writes everywhere."""
    return not missing_names(question, f"{other_question}\n{answer}", common=common) and not missing_names(
        other_question, question, common=common
    )


@dataclass(frozen=True)
class Recall:
    """The PM answer closest in meaning to a question: `sure` — the same question (answer with it); otherwise
    a likely translation nothing confirms (show it as "not sure")."""

    hit: Hit
    sure: bool


class PmMemory:
    """`lookup(question)`: the PM answer to a question with the same meaning (or, across languages, a likely
    one), or None."""

    def __init__(self, *, knowledge: KnowledgeBase) -> None:
        self.knowledge = knowledge

    def lookup(self, question: str) -> Recall | None:
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
        everywhere = self.knowledge.indexes().everywhere
        likely: Recall | None = None
        for cosine, entry in scored[:3]:
            if cosine < cosine_threshold(question, entry.title):
                continue
            if swapped_slot(question, entry.title, terms=_terms):
                continue
            section = self.whole_entry(entry.id)
            if section is None:
                continue
            hit = Hit(section=section, score=cosine, rank=1, signals={"pm_memory": cosine})
            if same_meaning(question, entry.title, cosine=cosine, terms=_terms) and names_agree(
                question, entry.title, section.text, common=everywhere
            ):
                logger.info("question matched PM answer %s (cosine %.3f)", entry.path, cosine)
                return Recall(hit=hit, sure=True)
            # A Latin name in the Chinese one ("PayPal" in "客户可以用 PayPal 付款吗？") would be written as it
            # is in the English one: missing there, it is another thing; English names may be translated.
            chinese, english = (
                (question, f"{entry.title}\n{section.text}")
                if is_chinese(question)
                else (entry.title, question)
            )
            if (
                likely is None
                and is_cross_language(question, entry.title)
                and not missing_names(chinese, english, common=everywhere)
            ):
                likely = Recall(hit=hit, sure=False)
        return likely

    def names_agree(self, question: str, section: Section) -> bool:
        """`names_agree` for a PM's answer (`section`) retrieval found, the knowledge base's own names aside."""
        common = self.knowledge.indexes().everywhere
        return names_agree(question, section.title, section.text, common=common)

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
