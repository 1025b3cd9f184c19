"""`salesbridge kb …`: ingest, list, remove, search, embed, evaluate and calibrate the knowledge base from a
terminal; `kb ask` and `kb gaps` live in `kb_answers.py`, the question files of `kb eval` and `kb calibrate`
in `kb_questions.py`, the helpers they share in `kb_shared.py`.

Project modules are imported at the top; only `rich.progress` (drawn on a terminal only) waits for its command.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import typer

from bot.database import describe_url
from bot.errors import UserFacingError
from knowledge.base import KnowledgeBase, section_json
from knowledge.calibration import calibrate as fit_decision
from knowledge.configured import open_knowledge_base
from knowledge.evaluation import bot_answers, format_report
from knowledge.evaluation import evaluate as evaluate_questions
from knowledge.evaluation import report as evaluation_report
from knowledge.ingest import ingest_paths
from knowledge.store import count_sections
from knowledge.store import list_documents as stored_documents
from knowledge.types import SearchResult
from knowledge.vectors import EmbeddingProgress, embed_pending_sections, embedding_progress
from salesbridge.cli.kb_answers import register as register_answer_commands
from salesbridge.cli.kb_questions import questions_and_knowledge_base
from salesbridge.cli.kb_shared import empty_knowledge_base, require_documents
from salesbridge.cli.usage_errors import fail

__all__ = ["empty_knowledge_base", "kb_app", "open_knowledge_base", "require_documents"]

kb_app = typer.Typer(
    help="Knowledge base: ingest documents, search, evaluate. 知识库：导入文档、检索、评测。",
    no_args_is_help=True,
)
register_answer_commands(kb_app)  # `kb ask`, `kb gaps` (salesbridge/cli/kb_answers.py)


@kb_app.command("ingest")
def ingest(
    paths: list[Path] = typer.Argument(None, help="Files or folders (recursively). 文件或文件夹。"),
    prune: bool = typer.Option(
        False, "--prune", help="Remove documents whose files are gone. 删除已不存在的文件。"
    ),
) -> None:
    """Import Markdown/MDX, reStructuredText, AsciiDoc, text, HTML, PDF and DOCX files; unchanged files are
    skipped. 导入文档。"""
    if not paths:
        raise fail(
            "Usage: salesbridge kb ingest PATH... [--prune]  (give at least one file or folder)",
            "用法：salesbridge kb ingest 路径... [--prune]（至少给出一个文件或文件夹）",
        )
    _refuse_unusable_paths(paths)
    kb = open_knowledge_base()
    if sys.stderr.isatty():
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        with Progress(
            TextColumn("ingesting"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.description}", style="dim"),
            transient=True,
        ) as bar:
            task = bar.add_task("", total=None)
            report = ingest_paths(
                kb,
                paths,
                prune=prune,
                on_total=lambda total: bar.update(task, total=total),
                progress=lambda label: bar.update(task, advance=1, description=label[-60:]),
            )
    else:
        report = ingest_paths(kb, paths, prune=prune)
    typer.echo(report.summary())
    progress = _embedding_progress(kb)
    if progress is not None and progress.embedded < progress.total:
        waiting = progress.total - progress.embedded
        typer.echo(
            f"Answering now from the lexical index; {waiting} passages of sections wait for their semantic vectors — "
            "a running `salesbridge serve` computes them in the background, or run `salesbridge kb embed`.\n"
            f"已可用词法索引回答；{waiting} 个段落片段等待计算语义向量——运行中的 serve 会在后台完成，或运行 `salesbridge kb embed`。"
        )
    if report.files == 0 and report.skipped:
        raise typer.Exit(1)


def _refuse_unusable_paths(paths: list[Path]) -> None:
    """A path given that does not exist (a typo), or is no file nor folder (a device, a pipe), is the
    caller's mistake, not a file to skip: a usage exit, and nothing is ingested (nor pruned). Unreadable
    or broken files inside a folder are still reported by the ingest as skipped."""
    given = [(str(path), path.expanduser()) for path in paths]
    missing = [name for name, path in given if not path.exists()]
    special = [name for name, path in given if path.exists() and not (path.is_file() or path.is_dir())]
    if not (missing or special):
        return
    en = [f"No such file or folder: {', '.join(missing)}."] if missing else []
    zh = [f"文件或文件夹不存在：{'、'.join(missing)}。"] if missing else []
    en += [f"Not a file or folder: {', '.join(special)}."] if special else []
    zh += [f"不是文件或文件夹：{'、'.join(special)}。"] if special else []
    raise fail(
        " ".join(en) + " Nothing was ingested. Usage: salesbridge kb ingest PATH... [--prune]",
        "".join(zh) + "未导入任何文档。用法：salesbridge kb ingest 路径... [--prune]",
    )


@kb_app.command("embed")
def embed(
    threads: int = typer.Option(
        0, "--threads", min=0, max=64, help="Model threads (0: every core). 模型线程数（0 表示全部核心）。"
    ),
) -> None:
    """Embed every section that has no vector yet (resumable; `serve` also does it in the background).
    为尚无向量的段落计算语义向量（可中断续跑；serve 也会在后台完成）。"""
    kb = open_knowledge_base(embedding_threads=threads or os.cpu_count() or 1)
    if kb.embedder is None:
        raise fail(
            f"Semantic retrieval is off ({kb.embedding_status.describe()}): nothing to embed.",
            f"语义检索未启用（{kb.embedding_status.describe()}），无需计算向量。",
        )
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(
        TextColumn(f"embedding ({kb.embedder.name})"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        disable=not sys.stderr.isatty(),
        transient=True,
    ) as bar:
        task = bar.add_task("", total=None)
        count = embed_pending_sections(
            db=kb.db,
            embedder=kb.embedder,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )
    typer.echo(f"Embedded {count} passages. 已计算 {count} 个段落片段的向量。")


@kb_app.command("list")
def list_documents(
    as_json: bool = typer.Option(False, "--json", help="One JSON object per document. 以 JSON 输出。"),
) -> None:
    """List documents with their language, product, update date and section count. 列出文档。"""
    kb = open_knowledge_base()
    documents = kb.documents()
    if not documents:
        en, zh = empty_knowledge_base(kb.db.url)
        typer.echo(f"{en}\n{zh}", err=as_json)
        return
    if as_json:
        for doc in documents:
            typer.echo(
                json.dumps(
                    {
                        "path": doc.path,
                        "title": doc.title,
                        "language": doc.language,
                        "product": doc.product,
                        "owner": doc.owner,
                        "updated": doc.updated.isoformat() if doc.updated else None,
                        "kind": doc.kind,
                        "sections": doc.sections,
                    },
                    ensure_ascii=False,
                )
            )
        return
    for doc in documents:
        updated = doc.updated.isoformat() if doc.updated else "-"
        typer.echo(
            f"{doc.path}  [{doc.language}] {doc.title}  · {doc.sections} sections · {updated}"
            + (f" · {doc.product}" if doc.product else "")
            + (f" · {doc.owner}" if doc.owner else "")
        )
    typer.echo(f"{len(documents)} documents, {sum(d.sections for d in documents)} sections")


@kb_app.command("remove")
def remove(path: str = typer.Argument("", help="Document path as shown by `kb list`. 文档路径。")) -> None:
    """Remove one document and its sections. 删除一个文档。"""
    if not path.strip():
        raise fail(
            "Usage: salesbridge kb remove PATH  (as shown by `kb list`)",
            "用法：salesbridge kb remove 路径（见 `kb list`）",
        )
    kb = open_knowledge_base()
    if not kb.remove_document(path=path.strip()):
        raise fail(
            f"No document with path {path!r} (see `salesbridge kb list`).",
            f"没有路径为 {path!r} 的文档（见 `salesbridge kb list`）。",
        )
    typer.echo(f"removed {path}")


@kb_app.command("search")
def search(
    query: str = typer.Argument(
        "", help="The question; none: one query per stdin line. 问题；留空则逐行读取标准输入。"
    ),
    k: int = typer.Option(5, "--k", min=1, max=100, help="How many sections. 返回条数。"),
    as_json: bool = typer.Option(False, "--json", help="JSON output. 以 JSON 输出。"),
    language: str = typer.Option("", "--lang", help="Preferred language (en/zh). 优先语言。"),
    product: str = typer.Option("", "--product", help="Only this product's documents. 仅检索该产品。"),
) -> None:
    """Ranked sections for a question (or for each stdin line, as JSON lines). 检索相关章节。"""
    kb = open_knowledge_base()
    require_documents(kb)
    options = {"k": k, "language": language or None, "product": product or None}
    if query.strip():
        result = kb.search(query, **options)  # type: ignore[arg-type]
        if as_json:
            typer.echo(json.dumps(_result_json(result), ensure_ascii=False))
            return
        if not result.hits:
            typer.echo("No matching sections. 没有找到相关章节。")
            return
        verdict = "answerable" if result.answerable else "weak evidence: the bot would escalate"
        typer.echo(f"confidence {result.confidence:.2f} ({verdict})")
        for hit in result.hits:
            trail = (
                " › ".join(h for h in (*hit.section.headings, hit.section.heading) if h) or hit.section.title
            )
            snippet = " ".join(hit.section.text.split())[:160]
            typer.echo(f"{hit.rank}. {hit.score:6.2f}  {hit.section.path} — {trail}\n     {snippet}")
        return
    if sys.stdin.isatty():
        raise fail(
            "Usage: salesbridge kb search QUERY [--k 5] [--json]  (or pipe one query per line)",
            "用法：salesbridge kb search 问题 [--k 5] [--json]（或通过管道每行输入一个问题）",
        )
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        result = kb.search(line, **options)  # type: ignore[arg-type]
        typer.echo(json.dumps(_result_json(result), ensure_ascii=False))
        sys.stdout.flush()


def _result_json(result: SearchResult) -> dict[str, object]:
    return {
        "query": result.query,
        "results": [section_json(hit.section, score=hit.score) for hit in result.hits],
        "confidence": result.confidence,
        "answerable": result.answerable,
    }


@kb_app.command("eval")
def evaluate(
    questions: Path = typer.Argument(None, help="Questions, JSON lines. 问题文件（JSON lines）。"),
    k: int = typer.Option(5, "--k", min=1, max=100, help="Cut-off. 截断位置。"),
    as_json: bool = typer.Option(False, "--json", help="Print the metrics as JSON. 以 JSON 输出。"),
) -> None:
    """Recall@1/3/5, MRR, abstention and latency on a question set. 评测检索质量。

    Answered / declined are as the bot answers (extractively): a confident answer, or not. 回答率与拒答率按
    机器人实际的（抽取式）回答计算。

    QUESTIONS.jsonl: one JSON object a line, {"question": "…", "expected": [{"path": "pricing.md", "heading":
    "SSO"}]} or {"question": "…", "type": "unanswerable"}."""
    items, kb = questions_and_knowledge_base(
        questions,
        usage=(
            "Usage: salesbridge kb eval QUESTIONS.jsonl [--k 5] [--json]",
            "用法：salesbridge kb eval 问题.jsonl [--k 5] [--json]",
        ),
    )
    progress = _embedding_progress(kb)
    if progress is not None and progress.share < 1:
        typer.echo(
            f"Note: semantic vectors cover {progress.embedded} of {progress.total} passages ({progress.share:.0%}); "
            "these figures are for a partly embedded knowledge base — run `salesbridge kb embed` first for the "
            "full hybrid figures.\n"
            f"注意：语义向量仅覆盖 {progress.total} 个段落片段中的 {progress.embedded} 个（{progress.share:.0%}），"
            "以下结果基于部分向量化的知识库——请先运行 `salesbridge kb embed`。",
            err=True,
        )
    outcomes = evaluate_questions(
        items,
        lambda q: kb.search(q, k=k),
        k=k,
        answers=bot_answers(kb, k=k),
    )
    data = evaluation_report(outcomes, k=k)
    if progress is not None:
        data["embedded"] = {"done": progress.embedded, "of": progress.total}
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2) if as_json else format_report(data))


@kb_app.command("status")
def status(as_json: bool = typer.Option(False, "--json", help="Print as JSON. 以 JSON 输出。")) -> None:
    """Documents, sections, share embedded, model and answer decision. 知识库状态：文档、段落、向量进度、模型。"""
    kb = open_knowledge_base()
    with kb.db.session() as session:
        documents = stored_documents(session=session)
        sections = count_sections(session=session)
    progress = _embedding_progress(kb)
    decision = kb.decision()
    data = {
        "database": describe_url(kb.db.url),
        "documents": len(documents),
        "sections": sections,
        "semantic_retrieval": kb.embedding_status.describe(),
        "embedded": None if progress is None else {"done": progress.embedded, "of": progress.total},
        "decision": decision.source,
    }
    if as_json:
        typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    typer.echo(f"database / 数据库: {data['database']}")
    typer.echo(f"documents / 文档: {len(documents)}  sections / 段落: {sections}")
    typer.echo(f"semantic retrieval / 语义检索: {data['semantic_retrieval']}")
    if progress is not None:
        typer.echo(
            f"embedded / 已向量化: {progress.embedded}/{progress.total} passages ({progress.share:.0%})"
            + (
                ""
                if progress.share == 1
                else " — `salesbridge kb embed` or a running `serve` completes it / 运行 `salesbridge kb embed` "
                "或 `serve` 即可补全"
            )
        )
    typer.echo(f"answer decision / 回答判断: {decision.source}")
    if not documents:
        typer.echo(
            "The knowledge base is empty — run `salesbridge kb ingest PATH`.\n知识库为空——请先运行 `salesbridge kb ingest 路径`。"
        )


@kb_app.command("calibrate")
def calibrate(
    questions: Path = typer.Argument(
        None, help="Questions with expected sections, JSON lines. 标注问题文件。"
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="Fit and report, store nothing. 只评估不保存。"),
    strict: bool = typer.Option(
        False,
        "--strict",
        help="Questions the search misses count as 'do not answer': fewer answers, fewer wrong ones. "
        "搜索未命中的问题也计为“不应回答”：回答更少，错答也更少。",
    ),
) -> None:
    """Fit the answer / not sure / don't know decision to this knowledge base (needs answerable and
    unanswerable questions, as for `kb eval`). 用标注问题校准"回答 / 不确定 / 不知道"的判断。"""
    items, kb = questions_and_knowledge_base(
        questions,
        usage=(
            "Usage: salesbridge kb calibrate QUESTIONS.jsonl [--dry-run] [--strict]  (the `kb eval` format, with some "
            '"type": "unanswerable" questions)',
            "用法：salesbridge kb calibrate 问题.jsonl [--dry-run] [--strict]（与 `kb eval` 相同的格式，需包含 unanswerable 问题）",
        ),
    )
    progress = _embedding_progress(kb)
    if progress is not None and progress.share < 1:
        # a decision fitted while most sections have no vector yet would misjudge every answer after
        raise fail(
            f"Cannot calibrate yet: semantic vectors cover {progress.embedded} of {progress.total} passages "
            f"({progress.share:.0%}). Run `salesbridge kb embed` first, then calibrate.",
            f"暂时无法校准：语义向量仅覆盖 {progress.total} 个段落片段中的 {progress.embedded} 个（{progress.share:.0%}）。"
            "请先运行 `salesbridge kb embed`，再进行校准。",
        )
    try:
        report = fit_decision(kb, items, save=not dry_run, strict=strict)
    except UserFacingError as exc:
        raise fail(f"Cannot calibrate: {exc.en}.", f"无法校准：{exc.zh}。") from exc
    typer.echo(
        f"Fitted on {report.examples} questions: answered {report.answered:.0%} of answerable, "
        f"declined {report.declined:.0%} of unanswerable (threshold {report.model.threshold:.2f}, "
        f"not-sure band from {report.model.weak_threshold:.2f})."
    )
    typer.echo(json.dumps(dict(report.model.weights), ensure_ascii=False))
    typer.echo(
        "Not saved (--dry-run). 未保存。" if dry_run else "Saved: every process uses it from now on. 已保存。"
    )


def _embedding_progress(kb: KnowledgeBase) -> EmbeddingProgress | None:
    """How many of the knowledge base's passages have a vector of its model (None: semantic retrieval off)."""
    if kb.embedder is None:
        return None
    with kb.db.session() as session:
        return embedding_progress(session=session, model=kb.embedder.name)
