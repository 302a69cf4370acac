"""Per-caller rate limits: token buckets in memory or in Redis, enforced on every API call."""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from core.api.deps import rate_limit_key
from core.auth import Principal
from core.ratelimit import (
    MemoryRateLimiter,
    RateLimiter,
    RedisRateLimiter,
    create_rate_limiter,
)
from core.settings import Settings
from tests.conftest import Factory

REDIS_URL = os.environ.get("TANZI_TEST_REDIS_URL", "")
# the rate-limit tests keep to database 13 of the test server; other tests flush theirs
REDIS_RATELIMIT_URL = REDIS_URL.rsplit("/", 1)[0] + "/13" if REDIS_URL else ""
needs_redis = pytest.mark.skipif(
    not REDIS_URL, reason="set TANZI_TEST_REDIS_URL to run the Redis rate limiter"
)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def redis_limiter_factory() -> Iterator[object]:
    import redis

    client = redis.Redis.from_url(REDIS_RATELIMIT_URL)
    prefix = f"tanzi-test:{uuid.uuid4().hex}:"

    def make(capacity: int, per_second: float) -> RedisRateLimiter:
        return RedisRateLimiter(client, capacity, per_second, prefix=prefix)

    yield make
    for key in client.scan_iter(match=prefix + "*"):
        client.delete(key)
    client.close()


# -- the bucket itself ------------------------------------------------------------------


def test_memory_bucket_math() -> None:
    clock = FakeClock()
    limiter = MemoryRateLimiter(3, 2.0, clock=clock)
    first = limiter.hit("k")
    assert (first.allowed, first.limit, first.remaining, first.retry_after_s) == (True, 3, 2, 0)
    assert first.reset_s == pytest.approx(0.5)
    assert limiter.hit("k").remaining == 1
    assert limiter.hit("k").remaining == 0
    refused = limiter.hit("k")
    assert not refused.allowed
    assert refused.remaining == 0
    assert refused.retry_after_s == pytest.approx(0.5)
    assert refused.reset_s == pytest.approx(1.5)
    clock.now += 0.25  # half a token: still refused, half the wait left
    assert limiter.hit("k").retry_after_s == pytest.approx(0.25)
    clock.now += 0.25
    assert limiter.hit("k").allowed
    clock.now += 100  # refills to capacity, never beyond
    assert limiter.hit("k").remaining == 2


def test_memory_buckets_are_per_key() -> None:
    limiter = MemoryRateLimiter(1, 0.001, clock=FakeClock())
    assert limiter.hit("a").allowed
    assert not limiter.hit("a").allowed
    assert limiter.hit("b").allowed


def test_memory_prunes_only_full_buckets() -> None:
    clock = FakeClock()
    limiter = MemoryRateLimiter(2, 1.0, clock=clock)
    limiter.prune_above = 2
    limiter.hit("old")
    clock.now += 10
    limiter.hit("a")
    limiter.hit("a")
    limiter.hit("b")
    limiter.hit("c")  # over the bound: "old" had refilled, so it goes; "a" and "b" stay
    assert set(limiter._buckets) == {"a", "b", "c"}
    assert not limiter.hit("a").allowed


def _hammer(limiter: RateLimiter, *, threads: int = 50) -> int:
    barrier = threading.Barrier(threads)
    allowed: list[bool] = []
    lock = threading.Lock()

    def worker() -> None:
        barrier.wait()
        decision = limiter.hit("shared")
        with lock:
            allowed.append(decision.allowed)

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(timeout=30)
    assert len(allowed) == threads
    return sum(allowed)


def test_memory_limiter_is_thread_safe() -> None:
    assert _hammer(MemoryRateLimiter(10, 0.001)) == 10


@needs_redis
def test_redis_bucket_math(redis_limiter_factory) -> None:  # type: ignore[no-untyped-def]
    limiter = redis_limiter_factory(3, 20.0)
    assert [limiter.hit("k").remaining for _ in range(3)] == [2, 1, 0]
    refused = limiter.hit("k")
    assert not refused.allowed
    assert 0 < refused.retry_after_s <= 0.05 + 1e-9
    assert refused.limit == 3
    assert limiter.hit("other").allowed
    time.sleep(0.1)
    assert limiter.hit("k").allowed


@needs_redis
def test_redis_limiter_is_atomic(redis_limiter_factory) -> None:  # type: ignore[no-untyped-def]
    assert _hammer(redis_limiter_factory(10, 0.001)) == 10


