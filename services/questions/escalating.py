"""Escalating a question the knowledge base could not answer: record the escalation (joining an identical
open one) and post it once in every PM channel (`SALESBRIDGE_PM_CHANNELS`) through the outbox.

The chat handler (`handlers/ask/`) says "I don't know" around it; the PMs answer with `pm_answers.py`.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.chat_text import mention
from bot.errors import NotFound
from bot.i18n import both
from bot.messages import Address, KeyValue, Reply
from services.context import Services
from services.questions.buttons import answer_button
from services.questions.escalation import get_question, open_escalation


@dataclass(frozen=True)
class Escalated:
    escalation_id: int
    created: bool  # False: the question joined an identical open escalation (the PMs already have it)
    pm_channels: int  # PM channels configured (0: nobody could be asked; a PM can still `answer <id>`)


def escalate_question(*, services: Services, question_id: int) -> Escalated:
    """Escalate an asked question to the PMs: a new escalation is posted in every PM channel (once, by outbox
    dedupe key); an identical open one is joined, and its answer will reach this asker too."""
    with services.db.session() as session:
        question = get_question(session=session, question_id=question_id)
        if question is None:
            raise NotFound(f"No question #{question_id}.", f"没有编号为 {question_id} 的问题。")
        escalation, created = open_escalation(session=session, question=question, now=services.now())
        escalation_id = escalation.id
        asker, platform = question.user_id, question.platform
        text = question.question
    assert escalation_id is not None
    channels = services.settings.pm_channels
    if created:
        for pm_platform, channel in channels:
            services.send(
                Address(platform=pm_platform, conversation=channel),
                escalation_post(escalation_id=escalation_id, question=text, asker=asker, platform=platform),
                dedupe_key=f"qa.escalation.{escalation_id}.{pm_platform}.{channel}",
            )
    return Escalated(escalation_id=escalation_id, created=created, pm_channels=len(channels))


def escalation_post(*, escalation_id: int, question: str, asker: str, platform: str) -> Reply:
    """The post in a PM channel: the question, who asked, and the Answer button."""
    return Reply(
        title=f"❓ Question #{escalation_id} from sales / 销售提问 #{escalation_id}",
        text=f"> {question}",
        fields=[KeyValue(label="Asked by / 提问人", value=mention(asker, platform=platform))],
        buttons=[answer_button(escalation_id)],
        context=[
            both(
                f"The knowledge base has no reliable answer. Click Answer or reply `answer {escalation_id} <text>`: "
                "the answer goes to the asker and into the knowledge base as an FAQ.",
                f"知识库中没有可靠的答案。点击“回答”或发送 `回答 {escalation_id} <内容>`：回答会发给提问人，并作为 FAQ 存入知识库。",
            )
        ],
        where="channel",
        color="warning",
    )
