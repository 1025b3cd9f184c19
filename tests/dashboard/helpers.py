"""Driving the dashboard in tests: the real ASGI app of a `Harness` (`salesbridge.server.create_asgi_app`)
through Starlette's TestClient, signed in with a link the chat command produced."""

from __future__ import annotations

import re

from starlette.testclient import TestClient

from salesbridge.server import create_asgi_app
from tests.fakes.harness import Harness

BASE = "http://localhost:3000"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def client(bot: Harness) -> TestClient:
    return TestClient(create_asgi_app(bot.app), base_url=BASE)


def link_token(bot: Harness, *, user: str, platform: str = "slack", text: str = "dashboard") -> str:
    """The token of the sign-in link `dashboard` answers with (only to the asker)."""
    replies = bot.say(text, user=user, platform=platform, channel="C1" if platform == "slack" else "oc_1")
    assert len(replies) == 1 and replies[0].where == "ephemeral", replies
    found = re.search(r"/app/login\?token=([0-9a-f]{64})\b", replies[0].text)
    assert found, replies[0].text
    return found.group(1)


def sign_in(bot: Harness, web: TestClient, *, user: str, platform: str = "slack") -> str:
    """Sign `web` in as `user` through the chat command's link; returns the CSRF token of the session."""
    token = link_token(bot, user=user, platform=platform)
    page = web.get(f"/app/login?token={token}")
    assert page.status_code == 200 and 'id="login-button"' in page.text
    done = web.post("/app/login", data={"token": token}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/app/requests", done.text
    return csrf_of(web.get("/app/requests").text)


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "no CSRF field on the page"
    return found.group(1)


def message_of(html: str) -> str:
    found = re.search(r'id="message-text">(.*?)</p>', html, re.S)
    return found.group(1) if found else ""


def row_ids(html: str) -> list[int]:
    """The request ids of the requests table, in order."""
    return [int(n) for n in re.findall(r'<tr id="request-row-(\d+)"', html)]
