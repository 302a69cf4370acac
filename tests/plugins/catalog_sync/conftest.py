"""Two shops on one live Tanzi host: shop A runs catalog_sync in-process, shop B is its
channel, reached over the open API with an OAuth token B's owner granted the service."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

import core.models as m
from core.plugins.client import ScopedClient
from core.plugins.client_host import ClientHost
from core.plugins.loading import PluginConfig, load_all
from core.plugins.manager import PluginHost
from core.settings import Settings
from plugins.catalog_sync.allocation import Allocation
from plugins.catalog_sync.channels import ChannelConfig, save_channel
from plugins.catalog_sync.fields import FieldRules
from plugins.catalog_sync.mapping import MappedItem, mapped
from plugins.catalog_sync.sync import ChannelSync
from tests.conftest import Factory
from tests.contract.conftest import LiveServer, installation_ref, mint_token
from tests.core.test_orders import order_body

CHANNEL = "second-shop"
CODE = "TEA-1"
#: what the channel's token may do in shop B
CHANNEL_SCOPES = frozenset({"products:read", "products:write", "orders:read", "shop:read"})


@dataclass
class TwoShops:
    """Shop A (with the sync) and shop B (its channel) on one live host."""

    engine: Engine
    settings: Settings
    factory: Factory
    live: LiveServer
    shop_a: m.Shop
    shop_b: m.Shop
    category_b: m.Category
    client: ScopedClient
    token_b: str

    def product_a(self, code: str, stock: int) -> m.Sku:
        """A listed product of shop A with one SKU ``code``."""
        _, sku = self.factory.product(self.shop_a, stock=stock)
        with Session(self.engine, expire_on_commit=False) as session:
            sku.code = code
            session.add(sku)
            session.commit()
        return sku

    def connect(
        self,
        allocation: Allocation | None = None,
        url: str | None = None,
        rules: FieldRules | None = None,
    ) -> ChannelSync:
        """Connect shop B as channel :data:`CHANNEL` (token sealed) and open its sync."""
        config = ChannelConfig(
            name=CHANNEL,
            base_url=url or self.live.url,
            shop_id=self.shop_b.id or 0,
            category_id=self.category_b.id,
            allocation=allocation or Allocation(mode="share", value=50),
            rules=rules or FieldRules(),
        )
        save_channel(self.client, config, self.token_b)
        return ChannelSync(self.client, config)

    def product_b(self, code: str, stock: int, price_fen: int = 1000) -> m.Sku:
        """A listed product of shop B (the channel) with one SKU ``code``, made there."""
        _, sku = self.factory.product(
            self.shop_b, stock=stock, price_fen=price_fen, category=self.category_b
        )
        with Session(self.engine, expire_on_commit=False) as session:
            sku.code = code
            session.add(sku)
            session.commit()
        return sku

    def sku_b(self, code: str) -> m.Sku:
        with Session(self.engine) as session:
            return session.exec(
                select(m.Sku).where(m.Sku.shop_id == self.shop_b.id, m.Sku.code == code)
            ).one()

    def stock(self, shop: m.Shop, code: str) -> int:
        with Session(self.engine) as session:
            sku = session.exec(
                select(m.Sku).where(m.Sku.shop_id == shop.id, m.Sku.code == code)
            ).one()
            return sku.stock

    def sold(self, shop: m.Shop, code: str) -> int:
        """Units of ``code`` in the shop's orders."""
        with Session(self.engine) as session:
            lines = session.exec(
                select(m.OrderLine)
                .join(m.Sku, m.Sku.id == m.OrderLine.sku_id)
                .where(m.Sku.shop_id == shop.id, m.Sku.code == code)
            ).all()
            return sum(line.quantity for line in lines)

    def buy(
        self, http: httpx.Client, shop: m.Shop, sku_id: int, headers: dict[str, str], key: str
    ) -> httpx.Response:
        """One buyer's order (stock is reserved when it is placed)."""
        return http.post(
            f"/api/v1/storefront/shops/{shop.id}/orders",
            json=order_body(sku_id),
            headers={**headers, "Idempotency-Key": key},
        )


@pytest.fixture
def sync_host() -> PluginHost:
    """A plugin host that loads catalog_sync, as plugins.toml does."""
    config = PluginConfig(load=("plugins.catalog_sync",), entry_points=False)
    return PluginHost(load_all(config), config)


def _installation(engine: Engine, shop: m.Shop, kind: str) -> m.Installation:
    row = m.Installation(
        shop_id=shop.id,
        plugin_id="catalog_sync",
        version="0.1.0",
        status="enabled",
        kind=kind,
        granted_scopes=sorted(CHANNEL_SCOPES),
    )
    with Session(engine, expire_on_commit=False) as session:
        session.add(row)
        session.commit()
        session.refresh(row)
    return row


@pytest.fixture
def two_shops(
    engine: Engine, settings: Settings, factory: Factory, app: FastAPI
) -> Iterator[TwoShops]:
    shop_a = factory.shop(name="摊子 A")
    shop_b = factory.shop(name="摊子 B")
    installation_a = _installation(engine, shop_a, "plugin")
    installation_b = _installation(engine, shop_b, "remote")
    token_b = mint_token(engine, installation_b, CHANNEL_SCOPES)
    client = ScopedClient(
        engine, installation_ref(installation_a, CHANNEL_SCOPES), host=ClientHost.of(settings)
    )
    with LiveServer(app) as live:
        yield TwoShops(
            engine, settings, factory, live, shop_a, shop_b, factory.category(), client, token_b
        )


def only_item(sync: ChannelSync, code: str = CODE) -> MappedItem:
    """The mapped item of ``code``."""
    found = mapped(sync.client, sync.name, code)
    assert found is not None
    return found


class PortServer(LiveServer):
    """A live server on a chosen port, so the channel's address stays the same when the
    other shop's host stops and starts again."""

    def __init__(self, app: FastAPI, port: int) -> None:
        super().__init__(app)
        self.sock.close()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", port))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True
        )
