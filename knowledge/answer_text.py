"""What an answer says: the extractive quote, a PM's answer quoted whole, "I'm not sure — the closest
sections", "I don't know", the notes under an answer, and the internal-document flag.

Every text takes a `start` citation number, so the parts of a question with several asks can be numbered
one after another in one reply.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.i18n import detect_language, pick
from bot.markup import mention_token
from knowledge.answer_extractive import plain_text, select_quotes
from knowledge.types import Hit, Section

PM_ANSWER_MAX_CHARS = 3000  # a PM's answer is quoted whole; a pasted essay is cut here, with an ellipsis
CLOSEST_SECTIONS = 3  # sections listed under "I'm not sure"

LANGUAGE_NAMES = {"en": ("English", "英文"), "zh": ("Chinese", "中文")}


def internal_flag(language: str) -> str:
    return pick(language, "⚠ Internal — do not forward to customers", "⚠ 内部资料——请勿转发给客户")


def dont_know(language: str) -> str:
    return pick(
        language,
        "I don't know — the knowledge base has no reliable answer to this.",
        "我不知道——知识库中没有可靠的答案。",
    )


def not_sure_lead(language: str) -> str:
    return pick(
        language,
        "I'm not sure — these are the closest sections I found:",
        "我不确定——以下是我找到的最接近的内容：",
    )


def not_covered(language: str) -> str:
    return pick(language, "The knowledge base does not cover this part.", "知识库没有涵盖这一部分。")


def see_above(numbers: Sequence[int], language: str) -> str:
    listed = ", ".join(f"[{n}]" for n in numbers)
    return pick(language, f"See {listed} above.", f"见上文 {listed}。")


def extractive_lead(language: str) -> str:
    return pick(language, "From the knowledge base:", "知识库中的相关内容：")


def is_pm_answer(section: Section) -> bool:
    """An FAQ entry a PM wrote (an escalation's answer, `kb add`): quoted whole, with who and when."""
    return section.path.startswith("faq:") and bool(section.owner)


def section_trail(*, title: str, headings: Sequence[str], heading: str) -> str:
    """ "Plans › Limits" — the heading trail without the document title repeated."""
    return " › ".join(h for h in (*headings, heading) if h and h.strip() != title.strip())


def section_label(section: Section) -> str:
    trail = section_trail(title=section.title, headings=section.headings, heading=section.heading)
    return section.title + (f" › {trail}" if trail else "")


@dataclass(frozen=True)
class Composed:
    """A body of text and the hits it cites, numbered from `start` in this order (or by `numbers`)."""

    body: str
    hits: list[Hit]
    numbers: list[int] | None = None  # the citation number of each hit, when not consecutive
    quoted: str = ""  # an extractive body's quotes as plain text after their headings, without marks or notes


def citation_numbers(hits: Sequence[Hit], *, start: int, cited: Mapping[int, int] | None = None) -> list[int]:
    """Each hit's citation number: the one an earlier part of the reply gave its section (`cited`: section
    id → number), else the next new one from `start` — a section cited twice keeps one number."""
    numbers, following = [], start
    for hit in hits:
        if cited and hit.section.id in cited:
            numbers.append(cited[hit.section.id])
        else:
            numbers.append(following)
            following += 1
    return numbers


def _marker(section: Section, number: int, language: str) -> str:
    flag = f" {internal_flag(language)}" if section.internal else ""
    return f"[{number}]{flag}"


def extractive_body(
    *,
    question: str,
    hits: Sequence[Hit],
    language: str,
    start: int = 1,
    term_weights: dict[str, float] | None = None,
    leads: Collection[int] | None = None,
    cited: Mapping[int, int] | None = None,
) -> Composed:
    """The best sentences of `hits` for `question`, one line per quoted section ("" when none overlaps);
    `term_weights`: the knowledge base's idf of the question's terms (`SearchResult.term_weights`); `cited`:
    the sections an earlier part of the reply cites (`citation_numbers`)."""
    quotes = select_quotes(question, hits, term_weights=term_weights, leads=leads)
    if not quotes:
        return Composed(body="", hits=[])
    numbers = citation_numbers([q.hit for q in quotes], start=start, cited=cited)
    lines, quoted = [], []
    for number, quote in zip(numbers, quotes, strict=True):
        section = quote.hit.section
        body = join_sentences(quote.sentences, section.language)
        heading = plain_text(section.heading)  # "**未来计划**" would otherwise be wrapped in bold twice
        quoted.append(f"{heading}: {body}" if heading else body)
        if heading and heading != section.title.strip():
            chinese = detect_language(body) == "zh"
            separator = "" if heading.endswith(("?", "？")) else ("：" if chinese else ":")
            body = f"**{heading}**{separator}{'' if separator == '：' else ' '}{body}"
        marker = _marker(section, number, language)
        lines.append(f"{body} {marker}" if len(quotes) == 1 else f"• {body} {marker}")
    # what is quoted, not the document: a bilingual document's English sentences are not "from the Chinese"
    foreign = {detect_language(" ".join(q.sentences)) for q in quotes} - {language}
    if foreign:
        lines.append(pick(language, "_(Quoted from the Chinese documentation.)_", "_（以上摘自英文文档。）_"))
    return Composed(
        body="\n".join(lines), hits=[q.hit for q in quotes], numbers=numbers, quoted="\n".join(quoted)
    )


def pm_answer_body(*, hit: Hit, language: str, today: date, start: int = 1) -> Composed:
    """A PM's answer, whole, under the question it answered: "**Q?** answer [n]"."""
    section = hit.section
    text = section.text.strip()
    if len(text) > PM_ANSWER_MAX_CHARS:
        text = text[:PM_ANSWER_MAX_CHARS].rstrip() + "…"
    question = section.title.strip()
    head = f"**{question}**" + ("" if question.endswith(("?", "？")) else ":")
    return Composed(body=f"{head}\n{text} {_marker(section, start, language)}", hits=[hit])


def similar_pm_answer_body(*, hit: Hit, language: str, today: date, start: int = 1) -> Composed:
    """A PM's answer to a question that is probably this one in the other language, shown to be checked."""
    names = LANGUAGE_NAMES.get(hit.section.language, ("another language", "另一种语言"))
    intro = pick(
        language,
        f"A PM answered a similar question in {names[0]} — check that it is the same thing before telling "
        "a customer:",
        f"产品经理用{names[1]}回答过一个相似的问题——告诉客户之前请确认是同一件事：",
    )
    composed = pm_answer_body(hit=hit, language=language, today=today, start=start)
    return Composed(body=f"{intro}\n{composed.body}", hits=composed.hits)


def pm_answer_note(section: Section, *, number: int, language: str) -> str:
    """ "[1] answered by @ann on 2026-11-20 (in Chinese)." — the language when it is not the asker's."""
    when_en = f" on {section.updated.isoformat()}" if section.updated else ""
    when_zh = f"于 {section.updated.isoformat()} " if section.updated else ""
    names = LANGUAGE_NAMES.get(section.language)
    foreign_en = f" (in {names[0]})" if names and section.language != language else ""
    foreign_zh = f"（以{names[1]}作答）" if names and section.language != language else ""
    return pick(
        language,
        f"[{number}] answered by {mention_token(section.owner or '')}{when_en}{foreign_en}.",
        f"[{number}] 由 {mention_token(section.owner or '')} {when_zh}解答{foreign_zh}。",
    )


def unverified_note(section: Section, *, number: int, language: str, today: date) -> str:
    """ "⚠️ [1] unverified since 2026-05-21 …" for a PM answer past its re-verification date ("" otherwise)."""
    if section.verify_by is None or today <= section.verify_by:
        return ""
    day = section.verify_by.isoformat()
    return pick(
        language,
        f"⚠️ [{number}] unverified since {day} (its re-verification date passed) — check with a PM before "
        "quoting it to a customer.",
        f"⚠️ [{number}] 自 {day} 起未复核（已过复核日期），对客户引用前请先与产品经理确认。",
    )


def closest_body(
    *, hits: Sequence[Hit], language: str, start: int = 1, cited: Mapping[int, int] | None = None
) -> Composed:
    """The closest sections, listed (not quoted as an answer)."""
    chosen = list(hits[:CLOSEST_SECTIONS])
    numbers = citation_numbers(chosen, start=start, cited=cited)
    lines = [
        f"• {section_label(hit.section)} {_marker(hit.section, number, language)}"
        for number, hit in zip(numbers, chosen, strict=True)
    ]
    return Composed(body="\n".join(lines), hits=chosen, numbers=numbers)


def join_sentences(sentences: Sequence[str], language: str) -> str:
    """Quoted sentences as one text: a full stop after a sentence without one, and a space between them
    unless both sides are Chinese (a bilingual document's English and Chinese sentences stay apart)."""
    out = ""
    for sentence in sentences:
        if out:
            if not out.endswith(("。", "！", "？", ".", "!", "?", "；", ";", ":", "：")):
                chinese = is_cjk(out[-1]) or (language == "zh" and is_cjk(sentence[:1]))
                out += "。" if chinese else "."
            out += "" if is_cjk(out[-1]) and is_cjk(sentence[:1]) else " "
        out += sentence
    return out


def is_cjk(character: str) -> bool:
    """A Chinese character or full-width punctuation."""
    return bool(character) and ("\u3000" <= character <= "\u9fff" or "\uff00" <= character <= "\uffef")


def never_mentioned_note(names: Sequence[str], *, language: str) -> list[str]:
    """Under an answer to a question about names the knowledge base never writes ("Does it integrate with
    WhatsApp?"): whatever the quoted sections say, they do not speak of those names by name."""
    if not names:
        return []
    listed = ", ".join(names)
    return [
        pick(
            language,
            f"⚠️ The knowledge base never mentions {listed}: check that the quoted sections answer for it, "
            "or ask a PM.",
            f"⚠️ 知识库中从未提到 {'、'.join(names)}：请确认以上引用确实适用，或咨询产品经理。",
        )
    ]


def stale_note(stale: Sequence[Any], *, stale_days: int, language: str) -> str:
    """One line for every cited document older than `stale_days` (a doc set copied on one day shares its
    date: said once, not once per citation)."""
    dates = sorted({s.updated for s in stale})
    if len(dates) == 1:
        listed = ", ".join(f"[{s.index}]" for s in stale)
        en_when, zh_when = f" on {dates[0].isoformat()}", f"于 {dates[0].isoformat()}"
    else:
        listed = ", ".join(f"[{s.index}] ({s.updated.isoformat()})" for s in stale)
        en_when, zh_when = "", ""
    one = len(stale) == 1
    return pick(
        language,
        f"⚠️ {listed} {'was' if one else 'were'} last updated{en_when} (more than {stale_days} days ago) — "
        f"double-check with a PM before quoting {'it' if one else 'them'} to a customer.",
        f"⚠️ {listed} 最后更新{zh_when}（超过 {stale_days} 天），对客户引用前请先与产品经理确认。",
    )


def answer_notes(
    sources: Sequence[Any],
    hits: Sequence[Hit],
    *,
    methods: set[str],
    language: str,
    stale_days: int,
    today: date | None = None,
) -> list[str]:
    """The lines under an answer: internal flag, stale documents, who answered (and whether that answer is
    past its re-verification date on `today`), how it was written. `sources` are `knowledge.answer.Source`s,
    one per hit."""
    notes = []
    internal = [s.index for s in sources if s.internal]
    if internal:
        listed = ", ".join(f"[{n}]" for n in internal)
        notes.append(
            pick(
                language,
                f"{internal_flag(language)}: {listed} quotes a document marked internal.",
                f"{internal_flag(language)}：{listed} 引自标记为内部的文档。",
            )
        )
    stale = [s for s in sources if s.stale and s.updated]
    if stale:
        notes.append(stale_note(stale, stale_days=stale_days, language=language))
    for s, hit in zip(sources, hits, strict=True):
        if is_pm_answer(hit.section):
            notes.append(pm_answer_note(hit.section, number=s.index, language=language))
            unverified = (
                unverified_note(hit.section, number=s.index, language=language, today=today)
                if today is not None
                else ""
            )
            if unverified:
                notes.append(unverified)
    if "llm" in methods:
        notes.append(
            pick(
                language,
                "Written by AI from the cited sources only; check them before quoting to a customer.",
                "由 AI 仅根据所引用的资料撰写；对客户引用前请核对原文。",
            )
        )
    if methods - {"llm"}:
        notes.append(pick(language, "Quoted from the knowledge base.", "摘自知识库。"))
    if not methods:
        notes.append(
            pick(
                language,
                "These sections may not answer the question; ask a PM before telling a customer.",
                "这些内容未必回答了问题；告诉客户之前请先问产品经理。",
            )
        )
    return notes
