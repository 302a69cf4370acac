"""The example remote app (``examples/remote_app``), run as its own process on its own port:
a merchant installs it through OAuth, a buyer pays an order, the app receives the signed
``order.paid`` webhook and calls the shop's API back with its own token."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

import core.models as m
from core.jobs.worker import start_embedded_worker
from core.plugins.webhooks import webhook_body
from core.settings import Settings
from marketplace.services.oauth_clients import register_oauth_client
from sdk.remote import signature_headers
from tests.conftest import Factory
from tests.oauth.conftest import LiveServer, Merchant, browser_for, consent, live  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]
SCOPES = [
    {"scope": "shop:read", "reason": "To show your shop's name"},
    {"scope": "orders:read", "reason": "To record each paid order in your ledger"},
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class ExampleApp:
    url: str
    listing: m.Listing
    webhook_secret: str
    process: subprocess.Popen[bytes]


@pytest.fixture
def example_app(
    live: LiveServer,  # noqa: F811
    engine: Engine,
    settings: Settings,
    factory: Factory,
    tmp_path: Path,
) -> Iterator[ExampleApp]:
    """The example app listed in the market and serving in a process of its own."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    provider = factory.account(is_provider=True, name="Ledger Co")
    with Session(engine, expire_on_commit=False) as session:
        listing = m.Listing(
            slug="paid_ledger",
            provider_id=provider.id,
            name="Paid-order ledger",
            status=m.ListingStatus.live,
        )
        session.add(listing)
        session.flush()
        version = m.ListingVersion(
            listing_id=listing.id,
            version="1.0.0",
            kind="remote",
            redirect_uris=[f"{url}/callback"],
            webhook_url=f"{url}/webhooks",
            webhook_topics=["order.paid"],
            scopes=SCOPES,
            status=m.VersionStatus.approved,
        )
        session.add(version)
        session.flush()
        listing.live_version_id = version.id
        session.add(listing)
        client_id, client_secret, webhook_secret = register_oauth_client(
            session, settings=settings, listing=listing, redirect_uris=[f"{url}/callback"]
        )
        session.commit()
    env = {
        **os.environ,
        "TANZI_URL": live.url,
        "APP_URL": url,
        "APP_PORT": str(port),
        "APP_CLIENT_ID": client_id,
        "APP_CLIENT_SECRET": client_secret or "",
        "APP_WEBHOOK_SECRET": webhook_secret,
        "APP_DATA": str(tmp_path / "app_tokens.json"),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "examples.remote_app"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/status", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                stderr = process.stderr.read().decode() if process.stderr else ""
                raise RuntimeError(f"the example app did not start: {stderr}")
            time.sleep(0.1)
        yield ExampleApp(url, listing, webhook_secret, process)
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def worker(live: LiveServer, settings: Settings) -> Iterator[None]:  # noqa: F811
    """Tanzi's job worker, as ``tanzi serve`` embeds it (its own runtime and engine)."""
    stop = start_embedded_worker(settings)
    yield
    stop()


def _until(check: Any, *, timeout_s: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout_s
    while True:
        value = check()
        if value:
            return value
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_the_example_app_installs_receives_order_paid_and_calls_back(
    live: LiveServer,  # noqa: F811
    example_app: ExampleApp,
    worker: None,
    factory: Factory,
    engine: Engine,
) -> None:
    owner = factory.account(name="Mei")
    merchant = Merchant(owner, factory.shop(owner, name="Mei's Tea"))
    browser = browser_for(live, merchant)

    # the merchant clicks "install" on the app's site and approves on Tanzi's consent screen
    start = browser.get(f"{example_app.url}/install")
    assert start.status_code == 302
    assert start.headers["location"].startswith(f"{live.url}/oauth/authorize?")
    back = consent(browser, start.headers["location"], shop_id=merchant.shop.id)
    assert back.headers["location"].startswith(f"{example_app.url}/callback?code=")
    installed = browser.get(back.headers["location"])
    assert installed.status_code == 200, installed.text
    assert installed.json()["shop_id"] == merchant.shop.id
    installation_id = installed.json()["installation_id"]
    status = httpx.get(f"{example_app.url}/status").json()
    assert status["installations"] == {str(installation_id): merchant.shop.id}

    # a buyer pays an order
    _, sku = factory.product(merchant.shop, price_fen=1888)
    buyer = factory.headers(factory.account())
    api = httpx.Client(base_url=f"{live.url}/api/v1", timeout=10)
    placed = api.post(
        f"/storefront/shops/{merchant.shop.id}/orders",
        json={
            "lines": [{"sku_id": sku.id, "quantity": 1}],
            "recipient_name": "Li Lei",
            "recipient_phone": "13800000000",
            "province_code": "31",
            "address": "1 Nanjing Road",
        },
        headers={**buyer, "Idempotency-Key": "example-app-order"},
    ).json()
    assert api.post(f"/me/orders/{placed['id']}/pay", headers=buyer).status_code == 200

    # the app got the signed webhook and wrote a record back through the API
    records_url = f"/shops/{merchant.shop.id}/installations/paid_ledger/records/paid_orders"
    owner_headers = factory.headers(owner)
    items = _until(lambda: api.get(records_url, headers=owner_headers).json()["items"])
    [record] = items
    assert record["key"] == str(placed["id"])
    assert record["data"]["total_fen"] == 1888
    with Session(engine) as session:
        [delivery] = session.exec(
            select(m.Delivery).where(m.Delivery.installation_id == installation_id)
        ).all()
    assert record["data"]["event_id"] == delivery.event_id
    assert delivery.hook == "order_paid"
    handled = httpx.get(f"{example_app.url}/status").json()["handled"]
    assert handled == [delivery.event_id]

    # a forged request is refused by the app; a redelivery is recognised as a duplicate
    body = b'{"event_id":"forged","topic":"order.paid"}'
    forged = signature_headers(
        "whsec_wrong", body, event_id="forged", topic="order.paid", timestamp=int(time.time())
    )
    refused = httpx.post(f"{example_app.url}/webhooks", content=body, headers=forged)
    assert refused.status_code == 401
    assert refused.json()["error"] == "signature_mismatch"
    with Session(engine) as session:
        outbox = session.get(m.OutboxEvent, delivery.outbox_id)
        assert outbox is not None
        again = webhook_body(outbox, installation_id=installation_id)
    signed = signature_headers(
        example_app.webhook_secret,
        again,
        event_id=delivery.event_id,
        topic="order.paid",
        timestamp=int(time.time()),
    )
    duplicate = httpx.post(f"{example_app.url}/webhooks", content=again, headers=signed)
    assert duplicate.json() == {"ok": True, "duplicate": True}

    # the real body with one byte changed, and the real signature: refused
    tampered = again.replace(b'"total_fen":1888', b'"total_fen":1', 1)
    assert tampered != again
    changed = httpx.post(f"{example_app.url}/webhooks", content=tampered, headers=signed)
    assert changed.status_code == 401
    assert changed.json()["error"] == "signature_mismatch"
    # a correctly signed request replayed ten minutes later: refused as stale
    old = signature_headers(
        example_app.webhook_secret,
        again,
        event_id=delivery.event_id,
        topic="order.paid",
        timestamp=int(time.time()) - 600,
    )
    replayed = httpx.post(f"{example_app.url}/webhooks", content=again, headers=old)
    assert replayed.status_code == 401
    assert replayed.json()["error"] == "signature_stale"
    assert httpx.get(f"{example_app.url}/status").json()["handled"] == [delivery.event_id]
    api.close()
    browser.close()
