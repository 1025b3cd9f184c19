"""Language detection and bilingual text. SalesBridge answers in the asker's language (zh or en)."""

from __future__ import annotations

import re
from datetime import date
from typing import Literal

Language = Literal["en", "zh"]

CJK_RANGES = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # the one definition of "a Chinese character"
_CJK = re.compile(f"[{CJK_RANGES}]")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


def detect_language(text: str) -> Language:
    """Chinese when CJK characters carry a meaningful share of the text, English otherwise.

    Product names are usually Latin even in Chinese questions ("TiDB 支持 JSON 吗"), so a few CJK
    characters are enough: we compare CJK characters with Latin *words*.
    """
    cjk = len(_CJK.findall(text))
    if cjk == 0:
        return "en"
    latin_words = len(_LATIN_WORD.findall(text))
    return "zh" if cjk >= 2 or cjk >= latin_words else "en"


def pick(lang: str, en: str, zh: str) -> str:
    """The text in the user's language."""
    return zh if lang == "zh" else en


def both(en: str, zh: str) -> str:
    """Both languages, for messages that must be understood by anyone (usage errors, notices)."""
    return f"{en}\n{zh}"


WEEKDAYS_ZH = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
WEEKDAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def weekday(lang: str, day: date) -> str:
    """The short weekday name in the reader's language ("Fri" / "周五"), independent of the locale."""
    return (WEEKDAYS_ZH if lang == "zh" else WEEKDAYS_EN)[day.weekday()]
