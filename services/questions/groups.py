"""The questions the knowledge base does not serve, grouped by meaning, and a PM's answer to a whole group; the
answer / decline rate per week.

A question counts when it is still **unanswered** (the bot could not answer and its escalation waits for a PM),
**declined** (the bot said "I don't know" or "I'm not sure" and nobody asked a PM) or **👎** (voted down more
than up). Questions with the same normalized text are one line; lines that mean the same thing are one group
(`knowledge.grouping.group_by_meaning`, with the knowledge base's embedding model when there is one), most
asked first.

`answer_group` answers every escalation of the group with `pm_answers.answer_escalation` — recorded, saved as
an FAQ entry, posted in every asker's thread on their platform exactly as a PM's answer in chat — after
joining the group's questions that were never escalated to its escalation (opened quietly when there is
none: the PM is answering, the PM channels need no "new question" post).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo

from sqlmodel import Session, col, select

from bot.chat_text import is_id
from bot.clock import as_utc
from bot.errors import NotFound, UsageError
from bot.models.qa import QaEscalation, QaFeedback, QaQuestion
from knowledge.grouping import group_by_meaning
from services.context import Services
from services.questions.escalation import open_escalation
from services.questions.pm_answers import answer_escalation

MAX_QUESTIONS = 5000  # the most recent candidates grouped on one page load
MAX_WORDINGS = 5
MAX_GROUP_IDS = 500  # question ids one answer form may carry


@dataclass
class QuestionGroup:
    """Questions that mean the same thing. `key` is the id of its most recent question (stable while the
    group exists: the page's element ids use it)."""

    key: int
    question: str  # the most asked wording (its latest form)
    wordings: list[str] = field(default_factory=list)  # other wordings, most asked first
    question_ids: list[int] = field(default_factory=list)
    asked: int = 0
    unanswered: int = 0  # waiting for a PM (escalated, not answered yet)
    declined: int = 0  # the bot said it does not know, nobody asked a PM
    down_votes: int = 0
    up_votes: int = 0
    escalation_ids: list[int] = field(default_factory=list)
    last_asked: datetime | None = None
    languages: set[str] = field(default_factory=set)


@dataclass
class _Line:
    """The questions of one normalized text."""

    wording: str
    last: datetime
    ids: list[int] = field(default_factory=list)
    unanswered: int = 0
    declined: int = 0
    down: int = 0
    up: int = 0
    escalations: set[int] = field(default_factory=set)
    languages: set[str] = field(default_factory=set)


def _candidate_lines(*, session: Session, since: datetime) -> list[_Line]:
    questions = list(
        session.exec(
            select(QaQuestion)
            .where(col(QaQuestion.asked_at) >= since)
            .order_by(col(QaQuestion.id).desc())
            .limit(MAX_QUESTIONS)
        )
    )
    ids = [q.id for q in questions if q.id is not None]
    votes: dict[int, list[int]] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        for question_id, value in session.exec(
            select(QaFeedback.question_id, QaFeedback.vote).where(col(QaFeedback.question_id).in_(chunk))
        ):
            votes.setdefault(question_id, []).append(value)
    escalation_ids = sorted({q.escalation_id for q in questions if q.escalation_id})
    statuses: dict[int, str] = {}
    for start in range(0, len(escalation_ids), 500):
        chunk = escalation_ids[start : start + 500]
        for escalation_id, escalation_status in session.exec(
            select(QaEscalation.id, QaEscalation.status).where(col(QaEscalation.id).in_(chunk))
        ):
            if escalation_id is not None:
                statuses[escalation_id] = escalation_status
    lines: dict[str, _Line] = {}
    for q in questions:
        assert q.id is not None
        up = sum(1 for v in votes.get(q.id, []) if v > 0)
        down = sum(1 for v in votes.get(q.id, []) if v < 0)
        status = statuses.get(q.escalation_id) if q.escalation_id else None
        waiting = not q.answered and status == "open"
        declined = not q.answered and status is None
        if not waiting and not declined and down <= up:
            continue
        asked_at = as_utc(q.asked_at)
        line = lines.setdefault(q.normalized or q.question.lower(), _Line(wording=q.question, last=asked_at))
        line.ids.append(q.id)
        line.unanswered += int(waiting)
        line.declined += int(declined)
        line.down += down
        line.up += up
        line.languages.add(q.language)
        if q.escalation_id and (waiting or down > up):
            line.escalations.add(q.escalation_id)
        if asked_at > line.last:
            line.last, line.wording = asked_at, q.question
    return sorted(lines.values(), key=lambda line: (-len(line.ids), -line.last.timestamp()))


def question_groups(*, services: Services, since: datetime, limit: int = 50) -> list[QuestionGroup]:
    """The unanswered, declined and 👎 questions asked since `since`, grouped by meaning, most asked first."""
    knowledge = services.knowledge
    with services.db.session() as session:
        lines = _candidate_lines(session=session, since=since)
        numbers = group_by_meaning(
            [line.wording for line in lines], embedder=knowledge.embedder, session=session
        )
    groups: dict[int, QuestionGroup] = {}
    for line, number in zip(lines, numbers, strict=True):
        group = groups.get(number)
        if group is None:
            group = groups[number] = QuestionGroup(key=0, question=line.wording)
        elif line.wording != group.question and len(group.wordings) < MAX_WORDINGS:
            group.wordings.append(line.wording)
        group.question_ids.extend(line.ids)
        group.asked += len(line.ids)
        group.unanswered += line.unanswered
        group.declined += line.declined
        group.down_votes += line.down
        group.up_votes += line.up
        group.languages |= line.languages
        group.escalation_ids = sorted(set(group.escalation_ids) | line.escalations)
        if group.last_asked is None or line.last > group.last_asked:
            group.last_asked = line.last
    result = list(groups.values())
    for group in result:
        group.question_ids.sort()
        group.key = group.question_ids[-1]
    result.sort(key=lambda g: (-g.asked, -g.down_votes, -(g.last_asked or since).timestamp()))
    return result[:limit]


@dataclass(frozen=True)
class GroupAnswer:
    escalation_ids: list[int]  # the escalations answered
    askers: int  # askers the answer was posted to (in their threads, on their platforms)
    repeated: bool  # every escalation already had this very answer: nothing was sent


def parse_question_ids(text: str) -> list[int]:
    """ "3,7,12" (the answer form's hidden field) → [3, 7, 12]; a bilingual usage error otherwise."""
    parts = [p.strip() for p in text.replace("，", ",").split(",") if p.strip()]
    if not parts or len(parts) > MAX_GROUP_IDS or not all(is_id(p) for p in parts):
        raise UsageError(
            "The form does not say which questions it answers; reload the page and try again.",
            "表单没有指明要回答哪些问题；请刷新页面后重试。",
        )
    return sorted({int(p) for p in parts})


def answer_group(
    *, services: Services, question_ids: Sequence[int], text: str, by: str, platform: str
) -> GroupAnswer:
    """A PM's answer to a group of questions (see the module docstring). NotFound when a question is gone."""
    text = text.strip()
    if not text:
        raise UsageError("The answer is empty.", "回答内容为空。")
    now = services.now()
    with services.db.session() as session:
        questions = list(session.exec(select(QaQuestion).where(col(QaQuestion.id).in_(list(question_ids)))))
        if len(questions) != len(set(question_ids)) or not questions:
            raise NotFound(
                "Some of these questions no longer exist; reload the page.",
                "其中一些问题已不存在；请刷新页面。",
            )
        questions.sort(key=lambda q: q.id or 0)
        escalation_ids = sorted({q.escalation_id for q in questions if q.escalation_id})
        escalations = {
            e.id: e
            for e in session.exec(select(QaEscalation).where(col(QaEscalation.id).in_(escalation_ids)))
        }
        loose = [q for q in questions if q.escalation_id is None]
        if loose:
            open_ids = [i for i in escalation_ids if escalations[i].status == "open"]
            if open_ids or escalation_ids:
                primary = (open_ids or escalation_ids)[0]
                for q in loose:
                    q.escalation_id = primary
                    session.add(q)
            else:
                escalation, _created = open_escalation(session=session, question=loose[-1], now=now)
                assert escalation.id is not None
                primary = escalation.id
                for q in loose:
                    q.escalation_id = primary
                    session.add(q)
                escalation_ids = [primary]
    answered: list[int] = []
    askers = 0
    repeated = True
    for escalation_id in escalation_ids:
        delivered = answer_escalation(
            services=services, escalation_id=escalation_id, text=text, by=by, platform=platform
        )
        answered.append(escalation_id)
        askers += delivered.askers
        repeated = repeated and delivered.repeated
    return GroupAnswer(escalation_ids=answered, askers=askers, repeated=repeated and bool(answered))


@dataclass(frozen=True)
class WeekRate:
    week: date  # the Monday the week starts on (in the schedule timezone)
    asked: int
    answered: int  # the bot answered (a PM's FAQ entry included)
    declined: int  # "I don't know" / "I'm not sure"

    @property
    def rate(self) -> float:
        return self.answered / self.asked if self.asked else 0.0


def week_start(moment: datetime, tz: tzinfo) -> date:
    local = as_utc(moment).astimezone(tz).date()
    return local - timedelta(days=local.weekday())


def answer_rates(*, session: Session, now: datetime, tz: tzinfo, weeks: int = 12) -> list[WeekRate]:
    """Questions asked per week over the last `weeks` weeks (this one included), oldest first, with how many
    the bot answered and declined. Weeks without questions are listed with zeros."""
    this_week = week_start(now, tz)
    first = this_week - timedelta(weeks=weeks - 1)
    since = datetime.combine(first, datetime.min.time(), tzinfo=tz)
    counts: dict[date, list[int]] = {first + timedelta(weeks=n): [0, 0] for n in range(weeks)}
    rows = session.exec(
        select(QaQuestion.asked_at, QaQuestion.answered).where(col(QaQuestion.asked_at) >= as_utc(since))
    )
    for asked_at, answered in rows:
        bucket = counts.get(week_start(asked_at, tz))
        if bucket is not None:
            bucket[0] += 1
            bucket[1] += int(bool(answered))
    return [
        WeekRate(week=week, asked=asked, answered=done, declined=asked - done)
        for week, (asked, done) in sorted(counts.items())
    ]
