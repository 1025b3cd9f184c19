"""Shared bits of the announcement tests: complete commands and a publish-in-one-step helper."""

from __future__ import annotations

from collections.abc import Mapping

from sqlmodel import select

from bot.messages import Reply
from bot.models import Announcement
from tests.fakes.harness import Harness

PM = "UPM"
CHANNELS = "slack:C9,feishu:oc_1"

EOS_OPTIONS = {
    "reason": '"Replaced by the cloud edition"',
    "last-order": "2027-06-30",
    "end-of-support": "2028-06-30",
    "scope": '"All on-prem LegacyDB 2.x licences"',
    "alternative": '"CloudDB 3"',
    "support": '"Security fixes until end of support"',
    "contact": "<@UPM>",
}


def release_text(*, extra: str = "", channels: str = CHANNELS) -> str:
    return (
        f"announce release product:CloudDB version:3.2 date:2026-12-01 channels:{channels} "
        f'highlights:"SAML SSO; 2x faster sync" {extra}'
    ).strip()


def eos_text(
    *,
    product: str = "LegacyDB",
    channels: str = CHANNELS,
    drop: tuple[str, ...] = (),
    dates: Mapping[str, str] | None = None,
    **override: str,
) -> str:
    """`dates` for the options whose names are not identifiers (`last-order`, `end-of-support`)."""
    options = {**EOS_OPTIONS, **(dates or {}), **override}
    parts = [f"{key}:{value}" for key, value in options.items() if key not in drop]
    return f"announce eos product:{product} channels:{channels} " + " ".join(parts)


def seed_members(bot: Harness) -> None:
    bot.slack.channel_members["C9"] = ["U1", "U2", PM]
    bot.feishu.channel_members["oc_1"] = ["ou_1", "ou_2"]


def draft(bot: Harness, text: str, *, user: str = PM) -> Reply:
    [preview] = bot.say(text, user=user)
    assert preview.buttons, preview.text
    return preview


def publish(bot: Harness, text: str, *, user: str = PM) -> int:
    """Draft and confirm; returns the announcement id."""
    preview = draft(bot, text, user=user)
    confirm = next(b for b in preview.buttons if b.action_id == "announce.confirm")
    [done] = bot.click(confirm, user=user)
    assert "Posted" in done.text, done.text
    return int(confirm.value)


def announcements(bot: Harness) -> list[Announcement]:
    with bot.services.db.session() as session:
        return list(session.exec(select(Announcement)))
