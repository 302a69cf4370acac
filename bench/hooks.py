"""Relay call vs bare ``pm.hook`` holding the same enabled implementations.

For 1, 10 and 50 loaded plugins and 1,000 shops with varied enabled sets, time calling
``register_carriers`` through each shop's relay against a plugin manager that holds only
that shop's enabled plugins. Last line: ``hooks: ratio R (relay/bare)``.
"""

from __future__ import annotations

import random
import time

import pluggy

from core.plugins.loading import LoadedPlugin, PluginStatus
from core.plugins.manager import PluginHost
from sdk import Carrier, hookimpl, hookspecs
from sdk._markers import PROJECT_NAME

SHOPS = 1000
ROUNDS = 20


def make_plugin(i: int) -> object:
    carrier = Carrier(code=f"c{i}", name=f"Carrier {i}")

    class Plugin:
        @hookimpl
        def register_carriers(self) -> list[Carrier]:
            return [carrier]

    return Plugin()


def run(n_plugins: int, rng: random.Random) -> tuple[float, float]:
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
    relays = [host.relay(s).register_carriers for s in shops]
    bares = [bare_pms[s].hook.register_carriers for s in shops]
    for caller in relays + bares:  # warm up
        caller()
    relay_t = bare_t = 0.0
    for _ in range(ROUNDS):
        t = time.perf_counter()
        for caller in relays:
            caller()
        relay_t += time.perf_counter() - t
        t = time.perf_counter()
        for caller in bares:
            caller()
        bare_t += time.perf_counter() - t
    return relay_t, bare_t


def main() -> None:
    rng = random.Random(7)
    total_relay = total_bare = 0.0
    for n in (1, 10, 50):
        relay_t, bare_t = run(n, rng)
        calls = SHOPS * ROUNDS
        print(
            f"{n:>3} plugins: relay {relay_t / calls * 1e6:.2f} us/call, "
            f"bare {bare_t / calls * 1e6:.2f} us/call, ratio {relay_t / bare_t:.2f}"
        )
        total_relay += relay_t
        total_bare += bare_t
    print(f"hooks: ratio {total_relay / total_bare:.2f} (relay/bare)")


if __name__ == "__main__":
    main()
