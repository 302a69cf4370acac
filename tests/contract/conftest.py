"""The contract suite's fixtures: one shop world, three ``ShopClient`` implementations.

``backend`` is parametrized over ``scoped`` (the kernel's in-process client), ``http`` (the
SDK's ``HttpShopClient`` against the real app served by uvicorn on a free port) and
``fake`` (``sdk.testing.FakeShop``). Every test in ``tests/contract`` takes ``contract``
and runs once per backend, so the three cannot drift apart. The world is the same data
for all three, built from :data:`PRODUCTS`, :data:`ORDERS`, :data:`AFTERSALES` and
:data:`SHIPMENTS`.
"""

from __future__ import annotations

import io
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from sqlalchemy.engine import Engine
from sqlmodel import Session

import core.models as m
from core.models.base import utcnow
from core.plugins.client import ScopedClient
from core.plugins.client_host import ClientHost
from core.plugins.manager import InstallationRef
from core.security import new_token, token_hash
from core.services import carrier_accounts
from core.settings import Settings
from sdk.client import ShopClient
from sdk.http import HttpShopClient, RetryPolicy
from sdk.scopes import Scope
from sdk.testing import FakeShop
from tests.carriers.memory import ACCOUNT_NO, CODE, SECRET, MemoryCarrier, memory_carrier
from tests.conftest import Factory
from tests.oauth.conftest import browser, live, merchant, remote_app  # noqa: F401 (test_http_oauth)

__all__ = ["memory_carrier"]

ALL_SCOPES = frozenset(s.value for s in Scope)
PLUGIN_ID = "contract_app"

#: (title, [(code, options, price_fen, stock)])
PRODUCTS: tuple[tuple[str, list[tuple[str, dict[str, str], int, int]]], ...] = (
    (
        "明前龙井 West Lake Longjing tea, 250 g",
        [("LJ-250", {"规格": "250g"}, 16800, 40), ("LJ-500", {"规格": "500g"}, 31800, 15)],
    ),
    (
        "真丝衬衫 Silk shirt",
        [
            ("SILK-S", {"尺码": "S", "颜色": "白"}, 45900, 8),
            ("SILK-M", {"尺码": "M", "颜色": "白"}, 45900, 12),
            ("SILK-L", {"尺码": "L", "颜色": "黑"}, 45900, 5),
        ],
    ),
    ("旧款手机壳 Phone case (new)", [("CASE-1", {}, 2900, 200)]),
)
#: (index of the SKU in PRODUCTS order, quantity, status)
ORDERS: tuple[tuple[int, int, str], ...] = (
    (0, 1, "paid"),
    (2, 2, "paid"),
    (5, 1, "pending_payment"),
)
#: (order index, kind, amount_fen, reason)
AFTERSALES: tuple[tuple[int, str, int, str], ...] = (
    (0, "refund_only", 16800, "Arrived late"),
    (1, "return_and_refund", 45900, "Wrong size"),
)
#: (order index, carrier, waybill): the order becomes shipped
SHIPMENTS: tuple[tuple[int, str, str], ...] = ((1, "SF", "SF1234567890"),)
RECIPIENT = ("李买家", "13800138000", "浙江省杭州市西湖区文三路 1 号")


@dataclass
class World:
    """The ids of the world's rows in one backend (they differ between backends)."""

    shop_id: int
    product_ids: list[int] = field(default_factory=list)
    sku_ids: list[int] = field(default_factory=list)
    order_ids: list[int] = field(default_factory=list)
    aftersale_ids: list[int] = field(default_factory=list)
    shipment_ids: list[int] = field(default_factory=list)
    #: a category the shop sells in, and one needing a qualification it lacks
    category_id: int = 0
    gated_category_id: int = 0
    #: a result file (CSV) and a product image of the shop, written through the client
    file_id: int = 0
    image_id: int = 0
    #: rows of another shop: this shop's clients must not see them
    foreign_product_id: int = 0
    foreign_sku_id: int = 0
    foreign_order_id: int = 0
    foreign_aftersale_id: int = 0
    foreign_shipment_id: int = 0
    #: a bound e-waybill carrier account of the shop
    account_id: int = 0


