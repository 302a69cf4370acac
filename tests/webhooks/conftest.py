"""Fixtures for remote apps: a real HTTP receiver on a local port, remote installations with
encrypted webhook secrets, service tokens, and a clock the delivery machinery reads."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from huey import Huey
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

import core.models as m
from core.crypto import encrypt_secret
from core.models.base import utcnow
from core.security import new_token, token_hash
from core.settings import Settings
from sdk.remote import InvalidSignature, WebhookEvent, verify_signature
from tests.conftest import Factory

#: a standard secret (``whsec_`` and the base64 of 32 bytes), as new listings get them
SECRET = "whsec_dGFuemktd2ViaG9vay10ZXN0LXNlY3JldC0zMmJ5dGU="


@dataclass
class Received:
    """One request the receiver got: the parsed event and whether its signature held."""

    event: WebhookEvent
    headers: dict[str, str]
    verified: bool
    error: str = ""


@dataclass
class Receiver:
    """A remote app's webhook endpoint: a real HTTP server on a fixed local port.

    It checks every request's signature with :func:`sdk.remote.verify_signature`. ``status``
    is what it answers; :meth:`stop` takes it off the network (connections are refused)
    and :meth:`start` brings it back on the same port.
    """

    secret: str = SECRET
    status: int = 200
    port: int = 0
    received: list[Received] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/webhooks"

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                headers = dict(self.headers.items())
                try:
                    verify_signature(receiver.secret, self.headers, body)
                    verified, error = True, ""
                except InvalidSignature as exc:
                    verified, error = False, exc.reason
                with receiver._lock:
                    receiver.received.append(
                        Received(WebhookEvent.parse(body), headers, verified, error)
                    )
                status = receiver.status if verified else 401
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def events(self) -> list[WebhookEvent]:
        with self._lock:
            return [r.event for r in self.received]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with socket.socket() as probe:  # a free port, kept across stop/start
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    receiver = Receiver(port=port)
    receiver.start()
    yield receiver
    receiver.stop()


def remote_app(
    factory: Factory,
    settings: Settings,
    shop: m.Shop,
    *,
    url: str,
    topics: list[str],
    slug: str = "remote_app",
    provider: m.Account | None = None,
    secret: str = SECRET,
) -> tuple[m.Installation, m.Listing]:
    """A live listing and its remote installation in ``shop``, as the OAuth grant makes them."""
    provider = provider or factory.account(name="Provider")
    listing = m.Listing(
        slug=slug, provider_id=provider.id, name="Remote App", status=m.ListingStatus.live
    )
    factory._save(listing)
    installation = m.Installation(
        shop_id=shop.id,
        plugin_id=slug,
        version="1.0.0",
        kind="remote",
        listing_id=listing.id,
        granted_scopes=["shop:read", "orders:read"],
        webhook_url=url,
        webhook_topics=topics,
        webhook_secret=encrypt_secret(settings.ensure_secret_key(), secret),
    )
    factory._save(installation)
    return installation, listing


def service_headers(factory: Factory, installation: m.Installation) -> dict[str, str]:
    """An OAuth access token bound to ``installation``, as the token endpoint issues them."""
    raw = new_token("tz_oat")
    factory._save(
        m.AccessToken(
            token_hash=token_hash(raw),
            kind="oauth",
            scopes=list(installation.granted_scopes),
            shop_id=installation.shop_id,
            installation_id=installation.id,
        )
    )
    return {"Authorization": f"Bearer {raw}"}


class Clock:
    """The time the delivery machinery sees; :meth:`advance` moves it forward."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def now(self) -> datetime:
        return utcnow() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock()
    for module in ("fanout", "delivery", "retries"):
        monkeypatch.setattr(f"core.plugins.{module}.utcnow", clock.now)
    return clock


def notifications(engine: Engine) -> list[m.Notification]:
    with Session(engine) as session:
        return list(session.exec(select(m.Notification).order_by(m.Notification.id)))


REDIS_URL = os.environ.get("TANZI_TEST_REDIS_URL", "")


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    """The suite's settings; the job queue on Redis when ``TANZI_TEST_REDIS_URL`` is set."""
    return Settings(
        env="test",
        data_dir=tmp_path,
        database_url=database_url,
        queue_url=REDIS_URL,
        secret_key="test-secret-key",
    )


@pytest.fixture
def huey(app: FastAPI) -> Huey:
    """The app's job queue, emptied first (a Redis queue outlives one test)."""
    queue: Huey = app.state.runtime.huey
    queue.flush()
    return queue


def run_queue(huey: Huey, until: Callable[[], bool], *, timeout_s: float = 10.0) -> None:
    """Execute the queue's tasks in this thread, as a worker would, until ``until()``.

    The after-commit dispatch is enqueued from a notifier thread, so this waits for tasks
    to arrive as well as running them.
    """
    deadline = time.monotonic() + timeout_s
    while not until():
        task = huey.dequeue()
        if task is not None:
            huey.execute(task)
            continue
        assert time.monotonic() < deadline, "the queue ran dry before the condition held"
        time.sleep(0.02)
