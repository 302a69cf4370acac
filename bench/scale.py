"""Orders per second through ``tanzi serve --workers 1`` and ``--workers 2``, in one run.

Shows whether the web processes really share nothing: the same deployment as production
on PostgreSQL + Redis (``TANZI_BENCH_DATABASE_URL``, ``TANZI_BENCH_QUEUE_URL``; the Redis
URL also backs the shared rate limiter), a separate ``tanzi worker`` consuming the order
events, ``tanzi serve --no-embedded-worker --workers W``. Without those variables it runs
on SQLite and its queue, which says little about scaling (one writer at a time).

Like with like: both sizes serve the same database (seeded once: one buyer token and one
open shop with a SKU with plenty of stock per client, so no row is shared by the clients:
with one SKU every order waits for the one row lock and no number of processes helps) and are driven by the same load, ``CLIENTS``
threads each with its own token, ``N`` orders after ``WARMUP``, a new connection per
request (keep-alive connections opened in a burst can all land on one web process, which
the kernel then keeps for the whole run: a profile showed 244 samples in one process's
``place_order`` to 42 in the other's); the sizes
alternate for ``ROUNDS`` rounds and each figure is the median. The rate limiter runs but
its bucket is larger than the run.

The load generator runs on the same 2 cores as the servers, PostgreSQL, Redis and the
worker; the CPU it used (user + system, all its threads) is printed as a share of the
run's wall time, so a ratio held down by it can be told from one held down by the server.

Run: ``.venv/bin/python bench/scale.py [N] [CLIENTS]``. Last line:
``scale: ratio R (2 workers/1 worker)``.
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import harness
import httpx
import orders

N = harness.size(400, 30)
CLIENTS = 8
WARMUP = harness.size(40, 8)
ROUNDS = harness.rounds()
SIZES = (1, 2)


def tanzi_bin() -> str:
    """The ``tanzi`` command of this interpreter's environment."""
    local = os.path.join(os.path.dirname(sys.executable), "tanzi")
    return local if os.path.exists(local) else shutil.which("tanzi") or "tanzi"


def environment(database_url: str, data_dir: str) -> dict[str, str]:
    """The settings every process of the deployment reads."""
    env = {
        "TANZI_ENV": "test",
        "TANZI_DATABASE_URL": database_url,
        "TANZI_DATA_DIR": data_dir,
        "TANZI_SECRET_KEY": "bench-secret",
        "TANZI_RATE_LIMIT_CAPACITY": str(10**9),
    }
    if harness.QUEUE_URL:
        env["TANZI_QUEUE_URL"] = harness.QUEUE_URL
        env["TANZI_REDIS_URL"] = harness.QUEUE_URL
    return env


