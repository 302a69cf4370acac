"""Signed webhook deliveries per second vs bare httpx POSTs of the same bodies.

Both sides POST to the same local receiver (a threaded HTTP/1.1 server with keep-alive, in
a process of its own as a remote app would be) in the same run, with the same concurrency:
``WORKERS`` threads.

- bare: ``WORKERS`` threads, each with its own warm keep-alive ``httpx.Client``, POST the
  N bodies (each thread its share); timed from the first POST until the receiver has all N.
- Tanzi: a shop with one remote installation subscribed to ``order.paid``; N outbox events
  are committed one by one (the kernel's write) while a consumer with ``WORKERS`` threads
  delivers them: after-commit dispatch, fan-out into delivery rows, delivery batch tasks,
  secret decryption, HMAC signing, the POST, recording each delivery. Timed from the first
  commit until every delivery is recorded as delivered (when the receiver had them all is
  printed too).

Each side runs ``ROUNDS`` times, alternating; each figure is the median. Last line:
``webhooks: ratio R (tanzi/bare)``.
"""

from __future__ import annotations

import multiprocessing
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import harness
import httpx
from sqlalchemy import ColumnElement
from sqlmodel import Session, SQLModel, col, func, select

import core.models as m
from core.crypto import encrypt_secret
from core.jobs.queue import build_runtime, create_huey
from core.jobs.tasks import request_dispatch
from core.jobs.worker import EmbeddedConsumer
from core.outbox import record_event
from core.plugins.manager import PluginHost
from core.plugins.outbox_watch import watch_outbox
from core.plugins.webhooks import webhook_body
from core.settings import Settings

N = harness.size(300, 30)
WORKERS = 4
ROUNDS = harness.rounds()
SECRET = "whsec_bench"


def _data(i: int) -> dict[str, Any]:
    """An order snapshot the size of a real one (two lines)."""
    return {
        "order": {
            "id": i,
            "shop_id": 1,
            "status": "paid",
            "subtotal_fen": 3500,
            "total_fen": 3500,
            "currency": "CNY",
            "lines": [
                {
                    "id": 2 * i,
                    "product_id": 7,
                    "sku_id": 9,
                    "title": "Tea",
                    "quantity": 2,
                    "unit_price_fen": 1000,
                },
                {
                    "id": 2 * i + 1,
                    "product_id": 8,
                    "sku_id": 10,
                    "title": "Cup",
                    "quantity": 1,
                    "unit_price_fen": 1500,
                },
            ],
            "paid_at": "2026-11-22T08:00:00+00:00",
        }
    }


def _serve(port_out: Any, done: Any) -> None:
    """The receiver's process: answer every POST 204 and count it on ``done``."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            self.send_response(204)
            self.end_headers()
            done.release()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    port_out.send(server.server_address[1])
    server.serve_forever()


class Receiver:
    """A local webhook endpoint in a process of its own (as a remote app is), so it never
    waits for this process's interpreter lock; ``wait(n)`` returns after n requests."""

    def __init__(self) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.done = ctx.Semaphore(0)
        ours, theirs = ctx.Pipe()
        self.process = ctx.Process(target=_serve, args=(theirs, self.done), daemon=True)
        self.process.start()
        self.url = f"http://127.0.0.1:{ours.recv()}/webhooks"

    def wait(self, n: int) -> None:
        for _ in range(n):
            self.done.acquire()

    def close(self) -> None:
        self.process.terminate()
        self.process.join()


def bare(receiver: Receiver) -> float:
    """The same bodies POSTed by ``WORKERS`` threads, each on its own keep-alive client."""
    now = datetime.now(UTC)
    bodies = [
        webhook_body(
            m.OutboxEvent(
                event_id=f"{i:036d}",
                name="order_paid",
                shop_id=1,
                resource_type="order",
                resource_id=i + 1,
                sequence=1,
                payload=_data(i + 1),
                created_at=now,
            ),
            installation_id=1,
        )
        for i in range(N)
    ]
    clients = [httpx.Client() for _ in range(WORKERS)]
    try:
        for client in clients:  # connect outside the timing
            client.post(receiver.url, content=bodies[0])
        receiver.wait(WORKERS)

        def share(w: int) -> None:
            for body in bodies[w::WORKERS]:
                response = clients[w].post(
                    receiver.url, content=body, headers={"Content-Type": "application/json"}
                )
                assert response.status_code == 204

        with ThreadPoolExecutor(max_workers=WORKERS) as pool:
            start = time.perf_counter()
            list(pool.map(share, range(WORKERS)))
            receiver.wait(N)
            return N / (time.perf_counter() - start)
    finally:
        for client in clients:
            client.close()


def _count_delivered(session: Session) -> int:
    delivered: ColumnElement[bool] = col(m.Delivery.status) == m.DeliveryStatus.delivered
    return session.exec(select(func.count()).select_from(m.Delivery).where(delivered)).one()


def tanzi(tmp: Path, database_url: str, receiver: Receiver) -> tuple[float, float]:
    """Deliveries per second from the first commit until every delivery was recorded
    delivered, and until the receiver had them all."""
    settings = Settings(
        env="test",
        data_dir=tmp,
        secret_key="bench",
        database_url=database_url,
        queue_url=harness.QUEUE_URL,
    )
    host = PluginHost([])
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
        assert shop_id is not None
        session.add(
            m.Installation(
                shop_id=shop_id,
                plugin_id="bench_app",
                version="1.0.0",
                kind="remote",
                webhook_url=receiver.url,
                webhook_topics=["order.paid"],
                webhook_secret=encrypt_secret(settings.secret_key, SECRET),
            )
        )
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
                data=_data(i + 1),
            )
            session.commit()
    receiver.wait(N)
    received = time.perf_counter() - start
    while True:
        with Session(rt.read_engine) as session:
            if _count_delivered(session) >= N:
                break
        time.sleep(0.005)
    recorded = time.perf_counter() - start
    unwatch()
    consumer.stop(graceful=True)
    rt.engine.dispose()
    rt.read_engine.dispose()
    return N / recorded, N / received


def main() -> None:
    """Alternate the sides ``ROUNDS`` times; print the medians and their ratio."""
    bares: list[float] = []
    tanzis: list[tuple[float, float]] = []
    for n in range(ROUNDS):
        receiver = Receiver()
        try:
            bares.append(bare(receiver))
            with (
                tempfile.TemporaryDirectory() as tmp,
                harness.database(tmp, f"webhooks{n}") as url,
            ):
                tanzis.append(tanzi(Path(tmp) / f"{n}", url, receiver))
        finally:
            receiver.close()
    bare_rate = harness.median(bares)
    tanzi_rate = harness.median([t for t, _ in tanzis])
    received_rate = harness.median([r for _, r in tanzis])
    print(f"{harness.backends()}; {N} deliveries, {WORKERS} threads each side, median of {ROUNDS}")
    print(
        "rounds (bare, tanzi):",
        ", ".join(f"{b:.0f}/{t:.0f}" for b, (t, _) in zip(bares, tanzis, strict=True)),
    )
    print(
        f"bare httpx POSTs: {bare_rate:.0f}/s; tanzi first commit to all recorded delivered: "
        f"{tanzi_rate:.0f}/s (to all received: {received_rate:.0f}/s)"
    )
    print(harness.ratio_line("webhooks", tanzi_rate / bare_rate, "tanzi/bare"))


if __name__ == "__main__":
    main()
