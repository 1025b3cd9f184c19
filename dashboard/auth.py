"""The session cookie and the CSRF token, both HMAC-SHA256 with the dashboard secret.

The cookie holds a random session token and its expiry, signed: `<token>.<expires>.<signature>`. A cookie
whose signature does not match, that has expired, or whose session was ended (sign-out) signs nobody in;
the session itself lives in the database (`services.dashboard_access`). The CSRF token of a session is
derived from the session token (`csrf_token`), so it needs no storage and changes with every sign-in; every
POST form carries it in the field `csrf_token`, and a request without the right one is refused (403).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime

COOKIE = "sb_session"
CSRF_FIELD = "csrf_token"


def _mac(secret: str, message: str) -> str:
    digest = hmac.new(secret.encode("utf-8"), message.encode("utf-8"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def cookie_value(*, secret: str, session_token: str, expires: datetime) -> str:
    payload = f"{session_token}.{int(expires.timestamp())}"
    return f"{payload}.{_mac(secret, 'session:' + payload)}"


def session_token_from_cookie(*, secret: str, value: str, now: datetime) -> str | None:
    """The session token of a well-signed, unexpired cookie; None otherwise."""
    parts = value.split(".")
    if len(parts) != 3 or len(value) > 300:
        return None
    token, expires, signature = parts
    if not hmac.compare_digest(signature, _mac(secret, f"session:{token}.{expires}")):
        return None
    if not expires.isdecimal() or int(expires) <= now.timestamp():
        return None
    return token


def csrf_token(*, secret: str, session_token: str) -> str:
    return _mac(secret, "csrf:" + session_token)


def csrf_ok(*, secret: str, session_token: str, sent: str) -> bool:
    return bool(sent) and hmac.compare_digest(sent, csrf_token(secret=secret, session_token=session_token))
