"""Questions about the newest release of a release line find the sections that list that line's releases."""

from pathlib import Path

import pytest

from knowledge.base import release_list_factors, versions_by_line
from knowledge.ingest import ingest_paths
from knowledge.tokenize import tokens
from tests.knowledge.kb_helpers import make_kb, write_corpus

RELEASES = {
    "en/releases/index.md": """# Release notes

## 3.2

- [3.2.4](/releases/release-3.2.4.md): 2026-05-02
- [3.2.3](/releases/release-3.2.3.md): 2026-02-11
- [3.2.2](/releases/release-3.2.2.md): 2025-12-01
- [3.2.1](/releases/release-3.2.1.md): 2025-10-20
- [3.2.0](/releases/release-3.2.0.md): 2025-09-01

## 3.1

- [3.1.1](/releases/release-3.1.1.md): 2025-06-30
- [3.1.0](/releases/release-3.1.0.md): 2025-04-01
""",
    "en/releases/release-3.2.0.md": """# Release 3.2.0 notes

Release date: 2025-09-01. Version 3.2.0 is the first release of the 3.2 line; the most recent patch
release of the line fixes bugs. Upgrading from 3.1 to 3.2 is supported.

## Improvements

- Recent patch releases of the 3.2 line start faster.
""",
    "en/features.md": """# Features

## Backups

Backups of the 3.2 line are incremental.
""",
}


@pytest.fixture
def kb(tmp_path: Path):  # type: ignore[no-untyped-def]
    kb = make_kb(tmp_path)
    ingest_paths(kb, [write_corpus(tmp_path / "docs", RELEASES)])
    return kb


def test_versions_are_grouped_by_release_line() -> None:
    assert versions_by_line("Upgrade from v3.1.1 to 3.2.0 or 3.2.4; see 3.2 and 1.2.3.4-beta") == {
        "3.1": {"3.1.1"},
        "3.2": {"3.2.0", "3.2.4"},
    }
    assert versions_by_line("no versions here, only 3.2") == {}


def test_the_newest_release_of_a_line_is_found_in_the_release_list(kb) -> None:  # type: ignore[no-untyped-def]
    for question in (
        "What's the most recent patch release in the 3.2 line, and when did it come out?",
        "What is the latest 3.2 release?",
    ):
        top = kb.search(question, k=3).hits[0].section
        assert (top.path, top.heading) == ("en/releases/index.md", "3.2"), question
    top = kb.search("latest 3.1 release").hits[0].section
    assert (top.path, top.heading) == ("en/releases/index.md", "3.1")


def test_other_questions_are_not_steered_to_release_lists(kb) -> None:  # type: ignore[no-untyped-def]
    # no recency word: the notes that talk about the subject still lead
    assert kb.search("Are backups in the 3.2 line incremental?").hits[0].section.heading == "Backups"
    indexes = kb.indexes()
    size = indexes.sections.size
    assert release_list_factors(indexes.release_lists, tokens("What changed in 3.2?"), size=size) is None
    # a full version names one release: its notes answer, not the list
    assert release_list_factors(indexes.release_lists, tokens("latest news on 3.2.4"), size=size) is None
    factors = release_list_factors(indexes.release_lists, tokens("latest 3.2 patch"), size=size)
    # five 3.2 versions listed: × (1 + 5/6); every other section keeps its score
    assert factors is not None and factors.max() == pytest.approx(1 + 5 / 6) and sorted(factors)[-2] == 1.0
