"""`kb embed`, `kb status` and `kb calibrate` from the command line, with the bundled model."""

import json
from collections.abc import Sequence
from pathlib import Path

import pytest
from typer.testing import CliRunner

from knowledge.base import KnowledgeBase
from knowledge.calibration import calibrate, calibration_examples
from knowledge.configured import open_knowledge_base
from knowledge.decision import DecisionModel
from knowledge.embedding import bundled_unavailable_reason
from knowledge.evaluation import load_questions
from salesbridge.cli import app
from tests.knowledge.kb_helpers import write_corpus

runner = CliRunner()
pytestmark = pytest.mark.skipif(bundled_unavailable_reason() is not None, reason="bundled model unavailable")

QUESTIONS = [
    {
        "id": "1",
        "lang": "en",
        "question": "Is SATA storage OK for production nodes?",
        "type": "support",
        "expected": [{"path": "en/faq/product-faq.md", "heading": "Can I deploy on SATA disks?"}],
    },
    {
        "id": "2",
        "lang": "en",
        "question": "What machine sizing do you recommend for prod?",
        "type": "limit",
        "expected": [
            {"path": "en/faq/product-faq.md", "heading": "What hardware is recommended for production?"}
        ],
    },
    {
        "id": "3",
        "lang": "zh",
        "question": "静态数据能加密吗？",
        "type": "support",
        "expected": [{"path": "zh/faq/product-faq.md", "heading": "是否支持静态数据加密？"}],
    },
    {
        "id": "4",
        "lang": "en",
        "question": "Who is the CFO of the vendor?",
        "type": "unanswerable",
        "expected": [],
    },
    {
        "id": "5",
        "lang": "en",
        "question": "Is there a Salesforce AppExchange listing?",
        "type": "unanswerable",
        "expected": [],
    },
]


def write_questions(folder: Path, questions: Sequence[object]) -> Path:
    path = folder / "questions.jsonl"
    path.write_text("\n".join(json.dumps(q, ensure_ascii=False) for q in questions), encoding="utf-8")
    return path


