"""Getting in and out: one-time links from chat and the CLI, the session cookie, sign-out, CSRF."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from salesbridge.cli import app as cli
from tests.dashboard.helpers import client, csrf_of, link_token, message_of, sign_in
from tests.fakes.harness import Harness


def test_sign_in_through_the_link_the_chat_command_sends(any_db_bot: Harness) -> None:
    bot = any_db_bot
    web = client(bot)
    replies = bot.command("dashboard", user="UPM")
    assert replies[0].where == "ephemeral"  # only the asker sees it
    assert replies[0].text.startswith("http://localhost:3000/app/login?token=")
    token = link_token(bot, user="UPM")
    page = web.get(f"/app/login?token={token}")
    assert page.status_code == 200 and 'id="login-button"' in page.text
    done = web.post("/app/login", data={"token": token}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/app/requests"
    cookie = done.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/app" in cookie
    assert "Max-Age=28800" in cookie and "Secure" not in cookie  # http: no Secure flag
    home = web.get("/app/requests")
    assert home.status_code == 200
    assert 'id="signed-in-user"' in home.text and "slack:UPM" in home.text
    assert 'id="signed-in-role" class="role role-pm"' in home.text
    for page_key in ("requests", "announcements", "knowledge", "schedules"):
        assert f'id="nav-{page_key}"' in home.text
        assert web.get(f"/app/{page_key}").status_code == 200


def test_feishu_and_console_ask_in_chinese_or_english(bot: Harness) -> None:
    replies = bot.say("看板", user="ou_pm", platform="feishu", channel="oc_1")
    assert replies[0].where == "ephemeral" and "/app/login?token=" in replies[0].text
    assert "仅你可见" in replies[0].context[0]
    console = bot.say("dashboard", user="ann", platform="console", channel="general")
    assert "/app/login?token=" in console[0].text and "Only you" in console[0].context[0]


def test_the_link_reaches_only_the_asker_through_the_outbox(bot: Harness) -> None:
    for platform, user, channel in (("slack", "UPM", "C1"), ("feishu", "ou_pm", "oc_1")):
        bot.process(bot.message("dashboard", user=user, platform=platform, channel=channel))
        posted = bot.ports[platform].posted
        assert len(posted) == 1 and "/app/login?token=" in posted[0].reply.text
        assert posted[0].address.ephemeral and posted[0].address.user == user


def test_words_after_the_command_are_still_a_question(bot: Harness) -> None:
    replies = bot.say("dashboard export to PDF, is that supported?", user="U1")
    assert not any("/app/login" in r.text for r in replies)


def test_a_link_signs_in_once(bot: Harness) -> None:
    web = client(bot)
    token = link_token(bot, user="UPM")
    assert web.post("/app/login", data={"token": token}, follow_redirects=False).status_code == 303
    other = client(bot)
    again = other.get(f"/app/login?token={token}")
    assert again.status_code == 410 and 'data-problem="used"' in again.text
    assert "already used" in again.text and "dashboard" in message_of(again.text)
    assert "<title>Link already used · SalesBridge</title>" in again.text
    posted = other.post("/app/login", data={"token": token}, follow_redirects=False)
    assert posted.status_code == 410 and "sb_session" not in posted.headers.get("set-cookie", "")
    assert other.get("/app/requests").status_code == 401


def test_an_expired_link_is_refused_with_how_to_get_a_new_one(bot: Harness) -> None:
    web = client(bot)
    token = link_token(bot, user="UPM")
    bot.clock.advance(minutes=10, seconds=1)
    page = web.get(f"/app/login?token={token}", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert page.status_code == 410 and 'data-problem="expired"' in page.text
    assert "已过期" in page.text and "看板" in message_of(page.text)
    assert "<title>链接已过期 · SalesBridge</title>" in page.text  # not "SalesBridge · SalesBridge"
    assert web.post("/app/login", data={"token": token}).status_code == 410
    assert web.get("/app/requests").status_code == 401


def test_an_unknown_link_and_no_link(bot: Harness) -> None:
    web = client(bot)
    unknown = web.get("/app/login?token=" + "0" * 64)
    assert unknown.status_code == 404 and "<title>Link not valid · SalesBridge</title>" in unknown.text
    assert web.get("/app/login?token=" + "x" * 5000).status_code == 404
    helpful = web.get("/app/login")
    assert helpful.status_code == 200 and "/salesbridge dashboard" in helpful.text
    signed_out = web.get("/app/requests")
    assert signed_out.status_code == 401 and "dashboard" in message_of(signed_out.text)


def test_the_session_expires(bot: Harness) -> None:
    web = client(bot)
    sign_in(bot, web, user="UPM")
    bot.clock.advance(hours=7, minutes=59)
    assert web.get("/app/requests").status_code == 200
    bot.clock.advance(minutes=2)
    assert web.get("/app/requests").status_code == 401


def test_sign_out_ends_the_session_even_for_a_kept_cookie(bot: Harness) -> None:
    web = client(bot)
    csrf = sign_in(bot, web, user="UPM")
    kept = web.cookies.get("sb_session")
    assert kept
    done = web.post("/app/logout", data={"csrf_token": csrf})
    assert done.status_code == 200 and "signed out" in done.text.lower()
    assert 'sb_session=""' in done.headers["set-cookie"] or "Max-Age=0" in done.headers["set-cookie"]
    assert web.get("/app/requests").status_code == 401
    assert client(bot).get("/app/requests", headers={"Cookie": f"sb_session={kept}"}).status_code == 401


def test_a_forged_or_tampered_cookie_signs_nobody_in(bot: Harness) -> None:
    web = client(bot)
    sign_in(bot, web, user="UPM")
    value = web.cookies.get("sb_session") or ""
    token, expires, signature = value.split(".")
    forged = client(bot)
    assert forged.get("/app/requests", headers={"Cookie": f"sb_session={value}"}).status_code == 200
    for bad in (
        f"{token}.{int(expires) + 99999}.{signature}",
        f"{token[:-1]}{'B' if token.endswith('A') else 'A'}.{expires}.{signature}",  # one character changed
        "garbage",
    ):
        assert forged.get("/app/requests", headers={"Cookie": f"sb_session={bad}"}).status_code == 401


def test_posts_without_the_sessions_csrf_token_are_refused(bot: Harness) -> None:
    web = client(bot)
    csrf = sign_in(bot, web, user="UPM")
    assert web.post("/app/logout").status_code == 403
    wrong = web.post("/app/logout", data={"csrf_token": csrf[:-2] + ("yy" if csrf.endswith("xx") else "xx")})
    assert wrong.status_code == 403 and "security token" in message_of(wrong.text)
    other = client(bot)
    other_csrf = sign_in(bot, other, user="UADMIN")
    assert web.post("/app/logout", data={"csrf_token": other_csrf}).status_code == 403  # another session's
    assert web.get("/app/requests").status_code == 200  # still signed in: nothing happened


def test_a_sign_in_form_posted_from_another_site_is_refused(bot: Harness) -> None:
    web = client(bot)
    token = link_token(bot, user="UPM")
    refused = web.post("/app/login", data={"token": token}, headers={"Origin": "https://evil.example"})
    assert refused.status_code == 403
    ours = web.post("/app/login", data={"token": token}, headers={"Origin": "http://localhost:3000"})
    assert ours.status_code == 200 and 'id="requests-heading"' in ours.text


def test_cookies_are_secure_behind_https(tmp_path: Path, sqlite_url: str) -> None:
    bot = Harness.create(sqlite_url, migrate=False, SALESBRIDGE_PUBLIC_URL="https://sb.example.com/")
    try:
        reply = bot.say("dashboard", user="UPM")[0]
        assert reply.text.startswith("https://sb.example.com/app/login?token=")
        token = link_token(bot, user="UPM")
        web = client(bot)
        done = web.post("/app/login", data={"token": token}, follow_redirects=False)
        assert "Secure" in done.headers["set-cookie"]
    finally:
        bot.close()


def test_processes_on_one_database_share_the_generated_secret(bot: Harness) -> None:
    first, second = client(bot), client(bot)  # two apps, as two `serve` processes would build
    sign_in(bot, first, user="UPM")
    cookie = f"sb_session={first.cookies.get('sb_session')}"
    assert second.get("/app/requests", headers={"Cookie": cookie}).status_code == 200


def test_a_configured_secret_is_used(sqlite_url: str) -> None:
    bot = Harness.create(sqlite_url, migrate=False, SALESBRIDGE_DASHBOARD_SECRET="s3cret-" * 6)
    try:
        web = client(bot)
        sign_in(bot, web, user="UPM")
        assert web.get("/app/requests").status_code == 200
    finally:
        bot.close()


def test_the_cli_prints_a_link(bot: Harness, sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    monkeypatch.setenv("SALESBRIDGE_PUBLIC_URL", "http://localhost:3000")
    result = CliRunner().invoke(cli, ["dashboard", "link", "feishu:ou_pm"])
    assert result.exit_code == 0, result.output
    url = result.stdout.strip().splitlines()[0]
    assert url.startswith("http://localhost:3000/app/login?token=")
    web = client(bot)
    token = url.split("token=")[1]
    assert web.post("/app/login", data={"token": token}, follow_redirects=False).status_code == 303
    page = web.get("/app/requests")
    assert "feishu:ou_pm" in page.text and "role-pm" in page.text
    bad = CliRunner().invoke(cli, ["dashboard", "link", "U123"])
    assert bad.exit_code == 2 and "slack:U0123" in bad.output


def test_language_from_query_cookie_and_header(bot: Harness) -> None:
    web = client(bot)
    sign_in(bot, web, user="UPM")
    assert ">Requests<" in web.get("/app/requests").text
    chinese = web.get("/app/requests?lang=zh")
    assert (
        'lang="zh-CN"' in chinese.text
        and ">需求<" in chinese.text
        and "sb_lang=zh" in chinese.headers["set-cookie"]
    )
    assert ">需求<" in web.get("/app/requests").text  # remembered
    fresh = client(bot)
    assert "请在聊天中登录" in fresh.get("/app/requests", headers={"Accept-Language": "zh-CN,en;q=0.5"}).text
    assert (
        "Sign in from chat" in fresh.get("/app/requests", headers={"Accept-Language": "en-US,zh;q=0.5"}).text
    )


def test_unknown_pages_and_methods_get_a_page(bot: Harness) -> None:
    web = client(bot)
    csrf_page = sign_in(bot, web, user="UPM")
    assert csrf_page
    missing = web.get("/app/nowhere")
    assert missing.status_code == 404 and 'id="message-title"' in missing.text
    assert web.get("/app/logout").status_code == 405
    assert csrf_of(web.get("/app/requests").text) == csrf_page
    headers = web.get("/app/requests").headers
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["cache-control"] == "no-store" and headers["referrer-policy"] == "same-origin"
