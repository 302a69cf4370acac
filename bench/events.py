"""Events from commit to hook delivery per second vs a bare Huey task round trip.

Both run on the SQLite queue with an in-process thread consumer in the same run. Tanzi's
path: commit an outbox event, after-commit dispatch, a delivery row, a delivery task, the
plugin's hook. Last line: ``events: ratio R (tanzi/bare)``.
"""

from __future__ import annotations

import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from sqlmodel import Session, SQLModel, select

import core.models as m
from core.jobs.queue import build_runtime, create_huey
from core.jobs.tasks import enqueue
from core.jobs.worker import EmbeddedConsumer
from core.outbox import record_event
from core.plugins.dispatch import watch_outbox
from core.plugins.installations import enable_plugin
from core.plugins.loading import LoadedPlugin, PluginStatus
from core.plugins.manager import PluginHost
from core.settings import Settings
from sdk import PluginManifest, hookimpl

N = 300
WORKERS = 4


class Listener:
    """The bench's plugin: counts order_paid deliveries."""

    manifest = PluginManifest(id="listener", name="Listener", version="1.0.0", hooks=["order_paid"])

    @hookimpl
    def order_paid(self, event: Any, client: Any, settings: Any) -> None:
        pass


def bare(tmp: Path) -> float:
    settings = Settings(env="test", data_dir=tmp / "bare", secret_key="x")
    huey = create_huey(settings)
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
    consumer.stop()
    return N / elapsed


def tanzi(tmp: Path) -> float:
    settings = Settings(env="test", data_dir=tmp / "tanzi", secret_key="x")
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
    watch_outbox(rt.engine, lambda: enqueue(huey, "dispatch"))
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
    elapsed = time.perf_counter() - start
    consumer.stop()
    return N / elapsed


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        bare_rate = bare(Path(tmp))
        tanzi_rate = tanzi(Path(tmp))
    print(f"bare huey round trip: {bare_rate:.0f}/s; tanzi commit-to-hook: {tanzi_rate:.0f}/s")
    print(f"events: ratio {tanzi_rate / bare_rate:.2f} (tanzi/bare)")


if __name__ == "__main__":
    main()
