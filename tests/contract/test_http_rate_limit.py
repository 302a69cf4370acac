"""``HttpShopClient`` against the real app with a low rate limit: a 429 with ``Retry-After``
is waited out and the call succeeds; a longer wait than the client accepts, or too many
429s, raise ``RateLimited``. Runs with the in-memory limiter and, when
``TANZI_TEST_REDIS_URL`` is set, the Redis one."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.engine import Engine

from core.ratelimit import RedisRateLimiter
from core.settings import Settings
from sdk.errors import RateLimited
from sdk.http import HttpShopClient, RetryPolicy
from tests.conftest import Factory
from tests.contract.conftest import ALL_SCOPES, LiveServer, build_db_world, mint_token

CAPACITY = 3
PER_SECOND = 1.0
REDIS_URL = os.environ.get("TANZI_TEST_REDIS_URL", "")


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(
        env="test",
        data_dir=tmp_path,
        database_url=database_url,
        secret_key="test-secret-key",
        rate_limit_capacity=CAPACITY,
        rate_limit_per_second=PER_SECOND,
    )


@pytest.fixture(params=["memory", "redis"])
def limited_app(request: pytest.FixtureRequest, app: FastAPI) -> FastAPI:
    if request.param == "redis":
        if not REDIS_URL:
            pytest.skip("set TANZI_TEST_REDIS_URL to run the Redis rate limiter")
        # database 13 is the rate-limit tests' own; a fresh prefix keeps runs apart
        app.state.rate_limiter = RedisRateLimiter.from_url(
            REDIS_URL.rsplit("/", 1)[0] + "/13",
            CAPACITY,
            PER_SECOND,
            prefix=f"tanzi:test:{uuid.uuid4().hex}:",
        )
    return app


class Recorder:
    """Records the statuses the server answered and the waits the client made."""

    def __init__(self) -> None:
        self.statuses: list[int] = []
        self.retry_after: list[str | None] = []
        self.waits: list[float] = []

    def response(self, response: httpx.Response) -> None:
        self.statuses.append(response.status_code)
        self.retry_after.append(response.headers.get("Retry-After"))

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        time.sleep(seconds)


@pytest.fixture
def limited(limited_app: FastAPI, engine: Engine) -> Iterator[tuple[HttpShopClient, Recorder]]:
    world, installation = build_db_world(engine, Factory(engine))
    recorder = Recorder()
    with LiveServer(limited_app) as server:
        http = httpx.Client(timeout=10, event_hooks={"response": [recorder.response]})
        client = HttpShopClient(
            server.url,
            world.shop_id,
            token=mint_token(engine, installation, ALL_SCOPES),
            http=http,
            sleep=recorder.sleep,
            retry=RetryPolicy(attempts=3, backoff_s=0.01),
        )
        yield client, recorder
        http.close()


def test_over_the_limit_the_client_waits_retry_after_and_succeeds(
    limited: tuple[HttpShopClient, Recorder],
) -> None:
    client, recorder = limited
    names = [client.shop.get().name for _ in range(CAPACITY + 2)]
    assert names == [names[0]] * (CAPACITY + 2) and names[0]
    assert 429 in recorder.statuses
    refused = [i for i, s in enumerate(recorder.statuses) if s == 429]
    asked = [float(recorder.retry_after[i] or 0) for i in refused]
    assert all(a >= 1 for a in asked)
    assert recorder.waits == asked  # the client waited exactly what the API asked
    assert recorder.statuses[-1] == 200


def test_a_wait_longer_than_the_client_accepts_raises_at_once(
    limited: tuple[HttpShopClient, Recorder],
) -> None:
    client, recorder = limited
    client.transport.retry = RetryPolicy(attempts=5, max_retry_after_s=0.5)
    for _ in range(CAPACITY):
        client.shop.get()
    with pytest.raises(RateLimited) as raised:
        client.shop.get()
    assert raised.value.retry_after_s >= 1
    assert raised.value.problem is not None and raised.value.problem["code"] == "rate_limited"
    assert recorder.waits == []


def test_without_retries_429_is_rate_limited(limited: tuple[HttpShopClient, Recorder]) -> None:
    client, recorder = limited
    client.transport.retry = RetryPolicy(attempts=1)
    for _ in range(CAPACITY):
        client.orders.list()
    with pytest.raises(RateLimited):
        client.orders.list()
    assert recorder.statuses[-1] == 429 and recorder.waits == []
