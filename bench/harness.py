"""What every benchmark shares: sizes, scratch databases, servers in subprocesses, HTTP load.

A benchmark script imports this module as ``harness`` (``python bench/NAME.py`` puts
``bench/`` first on ``sys.path``). Backends come from the environment:

- ``TANZI_BENCH_DATABASE_URL=postgresql://...``: each run works in a fresh database created
  on that server and dropped afterwards; unset, a SQLite file in a temporary directory;
- ``TANZI_BENCH_QUEUE_URL=redis://...``: the job queue (flushed first); unset, SQLite;
- ``TANZI_BENCH_SMALL=1``: every benchmark runs at a small N, so CI can check that each one
  still runs to its last line (the figures of a small run mean little).
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DATABASE_URL = os.environ.get("TANZI_BENCH_DATABASE_URL", "")
QUEUE_URL = os.environ.get("TANZI_BENCH_QUEUE_URL", "")
SMALL = os.environ.get("TANZI_BENCH_SMALL", "") not in ("", "0")


def size(full: int, small: int) -> int:
    """``full``, or ``small`` when ``TANZI_BENCH_SMALL`` is set."""
    return small if SMALL else full


def rounds(full: int = 3) -> int:
    """Rounds of each side (``TANZI_BENCH_ROUNDS`` overrides; one in a small run)."""
    return int(os.environ.get("TANZI_BENCH_ROUNDS", "1" if SMALL else str(full)))


def backends() -> str:
    """The backends a run used, for its report."""
    db = "PostgreSQL" if DATABASE_URL.startswith("postgresql") else "SQLite"
    return f"database={db}, queue={'Redis' if QUEUE_URL else 'SQLite'}"


def ratio_line(name: str, ratio: float, what: str) -> str:
    """A benchmark's last line: ``NAME: ratio R (what)``."""
    return f"{name}: ratio {ratio:.2f} ({what})"


def median(values: Iterable[float]) -> float:
    """The median of the rounds' figures."""
    return statistics.median(list(values))


@contextmanager
def database(tmp: str | Path, name: str) -> Iterator[str]:
    """A URL for a fresh database: a SQLite file under ``tmp``, or a new database on the
    PostgreSQL server of ``TANZI_BENCH_DATABASE_URL`` (dropped on exit)."""
    if not DATABASE_URL.startswith("postgresql"):
        yield f"sqlite:///{Path(tmp) / name}.db"
        return
    import psycopg

    db = f"tanzi_bench_{name}_{os.getpid()}"
    with psycopg.connect(DATABASE_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{db}"')
        conn.execute(f'CREATE DATABASE "{db}"')
    try:
        yield DATABASE_URL.rsplit("/", 1)[0] + "/" + db
    finally:
        with psycopg.connect(DATABASE_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def server(
    argv: list[str],
    base_url: str,
    *,
    env: dict[str, str] | None = None,
    health: str = "/healthz",
    timeout_s: float = 180,
    **popen: Any,
) -> Iterator[subprocess.Popen[bytes]]:
    """Run ``argv`` in a subprocess until ``base_url + health`` answers 200; stop it on exit.

    ``popen`` goes to :class:`subprocess.Popen` (for example ``stderr=subprocess.PIPE``)."""
    proc = subprocess.Popen(argv, cwd=ROOT, env={**os.environ, **(env or {})}, **popen)
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                if httpx.get(base_url + health, timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{argv[:3]} did not start")
            time.sleep(0.05)
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextmanager
def app_server(script: str, *args: str) -> Iterator[str]:
    """Run ``script --serve ARGS... PORT`` (an app under uvicorn); yield its base URL."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    with server([sys.executable, script, "--serve", *args, str(port)], base_url):
        yield base_url


def serve_app(app: Any, port: int) -> None:
    """The subprocess side of :func:`app_server`: one uvicorn process, no access log."""
    import uvicorn

    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


@dataclass
class Load:
    """``clients`` threads, each with its own connection (and, if given, its own headers:
    each client is its own caller), sending ``n`` requests after ``warmup``.

    ``keepalive=False`` opens a connection per request: with several server processes
    sharing one socket, a burst of keep-alive connections can all land on one process
    (asyncio accepts several per wake-up) and stay there for the whole run."""

    clients: int
    n: int
    warmup: int
    headers: list[dict[str, str]] = field(default_factory=list)
    keepalive: bool = True

    def run(
        self,
        base_url: str,
        send: Callable[[httpx.Client, int], httpx.Response],
        check: Callable[[httpx.Response], bool],
        prepare: Callable[[httpx.Client], None] | None = None,
    ) -> float:
        """Requests per second: ``send(client, i)`` for i in range(warmup + n), spread over
        the clients in turn; every answer must pass ``check``."""
        http = [
            httpx.Client(
                base_url=base_url,
                timeout=60,
                headers={
                    **(self.headers[c] if self.headers else {}),
                    **({} if self.keepalive else {"Connection": "close"}),
                },
            )
            for c in range(self.clients)
        ]
        try:
            for client in http:
                if prepare is not None:
                    prepare(client)

            def one(i: int) -> None:
                response = send(http[i % self.clients], i)
                if not check(response):
                    raise RuntimeError(
                        f"{response.request.method} {response.request.url.path} answered "
                        f"{response.status_code}: {response.text[:300]}"
                    )

            def batch(start: int, stop: int) -> None:
                with ThreadPoolExecutor(max_workers=self.clients) as pool:
                    # each thread takes the requests of one client, so no two threads ever
                    # share a connection
                    list(
                        pool.map(
                            lambda c: [one(i) for i in range(start + c, stop, self.clients)],
                            range(self.clients),
                        )
                    )

            batch(0, self.warmup)
            begin = time.perf_counter()
            batch(self.warmup, self.warmup + self.n)
            return self.n / (time.perf_counter() - begin)
        finally:
            for client in http:
                client.close()
