"""Stock propagation on a Tanzi-to-Tanzi channel vs a bare loop of one HTTP call + read back.

One Tanzi host (``tanzi serve`` as a subprocess: the app and its embedded job worker) with
shop A running ``catalog_sync`` and shop B as its channel (a remote installation with an
OAuth token), connected, ``STREAMS`` SKUs published with a fixed allocation (the channel
holds ``FIXED`` units of each) and B's ``inventory.changed`` subscribed to A's webhook route.

- tanzi: B's merchant adds one unit to a SKU over the open API; B's outbox event is
  delivered by the host's worker as a signed webhook to A's route, which returns the unit
  to A (the channel already holds its allocation). Timed from before the call on B until
  a read of A over the API shows the unit (read every ``POLL_S``).
- bare: the same change made with one HTTP call to A's SKU, then read back from A.

Both sides make the same ``N`` changes in ``STREAMS`` concurrent streams (one SKU each, a
change after the previous one is visible), in the same run on the same host and database;
the host's embedded worker runs ``STREAMS`` threads, so both sides work at the same
concurrency. Printed: p50 and p95 propagation of
each; last line ``sync: ratio R (tanzi/bare throughput)``.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import harness
import httpx
from sqlmodel import Session, SQLModel

N = harness.size(200, 16)
#: Concurrent streams on each side (``TANZI_BENCH_SYNC_STREAMS`` overrides). The bare side
#: makes its calls from that many threads, so the host's embedded job worker, which
#: delivers the webhooks, runs that many threads too (``embedded_worker_threads``): the
#: same concurrency on both sides. With 1 stream the ratio compares latencies.
STREAMS = int(os.environ.get("TANZI_BENCH_SYNC_STREAMS", "4"))
FIXED = 100
POLL_S = 0.005
ROUNDS = harness.rounds(1)
SCOPES = ("orders:read", "products:read", "products:write", "shop:read")


def _settings(database_url: str, data_dir: str, base_url: str = "") -> Any:
    from core.settings import Settings

    extra = {"base_url": base_url} if base_url else {}
    return Settings(
        env="test",
        database_url=database_url,
        data_dir=Path(data_dir),
        secret_key="bench-secret",
        plugins_file=harness.ROOT / "plugins.toml",
        rate_limit_capacity=10**9,
        embedded_worker_threads=STREAMS,
        **extra,
    )


def serve(database_url: str, data_dir: str, port: int) -> None:
    """The subprocess: the app and its embedded worker, as ``tanzi serve`` runs them."""
    from core.jobs.worker import start_embedded_worker
    from marketplace.app import create_app

    settings = _settings(database_url, data_dir, f"http://127.0.0.1:{port}")
    stop = start_embedded_worker(settings)
    try:
        harness.serve_app(create_app(settings), port)
    finally:
        stop()


class World:
    """The two shops, the tokens and the published SKUs (A's and B's ids per stream)."""

    def __init__(self, database_url: str, data_dir: str) -> None:
        import core.models as m
        from core.db import create_db_engine
        from core.security import new_token, token_hash

        self.settings = _settings(database_url, data_dir)
        self.engine = create_db_engine(self.settings)
        SQLModel.metadata.create_all(self.engine)
        self.owner_token = new_token("tz_pat")
        self.channel_token = new_token("tz_oat")
        with Session(self.engine, expire_on_commit=False) as session:
            owner = m.Account(email="owner@bench.test", name="Owner")
            category = m.Category(name="Bench", shop_types=[t.value for t in m.ShopType])
            session.add_all([owner, category])
            session.flush()
            session.add(m.AccessToken(account_id=owner.id, token_hash=token_hash(self.owner_token)))
            shops = []
            for name in ("A", "B"):
                shop = m.Shop(owner_id=owner.id or 0, type=m.ShopType.enterprise, name=name)
                shop.status = m.ShopStatus.open
                session.add(shop)
                session.flush()
                session.add(m.Member(shop_id=shop.id or 0, account_id=owner.id or 0, is_owner=True))
                shops.append(shop)
            self.shop_a, self.shop_b = (s.id or 0 for s in shops)
            self.category_b = category.id or 0
            rows = {}
            for shop_id, kind in ((self.shop_a, "plugin"), (self.shop_b, "remote")):
                rows[kind] = m.Installation(
                    shop_id=shop_id,
                    plugin_id="catalog_sync",
                    version="0.1.0",
                    kind=kind,
                    granted_scopes=list(SCOPES),
                )
                session.add(rows[kind])
            session.flush()
            session.add(
                m.AccessToken(
                    token_hash=token_hash(self.channel_token),
                    kind="oauth",
                    scopes=list(SCOPES),
                    shop_id=self.shop_b,
                    installation_id=rows["remote"].id,
                )
            )
            self.products: list[tuple[int, int]] = []  # A's (product id, SKU id) per stream
            for k in range(STREAMS):
                product = m.Product(
                    shop_id=self.shop_a,
                    category_id=category.id or 0,
                    title=f"Bench tea {k}",
                    status=m.ProductStatus.listed,
                )
                session.add(product)
                session.flush()
                sku = m.Sku(
                    product_id=product.id or 0,
                    shop_id=self.shop_a,
                    code=f"SYNC-{k}",
                    price_fen=1000,
                    stock=FIXED + 1_000,
                )
                session.add(sku)
                session.flush()
                self.products.append((product.id or 0, sku.id or 0))
            session.commit()
            self.installation_a = rows["plugin"]

    def connect(self, base_url: str) -> list[int]:
        """Connect B as a channel from A, publish the SKUs, subscribe B's events; B's SKU
        ids per stream."""
        from core.plugins.client import ScopedClient
        from core.plugins.client_host import ClientHost
        from core.plugins.manager import InstallationRef
        from plugins.catalog_sync.allocation import Allocation
        from plugins.catalog_sync.channels import ChannelConfig, save_channel
        from plugins.catalog_sync.mapping import mapped
        from plugins.catalog_sync.push import subscribe
        from plugins.catalog_sync.sync import ChannelSync

        client = ScopedClient(
            self.engine,
            InstallationRef.of(self.installation_a),
            host=ClientHost.of(self.settings),
        )
        config = ChannelConfig(
            name="bench",
            base_url=base_url,
            shop_id=self.shop_b,
            category_id=self.category_b,
            allocation=Allocation(mode="fixed", value=FIXED),
        )
        save_channel(client, config, self.channel_token)
        ChannelSync(client, config).publish([p for p, _ in self.products])
        hooks = f"{base_url}/hooks/shops/{self.shop_a}/apps/catalog_sync"
        if not subscribe(client, config, hooks):
            raise RuntimeError("the channel refused the webhook subscription")
        found = [mapped(client, "bench", f"SYNC-{k}") for k in range(STREAMS)]
        if any(item is None for item in found):
            raise RuntimeError("a SKU was not published")
        # B's SKU ids: read from B's products by code
        with httpx.Client(base_url=base_url, headers=self.auth, timeout=30) as http:
            items = http.get(f"/api/v1/shops/{self.shop_b}/products", params={"limit": 200})
            codes = {
                s["code"]: s["id"] for p in items.json()["items"] for s in p["skus"] if s["code"]
            }
        return [codes[f"SYNC-{k}"] for k in range(STREAMS)]

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.owner_token}"}


def _stock(http: httpx.Client, shop_id: int, product_id: int, sku_id: int) -> int:
    answer = http.get(f"/api/v1/shops/{shop_id}/products/{product_id}")
    answer.raise_for_status()
    return next(s["stock"] for s in answer.json()["skus"] if s["id"] == sku_id)


def _add(http: httpx.Client, shop_id: int, sku_id: int) -> None:
    answer = http.post(
        f"/api/v1/shops/{shop_id}/skus/{sku_id}/inventory",
        json={"delta": 1, "reason": "other", "note": "bench"},
    )
    if answer.status_code != 200:
        raise RuntimeError(f"add_stock answered {answer.status_code}: {answer.text[:300]}")


def run_streams(
    base_url: str,
    auth: dict[str, str],
    change: Any,
    visible: Any,
) -> tuple[float, list[float]]:
    """``N`` changes over ``STREAMS`` streams: throughput and each change's propagation."""
    times: list[list[float]] = [[] for _ in range(STREAMS)]

    def stream(k: int) -> None:
        with httpx.Client(base_url=base_url, headers=auth, timeout=60) as http:
            target = visible(http, k, None)
            deadline_s = 30.0
            for _ in range(k, N, STREAMS):
                start = time.perf_counter()
                change(http, k)
                target += 1
                while visible(http, k, target) < target:
                    if time.perf_counter() - start > deadline_s:
                        raise RuntimeError(
                            f"stream {k}: the change did not arrive in {deadline_s}s"
                        )
                    time.sleep(POLL_S)
                times[k].append(time.perf_counter() - start)

    begin = time.perf_counter()
    with ThreadPoolExecutor(max_workers=STREAMS) as pool:
        list(pool.map(stream, range(STREAMS)))
    elapsed = time.perf_counter() - begin
    return N / elapsed, [t for ts in times for t in ts]


