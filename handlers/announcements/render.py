"""What only the author of an announcement sees in chat: the preview with Confirm / Cancel (or Cancel
alone when it is scheduled). The post itself and the reminders are `services.announcements.posts`."""

from __future__ import annotations

from bot.messages import Button, Reply
from bot.models import Announcement
from services.announcements.posts import announcement_reply
from services.announcements.posts import eos_note as eos_note  # handlers.ask imports it from here

CONFIRM_ACTION = "announce.confirm"
CANCEL_ACTION = "announce.cancel"


def preview_reply(
    a: Announcement, *, targets: list[str], warnings: list[tuple[str, str]], scheduled_for: str = ""
) -> Reply:
    """The exact post, shown only to its author, with Confirm / Cancel (or Cancel only when scheduled)."""
    assert a.id is not None
    post = announcement_reply(a)
    notes = [f"⚠️ {en} / {zh}" for en, zh in warnings]
    where = ", ".join(targets)
    if scheduled_for:
        notes.append(f"Scheduled for {scheduled_for} to {where}. / 已定时于 {scheduled_for} 发送到 {where}。")
        buttons = [Button(action_id=CANCEL_ACTION, label="Cancel / 取消", value=str(a.id), style="danger")]
    else:
        notes.append(
            f"Preview — nothing is posted until you confirm. Goes to: {where}. / 预览——确认后才会发布到：{where}。"
        )
        buttons = [
            Button(
                action_id=CONFIRM_ACTION, label="Confirm & post / 确认发布", value=str(a.id), style="primary"
            ),
            Button(action_id=CANCEL_ACTION, label="Cancel / 取消", value=str(a.id), style="danger"),
        ]
    return post.model_copy(
        update={"buttons": buttons, "context": notes + list(post.context), "where": "ephemeral"}
    )