@contextmanager
def worker(env: dict[str, str]) -> Iterator[None]:
    """A ``tanzi worker`` in its own process."""
    proc = subprocess.Popen(
        [tanzi_bin(), "worker", "--workers", "2"],
        cwd=harness.ROOT,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        time.sleep(0.5)
        if proc.poll() is not None:
            raise RuntimeError("tanzi worker did not start")
        yield
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class ServerLog:
    """Reads a ``tanzi serve`` process's log (uvicorn's lines go to stderr): how many web
    processes finished starting, and how many the supervisor found dead and replaced."""

    def __init__(self, proc: subprocess.Popen[bytes]) -> None:
        self.started = 0
        self.died = 0
        self._thread = threading.Thread(target=self._read, args=(proc,), daemon=True)
        self._thread.start()

    def _read(self, proc: subprocess.Popen[bytes]) -> None:
        assert proc.stderr is not None
        for raw in proc.stderr:
            line = raw.decode(errors="replace")
            if "Application startup complete" in line:
                self.started += 1
            elif "died" in line or "not ready in time" in line:
                self.died += 1
                sys.stderr.write(line)

    def wait_ready(self, workers: int, timeout_s: float = 120) -> None:
        """Wait until ``workers`` processes serve (each one started and still alive)."""
        deadline = time.monotonic() + timeout_s
        while self.started - self.died < workers:
            if time.monotonic() > deadline:
                raise RuntimeError(f"only {self.started - self.died} of {workers} web processes")
            time.sleep(0.1)


def rate(
    workers: int,
    env: dict[str, str],
    paths: list[str],
    payloads: list[dict[str, Any]],
    tokens: list[str],
) -> float:
    """Orders per second through ``tanzi serve --workers W``; prints the load's CPU share."""
    port = harness.free_port()
    base_url = f"http://127.0.0.1:{port}"
    argv = [tanzi_bin(), "serve", "--no-embedded-worker", "--workers", str(workers)]
    argv += ["--port", str(port)]
    headers = [{"Authorization": f"Bearer {t}"} for t in tokens]
    load = harness.Load(clients=CLIENTS, n=N, warmup=WARMUP, headers=headers, keepalive=False)
    stamp = f"w{workers}-{time.monotonic_ns()}"

    def send(http: httpx.Client, i: int) -> httpx.Response:
        c = i % CLIENTS  # the client (and its shop) that sends request i
        return http.post(paths[c], json=payloads[c], headers={"Idempotency-Key": f"{stamp}-{i}"})

    with harness.server(
        argv, base_url, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    ) as proc:
        log = ServerLog(proc)
        log.wait_ready(workers)
        died = log.died
        cpu = resource.getrusage(resource.RUSAGE_SELF)
        wall = time.perf_counter()
        result = load.run(base_url, send, lambda resp: resp.status_code == 201)
        wall = time.perf_counter() - wall
        after = resource.getrusage(resource.RUSAGE_SELF)
        died = log.died - died
    used = (after.ru_utime - cpu.ru_utime) + (after.ru_stime - cpu.ru_stime)
    print(
        f"  --workers {workers}: {result:.0f} orders/s; the load generator used "
        f"{used / wall:.2f} of the 2 cores (warm-up included); "
        f"web processes replaced during the run: {died}"
    )
    return result


def main(clients: int) -> None:
    """Seed once, then alternate 1 and 2 web workers; print the medians and their ratio."""
    global CLIENTS
    CLIENTS = clients
    rates: dict[int, list[float]] = {w: [] for w in SIZES}
    print(f"{harness.backends()}; {N} orders from {CLIENTS} clients, median of {ROUNDS}")
    with (
        tempfile.TemporaryDirectory(prefix="tanzi-bench-") as tmp,
        harness.database(tmp, "scale") as url,
    ):
        env = environment(url, tmp)
        if harness.QUEUE_URL:
            from core.jobs.queue import create_huey
            from core.settings import Settings

            create_huey(Settings(queue_url=harness.QUEUE_URL, data_dir=tmp)).flush()
        subprocess.run(
            [tanzi_bin(), "db", "upgrade"],
            cwd=harness.ROOT,
            env={**os.environ, **env},
            check=True,
            stdout=subprocess.DEVNULL,
        )
        pairs, tokens = orders.seed(url, CLIENTS, shops=CLIENTS)
        paths = [f"/api/v1/storefront/shops/{shop}/orders" for shop, _ in pairs]
        payloads = [orders.body(sku) for _, sku in pairs]
        with worker(env):
            for _ in range(ROUNDS):
                for w in SIZES:
                    rates[w].append(rate(w, env, paths, payloads, tokens))
    one, two = harness.median(rates[1]), harness.median(rates[2])
    print(f"tanzi serve --workers 1: {one:.1f} orders/s; --workers 2: {two:.1f} orders/s")
    print(harness.ratio_line("scale", two / one, "2 workers/1 worker"))


if __name__ == "__main__":
    if len(sys.argv) > 1:
        N = int(sys.argv[1])
    main(int(sys.argv[2]) if len(sys.argv) > 2 else CLIENTS)
