"""The `salesbridge` command: serve, chat, demo, and the db / kb / requests / jobs / dashboard groups.

The platform SDKs and uvicorn are imported by the commands that use them, so `--help` stays quick.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from pathlib import Path

import typer

from bot.clock import OffsetClock
from bot.config import Settings, env_file_names, unknown_settings
from bot.database import Database, describe_url
from bot.logging_setup import configure_logging
from bot.platforms.console import ConsolePort, ConsoleSession
from jobs import run_due_jobs
from knowledge.demo import TRY_THESE, prepare_demo_knowledge
from knowledge.store import count_sections
from salesbridge.app import Application, build_application
from salesbridge.cli.dashboard import dashboard_app
from salesbridge.cli.kb import empty_knowledge_base, kb_app
from salesbridge.cli.requests import requests_app
from salesbridge.cli.schedules import jobs_app
from salesbridge.cli.startup_errors import SalesBridgeGroup
from salesbridge.cli.usage_errors import BilingualGroup, fail
from salesbridge.server import create_asgi_app
from salesbridge.shutdown import serve_http, wait_for_signal
from salesbridge.socket_runner import run_socket_mode

logger = logging.getLogger(__name__)

# every group is a BilingualGroup: typer's own usage errors (missing argument, no such command, a value that
# does not parse…) in English and Chinese, exit code 2 (salesbridge/cli/usage_errors.py); the root one also
# says why a command cannot start — a setting, the database — in both languages (startup_errors.py)
app = typer.Typer(
    help="SalesBridge: the sales ↔ product chat bot for Slack and Feishu.",
    no_args_is_help=True,
    cls=SalesBridgeGroup,
)
db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)
for _name, _group in (
    ("db", db_app),
    ("kb", kb_app),
    ("requests", requests_app),
    ("jobs", jobs_app),
    ("dashboard", dashboard_app),
):
    app.add_typer(_group, name=_name, cls=BilingualGroup)
del _name, _group


def _settings() -> Settings:
    return Settings()


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply all database migrations."""
    settings = _settings()
    Database(settings.database_url).upgrade()
    typer.echo("database is up to date")


@app.command()
def serve(
    host: str = typer.Option("0.0.0.0", help="Interface to listen on (HTTP mode)."),
    port: int = typer.Option(3000, min=1, max=65535, help="Port to listen on (HTTP mode)."),
    socket: bool = typer.Option(False, "--socket", help="Slack Socket Mode + Feishu long connection."),
    workers: int = typer.Option(
        None,
        help="Worker threads here (default SALESBRIDGE_WORKER_THREADS); 0: only acknowledge, "
        "`salesbridge worker` processes do the work.",
    ),
) -> None:
    """Run the bot: HTTP endpoints for Slack and Feishu, or outbound connections with --socket.

    Every event is written to the database before it is acknowledged. SIGTERM/SIGINT stop it gracefully
    (SALESBRIDGE_SHUTDOWN_GRACE_SECONDS), exit code 0."""
    settings = _settings()
    settings.validate_platforms(socket_mode=socket)  # half-configured: startup_errors says what is missing
    _refuse_unusable_address(host, port)
    configure_logging(settings)
    warn_about_unknown_settings()
    application = build_application(settings)
    application.start_background(workers=workers)
    if settings.llm_enabled:  # a few seconds at most, beside the start-up
        threading.Thread(target=warn_if_llm_unreachable, args=(settings,), daemon=True).start()
    try:
        if socket:
            run_socket_mode(application, host=host, port=port)
        else:
            serve_http(create_asgi_app(application), host=host, port=port)
    finally:
        _stop(application)


