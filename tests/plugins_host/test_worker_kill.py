"""Killing the worker mid-delivery loses nothing: a real consumer process, SIGKILLed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from core.jobs.queue import create_huey
from core.jobs.tasks import enqueue
from core.plugins.loading import load_all, read_config
from core.plugins.manager import PluginHost
from core.settings import Settings
from tests.conftest import Factory
from tests.plugins_host.conftest import emit, enable

REPO = Path(__file__).parents[2]
REDIS_URL = os.environ.get("TANZI_TEST_REDIS_URL", "")
EVENTS = 30


def _start(env: dict[str, str]) -> subprocess.Popen[bytes]:
    code = "from core.cli import app; app()"
    return subprocess.Popen(
        [sys.executable, "-c", code, "worker", "--workers", "1"],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _recorded(path: Path) -> list[str]:
    return path.read_text().split("\n")[:-1] if path.exists() else []


@pytest.mark.slow
@pytest.mark.parametrize("queue", ["sqlite", "redis"])
def test_sigkill_mid_delivery_loses_nothing(
    queue: str, settings: Settings, engine: Engine, factory: Factory, tmp_path: Path
) -> None:
    if queue == "redis":
        if not REDIS_URL:
            pytest.skip("set TANZI_TEST_REDIS_URL to run on RedisHuey")
        import redis

        redis.Redis.from_url(REDIS_URL).flushdb()
        settings = settings.model_copy(update={"queue_url": REDIS_URL})
    toml = tmp_path / "plugins.toml"
    toml.write_text('[plugins]\nload = ["tests.plugins_host.sample_plugins.recorder"]\n')
    config = read_config(toml)
    host = PluginHost(load_all(config), config)
    shop = factory.shop()
    enable(engine, host, shop, "recorder")
    expected = {
        emit(engine, "order_paid", shop.id, {"order": {"id": i}}, rid=i) for i in range(EVENTS)
    }
    enqueue(create_huey(settings), "dispatch")
    record = tmp_path / "record.txt"
    env = {
        **os.environ,
        "TANZI_DATABASE_URL": settings.database_url,
        "TANZI_DATA_DIR": str(settings.data_dir),
        "TANZI_QUEUE_URL": settings.queue_url,
        "TANZI_PLUGINS_FILE": str(toml),
        "TANZI_TEST_RECORD_FILE": str(record),
        "TANZI_TEST_HOOK_SLEEP": "0.1",
    }
    worker = _start(env)
    try:
        deadline = time.monotonic() + 60
        while len(_recorded(record)) < 5 and time.monotonic() < deadline:
            time.sleep(0.05)
        worker.send_signal(signal.SIGKILL)
        worker.wait()
        before = len(_recorded(record))
        assert 0 < before < EVENTS + 1, "the kill must land mid-way"
        worker = _start(env)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            got = {line.split()[1] for line in _recorded(record) if line.startswith("order_paid")}
            if got >= expected:
                break
            time.sleep(0.1)
    finally:
        worker.kill()
        worker.wait()
    got = {line.split()[1] for line in _recorded(record) if line.startswith("order_paid")}
    assert got == expected  # every event at least once, with the same event id
