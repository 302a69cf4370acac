"""``sdk.testing.FakeShop``: what a provider's unit test relies on beyond the contract suite
(``tests/contract`` runs the protocol's behaviour against it and the real clients)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from sdk import PluginManifest, ScopeDenied, ScopeRequest
from sdk.client import ShopClient
from sdk.scopes import Scope
from sdk.testing import Call, FakeShop


def test_it_fits_the_protocol_and_is_seeded_like_the_demo() -> None:
    shop: ShopClient = FakeShop()
    assert shop.shop.get().status == "open"
    products = shop.products.list()
    assert [len(p.skus) for p in products] == [2, 3, 1]
    assert {o.status for o in shop.orders.list()} == {"paid", "shipped", "pending_payment"}
    assert [a.status for a in shop.aftersales.list()] == ["requested"]
    assert [s.order_id for s in shop.logistics.shipments()] == [2]


def test_calls_are_recorded_denied_ones_included() -> None:
    shop = FakeShop(scopes=[Scope.orders_read])
    shop.orders.get(1)
    with pytest.raises(ScopeDenied) as denied:
        shop.products.set_stock(1, 5)
    assert denied.value.scope == "products:write"
    assert shop.calls == [Call("orders.get", (1,)), Call("products.set_stock", (1, 5))]
    assert shop.called("orders.get") == [((1,), {})]
    assert shop.product_rows and shop.sku_rows[1]["stock"] == 40  # nothing written


def test_grant_revoke_and_manifest_scopes() -> None:
    manifest = PluginManifest(
        id="notes",
        name="Notes",
        version="1.0.0",
        scopes=[ScopeRequest(scope=Scope.shop_read, reason="to greet the shop by name")],
    )
    shop = FakeShop.for_manifest(manifest)
    assert shop.scopes == {"shop:read"}
    assert shop.shop.get().name
    shop.revoke("shop:read")
    shop.grant(Scope.orders_read, Scope.orders_pii)
    with pytest.raises(ScopeDenied):
        shop.shop.get()
    assert shop.orders.get(1).recipient_name == "李买家"


def test_an_empty_shop_takes_added_data() -> None:
    shop = FakeShop(seed=False)
    assert shop.products.list() == []
    product = shop.add_product("Tea", [("T-1", {}, 100, 3)])
    order = shop.add_order([(product.skus[0].id, 2)])
    assert shop.orders.get(order.id).total_fen == 200
    shipment = shop.add_shipment(order.id)
    assert shop.orders.get(order.id).status == "shipped"
    assert shop.logistics.shipments(order_id=order.id) == [shipment]


def test_importing_it_pulls_in_nothing_of_the_host() -> None:
    code = (
        "import sys, sdk.testing; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & "
        "{'core', 'marketplace', 'fastapi', 'sqlmodel', 'httpx'}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
