import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.database import describe_url
from salesbridge.cli import app
from tests.knowledge.kb_helpers import write_corpus

runner = CliRunner()


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_EMBEDDING_MODEL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SALESBRIDGE_EMBEDDINGS", "none")  # test_kb_semantic_cli runs the bundled model
    return write_corpus(tmp_path / "docs")


def test_ingest_list_search_json_remove(cli_env: Path) -> None:
    first = runner.invoke(app, ["kb", "ingest", str(cli_env)])
    assert first.exit_code == 0, first.output
    assert "4 files: 4 added" in first.output
    again = runner.invoke(app, ["kb", "ingest", str(cli_env), "--prune"])
    assert "4 unchanged" in again.output

    listed = runner.invoke(app, ["kb", "list", "--json"])
    rows = [json.loads(line) for line in listed.output.splitlines()]
    assert {r["path"] for r in rows} >= {"en/faq/product-faq.md", "zh/faq/product-faq.md"}

    found = runner.invoke(app, ["kb", "search", "SATA disks", "--k", "2", "--json"])
    data = json.loads(found.output)
    assert data["query"] == "SATA disks"
    assert len(data["results"]) <= 2
    top = data["results"][0]
    assert set(top) >= {"path", "heading", "headings", "title", "score", "text"}
    assert (top["path"], top["heading"], top["headings"]) == (
        "en/faq/product-faq.md",
        "Can I deploy on SATA disks?",
        ["Product FAQ", "Deployment"],
    )

    text = runner.invoke(app, ["kb", "search", "encryption at rest"])
    assert text.exit_code == 0 and "en/faq/product-faq.md" in text.output and "confidence" in text.output

    removed = runner.invoke(app, ["kb", "remove", "en/limits.md"])
    assert removed.exit_code == 0
    missing = runner.invoke(app, ["kb", "remove", "en/limits.md"])
    assert missing.exit_code == 2 and "没有" in missing.output


def test_batch_search_reads_one_query_per_line(cli_env: Path) -> None:
    runner.invoke(app, ["kb", "ingest", str(cli_env)])
    result = runner.invoke(app, ["kb", "search", "--k", "1"], input="SATA disks\n\n生产环境 硬件\n")
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert [line["query"] for line in lines] == ["SATA disks", "生产环境 硬件"]
    assert lines[1]["results"][0]["path"] == "zh/faq/product-faq.md"


