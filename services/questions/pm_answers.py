"""A PM's answer to an escalated question, from chat (`answer 12 …`, the Answer form) or any other entry point:
record it (idempotent; a different text is a correction), save it as an FAQ entry of the knowledge base, post
it in every asker's thread on the asker's platform, and tell the other PM channels it is answered.

Every message goes through the outbox with a dedupe key per escalation, revision and asker, so a retried
delivery never reaches anyone twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.chat_text import mention
from bot.errors import NotFound, UsageError
from bot.i18n import both, pick
from bot.messages import Address, Reply
from bot.models.qa import QaEscalation, QaQuestion
from services.context import Services
from services.questions.buttons import feedback_buttons
from services.questions.escalation import (
    escalation_askers,
    link_faq,
    question_address,
    record_answer,
)
from services.questions.faq import faq_verify_by


def has_words(text: str) -> bool:
    """An answer or FAQ text says something: at least one letter, digit or CJK character ("." or "👍" does
    not — sent to every asker and saved in the knowledge base it would replace a real answer)."""
    return any(ch.isalnum() for ch in text)


@dataclass(frozen=True)
class PmAnswer:
    escalation: QaEscalation  # as recorded, with who answered first
    repeated: bool  # the same answer again, already delivered and saved: nothing was sent
    corrected: bool  # it replaced an earlier, different answer
    revision: int
    askers: int  # askers the answer was sent to
    verify_by: date | None = None  # the FAQ entry's new re-verification date (a repeat re-verifies it)


def answer_escalation(
    *,
    services: Services,
    escalation_id: int,
    text: str,
    by: str,
    platform: str,
    from_conversation: str | None = None,
) -> PmAnswer:
    """Record PM `by`'s answer (on `platform`), save it as an FAQ entry, and post it in every asker's thread
    (once per asker and revision). The PM channels other than `from_conversation` (the one the answer was
    given in, if any) hear that the question is answered.

    The same answer again is a double submit — unless the first delivery broke off before the FAQ entry was
    saved: then this retry completes it (the outbox dedupe keys keep askers from getting it twice)."""
    text = text.strip()
    if not has_words(text):
        raise UsageError(
            f"The answer to #{escalation_id} has no words ({text!r}); nothing was sent or saved.",
            f"对 #{escalation_id} 的回答没有文字（{text!r}），未发送也未保存。",
        )
    now = services.now()
    today = now.astimezone(services.settings.tz).date()
    with services.db.session() as session:
        outcome = record_answer(
            session=session, escalation_id=escalation_id, text=text, by=by, platform=platform, now=now
        )
        if outcome is None:
            raise NotFound(
                f"No escalated question #{escalation_id}.", f"没有编号为 {escalation_id} 的转交问题。"
            )
        escalation = outcome.escalation
    verify_by = faq_verify_by(settings=services.settings, answered=today)
    if not outcome.changed and escalation.faq_document_id is not None:
        # the PM stated the same answer again: it still holds — the FAQ entry is re-verified (answers quoting
        # it stop saying "unverified since …"), nothing is sent again
        reverified = services.knowledge.set_verify_by(
            document_id=escalation.faq_document_id, verify_by=verify_by
        )
        return PmAnswer(
            escalation=escalation,
            repeated=True,
            corrected=False,
            revision=outcome.revision,
            askers=0,
            verify_by=verify_by if reverified else None,
        )
    document_id = services.knowledge.add_document(
        path=f"faq:escalation-{escalation_id}",
        title=escalation.question,
        text=text,
        language=escalation.language,
        owner=by,
        updated=today,
        kind="faq",
        verify_by=verify_by,
    )
    with services.db.session() as session:
        link_faq(session=session, escalation_id=escalation_id, document_id=document_id)
        askers = escalation_askers(session=session, escalation_id=escalation_id)
    sent = notify_askers(
        services=services,
        escalation=escalation,
        askers=askers,
        answer=text,
        by=by,
        platform=platform,
        corrected=outcome.corrected,
        revision=outcome.revision,
    )
    tell_other_pm_channels(
        services=services,
        escalation=escalation,
        answer=text,
        by=by,
        platform=platform,
        from_conversation=from_conversation,
        revision=outcome.revision,
    )
    return PmAnswer(
        escalation=escalation,
        repeated=False,
        corrected=outcome.corrected,
        revision=outcome.revision,
        askers=sent,
    )


def tell_other_pm_channels(
    *,
    services: Services,
    escalation: QaEscalation,
    answer: str,
    by: str,
    platform: str,
    from_conversation: str | None,
    revision: int,
) -> None:
    """ "✅ #12 answered by …" in the PM channels other than the one the answer came from (no double work)."""
    for pm_platform, channel in services.settings.pm_channels:
        if (pm_platform, channel) == (platform, from_conversation):
            continue
        services.send(
            Address(platform=pm_platform, conversation=channel),
            Reply(
                text=f"✅ #{escalation.id} — {escalation.question}\n{answer}",
                context=[
                    both(
                        f"Answered by {mention(by, platform=platform)}; saved to the knowledge base.",
                        f"由 {mention(by, platform=platform)} 解答；已存入知识库。",
                    )
                ],
                where="channel",
                color="success",
            ),
            dedupe_key=f"qa.answered.{escalation.id}.r{revision}.{pm_platform}.{channel}",
        )


def notify_askers(
    *,
    services: Services,
    escalation: QaEscalation,
    askers: list[QaQuestion],
    answer: str,
    by: str,
    platform: str,
    corrected: bool,
    revision: int,
) -> int:
    """Post the answer into each asker's thread on the asker's platform; one message per asker and revision.
    Returns how many askers it was sent to (questions asked from the command line have nobody to notify)."""
    sent = 0
    seen: set[str] = set()
    for question in askers:
        address = question_address(question)
        if address is None:
            continue  # asked from the command line: nobody to notify
        key = f"{address.model_dump_json()}|{question.user_id}"
        if key in seen:
            continue
        seen.add(key)
        lang = question.language
        date = services.now().astimezone(services.settings.tz).date().isoformat()
        title = (
            pick(lang, "Corrected answer from the product team", "产品团队更正后的回答")
            if corrected
            else pick(lang, "Answer from the product team", "产品团队的回答")
        )
        reply = Reply(
            title=title,
            text=f"{mention(question.user_id)} "
            + pick(
                lang, f"you asked: _{question.question}_\n{answer}", f"你问：_{question.question}_\n{answer}"
            ),
            context=[
                pick(
                    lang,
                    f"Answered by {mention(by, platform=platform)} on {date}; saved to the knowledge base as an FAQ.",
                    f"由 {mention(by, platform=platform)} 于 {date} 解答；已作为 FAQ 存入知识库。",
                )
            ],
            buttons=feedback_buttons(question.id or 0, lang),
            color="success",
        )
        services.send(address, reply, dedupe_key=f"qa.answer.{escalation.id}.r{revision}.q{question.id}")
        sent += 1
    return sent
