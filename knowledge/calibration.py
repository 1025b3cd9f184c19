"""`kb calibrate`: fit the answer decision to a team's own knowledge base and questions.

Every question is searched as the bot searches; the evidence features of each of the first fused sections
(`RetrievalConfig.support_candidates`) are collected. An answerable question whose expected section is among
them contributes that section's features as "answer"; an unanswerable one contributes its best-looking
candidate as "do not answer". Answerable questions whose section the search missed are left out: whether
to answer them is the retrieval's failure, not the decision's.
"""

from __future__ import annotations

from collections.abc import Sequence

from knowledge.base import KnowledgeBase
from knowledge.decision import HYBRID_FEATURES, LEXICAL_FEATURES, Example, FitReport, fit
from knowledge.evaluation import UNANSWERABLE, Question, section_hits
from knowledge.store import save_decision


def calibration_examples(kb: KnowledgeBase, questions: Sequence[Question]) -> list[Example]:
    sections = kb.indexes().sections.sections
    examples: list[Example] = []
    for question in questions:
        retrieved = kb.retrieve(question.question, language=question.lang or "en")
        if retrieved is None:
            continue
        if question.type == UNANSWERABLE:
            examples.append(Example(features=retrieved.features, answerable=False))
            continue
        for number, features in retrieved.judged:
            if section_hits(sections[number], question.expected):
                examples.append(Example(features=features, answerable=True))
                break
    return examples


def calibrate(kb: KnowledgeBase, questions: Sequence[Question], *, save: bool = True) -> FitReport:
    """Fit the decision for the retrieval mode in use (hybrid with embeddings, else lexical) and store it."""
    mode = kb.decision_mode()
    hybrid = mode == "hybrid"
    report = fit(
        calibration_examples(kb, questions),
        features=HYBRID_FEATURES if hybrid else LEXICAL_FEATURES,
        source=f"kb calibrate ({len(questions)} questions)",
    )
    if save:
        with kb.db.session() as session:
            save_decision(
                session=session,
                mode=mode,
                model=report.model,
                questions=len(questions),
            )
        kb.invalidate()
    return report
