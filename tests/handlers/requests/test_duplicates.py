"""Duplicate detection over the token index, across languages and platforms."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from handlers.requests.duplicates import similar_open_requests, text_tokens
from handlers.requests.parse import parse_request_text
from handlers.requests.service import change_status, create_request
from tests.fakes.harness import Harness


def _log(bot: Harness, text: str, *, platform: str = "slack", user: str = "U1") -> int:
    with bot.services.db.session() as session:
        created = create_request(
            session=session,
            data=parse_request_text(text),
            platform=platform,
            user=user,
            now=bot.services.now(),
        )
        assert created.request.id is not None
        return created.request.id


def _similar(bot: Harness, text: str) -> list[int]:
    with bot.services.db.session() as session:
        return [m.request.id or 0 for m in similar_open_requests(session=session, text=text)]


def test_tokens_agree_across_languages() -> None:
    assert set(text_tokens("支持 SAML SSO 登录")) == set(text_tokens("SAML SSO login"))
    assert set(text_tokens("导出报表")) == set(text_tokens("Export reports"))


def test_chinese_request_finds_the_english_one(bot: Harness) -> None:
    english = _log(bot, "SAML SSO login customer:Acme", platform="slack")
    _log(bot, "Dark mode for the mobile app")
    _log(bot, "Export invoices to PDF")
    assert _similar(bot, "支持 SAML SSO 登录") == [english]


def test_english_request_finds_the_chinese_one(bot: Harness) -> None:
    chinese = _log(bot, "管理后台导出报表到 Excel 客户:某某银行", platform="feishu", user="ou_1")
    assert _similar(bot, "Export reports to Excel from the admin console") == [chinese]


def test_unrelated_requests_are_not_offered(bot: Harness) -> None:
    _log(bot, "SAML SSO login")
    assert _similar(bot, "Dark mode for the mobile app") == []
    assert _similar(bot, "SSO for the mobile app with dark mode and offline sync and calendar") == []


def test_only_open_requests_are_compared(bot: Harness) -> None:
    shipped = _log(bot, "SAML SSO login")
    with bot.services.db.session() as session:
        change_status(
            session=session,
            request_id=shipped,
            status="shipped",
            release="3.2",
            actor_platform="slack",
            actor="UPM",
            now=bot.services.now(),
        )
    assert _similar(bot, "SAML SSO login please") == []


def test_text_without_product_terms_matches_nothing(bot: Harness) -> None:
    _log(bot, "SAML SSO login")
    assert _similar(bot, "please support this feature") == []
    assert _similar(bot, "😀😀") == []


def _fake_embedder(calls: list[list[str]]) -> Callable[[Sequence[str]], list[list[float]]]:
    """Texts about identity providers point one way, everything else another."""

    def embed(texts: Sequence[str]) -> list[list[float]]:
        calls.append(list(texts))
        return [[1.0, 0.05] if ("okta" in t.lower() or "sso" in t.lower()) else [0.0, 1.0] for t in texts]

    return embed


def test_embeddings_find_paraphrases_that_tokens_miss(bot: Harness) -> None:
    sso = _log(bot, "SAML SSO login for the admin console with Okta and Azure AD groups")
    _log(bot, "Dark mode for the admin console")
    text = "Okta sign-in for admin users"
    assert _similar(bot, text) == []  # too little token overlap on its own
    calls: list[list[str]] = []
    with bot.services.db.session() as session:
        found = similar_open_requests(session=session, text=text, embed=_fake_embedder(calls))
    assert [m.request.id for m in found] == [sso]
    assert found[0].similarity >= 0.85
    assert calls and calls[0][0] == text


def test_a_failing_embedding_call_falls_back_to_tokens(bot: Harness) -> None:
    sso = _log(bot, "SAML SSO login")

    def broken(texts: Sequence[str]) -> list[list[float]]:
        raise RuntimeError("endpoint down")

    with bot.services.db.session() as session:
        found = similar_open_requests(session=session, text="支持 SAML SSO 登录", embed=broken)
        assert [m.request.id for m in found] == [sso]
        assert similar_open_requests(session=session, text="Okta sign-in for admin users", embed=broken) == []
