"""The knowledge page over the sample knowledge base: documents and their status, unanswered / declined / 👎
questions grouped by meaning and answered in place (the askers hear it in their threads, on their platforms,
as from chat), FAQ entries with owner and verify-by date, re-verification, and "unverified since" in answers."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest

from bot.messages import Reply
from knowledge.store import last_changed
from tests.dashboard.helpers import client, message_of, sign_in
from tests.fakes.harness import Harness
from tests.handlers.requests.fake_embedder import FakeEmbedder

PAYPAL = "Can customers pay their invoices with PayPal?"
PAYPAL_AGAIN = "Can customers pay invoices with PayPal?"
MAINFRAME = "Does LumenCRM run on IBM mainframes?"
ANSWER = (
    "Yes. Since November 2026 invoices can be paid with PayPal in USD and EUR; card and wire work as before."
)


def only(replies: list[Reply]) -> Reply:
    assert len(replies) == 1, replies
    return replies[0]


def group_ids(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<li id="group-(\d+)"', html)]


def answers_in_threads(bot: Harness) -> list[tuple[str, str, str]]:
    return sorted(
        (port.platform, p.address.conversation or "", p.address.thread or "")
        for port in (bot.slack, bot.feishu)
        for p in port.posted
        if p.reply.title == "Answer from the product team"
    )


def ask_unknowns(bot: Harness) -> tuple[str, str]:
    """PayPal asked twice on Slack (two wordings) and once on Feishu; the mainframe question once. Returns the
    Feishu and second Slack asks' threads."""
    bot.say(PAYPAL, user="U1", channel="C1")
    slack = bot.message(PAYPAL_AGAIN, user="U2", channel="C2")
    bot.app.router.handle(slack, bot.services)
    feishu = bot.message(PAYPAL, platform="feishu", channel="oc_sales", user="ou_rep")
    bot.app.router.handle(feishu, bot.services)
    bot.say(MAINFRAME, user="U3", channel="C3")
    return feishu.thread or "", slack.thread or ""


def test_pms_answer_a_group_in_place_and_every_asker_hears_it(kb_bot: Harness) -> None:
    bot = kb_bot
    feishu_thread, slack_thread = ask_unknowns(bot)
    web = client(bot)
    token = sign_in(bot, web, user="UPM")
    page = web.get("/app/knowledge")
    assert page.status_code == 200
    assert 'id="documents-table"' in page.text and 'id="embedding-status"' in page.text
    assert 'data-count="14"' in page.text  # the sample documents
    assert 'id="unanswered-groups"' in page.text
    groups = group_ids(page.text)
    assert len(groups) == 2  # the two PayPal wordings are one group, the mainframe question another
    first = re.search(r'<li id="group-(\d+)"[^>]*data-asked="(\d+)" data-questions="([\d,]+)"', page.text)
    assert first and first.group(2) == "3" and "PayPal" in page.text.split('id="group-')[1]
    assert 'id="chart-answer-rate"' in page.text and "<svg" in page.text
    questions = first.group(3)
    done = web.post(
        "/app/knowledge/answer",
        data={"csrf_token": token, "questions": questions, "answer": ANSWER},
        follow_redirects=False,
    )
    assert done.status_code == 303 and "notice=answered" in done.headers["location"]
    assert "n=3" in done.headers["location"]
    # Each asker hears it in their own thread, on their own platform, exactly as from chat.
    delivered = answers_in_threads(bot)
    assert ("feishu", "oc_sales", feishu_thread) in delivered and ("slack", "C2", slack_thread) in delivered
    assert len(delivered) == 3
    # The PM channels are told it is answered (no PM channel gave this answer).
    assert any(p.reply.text.startswith("✅") for p in bot.slack.to(conversation="CPM"))
    after = web.get(done.headers["location"])
    assert len(group_ids(after.text)) == 1 and "3 asker" in after.text
    # FAQ entries with owner and verify-by date (answered + 180 days).
    assert 'id="faq-table"' in after.text
    rows = re.findall(r'<tr id="faq-row-(\d+)"', after.text)
    assert rows, after.text
    assert "slack:UPM" in after.text and 'data-date="2027-05-22"' in after.text
    assert 'id="reverify-list"' not in after.text
    # The same answer again changes nothing.
    again = web.post(
        "/app/knowledge/answer",
        data={"csrf_token": token, "questions": questions, "answer": ANSWER},
        follow_redirects=False,
    )
    assert "notice=repeated" in again.headers["location"] and len(answers_in_threads(bot)) == 3


