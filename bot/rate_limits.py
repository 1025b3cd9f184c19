"""Outgoing rate limits per platform: token buckets per conversation and per app.

The platforms' documented limits are the defaults:
- Slack `chat.postMessage`: about 1 message per second per channel, short bursts allowed; "several
  hundred messages per minute" per workspace.
- Feishu `im/v1/messages`: 5 requests per second to one user or group, 1000 per minute / 50 per second per
  app.

`reserve(platform, conversation)` books the next slot and returns how long to wait for it (0 when a token is
free). Buckets go negative to queue reservations, so concurrent senders to one channel space themselves
out instead of all firing at once. A platform's 429 `Retry-After` is fed back with `penalize`.

Limits are per process; several processes behind a load balancer each keep their own buckets, and a 429
from the platform (retried by the outbox with its Retry-After) covers the rest.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from bot.errors import ConfigurationError

SCOPES = ("conversation", "app")


@dataclass(frozen=True)
class Limit:
    rate: float  # tokens per second
    burst: float  # bucket size

    def __post_init__(self) -> None:
        if self.rate <= 0 or self.burst < 1:
            raise ConfigurationError(
                f"rate limit needs rate > 0 and burst >= 1, got {self.rate}/{self.burst}"
            )


DEFAULT_LIMITS: dict[tuple[str, str], Limit] = {
    ("slack", "conversation"): Limit(rate=1.0, burst=3),
    ("slack", "app"): Limit(rate=5.0, burst=60),
    ("feishu", "conversation"): Limit(rate=5.0, burst=5),
    ("feishu", "app"): Limit(rate=16.0, burst=50),
}


def parse_limits(spec: str) -> dict[tuple[str, str], Limit]:
    """`"slack:conversation=1/3,feishu:app=16/50"` over the defaults; `""` → defaults; `"off"` → none.

    Raises `ConfigurationError` with the offending entry when the text is malformed.
    """
    spec = spec.strip()
    if spec.lower() in ("off", "none", "disabled", "0"):
        return {}
    limits = dict(DEFAULT_LIMITS)
    for item in (part.strip() for part in spec.replace("，", ",").split(",")):
        if not item:
            continue
        key, sep, value = item.partition("=")
        platform, colon, scope = key.strip().partition(":")
        rate_text, slash, burst_text = value.strip().partition("/")
        try:
            if not (sep and colon and platform and scope in SCOPES):
                raise ValueError(item)
            rate = float(rate_text)
            burst = float(burst_text) if slash else max(1.0, rate)
        except ValueError as exc:
            raise ConfigurationError(
                f"SALESBRIDGE_OUTBOX_RATE_LIMITS entry {item!r} must look like slack:conversation=1/3 "
                "(platform:conversation|app=rate per second/burst)"
            ) from exc
        limits[(platform.strip(), scope)] = Limit(rate=rate, burst=burst)
    return limits


class _Bucket:
    __slots__ = ("last", "tokens")

    def __init__(self, tokens: float, last: float) -> None:
        self.tokens = tokens
        self.last = last


class RateLimiter:
    """Thread-safe token buckets keyed by (platform, scope, conversation)."""

    def __init__(
        self,
        limits: Mapping[tuple[str, str], Limit] | None = None,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        max_buckets: int = 50_000,
    ) -> None:
        self.limits = dict(DEFAULT_LIMITS if limits is None else limits)
        self._monotonic = monotonic
        self._buckets: dict[tuple[str, str, str], _Bucket] = {}
        self._lock = threading.Lock()
        self._max_buckets = max_buckets

    def _keys(self, platform: str, conversation: str | None) -> list[tuple[tuple[str, str, str], Limit]]:
        keys = []
        per_conversation = self.limits.get((platform, "conversation"))
        if per_conversation is not None and conversation:
            keys.append(((platform, "conversation", conversation), per_conversation))
        per_app = self.limits.get((platform, "app"))
        if per_app is not None:
            keys.append(((platform, "app", ""), per_app))
        return keys

    def _bucket(self, key: tuple[str, str, str], limit: Limit, now: float) -> _Bucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self._max_buckets:
                self._evict_full(now)
            bucket = self._buckets[key] = _Bucket(limit.burst, now)
        else:
            bucket.tokens = min(limit.burst, bucket.tokens + (now - bucket.last) * limit.rate)
            bucket.last = now
        return bucket

    def _evict_full(self, now: float) -> None:
        """Forget buckets that have refilled completely (they behave exactly like new ones)."""
        for key in list(self._buckets):
            limit = self.limits.get((key[0], key[1]))
            bucket = self._buckets[key]
            if limit is None or bucket.tokens + (now - bucket.last) * limit.rate >= limit.burst:
                del self._buckets[key]

    def reserve(self, platform: str, conversation: str | None, *, max_wait: float = float("inf")) -> float:
        """Book a slot and return the seconds to wait before sending.

        When the wait would exceed `max_wait`, nothing is booked and the (positive) wait is returned so the
        caller can schedule the message for later instead.
        """
        with self._lock:
            now = self._monotonic()
            keyed = [
                (self._bucket(key, limit, now), limit) for key, limit in self._keys(platform, conversation)
            ]
            wait = max((max(0.0, (1 - bucket.tokens) / limit.rate) for bucket, limit in keyed), default=0.0)
            if wait > max_wait:
                return wait
            for bucket, _limit in keyed:
                bucket.tokens -= 1
            return wait

    def penalize(self, platform: str, conversation: str | None, seconds: float) -> None:
        """The platform said "slow down" for `seconds`: hold this conversation's bucket empty that long."""
        limit = self.limits.get((platform, "conversation"))
        if limit is None or not conversation or seconds <= 0:
            return
        with self._lock:
            now = self._monotonic()
            bucket = self._bucket((platform, "conversation", conversation), limit, now)
            bucket.tokens = min(bucket.tokens, 1 - seconds * limit.rate)
