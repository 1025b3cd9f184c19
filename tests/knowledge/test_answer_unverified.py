"""A PM's answer past its re-verification date (`Section.verify_by`, from the FAQ entry's `verify_by`) is still
quoted, with a note "unverified since <date>" in the asker's language; before that date, no note."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from knowledge.answer import answer_question
from knowledge.memory import Recall
from knowledge.types import Hit, Section
from tests.knowledge.test_answer import FakeSearch
from tests.knowledge.test_answer_honest import PM_ZH, SSO

DUE = date(2027, 5, 19)
ENTRY = replace(PM_ZH, verify_by=DUE)


def test_an_answer_quoting_an_entry_past_its_date_says_unverified_since() -> None:
    kb = FakeSearch([ENTRY, SSO])
    late = answer_question(
        question="Can customers pay invoices with PayPal?", knowledge=kb, today=date(2027, 5, 20)
    )
    assert late.answered and late.method == "pm" and ENTRY.text in late.text
    assert any(n.startswith("⚠️ [1] unverified since 2027-05-19") for n in late.notes), late.notes
    zh = answer_question(question="客户能用 PayPal 付发票吗？", knowledge=kb, today=date(2027, 6, 1))
    assert any("自 2027-05-19 起未复核" in n for n in zh.notes), zh.notes
    on_time = answer_question(question="Can customers pay invoices with PayPal?", knowledge=kb, today=DUE)
    assert not any("unverified" in n for n in on_time.notes)


def test_the_memory_match_carries_the_note_too() -> None:
    class Memory:
        def lookup(self, question: str) -> Recall | None:
            return Recall(hit=Hit(section=ENTRY, score=0.9), sure=True)

        def names_agree(self, question: str, section: Section) -> bool:
            return True

    answer = answer_question(
        question="Can customers pay invoices with PayPal?",
        knowledge=FakeSearch([]),
        today=date(2028, 1, 1),
        memory=Memory(),
    )
    assert any("unverified since 2027-05-19" in n for n in answer.notes)
