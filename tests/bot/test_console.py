import io
from pathlib import Path

from bot.platforms.console import ConsolePort, ConsoleSession
from salesbridge.app import build_application
from tests.fakes.harness import make_settings


def test_console_session_through_stdin(sqlite_url: str) -> None:
    out = io.StringIO()
    port = ConsolePort(out=out)
    app = build_application(make_settings(sqlite_url), ports={"console": port}, migrate=False)
    stdin = io.StringIO("help\n@bot role\nhello there, no command\n!9\nquit\nrole\n")
    ConsoleSession(port=port, process=app.dispatcher.process, user="UADMIN").run(stdin, interactive=False)
    text = out.getvalue()
    assert "SalesBridge commands" in text
    assert "(only you) Your role: *admin*" in text
    assert "(no such button)" in text
    assert text.count("bot>") >= 3
    app.stop()


def test_cli_chat_subprocess(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'c.db'}"}
    result = subprocess.run(
        [sys.executable, "-m", "salesbridge", "chat"],
        input="帮助\n",
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "SalesBridge 命令" in result.stdout


def _console(sqlite_url: str, script: str, **settings: str) -> str:
    from datetime import UTC, datetime

    from bot.clock import OffsetClock
    from jobs import run_due_jobs

    out = io.StringIO()
    port = ConsolePort(out=out, people=["you", "lily", "pat"])
    clock = OffsetClock()
    clock.offset = datetime(2027, 1, 4, 2, 0, tzinfo=UTC) - clock.now()  # Mon 10:00 Asia/Shanghai
    values = {"SALESBRIDGE_ADMIN_USERS": "you", "SALESBRIDGE_PM_USERS": "pat", **settings}
    app = build_application(
        make_settings(sqlite_url, **values), ports={"console": port}, clock=clock, migrate=False
    )
    try:
        ConsoleSession(
            port=port,
            process=app.dispatcher.process,
            user="you",
            advance=clock.advance,
            now=clock.now,
            run_jobs=lambda grace: run_due_jobs(app.services, grace=grace),
            validate=lambda msg: app.router.validate_form(msg, app.services),
        ).run(io.StringIO(script), interactive=False)
    finally:
        app.stop()
    return out.getvalue()


PRACTICE_ANSWER = (
    "So you're saying the price is too high. I understand the price feels high. "
    "May I ask what you compare us with? Our customers cut reporting time by 30 percent. "
    "Does that address your concern?"
)


def test_console_threads_carry_practice_answers_to_the_practice_not_the_pm_channel(sqlite_url: str) -> None:
    text = _console(sqlite_url, f"@bot objection practice\nas lily: >2 {PRACTICE_ANSWER}\n>99 hello\n")
    assert "bot> [#2] == LSCPA practice" in text
    assert "  ↳ in thread #2 · bot> [#4] == LSCPA coaching" in text
    assert "\n      @lily You covered" in text  # indented inside the thread, mentions by name
    assert "Question #1 from sales" not in text  # not escalated to the PM channel as an unknown question
    assert "no message #99" in text


def test_console_buttons_of_the_last_message_with_buttons_and_several_people(sqlite_url: str) -> None:
    script = (
        "@bot announce release product:LumenCRM version:5.3 date:2027-01-05 channels:console:general "
        'highlights:"Faster search"\n'
        "role\n"  # a message without buttons does not hide the preview's buttons
        "!1\n"  # Confirm & post
        "as lily: role\n"
        "as lily: !1\n"  # Acknowledge, as lily
        "/user pat\n"
        "role\n"
        "announce status 1\n"
        "/user\n"
    )
    text = _console(sqlite_url, script)
    assert "[!1] Confirm & post / 确认发布" in text
    assert "Posted" in text and "== 🚀 Release: LumenCRM 5.3" in text
    assert "Your role: *sales*" in text and "Your role: *pm*" in text
    assert "Thanks @lily — recorded that you read #1" in text
    assert "1 of 2 members acknowledged" in text  # the console channel's members, minus the author
    # the channel's pending line belongs to its entry: indented under it, not a loose line of its own
    assert "  console:general — 1/2 (50%): ✅ @lily\n      ⏳ @pat\n" in text
    assert "(you are now pat / 当前用户：pat)" in text
    assert "people here: you, lily, *pat*" in text
    assert "(DM with lily)" in text or "(only lily)" in text


def test_console_scheduler_posts_while_you_watch_and_time_fast_forwards(sqlite_url: str) -> None:
    script = (
        "@bot announce release product:LumenCRM version:5.3 date:2027-01-05 channels:console:general "
        'highlights:"Faster search" at:2027-01-04T10:30\n'
        "jobs run\n"
        "time +1h\n"
        "time\n"
    )
    text = _console(sqlite_url, script)
    scheduled, _, after = text.partition("(jobs run — nothing was due")
    assert "Scheduled for 2027-01-04 10:30" in scheduled and "[!1] Acknowledge" not in scheduled
    assert "(time moved forward 1h" in after
    assert "[!1] Acknowledge / 已阅" in after and "system:announcements.deliver_due: 1" in after
    assert "Your scheduled announcement #1 was posted to console:general" in after
    assert "bot time / 机器人时间: 2027-01-04 03:00" in after  # UTC here: the CLI shows the bot's timezone


def test_console_channel_names_are_not_doubled(sqlite_url: str) -> None:
    from bot.messages import Address, Reply

    out = io.StringIO()
    port = ConsolePort(out=out)
    port.send(Address(platform="console", conversation="#sales"), Reply(text="hi"))
    port.send(Address(platform="console", conversation="product-team"), Reply(text="hi"))
    assert "(#sales) hi" in out.getvalue() and "##" not in out.getvalue()
    assert "(#product-team) hi" in out.getvalue()
    assert port.members("general") == ["you"] and port.members("dm-lily") == ["lily"]


def test_console_form_asks_again_only_for_the_wrong_fields_and_keeps_the_rest(sqlite_url: str) -> None:
    # request (opens the form): description, customer, tier, urgency, arr, area — two of them wrong
    script = "\n".join(
        [
            "/request",
            "Bulk edit of contacts",
            "Umbrella",
            "platinum",
            "blocker",
            "lots",
            "-",
            "diamond",  # only tier and arr are asked again
            "",  # Enter keeps 'lots' for arr, still wrong: asked once more
            "300k",
            "",
        ]
    )
    text = _console(sqlite_url, script)
    assert text.count("Please correct / 请修改") == 2
    first, second = text.split("Please correct / 请修改")[1:3]
    assert "⚠ Tier" in first and "⚠ ARR" in first and "⚠ Customer" not in first
    assert "⚠ ARR" in second and "⚠ Tier" not in second
    logged = text.split("Logged feature request #1")[1]
    assert "Umbrella" in logged and "diamond" in logged and "$300k" in logged


def test_a_field_value_of_several_lines_stays_indented_under_its_label() -> None:
    from bot.messages import KeyValue, Reply
    from bot.platforms.console import render_text

    text = render_text(
        Reply(title="T", fields=[KeyValue(label="slack:C1 — 0/2", value="✅ —\n⏳ a, b\n\nlast")])
    )
    assert text == "== T ==\n  slack:C1 — 0/2: ✅ —\n      ⏳ a, b\n\n      last"


def test_bad_console_commands_get_the_console_usage_and_never_reach_the_bot(sqlite_url: str) -> None:
    lines = ["time +abc", "time -1d", "jobs list", "/jobs", "TIME soon", "as lily: jobs list"]
    text = _console(sqlite_url, "\n".join([*lines, "time +1h"]) + "\n")
    for line in lines:
        said = line.removeprefix("as lily: ")
        assert (
            f"(the console cannot read `{said}` / 控制台无法识别 `{said}` — console commands: `time`" in text
        )
    assert text.count("to ask the bot something that starts with “time” or “jobs”, write `@bot …`") == len(
        lines
    )
    assert "bot>" not in text  # nothing was asked, escalated or answered
    assert "(time moved forward 1h / 时间前进 1h)" in text  # a good one still works


def test_cancel_at_a_form_prompt_abandons_the_form_and_quit_ends_the_session(sqlite_url: str) -> None:
    script = "\n".join(
        [
            "/request",
            "Bulk edit of contacts",
            "cancel",  # at the second prompt: nothing is stored, the session goes on
            "request",
            "取消",
            "requests",
            "/request",
            "Mass delete",
            "quit",  # at a form prompt: the session ends here
            "role",
        ]
    )
    text = _console(sqlite_url, script + "\n")
    note = "(form “Log a feature request” cancelled — nothing was stored / 已放弃填写表单，未保存任何内容)"
    assert text.count(note) == 2
    assert "Logged feature request" not in text and "Mass delete" not in text
    assert "No open requests yet." in text  # `requests` between the forms: nothing was stored
    assert "Your role" not in text  # nothing after `quit` was read


def test_a_form_opened_in_a_dm_is_answered_in_that_dm(sqlite_url: str) -> None:
    script = "\n".join(["request", "Bulk edit of contacts", "Umbrella", "gold", "blocker", "300k", "-"])
    text = _console(sqlite_url, script + "\n")
    assert "bot> [#2] (DM with you) == Logged feature request #1 ==" in text
    assert "bot> [#2] == Logged feature request" not in text  # not in #general


def test_a_button_is_clicked_in_the_conversation_of_its_message(sqlite_url: str) -> None:
    from bot.messages import Address, Button, IncomingMessage, Reply

    port = ConsolePort(out=io.StringIO(), people=["you", "lily"])
    seen: list[IncomingMessage] = []
    session = ConsoleSession(port=port, process=seen.append, user="you")
    port.send(
        Address(platform="console", user="lily"),
        Reply(text="ack?", buttons=[Button(action_id="a", label="A")]),
    )
    session.run(io.StringIO("as lily: !1\n"), interactive=False)
    assert [(m.conversation, m.is_direct, m.user) for m in seen] == [("dm-lily", True, "lily")]
