"""Query expansion with a team's everyday words for its documentation's concepts — as data.

Groups of interchangeable words live in a text file a deployer names with `SALESBRIDGE_SYNONYMS_FILE` (an
example: `samples/synonyms.txt`): one group per line, comma-separated. None by default: generic groups did
not help on two products' documentation once the bundled semantic model was in (docs/knowledge.md). A question term from a group adds
the group's other terms to the query at a reduced weight (`EXPANSION_WEIGHT`), so the documentation's
wording can match without outranking the asker's own words; the answer decision counts a question term as
covered by a section that has a word of its group.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from knowledge.tokenize import tokens

EXPANSION_WEIGHT = 0.4


@dataclass(frozen=True)
class SynonymGroups:
    groups: tuple[tuple[str, ...], ...]
    _by_term: dict[str, frozenset[str]]

    @classmethod
    def from_groups(cls, groups: Iterable[Sequence[str]]) -> SynonymGroups:
        kept = tuple(tuple(word.strip().lower() for word in group if word.strip()) for group in groups)
        mapping: dict[str, set[str]] = {}
        for group in kept:
            # a Chinese word is one term, as taught to the segmenter: split, its characters ("迁到" → "到")
            # would set off the group on their own
            terms = {
                term
                for word in group
                for term in ((word,) if _is_chinese(word) else tokens(word, keep_stop_words=True))
            }
            for term in terms:
                mapping.setdefault(term, set()).update(terms)
        return cls(groups=kept, _by_term={term: frozenset(group) for term, group in mapping.items()})

    def chinese_words(self) -> list[str]:
        """The groups' Chinese words, to be taught to the segmenter (a question is segmented with the
        dictionary only, which would split a colloquial "拉黑" into characters that match no group)."""
        return [word for group in self.groups for word in group if _is_chinese(word)]

    def related(self, term: str) -> frozenset[str]:
        """`term` and the terms interchangeable with it (just `term` when it is in no group)."""
        return self._by_term.get(term, frozenset((term,)))

    def expand(self, terms: Sequence[str]) -> dict[str, float]:
        """Extra query terms (not already in `terms`) with their weight."""
        present = set(terms)
        return {
            other: EXPANSION_WEIGHT
            for term in terms
            for other in self._by_term.get(term, ())
            if other not in present
        }


NO_SYNONYMS = SynonymGroups(groups=(), _by_term={})


def parse_groups(text: str) -> list[list[str]]:
    """Groups of a synonyms file: comma-separated words per line; `#` starts a comment."""
    groups = []
    for line in text.splitlines():
        words = [word.strip() for word in line.split("#", 1)[0].split(",") if word.strip()]
        if len(words) > 1:
            groups.append(words)
    return groups


@lru_cache(maxsize=4)
def load_synonyms(path: str) -> SynonymGroups:
    """The groups of the file at `path`."""
    return SynonymGroups.from_groups(parse_groups(Path(path).read_text(encoding="utf-8")))


def _is_chinese(word: str) -> bool:
    return bool(word) and all("\u3400" <= char <= "\u9fff" for char in word)
