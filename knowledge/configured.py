"""`open_knowledge_base()`: the knowledge base of the configured database (`Settings()` from the environment),
migrated first, with the configured chat model and embedder — what `salesbridge kb …` and the demo open."""

from __future__ import annotations

from bot.config import Settings
from bot.database import Database
from bot.llm import LLM
from knowledge.base import KnowledgeBase
from knowledge.embedding import open_embedder


def open_knowledge_base(*, embedding_threads: int | None = None) -> KnowledgeBase:
    """The knowledge base of the configured database (migrated first); `embedding_threads` overrides the
    model's thread count (`kb embed --threads`)."""
    settings = Settings()
    if embedding_threads:
        settings = settings.model_copy(update={"embedding_threads": embedding_threads})
    db = Database(settings.database_url)
    db.upgrade()
    llm = LLM.from_settings(settings)
    embedder, status = open_embedder(settings, llm)
    return KnowledgeBase(db=db, settings=settings, llm=llm, embedder=embedder, embedding_status=status)
