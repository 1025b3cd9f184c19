"""Language-aware terms for retrieval and duplicate detection.

`tokens(text)` splits text into runs of Chinese (CJK) and everything else. Chinese runs are segmented
with jieba in search mode (a long word also yields its dictionary sub-words); other runs are split into
words, lower-cased and Snowball-stemmed. Stop words of both languages and the stock phrases of chat
questions ("customer asks…", "does it support…", "客户问…", "能不能…") are dropped, so what is left is
what the question is *about*. Version numbers stay whole ("8.5.7") and also yield their release line
("8.5"). Product terms (document titles and headings) can be taught to jieba with `add_terms`.

jieba and PyStemmer are imported on first use only.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

from bot.i18n import CJK_RANGES, detect_language
from knowledge.jieba_dict import compact_tokenizer

_CJK = CJK_RANGES
_RUNS = re.compile(rf"([{_CJK}]+)|([^{_CJK}]+)")
_WORD = re.compile(r"[a-z0-9]+(?:[._+#-][a-z0-9]+)*\+*", re.IGNORECASE)
_VERSION = re.compile(r"^v?(\d+)\.(\d+)(?:\.(\d+))*$")
_CJK_CHAR = re.compile(rf"[{_CJK}]")

# Chat stock phrases: removed before tokenising (longest first); what a rep says around the question.
_CHAT_PHRASES_EN = [
    r"(?:the |our |a |my )?(?:customer|client|prospect|user)s?(?:'s)? (?:asks?|asked|wants? to know|is asking|"
    r"wonders?|would like to know|wants?|needs?|requires?|says?)(?: (?:us|me))?(?: whether| if| about| how)?",
    r"(?:can|could) (?:you|someone|anyone) (?:tell|let) (?:me|us)(?: know)?(?: whether| if)?",
    r"do (?:you|we) know(?: whether| if)?",
    r"quick question",
    r"any idea(?: whether| if)?",
]
_DATA = Path(__file__).with_name("data")


@lru_cache(maxsize=8)
def _data_words(name: str) -> frozenset[str]:
    """A word list of `knowledge/data/` (one entry per line, `#` comment lines)."""
    lines = (_DATA / name).read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


@lru_cache(maxsize=1)
def _chat_re() -> re.Pattern[str]:
    chinese = sorted(_data_words("chat-phrases-zh.txt"), key=len, reverse=True)
    return re.compile("|".join([rf"\b{p}\b" for p in _CHAT_PHRASES_EN] + chinese), re.IGNORECASE)


@lru_cache(maxsize=1)
def stop_en() -> frozenset[str]:
    return _data_words("stopwords-en.txt")


@lru_cache(maxsize=1)
def stop_zh() -> frozenset[str]:
    return _data_words("stopwords-zh.txt")


_jieba_lock = threading.Lock()
_jieba_tokenizer: Any = None
_added_terms: set[str] = set()


def _jieba() -> Any:
    global _jieba_tokenizer
    if _jieba_tokenizer is None:
        with _jieba_lock:
            if _jieba_tokenizer is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)
                # jieba's own FREQ dict costs ~81 MB of RSS; the trie-backed one ~4 MB, same segmentation
                _jieba_tokenizer = compact_tokenizer()
    return _jieba_tokenizer


@lru_cache(maxsize=1)
def _stemmer() -> Any:
    import Stemmer

    return Stemmer.Stemmer("english")


def add_terms(terms: Iterable[str]) -> int:
    """Teach the Chinese segmenter product terms (document titles); returns how many were new.

    Only short Chinese runs (2–8 characters) are added: long headings are sentences, not terms.
    """
    return learn_corpus_words(
        match.group(1) for term in terms for match in _RUNS.finditer(term) if match.group(1)
    )


def is_new_word(word: str) -> bool:
    """A Chinese word of two or more characters that jieba's dictionary lacks (found by its HMM)."""
    return len(word) > 1 and all(_CJK_CHAR.match(c) for c in word) and not _jieba().FREQ.get(word)


