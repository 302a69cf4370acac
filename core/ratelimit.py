"""Per-caller rate limits for the REST API: a token bucket per key.

Each key (an installation, an account, or a token) has a bucket of ``capacity`` tokens that
refills at ``per_second`` tokens a second; a request takes one token or is refused. The
embedded default keeps the buckets in this process (:class:`MemoryRateLimiter`); with
``TANZI_REDIS_URL`` set, every process of a deployment shares them in Redis
(:class:`RedisRateLimiter`, one atomic Lua script per hit).
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from core.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Decision:
    """The outcome of one hit on a bucket.

    ``remaining`` counts whole tokens left after this hit; ``retry_after_s`` is how long until
    the next request would be allowed (0 when this one was); ``reset_s`` is how long until the
    bucket is full again.
    """

    allowed: bool
    limit: int
    remaining: int
    retry_after_s: float
    reset_s: float

    def headers(self) -> dict[str, str]:
        """``RateLimit-*`` response headers (integer seconds, rounded up)."""
        return {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(math.ceil(self.reset_s)),
        }


class RateLimiter(Protocol):
    def hit(self, key: str) -> Decision:
        """Take one token from ``key``'s bucket, if there is one."""
        ...


def _decide(*, allowed: bool, tokens: float, capacity: int, per_second: float) -> Decision:
    """The decision for a bucket holding ``tokens`` after the hit was (or was not) taken."""
    return Decision(
        allowed=allowed,
        limit=capacity,
        remaining=max(0, math.floor(tokens)),
        retry_after_s=0.0 if allowed else max(0.0, (1 - tokens) / per_second),
        reset_s=max(0.0, (capacity - tokens) / per_second),
    )


def _check(capacity: int, per_second: float) -> None:
    if capacity < 1:
        raise ValueError("capacity must be at least 1")
    if per_second <= 0:
        raise ValueError("per_second must be positive")


class MemoryRateLimiter:
    """Buckets in this process, safe to hit from many threads at once."""

    #: Above this many buckets, a hit first drops the ones that have refilled completely
    #: (a full bucket is the same as no bucket).
    prune_above = 10_000

    def __init__(
        self,
        capacity: int,
        per_second: float,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        _check(capacity, per_second)
        self.capacity = capacity
        self.per_second = per_second
        self._clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, as of)

    def hit(self, key: str) -> Decision:
        with self._lock:
            now = self._clock()
            if len(self._buckets) > self.prune_above:
                self._prune(now)
            tokens, as_of = self._buckets.get(key, (float(self.capacity), now))
            tokens = min(float(self.capacity), tokens + max(0.0, now - as_of) * self.per_second)
            allowed = tokens >= 1
            if allowed:
                tokens -= 1
            self._buckets[key] = (tokens, now)
        return _decide(
            allowed=allowed, tokens=tokens, capacity=self.capacity, per_second=self.per_second
        )

    def _prune(self, now: float) -> None:
        full_after = self.capacity / self.per_second
        self._buckets = {
            key: (tokens, as_of)
            for key, (tokens, as_of) in self._buckets.items()
            if now - as_of < full_after
        }


# KEYS[1] the bucket; ARGV capacity, tokens per second. Redis's own clock times every
# bucket, so app servers with drifting clocks still agree. Returns {allowed, tokens left}.
_BUCKET_LUA = """
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1])
local ts = tonumber(state[2])
if tokens == nil or ts == nil then
  tokens = capacity
  ts = now
end
tokens = math.min(capacity, tokens + math.max(0, now - ts) * rate)
local allowed = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil((capacity - tokens) / rate * 1000) + 1000)
return {allowed, tostring(tokens)}
"""


class RedisRateLimiter:
    """Buckets in Redis, shared by every process; each hit is one atomic script call.

    If Redis cannot be reached the request is let through (and a warning logged): a cache
    outage should not take the API down with it.
    """

    def __init__(
        self,
        client: Any,
        capacity: int,
        per_second: float,
        *,
        prefix: str = "tanzi:ratelimit:",
    ) -> None:
        _check(capacity, per_second)
        self.capacity = capacity
        self.per_second = per_second
        self.prefix = prefix
        self._client = client
        self._script = client.register_script(_BUCKET_LUA)

    @classmethod
    def from_url(
        cls, url: str, capacity: int, per_second: float, *, prefix: str = "tanzi:ratelimit:"
    ) -> RedisRateLimiter:
        import redis

        return cls(redis.Redis.from_url(url), capacity, per_second, prefix=prefix)

    def hit(self, key: str) -> Decision:
        import redis

        try:
            allowed, tokens = self._script(
                keys=[self.prefix + key], args=[self.capacity, repr(self.per_second)]
            )
        except redis.RedisError:
            log.warning("rate limiter: Redis unavailable, letting %s through", key, exc_info=True)
            return _decide(
                allowed=True,
                tokens=float(self.capacity),
                capacity=self.capacity,
                per_second=self.per_second,
            )
        return _decide(
            allowed=bool(int(allowed)),
            tokens=float(tokens),
            capacity=self.capacity,
            per_second=self.per_second,
        )


def create_rate_limiter(settings: Settings) -> RateLimiter | None:
    """The limiter ``settings`` ask for: Redis when ``redis_url`` is set, else in memory;
    ``None`` when rate limiting is off."""
    if not settings.rate_limit_enabled:
        return None
    if settings.redis_url:
        return RedisRateLimiter.from_url(
            settings.redis_url, settings.rate_limit_capacity, settings.rate_limit_per_second
        )
    return MemoryRateLimiter(settings.rate_limit_capacity, settings.rate_limit_per_second)
