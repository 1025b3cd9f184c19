"""Citations carry the reader's language: a Chinese answer's stale or dated source reads in Chinese on
Slack, Feishu and the console (no "⚠ old", no "updated"); an unknown language says both."""

from __future__ import annotations

from datetime import date

from bot.messages import Citation, Reply
from bot.platforms.console import render_text
from bot.platforms.feishu.render import citation_line
from bot.platforms.slack.render import citation_text

STALE_ZH = Citation(index=1, title="竞品对比", updated=date(2025, 6, 30), stale=True, language="zh")


def test_a_chinese_citation_has_no_english_words_on_any_platform() -> None:
    console = render_text(Reply(text="答复", citations=[STALE_ZH]))
    for rendered in (citation_text(STALE_ZH), citation_line(STALE_ZH), console):
        assert "可能已过时" in rendered
        assert "old" not in rendered and "outdated" not in rendered and "updated" not in rendered
    assert "更新于 2025-06-30" in citation_text(STALE_ZH)


def test_an_english_citation_is_english_and_an_unknown_reader_gets_both() -> None:
    english = STALE_ZH.model_copy(update={"language": "en", "title": "Comparison"})
    assert "may be outdated" in citation_text(english) and "可能" not in citation_text(english)
    assert "updated 2025-06-30" in citation_text(english)
    unknown = STALE_ZH.model_copy(update={"language": None})
    assert "may be outdated / 可能已过时" in citation_line(unknown)