@pytest.fixture
def corpus(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("SALESBRIDGE_EMBEDDINGS", "bundled")
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_EMBEDDING_MODEL"):
        monkeypatch.delenv(name, raising=False)
    return write_corpus(tmp_path / "docs")


def test_status_embed_and_calibrate(corpus: Path, tmp_path: Path) -> None:
    ingested = runner.invoke(app, ["kb", "ingest", str(corpus)])
    assert (
        ingested.exit_code == 0 and "passages of sections wait for their semantic vectors" in ingested.output
    )
    before = json.loads(runner.invoke(app, ["kb", "status", "--json"]).output)
    assert before["semantic_retrieval"] == "bundled: multilingual-e5-small-q4"
    assert before["embedded"]["done"] == 0 and before["embedded"]["of"] == before["sections"] > 0
    assert before["decision"] == "default"

    embedded = runner.invoke(app, ["kb", "embed"])
    assert embedded.exit_code == 0 and f"Embedded {before['sections']} passages" in embedded.output
    assert "Embedded 0 passages" in runner.invoke(app, ["kb", "embed"]).output  # resumable, incremental
    status = runner.invoke(app, ["kb", "status"]).output
    assert f"embedded / 已向量化: {before['sections']}/{before['sections']} passages (100%)" in status

    questions = write_questions(tmp_path, QUESTIONS)
    dry = runner.invoke(app, ["kb", "calibrate", str(questions), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "Fitted on" in dry.output and "Not saved" in dry.output
    assert json.loads(runner.invoke(app, ["kb", "status", "--json"]).output)["decision"] == "default"
    saved = runner.invoke(app, ["kb", "calibrate", str(questions)])
    assert saved.exit_code == 0 and "Saved" in saved.output
    after = json.loads(runner.invoke(app, ["kb", "status", "--json"]).output)
    assert after["decision"] == "kb calibrate (5 questions)"


def test_eval_and_calibrate_on_a_partly_embedded_knowledge_base(corpus: Path, tmp_path: Path) -> None:
    # right after an ingest only the lexical index answers: `kb eval` says its figures are partial, and
    # `kb calibrate` refuses to fit (and store) a decision every later answer would be judged by
    assert runner.invoke(app, ["kb", "ingest", str(corpus)]).exit_code == 0
    questions = write_questions(tmp_path, QUESTIONS)
    evaluated = runner.invoke(app, ["kb", "eval", str(questions), "--json"])
    assert evaluated.exit_code == 0, evaluated.output
    assert (
        "semantic vectors cover 0 of" in evaluated.stderr
        and "请先运行 `salesbridge kb embed`" in evaluated.stderr
    )
    report = json.loads(evaluated.stdout)
    assert report["embedded"]["done"] == 0 and report["embedded"]["of"] > 0
    refused = runner.invoke(app, ["kb", "calibrate", str(questions)])
    assert refused.exit_code == 2 and "Cannot calibrate yet: semantic vectors cover 0 of" in refused.output
    assert "暂时无法校准" in refused.output
    assert json.loads(runner.invoke(app, ["kb", "status", "--json"]).output)["decision"] == "default"

    assert runner.invoke(app, ["kb", "embed"]).exit_code == 0
    complete = runner.invoke(app, ["kb", "eval", str(questions), "--json"])
    assert complete.exit_code == 0 and "semantic vectors cover" not in complete.stderr
    assert json.loads(complete.stdout)["embedded"]["done"] == report["embedded"]["of"]
    assert runner.invoke(app, ["kb", "calibrate", str(questions), "--dry-run"]).exit_code == 0


def test_calibrate_needs_both_kinds_of_questions(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert runner.invoke(app, ["kb", "ingest", str(corpus)]).exit_code == 0
    assert runner.invoke(app, ["kb", "embed"]).exit_code == 0
    only_answerable = tmp_path / "q.jsonl"
    only_answerable.write_text(json.dumps(QUESTIONS[0]), encoding="utf-8")
    result = runner.invoke(app, ["kb", "calibrate", str(only_answerable)])
    assert (
        result.exit_code == 2 and "Cannot calibrate: the file has no unanswerable questions" in result.output
    )
    assert "无法校准：文件中没有不可回答的问题" in result.output
    # an unanswerable question that finds no section at all (lexical only: the model finds a closest one
    # for every question) is declined anyway: it teaches nothing, and the message says so instead of
    # "needs answerable and unanswerable questions"
    monkeypatch.setenv("SALESBRIDGE_EMBEDDINGS", "none")
    nothing_near = tmp_path / "nothing.jsonl"
    nothing_near.write_text(
        json.dumps(QUESTIONS[0]) + "\n" + json.dumps({"question": "Zyxw qqqq?", "type": "unanswerable"}),
        encoding="utf-8",
    )
    found_nothing = runner.invoke(app, ["kb", "calibrate", str(nothing_near), "--dry-run"])
    assert found_nothing.exit_code == 2, found_nothing.output
    assert "none of the 1 unanswerable questions found a section" in found_nothing.output
    usage = runner.invoke(app, ["kb", "calibrate"])
    assert usage.exit_code == 2 and "Usage: salesbridge kb calibrate" in usage.output


def test_strict_calibration_counts_missed_questions_as_do_not_answer(corpus: Path, tmp_path: Path) -> None:
    assert runner.invoke(app, ["kb", "ingest", str(corpus)]).exit_code == 0
    assert runner.invoke(app, ["kb", "embed"]).exit_code == 0
    missed = {  # answerable, but its expected section is not in the knowledge base: the search misses it
        "id": "6",
        "lang": "en",
        "question": "Is SATA storage OK for production nodes?",
        "type": "support",
        "expected": [{"path": "en/faq/elsewhere.md", "heading": "Disks"}],
    }
    questions = write_questions(tmp_path, [*QUESTIONS, missed])
    items, kb = load_questions(questions), open_knowledge_base()
    default = calibration_examples(kb, items)
    strict = calibration_examples(kb, items, strict=True)
    assert len(strict) == len(default) + 1 and not strict[-1].answerable
    assert sum(e.answerable for e in strict) == sum(e.answerable for e in default)
    saved = runner.invoke(app, ["kb", "calibrate", str(questions), "--strict"])
    assert saved.exit_code == 0 and "Saved" in saved.output, saved.output
    status = json.loads(runner.invoke(app, ["kb", "status", "--json"]).output)
    assert status["decision"] == "kb calibrate (6 questions, strict)"


def test_calibrating_again_gives_the_same_fit(corpus: Path, tmp_path: Path) -> None:
    # the examples do not depend on the decision in use (which candidate it judges), so a calibration is a
    # fixed point, not a drift from one run to the next
    assert runner.invoke(app, ["kb", "ingest", str(corpus)]).exit_code == 0
    assert runner.invoke(app, ["kb", "embed"]).exit_code == 0
    questions = write_questions(tmp_path, QUESTIONS)
    items, kb = load_questions(questions), open_knowledge_base()
    examples = {
        weight: calibration_examples(
            KnowledgeBase(
                db=kb.db,
                settings=kb.settings,
                embedder=kb.embedder,
                decision=DecisionModel(weights={"dense": weight}, bias=0.0),
            ),
            items,
        )
        for weight in (10.0, -10.0)
    }
    assert examples[10.0] == examples[-10.0]
    first = calibrate(kb, items)
    again = open_knowledge_base()
    assert again.decision_mode() == "hybrid" and again.decision() == first.model
    assert calibrate(again, items, save=False).model == first.model