def test_redis_outage_lets_requests_through() -> None:
    limiter = RedisRateLimiter.from_url("redis://127.0.0.1:1/0", 1, 1.0)
    assert all(limiter.hit("k").allowed for _ in range(3))


def test_factory_follows_settings(settings: Settings) -> None:
    assert isinstance(create_rate_limiter(settings), MemoryRateLimiter)
    settings.redis_url = "redis://127.0.0.1:6379/13"
    assert isinstance(create_rate_limiter(settings), RedisRateLimiter)
    settings.rate_limit_enabled = False
    assert create_rate_limiter(settings) is None


def test_default_budget_is_generous() -> None:
    defaults = Settings()
    assert defaults.rate_limit_enabled
    assert defaults.rate_limit_capacity >= 120
    assert defaults.rate_limit_per_second >= 2


def test_keys_per_installation_account_or_token() -> None:
    service = Principal(account_id=None, kind="oauth", scopes=frozenset(), installation_id=7)
    assert rate_limit_key(service, "tok-a") == rate_limit_key(service, "tok-b")
    assert rate_limit_key(service, "tok-a") == "installation:7"
    assert rate_limit_key(Principal(account_id=3), "tok") == "account:3"
    anonymous = Principal(account_id=None, kind="service")
    assert rate_limit_key(anonymous, "tok-a") != rate_limit_key(anonymous, "tok-b")


# -- on the API -------------------------------------------------------------------------


#: Slow enough that no token comes back while a test makes its few calls, even on a loaded
#: machine; the memory limiter's clock is driven by the test, Redis's is real.
LIMITED_PER_SECOND = 2.0


@pytest.fixture(params=["memory", pytest.param("redis", marks=needs_redis)])
def limited_app(request: pytest.FixtureRequest, settings: Settings) -> FastAPI:
    settings.rate_limit_capacity = 3
    settings.rate_limit_per_second = LIMITED_PER_SECOND
    app: FastAPI = request.getfixturevalue("app")
    if request.param == "redis":
        make = request.getfixturevalue("redis_limiter_factory")
        app.state.rate_limiter = make(3, LIMITED_PER_SECOND)
        app.state.wait_for_refill = lambda seconds: time.sleep(seconds)
    else:
        clock = FakeClock()
        app.state.rate_limiter = MemoryRateLimiter(3, LIMITED_PER_SECOND, clock=clock)
        app.state.wait_for_refill = lambda seconds: setattr(clock, "now", clock.now + seconds)
    return app


def test_over_the_limit_is_a_429_problem_until_the_bucket_refills(
    limited_app: FastAPI, factory: Factory
) -> None:
    client = TestClient(limited_app)
    headers = factory.headers(factory.account())
    for remaining in (2, 1, 0):
        ok = client.get("/api/v1/me", headers=headers)
        assert ok.status_code == 200, ok.text
        assert ok.headers["RateLimit-Limit"] == "3"
        assert ok.headers["RateLimit-Remaining"] == str(remaining)
    refused = client.get("/api/v1/me", headers=headers)
    assert refused.status_code == 429
    assert refused.headers["content-type"] == "application/problem+json"
    body = refused.json()
    assert body["code"] == "rate_limited"
    assert body["status"] == 429
    assert int(refused.headers["Retry-After"]) >= 1
    assert refused.headers["RateLimit-Limit"] == "3"
    assert refused.headers["RateLimit-Remaining"] == "0"
    assert int(refused.headers["RateLimit-Reset"]) >= 1
    limited_app.state.wait_for_refill(0.6)  # two tokens a second: one back
    assert client.get("/api/v1/me", headers=headers).status_code == 200


def test_callers_have_separate_buckets(limited_app: FastAPI, factory: Factory) -> None:
    client = TestClient(limited_app)
    first = factory.headers(factory.account())
    second = factory.headers(factory.account())
    statuses = [client.get("/api/v1/me", headers=first).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert client.get("/api/v1/me", headers=second).status_code == 200


def test_unauthenticated_requests_are_not_counted(limited_app: FastAPI) -> None:
    client = TestClient(limited_app)
    for _ in range(5):
        assert client.get("/api/v1/me").status_code == 401
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer nope"}).status_code == 401


def test_disabled_rate_limit_never_refuses(
    request: pytest.FixtureRequest, settings: Settings, factory: Factory
) -> None:
    settings.rate_limit_enabled = False
    settings.rate_limit_capacity = 1
    client = TestClient(request.getfixturevalue("app"))
    headers = factory.headers(factory.account())
    for _ in range(5):
        response = client.get("/api/v1/me", headers=headers)
        assert response.status_code == 200
        assert "RateLimit-Limit" not in response.headers
