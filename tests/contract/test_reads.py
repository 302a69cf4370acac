"""Contract: reading the shop (products, orders, after-sales, shipments, the shop itself),
not-found across tenants, and paging with ``limit`` / ``after_id``. Runs on every backend."""

from __future__ import annotations

import pytest

from sdk.errors import InvalidRequest, ResourceNotFound
from sdk.scopes import Scope
from tests.contract.conftest import (
    AFTERSALES,
    ALL_SCOPES,
    ORDERS,
    PRODUCTS,
    RECIPIENT,
    SHIPMENTS,
    Contract,
)

SKUS = [sku for _, rows in PRODUCTS for sku in rows]


def test_shop_get(contract: Contract) -> None:
    info = contract.client().shop.get()
    assert (info.id, info.name, info.type, info.status) == (
        contract.world.shop_id,
        "摊子好物 Tanzi Goods",
        "enterprise",
        "open",
    )


def test_products_get_has_skus(contract: Contract) -> None:
    client, world = contract.client(), contract.world
    for product_id, (title, sku_rows) in zip(world.product_ids, PRODUCTS, strict=True):
        product = client.products.get(product_id)
        assert (product.id, product.title, product.status) == (product_id, title, "listed")
        assert [(s.code, s.options, s.price_fen, s.stock) for s in product.skus] == sku_rows
        assert all(s.product_id == product_id for s in product.skus)


def test_products_list_pages_by_id(contract: Contract) -> None:
    client, world = contract.client(), contract.world
    assert [p.id for p in client.products.list()] == world.product_ids
    first = client.products.list(limit=2)
    rest = client.products.list(limit=2, after_id=first[-1].id)
    assert [p.id for p in first + rest] == world.product_ids
    assert client.products.list(after_id=world.product_ids[-1]) == []
    # a limit outside 1..200 is kept within it, never refused
    assert [p.id for p in client.products.list(limit=0)] == world.product_ids[:1]
    assert len(client.products.list(limit=10_000)) == len(PRODUCTS)


def test_a_deleted_product_is_gone(contract: Contract) -> None:
    client, world = contract.client(), contract.world
    contract.delete_product(world.product_ids[1])
    assert [p.id for p in client.products.list()] == [world.product_ids[0], world.product_ids[2]]
    with pytest.raises(ResourceNotFound):
        client.products.get(world.product_ids[1])


def _expected_order(index: int) -> tuple[str, int, list[tuple[str, int, int]]]:
    sku_index, quantity, status = ORDERS[index]
    code, _, price, _ = SKUS[sku_index]
    title = next(t for t, rows in PRODUCTS if any(r[0] == code for r in rows))
    shipped = any(s[0] == index for s in SHIPMENTS)
    return ("shipped" if shipped else status, price * quantity, [(title, quantity, price)])


def test_orders_get_with_and_without_pii(contract: Contract) -> None:
    world = contract.world
    with_pii = contract.client()
    without_pii = contract.client(ALL_SCOPES - {Scope.orders_pii.value})
    for index, order_id in enumerate(world.order_ids):
        order = with_pii.orders.get(order_id)
        lines = [(line.title, line.quantity, line.unit_price_fen) for line in order.lines]
        assert (order.status, order.total_fen, lines) == _expected_order(index)
        assert (order.recipient_name, order.recipient_phone, order.address) == RECIPIENT
        redacted = without_pii.orders.get(order_id)
        assert (redacted.recipient_name, redacted.recipient_phone, redacted.address) == (
            None,
            None,
            None,
        )
        assert redacted.total_fen == order.total_fen and redacted.province_code == "33"


def test_orders_list_filters_and_pages(contract: Contract) -> None:
    client, world = contract.client(), contract.world
    assert [o.id for o in client.orders.list()] == world.order_ids
    by_status = {status for status, _, _ in map(_expected_order, range(len(ORDERS)))}
    for status in by_status:
        expected = [
            world.order_ids[i] for i in range(len(ORDERS)) if _expected_order(i)[0] == status
        ]
        assert [o.id for o in client.orders.list(status=status)] == expected
    assert client.orders.list(status="completed") == []
    page = client.orders.list(limit=1, after_id=world.order_ids[0])
    assert [o.id for o in page] == world.order_ids[1:2]
    with pytest.raises(InvalidRequest):
        client.orders.list(status="lost_in_the_post")


def test_aftersales_get_and_list(contract: Contract) -> None:
    client, world = contract.client(), contract.world
    for aftersale_id, (order_index, kind, amount, reason) in zip(
        world.aftersale_ids, AFTERSALES, strict=True
    ):
        aftersale = client.aftersales.get(aftersale_id)
        assert (aftersale.order_id, aftersale.kind, aftersale.amount_fen, aftersale.reason) == (
            world.order_ids[order_index],
            kind,
            amount,
            reason,
        )
        assert (aftersale.status, aftersale.outcome) == ("requested", None)
    assert [a.id for a in client.aftersales.list()] == world.aftersale_ids
    first_order = world.order_ids[AFTERSALES[0][0]]
    assert [a.id for a in client.aftersales.list(order_id=first_order)] == [world.aftersale_ids[0]]
    assert [a.id for a in client.aftersales.list(limit=1)] == world.aftersale_ids[:1]
    assert client.aftersales.list(order_id=world.order_ids[2]) == []


def test_logistics_shipments(contract: Contract) -> None:
    client, world = contract.client(), contract.world
    shipments = client.logistics.shipments()
    assert [s.id for s in shipments] == world.shipment_ids
    expected = [
        (world.order_ids[i], carrier, waybill, "in_transit") for i, carrier, waybill in SHIPMENTS
    ]
    assert [(s.order_id, s.carrier_code, s.waybill_no, s.status) for s in shipments] == expected
    assert client.logistics.shipments(order_id=world.order_ids[0]) == []
    assert [s.id for s in client.logistics.shipments(order_id=world.order_ids[1])] == (
        world.shipment_ids
    )


@pytest.mark.parametrize(
    ("call", "foreign"),
    [
        (lambda c, i: c.products.get(i), "foreign_product_id"),
        (lambda c, i: c.products.set_stock(i, 1), "foreign_sku_id"),
        (lambda c, i: c.orders.get(i), "foreign_order_id"),
        (lambda c, i: c.aftersales.get(i), "foreign_aftersale_id"),
        (lambda c, i: c.aftersales.accept(i), "foreign_aftersale_id"),
        (lambda c, i: c.aftersales.reject(i, reason="no"), "foreign_aftersale_id"),
        (lambda c, i: c.logistics.add_tracking(i, status="in_transit"), "foreign_shipment_id"),
    ],
    ids=[
        "products.get",
        "products.set_stock",
        "orders.get",
        "aftersales.get",
        "aftersales.accept",
        "aftersales.reject",
        "logistics.add_tracking",
    ],
)
def test_another_shops_rows_and_unknown_ids_are_not_found(
    contract: Contract, call: object, foreign: str
) -> None:
    client = contract.client()
    for row_id in (getattr(contract.world, foreign), 2_000_000_000):
        with pytest.raises(ResourceNotFound):
            call(client, row_id)  # type: ignore[operator]
