"""Signed webhook deliveries per second vs bare httpx POSTs of the same bodies.

Both sides POST to the same local receiver (a threaded HTTP/1.1 server with keep-alive,
in a process of its own as a remote app would be) in the same run. The bare side sends
the bodies one after the other on one warm ``httpx.Client``. Tanzi's side has N outbox
events committed for a shop with one remote installation and is timed from the dispatch
until the receiver has N requests: fan-out into delivery rows, delivery batch tasks on an
in-process thread consumer, secret decryption, HMAC signing, the POST, recording each
delivery (the figure until all are recorded delivered is printed too). Committing the
events is the kernel's write, measured by ``bench/events.py``; a second figure times
from the first commit with the events committed one by one while deliveries run. Last
line: ``webhooks: ratio R (tanzi/bare)``.

``TANZI_BENCH_DATABASE_URL`` (a PostgreSQL URL; the bench works in a schema of its own and
drops it after) and ``TANZI_BENCH_QUEUE_URL`` (redis://...; the queue is flushed first)
run it on other backends; both default to SQLite.
"""

from __future__ import annotations

import multiprocessing
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text
from sqlmodel import Session, SQLModel, select

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

N = 300
WORKERS = 4
ROUNDS = int(os.environ.get("TANZI_BENCH_ROUNDS", "3"))
DATABASE_URL = os.environ.get("TANZI_BENCH_DATABASE_URL", "")
QUEUE_URL = os.environ.get("TANZI_BENCH_QUEUE_URL", "")
SECRET = "whsec_bench"


@contextmanager
def _database() -> Iterator[str]:
    """The database URL for the tanzi side: '' (SQLite in its data dir) or a scratch schema."""
    if not DATABASE_URL:
        yield ""
        return
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(
        DATABASE_URL.replace("postgresql://", "postgresql+psycopg://", 1),
        isolation_level="AUTOCOMMIT",
    )
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in DATABASE_URL else "?"
    try:
        yield f"{DATABASE_URL}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


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
    """The same bodies POSTed one after the other on one keep-alive client."""
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
    with httpx.Client() as client:
        client.post(receiver.url, content=bodies[0])  # connect outside the timing
        receiver.wait(1)
        start = time.perf_counter()
        for body in bodies:
            response = client.post(
                receiver.url, content=body, headers={"Content-Type": "application/json"}
            )
            assert response.status_code == 204
        receiver.wait(N)
        return N / (time.perf_counter() - start)


def tanzi(
    tmp: Path, database_url: str, receiver: Receiver, *, live: bool = False
) -> tuple[float, float]:
    """Deliveries per second until the receiver had them all, and until all were recorded.

    By default the N events are committed first and the clock runs from the dispatch
    (the delivery path alone); ``live`` times from the first commit instead, with the
    events committed one by one while deliveries run.
    """
    settings = Settings(
        env="test", data_dir=tmp, secret_key="bench", database_url=database_url, queue_url=QUEUE_URL
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

    def commit_events() -> None:
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

    if not live:
        commit_events()  # the backlog is written before the clock starts
    unwatch = watch_outbox(rt.engine, lambda: request_dispatch(huey))
    consumer = EmbeddedConsumer(
        huey, workers=WORKERS, periodic=False, initial_delay=0.001, max_delay=0.01
    )
    consumer.start()
    time.sleep(0.2)
    start = time.perf_counter()
    if live:
        commit_events()
    else:
        request_dispatch(huey)
    receiver.wait(N)
    received = time.perf_counter() - start
    while True:
        with Session(rt.read_engine) as session:
            delivered = session.exec(
                select(m.Delivery.id).where(m.Delivery.status == m.DeliveryStatus.delivered)
            ).all()
        if len(delivered) >= N:
            break
        time.sleep(0.01)
    recorded = time.perf_counter() - start
    unwatch()
    consumer.stop(graceful=True)
    rt.engine.dispose()
    rt.read_engine.dispose()
    return N / received, N / recorded


def main() -> None:
    bares: list[float] = []
    tanzis: list[tuple[float, float]] = []
    lives: list[float] = []
    for n in range(ROUNDS):
        receiver = Receiver()
        try:
            with tempfile.TemporaryDirectory() as tmp, _database() as database_url:
                bares.append(bare(receiver))
                tanzis.append(tanzi(Path(tmp) / f"{n}", database_url, receiver))
            with tempfile.TemporaryDirectory() as tmp, _database() as database_url:
                lives.append(tanzi(Path(tmp) / f"{n}", database_url, receiver, live=True)[0])
        finally:
            receiver.close()
    bare_rate = statistics.median(bares)
    tanzi_rate = statistics.median(t for t, _ in tanzis)
    recorded_rate = statistics.median(r for _, r in tanzis)
    print(
        "rounds (bare, tanzi):",
        ", ".join(f"{b:.0f}/{t:.0f}" for b, (t, _) in zip(bares, tanzis, strict=True)),
    )
    backends = f"db={'postgresql' if DATABASE_URL else 'sqlite'}"
    backends += f", queue={'redis' if QUEUE_URL else 'sqlite'}"
    print(
        f"[{backends}] bare httpx POSTs: {bare_rate:.0f}/s; tanzi dispatch-to-receiver signed: "
        f"{tanzi_rate:.0f}/s (all recorded delivered: {recorded_rate:.0f}/s)"
    )
    print(
        f"tanzi commit-to-receiver, events committed one by one while delivering: "
        f"{statistics.median(lives):.0f}/s"
    )
    print(f"webhooks: ratio {tanzi_rate / bare_rate:.2f} (tanzi/bare)")


if __name__ == "__main__":
    main()
