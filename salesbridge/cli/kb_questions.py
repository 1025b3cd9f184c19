"""The question files of `salesbridge kb eval` and `kb calibrate`: loaded, or refused with a bilingual
message that says what a line should be (used by `salesbridge/cli/kb.py`)."""

from __future__ import annotations

import errno
import re
from pathlib import Path

from knowledge.base import KnowledgeBase
from knowledge.configured import open_knowledge_base
from knowledge.evaluation import Question, QuestionFileError, load_questions
from salesbridge.cli.kb_shared import require_documents
from salesbridge.cli.usage_errors import fail


def questions_and_knowledge_base(
    questions: Path | None, *, usage: tuple[str, str]
) -> tuple[list[Question], KnowledgeBase]:
    """The question file's questions and a knowledge base with documents, or a bilingual usage exit."""
    if questions is None:
        raise fail(*usage)
    try:
        items = load_questions(questions)
    except QuestionFileError as exc:
        if isinstance(exc.__cause__, OSError):
            raise fail(str(exc), _question_file_error_zh(questions, exc)) from exc
        # a line that is not a question, or no questions: the English line is Python's complaint
        # ("string indices must be integers"), so both say what a line should be
        raise fail(
            f"{exc}. {QUESTION_FORMAT_EN}",
            _question_file_error_zh(questions, exc) + QUESTION_FORMAT_ZH,
        ) from exc
    except UnicodeDecodeError as exc:  # a binary file given by mistake
        raise fail(
            f"cannot read {questions}: not UTF-8 text (the questions are JSON lines)",
            f"无法读取问题文件 {questions}：不是 UTF-8 文本（问题文件应每行一个 JSON 对象）。",
        ) from exc
    kb = open_knowledge_base()
    require_documents(kb)
    return items, kb


QUESTION_FORMAT_EN = (
    'Each line is one JSON object: {"question": "Does it support SSO?", "expected": [{"path": "pricing.md", '
    '"heading": "SSO"}]} (path as `kb list` shows it; heading optional), or {"question": "…", "type": '
    '"unanswerable"}; optional "id" and "lang".'
)
QUESTION_FORMAT_ZH = (
    '每行一个 JSON 对象：{"question": "支持单点登录吗？", "expected": [{"path": "价格.md", "heading": "SSO"}]}'
    '（"path" 为文档路径，与列出文档时显示的一致；"heading" 可省略），或 {"question": "…", "type": "unanswerable"}；'
    '可选 "id" 和 "lang"。'
)

_OS_ERRORS_ZH = {
    errno.ENOENT: "文件不存在",
    errno.EACCES: "没有读取权限",
    errno.EISDIR: "这是一个文件夹，请给出问题文件",
}


def _question_file_error_zh(path: Path, exc: QuestionFileError) -> str:
    """The Chinese line for a question file `load_questions` refused (its message is the English line):
    unreadable (why), a line that is not a question object (which), or no questions at all."""
    cause = exc.__cause__
    if isinstance(cause, OSError):
        reason = _OS_ERRORS_ZH.get(cause.errno or 0, "读取出错")
        return f"无法读取问题文件 {path}：{reason}。"
    if cause is not None:
        line = re.search(r":(\d+): not a question object", str(exc))
        where = f"第 {line.group(1)} 行" if line else "其中一行"
        return f"问题文件 {path} {where}不是问题对象。"
    return f"问题文件 {path} 中没有问题。"
