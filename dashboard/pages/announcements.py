"""Announcements and end-of-sale notices (to be built: acknowledgements per channel and person, reminders,
scheduled ones, the launch timeline)."""

from __future__ import annotations

from dashboard.web import coming_page

PAGE = coming_page(
    "announcements",
    "Announcements",
    "公告",
    what_en="Announcements and end-of-sale notices, with who acknowledged them, are coming here. Meanwhile, "
    "in chat: `announce list`, `announce status 7`.",
    what_zh="公告和停售通知及其已阅情况即将在此显示。目前请在聊天中使用：`公告 列表`、`announce status 7`。",
)
