"""Question intents and the sections that answer them, both recognised from generic wording.

Reps ask a few recurring *kinds* of question whose answer sits in a recognisable kind of section, not
necessarily in the section that best matches the question's subject words:

- **version** ("which release first shipped X?", "since when?", "哪个版本开始支持?", "哪个版本 GA?"): the
  answer is a release-notes section that mentions X, while the feature's own page matches X best.
- **lifecycle** (release dates, the last patch of a line, LTS / DMR / RC, "先发布"): the release index,
  timeline and versioning pages.
- **limit** ("is there a cap?", "what restrictions?", "上限", "有哪些限制"): limitation sections.
- **compare** ("how does it differ from…", "跟…一样吗", "区别"): compatibility / difference sections.

A question's intents are found by its wording (`question_intents`); a section's kinds by its document's
title, heading trail and heading (`section_kinds`), as the documentation structures itself — never by
product names. The search lifts sections of a kind the question asks for by one mild factor per intent
(`knowledge.base.INTENT_BOOSTS`), so subject words still decide *which* release note or limitation.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

INTENTS = ("version", "lifecycle", "limit", "compare")
INTENT_BITS = {intent: 1 << number for number, intent in enumerate(INTENTS)}


def _english(*alternatives: str) -> str:
    """Words or phrases matched whole, also next to Chinese characters ("RC版"), where `\\b` sees none."""
    return r"(?<![a-z0-9])(?:" + "|".join(alternatives) + r")(?![a-z0-9])"


_QUESTION_PATTERNS = {
    "version": re.compile(
        "|".join(
            [
                _english(
                    r"(?:which|what)\s+(?:\w+\s+)?(?:version|release|patch)(?!\s+(?:string|number|of))",
                    r"since\s+(?:when|which|what)",
                    r"first\s+(?:shipped|introduced|added|supported|released|appeared|available)",
                    r"(?:introduced|added|shipped|removed|deprecated)\s+in",
                    r"(?:became|become|becomes|went|go|goes)\s+(?:ga|generally\s+available)",
                ),
                r"哪.{0,2}版|几版|什么版本|哪个补丁|从.{0,8}版本|版本开始|开始支持|正式\s*GA|GA\s*的",
            ]
        ),
        re.IGNORECASE,
    ),
    "lifecycle": re.compile(
        "|".join(
            [
                _english(
                    r"lts|dmr|rc\d*|eol|end[- ]of[- ]life|life\s*cycle|long[- ]term\s+support",
                    r"release\s+(?:date|dates|cadence|schedule|timeline|history)",
                    r"come\s+out|came\s+out|released\s+(?:on|in|when)|supported\s+until",
                    r"(?:last|latest|newest|most\s+recent)\s+(?:\S+\s+)?(?:patch|release|version)",
                    r"(?:patch|maintenance)\s+releases?",
                ),
                r"发布时间|发布日期|什么时候发|何时发布|哪天发|先发布|后发布|生命周期|维护期|长期支持|补丁版"
                r"|最后一个(?:补丁|版本)|最新(?:补丁|版本)",
            ]
        ),
        re.IGNORECASE,
    ),
    "limit": re.compile(
        "|".join(
            [
                _english(
                    r"limits?|limitations?|limited|restrictions?|restricted|constraints?|caps?|capped|ceiling",
                    r"max|maximum|at\s+most|upper\s+bound|how\s+(?:many|big|large|long)",
                ),
                r"限制|上限|最多|最大|最长|约束|多少个|多大|不能用|一起用|同时用|有什么坑|有哪些坑|注意事项",
            ]
        ),
        re.IGNORECASE,
    ),
    "compare": re.compile(
        "|".join(
            [
                _english(
                    r"differ|differs|difference|differences|same\s+way|same\s+as|compatible|compatibility",
                    r"carry\s+over|compared?\s+(?:to|with)",
                ),
                r"区别|差异|差别|兼容|一样吗|一样不|相同吗",
            ]
        ),
        re.IGNORECASE,
    ),
}

_SENTENCE = re.compile(r".+?(?:[.!?]+(?=\s|$)|[。！？]+|$)", re.DOTALL)  # "5.2" ends no sentence


def asked_sentences(question: str) -> str:
    """The sentences that ask (end in a question mark), or the whole question when none does: in "They
    blow the size limit. Is there a way to batch it?" the context sentence's "limit" is no intent."""
    asked = [s for s in _SENTENCE.findall(question) if s.rstrip().endswith(("?", "？"))]
    return " ".join(asked) if asked else question


_RELEASE_WORDS = r"release\s+notes?|what's\s+new|发版说明|发布说明|版本说明"
_NUMBERED_RELEASE = re.compile(
    rf"\d+\.\d+.*(?:{_RELEASE_WORDS})|(?:{_RELEASE_WORDS}).*\d+\.\d+", re.IGNORECASE
)
_RELEASE_PAGE = re.compile(
    r"\b(?:releases?|versions?|versioning|timeline|lifecycle)\b|版本|发布|发版|时间线|生命周期", re.IGNORECASE
)
_VERSION_NUMBER = re.compile(r"\d+\.\d+")
_LIMIT_HEADING = re.compile(
    r"\b(?:limits?|limitations?|restrictions?|constraints?|quotas?|maximum)\b|限制|上限|约束", re.IGNORECASE
)
_COMPARE_HEADING = re.compile(
    r"\b(?:compatib\w*|differences?|different|comparison|compared|vs\.?|versus|unsupported)\b"
    r"|兼容|区别|差异|不同|对比|不支持",
    re.IGNORECASE,
)


def question_intents(question: str) -> frozenset[str]:
    """The intents (`INTENTS`) the question's wording expresses; empty for most questions."""
    asked = asked_sentences(question)
    return frozenset(intent for intent, pattern in _QUESTION_PATTERNS.items() if pattern.search(asked))


def section_kinds(*, title: str, headings: Sequence[str], heading: str) -> int:
    """Bit mask (`INTENT_BITS`) of the intents a section answers, from its document's title, its heading
    trail and its own heading: release notes of a numbered release answer *version* questions; pages
    about releases or versions that are not one release's notes (index, timeline, versioning) answer
    *lifecycle* ones; limitation headings *limit* ones; compatibility / difference headings or titles
    *compare* ones — except inside release notes, where "Compatibility changes" means changes from the
    previous release, not a difference to another product."""
    kinds = 0
    trail = " / ".join([*headings, heading])
    release_notes = bool(_NUMBERED_RELEASE.search(title))
    if release_notes:
        kinds |= INTENT_BITS["version"]
    elif _RELEASE_PAGE.search(title) and not _VERSION_NUMBER.search(title):
        kinds |= INTENT_BITS["lifecycle"]
    if _LIMIT_HEADING.search(trail):
        kinds |= INTENT_BITS["limit"]
    if not release_notes and (_COMPARE_HEADING.search(trail) or _COMPARE_HEADING.search(title)):
        kinds |= INTENT_BITS["compare"]
    if heading.rstrip().endswith(("?", "？")):  # an FAQ entry answers the kind of question it asks
        for intent in question_intents(heading):
            kinds |= INTENT_BITS[intent]
    return kinds
