"""The demo's knowledge base: `salesbridge demo` ingests `samples/knowledge/` (a fictional CRM, English and
Chinese) into the demo database before opening the console chat. Unchanged files are skipped, so starting
the demo again is quick and keeps what PMs added in chat."""

from __future__ import annotations

import time
from pathlib import Path

from bot.database import describe_url
from knowledge.configured import open_knowledge_base
from knowledge.ingest import ingest_paths
from knowledge.store import count_sections
from knowledge.vectors import embed_pending_sections

SAMPLES = Path(__file__).resolve().parent.parent / "samples" / "knowledge"

TRY_THESE = (
    "Try / 试试:  Do we support HIPAA?  ·  @bot Is LumenCRM Classic still sold?  ·  企业版有几个沙箱？\n"
    "             ask How many API calls per day on Growth?  ·  客户问能不能用支付宝付款？ (escalates to #product-team)\n"
    "             answer 1 <text> (you are admin)  ·  kb gaps  ·  help"
)


def prepare_demo_knowledge(samples: Path = SAMPLES) -> str:
    """Ingest the sample knowledge base into the configured database; returns a one-line summary."""
    if not samples.is_dir():
        return f"sample knowledge base not found at {samples}; the bot starts with an empty knowledge base"
    kb = open_knowledge_base()
    report = ingest_paths(kb, [samples])
    with kb.db.session() as session:
        sections = count_sections(session=session)
    where = describe_url(kb.db.url)
    semantic = f"semantic retrieval: {kb.embedding_status.describe()}"
    # a few seconds the first time: the demo answers by meaning from its first question
    if kb.embedder is not None:
        started = time.perf_counter()
        embedded = embed_pending_sections(db=kb.db, embedder=kb.embedder)
        if embedded:
            semantic += f" ({embedded} passages embedded in {time.perf_counter() - started:.0f} s)"
    kb.db.dispose()
    return f"knowledge base in {where}, {sections} sections — {report.summary()}\n{semantic}"
