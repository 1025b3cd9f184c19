"""Feishu events (real-shaped payload files) → IncomingMessage."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bot.messages import Kind
from bot.platforms.feishu.translate import card_action, message_event, post_text

PAYLOADS = Path(__file__).resolve().parents[2] / "payloads" / "feishu"
BOT = "ou_bot_salesbridge"


def load(name: str) -> dict[str, Any]:
    return json.loads((PAYLOADS / f"{name}.json").read_text(encoding="utf-8"))


def test_group_mention_strips_the_bot_and_keeps_other_users_as_neutral_mentions() -> None:
    msg = message_event(load("group_mention"), bot_open_id=BOT)
    assert msg is not None
    assert msg.platform == "feishu"
    assert msg.kind is Kind.MESSAGE
    assert msg.text == "role grant <@ou_ann> pm"
    assert msg.mentions_bot and not msg.is_direct and not msg.in_thread
    assert msg.user == "ou_84aad35d084aa403a838cf73ee18467"
    assert msg.conversation == "oc_5ce6d572455d361153b7xx51da133945"
    assert msg.message_id == msg.thread == "om_5ce6d572455d361153b7cb51da133945"
    assert msg.event_id == "msg:om_5ce6d572455d361153b7cb51da133945"
    assert msg.workspace == "2ca1d211f64f6438"
    assert msg.addressed_to_bot


def test_without_knowing_the_bot_no_mention_counts_as_the_bot() -> None:
    msg = message_event(load("group_mention"), bot_open_id=None)
    assert msg is not None
    assert not msg.mentions_bot
    assert msg.text == "<@ou_bot_salesbridge> role grant <@ou_ann> pm"


def test_p2p_is_direct_and_addressed_to_the_bot() -> None:
    msg = message_event(load("p2p"), bot_open_id=BOT)
    assert msg is not None
    assert msg.is_direct and not msg.mentions_bot
    assert msg.text == "帮助"
    assert msg.addressed_to_bot


def test_post_message_text_is_extracted() -> None:
    msg = message_event(load("post_message"), bot_open_id=BOT)
    assert msg is not None
    assert msg.mentions_bot
    assert msg.text == "Question\nDoes the Pro plan include [SSO](https://example.com/sso)?\nCustomer: Acme"


def test_post_in_language_wrapper() -> None:
    content = {
        "en_us": {
            "title": "",
            "content": [[{"tag": "text", "text": "hi "}, {"tag": "at", "user_id": "ou_x"}]],
        }
    }
    assert post_text(content) == "hi <@ou_x>"


def test_thread_reply_without_mention_is_a_thread_message() -> None:
    msg = message_event(load("thread_reply"), bot_open_id=BOT)
    assert msg is not None
    assert msg.in_thread and not msg.mentions_bot
    assert msg.thread == "om_thread_root_0001"
    assert msg.message_id == "om_thread_reply_0002"
    assert not msg.addressed_to_bot
    assert "<b>first</b> & then" in msg.text  # raw text; renderers escape


def test_group_message_without_bot_mention_is_not_addressed_to_the_bot() -> None:
    msg = message_event(load("group_no_mention"), bot_open_id=BOT)
    assert msg is not None
    assert not msg.mentions_bot and not msg.addressed_to_bot
    assert msg.text == "lunch at noon? cc <@ou_ann>"


def test_messages_from_bots_and_unreadable_types_are_ignored() -> None:
    assert message_event(load("bot_message"), bot_open_id=BOT) is None
    image_in_group = load("image_message")
    image_in_group["event"]["message"]["chat_type"] = "group"
    assert message_event(image_in_group, bot_open_id=BOT) is None


def test_a_picture_or_file_sent_to_the_bot_directly_is_an_empty_message_that_gets_the_hint() -> None:
    for name in ("image_message", "file_message", "sticker_message"):
        msg = message_event(load(name), bot_open_id=BOT)
        assert msg is not None and msg.text == "" and msg.is_direct, name


def test_the_bots_own_message_is_ignored() -> None:
    payload = load("p2p")
    payload["event"]["sender"]["sender_id"]["open_id"] = BOT
    assert message_event(payload, bot_open_id=BOT) is None


def test_malformed_payloads_give_none() -> None:
    assert message_event({}, bot_open_id=BOT) is None
    payload = load("p2p")
    payload["event"]["message"]["content"] = "not json"
    msg = message_event(payload, bot_open_id=BOT)
    assert msg is not None and msg.text == ""
    assert card_action({}) is None
    assert card_action({"event": {"operator": {"open_id": "ou_x"}, "action": {"value": {"op": "x"}}}}) is None


def test_card_button_becomes_an_action() -> None:
    msg = card_action(load("card_action"))
    assert msg is not None
    assert msg.kind is Kind.ACTION
    assert msg.action_id == "request.vote" and msg.action_value == "42"
    assert msg.user == "ou_pm"
    assert msg.conversation == "oc_sales_group"
    assert msg.message_id == msg.thread == "om_card_0001"
    assert msg.event_id == "c7b1e0f1a2b3c4d5e6f708192a3b4c5d"


def test_form_submit_becomes_a_form() -> None:
    msg = card_action(load("form_submit"))
    assert msg is not None
    assert msg.kind is Kind.FORM
    assert msg.form_id == "request.new"
    assert msg.action_value == "7"
    assert dict(msg.form) == {"title": "SSO with Okta", "priority": "high", "regions": "cn,sg"}
    assert msg.user == "ou_sales1"


def test_at_all_reads_as_at_all_and_does_not_hide_the_bots_mention() -> None:
    msg = message_event(load("at_all"), bot_open_id=BOT)
    assert msg is not None and msg.mentions_bot
    assert msg.text == "@all 周五前请更新报价 企业版有几个沙箱？"  # not the "@_all" placeholder
    alone = load("at_all")
    alone["event"]["message"]["content"] = json.dumps({"text": "@_all 周五开会"}, ensure_ascii=False)
    msg = message_event(alone, bot_open_id=BOT)
    assert msg is not None and not msg.mentions_bot and not msg.addressed_to_bot
    assert msg.text == "@all 周五开会"


def test_rich_post_keeps_its_text_links_and_code_and_skips_media() -> None:
    msg = message_event(load("post_rich"), bot_open_id=BOT)
    assert msg is not None and msg.mentions_bot
    assert msg.text.splitlines()[:3] == [
        "客户问题",
        "第一行：[超链接](http://www.feishu.cn) https://acme.example/rfp",  # a bare link once, not [url](url)
        "@all 第二行：文本测试",
    ]
    assert "func main() int64 {" in msg.text and "img_" not in msg.text and "file_v2" not in msg.text


def test_post_in_both_languages_reads_one_of_them() -> None:
    content = {
        "zh_cn": {"title": "标题", "content": [[{"tag": "text", "text": "中文内容"}]]},
        "en_us": {"title": "Title", "content": [[{"tag": "text", "text": "English"}]]},
    }
    assert post_text(content) == "标题\n中文内容"


def test_mention_inside_a_thread_answers_in_the_thread_of_its_root() -> None:
    msg = message_event(load("thread_mention"), bot_open_id=BOT)
    assert msg is not None and msg.mentions_bot and msg.in_thread
    assert (msg.thread, msg.message_id, msg.text) == ("om_topic_root_0001", "om_topic_reply_0003", "role")


def test_sender_and_operator_tenant_is_the_users_workspace() -> None:
    msg = message_event(load("external_group_mention"), bot_open_id=BOT)
    assert msg is not None
    assert (msg.workspace, msg.user_workspace) == ("2ca1d211f64f6438", "736588c9260f175e")
    click = card_action(load("card_action"))
    assert click is not None and click.user_workspace == click.workspace == "2ca1d211f64f6438"


def test_files_stickers_and_forwarded_bundles_in_a_group_are_not_read() -> None:
    for name in ("file_message", "sticker_message", "merge_forward_message"):
        payload = load(name)
        payload["event"]["message"]["chat_type"] = "group"
        assert message_event(payload, bot_open_id=BOT) is None, name
