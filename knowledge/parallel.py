"""Parallel documents: the same document written in two languages (`en/x.md` ↔ `zh/x.md`).

When the index is built, documents whose paths differ only by a language folder or suffix are paired and
their sections aligned heading by heading (`align_blocks`). The aligned sections teach a bilingual term
lexicon (Dice co-occurrence over aligned sections, `Parallel.translate`), and a section's evidence in the
other language counts for its twin: the question, translated term by term, is scored against the twin
language's sections and each section receives its twins' score (`Parallel.twin_scores`).

Everything is learned from the ingested documents; a knowledge base without parallel documents gets no
`Parallel` at all. numpy only; imported when the index is built.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from knowledge.types import Section

# A path component (or a file-name suffix) naming a language: "en/", "zh-cn/", "guide.zh.md", "guide_en.md".
_LANGUAGE_TAG = r"[a-z]{2}(?:[-_][a-z]{2,4})?"
_SUFFIX = re.compile(rf"[._-]({_LANGUAGE_TAG})(\.[a-z0-9]+)$", re.IGNORECASE)

# Alignment of two documents' heading blocks (dynamic programming, monotone): a pair scores its heading
# depth agreement plus the share of shared terms (numbers, identifiers, code) of the two blocks; pairs
# scoring below MIN_MATCH stay unaligned. Checked by hand on the TiDB corpus (182 document pairs, 160 of them
# with identical heading depth sequences, where the alignment is one to one).
DEPTH_MATCH = 0.5  # same heading depth
DEPTH_MISMATCH = -0.5
SHARED_WEIGHT = 1.0  # × Dice of the blocks' shared terms (terms found in both languages)
MIN_MATCH = 0.3

# Lexicon: a source term translates to target terms of the aligned blocks by Dice coefficient
# 2·c(s,t) / (n(s) + n(t)) over block pairs; terms present on both sides of a pair (identifiers, numbers,
# code) are anchors, not translations, and are left out of that pair's counts.
MIN_PAIRS = 2  # a source term in fewer aligned block pairs has no reliable translation
MAX_PAIR_SHARE = 0.2  # a source term in more than this share of the pairs is too common to translate
MIN_COOCCURRENCE = 2
MIN_DICE = 0.3
MAX_TRANSLATIONS = 3  # per source term, best first


@dataclass(frozen=True)
class Block:
    """Consecutive sections of one document under the same heading (a long section's parts)."""

    depth: int  # headings above it
    sections: tuple[int, ...]  # section numbers in the index


@dataclass
class Side:
    """One language's side of the aligned block pairs: pair → its own terms, term → its pairs (CSR)."""

    pair_offsets: Any
    pair_terms: Any
    term_offsets: Any
    term_pairs: Any

    def pairs_of(self, term_id: int) -> Any:
        return self.term_pairs[int(self.term_offsets[term_id]) : int(self.term_offsets[term_id + 1])]

    def terms_of(self, pairs: Any) -> Any:
        import numpy as np

        if not len(pairs):
            return np.zeros(0, dtype=np.int32)
        return np.concatenate(
            [self.pair_terms[int(self.pair_offsets[p]) : int(self.pair_offsets[p + 1])] for p in pairs]
        )

    def pair_count(self, term_ids: Any) -> Any:
        return self.term_offsets[term_ids + 1] - self.term_offsets[term_ids]


@dataclass
class Parallel:
    """Twin sections and the bilingual lexicon learned from them."""

    sources: Any  # np.ndarray[int32]: section numbers having a twin …
    twins: Any  # … and that twin (one row per aligned section pair, both directions)
    sides: dict[str, Side]  # language → its side of the aligned block pairs
    pairs: int  # aligned block pairs
    vocabulary: dict[str, int]
    words: list[str]  # term id → term
    cache: dict[tuple[str, str, str], list[tuple[str, float]]] = field(default_factory=dict)

    @property
    def languages(self) -> frozenset[str]:
        return frozenset(self.sides)

    def translate(self, term: str, source: str, target: str) -> list[tuple[str, float]]:
        """The target-language terms `term` translates to, with their Dice coefficient, best first. A
        translation is kept only when `term` is also among its own translations back (mutual), which drops
        words that merely co-occur in long aligned sections ("错" → "bug", "fix")."""
        key = (term, source, target)
        cached = self.cache.get(key)
        if cached is not None:
            return cached
        result = [
            (word, dice)
            for word, dice in self._translate(term, source, target)
            if any(back == term for back, _ in self._translate(word, target, source))
        ]
        if len(self.cache) < 50_000:
            self.cache[key] = result
        return result

    def _translate(self, term: str, source: str, target: str) -> list[tuple[str, float]]:
        import numpy as np

        term_id = self.vocabulary.get(term)
        if term_id is None or source not in self.sides or target not in self.sides:
            return []
        pairs = self.sides[source].pairs_of(term_id)
        if len(pairs) < MIN_PAIRS or len(pairs) > MAX_PAIR_SHARE * self.pairs:
            return []
        target_side = self.sides[target]
        counts = np.bincount(target_side.terms_of(pairs))
        candidates = np.flatnonzero(counts >= MIN_COOCCURRENCE)
        if not len(candidates):
            return []
        dice = 2.0 * counts[candidates] / (len(pairs) + target_side.pair_count(candidates))
        keep = dice >= MIN_DICE
        candidates, dice = candidates[keep], dice[keep]
        order = np.argsort(-dice, kind="stable")[:MAX_TRANSLATIONS]
        return [(self.words[int(candidates[i])], float(dice[i])) for i in order]

    def twin_scores(self, scores: Any) -> Any:
        """Per section, the best score of its twins (0 for a section without twins)."""
        import numpy as np

        result = np.zeros(len(scores), dtype=np.float64)
        np.maximum.at(result, self.sources, scores[self.twins])
        return result


def parallel_key(path: str, language: str) -> str | None:
    """`path` without its language marker ("en/faq/x.md" → "faq/x.md", "x.zh.md" → "x.md"); None when the
    path names no language (such a document has no twin)."""
    language = (language or "").lower()
    if not language:
        return None
    parts = path.split("/")
    for position, part in enumerate(parts[:-1]):
        if _is_language(part, language):
            return "/".join(parts[:position] + parts[position + 1 :])
    match = _SUFFIX.search(parts[-1])
    if match and _is_language(match.group(1), language):
        parts[-1] = parts[-1][: match.start()] + match.group(2)
        return "/".join(parts)
    return None


def _is_language(tag: str, language: str) -> bool:
    tag = tag.lower()
    return tag == language or (tag[:2] == language and len(tag) > 2 and tag[2] in "-_")


def document_pairs(documents: Sequence[tuple[int, str, str]]) -> list[tuple[int, int]]:
    """(document, twin document) for documents (id, path, language) whose paths differ only by a language
    marker: exactly two documents, of two languages, per stripped path."""
    groups: dict[str, list[tuple[int, str]]] = {}
    for document_id, path, language in documents:
        key = parallel_key(path, language)
        if key is not None:
            groups.setdefault(key, []).append((document_id, language))
    return [
        (group[0][0], group[1][0])
        for group in groups.values()
        if len(group) == 2 and group[0][1] != group[1][1]
    ]


def document_blocks(sections: Sequence[Section], numbers: Sequence[int]) -> list[Block]:
    """A document's sections (numbers in position order) grouped into heading blocks."""
    blocks: list[Block] = []
    previous: tuple[str, tuple[str, ...]] | None = None
    for number in numbers:
        section = sections[number]
        key = (section.heading, section.headings)
        if blocks and key == previous:
            blocks[-1] = Block(depth=blocks[-1].depth, sections=(*blocks[-1].sections, number))
        else:
            blocks.append(Block(depth=len(section.headings), sections=(number,)))
        previous = key
    return blocks


def align_blocks(first: Sequence[Block], second: Sequence[Block], shared: Any) -> list[tuple[int, int]]:
    """Monotone alignment of two documents' blocks: (i, j) pairs maximising Σ match score, where
    `shared[i, j]` is the Dice of the blocks' shared terms. Identical depth sequences align one to one."""
    if _same_shape(first, second):
        return [(i, i) for i in range(len(first))]
    if shared is None:
        return []
    n, m = len(first), len(second)
    match = [
        [
            (DEPTH_MATCH if first[i].depth == second[j].depth else DEPTH_MISMATCH)
            + SHARED_WEIGHT * float(shared[i, j])
            for j in range(m)
        ]
        for i in range(n)
    ]
    best = [[0.0] * (m + 1) for _ in range(n + 1)]
    for i in range(1, n + 1):
        row, above = best[i], best[i - 1]
        for j in range(1, m + 1):
            value = max(above[j], row[j - 1])
            score = match[i - 1][j - 1]
            if score >= MIN_MATCH:
                value = max(value, above[j - 1] + score)
            row[j] = value
    pairs: list[tuple[int, int]] = []
    i, j = n, m
    while i > 0 and j > 0:
        score = match[i - 1][j - 1]
        if score >= MIN_MATCH and best[i][j] == best[i - 1][j - 1] + score:
            pairs.append((i - 1, j - 1))
            i, j = i - 1, j - 1
        elif best[i][j] == best[i - 1][j]:
            i -= 1
        else:
            j -= 1
    return pairs[::-1]


def _same_shape(first: Sequence[Block], second: Sequence[Block]) -> bool:
    return len(first) == len(second) and all(a.depth == b.depth for a, b in zip(first, second, strict=True))


def build_parallel(index: Any) -> Parallel | None:
    """Pair the index's parallel documents, align their sections and build the lexicon's two sides;
    None when the knowledge base has no parallel documents."""
    import numpy as np

    sections: list[Section] = index.sections
    by_document: dict[int, list[int]] = {}
    for number, section in enumerate(sections):
        by_document.setdefault(section.document_id, []).append(number)
    documents = [
        (d, sections[numbers[0]].path, sections[numbers[0]].language) for d, numbers in by_document.items()
    ]
    pairs = document_pairs(documents)
    if not pairs:
        return None
    vocabulary_size = len(index.vocabulary)
    term_of_posting = np.repeat(
        np.arange(vocabulary_size, dtype=np.int32), np.diff(index.offsets).astype(np.int64)
    )
    section_terms = _section_terms(index, term_of_posting)
    in_language: dict[str, Any] = {}  # language → which terms its sections use
    for language in {str(x) for x in set(index.languages.tolist())}:
        present = np.zeros(vocabulary_size, dtype=bool)
        present[term_of_posting[(index.languages == language)[index.posting_sections]]] = True
        in_language[language] = present
    del term_of_posting
    marks = np.zeros(vocabulary_size, dtype=bool)  # scratch for `_exclusive`
    sources: list[int] = []
    twins: list[int] = []
    side_terms: dict[str, list[Any]] = {}
    for first_document, second_document in pairs:
        first_blocks = document_blocks(sections, by_document[first_document])
        second_blocks = document_blocks(sections, by_document[second_document])
        first_language = sections[first_blocks[0].sections[0]].language
        second_language = sections[second_blocks[0].sections[0]].language
        shareable = in_language[first_language] & in_language[second_language]
        first_sets = [_block_terms(block, section_terms) for block in first_blocks]
        second_sets = [_block_terms(block, section_terms) for block in second_blocks]
        shared = (
            None
            if _same_shape(first_blocks, second_blocks)
            else _shared_dice(first_sets, second_sets, shareable)
        )
        for i, j in align_blocks(first_blocks, second_blocks, shared):
            for a in first_blocks[i].sections:
                for b in second_blocks[j].sections:
                    sources.extend((a, b))
                    twins.extend((b, a))
            first_only, second_only = _exclusive(first_sets[i], second_sets[j], marks)
            side_terms.setdefault(first_language, []).append(first_only)
            side_terms.setdefault(second_language, []).append(second_only)
    count = len(next(iter(side_terms.values()))) if side_terms else 0
    if not sources or len({len(v) for v in side_terms.values()}) != 1:
        return None  # more than two languages pair up unevenly: keep it simple, no lexicon then
    words = [""] * vocabulary_size
    for word, term_id in index.vocabulary.items():
        words[term_id] = word
    return Parallel(
        sources=np.array(sources, dtype=np.int32),
        twins=np.array(twins, dtype=np.int32),
        sides={language: _side(terms, vocabulary_size) for language, terms in side_terms.items()},
        pairs=count,
        vocabulary=index.vocabulary,
        words=words,
    )


def _exclusive(first: Any, second: Any, marks: Any) -> tuple[Any, Any]:
    """The terms of `first` not in `second` and of `second` not in `first` (`marks`: all-False scratch of
    vocabulary size, left all False)."""
    marks[second] = True
    first_only = first[~marks[first]]
    marks[second] = False
    marks[first] = True
    second_only = second[~marks[second]]
    marks[first] = False
    return first_only, second_only


def _section_terms(index: Any, term_of_posting: Any) -> Any:
    """A function: section number → its distinct term ids (a forward view of the CSR postings, whose
    term ids are `term_of_posting`)."""
    import numpy as np

    order = np.argsort(index.posting_sections, kind="stable")
    forward = term_of_posting[order]
    offsets = np.searchsorted(index.posting_sections[order], np.arange(index.size + 1))

    def terms(number: int) -> Any:
        return forward[offsets[number] : offsets[number + 1]]

    return terms


def _block_terms(block: Block, section_terms: Any) -> Any:
    import numpy as np

    if len(block.sections) == 1:
        return section_terms(block.sections[0])
    return np.unique(np.concatenate([section_terms(number) for number in block.sections]))


def _shared_dice(first: Sequence[Any], second: Sequence[Any], shareable: Any) -> Any:
    """Dice coefficient of each block pair's shareable terms (terms both languages use: identifiers, numbers)."""
    import numpy as np

    first_shared = [terms[shareable[terms]] for terms in first]
    second_shared = [terms[shareable[terms]] for terms in second]
    result = np.zeros((len(first), len(second)))
    for i, a in enumerate(first_shared):
        for j, b in enumerate(second_shared):
            total = len(a) + len(b)
            if total:
                result[i, j] = 2.0 * len(np.intersect1d(a, b, assume_unique=True)) / total
    return result


def _side(pair_terms: Sequence[Any], vocabulary_size: int) -> Side:
    import numpy as np

    lengths = np.array([len(terms) for terms in pair_terms], dtype=np.int64)
    pair_offsets = np.concatenate([[0], np.cumsum(lengths)])
    flat = np.concatenate(pair_terms).astype(np.int32) if len(pair_terms) else np.zeros(0, dtype=np.int32)
    pair_of = np.repeat(np.arange(len(pair_terms), dtype=np.int32), lengths)
    order = np.argsort(flat, kind="stable")
    term_offsets = np.searchsorted(flat[order], np.arange(vocabulary_size + 1))
    return Side(
        pair_offsets=pair_offsets, pair_terms=flat, term_offsets=term_offsets, term_pairs=pair_of[order]
    )
