"""Every command, given odd arguments (digit-like characters, 20-digit ids, NaN, emoji, 3,000 characters …),
answers — a usage message, a refusal or a result — and never "Sorry, something went wrong" (a handler error)."""

from __future__ import annotations

import itertools

from tests.fakes.harness import Harness

COMMANDS = [
    *("feedback up", "feedback down", "feedback pm", "反馈 有帮助", "answer", "回答", "kb add", "ask"),
    *("requests show", "requests top", "requests top arr", "requests search", "requests triage"),
    *(
        "requests triage 1 effort:",
        "requests triage 1 effort:2 confidence:",
        "requests status",
        "requests status 1",
    ),
    *("requests priority", "requests priority 1", "requests merge", "requests merge 1 into", "requests join"),
    *("requests keep", "需求列表 查看", "request x arr:", "request x customer:A tier:", "request x urgency:"),
    *("schedule add sync weekly", "schedule add sync weekly mon", "schedule pause", "schedule resume"),
    *(
        "schedule remove",
        "schedule agenda",
        "schedule absent",
        "announce ack",
        "announce confirm",
        "announce cancel",
    ),
    *("announce status", "announce release product:X version:", "announce eos product:", "launch X date:"),
    *("audience add", "audience remove", "objection add", "objection practice", "role grant", "role revoke"),
    *("dashboard", "help"),
]
ODD = [
    *(
        "²",
        "①",
        "٣",
        "-1",
        "0",
        "-0",
        "+1",
        "99999999999999999999",
        "１",
        "１２k",
        "²k",
        "0x10",
        "1_000",
        "1,5",
    ),
    *(
        "nan",
        "inf",
        "1e309",
        "1e5k",
        "NaN%",
        "101%",
        "-5%",
        "1.5",
        "#",
        '"',
        "'",
        "*",
        "--",
        "🙂",
        "x" * 3000,
    ),
    *("<@U1>", "@all", "&amp;"),
]


def test_no_odd_argument_makes_a_command_fail(bot: Harness) -> None:
    bot.say("request SAML SSO customer:Acme tier:gold arr:120k", user="UPM")
    failed = []
    for command, odd in itertools.product(COMMANDS, ODD):
        text = f"{command} {odd}"
        replies = bot.say(text, user="UPM")
        if not replies or any("went wrong" in r.text or r.color == "danger" for r in replies):
            failed.append(text[:60])
    assert failed == []
