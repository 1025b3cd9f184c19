"""What a handler or a job receives: the core (`bot.context.Core`) plus the capabilities' long-lived
objects — the knowledge base and the LLM client. Built once, in the composition root (`salesbridge/app.py`).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.context import Core
from bot.llm import LLM
from knowledge.base import KnowledgeBase


@dataclass
class Services(Core):
    knowledge: KnowledgeBase  # search / add_document; the index loads lazily on first search
    llm: LLM | None = None  # None: no model configured, answers are extractive