def test_a_down_voted_answer_is_listed_and_answering_it_tells_the_asker_quietly(kb_bot: Harness) -> None:
    bot = kb_bot
    asked = bot.message("Which languages does the user interface support?", user="U5", channel="C5")
    answer = only(bot.app.router.handle(asked, bot.services))
    down = next(b for b in answer.buttons if b.action_id.startswith("kb.feedback.down"))
    bot.click(down, user="U5")
    web = client(bot)
    token = sign_in(bot, web, user="UPM")
    page = web.get("/app/knowledge")
    assert "Which languages" in page.text and "👎 1" in page.text
    questions = re.search(r'data-questions="([\d,]+)"', page.text)
    assert questions
    bot.slack.clear()
    web.post(
        "/app/knowledge/answer",
        data={
            "csrf_token": token,
            "questions": questions.group(1),
            "answer": "English, Chinese and Japanese.",
        },
    )
    [told] = [p for p in bot.slack.posted if p.reply.title == "Answer from the product team"]
    assert told.address.conversation == "C5" and told.address.thread == asked.thread
    assert not [p for p in bot.slack.posted if (p.reply.title or "").startswith("❓")]  # no new-question post


def test_an_entry_past_its_date_is_listed_and_answers_say_unverified_until_re_verified(
    kb_bot: Harness,
) -> None:
    bot = kb_bot
    bot.say(PAYPAL, user="U1")
    bot.say(f"answer 1 {ANSWER}", user="UPM", channel="CPM")  # answered in chat on 2026-11-23
    fresh = only(bot.say("Can customers pay with PayPal?", user="U9"))
    assert "PayPal" in fresh.text and not any("unverified" in line for line in fresh.context)
    bot.clock.advance(timedelta(days=181))  # past 2027-05-22
    late = only(bot.say("Can customers pay with PayPal?", user="U9"))
    assert any("unverified since 2027-05-22" in line for line in late.context), late.context
    web = client(bot)
    token = sign_in(bot, web, user="UPM")
    page = web.get("/app/knowledge")
    assert 'id="reverify-list"' in page.text and 'data-overdue="yes"' in page.text
    document_id = re.search(r'id="reverify-form-(\d+)"', page.text)
    assert document_id
    done = web.post(
        f"/app/knowledge/faq/{document_id.group(1)}/reverify",
        data={"csrf_token": token},
        follow_redirects=False,
    )
    assert done.status_code == 303 and "notice=reverified" in done.headers["location"]
    after = web.get(done.headers["location"])
    assert "due again on 2027-11-19" in after.text and 'id="reverify-list"' not in after.text
    assert f'id="verify-by-{document_id.group(1)}" data-date="2027-11-19"' in after.text
    again = only(bot.say("Can customers pay with PayPal?", user="U9"))
    assert "PayPal" in again.text and not any("unverified" in line for line in again.context)


def test_sales_see_documents_and_entries_but_no_questions_and_no_actions(kb_bot: Harness) -> None:
    bot = kb_bot
    ask_unknowns(bot)
    web = client(bot)
    token = sign_in(bot, web, user="U1")
    page = web.get("/app/knowledge")
    assert page.status_code == 200 and 'id="documents-table"' in page.text
    assert 'id="unanswered-groups"' not in page.text and "PayPal" not in page.text
    assert 'id="chart-answer-rate"' not in page.text and "reverify-form" not in page.text
    refused = web.post("/app/knowledge/answer", data={"csrf_token": token, "questions": "1", "answer": "yes"})
    assert refused.status_code == 403 and "pm" in message_of(refused.text)
    assert web.post("/app/knowledge/faq/1/reverify", data={"csrf_token": token}).status_code == 403
    assert answers_in_threads(bot) == []


