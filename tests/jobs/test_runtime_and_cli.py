"""`salesbridge serve` starts the leader-gated scheduler; `salesbridge jobs list|run` work from the shell."""

from __future__ import annotations

import re
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from bot.models import InboxEvent
from jobs.housekeeping import forget_old_events
from jobs.leader import LeaseElector
from jobs.registry import unregister_services
from jobs.scheduler import schedule_job_id
from salesbridge.cli import app
from tests.database_templates import SqliteTemplate
from tests.fakes.harness import Harness
from tests.jobs.helpers import add_schedule


def test_start_background_elects_a_leader_and_stop_releases_it(bot: Harness) -> None:
    schedule = add_schedule(bot, "sync weekly mon 10:00 channels:slack:C1")
    bot.app.start_background(outbox_interval=0.05)
    runtime = bot.app._scheduler
    assert runtime is not None
    elected = threading.Event()

    def watch() -> None:
        for _ in range(200):
            if runtime.is_leader:
                elected.set()
                return
            threading.Event().wait(0.025)

    watcher = threading.Thread(target=watch)
    watcher.start()
    watcher.join()
    try:
        assert elected.is_set(), "the only process should become the scheduler leader"
        assert runtime.engine is not None
        assert schedule_job_id(schedule.id) in {job.id for job in runtime.engine.jobs()}
    finally:
        bot.app.stop()
        unregister_services()
    assert bot.app._scheduler is None
    assert LeaseElector(db=bot.services.db, clock=bot.clock, holder="next").try_acquire()  # released on stop


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sqlite_template: SqliteTemplate) -> str:
    url = sqlite_template.copy_to(tmp_path / "cli.db")
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.chdir(tmp_path)  # no stray .env
    for name in ("SLACK_BOT_TOKEN", "FEISHU_APP_ID", "OPENAI_API_KEY", "OPENAI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    return url


def test_jobs_cli_list_and_run(cli_env: str) -> None:
    bot = Harness.create(cli_env, migrate=False)
    try:
        add_schedule(bot, "digest weekly fri 17:00 channels:slack:CSALES")
    finally:
        bot.close()
    runner = CliRunner()
    listed = runner.invoke(app, ["jobs", "list"])
    assert listed.exit_code == 0, listed.output
    assert "schedule:1\tdigest\t'weekly fri 17:00'" in listed.output
    assert re.search(r"next \d{4}-\d{2}-\d{2}T17:00\+08:00", listed.output)  # the CLI uses the real clock
    assert "system:announcements.deliver_due" in listed.output
    ran = runner.invoke(app, ["jobs", "run", "1"])
    assert ran.exit_code == 0, ran.output
    assert "schedule:1: posted to" in ran.output
    housekeeping = runner.invoke(app, ["jobs", "run", "system:housekeeping.forget_events"])
    assert housekeeping.exit_code == 0 and "system:housekeeping.forget_events: 0" in housekeeping.output
    # the schedule's post waits for a process connected to Slack; a failed run then says only its error
    assert "not sent from here" in ran.output
    for wrong in ("system:nope", "999"):
        failed = runner.invoke(app, ["jobs", "run", wrong])
        assert failed.exit_code == 2 and len(failed.output.splitlines()) == 2, failed.output


@pytest.mark.parametrize(
    ("job_id", "english", "chinese"),
    [
        ("999", "There is no schedule #999.", "没有编号为 #999 的定时任务。"),
        ("schedule:#999", "There is no schedule #999.", "没有编号为 #999 的定时任务。"),
        (
            "abc",
            "A job id is a schedule number or system:<name>, not 'abc'.",
            "任务编号应为定时任务编号或 system:<名称>，而不是 'abc'。",
        ),
        (
            "²",
            "A job id is a schedule number or system:<name>, not '²'.",
            "任务编号应为定时任务编号或 system:<名称>，而不是 '²'。",
        ),
        (
            "9" * 30,
            f"A job id is a schedule number or system:<name>, not '{'9' * 30}'.",
            f"而不是 '{'9' * 30}'。",
        ),
        ("system:nope", "There is no system job 'system:nope'.", "没有名为 'system:nope' 的系统任务。"),
    ],
)
def test_jobs_run_of_no_such_job_is_a_bilingual_usage_error(
    cli_env: str, job_id: str, english: str, chinese: str
) -> None:
    result = CliRunner().invoke(app, ["jobs", "run", job_id])
    assert result.exit_code == 2, result.output
    first, second = result.output.splitlines()
    assert first.startswith(english) and first.endswith(
        "Usage: salesbridge jobs run ID|schedule:ID|system:NAME  (see `salesbridge jobs list`)"
    )
    assert chinese in second and second.endswith(
        "用法：salesbridge jobs run 编号|schedule:编号|system:名称（见 `salesbridge jobs list`）"
    )


def test_an_acknowledging_only_process_runs_nothing_beside_the_acks(bot: Harness) -> None:
    """`serve --workers 0`: no worker threads, no outbox loop, no scheduler, no index warm-up or background
    embedding — the `salesbridge worker` processes do all that; the acks get the CPU."""
    before = {thread.name for thread in threading.enumerate()}
    bot.app.start_background(workers=0)
    try:
        started = {thread.name for thread in threading.enumerate()} - before
        assert started == set()
        assert bot.app._scheduler is None and bot.app._threads == []
        assert bot.services.knowledge.background is None and bot.app.dispatcher.workers == 0
    finally:
        bot.app.stop()


def test_after_a_quiet_week_housekeeping_does_not_make_the_bot_swallow_its_next_replies(bot: Harness) -> None:
    """SQLite numbers a new row max(id) + 1: were every old event forgotten, the next ones would get ids 1, 2, …
    again and their replies (outbox key `in:<entry>:<n>`) would be dropped as duplicates of the old ones."""
    for text in ("role", "help"):
        bot.process(bot.message(text, dm=True))
    assert len(bot.slack.posted) == 2
    bot.clock.advance(timedelta(days=12))
    forgotten = forget_old_events(bot.services)
    bot.process(bot.message("role", dm=True))
    assert len(bot.slack.posted) == 3 and "Your role" in bot.slack.posted[-1].reply.text  # answered
    assert forgotten == 1  # the older event; the newest row stayed and kept the numbering going
    with bot.services.db.session() as session:
        assert [e.id for e in session.exec(select(InboxEvent))] == [2, 3]