@dataclass
class Contract:
    """One backend: its world and a way to make clients with chosen scopes."""

    backend: str
    world: World
    make: Callable[[frozenset[str]], ShopClient]
    #: the merchant deletes a product (outside any client)
    delete_product: Callable[[int], None]
    #: make the account's carrier refuse to issue waybills for these orders
    refuse_waybills: Callable[[list[int]], None] = lambda order_ids: None

    def client(self, scopes: frozenset[str] | set[str] = ALL_SCOPES) -> ShopClient:
        """A client of the world's shop granted ``scopes`` (every scope by default)."""
        return self.make(frozenset(scopes))


# --- the database world (scoped and http) ------------------------------------------------


def _save(engine: Engine, *rows: Any) -> None:
    with Session(engine, expire_on_commit=False) as session:
        session.add_all(rows)
        session.commit()
        for row in rows:
            session.refresh(row)


def _account(engine: Engine, name: str) -> m.Account:
    """A person nobody signs in as (no password hash to compute: argon2 is slow on purpose)."""
    account = m.Account(email=f"{name}@contract.test", name=name, password_hash="!")
    _save(engine, account)
    return account


def build_db_world(engine: Engine, factory: Factory) -> tuple[World, m.Installation]:
    """The world in the database, with an installation of :data:`PLUGIN_ID` in its shop."""
    owner, buyer, other_owner = (_account(engine, n) for n in ("owner", "buyer", "other"))
    shop = factory.shop(owner, name="摊子好物 Tanzi Goods")
    category = factory.category()
    gated = factory.category(name="药品 Medicine", qualifications=["drug_licence"])
    world = World(
        shop_id=shop.id or 0, category_id=category.id or 0, gated_category_id=gated.id or 0
    )
    skus: list[m.Sku] = []
    for title, sku_rows in PRODUCTS:
        product = m.Product(
            shop_id=shop.id,
            category_id=category.id,
            title=title,
            description=f"{title}. Demo product.",
            status=m.ProductStatus.listed,
        )
        _save(engine, product)
        world.product_ids.append(product.id or 0)
        for code, options, price, stock in sku_rows:
            sku = m.Sku(
                product_id=product.id,
                shop_id=shop.id,
                code=code,
                options=options,
                price_fen=price,
                stock=stock,
            )
            _save(engine, sku)
            skus.append(sku)
            world.sku_ids.append(sku.id or 0)
    orders: list[m.Order] = []
    for n, (sku_index, quantity, status) in enumerate(ORDERS):
        sku = skus[sku_index]
        total = sku.price_fen * quantity
        order = m.Order(
            shop_id=shop.id,
            buyer_id=buyer.id,
            idempotency_key=f"contract-{n}",
            request_hash="0" * 64,
            status=m.OrderStatus(status),
            subtotal_fen=total,
            total_fen=total,
            province_code="33",
            recipient_name=RECIPIENT[0],
            recipient_phone=RECIPIENT[1],
            address=RECIPIENT[2],
            paid_at=utcnow() if status != "pending_payment" else None,
        )
        _save(engine, order)
        title = next(t for t, rows in PRODUCTS for r in rows if r[0] == sku.code)
        _save(
            engine,
            m.OrderLine(
                order_id=order.id,
                product_id=sku.product_id,
                sku_id=sku.id,
                title=title,
                quantity=quantity,
                unit_price_fen=sku.price_fen,
            ),
        )
        orders.append(order)
        world.order_ids.append(order.id or 0)
    for order_index, kind, amount, reason in AFTERSALES:
        aftersale = m.AfterSale(
            shop_id=shop.id,
            order_id=orders[order_index].id,
            buyer_id=buyer.id,
            kind=m.AfterSaleKind(kind),
            amount_fen=amount,
            reason=reason,
            respond_by=utcnow() + timedelta(days=2),
        )
        _save(engine, aftersale)
        world.aftersale_ids.append(aftersale.id or 0)
    for order_index, carrier, waybill in SHIPMENTS:
        order = orders[order_index]
        shipment = m.Shipment(
            shop_id=shop.id, order_id=order.id, carrier_code=carrier, waybill_no=waybill
        )
        _save(engine, shipment)
        with Session(engine) as session:
            row = session.get(m.Order, order.id)
            assert row is not None
            row.status = m.OrderStatus.shipped
            row.shipped_at = utcnow()
            session.add(row)
            session.commit()
        world.shipment_ids.append(shipment.id or 0)
    # another shop, whose rows the installation must never reach
    other = factory.shop(other_owner)
    order, lines = factory.order(other, buyer, status=m.OrderStatus.paid)
    world.foreign_order_id = order.id or 0
    world.foreign_product_id = lines[0].product_id
    world.foreign_sku_id = lines[0].sku_id
    foreign_aftersale = m.AfterSale(
        shop_id=other.id, order_id=order.id, kind=m.AfterSaleKind.refund_only, reason="x"
    )
    foreign_shipment = m.Shipment(
        shop_id=other.id, order_id=order.id, carrier_code="SF", waybill_no="SF9999999999"
    )
    _save(engine, foreign_aftersale, foreign_shipment)
    world.foreign_aftersale_id = foreign_aftersale.id or 0
    world.foreign_shipment_id = foreign_shipment.id or 0
    installation = m.Installation(
        shop_id=shop.id, plugin_id=PLUGIN_ID, version="1.0.0", granted_scopes=sorted(ALL_SCOPES)
    )
    _save(engine, installation)
    return world, installation


