"""The knowledge base (to be built: documents and their embedding status, unanswered and 👎 questions, FAQ
entries to re-verify, the answer rate)."""

from __future__ import annotations

from dashboard.web import coming_page

PAGE = coming_page(
    "knowledge",
    "Knowledge",
    "知识库",
    what_en="Documents, unanswered questions and FAQ entries are coming here. Meanwhile, in chat: `kb gaps`; "
    "on the server: `salesbridge kb status`.",
    what_zh="文档、未解答的问题和 FAQ 条目即将在此显示。目前请在聊天中使用 `知识库 gaps`，或在服务器上运行 "
    "`salesbridge kb status`。",
)
