"""Contract: every scoped method needs its one scope; without it the call raises
``ScopeDenied`` naming that scope and writes nothing. Records need no scope at all."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from sdk.client import ShopClient
from sdk.errors import ScopeDenied
from sdk.scopes import Scope
from tests.contract.conftest import PRODUCTS, Contract, World

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
    ("orders.get", Scope.orders_read, lambda c, w: c.orders.get(w.order_ids[0])),
    ("orders.list", Scope.orders_read, lambda c, w: c.orders.list(status="paid")),
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
    ("shop.get", Scope.shop_read, lambda c, w: c.shop.get()),
]


def _state(client: ShopClient, world: World) -> tuple[Any, ...]:
    """What the writes above would change, read with every scope."""
    return (
        client.products.get(world.product_ids[0]).skus[0].stock,
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
    call(contract.client({scope.value}), world)  # that one scope is enough


def test_the_suite_covers_every_scoped_method_of_the_protocol() -> None:
    namespaces = {"products", "orders", "aftersales", "logistics", "shop"}
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