@app.command()
def worker(
    threads: int = typer.Option(None, help="Worker threads (default SALESBRIDGE_WORKER_THREADS)."),
    nice: int = typer.Option(
        10,
        min=0,
        max=19,
        help="Scheduling priority given up (Unix nice): on a machine shared with `serve`, "
        "acknowledgements get the CPU first and the work waits in the database.",
    ),
) -> None:
    """Process inbound events from the database (no HTTP): run beside `serve --workers 0` or add capacity.

    Stops gracefully on SIGTERM/SIGINT: work in flight finishes or goes back to the inbox, exit code 0."""
    settings = _settings()
    configure_logging(settings)
    warn_about_unknown_settings()
    count = settings.worker_threads if threads is None else threads
    if count < 1:
        typer.echo("a worker needs at least one thread / 工作进程至少需要一个线程 (--threads 4)", err=True)
        raise typer.Exit(2)
    if nice and hasattr(os, "nice"):
        os.nice(nice)
    # it acknowledges nothing: what it writes is redone from the inbox if the database loses it
    application = build_application(settings, synchronous_commit=settings.worker_synchronous_commit)
    application.start_background(workers=count)
    typer.echo(f"worker: {count} thread(s) on {describe_url(settings.database_url)}; SIGTERM stops it")
    try:
        wait_for_signal()
    finally:
        _stop(application)


def warn_about_unknown_settings() -> list[str]:
    """One bilingual warning per `SALESBRIDGE_*` variable (environment or .env) that is no setting — a typo
    (SALESBRIDGE_PM_USER) would otherwise be ignored without a word. Returns the names warned about."""
    unknown = unknown_settings([*os.environ, *env_file_names()])
    for name, closest in unknown:
        hint_en = f"; did you mean {closest}?" if closest else ""
        hint_zh = f"；是否应为 {closest}？" if closest else ""
        logger.warning(
            "%s is not a SalesBridge setting and is ignored%s / %s 不是 SalesBridge 的设置，已被忽略%s",
            name,
            hint_en,
            name,
            hint_zh,
        )
    return [name for name, _ in unknown]


def warn_if_llm_unreachable(settings: Settings, *, timeout: float = 5.0) -> bool:
    """Whether the chat model's endpoint answers a TCP connection; if not, one bilingual warning in the log.
    Nothing is sent (no key, no request): an endpoint that is down or mistyped is said at start-up instead of
    showing only as slower, extractive answers."""
    import socket
    from urllib.parse import urlsplit

    base = settings.openai_base_url or "https://api.openai.com/v1"
    parts = urlsplit(base)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((parts.hostname or "", port), timeout=timeout):
            return True
    except OSError as exc:
        why = exc.strerror or type(exc).__name__
        logger.warning(
            "OPENAI_BASE_URL %s does not answer (%s): answers quote the knowledge base (extractive) until it "
            "does / OPENAI_BASE_URL %s 无法连接（%s）：在其恢复之前，回答将直接摘录知识库原文",
            base,
            why,
            base,
            why,
        )
        return False


def _refuse_unusable_address(host: str, port: int) -> None:
    """Before anything starts (migrations, scheduler, workers): the address `serve` is to listen on can be
    bound. A port another process holds, a privileged port, an address this machine does not have are a
    bilingual usage exit, not uvicorn's English line (exit 3) after the scheduler had started."""
    import errno
    import socket

    where = f"{host}:{port}"
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except socket.gaierror as exc:
        raise fail(
            f"Cannot listen on {where}: this machine has no address {host!r} ({exc.strerror}). "
            "Use --host 0.0.0.0 (every interface) or --host 127.0.0.1 (this machine only).",
            f"无法监听 {where}：本机没有地址 {host!r}（{exc.strerror}）。"
            "请用 --host 0.0.0.0（所有网卡）或 --host 127.0.0.1（仅本机）。",
        ) from exc
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                en = (
                    f"Cannot listen on {where}: the port is already in use (another `salesbridge serve`?). "
                    f"Stop that process or choose another port, e.g. --port {port + 1 if port < 65535 else 3000}."
                )
                zh = (
                    f"无法监听 {where}：端口已被占用（另一个 `salesbridge serve`？）。"
                    f"请停止该进程，或换一个端口，例如 --port {port + 1 if port < 65535 else 3000}。"
                )
            elif exc.errno == errno.EACCES:
                en = (
                    f"Cannot listen on {where}: this user may not use port {port} (ports below 1024 need "
                    "privileges). Use --port 3000 behind a reverse proxy."
                )
                zh = f"无法监听 {where}：当前用户无权使用端口 {port}（1024 以下的端口需要特权）。请用 --port 3000 并在前面放反向代理。"
            elif exc.errno == errno.EADDRNOTAVAIL:
                en = (
                    f"Cannot listen on {where}: {host} is not an address of this machine. "
                    "Use --host 0.0.0.0 (every interface) or --host 127.0.0.1 (this machine only)."
                )
                zh = f"无法监听 {where}：{host} 不是本机的地址。请用 --host 0.0.0.0（所有网卡）或 --host 127.0.0.1（仅本机）。"
            else:
                en = f"Cannot listen on {where}: {exc.strerror or exc}."
                zh = f"无法监听 {where}：{exc.strerror or exc}。"
            raise fail(en, zh) from exc