def bind_db_account(engine: Engine, shop_id: int) -> int:
    """Bind the memory carrier's account in the shop (verified, sealed), with a sender."""
    with Session(engine) as session:
        row = carrier_accounts.bind_account(
            session,
            shop_id=shop_id,
            carrier_code=CODE,
            account_no=ACCOUNT_NO,
            secret=SECRET,
            sender=carrier_accounts.Address(
                name="摊子好物发货组", phone="0571-88886666", province="浙江省", city="杭州市"
            ),
        )
        session.commit()
        return row.id or 0


def installation_ref(installation: m.Installation, scopes: frozenset[str]) -> InstallationRef:
    return InstallationRef(
        id=installation.id or 0,
        shop_id=installation.shop_id,
        plugin_id=installation.plugin_id,
        version=installation.version,
        status="enabled",
        granted_scopes=scopes,
        settings={},
    )


def mint_token(
    engine: Engine, installation: m.Installation, scopes: frozenset[str], **kw: Any
) -> str:
    """An OAuth access token of ``installation`` carrying ``scopes``."""
    raw = new_token("tz_oat")
    _save(
        engine,
        m.AccessToken(
            token_hash=token_hash(raw),
            kind="oauth",
            scopes=sorted(scopes),
            shop_id=installation.shop_id,
            installation_id=installation.id,
            **kw,
        ),
    )
    return raw


# --- the fake world ----------------------------------------------------------------------


def build_fake_world(fake: FakeShop) -> World:
    """The same world in a :class:`FakeShop`; ids of another shop are ids it never had."""
    world = World(shop_id=fake.shop_id, category_id=1, gated_category_id=4)
    for title, sku_rows in PRODUCTS:
        product = fake.add_product(title, sku_rows)
        world.product_ids.append(product.id)
        world.sku_ids.extend(s.id for s in product.skus)
    for sku_index, quantity, status in ORDERS:
        order = fake.add_order([(world.sku_ids[sku_index], quantity)], status=status)
        world.order_ids.append(order.id)
    for order_index, kind, amount, reason in AFTERSALES:
        aftersale = fake.add_aftersale(
            world.order_ids[order_index], kind=kind, amount_fen=amount, reason=reason
        )
        world.aftersale_ids.append(aftersale.id)
    for order_index, carrier, waybill in SHIPMENTS:
        shipment = fake.add_shipment(
            world.order_ids[order_index], carrier_code=carrier, waybill_no=waybill
        )
        world.shipment_ids.append(shipment.id)
    world.foreign_product_id = world.foreign_order_id = world.foreign_sku_id = 90_001
    world.foreign_aftersale_id = world.foreign_shipment_id = 90_001
    return world


