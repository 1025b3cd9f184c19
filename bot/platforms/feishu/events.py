"""Received messages (`im.message.receive_v1`): acknowledged without lark's dispatch, replayed through it later.

lark-oapi's `EventDispatcherHandler.do` unmarshals every event into its generated model classes before a
handler sees it, and we marshal that back to JSON to translate it: more CPU than everything else before the
200. For a received message the webhook only checks what `do` checks — AES-256-CBC decryption (lark's own
`AESCipher`), the verification token and the signature (sha256 of timestamp + nonce + encrypt key + body) —
plus our installation and whether the message concerns the bot, and writes the decrypted payload down as a
`RawEvent` (one INSERT with the inbox's dedupe claim). The worker that takes the row passes it to a lark
handler (`FeishuInbound.replay`: `do` on the plaintext, the token checked again), whose listener makes
the `IncomingMessage`.

URL verification, card callbacks (their answer is a toast or a card, inside the ack) and other event types
go through `do` before the response, as before.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lark_oapi.core.utils import AESCipher

FAST_EVENT = "im.message.receive_v1"
TIMESTAMP = "X-Lark-Request-Timestamp"
NONCE = "X-Lark-Request-Nonce"
SIGNATURE = "X-Lark-Signature"


def received_message(body: bytes, cipher: AESCipher) -> tuple[str, dict[str, Any]] | None:
    """(plaintext, payload) when `body` is an encrypted schema 2.0 `im.message.receive_v1`; None for anything
    else, or anything that does not decrypt (lark's `do` answers those as it always did)."""
    try:
        encrypted = json.loads(body).get("encrypt")
        if not isinstance(encrypted, str) or not encrypted:
            return None
        plaintext = cipher.decrypt_str(encrypted)
        payload = json.loads(plaintext)
    except (ValueError, TypeError, AttributeError, RecursionError):
        return None
    if not isinstance(payload, dict) or payload.get("schema") != "2.0":
        return None
    header = payload.get("header")
    if not isinstance(header, dict) or header.get("event_type") != FAST_EVENT:
        return None
    return plaintext, payload


def token_ok(payload: Mapping[str, Any], verification_token: str) -> bool:
    """The header's token is ours (compared in constant time)."""
    token = payload["header"].get("token")
    return isinstance(token, str) and bool(token) and hmac.compare_digest(token, verification_token)


def signed(headers: Mapping[str, str], body: bytes, encrypt_key: str) -> bool:
    """Feishu's signature of an encrypted push: sha256(timestamp + nonce + encrypt key + body), hex."""
    expected = hashlib.sha256(
        (headers.get(TIMESTAMP, "") + headers.get(NONCE, "") + encrypt_key).encode() + body
    ).hexdigest()
    return hmac.compare_digest(expected, headers.get(SIGNATURE, ""))