def learn_corpus_words(words: Iterable[str]) -> int:
    """Teach the segmenter Chinese words (2–8 characters): titles' product terms, and words its HMM found
    in the documents, so questions, segmented without the HMM (`tokens(..., query=True)`), still yield
    them as words; returns how many were new."""
    new = 0
    tokenizer = None
    for word in words:
        if word in _added_terms or not 2 <= len(word) <= 8:
            continue
        tokenizer = tokenizer or _jieba()
        with _jieba_lock:
            tokenizer.add_word(word, freq=None)
            _added_terms.add(word)
        new += 1
    if new:
        _cut_cjk.cache_clear()
    return new


@lru_cache(maxsize=1)
def _stop_terms() -> frozenset[str]:
    stemmed = {_stem(word) for word in stop_en() if word.isalpha()}
    return frozenset(stop_en() | stop_zh() | _FUNCTION_CHARS | stemmed)


def drop_stop_terms(terms: Iterable[str]) -> list[str]:
    """Terms from `tokens(..., keep_stop_words=True)` without the stop words (stemmed forms included)."""
    stop = _stop_terms()
    return [term for term in terms if term not in stop]


# Who is asking is not what is asked: "Acme asks whether…", "Acme Bank wants to know if…",
# "Acme 客户问…", "客户 Acme 想知道…" — the customer's name must neither match nor look like an unknown subject.
_ASKER_EN = re.compile(
    r"\b(?:[A-Z][\w&.'-]*\s+){1,3}(?:asks?|asked|is asking|wants to know|would like to know|wonders?|"
    r"needs to know)\b(?:\s+(?:us|me))?(?:\s+(?:whether|if|about|how))?"
)
_ASKER_ZH = re.compile(
    r"(?:[A-Za-z][\w&.-]*\s*(?=(?:客户|公司|那边|这边|问|想知道|想了解)))"
    r"|(?:(?<=客户)\s*[A-Za-z][\w&.-]*)"
)


def strip_chat_phrases(text: str) -> str:
    text = _ASKER_EN.sub(" ", text)
    if _CJK_CHAR.search(text):
        text = _ASKER_ZH.sub(" ", text)
    return _chat_re().sub(" ", text)


@lru_cache(maxsize=65536)
def _cut_cjk(run: str, *, hmm: bool = True) -> tuple[str, ...]:
    return tuple(_jieba().cut_for_search(run, HMM=hmm))


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    return str(_stemmer().stemWord(word))


def _english_terms(run: str, *, keep_stop_words: bool) -> list[str]:
    out: list[str] = []
    for match in _WORD.finditer(run):
        word = match.group(0).lower().strip("._-")
        if not word:
            continue
        version = _VERSION.match(word)
        if version:
            out.append(word.lstrip("v"))
            major_minor = f"{version.group(1)}.{version.group(2)}"
            if major_minor != word.lstrip("v"):
                out.append(major_minor)
            continue
        parts = [word]
        if any(sep in word for sep in "._-") and not word.replace(".", "").isdigit():
            parts = [p for p in re.split(r"[._-]+", word) if p]
            out.append(word)  # the identifier as written: `tidb_enable_x`, `cpu-aware`
        for part in parts:
            if not keep_stop_words and part in stop_en():
                continue
            if len(part) == 1 and not part.isdigit():
                continue
            out.append(_stem(part) if part.isalpha() else part)
    return out


def tokens(text: str, *, keep_stop_words: bool = False, query: bool = False) -> list[str]:
    """Retrieval terms of `text`: Chinese words (jieba), English stems, version numbers; stop words dropped.

    Documents are segmented with jieba's HMM, which finds the technical words its dictionary lacks (外键).
    In a colloquial question the HMM glues characters across word boundaries into "words" no document
    contains ("建外", "来换", "读本"), so `query=True` segments with the dictionary only — jieba's words plus
    the words the HMM found in the corpus (`learn_corpus_words`) — and leaves the rest single characters.
    """
    if not text:
        return []
    if not keep_stop_words:
        text = strip_chat_phrases(text)
    out: list[str] = []
    for match in _RUNS.finditer(text):
        cjk, other = match.group(1), match.group(2)
        if cjk:
            for word in _cut_cjk(cjk, hmm=not query):
                if keep_stop_words or not (
                    word in stop_zh()
                    or _is_single_function_char(word)
                    or (query and is_chinese_quantity(word))
                ):
                    out.append(word)
        elif other:
            out.extend(_english_terms(other, keep_stop_words=keep_stop_words))
    return out