def _pct(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100)[q - 1] if len(values) > 1 else values[0]


def one_round(tmp: str, r: int) -> tuple[float, list[float], float, list[float]]:
    """Tanzi, then bare, on one host and database."""
    with harness.database(tmp, f"sync{r}") as url:
        world = World(url, tmp)
        port = harness.free_port()
        base_url = f"http://127.0.0.1:{port}"
        argv = [sys.executable, __file__, "--serve", url, tmp, str(port)]
        with harness.server(argv, base_url):
            skus_b = world.connect(base_url)
            time.sleep(1.0)  # the publish's own events settle

            def a_stock(http: httpx.Client, k: int, _target: int | None) -> int:
                product_id, sku_id = world.products[k]
                return _stock(http, world.shop_a, product_id, sku_id)

            def tanzi_change(http: httpx.Client, k: int) -> None:
                _add(http, world.shop_b, skus_b[k])

            def bare_change(http: httpx.Client, k: int) -> None:
                _add(http, world.shop_a, world.products[k][1])

            tanzi_rate, tanzi_times = run_streams(base_url, world.auth, tanzi_change, a_stock)
            bare_rate, bare_times = run_streams(base_url, world.auth, bare_change, a_stock)
        world.engine.dispose()
    return tanzi_rate, tanzi_times, bare_rate, bare_times


