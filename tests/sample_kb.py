"""The sample knowledge base (`samples/knowledge/`, LumenCRM) ingested once into a SQLite file that tests copy
instead of re-ingesting; `tests/conftest.py` offers it as the `sample_database` and `kb_bot` fixtures."""

from __future__ import annotations

import shutil
from pathlib import Path

from knowledge.ingest import ingest_paths
from knowledge.vectors import embed_pending_sections
from tests.database_templates import migrated_sqlite
from tests.fakes.harness import Harness

SAMPLES = Path(__file__).resolve().parents[1] / "samples" / "knowledge"


def build_sample_database(folder: Path, *, embedded: bool = False) -> Path:
    """The sample knowledge base ingested into a SQLite file (tests copy it instead of re-ingesting), its
    sections embedded with the bundled model when `embedded`."""
    path = folder / "samples.db"
    harness = Harness.create(
        migrated_sqlite(path), migrate=False, SALESBRIDGE_EMBEDDINGS="bundled" if embedded else "none"
    )
    knowledge = harness.services.knowledge
    report = ingest_paths(knowledge, [SAMPLES])
    assert report.added == 14, report.summary()
    if embedded:
        assert knowledge.embedder is not None
        assert embed_pending_sections(db=knowledge.db, embedder=knowledge.embedder) == report.chunks
    harness.close()
    return path


def copy_database(source: Path, folder: Path) -> str:
    """A copy of the database file `source` (with its WAL) in `folder`, as a URL."""
    for suffix in ("", "-wal", "-shm"):
        if Path(f"{source}{suffix}").exists():
            shutil.copy(f"{source}{suffix}", folder / f"test.db{suffix}")
    return f"sqlite:///{folder / 'test.db'}"
