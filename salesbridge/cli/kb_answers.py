"""`salesbridge kb ask` and `salesbridge kb gaps`: the chat answers and the PMs' gap list, from a terminal.

Registered on the `kb` command group by `salesbridge/cli/kb.py`; the helpers both share are in `kb_shared.py`.
"""

from __future__ import annotations

import json
import sys
from datetime import timedelta

import typer

from bot.clock import Clock
from bot.config import Settings
from bot.database import Database
from bot.llm import LLM
from knowledge.answer import Answer, answer_question
from knowledge.configured import open_knowledge_base
from knowledge.memory import PmMemory
from salesbridge.cli.kb_shared import require_documents
from services.questions.escalation import knowledge_gaps


def register(kb_app: typer.Typer) -> None:
    kb_app.command("ask")(ask)
    kb_app.command("gaps")(gaps)


def ask(
    question: str = typer.Argument(
        "", help="The question; none: one per stdin line (JSON lines). 问题；留空则逐行读取标准输入。"
    ),
    as_json: bool = typer.Option(False, "--json", help="JSON output. 以 JSON 输出。"),
    k: int = typer.Option(5, "--k", min=1, max=50, help="Sections retrieved. 检索条数。"),
) -> None:
    """Answer a question the way the bot would, with citations. 像机器人一样回答问题，并附来源。"""
    if not question.strip() and sys.stdin.isatty():
        typer.echo(
            "Usage: salesbridge kb ask QUESTION [--json] [--k 5]  (or pipe one question per line)\n"
            "用法：salesbridge kb ask 问题 [--json] [--k 5]（或通过管道每行输入一个问题）",
            err=True,
        )
        raise typer.Exit(2)
    settings = Settings()
    kb = open_knowledge_base()
    require_documents(kb)
    llm = LLM.from_settings(settings)
    today = Clock().now().astimezone(settings.tz).date()
    memory = PmMemory(knowledge=kb) if kb.embedder is not None else None

    def run(text: str) -> Answer:
        return answer_question(
            question=text,
            knowledge=kb,
            llm=llm,
            today=today,
            stale_days=settings.kb_stale_days,
            k=k,
            memory=memory,
        )

    if question.strip():
        answer = run(question.strip())
        typer.echo(json.dumps(answer.as_json(), ensure_ascii=False) if as_json else format_answer(answer))
        return
    for line in sys.stdin:
        line = line.strip()
        if line:
            typer.echo(json.dumps(run(line).as_json(), ensure_ascii=False))
            sys.stdout.flush()


def format_answer(answer: Answer) -> str:
    lines = [answer.text]
    if answer.support == "weak":
        lines.append("(The bot would offer an Ask a PM button. 机器人会提供“转给产品经理”按钮。)")
    elif not answer.answered:
        lines.append(
            "(The bot would escalate this question to the PM channels. 机器人会把这个问题转给产品经理。)"
        )
    for source in answer.sources:
        trail = " › ".join(h for h in (*source.headings, source.heading) if h and h != source.title)
        updated = f", updated {source.updated.isoformat()}" if source.updated else ""
        stale = " ⚠ stale" if source.stale else ""
        lines.append(
            f"[{source.index}] {source.title}{' › ' + trail if trail else ''} — {source.path}"
            f" (score {source.score:.2f}{updated}){stale}"
        )
    lines.extend(answer.notes)
    lines.append(f"confidence {answer.confidence:.2f} · {answer.method}")
    return "\n".join(lines)


def gaps(
    days: int = typer.Option(
        0, "--days", min=0, help="Only questions of the last N days (0: all). 仅最近 N 天。"
    ),
    limit: int = typer.Option(20, "--limit", min=1, max=500, help="How many. 条数。"),
    as_json: bool = typer.Option(False, "--json", help="JSON output. 以 JSON 输出。"),
) -> None:
    """Unanswered and down-voted questions, most frequent first. 未解答和被点踩的问题，按频次排序。"""
    settings = Settings()
    db = Database(settings.database_url)
    db.upgrade()
    since = Clock().now() - timedelta(days=days) if days else None
    with db.session() as session:
        found = knowledge_gaps(session=session, since=since, limit=limit)
    if as_json:
        rows = [
            {
                "question": g.question,
                "asked": g.asked,
                "unanswered": g.unanswered,
                "down_votes": g.down_votes,
                "up_votes": g.up_votes,
                "last_asked": g.last_asked.isoformat(),
                "escalation_id": g.escalation_id,
                "escalation_status": g.escalation_status,
                "reason": g.reason,
            }
            for g in found
        ]
        typer.echo(json.dumps(rows, ensure_ascii=False))
        return
    if not found:
        typer.echo("No unanswered or down-voted questions. 没有未解答或被点踩的问题。")
        return
    for g in found:
        status = (
            f"escalation #{g.escalation_id} {g.escalation_status}"
            if g.escalation_id
            else ("unanswered" if g.unanswered else "")
        )
        votes = f"👎 {g.down_votes} · 👍 {g.up_votes}" if g.down_votes or g.up_votes else ""
        details = ", ".join(part for part in (status, votes) if part)
        typer.echo(f"{g.asked:>4}×  {g.question}  ({details}; last {g.last_asked:%Y-%m-%d})")
