"""Optional dense retrieval: sections embedded through `bot.llm.LLM` (the real openai client against the
fake OpenAI-compatible server on loopback), stored as bytes, fused with BM25 by reciprocal rank fusion."""

from pathlib import Path

from sqlmodel import select

from bot.database import Database
from bot.llm import LLM
from bot.models.knowledge import KnowledgeEmbedding
from knowledge.base import KnowledgeBase
from knowledge.ingest import ingest_paths
from tests.fakes.harness import make_settings
from tests.fakes.openai_api import serve_openai
from tests.knowledge.kb_helpers import write_corpus


def test_sections_are_embedded_and_fused_with_bm25(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'dense.db'}"
    db = Database(url)
    db.create_all()
    with serve_openai() as fake:
        settings = make_settings(
            url, OPENAI_BASE_URL=fake.base_url, OPENAI_API_KEY="sk-test", OPENAI_EMBEDDING_MODEL="fake-embed"
        )
        llm = LLM.from_settings(settings)
        assert llm is not None and llm.can_embed
        kb = KnowledgeBase(db=db, settings=settings, llm=llm, version_check_seconds=0.0)
        report = ingest_paths(kb, [write_corpus(tmp_path / "docs")])
        assert report.embedded == report.chunks > 0
        with db.session() as session:
            vectors = session.exec(select(KnowledgeEmbedding)).all()
        assert len(vectors) == report.chunks and all(v.model == "fake-embed" for v in vectors)

        # A misspelt question shares no term with the documents: BM25 finds nothing, the vectors do.
        result = kb.search("encrpytion at rset AES256", k=3)
        assert result.hits and result.hits[0].section.heading == "Does it support encryption at rest?"

        # Lexical matches still lead when they exist; re-ingesting embeds nothing new.
        assert kb.search("SATA disks").hits[0].section.heading == "Can I deploy on SATA disks?"
        assert ingest_paths(kb, [tmp_path / "docs"]).embedded == 0
        kb.add_document(path="faq:1", title="Helm chart", text="The operator ships a Helm chart.")
        with db.session() as session:
            assert len(session.exec(select(KnowledgeEmbedding)).all()) == report.chunks + 1
