"""Dense retrieval through the OpenAI-compatible embeddings endpoint (the real openai client against the
fake server on loopback): vectors keyed by model and text hash, filled incrementally, fused with BM25."""

from pathlib import Path

from sqlmodel import select

from bot.config import Settings
from bot.database import Database
from bot.llm import LLM
from bot.models.knowledge import KnowledgeVector
from knowledge.base import KnowledgeBase
from knowledge.embedding import open_embedder
from knowledge.ingest import ingest_paths
from knowledge.vectors import embed_pending_sections, embedding_progress
from tests.database_templates import migrated_sqlite
from tests.fakes.harness import make_settings
from tests.fakes.openai_api import serve_openai
from tests.knowledge.kb_helpers import write_corpus


def fake_embedding_settings(url: str, base_url: str) -> Settings:
    """Settings that embed through the fake OpenAI server at `base_url`."""
    return make_settings(
        url,
        OPENAI_BASE_URL=base_url,
        OPENAI_API_KEY="sk-test",
        OPENAI_EMBEDDING_MODEL="fake-embed",
        SALESBRIDGE_EMBEDDINGS="openai",
    )


def test_sections_are_embedded_incrementally_and_fused_with_bm25(tmp_path: Path) -> None:
    url = migrated_sqlite(tmp_path / "dense.db")
    db = Database(url)
    with serve_openai() as fake:
        settings = fake_embedding_settings(url, fake.base_url)
        llm = LLM.from_settings(settings)
        embedder, status = open_embedder(settings, llm)
        assert embedder is not None and status.describe() == "openai: openai:fake-embed"
        kb = KnowledgeBase(db=db, settings=settings, llm=llm, embedder=embedder, version_check_seconds=0.0)
        report = ingest_paths(kb, [write_corpus(tmp_path / "docs")])
        with db.session() as session:
            before = embedding_progress(session=session, model=embedder.name)
        # ingest leaves embedding to the background: the lexical index answers at once
        assert before.embedded == 0 and before.total == report.chunks > 0
        assert kb.search("SATA disks").hits[0].section.heading == "Can I deploy on SATA disks?"

        assert embed_pending_sections(db=db, embedder=embedder) == report.chunks
        with db.session() as session:
            vectors = session.exec(select(KnowledgeVector)).all()
            assert embedding_progress(session=session, model=embedder.name).share == 1.0
        assert len(vectors) == report.chunks and all(v.model == "openai:fake-embed" for v in vectors)

        # A misspelt question shares no term with the documents: BM25 finds nothing, the vectors do.
        result = kb.search("encrpytion at rset AES256", k=3)
        assert result.hits and result.hits[0].section.heading == "Does it support encryption at rest?"

        # Lexical matches still lead when they exist; re-ingesting and re-embedding compute nothing new.
        assert kb.search("SATA disks").hits[0].section.heading == "Can I deploy on SATA disks?"
        ingest_paths(kb, [tmp_path / "docs"])
        assert embed_pending_sections(db=db, embedder=embedder) == 0
        # a document added from chat is embedded at once
        kb.add_document(path="faq:1", title="Helm chart", text="The operator ships a Helm chart.")
        with db.session() as session:
            assert len(session.exec(select(KnowledgeVector)).all()) == report.chunks + 1


def test_an_empty_knowledge_base_with_a_model_answers_without_sections(tmp_path: Path) -> None:
    # `salesbridge chat` before any `kb ingest`, with the model on: no vectors to look at, no crash
    url = migrated_sqlite(tmp_path / "empty.db")
    with serve_openai() as fake:
        settings = fake_embedding_settings(url, fake.base_url)
        llm = LLM.from_settings(settings)
        embedder, _status = open_embedder(settings, llm)
        kb = KnowledgeBase(db=Database(url), settings=settings, llm=llm, embedder=embedder)
        result = kb.search("Does it support SSO?")
        assert result.hits == [] and not result.answerable
