"""Every page of part 2 in both languages, with data on it, for a PM and for a sales rep: no page fails, the
labels follow the language, and no page loads anything from elsewhere."""

from __future__ import annotations

import pytest

from tests.dashboard.helpers import client, sign_in
from tests.dashboard.test_requests_pages import seed as seed_requests
from tests.fakes.harness import Harness
from tests.handlers.announcements.helpers import PM, draft, eos_text, publish, release_text, seed_members

PAGES = {
    "/app/announcements": ("Announcements and end-of-sale notices", "公告与停售通知"),
    "/app/announcements/1": ("Who has read it", "阅读情况"),
    "/app/knowledge": ("Knowledge base", "知识库"),
    "/app/schedules": ("Next runs", "接下来运行"),
    "/app/charts": ("Most requested areas", "需求最多的模块"),
}


def seed(bot: Harness) -> None:
    seed_requests(bot)
    seed_members(bot)
    publish(bot, release_text())
    publish(bot, eos_text())
    draft(bot, release_text(extra="at:2026-11-24T09:30"))
    bot.say("launch CloudDB 3 date:2027-06-01 channels:slack:C9", user=PM)
    bot.say("schedule add sync weekdays 10:00 channels:slack:C1 calendar:cn", user=PM)
    bot.say("Does LumenCRM run on IBM mainframes?", user="U3")
    bot.say("kb add Does it support SSO? | Yes, on Enterprise.", user=PM)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_page_in_both_languages(bot: Harness, lang: str) -> None:
    seed(bot)
    pm = client(bot)
    sign_in(bot, pm, user=PM)
    sales = client(bot)
    sign_in(bot, sales, user="ou_sales", platform="feishu")
    for path, (en, zh) in PAGES.items():
        page = pm.get(f"{path}?lang={lang}")
        assert page.status_code == 200, (path, page.text)
        assert (zh if lang == "zh" else en) in page.text, path
        assert "http://" not in page.text.replace('xmlns="http://www.w3.org/2000/svg"', "")
        assert "https://" not in page.text
        shown = sales.get(f"{path}?lang={lang}")
        assert shown.status_code == (403 if path == "/app/charts" else 200), path
