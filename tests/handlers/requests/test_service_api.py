"""The interface announcements and schedules use: mark_shipped, top_requests, requests_by_arr,
requests_created_since, status_changes_since."""

from __future__ import annotations

from datetime import timedelta

from handlers.requests.parse import parse_request_text
from services.requests.workflow import (
    change_status,
    create_request,
    mark_shipped,
    merge_requests,
    notify_status_change,
    requests_by_arr,
    requests_created_since,
    status_changes_since,
    top_requests,
)
from tests.fakes.harness import Harness


def _log(bot: Harness, text: str, *, platform: str = "slack", user: str = "U1") -> int:
    with bot.services.db.session() as session:
        created = create_request(
            session=session,
            data=parse_request_text(text),
            platform=platform,
            user=user,
            now=bot.services.now(),
        )
        assert created.request.id is not None
        return created.request.id


def test_mark_shipped_moves_and_notifies_each_requester_personally(bot: Harness) -> None:
    sso = _log(bot, "SAML SSO login customer:Acme", user="U1")
    dup = _log(bot, "SAML SSO 登录 客户:某某银行", platform="feishu", user="ou_1")
    other = _log(bot, "Dark mode customer:Globex", user="U2")
    with bot.services.db.session() as session:
        merge_requests(
            session=session,
            source_id=dup,
            target_id=sso,
            actor_platform="slack",
            actor="UPM",
            now=bot.services.now(),
        )
    moved = mark_shipped(services=bot.services, request_ids=[dup, other, 999], release="3.2", by_user="UPM")
    assert moved == [sso, other]  # the merged id is followed to its target; unknown ids are skipped
    assert [p.reply.text.splitlines()[0] for p in bot.slack.to(user="U1")] == [
        "Acme's request #1 SAML SSO login shipped in 3.2."
    ]
    assert "Globex's request #3 Dark mode shipped in 3.2." in bot.slack.to(user="U2")[0].reply.text
    assert "某某银行 的需求 #1 SAML SSO login 已在 3.2 中发布" in bot.feishu.to(user="ou_1")[0].reply.text
    # calling again changes nothing and sends nothing
    before = len(bot.slack.posted) + len(bot.feishu.posted)
    assert mark_shipped(services=bot.services, request_ids=[sso], release="3.2", by_user="UPM") == []
    assert len(bot.slack.posted) + len(bot.feishu.posted) == before


def test_rankings_and_digests(bot: Harness) -> None:
    start = bot.services.now()
    small = _log(bot, "Dark mode customer:Small tier:bronze urgency:low arr:5k")
    big = _log(bot, "SSO customer:Big tier:diamond urgency:blocker arr:50k")
    rich = _log(bot, "Data residency customer:Rich tier:silver urgency:normal arr:2m")
    with bot.services.db.session() as session:
        assert [r.id for r in top_requests(session=session, limit=2)] == [rich, big]
        assert [r.id for r in requests_by_arr(session=session, limit=3)] == [rich, big, small]
        assert [r.id for r in requests_created_since(session=session, since=start)] == [small, big, rich]
        assert requests_created_since(session=session, since=start + timedelta(minutes=1)) == []
    bot.clock.advance(hours=1)
    with bot.services.db.session() as session:
        change_status(
            session=session,
            request_id=big,
            status="planned",
            note="Q3",
            actor_platform="slack",
            actor="UPM",
            now=bot.services.now(),
        )
        change_status(
            session=session,
            request_id=small,
            status="declined",
            note="not now",
            actor_platform="slack",
            actor="UPM",
            now=bot.services.now(),
        )
    with bot.services.db.session() as session:
        changes = status_changes_since(session=session, since=start + timedelta(minutes=30))
        assert [(c.request_id, c.from_status, c.to_status, c.note) for c in changes] == [
            (big, "new", "planned", "Q3"),
            (small, "new", "declined", "not now"),
        ]
        assert [r.id for r in top_requests(session=session)] == [rich, big]  # declined is closed


def test_notifications_are_deduplicated_per_event_and_requester(bot: Harness) -> None:
    request_id = _log(bot, "SSO customer:Acme")
    with bot.services.db.session() as session:
        event = change_status(
            session=session,
            request_id=request_id,
            status="planned",
            actor_platform="slack",
            actor="UPM",
            now=bot.services.now(),
        )
        assert event is not None and event.id is not None
        event_id = event.id
    notify_status_change(services=bot.services, request_id=request_id, event_id=event_id)
    notify_status_change(services=bot.services, request_id=request_id, event_id=event_id)
    assert len(bot.slack.to(user="U1")) == 1


def test_whole_flow_on_every_database(any_db_bot: Harness) -> None:
    """SQLite always; PostgreSQL too when SALESBRIDGE_TEST_POSTGRES_URL is set."""
    bot = any_db_bot
    bot.say("request SAML SSO login customer:Acme tier:gold arr:120k", user="U1")
    reply = bot.say("需求 支持 SAML SSO 登录 客户:某某银行 等级:钻石", platform="feishu", user="ou_1")[0]
    assert reply.buttons and "#1" in reply.buttons[0].label
    bot.click(reply.buttons[0], user="ou_1", platform="feishu")
    bot.click(reply.buttons[0], user="ou_1", platform="feishu")
    bot.say("requests status 1 shipped release:3.2", user="UPM")
    assert len(bot.slack.to(user="U1")) == 1 and len(bot.feishu.to(user="ou_1")) == 1
    assert "SAML" in bot.say("requests search sso")[0].text
    with bot.services.db.session() as session:
        assert top_requests(session=session) == []
        assert [r.id for r in requests_by_arr(session=session, limit=5)] == []