def test_eval_command(cli_env: Path, tmp_path: Path) -> None:
    runner.invoke(app, ["kb", "ingest", str(cli_env)])
    questions = tmp_path / "q.jsonl"
    questions.write_text(
        json.dumps(
            {
                "id": "1",
                "lang": "en",
                "question": "Can I use SATA disks?",
                "type": "faq",
                "expected": [{"path": "en/faq/product-faq.md", "heading": "Can I deploy on SATA disks?"}],
            }
        )
        + "\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["kb", "eval", str(questions), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["groups"]["all"]["section_recall"]["@1"] == 1.0
    table = runner.invoke(app, ["kb", "eval", str(questions)])
    assert "sec R@1" in table.output and "p95" in table.output


def test_wrong_invocations_get_bilingual_usage(cli_env: Path, tmp_path: Path) -> None:
    for args in (
        ["kb", "ingest"],
        ["kb", "remove"],
        ["kb", "eval"],
        ["kb", "eval", str(tmp_path / "nope.jsonl")],
    ):
        result = runner.invoke(app, args)
        assert result.exit_code == 2, args
        assert "salesbridge kb" in result.output or "cannot read" in result.output
        assert any("\u4e00" <= ch <= "\u9fff" for ch in result.output), args
    empty = runner.invoke(app, ["kb", "list"])
    assert "empty" in empty.output and "为空" in empty.output


def test_ingest_of_a_path_that_does_not_exist_is_a_usage_error_and_ingests_nothing(
    cli_env: Path, tmp_path: Path
) -> None:
    missing = tmp_path / "nonexistent" / "path"
    for args in (["kb", "ingest", str(missing)], ["kb", "ingest", str(cli_env), str(missing), "--prune"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 2, (args, result.output)
        english, chinese = result.output.splitlines()
        assert english == (
            f"No such file or folder: {missing}. Nothing was ingested. "
            "Usage: salesbridge kb ingest PATH... [--prune]"
        )
        assert (
            chinese
            == f"文件或文件夹不存在：{missing}。未导入任何文档。用法：salesbridge kb ingest 路径... [--prune]"
        )
    device = runner.invoke(app, ["kb", "ingest", "/dev/null"])
    assert device.exit_code == 2, device.output
    assert device.output.splitlines()[0].startswith("Not a file or folder: /dev/null.")
    assert device.output.splitlines()[1].startswith("不是文件或文件夹：/dev/null。")
    empty = runner.invoke(app, ["kb", "list"])
    assert "empty" in empty.output  # the existing folder given beside the typo was not ingested either


def test_ingest_still_reports_broken_files_inside_an_existing_folder(cli_env: Path) -> None:
    (cli_env / "broken.pdf").write_bytes(b"%PDF-1.4 this is not really a pdf")
    result = runner.invoke(app, ["kb", "ingest", str(cli_env)])
    assert result.exit_code == 0, result.output
    assert "4 added" in result.output and "skipped broken.pdf: " in result.output
    only_broken = cli_env.parent / "only-broken"
    only_broken.mkdir()
    (only_broken / "scan.pdf").write_bytes(b"%PDF-1.4 nothing")
    result = runner.invoke(app, ["kb", "ingest", str(only_broken)])
    assert result.exit_code == 0 and "1 skipped" in result.output and "skipped scan.pdf: " in result.output


@pytest.mark.parametrize(
    ("name", "content", "english", "chinese"),
    [
        (
            None,
            None,
            "cannot read {path}: No such file or directory",
            "无法读取问题文件 {path}：文件不存在。",
        ),
        ("folder", None, "cannot read {path}: Is a directory", "无法读取问题文件 {path}：这是一个文件夹"),
        (
            "bad.jsonl",
            '{"question": "SSO?"}\nnot json\n',
            "{path}:2: not a question object",
            "问题文件 {path} 第 2 行不是问题对象",
        ),
        ("empty.jsonl", "\n", "{path} holds no questions", "问题文件 {path} 中没有问题"),
        (
            "binary.jsonl",
            b"\xff\xfe\x00binary",
            "cannot read {path}: not UTF-8 text",
            "无法读取问题文件 {path}：不是 UTF-8 文本",
        ),
    ],
)
def test_an_unusable_question_file_is_explained_in_english_then_chinese(
    cli_env: Path, tmp_path: Path, name: str | None, content: str | bytes | None, english: str, chinese: str
) -> None:
    path = tmp_path / (name or "nonexistent.yaml")
    if name == "folder":
        path.mkdir()
    elif isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content, encoding="utf-8")
    for command in ("eval", "calibrate"):
        result = runner.invoke(app, ["kb", command, str(path)])
        assert result.exit_code == 2, result.output
        first, second = result.output.splitlines()
        assert first.startswith(english.format(path=path)), first
        assert second.startswith(chinese.format(path=path)), second
        # the Chinese line is Chinese: no English words but the path
        assert not re.search(
            r"[A-Za-z]{3,}",
            re.sub(r'"\w+"|UTF-8|JSON', "", second.replace(str(path), "")),
        ), second
        if name in ("bad.jsonl", "empty.jsonl"):  # what a line should be, not only Python's complaint
            assert first.endswith(
                'Each line is one JSON object: {"question": "Does it support SSO?", "expected": [{"path": '
                '"pricing.md", "heading": "SSO"}]} (path as `kb list` shows it; heading optional), or '
                '{"question": "…", "type": "unanswerable"}; optional "id" and "lang".'
            ), first
            assert (
                '每行一个 JSON 对象：{"question": "支持单点登录吗？", "expected": [{"path": "价格.md"'
                in second
            )


def test_commands_reading_an_empty_knowledge_base_name_the_database_and_how_to_fill_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = tmp_path / "fresh.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{database}")
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_EMBEDDING_MODEL"):
        monkeypatch.delenv(name, raising=False)
    questions = tmp_path / "q.jsonl"
    questions.write_text('{"question": "SSO?", "expected": [{"path": "a.md"}]}\n', encoding="utf-8")
    for args in (
        ["kb", "ask", "What does Growth cost?"],
        ["kb", "search", "SSO"],
        ["kb", "eval", str(questions)],
        ["kb", "list"],
    ):
        result = runner.invoke(app, args)
        assert str(database) in result.output, (args, result.output)
        assert "kb ingest" in result.output and "为空" in result.output, args
        assert "var/demo.db" in result.output, args
        if args[1] != "list":
            assert result.exit_code == 2, args


def test_console_chat_says_which_database_is_empty(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    database = tmp_path / "chat.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{database}")
    result = runner.invoke(app, ["chat"], input="quit\n")
    assert result.exit_code == 0, result.output
    assert str(database) in result.output and "kb ingest" in result.output


def test_demo_database_url_shown_without_password() -> None:
    shown = describe_url("postgresql://sb:hunter2@db:5432/salesbridge")
    assert "hunter2" not in shown and "db:5432/salesbridge" in shown
