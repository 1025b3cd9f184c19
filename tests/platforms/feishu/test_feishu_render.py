"""Reply / Form → Feishu card JSON 2.0."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from bot.chat_text import mention
from bot.messages import Button, Citation, Form, FormInput, KeyValue, Reply
from bot.platforms.feishu.render import escape, markdown, render_card, render_form_card


def elements(card: dict[str, Any]) -> list[dict[str, Any]]:
    return card["body"]["elements"]


def walk(node: Any) -> list[dict[str, Any]]:
    """Every dict in the card, depth first."""
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        found.append(node)
        for value in node.values():
            found.extend(walk(value))
    elif isinstance(node, list):
        for item in node:
            found.extend(walk(item))
    return found


def test_schema_2_basics() -> None:
    card = render_card(Reply(title="Pricing", text="**Pro** is $10", color="success"))
    assert card["schema"] == "2.0"
    assert card["config"]["update_multi"] is True
    assert card["header"] == {"title": {"tag": "plain_text", "content": "Pricing"}, "template": "green"}
    assert "elements" not in card  # 2.0 keeps elements under body
    assert elements(card) == [{"tag": "markdown", "content": "**Pro** is $10"}]
    assert not [n for n in walk(card) if n.get("tag") == "action"]  # no 1.0 action module
    json.dumps(card)  # serialisable


def test_no_title_means_no_header_and_an_empty_reply_still_renders() -> None:
    card = render_card(Reply())
    assert "header" not in card
    assert elements(card)


def test_user_text_is_escaped_and_mentions_become_at_tags() -> None:
    text = mention("ou_ann") + " said: <b>urgent</b> & </font> _really_ <at id=all></at> <@all>"
    assert markdown(text) == (
        "<at id=ou_ann></at> said: &lt;b&gt;urgent&lt;/b&gt; &amp; &lt;/font&gt; *really*"
        " &lt;at id=all&gt;&lt;/at&gt; &lt;@all&gt;"
    )
    assert markdown(mention("all")) == "@all"  # never the whole chat, even from a bot-made token
    assert markdown("[invoice.pdf](http://evil.example/x)") == "[invoice.pdf]\u200b(http://evil.example/x)"
    assert escape("a<b>&c") == "a&lt;b&gt;&amp;c"
    card = render_card(Reply(text=text, context=["from <script>"]))
    contents = " ".join(n.get("content", "") for n in walk(card) if n.get("tag") == "markdown")
    assert "<b>" not in contents and "<script>" not in contents
    assert "<font color='grey'>from &lt;script&gt;</font>" in contents


def test_fields_citations_and_context() -> None:
    reply = Reply(
        text="answer",
        fields=[
            KeyValue(label="Customer", value="Acme"),
            KeyValue(label="Priority", value="high"),
            KeyValue(label="Owner", value=mention("ou_pm")),
        ],
        citations=[
            Citation(index=1, title="Pricing", section="Pro plan", updated=date(2026, 1, 5)),
            Citation(index=2, title="FAQ", source="https://docs.example.com/faq", stale=True),
        ],
        context=["Answered from the knowledge base"],
    )
    card = render_card(reply)
    rows = [e for e in elements(card) if e["tag"] == "column_set"]
    assert len(rows) == 2 and len(rows[0]["columns"]) == 2 and len(rows[1]["columns"]) == 1
    assert rows[0]["columns"][0]["elements"][0]["content"] == "**Customer**\nAcme"
    assert "<at id=ou_pm></at>" in rows[1]["columns"][0]["elements"][0]["content"]
    citations = next(e["content"] for e in elements(card) if "[1]" in e.get("content", ""))
    assert "[1] Pricing › Pro plan · 2026-01-05" in citations
    assert "[2] [FAQ](https://docs.example.com/faq)" in citations and "outdated" in citations
    assert elements(card)[-1]["content"] == "<font color='grey'>Answered from the knowledge base</font>"


def test_buttons_use_callback_behaviors_in_a_column_set() -> None:
    card = render_card(
        Reply(
            text="vote?",
            buttons=[
                Button(action_id="request.vote", label="+1", value="42", style="primary"),
                Button(action_id="request.close", label="Close", style="danger"),
            ],
        )
    )
    row = elements(card)[-1]
    assert row["tag"] == "column_set"
    buttons = [c["elements"][0] for c in row["columns"]]
    assert buttons[0]["tag"] == "button"
    assert buttons[0]["text"] == {"tag": "plain_text", "content": "+1"}
    assert buttons[0]["behaviors"] == [
        {"type": "callback", "value": {"action": "request.vote", "value": "42"}}
    ]
    assert buttons[0]["type"] == "primary_filled" and buttons[1]["type"] == "danger"
    assert buttons[0]["name"] != buttons[1]["name"]
    assert all("value" not in b for b in buttons)  # 1.0-style value is not allowed in 2.0


def test_form_card_has_a_form_container_with_inputs_and_a_submit_button() -> None:
    form = Form(
        form_id="request.new",
        title="New feature request",
        submit_label="Create",
        private_value="7",
        inputs=[
            FormInput(name="title", label="Title", placeholder="What is missing?"),
            FormInput(name="detail", label="Details", multiline=True, required=False, initial="none"),
            FormInput(
                name="priority", label="Priority", options=[("high", "High"), ("low", "Low")], initial="low"
            ),
        ],
    )
    card = render_form_card(form)
    assert card["schema"] == "2.0" and card["header"]["title"]["content"] == "New feature request"
    (container,) = elements(card)
    assert container["tag"] == "form"
    inputs = {e["name"]: e for e in container["elements"] if e["tag"] in ("input", "select_static")}
    assert (
        inputs["title"]["required"] is True
        and inputs["title"]["placeholder"]["content"] == "What is missing?"
    )
    assert inputs["detail"]["input_type"] == "multiline_text" and inputs["detail"]["default_value"] == "none"
    assert inputs["detail"]["required"] is False
    assert inputs["priority"]["tag"] == "select_static" and inputs["priority"]["initial_option"] == "low"
    assert inputs["priority"]["options"][0] == {
        "text": {"tag": "plain_text", "content": "High"},
        "value": "high",
    }
    submit = container["elements"][-1]
    assert submit["form_action_type"] == "submit"
    value = submit["behaviors"][0]["value"]
    assert (value["form"], value["value"]) == ("request.new", "7")
    spec = json.loads(value["spec"])
    assert spec["form_id"] == "request.new" and "private_value" not in spec
    names = [n["name"] for n in walk(card) if "name" in n]
    assert len(names) == len(set(names))  # component names are unique within a card
