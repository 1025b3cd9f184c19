"""Typer's own usage errors, for every `salesbridge` command: the usage line, click's English detail, the same
in Chinese, each with the `--help` hint, exit code 2 (`salesbridge/cli/usage_errors.py`)."""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
from enum import StrEnum
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from bot.config import Settings
from salesbridge.cli import app, warn_about_unknown_settings, warn_if_llm_unreachable
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


# --- what stops a command before it can work: settings, the database (salesbridge/cli/startup_errors.py) ---


@pytest.mark.parametrize(
    ("env", "english", "chinese"),
    [
        (
            {"SALESBRIDGE_EMBEDDINGS": "foo"},
            "SALESBRIDGE_EMBEDDINGS='foo': Input should be 'bundled', 'openai' or 'none'",
            "SALESBRIDGE_EMBEDDINGS='foo'：可选值：'bundled', 'openai' 或 'none'",
        ),
        (
            {"SALESBRIDGE_WORKER_THREADS": "abc"},
            "SALESBRIDGE_WORKER_THREADS='abc': Input should be a valid integer",
            "SALESBRIDGE_WORKER_THREADS='abc'：不是有效的整数",
        ),
        (
            {"SALESBRIDGE_TIMEZONE": "Mars/Base"},
            "SALESBRIDGE_TIMEZONE='Mars/Base': unknown timezone 'Mars/Base'",
            "SALESBRIDGE_TIMEZONE='Mars/Base'：未知时区 'Mars/Base'",
        ),
        (
            {"SALESBRIDGE_PUBLIC_URL": "localhost:3000"},
            "SALESBRIDGE_PUBLIC_URL='localhost:3000': must start with http:// or https://",
            "SALESBRIDGE_PUBLIC_URL='localhost:3000'：必须以 http:// 或 https:// 开头",
        ),
        (
            {"SALESBRIDGE_LOG_LEVEL": "LOUD"},
            "SALESBRIDGE_LOG_LEVEL='LOUD': Input should be 'DEBUG', 'INFO', 'WARNING', 'ERROR' or 'CRITICAL'",
            "SALESBRIDGE_LOG_LEVEL='LOUD'：可选值：",
        ),
        (
            {"SALESBRIDGE_LOG_FORMAT": "xml"},
            "SALESBRIDGE_LOG_FORMAT='xml': Input should be 'text' or 'json'",
            "SALESBRIDGE_LOG_FORMAT='xml'：可选值：'text' 或 'json'",
        ),
        (
            {"SALESBRIDGE_EOS_REMINDER_DAYS": "60,soon"},
            "SALESBRIDGE_EOS_REMINDER_DAYS='60,soon': entry 'soon' must be a positive number of days",
            "SALESBRIDGE_EOS_REMINDER_DAYS='60,soon'：其中的 'soon' 必须是正整数天数",
        ),
        (
            {"SALESBRIDGE_OUTBOX_RATE_LIMITS": "fast"},
            "SALESBRIDGE_OUTBOX_RATE_LIMITS='fast': entry 'fast' must look like slack:conversation=1/3",
            "SALESBRIDGE_OUTBOX_RATE_LIMITS='fast'：应写成 slack:conversation=1/3",
        ),
        (
            {"DATABASE_URL": "mysql://ann:hunter2@db/sales"},
            "DATABASE_URL='mysql://ann:***@db/sales': SalesBridge runs on SQLite or PostgreSQL, not mysql",
            "DATABASE_URL='mysql://ann:***@db/sales'：SalesBridge 只支持 SQLite 或 PostgreSQL",
        ),
        (
            {"DATABASE_URL": "not a url"},
            "DATABASE_URL: not a database URL; give sqlite:///path/to/file.db",
            "DATABASE_URL：不是数据库地址",
        ),
    ],
)
@pytest.mark.parametrize("command", ["kb status", "db upgrade", "serve --port 1"])
def test_a_setting_that_cannot_be_used_is_one_bilingual_line_and_exit_2(
    monkeypatch: pytest.MonkeyPatch, command: str, env: dict[str, str], english: str, chinese: str
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    result = runner.invoke(app, command.split(), prog_name="salesbridge")
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    first, second = result.stderr.splitlines()
    assert first.startswith("configuration error: ") and english in first
    assert second.startswith("配置错误：") and chinese in second
    assert "hunter2" not in result.output and "Traceback" not in result.output
    assert not Path("never.db").exists()


@pytest.mark.parametrize(
    ("env", "english", "chinese"),
    [
        (
            {"SLACK_BOT_TOKEN": "xoxb-1"},
            "Slack is half-configured; missing: SLACK_SIGNING_SECRET",
            "Slack 只配置了一部分，缺少：SLACK_SIGNING_SECRET",
        ),
        (
            {"FEISHU_APP_ID": "cli_x", "FEISHU_VERIFICATION_TOKEN": "v", "FEISHU_ENCRYPT_KEY": "k"},
            "Feishu is half-configured; missing: FEISHU_APP_SECRET",
            "飞书只配置了一部分，缺少：FEISHU_APP_SECRET",
        ),
        (
            {"SALESBRIDGE_PM_CHANNELS": "teams:x"},
            "SALESBRIDGE_PM_CHANNELS entry 'teams:x' must look like slack:C0123 or feishu:oc_abc",
            "SALESBRIDGE_PM_CHANNELS 中的 'teams:x' 应写成 slack:C0123 或 feishu:oc_abc 的形式",
        ),
    ],
)
def test_serve_half_configured_says_what_is_missing_in_both_languages(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], english: str, chinese: str
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    result = runner.invoke(app, ["serve", "--port", "1"], prog_name="salesbridge")
    assert result.exit_code == 2, result.output
    assert result.stderr.splitlines() == [f"configuration error: {english}", f"配置错误：{chinese}"]
    assert not Path("never.db").exists()


def test_a_sqlite_file_in_a_missing_folder_names_the_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", "sqlite:///nonexistent/dir/x.db")
    result = runner.invoke(app, ["db", "upgrade"], prog_name="salesbridge")
    assert result.exit_code == 1, result.output
    folder = tmp_path / "nonexistent" / "dir"
    assert result.stderr.splitlines() == [
        f"database error: cannot open sqlite:///nonexistent/dir/x.db ({folder / 'x.db'}): the folder {folder} "
        "does not exist. Create it, or set DATABASE_URL to a file in an existing folder.",
        f"数据库错误：无法打开 sqlite:///nonexistent/dir/x.db ({folder / 'x.db'})：文件夹 {folder} 不存在。"
        "请先创建它，或把 DATABASE_URL 设为已有文件夹中的文件。",
    ]


@pytest.mark.parametrize("command", ["db upgrade", "kb list", "dashboard link console:ann"])
def test_a_database_server_that_does_not_answer_is_one_bilingual_line_without_the_password(
    monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    # nothing listens on port 1
    monkeypatch.setenv("DATABASE_URL", "postgres://ann:hunter2@127.0.0.1:1/sales")
    result = runner.invoke(app, command.split(), prog_name="salesbridge")
    assert result.exit_code == 1, result.output
    first, second = result.stderr.splitlines()
    assert first.startswith("database error: cannot use postgresql+psycopg://ann:***@127.0.0.1:1/sales: ")
    assert first.endswith("Check DATABASE_URL and that the database server is running.")
    assert second.startswith("数据库错误：无法使用 postgresql+psycopg://ann:***@127.0.0.1:1/sales：")
    assert "hunter2" not in result.output


def test_serve_on_a_port_in_use_says_so_in_both_languages_before_starting_anything() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = runner.invoke(
            app, ["serve", "--host", "127.0.0.1", "--port", str(port)], prog_name="salesbridge"
        )
    assert result.exit_code == 2, result.output
    assert result.stderr.splitlines() == [
        f"Cannot listen on 127.0.0.1:{port}: the port is already in use (another `salesbridge serve`?). "
        f"Stop that process or choose another port, e.g. --port {port + 1}.",
        f"无法监听 127.0.0.1:{port}：端口已被占用（另一个 `salesbridge serve`？）。"
        f"请停止该进程，或换一个端口，例如 --port {port + 1}。",
    ]
    assert not Path("never.db").exists()  # no migration, no scheduler started


def test_serve_on_an_address_this_machine_does_not_have() -> None:
    result = runner.invoke(app, ["serve", "--host", "192.0.2.1", "--port", "3000"], prog_name="salesbridge")
    assert result.exit_code == 2, result.output
    english, chinese = result.stderr.splitlines()
    assert english.startswith("Cannot listen on 192.0.2.1:3000: 192.0.2.1 is not an address of this machine.")
    assert chinese.startswith("无法监听 192.0.2.1:3000：192.0.2.1 不是本机的地址。")
    assert not Path("never.db").exists()


def test_an_llm_endpoint_that_does_not_answer_is_one_bilingual_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]  # bound, not listening: connections are refused
        settings = Settings(_env_file=None, OPENAI_BASE_URL=f"http://127.0.0.1:{port}/v1")  # type: ignore[call-arg]
        with caplog.at_level(logging.WARNING, logger="salesbridge.cli"):
            assert warn_if_llm_unreachable(settings, timeout=1) is False
    (record,) = caplog.records
    assert record.getMessage() == (
        f"OPENAI_BASE_URL http://127.0.0.1:{port}/v1 does not answer (Connection refused): answers quote the "
        "knowledge base (extractive) until it does / "
        f"OPENAI_BASE_URL http://127.0.0.1:{port}/v1 无法连接（Connection refused）：在其恢复之前，回答将直接摘录知识库原文"
    )


def test_an_llm_endpoint_that_answers_is_not_warned_about(caplog: pytest.LogCaptureFixture) -> None:
    with socket.socket() as listening:
        listening.bind(("127.0.0.1", 0))
        listening.listen()
        port = listening.getsockname()[1]
        settings = Settings(_env_file=None, OPENAI_BASE_URL=f"http://127.0.0.1:{port}/v1")  # type: ignore[call-arg]
        assert warn_if_llm_unreachable(settings, timeout=1) is True
    assert not caplog.records


def test_an_llm_endpoint_without_its_scheme_is_a_configuration_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", "localhost:11434/v1")
    result = runner.invoke(app, ["kb", "status"], prog_name="salesbridge")
    assert result.exit_code == 2, result.output
    assert result.stderr.splitlines()[0].startswith(
        "configuration error: OPENAI_BASE_URL='localhost:11434/v1': must start with http:// or https://"
    )


def test_a_synonyms_file_that_is_not_there_stops_the_command_not_the_index_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SALESBRIDGE_SYNONYMS_FILE", "synonyms.txt")
    result = runner.invoke(app, ["serve", "--port", "1"], prog_name="salesbridge")
    assert result.exit_code == 2, result.output
    assert result.stderr.splitlines() == [
        f"configuration error: SALESBRIDGE_SYNONYMS_FILE='synonyms.txt': no such file ({tmp_path / 'synonyms.txt'}); "
        "one comma-separated group of words a line, see samples/synonyms.txt (from the environment or .env).",
        f"配置错误：SALESBRIDGE_SYNONYMS_FILE='synonyms.txt'：文件不存在（{tmp_path / 'synonyms.txt'}）；"
        "每行一组以逗号分隔的同义词，格式见 samples/synonyms.txt（来自环境变量或 .env）。",
    ]
    (tmp_path / "synonyms.txt").write_text("sso, single sign-on\n", encoding="utf-8")
    assert Settings().synonyms_file == "synonyms.txt"


def test_a_mistyped_setting_is_warned_about_not_ignored_silently(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    for name in [n for n in os.environ if n.startswith("SALESBRIDGE_")]:
        monkeypatch.delenv(name)  # CI's own (SALESBRIDGE_TEST_POSTGRES_URL)
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("# comment\nexport SALESBRIDGE_TIMEZON=Asia/Shanghai\nSLACK_BOT_TOKEN=x\n")
    monkeypatch.setenv("SALESBRIDGE_PM_USER", "U1")
    monkeypatch.setenv("SALESBRIDGE_PM_USERS", "U2")  # a real one: not warned about
    monkeypatch.setenv("SALESBRIDGE_SOMETHING_ELSE", "1")
    with caplog.at_level(logging.WARNING, logger="salesbridge.cli"):
        assert warn_about_unknown_settings() == [
            "SALESBRIDGE_PM_USER",
            "SALESBRIDGE_SOMETHING_ELSE",
            "SALESBRIDGE_TIMEZON",
        ]
    messages = [record.getMessage() for record in caplog.records]
    assert messages[0] == (
        "SALESBRIDGE_PM_USER is not a SalesBridge setting and is ignored; did you mean SALESBRIDGE_PM_USERS? / "
        "SALESBRIDGE_PM_USER 不是 SalesBridge 的设置，已被忽略；是否应为 SALESBRIDGE_PM_USERS？"
    )
    assert messages[1].startswith("SALESBRIDGE_SOMETHING_ELSE is not a SalesBridge setting and is ignored / ")
    assert "did you mean SALESBRIDGE_TIMEZONE?" in messages[2]


def test_dashboard_link_says_whose_role_it_signs_in_with(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'd.db'}")
    monkeypatch.setenv("SALESBRIDGE_PM_USERS", "console:pat")
    pm = runner.invoke(app, ["dashboard", "link", "console:pat"], prog_name="salesbridge")
    assert pm.exit_code == 0 and "/app/login?token=" in pm.stdout, pm.output
    assert (
        "signs in console:pat (pm) once, within 10 minutes / console:pat（产品经理）可在 10 分钟内用它登录一次"
        in (pm.stderr)
    )
    sales = runner.invoke(app, ["dashboard", "link", "console:ann"], prog_name="salesbridge")
    assert (
        "(sales)" in sales.stderr and "SALESBRIDGE_PM_USERS" in sales.stderr and "角色 授予" in sales.stderr
    )
