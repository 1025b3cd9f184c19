"""`kb calibrate`: fit the answer decision to a team's own knowledge base and questions.

Every question is searched as the bot searches; the evidence features of each of the first fused sections
(`RetrievalConfig.support_candidates`) are collected. An answerable question whose expected section is among
them contributes that section's features as "answer"; an unanswerable one contributes every candidate as
"do not answer" (it is declined only when none is strong), so the examples do not depend on the decision
in use and calibrating again gives the same fit. Answerable questions whose section the search missed are
left out by default: whether to answer them is the retrieval's failure, not the decision's. `strict` counts
them as "do not answer" too — the answer would quote the wrong sections — so the decision learns to say
"not sure" where the search tends to miss: fewer confident answers, and about half as many wrong ones
(docs/knowledge.md has the figures).
"""

from __future__ import annotations

from collections.abc import Sequence

from knowledge.base import KnowledgeBase
from knowledge.decision import HYBRID_FEATURES, LEXICAL_FEATURES, Example, FitReport, fit
from knowledge.evaluation import UNANSWERABLE, Question, section_hits
from knowledge.store import save_decision


def calibration_examples(
    kb: KnowledgeBase, questions: Sequence[Question], *, strict: bool = False
) -> list[Example]:
    sections = kb.indexes().sections.sections
    examples: list[Example] = []
    for question in questions:
        retrieved = kb.retrieve(question.question, language=question.lang or "en")
        if retrieved is None:
            continue
        first, *rivals = [features for _, features in retrieved.judged]
        to_decline = Example(features=first, answerable=False, rivals=tuple(rivals))
        if question.type == UNANSWERABLE:
            examples.append(to_decline)
            continue
        for number, features in retrieved.judged:
            if section_hits(sections[number], question.expected):
                examples.append(Example(features=features, answerable=True))
                break
        else:
            if strict:
                examples.append(to_decline)
    return examples


def calibrate(
    kb: KnowledgeBase, questions: Sequence[Question], *, save: bool = True, strict: bool = False
) -> FitReport:
    """Fit the decision for the retrieval mode in use (hybrid with embeddings, else lexical) and store it."""
    mode = kb.decision_mode()
    hybrid = mode == "hybrid"
    report = fit(
        calibration_examples(kb, questions, strict=strict),
        features=HYBRID_FEATURES if hybrid else LEXICAL_FEATURES,
        source=f"kb calibrate ({len(questions)} questions{', strict' if strict else ''})",
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
