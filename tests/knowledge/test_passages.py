"""Which texts a section's vectors see (`knowledge.embedding.section_passages`): its title and heading trail
with the start of its text and, for a long section, overlapping windows of the rest."""

import itertools

from knowledge.embedding import (
    MAX_EXTRA_WINDOWS,
    SECTION_TOKEN_BUDGET,
    section_passages,
)


def tokens_of(text: str) -> float:
    return sum(1.0 if "\u4e00" <= c <= "\u9fff" else 0.25 for c in text)


def test_a_short_section_has_one_passage_its_title_trail_and_text() -> None:
    passages = section_passages(title="Guide", headings=("Setup",), heading="Disks", text="SSD only.\n")
    assert passages == ["Guide › Setup › Disks\nSSD only."]


def test_a_long_section_is_seen_in_overlapping_windows_that_start_and_end_between_words() -> None:
    words = [f"w{n:04d}" for n in range(700)]
    passages = section_passages(title="Guide", headings=(), heading="Limits", text=" ".join(words))
    assert 1 < len(passages) <= 1 + MAX_EXTRA_WINDOWS
    for number, passage in enumerate(passages):
        assert passage.startswith("Guide › Limits\n")
        assert tokens_of(passage) <= SECTION_TOKEN_BUDGET + 1
        body = passage.split("\n", 1)[1].split(" ")
        assert all(word in words for word in body[: -1 if number == 0 else None])  # windows: whole words
    seen = [passage.split("\n", 1)[1].split(" ") for passage in passages]
    for before, after in itertools.pairwise(seen):
        assert after[0] in before  # consecutive windows overlap
        assert words.index(after[-1]) > words.index(before[-1])


def test_a_chinese_section_is_windowed_by_characters_and_a_short_tail_is_seen_whole() -> None:
    text = "数据按区域存储。" * 60  # 420 characters ≈ 420 model tokens (punctuation counts a quarter)
    passages = section_passages(title="文档", headings=(), heading="数据", text=text)
    assert len(passages) == 2 and all(p.startswith("文档 › 数据\n") for p in passages)
    assert passages[1].endswith("数据按区域存储。")
    almost = "数据按区域存储" * 50  # 350 characters: a tail of a few past the first window
    _, tail = section_passages(title="文档", headings=(), heading="数据", text=almost)
    assert tail.endswith("数据按区域存储") and tokens_of(tail) > SECTION_TOKEN_BUDGET * 0.8  # a full window