def main() -> None:
    """Run ``ROUNDS`` rounds; print propagation percentiles and the throughput ratio."""
    tanzis: list[float] = []
    bares: list[float] = []
    tanzi_all: list[float] = []
    bare_all: list[float] = []
    with tempfile.TemporaryDirectory(prefix="tanzi-bench-") as tmp:
        for r in range(ROUNDS):
            data_dir = Path(tmp) / f"r{r}"
            data_dir.mkdir()
            t_rate, t_times, b_rate, b_times = one_round(str(data_dir), r)
            tanzis.append(t_rate)
            bares.append(b_rate)
            tanzi_all += t_times
            bare_all += b_times
    tanzi, bare = harness.median(tanzis), harness.median(bares)
    print(f"{harness.backends()}; {N} changes in {STREAMS} streams, median of {ROUNDS}")
    print(
        f"tanzi (B -> signed webhook -> A): p50 {_pct(tanzi_all, 50) * 1000:.0f} ms, "
        f"p95 {_pct(tanzi_all, 95) * 1000:.0f} ms, {tanzi:.1f} changes/s"
    )
    print(
        f"bare (one call to A + read back): p50 {_pct(bare_all, 50) * 1000:.0f} ms, "
        f"p95 {_pct(bare_all, 95) * 1000:.0f} ms, {bare:.1f} changes/s"
    )
    print(harness.ratio_line("sync", tanzi / bare, "tanzi/bare throughput"))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--serve":
        serve(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    else:
        main()