def test_forged_forms_and_bad_input_get_clear_pages(kb_bot: Harness) -> None:
    bot = kb_bot
    ask_unknowns(bot)
    web = client(bot)
    token = sign_in(bot, web, user="UPM")
    for data in (
        {"questions": "1", "answer": "yes"},
        {"csrf_token": "forged", "questions": "1", "answer": "yes"},
    ):
        refused = web.post("/app/knowledge/answer", data=data)
        assert refused.status_code == 403 and "security token" in message_of(refused.text)
    assert web.post("/app/knowledge/faq/1/reverify", data={}).status_code == 403
    assert answers_in_threads(bot) == []
    cases = [
        ({"questions": "", "answer": "yes"}, 400),
        ({"questions": "1,x", "answer": "yes"}, 400),
        ({"questions": "1", "answer": "   "}, 400),
        ({"questions": "1,99999", "answer": "yes"}, 404),
    ]
    for data, status in cases:
        page = web.post("/app/knowledge/answer", data={"csrf_token": token, **data})
        assert page.status_code == status and 'id="message-text"' in page.text, (data, page.text)
    assert web.post("/app/knowledge/faq/999/reverify", data={"csrf_token": token}).status_code == 404
    assert web.post("/app/knowledge/faq/abc/reverify", data={"csrf_token": token}).status_code == 404
    assert web.get("/app/knowledge?days=5").status_code == 400
    assert web.get("/app/knowledge?kind=<script>").status_code == 400
    assert web.get("/app/knowledge?days=30&kind=faq").status_code == 200
    assert answers_in_threads(bot) == []


def test_documents_show_their_embedding_status(kb_bot: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    bot = kb_bot
    web = client(bot)
    sign_in(bot, web, user="U1")
    off = web.get("/app/knowledge").text
    assert 'data-state="off"' in off and "keyword retrieval only" in off
    knowledge = bot.services.knowledge
    monkeypatch.setattr(knowledge, "embedder", FakeEmbedder())
    pending = web.get("/app/knowledge").text
    assert 'data-state="embedded"' not in pending and 'data-state="pending"' in pending
    assert re.search(r'id="embedding-status" data-done="0" data-of="(\d+)"', pending)
    knowledge.embed_document(1)
    after = web.get("/app/knowledge").text
    assert re.search(r'id="embedding-1" class="embedding-embedded" data-state="embedded"', after)
    assert 'data-state="pending"' in after and not re.search(r'id="embedding-status" data-done="0"', after)


def test_the_status_box_is_in_the_pages_language_and_the_teams_timezone(kb_bot: Harness) -> None:
    """The semantic-retrieval and answer-decision lines showed the log's English ("lexical only (…)",
    "default") on the Chinese page, and the last change was in UTC while every other time is the team's."""
    bot = kb_bot
    web = client(bot)
    sign_in(bot, web, user="U1")
    zh = web.get("/app/knowledge?lang=zh").text
    semantic = re.search(r'id="status-semantic">([^<]*)<', zh)
    decision = re.search(r'id="status-decision" data-source="default">([^<]*)<', zh)
    assert semantic and semantic.group(1) == "仅关键词检索 (SALESBRIDGE_EMBEDDINGS=none)"
    assert decision and decision.group(1) == "默认阈值（未校准）"
    with bot.services.db.session() as session:
        changed = datetime.fromisoformat(last_changed(session=session))
    local = changed.astimezone(bot.services.settings.tz).strftime("%Y-%m-%d %H:%M")
    assert f'id="status-changed">{local}<' in zh and "UTC" not in zh
    en = web.get("/app/knowledge?lang=en").text
    assert 'id="status-semantic">lexical only (SALESBRIDGE_EMBEDDINGS=none)<' in en
    assert ">default thresholds (not calibrated)<" in en


def test_no_faq_entries_yet_says_kb_add_is_a_chat_command(kb_bot: Harness) -> None:
    """There is no `salesbridge kb add`: an operator reading "`kb add`" tried it in the terminal."""
    web = client(kb_bot)
    sign_in(kb_bot, web, user="UPM")
    english = web.get("/app/knowledge?lang=en").text
    assert "and from `kb add &lt;title&gt; | &lt;text&gt;` sent to the bot in chat." in english
    chinese = web.get("/app/knowledge?lang=zh").text
    assert "以及在聊天中发给机器人的 `知识库 添加 &lt;标题&gt; | &lt;内容&gt;`。" in chinese
