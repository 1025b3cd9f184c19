"""Reply / Form → Block Kit: escaping, Slack's limits, unique action ids."""

from __future__ import annotations

import json
from datetime import date

from bot.chat_text import mention
from bot.messages import Button, Citation, Form, FormInput, KeyValue, Reply
from bot.platforms.slack.codec import FormContext, decode_form_context, original_action_id
from bot.platforms.slack.render import (
    MAX_BLOCKS,
    SECTION_LIMIT,
    render_blocks,
    render_message,
    render_view,
    split_text,
    to_mrkdwn,
)


def test_markdown_becomes_mrkdwn_and_markdown_links_stay_text_with_their_url() -> None:
    assert to_mrkdwn("**Pro plan** costs [see pricing](https://acme.example/p?a=1&b=2)") == (
        "*Pro plan* costs [see pricing](https://acme.example/p?a=1&amp;b=2)"
    )
    assert to_mrkdwn("_italic_ `code` • bullet") == "_italic_ `code` • bullet"


def test_user_text_cannot_ping_or_inject_links() -> None:
    hostile = "hey <!channel> look <https://evil.example|your bank> & <@U123> <!subteam^S1|@eng>"
    out = to_mrkdwn(hostile + " " + mention("U9"))
    assert "<!channel>" not in out and "&lt;!channel&gt;" in out
    assert "<https://evil" not in out and "&lt;https://evil.example|your bank&gt;" in out
    assert "<@U123>" not in out and "&lt;@U123&gt;" in out  # typed, not made by the bot: text
    assert "<!subteam" not in out and "&amp;" in out
    assert out.endswith("<@U9>")  # the bot's own mention token is a real mention


def test_mention_tokens_with_a_non_user_id_or_cut_in_half_stay_text() -> None:
    assert to_mrkdwn(mention("!channel")) == "@!channel"
    assert to_mrkdwn(mention("U1|x")) == "@U1|x"
    assert to_mrkdwn(mention("U1")[:-1]) == "@U1"  # a token cut by a length limit is no mention
    assert to_mrkdwn(mention("ou_1", platform="feishu")) == "a Feishu user / 一位飞书用户"


def test_markdown_links_are_never_made_live() -> None:
    assert to_mrkdwn("[x](javascript:alert)") == "[x](javascript:alert)"
    assert to_mrkdwn("[a|b>c](https://ok.example)") == "[a|b&gt;c](https://ok.example)"


def test_blocks_for_a_full_reply() -> None:
    reply = Reply(
        title="Request #12",
        text="**SSO** for Acme",
        fields=[KeyValue(label="Priority", value="high"), KeyValue(label="Customer", value="A<B>")],
        citations=[
            Citation(index=1, title="Plans", section="Limits", updated=date(2026, 1, 2)),
            Citation(index=2, title="Old FAQ", source="https://kb.example/faq", stale=True),
        ],
        buttons=[
            Button(action_id="request.vote", label="+1", value="12", style="primary"),
            Button(action_id="request.vote", label="-1", value="13", style="danger"),
            Button(action_id="request.close", label="Close", value="12"),
        ],
        context=[f"logged by {mention('U1')}"],
    )
    blocks = render_blocks(reply)
    assert [b["type"] for b in blocks] == ["header", "section", "section", "context", "context", "actions"]
    assert blocks[0]["text"] == {"type": "plain_text", "text": "Request #12", "emoji": True}
    assert blocks[1]["text"]["text"] == "*SSO* for Acme"
    assert blocks[2]["fields"][1]["text"] == "*Customer*\nA&lt;B&gt;"
    citations = [e["text"] for e in blocks[3]["elements"]]
    assert citations[0] == "[1] Plans › Limits · updated 2026-01-02"
    assert citations[1].startswith("[2] <https://kb.example/faq|Old FAQ>") and "outdated" in citations[1]
    assert blocks[4]["elements"][0]["text"] == "logged by <@U1>"
    buttons = blocks[5]["elements"]
    ids = [b["action_id"] for b in buttons]
    assert len(set(ids)) == 3
    assert [original_action_id(i) for i in ids] == ["request.vote", "request.vote", "request.close"]
    assert [b.get("style") for b in buttons] == ["primary", "danger", None]
    assert [b["value"] for b in buttons] == ["12", "13", "12"]


