"""What the `salesbridge kb …` commands share (`kb.py`, `kb_answers.py`): the "the knowledge base is empty"
message naming the database read and how to fill it."""

from __future__ import annotations

from bot.database import describe_url
from knowledge.base import KnowledgeBase
from knowledge.store import count_sections
from salesbridge.cli.usage_errors import fail


def empty_knowledge_base(database_url: str) -> tuple[str, str]:
    """What to say when a command finds no documents: which database it read, and how to fill it."""
    where = describe_url(database_url)
    return (
        f"The knowledge base in {where} is empty. Fill it with `salesbridge kb ingest PATH` "
        "(e.g. `salesbridge kb ingest samples/knowledge`), or set DATABASE_URL to the database that has "
        "your documents (`make demo` keeps its own in sqlite:///var/demo.db).",
        f"{where} 中的知识库为空。请用 `salesbridge kb ingest 路径` 导入文档（例如 "
        "`salesbridge kb ingest samples/knowledge`），或把 DATABASE_URL 设为存有文档的数据库"
        "（`make demo` 使用自己的 sqlite:///var/demo.db）。",
    )


def require_documents(kb: KnowledgeBase) -> None:
    """Stop a command that reads the knowledge base when it has no sections, naming the database."""
    with kb.db.session() as session:
        sections = count_sections(session=session)
    if sections == 0:
        raise fail(*empty_knowledge_base(kb.db.url))
