"""Plain Events API callbacks (`app_mention`, `message`): acknowledged without bolt, replayed through it later.

Nearly everything that reaches `/slack/events` is an `event_callback` that needs only a 200 — bolt acks
events itself. Running bolt's middleware chain, listener matching and our translation before that 200
costs more CPU than everything else on the ack path, so a plain event is only checked there: slack_sdk's
`SignatureVerifier` (v0 HMAC, 5-minute window — what bolt's `RequestVerification` runs), our workspace,
and whether the event concerns the bot at all (`translate.from_event`, a pure function: channel chatter
and the bot's own posts are not written down). What is left is stored as a `RawEvent` with the inbox's
dedupe claim (one INSERT) and acknowledged; the worker that takes the row dispatches it through the same
bolt listeners (`SlackInbound.replay`), which make the `IncomingMessage`.

Everything else — url_verification, slash commands, interactivity (a form's errors are answered inside the
ack), other event types — goes through bolt before the response, as before.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from slack_sdk.signature import SignatureVerifier

FAST_EVENTS = frozenset({"app_mention", "message"})
KEPT_HEADERS = ("content-type", "x-slack-retry-num", "x-slack-retry-reason")  # what a replay may look at


def plain_event(body: bytes) -> dict[str, Any] | None:
    """The envelope, when `body` is an `event_callback` of a type the fast path takes; else None (bolt)."""
    if body.lstrip()[:1] != b"{":
        return None
    try:
        envelope = json.loads(body)
    except (ValueError, RecursionError):
        return None
    if not isinstance(envelope, dict) or envelope.get("type") != "event_callback":
        return None
    event = envelope.get("event")
    event_type = event.get("type") if isinstance(event, dict) else None
    if not isinstance(event_type, str) or event_type not in FAST_EVENTS:
        return None
    return envelope


def signed(verifier: SignatureVerifier, body: bytes, headers: Mapping[str, str]) -> bool:
    """Whether Slack signed `body` within the last 5 minutes (the same check as bolt's middleware)."""
    try:
        return verifier.is_valid(
            body=body,
            timestamp=headers.get("x-slack-request-timestamp"),
            signature=headers.get("x-slack-signature"),
        )
    except (ValueError, TypeError):  # a timestamp that is not a number
        return False


def kept_headers(headers: Mapping[str, str]) -> dict[str, str]:
    return {name: headers[name] for name in KEPT_HEADERS if name in headers}
