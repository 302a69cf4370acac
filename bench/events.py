"""Events from commit to hook delivery per second vs a bare Huey task round trip.

Both run on the same queue (SQLite under a temporary directory by default) with an
in-process thread consumer of the same size, in the same run, and both are timed from the
first enqueue/commit until the task/hook has run N times. Tanzi's path: commit an outbox
event, after-commit (coalesced) dispatch, delivery rows, a delivery batch task, the
plugin's hook. The tanzi figure also waits until every delivery is recorded as delivered
(printed separately). Last line: ``events: ratio R (tanzi/bare)``.

Backends: ``TANZI_BENCH_DATABASE_URL`` and ``TANZI_BENCH_QUEUE_URL`` (see ``harness``).
"""

from __future__ import annotations

import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import harness
from sqlmodel import Session, SQLModel, select

import core.models as m
from core.jobs.queue import build_runtime, create_huey
from core.jobs.tasks import request_dispatch
from core.jobs.worker import EmbeddedConsumer
from core.outbox import record_event
from core.plugins.installations import enable_plugin
from core.plugins.loading import LoadedPlugin, PluginStatus
from core.plugins.manager import PluginHost
from core.plugins.outbox_watch import watch_outbox
from core.settings import Settings
from sdk import PluginManifest, hookimpl

N = harness.size(300, 30)
WORKERS = 4
#: Rounds of each side, alternating; the figures are each side's median (a shared machine
#: is noisy, and alternating spreads the noise over both sides alike).
ROUNDS = harness.rounds()


class Listener:
    """The bench's plugin: signals each order_paid delivery, like the bare task does."""

    manifest = PluginManifest(id="listener", name="Listener", version="1.0.0", hooks=["order_paid"])

    def __init__(self) -> None:
        self.done = threading.Semaphore(0)

    @hookimpl
    def order_paid(self, event: Any, client: Any, settings: Any) -> None:
        self.done.release()


def _settings(data_dir: Path, database_url: str = "") -> Settings:
    return Settings(
        env="test",
        data_dir=data_dir,
        secret_key="x",
        database_url=database_url,
        queue_url=harness.QUEUE_URL,
    )


def bare(tmp: Path) -> float:
    settings = _settings(tmp / "bare")
    huey = create_huey(settings)
    huey.flush()
    done = threading.Semaphore(0)

    @huey.task()
    def ping(i: int) -> int:
        done.release()
        return i

    consumer = EmbeddedConsumer(
        huey, workers=WORKERS, periodic=False, initial_delay=0.001, max_delay=0.01
    )
    consumer.start()
    start = time.perf_counter()
    for i in range(N):
        ping(i)
    for _ in range(N):
        done.acquire()
    elapsed = time.perf_counter() - start
    consumer.stop(graceful=True)
    return N / elapsed


def tanzi(tmp: Path, database_url: str) -> tuple[float, float]:
    """Events per second until every hook ran, and until every delivery was recorded."""
    settings = _settings(tmp / "tanzi", database_url)
    plugin = Listener()
    host = PluginHost(
        [
            LoadedPlugin(
                id="listener",
                module_name="bench.events",
                source="bench",
                status=PluginStatus.active,
                manifest=plugin.manifest,
                module=plugin,  # type: ignore[arg-type]
                hooks=("order_paid",),
            )
        ]
    )
    huey = create_huey(settings)
    huey.flush()
    rt = build_runtime(settings, host=host, huey=huey)
    SQLModel.metadata.create_all(rt.engine)
    with Session(rt.engine) as session:
        account = m.Account(email="b@example.com", name="B", password_hash="x")
        session.add(account)
        session.flush()
        shop = m.Shop(owner_id=account.id, type=m.ShopType.personal, name="Bench")
        session.add(shop)
        session.flush()
        shop_id = shop.id
        enable_plugin(session, host=host, shop_id=shop_id, plugin_id="listener")
        session.commit()
    unwatch = watch_outbox(rt.engine, lambda: request_dispatch(huey))
    consumer = EmbeddedConsumer(
        huey, workers=WORKERS, periodic=False, initial_delay=0.001, max_delay=0.01
    )
    consumer.start()
    time.sleep(0.2)
    start = time.perf_counter()
    for i in range(N):
        with Session(rt.engine) as session:
            record_event(
                session,
                name="order_paid",
                shop_id=shop_id,
                resource_type="order",
                resource_id=i + 1,
                data={"order": {"id": i + 1}},
            )
            session.commit()
    for _ in range(N):
        plugin.done.acquire()
    called = time.perf_counter() - start
    while True:
        with Session(rt.read_engine) as session:
            delivered = session.exec(
                select(m.Delivery.id).where(
                    m.Delivery.hook == "order_paid", m.Delivery.status == m.DeliveryStatus.delivered
                )
            ).all()
        if len(delivered) >= N:
            break
        time.sleep(0.01)
    recorded = time.perf_counter() - start
    unwatch()
    consumer.stop(graceful=True)
    rt.engine.dispose()
    rt.read_engine.dispose()
    return N / called, N / recorded


def main() -> None:
    bares: list[float] = []
    tanzis: list[tuple[float, float]] = []
    for n in range(ROUNDS):
        with tempfile.TemporaryDirectory() as tmp, harness.database(tmp, f"events{n}") as url:
            bares.append(bare(Path(tmp) / str(n)))
            tanzis.append(tanzi(Path(tmp) / str(n), url))
    bare_rate = harness.median(bares)
    tanzi_rate = harness.median(t for t, _ in tanzis)
    recorded_rate = harness.median(r for _, r in tanzis)
    print(
        "rounds (bare, tanzi):",
        ", ".join(f"{b:.0f}/{t:.0f}" for b, (t, _) in zip(bares, tanzis, strict=True)),
    )
    print(
        f"[{harness.backends()}] bare huey round trip: {bare_rate:.0f}/s; "
        f"tanzi commit-to-hook: {tanzi_rate:.0f}/s (all recorded delivered: {recorded_rate:.0f}/s)"
    )
    print(harness.ratio_line("events", tanzi_rate / bare_rate, "tanzi/bare"))


if __name__ == "__main__":
    main()
