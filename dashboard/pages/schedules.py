"""Schedules (to be built: every schedule with its next runs, holidays and make-up days, pause / resume /
run now)."""

from __future__ import annotations

from dashboard.web import coming_page

PAGE = coming_page(
    "schedules",
    "Schedules",
    "日程",
    what_en="Every schedule with its next runs is coming here. Meanwhile, in chat: `schedule list`.",
    what_zh="所有日程及其下次运行时间即将在此显示。目前请在聊天中使用：`提醒 列表`。",
)
