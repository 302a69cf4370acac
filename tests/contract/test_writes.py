"""Contract: changing the shop (stock, after-sale decisions, tracking) and the kernel's rules
on those changes. Runs on every backend."""

from __future__ import annotations

import pytest

from sdk.errors import InvalidRequest
from tests.contract.conftest import AFTERSALES, PRODUCTS, Contract


def test_set_stock(contract: Contract) -> None:
    client, world = contract.client(), contract.world
    sku_id = world.sku_ids[1]
    sku = client.products.set_stock(sku_id, 7)
    assert (sku.id, sku.stock, sku.code) == (sku_id, 7, PRODUCTS[0][1][1][0])
    product = client.products.get(world.product_ids[0])
    assert [s.stock for s in product.skus] == [PRODUCTS[0][1][0][3], 7]
    assert client.products.set_stock(sku_id, 0).stock == 0


def test_add_stock_moves_by_delta_and_never_below_zero(contract: Contract) -> None:
    client, world = contract.client(), contract.world
    sku_id, start = world.sku_ids[1], PRODUCTS[0][1][1][3]
    assert client.products.add_stock(sku_id, -4, note="to channel").stock == start - 4
    assert client.products.add_stock(sku_id, 3).stock == start - 1
    with pytest.raises(InvalidRequest) as refused:
        client.products.add_stock(sku_id, -start)
    assert refused.value.code == "negative_stock"
    assert client.products.get(world.product_ids[0]).skus[1].stock == start - 1


def test_add_stock_with_a_change_id_is_applied_once(contract: Contract) -> None:
    client, world = contract.client(), contract.world
    sku_id, start = world.sku_ids[1], PRODUCTS[0][1][1][3]
    assert client.products.add_stock(sku_id, 5, change_id="move:abc-1").stock == start + 5
    assert client.products.add_stock(sku_id, 5, change_id="move:abc-1").stock == start + 5
    assert client.products.add_stock(sku_id, 5, change_id="move:abc-2").stock == start + 10
    assert client.products.get(world.product_ids[0]).skus[1].stock == start + 10


@pytest.mark.parametrize("stock", [-1, 10_000_001])
def test_set_stock_out_of_range_is_refused_and_changes_nothing(
    contract: Contract, stock: int
) -> None:
    client, world = contract.client(), contract.world
    with pytest.raises(InvalidRequest):
        client.products.set_stock(world.sku_ids[0], stock)
    assert client.products.get(world.product_ids[0]).skus[0].stock == PRODUCTS[0][1][0][3]


def test_accept_refund_only_refunds_at_once(contract: Contract) -> None:
    client, world = contract.client(), contract.world
    aftersale_id = world.aftersale_ids[0]
    order_id = world.order_ids[AFTERSALES[0][0]]
    accepted = client.aftersales.accept(aftersale_id)
    amount = AFTERSALES[0][2]
    assert (accepted.status, accepted.outcome, accepted.refunded_fen) == (
        "completed",
        "refunded",
        amount,
    )
    assert client.aftersales.get(aftersale_id) == accepted
    assert client.orders.get(order_id).refunded_fen == amount
    with pytest.raises(InvalidRequest) as again:
        client.aftersales.accept(aftersale_id)
    assert again.value.code == "invalid_aftersale_transition"


def test_accept_return_waits_for_the_parcel(contract: Contract) -> None:
    client, world = contract.client(), contract.world
    accepted = client.aftersales.accept(world.aftersale_ids[1])
    assert (accepted.status, accepted.outcome, accepted.refunded_fen) == ("accepted", None, 0)


def test_reject_with_a_reason(contract: Contract) -> None:
    client, world = contract.client(), contract.world
    aftersale_id = world.aftersale_ids[1]
    with pytest.raises(InvalidRequest):
        client.aftersales.reject(aftersale_id, reason="")
    assert client.aftersales.get(aftersale_id).status == "requested"
    rejected = client.aftersales.reject(aftersale_id, reason="The tag was removed")
    assert (rejected.status, rejected.outcome, rejected.decision_reason) == (
        "rejected",
        "rejected",
        "The tag was removed",
    )
    with pytest.raises(InvalidRequest) as again:
        client.aftersales.reject(aftersale_id, reason="Still no")
    assert again.value.code == "invalid_aftersale_transition"


def test_add_tracking_until_delivered(contract: Contract) -> None:
    client, world = contract.client(), contract.world
    shipment_id = world.shipment_ids[0]
    order_id = world.order_ids[1]
    event = client.logistics.add_tracking(
        shipment_id, status="out_for_delivery", description="With the courier", location="杭州"
    )
    assert (event.shipment_id, event.status, event.description, event.location) == (
        shipment_id,
        "out_for_delivery",
        "With the courier",
        "杭州",
    )
    assert event.id is not None and event.occurred_at is not None
    assert client.logistics.shipments()[0].status == "out_for_delivery"
    assert client.orders.get(order_id).status == "shipped"
    delivered = client.logistics.add_tracking(shipment_id, status="delivered")
    assert delivered.id is not None and delivered.id > event.id
    assert client.orders.get(order_id).status == "delivered"
    with pytest.raises(InvalidRequest) as late:
        client.logistics.add_tracking(shipment_id, status="in_transit")
    assert late.value.code == "shipment_delivered"


def test_add_tracking_refuses_an_unknown_status(contract: Contract) -> None:
    client, world = contract.client(), contract.world
    with pytest.raises(InvalidRequest):
        client.logistics.add_tracking(world.shipment_ids[0], status="teleported")
    assert client.logistics.shipments()[0].status == "in_transit"
