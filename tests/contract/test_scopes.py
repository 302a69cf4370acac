"""Contract: every scoped method needs its one scope; without it the call raises
``ScopeDenied`` naming that scope and writes nothing. Records need no scope at all."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from sdk.batch import ProductInput, SkuInput
from sdk.client import ShopClient
from sdk.errors import ScopeDenied
from sdk.scopes import Scope
from tests.contract.conftest import PRODUCTS, Contract, World, tiny_png_bytes

Call = Callable[[ShopClient, World], Any]

#: (method, scope it needs, the call)
SCOPED: list[tuple[str, Scope, Call]] = [
    ("products.get", Scope.products_read, lambda c, w: c.products.get(w.product_ids[0])),
    ("products.list", Scope.products_read, lambda c, w: c.products.list()),
    (
        "products.set_stock",
        Scope.products_write,
        lambda c, w: c.products.set_stock(w.sku_ids[0], 1),
    ),
    (
        "products.add_stock",
        Scope.products_write,
        lambda c, w: c.products.add_stock(w.sku_ids[0], 1),
    ),
    ("products.get_by_ref", Scope.products_read, lambda c, w: c.products.get_by_ref("x")),
    (
        "products.upsert_many",
        Scope.products_write,
        lambda c, w: c.products.upsert_many(
            [
                ProductInput(
                    external_ref="NEW",
                    title="New",
                    category_id=w.category_id,
                    skus=[SkuInput(code="N", price_fen=1)],
                )
            ]
        ),
    ),
    (
        "products.set_price",
        Scope.products_write,
        lambda c, w: c.products.set_price(w.sku_ids[0], 1),
    ),
    (
        "products.set_status",
        Scope.products_write,
        lambda c, w: c.products.set_status(w.product_ids[0], "delisted"),
    ),
    (
        "products.set_category",
        Scope.products_write,
        lambda c, w: c.products.set_category(w.product_ids[0], w.category_id),
    ),
    (
        "products.set_images",
        Scope.products_write,
        lambda c, w: c.products.set_images(w.product_ids[0], []),
    ),
    ("products.delete", Scope.products_write, lambda c, w: c.products.delete(w.product_ids[2])),
    ("files.info", Scope.products_read, lambda c, w: c.files.info(w.file_id)),
    ("files.open", Scope.products_read, lambda c, w: c.files.open(w.file_id).close()),
    (
        "files.write",
        Scope.products_write,
        lambda c, w: c.files.write("r.csv", [b"a,b\n"], content_type="text/csv"),
    ),
    (
        "files.put_image",
        Scope.products_write,
        lambda c, w: c.files.put_image("x.png", [tiny_png_bytes()]),
    ),
    ("files.link", Scope.shop_read, lambda c, w: c.files.link(w.image_id)),
    ("orders.get", Scope.orders_read, lambda c, w: c.orders.get(w.order_ids[0])),
    ("orders.list", Scope.orders_read, lambda c, w: c.orders.list(status="paid")),
    (
        "orders.cancel",
        Scope.orders_write,
        lambda c, w: c.orders.cancel(w.order_ids[2], reason="buyer asked"),
    ),
    (
        "orders.annotate",
        Scope.orders_write,
        lambda c, w: c.orders.annotate(w.order_ids[0], note="call first", flag="red"),
    ),
    ("aftersales.get", Scope.aftersales_read, lambda c, w: c.aftersales.get(w.aftersale_ids[0])),
    ("aftersales.list", Scope.aftersales_read, lambda c, w: c.aftersales.list()),
    (
        "aftersales.accept",
        Scope.aftersales_write,
        lambda c, w: c.aftersales.accept(w.aftersale_ids[0]),
    ),
    (
        "aftersales.reject",
        Scope.aftersales_write,
        lambda c, w: c.aftersales.reject(w.aftersale_ids[0], reason="no"),
    ),
    ("logistics.shipments", Scope.logistics_read, lambda c, w: c.logistics.shipments()),
    (
        "logistics.add_tracking",
        Scope.logistics_write,
        lambda c, w: c.logistics.add_tracking(w.shipment_ids[0], status="delivered"),
    ),
    (
        "logistics.create_shipment",
        Scope.logistics_write,
        lambda c, w: c.logistics.create_shipment(
            w.order_ids[0], carrier_code="SF", waybill_no="SF765432109876"
        ),
    ),
    ("shop.get", Scope.shop_read, lambda c, w: c.shop.get()),
]


#: Methods that need a second scope besides the one whose absence is tested.
ALSO_NEEDS = {"files.link": ("products:read",)}


def _state(client: ShopClient, world: World) -> tuple[Any, ...]:
    """What the writes above would change, read with every scope."""
    first = client.products.get(world.product_ids[0])
    return (
        first.skus[0].stock,
        first.skus[0].price_fen,
        first.status,
        first.image_ids,
        [p.id for p in client.products.list(limit=200)],
        [(a.status, a.decision_reason) for a in client.aftersales.list()],
        [s.status for s in client.logistics.shipments()],
        [o.status for o in client.orders.list()],
    )


@pytest.mark.parametrize(("method", "scope", "call"), SCOPED, ids=[s[0] for s in SCOPED])
def test_a_missing_scope_is_denied_by_name_and_writes_nothing(
    contract: Contract, method: str, scope: Scope, call: Call
) -> None:
    world = contract.world
    full = contract.client()
    before = _state(full, world)
    denied = contract.client({s.value for s in Scope} - {scope.value})
    with pytest.raises(ScopeDenied) as raised:
        call(denied, world)
    assert raised.value.scope == scope.value
    assert _state(full, world) == before
    # that one scope is enough (a link also needs the scope of the file's kind)
    call(contract.client({scope.value, *ALSO_NEEDS.get(method, ())}), world)


def test_the_suite_covers_every_scoped_method_of_the_protocol() -> None:
    namespaces = {"products", "orders", "aftersales", "logistics", "shop", "files"}
    protocol = {
        f"{ns}.{name}"
        for ns in namespaces
        for name in dir(_namespace(ns))
        if not name.startswith("_")
    }
    assert protocol == {s[0] for s in SCOPED}


def _namespace(name: str) -> type:
    from sdk import client

    kinds = {
        "products": client.ProductsClient,
        "orders": client.OrdersClient,
        "aftersales": client.AfterSalesClient,
        "logistics": client.LogisticsClient,
        "shop": client.ShopNamespace,
        "files": client.FilesClient,
    }
    return kinds[name]


def test_records_need_no_scope(contract: Contract) -> None:
    client = contract.client(frozenset())
    record = client.records.put("notes", "a", {"n": 1})
    assert (record.collection, record.key, record.data) == ("notes", "a", {"n": 1})
    assert client.records.get("notes", "a") == record
    assert [r.key for r in client.records.list("notes")] == ["a"]
    assert client.records.delete("notes", "a") is True
    with pytest.raises(ScopeDenied):
        client.products.get(contract.world.product_ids[0])


def test_a_narrow_client_sees_only_its_scopes(contract: Contract) -> None:
    client = contract.client({Scope.products_read.value})
    assert len(client.products.list()) == len(PRODUCTS)
    with pytest.raises(ScopeDenied) as raised:
        client.orders.list()
    assert raised.value.scope == "orders:read"
