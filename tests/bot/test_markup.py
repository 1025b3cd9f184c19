"""`bot.markup`: the bot's mention tokens cannot be typed, and user text loses what no database stores."""

from __future__ import annotations

from pathlib import Path

from bot.markup import Mention, at_names, clean_text, has_mentions, mention_token, render, segments
from bot.messages import IncomingMessage
from knowledge.loaders import load_file


def test_tokens_split_text_from_the_bots_mentions() -> None:
    text = f"hi {mention_token('U1')} and {mention_token('ou_2', platform='feishu')}!"
    assert list(segments(text)) == ["hi ", Mention("U1"), " and ", Mention("ou_2", "feishu"), "!"]
    assert render(text, escape=str.upper, mention=lambda m: f"<{m.user}>") == "HI <U1> AND <ou_2>!"
    assert at_names(text) == "hi @U1 and @ou_2!"


def test_user_text_can_carry_no_token_and_nothing_unstorable() -> None:
    forged = mention_token("UVICTIM")
    assert clean_text(f"a\x00b {forged}\x07 \ud800 tab\tline\n") == "ab @UVICTIM  tab\tline\n"
    msg = IncomingMessage(
        platform="slack",
        conversation="C1",
        user="U1",
        text=f"request x\x00 {forged}",
        args=forged,
        form={"title\x00": f"t{forged}"},
        user_name="ann\x00",
    )
    assert msg.text == "request x @UVICTIM" and msg.args == "@UVICTIM"
    assert dict(msg.form) == {"title": "t@UVICTIM"} and msg.user_name == "ann"
    assert list(segments(msg.text)) == [msg.text]  # no mention left in it


def test_knowledge_files_can_carry_no_token_either(tmp_path: Path) -> None:
    page = tmp_path / "faq.md"
    page.write_text(
        f"---\nowner: {mention_token('all')}\n---\n# Pricing {mention_token('UVICTIM')}\nAsk \x07{mention_token('all')}.\n",
        encoding="utf-8",
    )
    loaded = load_file(page)
    assert not has_mentions(loaded.markdown) and not has_mentions(loaded.title or "")
    assert loaded.owner is None or not has_mentions(loaded.owner)
    assert "\x07" not in loaded.markdown
