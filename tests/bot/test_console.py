import io

from bot.app import build_application
from bot.platforms.console import ConsolePort, ConsoleSession
from tests.fakes.harness import make_settings


def test_console_session_through_stdin(sqlite_url: str) -> None:
    out = io.StringIO()
    port = ConsolePort(out=out)
    app = build_application(make_settings(sqlite_url), ports={"console": port})
    stdin = io.StringIO("help\n@bot role\nhello there, no command\n!9\nquit\nrole\n")
    ConsoleSession(port=port, process=app.dispatcher.process, user="UADMIN").run(stdin, interactive=False)
    text = out.getvalue()
    assert "SalesBridge commands" in text
    assert "(only you) Your role: *admin*" in text
    assert "(no such button)" in text
    assert text.count("bot>") >= 3
    app.stop()


def test_cli_chat_subprocess(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import os
    import subprocess
    import sys

    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'c.db'}"}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "chat"],
        input="帮助\n",
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "SalesBridge 命令" in result.stdout