_FUNCTION_CHARS = frozenset(
    "的了吗呢吧啊呀么嘛和与及或是在对把被将从向给让用以而并且也都就还又再很太更最这那哪有没不我你他她它其之等个些"
)


# Chinese numerals and the words that make them vague ("两千多", "七八十个", "十几", "几亿", "半个"): a rep's
# rough figure ("a table of two thousand-odd columns") is context, and the documentation writes its
# numbers in digits, so such words match nothing or, rarer still, a random section.
_QUANTITY = re.compile(r"^[零〇一二两三四五六七八九十百千万亿几半]+[多余来个]*$")


def chinese_characters(text: str) -> list[str]:
    """The Chinese characters of `text`, in order."""
    return _CJK_CHAR.findall(text)


def is_chinese_quantity(word: str) -> bool:
    """A word written only with Chinese numerals and quantity suffixes (十几个, 两千多, 几亿, 半个)."""
    return bool(_QUANTITY.match(word))


def _is_single_function_char(word: str) -> bool:
    return len(word) == 1 and word in _FUNCTION_CHARS


_NAME_WORD = re.compile(r"(?<![A-Za-z0-9])[A-Za-z][A-Za-z0-9]*(?:[-_.][A-Za-z0-9]+)*")  # not "600M-row"
_SENTENCE_START = re.compile(r"(?:^|[.!?。！？]\s*)$")
_PLURAL_ACRONYM = re.compile(r"^[A-Z]{2,}s$")  # "CSVs", "GPUs"


def named_words(text: str) -> list[tuple[str, tuple[str, ...]]]:
    """The names `text` uses — CamelCase / ALL-CAPS words, capitalised words inside a sentence, Latin
    words in a Chinese sentence: the products, companies and features a question is about — each as its
    term and the terms of its parts ("RAM-based" → ("ram-based", ("ram", "base")); no parts for one piece).
    A plural acronym is taken in the singular ("CSVs" → "csv")."""
    return [(term, parts) for _, term, parts in named_word_forms(text)]


def named_word_forms(text: str) -> list[tuple[str, str, tuple[str, ...]]]:
    """`named_words`, each name also as `text` writes it: ("WhatsApp", "whatsapp", ())."""
    chinese = detect_language(text) == "zh"
    text = strip_chat_phrases(text)
    names: list[tuple[str, str, tuple[str, ...]]] = []
    for match in _NAME_WORD.finditer(text):
        word = match.group(0)
        inner_capitals = any(c.isupper() for c in word[1:])
        capitalised_inside = word[0].isupper() and not _SENTENCE_START.search(text[: match.start()])
        if not (chinese or inner_capitals or capitalised_inside):
            continue
        if _PLURAL_ACRONYM.match(word):
            word = word[:-1]
        terms = _english_terms(word, keep_stop_words=False)
        if terms:
            names.append((word, terms[0], tuple(terms[1:])))
    return names


def named_terms(text: str) -> set[str]:
    """Every term of the names `text` uses (`named_words`), parts included."""
    return {term for name, parts in named_words(text) for term in (name, *parts)}


_SENTENCE = re.compile(r".+?(?:[.!?]+(?=\s|$)|[。！？]+|$)", re.DOTALL)  # "5.2" ends no sentence


def asked_sentences(question: str) -> str:
    """The sentences that ask (end in a question mark), or the whole question when none does: in "They
    blow the size limit. Is there a way to batch it?" the ask is the second sentence."""
    asked = [s for s in _SENTENCE.findall(question) if s.rstrip().endswith(("?", "？"))]
    return " ".join(asked) if asked else question


def baseline_tokens(text: str) -> list[str]:
    """The plain baseline of the benchmark: lower-cased whitespace words and single Chinese characters."""
    out: list[str] = []
    for word in text.lower().split():
        for match in _RUNS.finditer(word):
            if match.group(1):
                out.extend(match.group(1))
            elif match.group(2):
                out.append(match.group(2))
    return out
