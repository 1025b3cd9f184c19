"""`salesbridge kb ask` (text, --json, batch from stdin) and `salesbridge kb gaps` on the sample knowledge base."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from salesbridge.cli import app

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "knowledge"


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """The sample knowledge base ingested once (the commands below only read it)."""
    folder = tmp_path_factory.mktemp("cli")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(folder)  # no stray .env
        for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL"):
            patch.delenv(name, raising=False)
        values = {"DATABASE_URL": f"sqlite:///{folder / 'cli.db'}"}
        result = CliRunner().invoke(app, ["kb", "ingest", str(SAMPLES)], env=values)
        assert result.exit_code == 0, result.output
        yield values


def test_kb_ask_json(env: dict[str, str]) -> None:
    result = CliRunner().invoke(app, ["kb", "ask", "Is LumenCRM Classic still sold?", "--json"], env=env)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["answered"] is True and data["language"] == "en" and "2026-12-31" in data["answer"]
    assert data["confidence"] > 0.5
    first = data["citations"][0]
    assert {"path", "heading", "title", "score"} <= set(first) and first["path"].startswith("en/")


def test_kb_ask_text_and_unanswerable(env: dict[str, str]) -> None:
    result = CliRunner().invoke(app, ["kb", "ask", "有本地部署版本吗？"], env=env)
    assert result.exit_code == 0 and "[1] 销售常见问题 › 有本地部署版本吗？ — zh/faq.md" in result.output
    unknown = CliRunner().invoke(app, ["kb", "ask", "What is the CEO's favourite colour?", "--json"], env=env)
    data = json.loads(unknown.output)
    assert data["answered"] is False and data["citations"] == [] and data["answer"].startswith("I don't know")


def test_kb_ask_batch_from_stdin(env: dict[str, str]) -> None:
    result = CliRunner().invoke(
        app, ["kb", "ask"], input="Do we support HIPAA?\n\n客户问企业版支持单点登录吗\n", env=env
    )
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert [line["language"] for line in lines] == ["en", "zh"]
    assert all(line["answered"] for line in lines)


def test_kb_gaps_empty_and_json(env: dict[str, str]) -> None:
    result = CliRunner().invoke(app, ["kb", "gaps"], env=env)
    assert result.exit_code == 0 and "No unanswered" in result.output
    assert json.loads(CliRunner().invoke(app, ["kb", "gaps", "--json", "--days", "7"], env=env).output) == []
