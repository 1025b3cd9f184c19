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

from bot.errors import UserFacingError
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


def _check_examples(questions: Sequence[Question], examples: Sequence[Example]) -> None:
    """Both kinds of example, or a bilingual reason naming what is missing — a question that found no
    section, or an answerable one whose section was not among those judged, teaches nothing."""
    unanswerable = sum(1 for q in questions if q.type == UNANSWERABLE)
    if not any(not e.answerable for e in examples):
        if unanswerable:
            raise UserFacingError(
                f"none of the {unanswerable} unanswerable questions found a section to weigh (they are declined "
                "anyway); add unanswerable questions about things near your product, which find sections but "
                "should not be answered",
                f"{unanswerable} 个不可回答的问题都没有检索到任何段落（本来就会拒答），无从学习；"
                "请加入与产品相近、能检索到段落但不应回答的问题",
            )
        raise UserFacingError(
            'the file has no unanswerable questions (`"type": "unanswerable"`, `"expected": []`)',
            '文件中没有不可回答的问题（`"type": "unanswerable"`、`"expected": []`）',
        )
    if not any(e.answerable for e in examples):
        raise UserFacingError(
            "no answerable question's expected section was among the sections the search weighs (the first "
            "three): check the expected paths and headings against `salesbridge kb search`",
            "没有一个可回答问题的期望段落出现在检索权衡的前三个段落中：请用 `salesbridge kb search` "
            "核对期望的路径和标题",
        )


def calibrate(
    kb: KnowledgeBase, questions: Sequence[Question], *, save: bool = True, strict: bool = False
) -> FitReport:
    """Fit the decision for the retrieval mode in use (hybrid with embeddings, else lexical) and store it."""
    mode = kb.decision_mode()
    hybrid = mode == "hybrid"
    examples = calibration_examples(kb, questions, strict=strict)
    _check_examples(questions, examples)
    report = fit(
        examples,
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
