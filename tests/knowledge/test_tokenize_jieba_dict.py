"""The trie-backed jieba dictionary: same entries, same total, same segmentation as a plain jieba.Tokenizer."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

from knowledge.jieba_dict import (
    CompactFrequencies,
    build_cache_file,
    cache_name,
    compact_tokenizer,
    load_frequencies,
)
from knowledge.tokenize import _jieba

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "kb-eval" / "tidb-8.5" / "zh"

SMALL_DICT = """数据 500 n
数据库 300 n
数据库管理 20 n
管理 400 v
系统 350 n
管理系统 60 n
分布式 80 b
事务 120 n
水平 90 n
扩展 110 v
备份 70 v
恢复 65 v
数据 40 n
"""

SENTENCES = [
    "TiDB 支持分布式事务和数据库管理系统的水平扩展。",
    "备份恢复需要多长时间？数据库能否在线扩展",
    "客户问：私有化部署是否支持多地域容灾，席位上限是多少",
    "TiCDC 能同步大事务吗 large transactions 8.5.7",
]


def _plain(dictionary: Path | None = None) -> Any:
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer() if dictionary is None else jieba.Tokenizer(str(dictionary))
    tokenizer.initialize()
    return tokenizer


def _segmentations(tokenizer: Any, text: str) -> list[list[str]]:
    return [
        list(tokenizer.cut_for_search(text, HMM=True)),
        tokenizer.lcut(text, HMM=True),
        tokenizer.lcut(text, HMM=False),
        tokenizer.lcut(text, cut_all=True),
    ]


@pytest.fixture
def small_dict(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SALESBRIDGE_CACHE_DIR", str(tmp_path / "cache"))
    path = tmp_path / "dict.txt"
    path.write_text(SMALL_DICT, encoding="utf-8")
    return path


def test_cache_file_holds_exactly_jiebas_entries_and_total(small_dict: Path, tmp_path: Path) -> None:
    plain = _plain(small_dict)
    target = build_cache_file(dictionary=small_dict, target=tmp_path / "freq.bin")
    frequencies = CompactFrequencies.from_file(target)
    assert dict(frequencies) == plain.FREQ  # prefixes map to 0; the later "数据 40" line wins, as in jieba
    assert frequencies["数据"] == 40 and frequencies["数据库管"] == 0
    assert (
        frequencies.base_total == plain.total == sum(int(line.split()[1]) for line in SMALL_DICT.splitlines())
    )
    assert len(frequencies) == len(plain.FREQ)
    assert "数据库管理系" not in frequencies and "" not in frequencies and 3 not in frequencies
    assert frequencies.get("不存在") is None and frequencies.get("不存在", 7) == 7
    with pytest.raises(KeyError):
        frequencies["不存在"]


def test_overlay_writes_and_deletes_behave_like_a_dict(small_dict: Path, tmp_path: Path) -> None:
    frequencies = CompactFrequencies.from_file(
        build_cache_file(dictionary=small_dict, target=tmp_path / "f.bin")
    )
    reference = dict(frequencies)
    for mapping in (frequencies, reference):
        mapping["新词"] = 9
        mapping["数据"] = 3
        del mapping["系统"]
        del mapping["新词"]
        mapping["新"] = 0
    assert dict(frequencies) == reference and len(frequencies) == len(reference)
    assert "系统" not in frequencies and frequencies.get("系统") is None
    with pytest.raises(KeyError):
        del frequencies["系统"]
    frequencies["系统"] = 1
    assert frequencies["系统"] == 1


def test_custom_dictionary_segments_like_jieba_after_user_words(small_dict: Path) -> None:
    plain = _plain(small_dict)
    # built by the child process into SALESBRIDGE_CACHE_DIR
    compact = compact_tokenizer(dictionary=small_dict)
    assert isinstance(compact.FREQ, CompactFrequencies) and compact.initialized
    assert (Path(str(small_dict.parent / "cache")) / cache_name(dictionary=small_dict)).is_file()
    for text in SENTENCES:
        assert _segmentations(compact, text) == _segmentations(plain, text)
    for tokenizer in (plain, compact):
        tokenizer.add_word("水平扩展")
        tokenizer.add_word("数据库", freq=2)
        tokenizer.del_word("分布式")
        tokenizer.suggest_freq(("管理", "系统"), tune=True)
    assert compact.total == plain.total and dict(compact.FREQ) == plain.FREQ
    for text in SENTENCES:
        assert _segmentations(compact, text) == _segmentations(plain, text)


def test_a_damaged_cache_file_is_rebuilt(small_dict: Path) -> None:
    expected = dict(load_frequencies(dictionary=small_dict))
    path = small_dict.parent / "cache" / cache_name(dictionary=small_dict)
    path.unlink()  # the mapped file stays readable; a new inode replaces it, as the builder's os.replace does
    path.write_bytes(b"not a trie")
    again = load_frequencies(dictionary=small_dict)
    assert dict(again) == expected and again.base_total == _plain(small_dict).total


def test_default_dictionary_segments_like_plain_jieba() -> None:
    compact = _jieba()
    assert isinstance(compact.FREQ, CompactFrequencies)
    plain = _plain()
    assert compact.FREQ.base_total == plain.total
    texts = list(SENTENCES)
    if CORPUS.is_dir():  # a sample of the evaluation corpus; the whole corpus is checked in docs/knowledge.md
        for path in sorted(CORPUS.glob("*.md"))[::30]:
            texts.extend(path.read_text(encoding="utf-8")[:4000].splitlines())
    # product terms that other tests taught the shared tokenizer
    for word, frequency in compact.FREQ.overlay.items():
        plain.FREQ[word] = frequency
    plain.total = compact.total
    assert len(compact.FREQ) == len(plain.FREQ)
    for text in texts:
        assert _segmentations(compact, text) == _segmentations(plain, text)