def _stop(application: Application) -> None:
    """The end of `serve` and `worker`: finish or hand back the work in flight, flush the outbox."""
    finished = application.stop()
    logger.info("stopped%s", "" if finished else "; unfinished work was handed back to the inbox")


@app.command()
def chat(
    user: str = typer.Option("you", help="Your user id in the console."),
    people: str = typer.Option(
        "", help="Other people in the console's channels, comma-separated (switch with `/user NAME`)."
    ),
) -> None:
    """Chat with the bot in this terminal (no credentials needed). Reads stdin lines when piped.

    The scheduler runs inside the session: scheduled announcements, reminders, launch milestones and the
    weekly sync post while you watch; `time +1d` fast-forwards, `jobs run` runs what is due now."""
    settings = _settings()
    port = ConsolePort(
        people=list(dict.fromkeys([user, *(p.strip() for p in people.split(",") if p.strip())]))
    )
    clock = OffsetClock()
    application = build_application(settings, ports={"console": port}, clock=clock)
    interactive = sys.stdin.isatty()
    if interactive:
        typer.echo(
            "SalesBridge console — `@bot <question>` in #general, plain lines are DMs, `>N text` replies in the "
            "thread of message #N, `!N` clicks a button, `as lily: …` or `/user lily` speaks as someone else, "
            "`time +1d` fast-forwards, `help`, `quit`."
        )
    _say_if_knowledge_base_empty(application)
    application.start_background()
    services = application.services
    try:
        ConsoleSession(
            port=port,
            process=application.dispatcher.process,
            user=user,
            advance=clock.advance,
            now=lambda: clock.now().astimezone(settings.tz),
            run_jobs=lambda grace: run_due_jobs(services, grace=grace),
            validate=lambda msg: application.router.validate_form(msg, services),
        ).run(sys.stdin, interactive=interactive)
    finally:
        application.stop()


def _say_if_knowledge_base_empty(application: Application) -> None:
    with application.services.db.session() as session:
        if count_sections(session=session) == 0:
            en, zh = empty_knowledge_base(application.services.settings.database_url)
            typer.echo(f"{en}\n{zh}")


@app.command()
def demo() -> None:
    """Set up the embedded default (SQLite, sample knowledge base) and open the console chat."""
    Path("var").mkdir(exist_ok=True)
    os.environ.setdefault("DATABASE_URL", "sqlite:///var/demo.db")
    os.environ.setdefault("SALESBRIDGE_ADMIN_USERS", "you")
    os.environ.setdefault("SALESBRIDGE_PM_USERS", "pat")  # `/user pat` to act as a PM, `/user lily` as sales
    os.environ.setdefault("SALESBRIDGE_PM_CHANNELS", "console:product-team")  # where escalations go
    typer.echo(prepare_demo_knowledge())
    if sys.stdin.isatty():
        typer.echo(TRY_THESE)
    chat(user="you", people="lily,pat")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