# --- a live server -----------------------------------------------------------------------


class LiveServer:
    """The app served by uvicorn on a free local port, in a thread of this process."""

    def __init__(self, app: FastAPI) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # accepted connections inherit it: without it each small answer waits ~40 ms for
        # a delayed ACK (uvicorn sets it only on sockets it binds itself)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        config = uvicorn.Config(app, log_level="warning", lifespan="on", access_log=False)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True
        )

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the live server did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()


@pytest.fixture
def live_server(app: FastAPI) -> Iterator[LiveServer]:
    """The test's app behind a real HTTP server."""
    with LiveServer(app) as server:
        yield server


#: Tests never wait for real backoffs unless they ask to.
NO_WAIT = RetryPolicy(attempts=3, backoff_s=0.0, max_backoff_s=0.0)


def tiny_png_bytes() -> bytes:
    """A whole 4x4 PNG image made with Pillow."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (4, 4), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def seed_files(contract: Contract) -> Contract:
    """Give the world a result file and a product image, written by a full client."""
    client = contract.client()
    contract.world.file_id = client.files.write(
        "结果.csv", ["编码,标题\nA1,龙井\n".encode()], content_type="text/csv"
    ).id
    contract.world.image_id = client.files.put_image("cup.png", [tiny_png_bytes()]).id
    return contract


@pytest.fixture(params=["scoped", "http", "fake"])
def contract(request: pytest.FixtureRequest) -> Iterator[Contract]:
    """The world and its clients in one backend; every contract test runs in each."""
    backend = request.param
    if backend == "fake":
        fake = FakeShop(seed=False, scopes=ALL_SCOPES)
        world = build_fake_world(fake)
        world.account_id = fake.add_account().id
        yield seed_files(
            Contract(
                backend,
                world,
                lambda scopes: fake.with_scopes(scopes),
                fake.delete_product,
                fake.fail_waybills_for,
            )
        )
        return
    engine: Engine = request.getfixturevalue("engine")
    settings: Settings = request.getfixturevalue("settings")
    world, installation = build_db_world(engine, Factory(engine))
    carrier: MemoryCarrier = request.getfixturevalue("memory_carrier")
    # seal with the key the served app opens with (its settings), whatever an earlier test
    # of this process left in the process-wide directory
    carrier_accounts.configure(settings)
    world.account_id = bind_db_account(engine, world.shop_id)

    def delete_product(product_id: int) -> None:
        with Session(engine) as session:
            row = session.get(m.Product, product_id)
            assert row is not None
            row.deleted_at = utcnow()
            session.add(row)
            session.commit()

    if backend == "scoped":
        yield seed_files(
            Contract(
                backend,
                world,
                lambda scopes: ScopedClient(
                    engine, installation_ref(installation, scopes), host=ClientHost.of(settings)
                ),
                delete_product,
                carrier.refuse_orders.update,
            )
        )
        return
    server: LiveServer = request.getfixturevalue("live_server")
    clients: list[HttpShopClient] = []

    def make_http(scopes: frozenset[str]) -> ShopClient:
        client = HttpShopClient(
            server.url,
            world.shop_id,
            token=mint_token(engine, installation, scopes),
            retry=NO_WAIT,
            http=httpx.Client(timeout=10),
        )
        clients.append(client)
        return client

    yield seed_files(
        Contract(backend, world, make_http, delete_product, carrier.refuse_orders.update)
    )
    for client in clients:
        client.transport.http.close()


@pytest.fixture
def tiny_png() -> bytes:
    """A whole 4x4 PNG image, for image uploads."""
    return tiny_png_bytes()
