"""A question with several asks, split into its parts so each is searched and answered on its own.

"Does Growth have SSO and how long are audit logs kept?" → ["Does Growth have SSO", "how long are audit
logs kept?"]; "支持单点登录吗？审计日志保存多久？" → ["支持单点登录吗？", "审计日志保存多久？"].

The rules follow question structure only, never a corpus's vocabulary:
- a question mark (?, ？) followed by more text ends a part;
- in English, "and" / "also" / "plus" / ";" followed by a question word (how, what, when, where, which,
  who, why, whether, is, are, do, does, can, will, …) starts a new part — "SSO and SCIM" stays one;
- in Chinese, 另外 / 还有 / 以及 / 此外 / 同时 / 并且 / 而且 / 再问 after a clause boundary (，。；、 or a
  space) start a new part.
A piece is an ask of its own when it has a content term and asks (a question mark, an opening question word,
a Chinese question word) without leaning on the part before ("and on Enterprise?", "那企业版呢？", or a pronoun
with no name of its own: "…, and how long does it wait between tries?"); after a
question mark, "And how many sandboxes does Enterprise have?" (a conjunction, a question word and at least two
content terms) asks anew, while "And is it on Growth?" leans — as does any ask after a question mark with at
most two content terms ("TiDB 能接入 Splunk 吗？有没有现成插件？": the plug-in is Splunk's).
Anything else — an elliptical follow-up, a context sentence after the question ("… They use USD.") — stays
with the part before it, so retrieval reads the two together.
"""

from __future__ import annotations

import re

from knowledge.answer_context import FOLLOW_UP_TERMS
from knowledge.tokenize import named_words, tokens

MAX_PARTS = 4  # a longer list of asks is answered as one question

_QUESTION_WORDS = (
    "how|what|what's|whats|when|where|which|who|whom|whose|why|whether|is|are|was|were|do|does|did|"
    "can|could|will|would|should|shall|may|might|has|have|had|any|if"
)
_EN_JOINER = re.compile(
    rf"(?:[,;]\s*|\s+)(?:and|also|plus|as well as)\s+(?:also\s+)?(?=(?:{_QUESTION_WORDS})\b)"
    rf"|;\s*(?=(?:{_QUESTION_WORDS})\b)",
    re.IGNORECASE,
)
_ZH_JOINER = re.compile(r"(?:[，,。；;、]\s*|\s+)(?=(?:另外|还有|以及|此外|同时|并且|而且|再问一下|再问))")
_QUESTION_END = re.compile(r"(?<=[?？])\s*(?=\S)")
_ASKS = re.compile(
    rf"^(?:{_QUESTION_WORDS})\b|[?？吗呢么]\s*$|多少|几[个种年月天次]|什么|哪|怎么|怎样|如何|为什么|是否|能否|可否|多久|多长|多大",
    re.IGNORECASE,
)
_LEANS = re.compile(
    r"^(?:and|or|also|what about|how about|same for|then|but|那|那么|同样)\b|呢\s*[?？]?$", re.IGNORECASE
)


# "…, and how long does it wait between tries?": a pronoun for the part before's subject, and no name of its own
_REFERS_BACK = re.compile(r"\b(?:it|its|they|them|their)\b|它", re.IGNORECASE)

# "And how many sandboxes does Enterprise have?" asks anew: a conjunction, a question word and two content terms
_CONJUNCTION_ASK = re.compile(rf"^(?:and|also|plus|but)\s+(?=(?:{_QUESTION_WORDS})\b)", re.IGNORECASE)


def _own_ask(piece: str) -> bool:
    terms = tokens(piece)
    if not terms or not _ASKS.search(_CONJUNCTION_ASK.sub("", piece)):
        return False
    if _REFERS_BACK.search(piece) and not named_words(piece):
        return False  # searched alone, "how long does it wait" found any waiting time of the product
    if _CONJUNCTION_ASK.match(piece):
        return len(set(terms)) >= 2
    return not _LEANS.search(piece)


def split_question(question: str) -> list[str]:
    """The question's asks, in order (one element when it asks one thing)."""
    text = question.strip()
    if not text:
        return []
    pieces: list[tuple[str, bool]] = []  # (piece, whether a joiner word — "and how…", 另外 — opened it)
    for sentence in _QUESTION_END.split(text):
        for n, clause in enumerate(_EN_JOINER.split(sentence)):
            pieces.extend((piece, n > 0 or m > 0) for m, piece in enumerate(_ZH_JOINER.split(clause)))
    parts: list[str] = []
    for piece, joined in ((p.strip(" ，,；;、"), joined) for p, joined in pieces):
        if not piece:
            continue
        # after a question mark, a short ask ("有没有现成插件？", "Is it GA?") is about the one before
        opened = joined or _CONJUNCTION_ASK.match(piece) is not None
        short = not opened and len(set(tokens(piece))) <= FOLLOW_UP_TERMS  # as a thread's follow-up
        if parts and (short or not _own_ask(piece)):
            parts[-1] = f"{parts[-1]} {piece}"
        else:
            parts.append(piece)
    if len(parts) > 1 and not _own_ask(parts[0]):  # "Hi! Does Growth have SSO?"
        parts[1] = f"{parts[0]} {parts[1]}"
        parts.pop(0)
    if len(parts) > MAX_PARTS:
        return [text]
    return parts or [text]
