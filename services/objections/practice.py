"""LSCPA practice: post one objection as a scenario, recognise answers in its thread, keep per-rep history.

Posted by a schedule of kind `lscpa` (`services.schedules.posting`) or on demand (`objection practice`).

A practice post goes through the outbox with a dedupe key; the `practice_session` row stores that key, and
the outbox row stores the platform message id once sent — so a reply in the thread (whose `thread` is that
message id) finds its session even when the first send was retried.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from bot.messages import Address, Reply
from bot.models import Objection, OutboxMessage, PracticeAttempt, PracticeSession
from services.context import Services
from services.objections.library import list_objections
from services.objections.lscpa import STEP_GOALS, STEP_NAMES, STEPS, Assessment

logger = logging.getLogger(__name__)


def pick_objection(*, services: Services, conversation: str) -> Objection:
    """The objection practised least often in this conversation (ties: the oldest in the library)."""
    objections = list_objections(services=services)
    with services.db.session() as session:
        counts = dict(
            session.exec(
                select(PracticeSession.objection_id, func.count())
                .where(col(PracticeSession.conversation) == conversation)
                .group_by(col(PracticeSession.objection_id))
            ).all()
        )
    return min(objections, key=lambda o: (counts.get(o.id or 0, 0), o.id or 0))


def practice_reply(objection: Objection) -> Reply:
    steps = "\n".join(
        f"{n}. **{STEP_NAMES[s][0]} / {STEP_NAMES[s][1]}** — {STEP_GOALS[s][0]} / {STEP_GOALS[s][1]}"
        for n, s in enumerate(STEPS, 1)
    )
    said = f"> {objection.text_en}" + (
        f"\n> {objection.text_zh}" if objection.text_zh != objection.text_en else ""
    )
    return Reply(
        title="LSCPA practice / 异议处理练习",
        text=(
            f"The customer says / 客户说：\n{said}\n\n"
            f"How would you answer? Reply **in this thread**, using the five steps:\n"
            f"你会怎么回答？请**在此话题中回复**，按照以下五步：\n{steps}"
        ),
        context=[f"Objection / 异议 #{objection.id} · {objection.area}"],
        where="channel",
        color="info",
    )


def post_practice(*, services: Services, address: Address, dedupe_key: str) -> bool:
    """Post one practice scenario to `address`; False when this slot was already posted."""
    conversation = address.conversation or address.user or ""
    objection = pick_objection(services=services, conversation=conversation)
    assert objection.id is not None
    try:
        with services.db.session() as session:
            session.add(
                PracticeSession(
                    objection_id=objection.id,
                    platform=address.platform,
                    conversation=conversation,
                    dedupe_key=dedupe_key,
                    created_at=services.now(),
                )
            )
    except IntegrityError:
        logger.info("practice %s already posted", dedupe_key)
        return False
    services.send(address, practice_reply(objection), dedupe_key=dedupe_key)
    return True


@dataclass(frozen=True)
class ThreadPractice:
    session: PracticeSession
    objection: Objection


def practice_for_thread(*, services: Services, platform: str, thread: str) -> ThreadPractice | None:
    with services.db.session() as session:
        row = session.exec(
            select(PracticeSession, Objection)
            .join(OutboxMessage, col(OutboxMessage.dedupe_key) == col(PracticeSession.dedupe_key))
            .join(Objection, col(Objection.id) == col(PracticeSession.objection_id))
            .where(col(OutboxMessage.message_id) == thread, col(OutboxMessage.platform) == platform)
        ).first()
    if row is None:
        return None
    return ThreadPractice(session=row[0], objection=row[1])


def record_attempt(
    *,
    services: Services,
    session_id: int | None,
    platform: str,
    user: str,
    objection: str,
    answer: str,
    assessment: Assessment,
) -> PracticeAttempt:
    attempt = PracticeAttempt(
        session_id=session_id,
        platform=platform,
        user_id=user,
        objection=objection,
        answer=answer[:4000],
        covered=",".join(assessment.covered),
        missed=",".join(assessment.missed),
        created_at=services.now(),
    )
    with services.db.session() as session:
        session.add(attempt)
    return attempt


@dataclass(frozen=True)
class RepStats:
    platform: str
    user: str
    attempts: int
    average: float  # steps covered per attempt
    missed: list[tuple[str, int]]  # most often missed steps first


def practice_stats(
    *, services: Services, platform: str | None = None, user: str | None = None
) -> list[RepStats]:
    query = select(PracticeAttempt)
    if platform is not None:
        query = query.where(col(PracticeAttempt.platform) == platform)
    if user is not None:
        query = query.where(col(PracticeAttempt.user_id) == user)
    with services.db.session() as session:
        attempts = list(session.exec(query))
    grouped: dict[tuple[str, str], list[PracticeAttempt]] = {}
    for attempt in attempts:
        grouped.setdefault((attempt.platform, attempt.user_id), []).append(attempt)
    stats = []
    for (rep_platform, rep), rows in grouped.items():
        missed = Counter(step for row in rows for step in row.missed.split(",") if step)
        covered = sum(len([s for s in row.covered.split(",") if s]) for row in rows)
        stats.append(
            RepStats(
                platform=rep_platform,
                user=rep,
                attempts=len(rows),
                average=covered / len(rows),
                missed=sorted(missed.items(), key=lambda kv: (-kv[1], STEPS.index(kv[0]))),
            )
        )
    return sorted(stats, key=lambda s: (-s.attempts, s.user))
