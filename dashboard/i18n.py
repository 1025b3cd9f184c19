"""The dashboard's language: `?lang=en|zh` (remembered in a cookie), else the cookie, else Accept-Language.

Every label is written in both languages where it is used: `ctx.t("Requests", "需求")` in Python, `{{
t("Requests", "需求") }}` in templates (`bot.i18n.pick`, as the chat replies do).
"""

from __future__ import annotations

from starlette.requests import Request

from bot.i18n import Language

LANG_COOKIE = "sb_lang"
LANGUAGES: tuple[Language, ...] = ("en", "zh")


def _accepted(header: str) -> Language:
    """The en / zh with the highest q-value in an Accept-Language header (`zh-CN,zh;q=0.9,en;q=0.8` → zh);
    the first one on a tie; English when neither is there."""
    best_q, best = 0.0, "en"
    for part in header.split(",")[:20]:
        tag, _, params = part.strip().partition(";")
        q = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                q = float(params[2:])
            except ValueError:
                q = 0.0
        base = tag.strip().lower().split("-")[0]
        if base in LANGUAGES and q > best_q:
            best_q, best = q, base
    return "zh" if best == "zh" else "en"


def negotiate(request: Request) -> tuple[Language, bool]:
    """The page language, and whether it was chosen just now (`?lang=`) and should be remembered."""
    asked = request.query_params.get("lang", "").lower()
    if asked in LANGUAGES:
        return ("zh" if asked == "zh" else "en"), True
    remembered = request.cookies.get(LANG_COOKIE, "")
    if remembered in LANGUAGES:
        return ("zh" if remembered == "zh" else "en"), False
    return _accepted(request.headers.get("accept-language", "")), False
