"""`²`, `①` and other characters `str.isdigit` accepts but `int()` refuses, and ids longer than any stored one:
every command taking an id answers them with its usage, as any other wrong id (each was "Sorry, something went
wrong"); full-width digits (`１２`) are numbers."""

from __future__ import annotations

import pytest

from tests.fakes.harness import Harness

PM = "UPM"


@pytest.mark.parametrize(
    "text",
    [
        "feedback up ²",
        "requests show ²",
        "requests merge ² into 3",
        "requests top ²",
        "requests status ② planned",
        "schedule pause ²",
        "announce ack ²",
        "answer ² hi",
        # more digits than any stored id: SQLite raised OverflowError, PostgreSQL refuses it too
        "feedback up 99999999999999999999",
        "requests show 99999999999999999999",
        "requests join 1 99999999999999999999",
        "announce status 99999999999999999999",
        "schedule absent 99999999999999999999",
    ],
)
def test_a_digit_like_character_gets_the_usage_not_an_error(bot: Harness, text: str) -> None:
    replies = bot.say(text, user=PM)
    assert replies, text
    assert all("went wrong" not in r.text and r.color != "danger" for r in replies), [r.text for r in replies]
    assert "Usage / 用法" in replies[0].text or "用法" in replies[0].text, replies[0].text


def test_full_width_digits_are_numbers(bot: Harness) -> None:
    bot.say("request SAML SSO customer:Acme tier:gold", user=PM)
    [shown] = bot.say("requests show １", user=PM)
    assert "SAML SSO" in shown.text