def test_long_text_is_split_under_the_section_limit_with_balanced_code_fences() -> None:
    text = "```\n" + "\n".join(f"line {i} " + "x" * 80 for i in range(200)) + "\n```"
    chunks = split_text(to_mrkdwn(text))
    assert len(chunks) > 1
    assert all(len(c) <= SECTION_LIMIT for c in chunks)
    assert all(c.count("```") % 2 == 0 for c in chunks)


def test_one_huge_line_is_cut_outside_entities() -> None:
    text = to_mrkdwn("&" * 5000)
    chunks = split_text(text)
    assert all(len(c) <= SECTION_LIMIT for c in chunks)
    assert all(c.replace("&amp;", "") == "" for c in chunks)


def test_at_most_fifty_blocks_and_buttons_survive_truncation() -> None:
    reply = Reply(
        text="\n".join("paragraph " + "y" * 2900 for _ in range(80)),
        buttons=[Button(action_id="kb.more", label="More", value="1")],
    )
    blocks = render_blocks(reply)
    assert len(blocks) == MAX_BLOCKS
    assert blocks[-1]["type"] == "actions"
    assert "truncated" in blocks[-2]["elements"][0]["text"]


def test_many_buttons_and_fields_are_spread_over_blocks() -> None:
    reply = Reply(
        fields=[KeyValue(label=f"k{i}", value=str(i)) for i in range(12)],
        buttons=[Button(action_id="x", label=f"b{i}", value=str(i)) for i in range(30)],
    )
    blocks = render_blocks(reply)
    assert [len(b.get("fields") or b.get("elements") or []) for b in blocks] == [10, 2, 25, 5]
    ids = [e["action_id"] for b in blocks if b["type"] == "actions" for e in b["elements"]]
    assert len(set(ids)) == 30


def test_message_has_escaped_fallback_text_and_color_mark() -> None:
    body = render_message(Reply(text="<!here> usage", color="warning"))
    assert body["text"] == "&lt;!here&gt; usage"
    assert body["blocks"][0]["text"]["text"].startswith("⚠️")


def test_form_becomes_a_modal() -> None:
    form = Form(
        form_id="request.new",
        title="Log a feature request for a customer",
        inputs=[
            FormInput(name="title", label="Title", placeholder="SSO login", initial="SSO"),
            FormInput(name="details", label="Details", multiline=True, required=False),
            FormInput(
                name="priority", label="Priority", options=[("high", "High"), ("low", "Low")], initial="low"
            ),
        ],
        private_value="42",
    )
    view = render_view(form, context=FormContext(value="42", channel="C1", thread="1.2"))
    assert view["type"] == "modal" and view["callback_id"] == "request.new"
    assert len(view["title"]["text"]) <= 24
    assert decode_form_context(view["private_metadata"]) == FormContext(
        value="42", channel="C1", thread="1.2"
    )
    title, details, priority = view["blocks"]
    assert title["block_id"] == title["element"]["action_id"] == "title"
    assert title["element"]["initial_value"] == "SSO" and not title["optional"]
    assert details["optional"] and details["element"]["multiline"]
    assert priority["element"]["type"] == "static_select"
    assert priority["element"]["initial_option"]["value"] == "low"
    json.dumps(view)  # serialisable as the views.open body


def test_an_empty_reply_sends_text_only() -> None:
    assert render_message(Reply()) == {"text": " "}


def test_a_title_with_its_own_icon_gets_no_second_one() -> None:
    from bot.messages import Reply
    from bot.platforms.slack.render import render_blocks

    [header, *_] = render_blocks(Reply(title="⛔ End of sale: LegacyDB", text="x", color="danger"))
    assert header["text"]["text"] == "⛔ End of sale: LegacyDB"
    [plain_header, *_] = render_blocks(Reply(title="Heads up", text="x", color="danger"))
    assert plain_header["text"]["text"] == "⛔ Heads up"
