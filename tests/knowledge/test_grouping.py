"""`knowledge.grouping.group_by_meaning`: rewordings share a group, a swapped name does not, and with an
embedding model paraphrases that share few words join too."""

from __future__ import annotations

from bot.database import Database
from knowledge.grouping import group_by_meaning
from tests.handlers.requests.fake_embedder import FakeEmbedder


def test_rewordings_group_and_swapped_names_do_not() -> None:
    texts = [
        "Can customers pay their invoices with PayPal?",
        "Does LumenCRM run on IBM mainframes?",
        "Can customers pay invoices with PayPal?",
        "can customers pay their invoices with paypal",
        "Can customers pay their invoices with Alipay?",
        "客户可以用支付宝付款吗？",
        "客户能用支付宝付款吗",
    ]
    assert group_by_meaning(texts) == [0, 1, 0, 0, 2, 3, 3]


def test_an_embedding_model_joins_paraphrases(sqlite_url: str) -> None:
    db = Database(sqlite_url)
    texts = ["How do I set up Okta SSO?", "Okta sign-in configuration steps", "What does Growth cost?"]
    try:
        assert group_by_meaning(texts) == [0, 1, 2]  # few shared words: apart without a model
        with db.session() as session:
            assert group_by_meaning(texts, embedder=FakeEmbedder(), session=session) == [0, 0, 1]
        others = ["Where do I configure Okta SSO?", "Okta sign-in setup guide"]  # not embedded yet
        with db.session() as session:  # a failing model leaves the lexical grouping
            assert group_by_meaning(others, embedder=FakeEmbedder(broken=True), session=session) == [0, 1]
    finally:
        db.dispose()
