"""LSCPA objection-handling coaching: Listen, Sympathize, Clarify, Present, Ask.

`assess(answer, objection)` finds which steps a rep's answer covers, rule-based and bilingual: cue phrases
per step in English and Chinese, question marks for Clarify and Ask (a Clarify question probes the concern,
an Ask question checks it is resolved and moves forward), numbers, percentages, customer names and case
words for Present, and restating the customer's words for Listen. `coach(...)` turns that into per-step
feedback and a model answer whose Present step quotes the knowledge base with citations; with an LLM
(`services.llm`) the feedback text is generated instead, grounded on the same facts and the rule verdicts.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import lru_cache

from bot.i18n import Language, detect_language, pick
from bot.messages import Citation, KeyValue, Reply
from knowledge.answer_extractive import split_sentences
from services.context import Services

logger = logging.getLogger(__name__)

STEPS = ("listen", "sympathize", "clarify", "present", "ask")
STEP_NAMES = {
    "listen": ("Listen", "倾听"),
    "sympathize": ("Sympathize", "共情"),
    "clarify": ("Clarify", "澄清"),
    "present": ("Present", "陈述"),
    "ask": ("Ask", "确认"),
}
STEP_GOALS = {
    "listen": ("hear it out and restate the key point", "完整听完并复述对方的关键点"),
    "sympathize": ("acknowledge the concern", "认可对方的顾虑"),
    "clarify": ("confirm the real concern with a question", "用提问确认真正的顾虑"),
    "present": ("answer with facts, cases, data", "用事实、案例、数据回应"),
    "ask": ("check the concern is resolved and move forward", "确认顾虑已解决并推进下一步"),
}

_LISTEN = (
    "i hear", "you mentioned", "you said", "you're saying", "you are saying", "if i understand",
    "so you", "let me make sure", "sounds like", "what i'm hearing", "to recap", "you feel",
    "your concern is", "you're concerned", "you are concerned", "you're worried", "you are worried",
    "您提到", "你提到", "您说", "你说", "您的意思", "你的意思", "我听到", "听起来", "如果我没理解错", "也就是说",
    "您是说", "你是说", "您是觉得", "你是觉得", "您担心", "你担心",
)  # fmt: skip
_SYMPATHIZE = (
    "understand", "understood", "makes sense", "fair point", "that's fair", "totally fair", "completely fair",
    "totally get", "i get it", "appreciate", "i can see why", "i see why",
    "valid", "good question", "many customers", "other customers felt", "not alone", "reasonable",
    "理解", "明白", "确实", "很正常", "能理解", "感谢", "很多客户", "合理", "您的顾虑", "你的顾虑", "不少客户",
)  # fmt: skip
_CLARIFY = (
    "what", "which", "how", "could you", "can you tell", "is it", "do you mean", "compared",
    "specifically", "when you say", "what's behind", "help me understand",
    "具体", "是指", "哪", "什么", "是不是", "是否", "能否", "怎么", "主要是", "和谁比", "相比",
)  # fmt: skip
_ASK = (
    "does that", "does this", "would that", "would it make sense", "shall we", "can we", "could we",
    "next step", "how about", "are you open", "would you be open", "address your", "answer your",
    "resolve", "fair to say", "set up", "schedule", "book", "move forward", "sound good", "work for you",
    "这样能", "能解决", "是否解决", "下一步", "我们约", "安排", "可以吗", "您看", "你看", "打消", "推进", "方便",
)  # fmt: skip
_PRESENT = (
    "for example", "for instance", "customer", "case", "data", "benchmark", "roi", "saves", "saved",
    "reduced", "increased", "certified", "certification", "soc 2", "iso", "sla", "our ", "we offer",
    "we provide", "supports", "includes", "because",
    "例如", "比如", "客户", "案例", "数据", "节省", "降低", "提升", "认证", "支持", "提供", "包括", "因为",
)  # fmt: skip
_NUMBER = re.compile(
    r"\d+(?:[.,]\d+)?\s*(?:%|％|x|倍|万|千|天|days?|weeks?|months?|hours?|小时|周|个月)?", re.I
)
# a sentence ends at . ! ? followed by a space (never inside "99.95%" or "SAML 2.0"), at 。！？ or a line break
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|(?<=[。！？])|\n+")
FACT_LENGTH = 300  # characters of a fact quoted in the model answer, in whole sentences
_WORD = re.compile(r"[a-z]{4,}", re.I)
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]{2,}")


@dataclass(frozen=True)
class StepResult:
    step: str
    covered: bool
    evidence: str = ""  # the sentence that covered it


@dataclass(frozen=True)
class Assessment:
    steps: tuple[StepResult, ...]

    @property
    def covered(self) -> list[str]:
        return [s.step for s in self.steps if s.covered]

    @property
    def missed(self) -> list[str]:
        return [s.step for s in self.steps if not s.covered]

    @property
    def score(self) -> int:
        return len(self.covered)


@lru_cache(maxsize=16)
def _cue_pattern(cues: tuple[str, ...]) -> re.Pattern[str]:
    """One pattern for a cue list: an English cue starts a word ("our" is not the end of "your", "how" not
    of "show"; "understand" still finds "understandable"), a Chinese cue is found anywhere."""
    alternatives = [
        rf"(?<![a-z']){re.escape(cue.strip())}" if cue.isascii() else re.escape(cue) for cue in cues
    ]
    return re.compile("|".join(alternatives))


def _has(sentence: str, cues: tuple[str, ...]) -> bool:
    return _cue_pattern(cues).search(sentence.lower().replace("’", "'")) is not None


def _is_question(sentence: str) -> bool:
    stripped = sentence.strip()
    return stripped.endswith(("?", "？")) or stripped.endswith(("吗", "呢"))


def _content_words(text: str) -> set[str]:
    """Latin words of 4+ letters and every pair of adjacent Chinese characters ("价格太高" → 价格, 格太, 太高:
    Chinese has no spaces, so a restatement shares pairs wherever it starts)."""
    words = {w.lower() for w in _WORD.findall(text) if w.isascii()}
    for run in _CJK_RUN.findall(text):
        words.update(run[i : i + 2] for i in range(len(run) - 1))
    return words


def _echoes(sentence: str, objection: str) -> bool:
    """Listen by restating: the sentence repeats at least two content words of the objection."""
    return len(_content_words(objection) & _content_words(sentence)) >= 2


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]


def join_sentences(parts: list[str], *, limit: int = FACT_LENGTH) -> str:
    """Whole sentences up to `limit` characters (at least one), joined as written: a space after Latin
    punctuation, nothing after Chinese. Never cut inside a sentence (a number, a version)."""
    out = ""
    for part in parts:
        joined = part if not out else out + ("" if out.endswith(("。", "！", "？")) else " ") + part
        if out and len(joined) > limit:
            break
        out = joined
    return out


def assess(*, answer: str, objection: str) -> Assessment:
    found: dict[str, str] = {}
    restating_question = ""  # "您是说价格偏高，对吗？": Listen; Clarify only if no other question probes
    parts = sentences(answer)
    for index, sentence in enumerate(parts):
        question = _is_question(sentence)
        restates = _has(sentence, _LISTEN)
        if "listen" not in found and (restates or (not question and _echoes(sentence, objection))):
            found["listen"] = sentence
        if "sympathize" not in found and not question and _has(sentence, _SYMPATHIZE):
            found["sympathize"] = sentence
        if question:
            moving_on = _has(sentence, _ASK)
            late = index == len(parts) - 1 and "present" in found
            if (moving_on or late) and "ask" not in found:
                found["ask"] = sentence
            elif restates and not moving_on:
                restating_question = restating_question or sentence
            elif "clarify" not in found and (_has(sentence, _CLARIFY) or "present" not in found):
                found["clarify"] = sentence
        elif "present" not in found and (
            _NUMBER.search(sentence) or (_has(sentence, _PRESENT) and not _has(sentence, _SYMPATHIZE))
        ):
            found["present"] = sentence
    if "clarify" not in found and restating_question:
        found["clarify"] = restating_question
    return Assessment(
        steps=tuple(StepResult(step=s, covered=s in found, evidence=found.get(s, "")) for s in STEPS)
    )


# --- facts for the Present step -------------------------------------------------------------------------
@dataclass(frozen=True)
class Fact:
    text: str
    citation: Citation


def find_facts(*, services: Services, query: str, limit: int = 2, lang: str | None = None) -> list[Fact]:
    """Best knowledge-base sections for the objection, in the coaching's language when the knowledge base
    has them (parallel en/zh documents would otherwise quote the same fact twice, once per language)."""
    knowledge = getattr(services, "knowledge", None)
    if knowledge is None:
        return []
    try:
        result = knowledge.search(query, k=limit * 3, language=lang)
    except Exception:
        logger.exception("knowledge search for objection coaching failed")
        return []
    # internal notes (documents marked not for customers) are never offered as things to tell the customer
    hits = [hit for hit in result.hits if hit.score > 0 and not hit.section.internal]
    same_language = [hit for hit in hits if lang is None or hit.section.language == lang]
    facts = []
    for number, hit in enumerate((same_language or hits)[:limit], 1):
        section = hit.section
        snippet = join_sentences(split_sentences(section.text)[:2])
        facts.append(
            Fact(
                text=snippet,
                citation=Citation(
                    index=number,
                    title=section.title,
                    section=section.heading,
                    source=section.path,
                    updated=section.updated,
                    language="zh" if lang == "zh" else "en" if lang == "en" else None,
                ),
            )
        )
    return facts


def model_answer(*, objection: str, hint: str, facts: list[Fact], lang: Language) -> str:
    quoted = objection.strip().rstrip(".。!！")
    if facts:
        present = " ".join(f"{fact.text} [{fact.citation.index}]" for fact in facts)
    else:
        present = pick(
            lang,
            f"(No matching facts in the knowledge base yet — prepare a customer case and numbers on: {hint or 'the concern'}.)",
            f"（知识库中暂无相关资料——请准备关于「{hint or '该顾虑'}」的客户案例和数据。）",
        )
    if lang == "zh":
        return "\n".join(
            [
                f"• **倾听**：「我听到您说“{quoted}”，想确认一下我理解得对。」",
                "• **共情**：「这个顾虑很正常，不少客户在评估时也提过。」",
                f"• **澄清**：「您最关心的具体是哪一点——{hint or '成本、风险还是时间'}？」",
                f"• **陈述**：「{present}」",
                "• **确认**：「这样能打消您的顾虑吗？我们约个时间一起看看下一步，可以吗？」",
            ]
        )
    return "\n".join(
        [
            f"• **Listen**: “So you're saying: {quoted} — let me make sure I've got that right.”",
            "• **Sympathize**: “That's a fair concern; many customers raised it during their evaluation.”",
            f"• **Clarify**: “What matters most to you here — {hint or 'cost, risk or timing'}?”",
            f"• **Present**: “{present}”",
            "• **Ask**: “Does that address your concern? Shall we set up a call for the next step?”",
        ]
    )


def _suggestion(step: str, *, hint: str, lang: Language) -> str:
    suggestions = {
        "listen": (
            "Start by restating what the customer said in your own words (“So you're saying …”).",
            "先用自己的话复述客户的原话（“您的意思是……”）。",
        ),
        "sympathize": (
            "Acknowledge the concern before answering (“That's a fair concern …”).",
            "回应前先认可对方的顾虑（“这个顾虑很正常……”）。",
        ),
        "clarify": (
            f"Ask one question to find the real concern, e.g. about {hint or 'what matters most'}.",
            f"提一个问题找出真正的顾虑，例如关于{hint or '对方最在意的点'}。",
        ),
        "present": (
            "Back your answer with a fact: a number, a customer case or a certification.",
            "用事实支撑回答：一个数字、一个客户案例或一项认证。",
        ),
        "ask": (
            "End with a question that checks the concern is resolved and proposes a next step.",
            "最后提问确认顾虑已解决，并提出下一步。",
        ),
    }
    en, zh = suggestions[step]
    return pick(lang, en, zh)


def feedback_lines(*, assessment: Assessment, hint: str, lang: Language) -> list[KeyValue]:
    fields = []
    for result in assessment.steps:
        en_name, zh_name = STEP_NAMES[result.step]
        label = f"{'✅' if result.covered else '❌'} {pick(lang, en_name, zh_name)}"
        if result.covered:
            value = pick(lang, f"Covered: “{result.evidence[:160]}”", f"已做到：“{result.evidence[:160]}”")
        else:
            value = pick(lang, "Missing. ", "缺失。") + _suggestion(result.step, hint=hint, lang=lang)
        fields.append(KeyValue(label=label, value=value))
    return fields


def _llm_feedback(
    *,
    services: Services,
    objection: str,
    answer: str,
    assessment: Assessment,
    facts: list[Fact],
    lang: Language,
) -> str | None:
    llm = getattr(services, "llm", None)
    if llm is None:
        return None
    facts_text = "\n".join(f"[{f.citation.index}] {f.text}" for f in facts) or "(none)"
    verdicts = ", ".join(f"{s.step}: {'covered' if s.covered else 'missing'}" for s in assessment.steps)
    language = "Chinese" if lang == "zh" else "English"
    messages = [
        {
            "role": "system",
            "content": (
                "You coach B2B sales reps on the LSCPA objection-handling method: Listen (hear it out, note the "
                "key point), Sympathize (acknowledge the concern), Clarify (confirm the real concern with a "
                "question), Present (answer with facts, cases, data), Ask (check the concern is resolved and "
                f"move forward). Reply in {language}, at most 6 short bullet lines: for each step say concretely "
                "what the rep did or should add. Only use the numbered facts given; cite them as [n]."
            ),
        },
        {
            "role": "user",
            "content": (
                f"Customer objection: {objection}\nRep's answer: {answer}\nRule check: {verdicts}\n"
                f"Knowledge-base facts:\n{facts_text}"
            ),
        },
    ]
    try:
        return str(llm.chat(messages, max_tokens=500))
    except Exception:
        logger.warning("LLM feedback failed; using rule-based feedback", exc_info=True)
        return None


def coach(
    *,
    services: Services,
    objection: str,
    answer: str | None,
    hint: str = "",
    lang: Language | None = None,
) -> tuple[Reply, Assessment | None]:
    """Per-step feedback on `answer` (when given) plus a model answer grounded on the knowledge base."""
    lang = lang or detect_language(answer or objection)
    facts = find_facts(services=services, query=f"{objection} {hint}".strip(), lang=lang)
    assessment = assess(answer=answer, objection=objection) if answer else None
    parts: list[str] = []
    fields: list[KeyValue] = []
    if assessment is not None:
        parts.append(
            pick(
                lang,
                f"You covered **{assessment.score}/5** LSCPA steps.",
                f"你覆盖了 LSCPA 五步中的 **{assessment.score}/5** 步。",
            )
        )
        generated = _llm_feedback(
            services=services,
            objection=objection,
            answer=answer or "",
            assessment=assessment,
            facts=facts,
            lang=lang,
        )
        if generated:
            parts.append(generated)
        fields = feedback_lines(assessment=assessment, hint=hint, lang=lang)
    else:
        steps = "\n".join(
            f"{n}. **{pick(lang, *STEP_NAMES[s])}** — {pick(lang, *STEP_GOALS[s])}"
            for n, s in enumerate(STEPS, 1)
        )
        parts.append(steps)
    parts.append(
        pick(lang, "**Model answer**", "**参考回答**")
        + "\n"
        + model_answer(objection=objection, hint=hint, facts=facts, lang=lang)
    )
    title = pick(lang, f"LSCPA coaching: “{objection[:80]}”", f"LSCPA 异议处理辅导：“{objection[:80]}”")
    reply = Reply(
        title=title,
        text="\n\n".join(parts),
        fields=fields,
        citations=[fact.citation for fact in facts],
        where="thread",
        color="info",
    )
    return reply, assessment
