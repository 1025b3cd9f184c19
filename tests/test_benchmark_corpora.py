"""The retrieval benchmark names a corpus it cannot find (a fetched one such as APISIX) instead of measuring
whatever an earlier run left in its database."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks import retrieval


def test_a_named_corpus_that_is_not_there_is_reported(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    absent = tmp_path / "apisix" / "docs"
    monkeypatch.setitem(retrieval.CORPORA, "apisix", (absent, []))
    assert retrieval.main(["--corpus", "apisix", "--no-latency"]) == 2
    assert f"corpus not found: {absent} (see benchmarks/corpora/README.md)" in capsys.readouterr().err
