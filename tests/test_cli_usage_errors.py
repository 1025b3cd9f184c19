"""Typer's own usage errors, for every `salesbridge` command: the usage line, click's English detail, the same
in Chinese, each with the `--help` hint, exit code 2 (`salesbridge/cli/usage_errors.py`)."""

from __future__ import annotations

import subprocess
import sys
from enum import StrEnum
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from salesbridge.cli import app
from salesbridge.cli.usage_errors import BilingualGroup

runner = CliRunner()


@pytest.fixture(autouse=True)
def no_database_needed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Usage errors stop before any command body runs; a database that is never created proves it."""
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'never.db'}")
    monkeypatch.chdir(tmp_path)


@pytest.mark.parametrize(
    ("args", "usage", "english", "chinese"),
    [
        (
            "requests export",
            "salesbridge requests export [OPTIONS]",
            "Missing option '--csv'.",
            "缺少选项 '--csv'。",
        ),
        (
            "jobs run",
            "salesbridge jobs run [OPTIONS] {job_id}",
            "Missing argument 'job_id'.",
            "缺少参数 'job_id'。",
        ),
        (
            "dashboard link",
            "salesbridge dashboard link [OPTIONS] {person}",
            "Missing argument 'person'.",
            "缺少参数 'person'。",
        ),
        (
            "kb foo",
            "salesbridge kb [OPTIONS] COMMAND [ARGS]...",
            "No such command 'foo'.",
            "没有这个命令 'foo'。",
        ),
        (
            "db foo",
            "salesbridge db [OPTIONS] COMMAND [ARGS]...",
            "No such command 'foo'.",
            "没有这个命令 'foo'。",
        ),
        (
            "frob",
            "salesbridge [OPTIONS] COMMAND [ARGS]...",
            "No such command 'frob'.",
            "没有这个命令 'frob'。",
        ),
        (
            "kb serch SSO",
            "salesbridge kb [OPTIONS] COMMAND [ARGS]...",
            "No such command 'serch'. Did you mean 'search'?",
            "没有这个命令 'serch'。你是不是想用 'search'？",
        ),
        (
            "kb gaps --limit abc",
            "salesbridge kb gaps [OPTIONS]",
            "Invalid value for '--limit': Input should be a valid integer, unable to parse string as an integer.",
            "参数值无效 '--limit'：'abc' 不是有效的整数。",
        ),
        (
            "requests list --limit abc",
            "salesbridge requests list [OPTIONS]",
            "Invalid value for '--limit': Input should be a valid integer, unable to parse string as an integer.",
            "参数值无效 '--limit'：'abc' 不是有效的整数。",
        ),
        (
            "kb search SSO --k 0",
            "salesbridge kb search [OPTIONS] [query]",
            "Invalid value for '--k': Input should be greater than or equal to 1.",
            "参数值无效 '--k'：'0' 必须大于或等于 1。",
        ),
        (
            "worker --nice 99",
            "salesbridge worker [OPTIONS]",
            "Invalid value for '--nice': Input should be less than or equal to 19.",
            "参数值无效 '--nice'：'99' 必须小于或等于 19。",
        ),
        (
            "kb search SSO --bogus",
            "salesbridge kb search [OPTIONS] [query]",
            "No such option: --bogus.",
            "没有这个选项 --bogus。",
        ),
        (
            "kb ingest docs --prun",
            "salesbridge kb ingest [OPTIONS] [paths]...",
            "No such option: --prun (Possible options: --prune).",
            "没有这个选项 --prun（可能的选项：--prune）。",
        ),
        (
            "--bogus",
            "salesbridge [OPTIONS] COMMAND [ARGS]...",
            "No such option: --bogus.",
            "没有这个选项 --bogus。",
        ),
        (
            "kb search SSO --k",
            "salesbridge kb search [OPTIONS] [query]",
            "Option '--k' requires an argument.",
            "选项 '--k' 需要一个值。",
        ),
        (
            "kb list --json=yes",
            "salesbridge kb list [OPTIONS]",
            "Option '--json' does not take a value.",
            "选项 '--json' 不接受值。",
        ),
        (
            "jobs run 1 2",
            "salesbridge jobs run [OPTIONS] {job_id}",
            "Got unexpected extra argument(s) (2).",
            "多余的参数：2。",
        ),
    ],
)
def test_typer_usage_errors_are_bilingual_with_the_help_hint_and_exit_2(
    args: str, usage: str, english: str, chinese: str, tmp_path: Path
) -> None:
    result = runner.invoke(app, args, prog_name="salesbridge")
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    command = usage.split(" [")[0]
    assert result.stderr.splitlines() == [
        f"Usage: {usage}",
        f"Error: {english} Try '{command} --help' for help.",
        f"错误：{chinese}运行 '{command} --help' 查看帮助。",
    ]
    assert not (tmp_path / "never.db").exists()


def test_no_arguments_still_shows_the_help() -> None:
    result = runner.invoke(app, ["kb"], prog_name="salesbridge")
    assert "ingest" in result.stdout and "Usage: salesbridge kb" in result.stdout
    assert "错误" not in result.output


def test_the_installed_entry_point_exits_2_without_a_traceback(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-c", "from salesbridge.cli import main; main()", "jobs", "run"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2, result.stderr
    assert "Error: Missing argument 'job_id'." in result.stderr
    assert "错误：缺少参数 'job_id'。" in result.stderr
    assert "Traceback" not in result.stderr


# what the salesbridge commands do not have yet, on a small app of the same class


class Colour(StrEnum):
    red = "red"
    blue = "blue"


probe = typer.Typer(cls=BilingualGroup)


@probe.command()
def paint(
    colour: Colour = typer.Option(..., "--colour"),
    ratio: float = typer.Option(1.0, "--ratio"),
    source: Path = typer.Option(None, "--source", exists=True, dir_okay=False),
) -> None:
    typer.echo(f"{colour.value} {ratio} {source}")


@probe.command()
def rest() -> None:
    typer.echo("resting")


@pytest.mark.parametrize(
    ("args", "english", "chinese"),
    [
        (
            "paint",
            "Missing option '--colour'. Choose from: red, blue.",
            "缺少选项 '--colour'。可选值：red, blue。",
        ),
        (
            "paint --colour green",
            "Invalid value for '--colour': Value error, 'green' is not one of 'red', 'blue'.",
            "参数值无效 '--colour'：'green' 不在可选范围内。可选值：red, blue。",
        ),
        (
            "paint --colour red --ratio half",
            "Invalid value for '--ratio': Input should be a valid number, unable to parse string as a number.",
            "参数值无效 '--ratio'：'half' 不是有效的数字。",
        ),
        (
            "paint --colour red --source /nonexistent/file",
            "Invalid value for '--source': file '/nonexistent/file' does not exist.",
            "参数值无效 '--source'：文件 '/nonexistent/file' 不存在。",
        ),
    ],
)
def test_choices_numbers_and_paths_are_said_in_chinese_too(args: str, english: str, chinese: str) -> None:
    result = runner.invoke(probe, args, prog_name="probe")
    assert result.exit_code == 2, result.output
    assert result.stderr.splitlines()[1:] == [
        f"Error: {english} Try 'probe paint --help' for help.",
        f"错误：{chinese}运行 'probe paint --help' 查看帮助。",
    ]


def test_a_folder_where_a_file_is_wanted(tmp_path: Path) -> None:
    result = runner.invoke(probe, ["paint", "--colour", "red", "--source", str(tmp_path)], prog_name="probe")
    assert result.exit_code == 2
    assert f"错误：参数值无效 '--source'：文件 '{tmp_path}' 是文件夹，这里需要文件。" in result.stderr
    assert runner.invoke(probe, ["paint", "--colour", "blue"]).stdout == "blue 1.0 None\n"
