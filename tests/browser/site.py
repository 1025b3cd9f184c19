"""The dashboard served for a real browser, with a real bot behind it.

`served_site(database_url)` runs a whole bot whose Slack and Feishu ports talk to the loopback fake APIs
(`tests.scale.wire.wire_bot`) and serves `salesbridge.server.create_asgi_app` with uvicorn on a free port,
which is also SALESBRIDGE_PUBLIC_URL (the address sign-in links name). The chat side goes through the bot's
dispatcher (`Site.chat`, `Site.click`): what the bot answers reaches the fake Slack and Feishu APIs, and a
sign-in link is read from there, as a person would read it in their chat app.

Shared by tests/browser/ and docs/screenshots/make_screenshots.py.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from selenium.webdriver.remote.webdriver import WebDriver

from bot.clock import FrozenClock
from bot.messages import IncomingMessage, Kind, Reply, Sent
from salesbridge.server import create_asgi_app
from services.context import Services
from tests.browser.chromium import by_id, loaded, navigating
from tests.fakes.servers import free_port, serve_asgi
from tests.scale.wire import WireBot, wire_bot

CHANNEL = {"slack": "C100", "feishu": "oc_100"}  # where people talk to the bot in these tests
TOKEN = re.compile(r"/app/login\?token=([0-9a-f]{64})")
_ids = itertools.count(1)


@dataclass
class Site:
    bot: WireBot
    url: str  # http://127.0.0.1:PORT, also SALESBRIDGE_PUBLIC_URL
    clock: FrozenClock

    @property
    def services(self) -> Services:
        return self.bot.app.services

    def page(self, path: str) -> str:
        return self.url + path

    # --- the chat side ----------------------------------------------------------------------------------
    def message(self, text: str, *, user: str, platform: str = "slack", **extra: Any) -> IncomingMessage:
        n = next(_ids)
        message_id = f"1800000100.{n:06d}" if platform == "slack" else f"om_browser_{n:05d}"
        fields: dict[str, Any] = {
            "platform": platform,
            "conversation": CHANNEL[platform],
            "user": user,
            "text": text,
            "message_id": message_id,
            "thread": message_id,
            "mentions_bot": True,
            "event_id": f"ev-browser-{n}",
        }
        fields.update(extra)
        return IncomingMessage(**fields)

    def chat(self, text: str, *, user: str, platform: str = "slack", **extra: Any) -> list[Sent]:
        """`@bot <text>` from `user`: accepted, routed and answered through the outbox to the fake API."""
        return self.bot.app.dispatcher.process(self.message(text, user=user, platform=platform, **extra))

    def handle(self, text: str, *, user: str, platform: str = "slack") -> list[Reply]:
        """The handler's replies to `text` (for their buttons); as `chat`, but nothing is sent."""
        return self.bot.app.router.handle(self.message(text, user=user, platform=platform), self.services)

    def click(self, action_id: str, value: str, *, user: str, platform: str = "slack") -> list[Sent]:
        """A button pressed in chat (e.g. `announce.ack`), through the dispatcher like a real click."""
        return self.bot.app.dispatcher.process(
            self.message(
                "", user=user, platform=platform, kind=Kind.ACTION, action_id=action_id, action_value=value
            )
        )

    def recorded(self) -> int:
        return len(self.bot.slack.recorder.requests) + len(self.bot.feishu.recorder.requests)

    def sign_in_link(self, *, user: str, platform: str = "slack") -> str:
        """Ask the bot for `dashboard` (`看板` on Feishu) and read the link from what the fake platform API
        received — the ephemeral message only the asker sees."""
        api = self.bot.slack.recorder if platform == "slack" else self.bot.feishu.recorder
        before = len(api.requests)
        self.chat("dashboard" if platform == "slack" else "看板", user=user, platform=platform)
        with api.lock:
            new = api.requests[before:]
        for received in new:
            body = received.body.decode("utf-8", "replace")
            found = TOKEN.search(body)
            if found:
                where = "chat.postEphemeral" if platform == "slack" else "/ephemeral/v1/send"
                assert where in received.path, (received.path, "the link must go only to the asker")
                assert f"{self.url}/app/login?token=" in body, "the link names SALESBRIDGE_PUBLIC_URL"
                return f"{self.url}/app/login?token={found.group(1)}"
        raise AssertionError(f"no sign-in link reached the fake {platform} API: {new}")

    # --- the browser side -------------------------------------------------------------------------------
    def sign_in(self, chrome: WebDriver, *, user: str, platform: str = "slack", lang: str = "") -> str:
        """Sign `chrome` in as `user` through a link from chat (forgetting any earlier session); returns
        the link used."""
        chrome.execute_cdp_cmd("Network.clearBrowserCookies", {})
        link = self.sign_in_link(user=user, platform=platform)
        chrome.get(link + (f"&lang={lang}" if lang else ""))
        loaded(chrome)
        navigating(chrome, by_id(chrome, "login-button").click)
        assert chrome.current_url.startswith(self.page("/app/requests")), chrome.current_url
        return link

    def open(self, chrome: WebDriver, path: str) -> None:
        chrome.get(self.page(path))
        loaded(chrome)


def now_minute() -> datetime:
    return datetime.now(UTC).replace(second=0, microsecond=0)


@contextmanager
def served_site(database_url: str, *, start: datetime | None = None, **settings: str) -> Iterator[Site]:
    """The bot on `database_url` (already migrated), on a frozen clock at `start` (default: now), served on
    loopback. The browser's cookies live as long as the clock says (Max-Age), so start near real time."""
    clock = FrozenClock(start or now_minute())
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with (
        wire_bot(database_url, clock=clock, SALESBRIDGE_PUBLIC_URL=url, **settings) as bot,
        serve_asgi(create_asgi_app(bot.app), port=port) as served,
    ):
        assert served == url
        yield Site(bot=bot, url=url, clock=clock)
