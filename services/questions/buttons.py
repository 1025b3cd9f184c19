"""The buttons of Q&A messages and their action ids: 👍/👎 and "Ask a PM" under answers, "Answer" under an
escalation post. Messages sent from here (`escalating.py`, `pm_answers.py`) and the chat replies
(`handlers/ask/`) carry the same buttons; `handlers/ask/` registers their handlers."""

from __future__ import annotations

from bot.i18n import pick
from bot.messages import Button

FEEDBACK = "kb.feedback"  # kb.feedback.up / kb.feedback.down, value = question id
ESCALATE = "kb.escalate"  # value = question id: "Ask a PM" (after a 👎, under "not sure", for uncovered asks)
ANSWER_BUTTON = "kb.answer"  # value = escalation id: opens the PM's Answer form


def feedback_buttons(question_id: int, language: str) -> list[Button]:
    return [
        Button(
            action_id=f"{FEEDBACK}.up",
            label=pick(language, "👍 Helpful", "👍 有帮助"),
            value=str(question_id),
        ),
        Button(
            action_id=f"{FEEDBACK}.down",
            label=pick(language, "👎 Not helpful", "👎 没帮助"),
            value=str(question_id),
        ),
    ]


def ask_pm_button(question_id: int, language: str) -> Button:
    return Button(action_id=ESCALATE, label=pick(language, "Ask a PM", "转给产品经理"), value=str(question_id))


def answer_button(escalation_id: int) -> Button:
    return Button(action_id=ANSWER_BUTTON, label="Answer / 回答", value=str(escalation_id), style="primary")
