"""A shop's hook call as a request makes it vs bare ``pm.hook`` with the same implementations.

For 1, 10 and 50 loaded plugins and 1,000 shops, each with its own enabled set (0 to 5 of
the plugins, as ``Installation`` rows in the database), time calling ``register_carriers``:

- Tanzi, as a request does (``core/api/shipments.py``): ``host.hooks_for(session, shop_id)``
  (the shop's enabled-set lookup, ``PluginHost.shop_view``: one query for the shop's
  ``plugins_version``, the cached view when it has not moved) and the call through the
  shop's relay;
- bare: ``pm.hook.register_carriers()`` on a plain pluggy manager that holds only that
  shop's enabled plugins (the same implementation objects, registered in the same order),
  which is what a host without per-shop enablement pays.

Like with like: the same shops in the same order, both warm (every shop called once before
the clock), rounds interleaved, each side's median round (a shared machine is noisy). The request's transaction is already open on Tanzi's side
(a request has made its token lookup by then), so the figure holds the lookup's query and
not a connection checkout. The lookup alone is printed too. Last line:
``hooks: ratio R (tanzi/bare)`` (a time ratio, over all three sizes).
"""

from __future__ import annotations

import random
import tempfile
import time
from collections.abc import Callable

import harness
import pluggy
from sqlalchemy import text
from sqlmodel import Session, SQLModel

import core.models as m
from core.db import create_db_engine
from core.plugins.loading import LoadedPlugin, PluginStatus
from core.plugins.manager import PluginHost
from core.settings import Settings
from sdk import Carrier, hookimpl, hookspecs
from sdk._markers import PROJECT_NAME

SHOPS = harness.size(1000, 50)
ROUNDS = harness.size(15, 3)
SIZES = (1, 10, 50)


def make_plugin(i: int) -> object:
    """A plugin whose ``register_carriers`` returns one carrier."""
    carrier = Carrier(code=f"c{i}", name=f"Carrier {i}")

    class Plugin:
        @hookimpl
        def register_carriers(self) -> list[Carrier]:
            return [carrier]

    return Plugin()


def seed(database_url: str, shops: list[frozenset[str]]) -> tuple[object, list[int]]:
    """The schema, one owner and a shop per enabled set; the engine and the shop ids."""
    engine = create_db_engine(Settings(env="test", database_url=database_url, secret_key="x"))
    SQLModel.metadata.create_all(engine)
    with Session(engine) as session:
        owner = m.Account(email="owner@bench.test", name="Owner")
        session.add(owner)
        session.flush()
        rows = [
            m.Shop(owner_id=owner.id or 0, type=m.ShopType.enterprise, name=f"S{i}")
            for i in range(len(shops))
        ]
        session.add_all(rows)
        session.flush()
        ids = [row.id or 0 for row in rows]
        session.add_all(
            m.Installation(shop_id=shop_id, plugin_id=pid, version="1.0.0")
            for shop_id, enabled in zip(ids, shops, strict=True)
            for pid in sorted(enabled)
        )
        session.commit()
    return engine, ids


def timed(calls: list[Callable[[], object]]) -> float:
    """Seconds to make every call once."""
    start = time.perf_counter()
    for call in calls:
        call()
    return time.perf_counter() - start


def run(tmp: str, n_plugins: int, rng: random.Random) -> tuple[float, float, float]:
    """Median seconds of a round (every shop once): Tanzi (lookup and call), bare, and the
    lookup alone."""
    plugins = {f"p{i}": make_plugin(i) for i in range(n_plugins)}
    host = PluginHost(
        [
            LoadedPlugin(
                id=pid,
                module_name=pid,
                source="bench",
                status=PluginStatus.active,
                module=obj,
                hooks=("register_carriers",),
            )
            for pid, obj in plugins.items()
        ]
    )
    ids = list(plugins)
    shops = [frozenset(rng.sample(ids, rng.randint(0, min(5, n_plugins)))) for _ in range(SHOPS)]
    bare_pms: dict[frozenset[str], pluggy.PluginManager] = {}
    for enabled in set(shops):
        pm = pluggy.PluginManager(PROJECT_NAME)
        pm.add_hookspecs(hookspecs)
        for pid in ids:  # same registration order as the host
            if pid in enabled:
                pm.register(plugins[pid], name=pid)
        bare_pms[enabled] = pm
    bares = [bare_pms[s].hook.register_carriers for s in shops]
    with harness.database(tmp, f"hooks{n_plugins}") as url:
        engine, shop_ids = seed(url, shops)
        with Session(engine) as session:
            session.exec(text("SELECT 1"))  # type: ignore[call-overload]  # the open request

            def tanzi_call(shop_id: int) -> Callable[[], object]:
                return lambda: host.hooks_for(session, shop_id).register_carriers()

            def lookup(shop_id: int) -> Callable[[], object]:
                return lambda: host.hooks_for(session, shop_id)

            tanzis = [tanzi_call(shop_id) for shop_id in shop_ids]
            lookups = [lookup(shop_id) for shop_id in shop_ids]
            for shop_id, enabled in zip(shop_ids, shops, strict=True):  # warm, and check
                got = {
                    c.code
                    for batch in host.hooks_for(session, shop_id).register_carriers()
                    for c in batch
                }
                want = {
                    c.code for batch in bare_pms[enabled].hook.register_carriers() for c in batch
                }
                assert want <= got, (want, got)
            timed(bares)
            tanzi_t: list[float] = []
            bare_t: list[float] = []
            lookup_t: list[float] = []
            for _ in range(ROUNDS):
                tanzi_t.append(timed(tanzis))
                bare_t.append(timed(bares))
                lookup_t.append(timed(lookups))
            session.rollback()
        engine.dispose()  # type: ignore[attr-defined]
    return harness.median(tanzi_t), harness.median(bare_t), harness.median(lookup_t)


def main() -> None:
    """Run the three sizes and print per-call times and the overall time ratio."""
    rng = random.Random(7)
    total_tanzi = total_bare = 0.0
    calls = SHOPS
    print(f"{harness.backends()}; {SHOPS} shops, {ROUNDS} rounds")
    with tempfile.TemporaryDirectory(prefix="tanzi-bench-") as tmp:
        for n in SIZES:
            tanzi_t, bare_t, lookup_t = run(tmp, n, rng)
            print(
                f"{n:>3} plugins: tanzi {tanzi_t / calls * 1e6:.2f} us/call "
                f"(lookup alone {lookup_t / calls * 1e6:.2f}), "
                f"bare {bare_t / calls * 1e6:.2f} us/call, ratio {tanzi_t / bare_t:.2f}"
            )
            total_tanzi += tanzi_t
            total_bare += bare_t
    print(harness.ratio_line("hooks", total_tanzi / total_bare, "tanzi/bare"))


if __name__ == "__main__":
    main()
