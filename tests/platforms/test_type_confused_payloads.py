"""Every field of every real-shaped payload replaced by a value of another type: the translation says "not
for us" or makes a message — it never raises (a signed request must not crash a listener)."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.platforms.feishu import translate as feishu
from bot.platforms.slack import translate as slack

PAYLOADS = Path(__file__).resolve().parents[1] / "payloads"
CONFUSING: tuple[Any, ...] = ([], {}, 7, None, "x", ["a"], {"a": 1}, 1.5, True)
TRANSLATIONS: dict[str, list[Callable[[dict[str, Any]], object]]] = {
    "slack": [
        slack.from_event,
        slack.from_command,
        slack.from_block_action,
        slack.from_view_submission,
        slack.from_message_shortcut,
    ],
    "feishu": [
        lambda body: feishu.message_event(body, bot_open_id="ou_bot"),
        feishu.card_action,
        feishu.message_event_id,
    ],
}


def field_paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, child in items:
        yield (*prefix, key)
        yield from field_paths(child, (*prefix, key))


def replaced(body: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    copied = copy.deepcopy(body)
    target: Any = copied
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return copied


@pytest.mark.parametrize(
    ("platform", "name"),
    [(p.parent.name, p.stem) for p in sorted(PAYLOADS.glob("*/*.json")) if p.parent.name in TRANSLATIONS],
)
def test_no_field_of_another_type_makes_a_translation_raise(platform: str, name: str) -> None:
    body = json.loads((PAYLOADS / platform / f"{name}.json").read_text(encoding="utf-8"))
    for path in field_paths(body):
        for value in CONFUSING:
            confused = replaced(body, path, value)
            for translate in TRANSLATIONS[platform]:
                try:
                    translate(confused)
                except Exception as exc:  # the failure names the field and the value
                    pytest.fail(f"{name}: {'.'.join(map(str, path))} = {value!r} → {exc!r}")
