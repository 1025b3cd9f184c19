"""Reading what a PM typed: the option keys of `announce` and `launch` (English and Chinese) and the
time token a split `at:` leaves behind. Channel targets and option values (dates, request ids) are parsed
by `services.announcements.targets` and `services.announcements.values`."""

from __future__ import annotations

import re

# every accepted spelling → canonical option key
RELEASE_KEYS = {
    "product": "product",
    "产品": "product",
    "version": "version",
    "版本": "version",
    "date": "date",
    "日期": "date",
    "发布日期": "date",
    "channels": "channels",
    "channel": "channels",
    "频道": "channels",
    "渠道": "channels",
    "highlights": "highlights",
    "亮点": "highlights",
    "要点": "highlights",
    "ships": "ships",
    "包含需求": "ships",
    "需求": "ships",
    "at": "at",
    "定时": "at",
    "发送时间": "at",
}
EOS_KEYS = {
    "product": "product",
    "产品": "product",
    "reason": "reason",
    "原因": "reason",
    "last-order": "last_order",
    "last_order": "last_order",
    "lastorder": "last_order",
    "最后订购日": "last_order",
    "最后下单日": "last_order",
    "end-of-support": "end_of_support",
    "end_of_support": "end_of_support",
    "eos": "end_of_support",
    "停止支持日": "end_of_support",
    "scope": "scope",
    "范围": "scope",
    "影响范围": "scope",
    "alternative": "alternative",
    "替代": "alternative",
    "替代方案": "alternative",
    "support": "support",
    "支持": "support",
    "支持方案": "support",
    "contact": "contact",
    "联系人": "contact",
    "channels": "channels",
    "channel": "channels",
    "频道": "channels",
    "渠道": "channels",
    "at": "at",
    "定时": "at",
    "发送时间": "at",
}
LAUNCH_KEYS = {
    "date": "date",
    "日期": "date",
    "上市日期": "date",
    "channels": "channels",
    "channel": "channels",
    "频道": "channels",
    "渠道": "channels",
    "calendar": "calendar",
    "cal": "calendar",
    "日历": "calendar",
    "节假日": "calendar",
}

_TIME = re.compile(r"^\d{1,2}:\d{2}$")


def take_time_token(free_text: str) -> tuple[str | None, str]:
    """`at:2026-12-01 09:30` leaves "09:30" in the free text; give it back to the `at` option."""
    head, _, rest = free_text.strip().partition(" ")
    if _TIME.match(head):
        return head, rest.strip()
    return None, free_text
