"""Duplicate detection over the token index, across languages and platforms."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import select

from bot.messages import Reply
from bot.models.knowledge import KnowledgeVector
from handlers.requests.parse import parse_request_text
from knowledge.embedding import bundled_unavailable_reason
from services.requests.duplicates import similar_open_requests, text_tokens
from services.requests.workflow import change_status, create_request
from tests.fakes.harness import Harness
from tests.handlers.requests.fake_embedder import FakeEmbedder


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


def test_embeddings_find_paraphrases_that_tokens_miss(bot: Harness) -> None:
    sso = _log(bot, "SAML SSO login for the admin console with Okta and Azure AD groups")
    _log(bot, "Dark mode for the admin console")
    text = "Okta sign-in for admin users"
    assert _similar(bot, text) == []  # too little token overlap on its own
    embedder = FakeEmbedder()
    with bot.services.db.session() as session:
        found = similar_open_requests(session=session, text=text, embedder=embedder)
    assert [m.request.id for m in found] == [sso]
    assert found[0].similarity >= 0.88
    assert embedder.calls and embedder.calls[0][0] == text
    with bot.services.db.session() as session:  # every text is embedded once: vectors are stored
        similar_open_requests(session=session, text=text, embedder=embedder)
    assert len(embedder.calls) == 1


def test_a_failing_embedding_call_falls_back_to_tokens(bot: Harness) -> None:
    sso = _log(bot, "SAML SSO login")
    broken = FakeEmbedder(broken=True)
    with bot.services.db.session() as session:
        found = similar_open_requests(session=session, text="支持 SAML SSO 登录", embedder=broken)
        assert [m.request.id for m in found] == [sso]
        assert (
            similar_open_requests(session=session, text="Okta sign-in for admin users", embedder=broken) == []
        )


@pytest.mark.skipif(bundled_unavailable_reason() is not None, reason="bundled model unavailable")
def test_bundled_model_finds_duplicates_across_languages_and_keeps_swapped_names_apart(
    database_url: str,
) -> None:
    bot = Harness.create(database_url, migrate=False, SALESBRIDGE_EMBEDDINGS="bundled")
    try:
        saml = _say_request(bot, "SAML single sign-on with Okta customer:Acme")
        assert saml.buttons == [] or "#" not in saml.buttons[0].label  # the first request has no duplicate
        wecom = _say_request(bot, "approvals inside WeCom customer:Globex", user="U2")
        slack = _say_request(bot, "Slack integration customer:Initech", user="U3")
        assert (wecom.title or "").endswith("#2") and (slack.title or "").endswith("#3")

        okta = _say_request(bot, "SSO login via Okta customer:Umbrella", user="U4")
        assert okta.buttons and "#1" in okta.buttons[0].label  # offered as a duplicate of #1
        chinese = _say_request(bot, "支持企业微信审批流 客户:某某银行", platform="feishu", user="ou_1")
        assert chinese.buttons and "#2" in chinese.buttons[0].label
        teams = _say_request(bot, "Teams integration customer:Hooli", user="U5")
        assert not any("#3" in b.label for b in teams.buttons)  # cosine 0.93, but Teams is not Slack

        found = bot.say("requests search 单点登录")[0].text
        assert "#1" in found and "#3" not in found
        with bot.services.db.session() as session:  # request vectors are stored with the model's name
            stored = session.exec(select(KnowledgeVector.model)).all()
        embedder = bot.services.knowledge.embedder
        assert embedder is not None and stored and set(stored) == {embedder.name}
    finally:
        bot.close()


def _say_request(bot: Harness, text: str, **kwargs: Any) -> Reply:
    [reply] = bot.say(f"request {text}", **kwargs)
    return reply
