"""Contract: carrier accounts, e-waybills, shipments with a waybill and order cancellation.
Runs on every backend (in-process, HTTP, FakeShop)."""

from __future__ import annotations

import pytest

from sdk.errors import InvalidRequest, ResourceNotFound, ScopeDenied
from tests.contract.conftest import Contract

PAID, SHIPPED, UNPAID = 0, 1, 2


def test_accounts_are_listed_masked(contract: Contract) -> None:
    client, world = contract.client({"logistics:read"}), contract.world
    accounts = client.carriers.accounts()
    assert [a.id for a in accounts] == [world.account_id]
    account = accounts[0]
    assert account.status == "active" and account.account_no_masked.startswith("****")
    assert "secret" not in account.model_dump()
    assert client.carriers.accounts(carrier_code="NOPE") == []


def test_issue_waybills_once_per_order(contract: Contract) -> None:
    client, world = contract.client(), contract.world
    order_id = world.order_ids[PAID]
    first = client.carriers.issue_waybills(world.account_id, [order_id])
    assert len(first) == 1 and first[0].ok and not first[0].reused
    waybill = first[0].waybill
    assert waybill is not None and waybill.order_id == order_id
    assert waybill.account_id == world.account_id and waybill.status == "issued"
    again = client.carriers.issue_waybills(world.account_id, [order_id])
    assert again[0].reused and again[0].waybill == waybill
    assert client.carriers.waybills(order_id=order_id) == [waybill]


def test_refused_and_unshippable_orders_get_a_problem_and_the_rest_are_issued(
    contract: Contract,
) -> None:
    client, world = contract.client(), contract.world
    contract.refuse_waybills([world.order_ids[PAID]])
    results = client.carriers.issue_waybills(
        world.account_id, [world.order_ids[PAID], world.order_ids[UNPAID]]
    )
    assert [r.order_id for r in results] == [world.order_ids[PAID], world.order_ids[UNPAID]]
    assert [r.problem.field if r.problem else None for r in results] == [
        "order_ids[0]",
        "order_ids[1]",
    ]
    assert all(r.waybill is None for r in results)
    assert client.carriers.waybills(order_id=world.order_ids[PAID]) == []


def test_ship_with_an_issued_waybill(contract: Contract) -> None:
    client, world = contract.client(), contract.world
    order_id = world.order_ids[PAID]
    waybill = client.carriers.issue_waybills(world.account_id, [order_id])[0].waybill
    assert waybill is not None
    shipment = client.logistics.create_shipment(
        order_id, carrier_code=waybill.carrier_code, waybill_no=waybill.waybill_no
    )
    assert (shipment.order_id, shipment.waybill_no) == (order_id, waybill.waybill_no)
    assert client.orders.get(order_id).status == "shipped"
    with pytest.raises(InvalidRequest) as used:
        client.carriers.cancel_waybill(waybill.id)
    assert used.value.code == "waybill_in_use"


def test_create_shipment_refuses_bad_input(contract: Contract) -> None:
    client, world = contract.client(), contract.world
    order_id = world.order_ids[PAID]
    with pytest.raises(InvalidRequest) as unknown:
        client.logistics.create_shipment(order_id, carrier_code="NOPE", waybill_no="123456789012")
    assert unknown.value.code == "unknown_carrier"
    with pytest.raises(InvalidRequest) as malformed:
        client.logistics.create_shipment(order_id, carrier_code="SF", waybill_no="12")
    assert malformed.value.code == "invalid_waybill"
    with pytest.raises(InvalidRequest) as unpaid:
        client.logistics.create_shipment(
            world.order_ids[UNPAID], carrier_code="SF", waybill_no="SF123456789012"
        )
    assert unpaid.value.code == "order_not_shippable"
    assert client.orders.get(order_id).status == "paid"


def test_cancel_a_waybill_then_issue_a_new_number(contract: Contract) -> None:
    client, world = contract.client(), contract.world
    order_id = world.order_ids[PAID]
    first = client.carriers.issue_waybills(world.account_id, [order_id])[0].waybill
    assert first is not None
    cancelled = client.carriers.cancel_waybill(first.id)
    assert (cancelled.id, cancelled.status) == (first.id, "cancelled")
    assert client.carriers.cancel_waybill(first.id).status == "cancelled"
    second = client.carriers.issue_waybills(world.account_id, [order_id])[0]
    assert second.waybill is not None and not second.reused
    assert second.waybill.waybill_no != first.waybill_no
    statuses = [w.status for w in client.carriers.waybills(order_id=order_id)]
    assert statuses == ["cancelled", "issued"]


def test_cancel_an_order_with_a_reason(contract: Contract) -> None:
    client, world = contract.client(), contract.world
    with pytest.raises(InvalidRequest):
        client.orders.cancel(world.order_ids[UNPAID], reason="  ")
    assert client.orders.get(world.order_ids[UNPAID]).status == "pending_payment"
    cancelled = client.orders.cancel(world.order_ids[UNPAID], reason="买家要求取消")
    assert cancelled.status == "cancelled"
    with pytest.raises(InvalidRequest) as shipped:
        client.orders.cancel(world.order_ids[SHIPPED], reason="too late")
    assert shipped.value.code == "cancel_not_allowed"
    paid = client.orders.cancel(world.order_ids[PAID], reason="缺货")
    assert paid.status == "cancelled"
    assert client.orders.get(world.order_ids[PAID]).status == "cancelled"


def test_calls_need_their_scopes(contract: Contract) -> None:
    world = contract.world
    reader = contract.client({"logistics:read", "orders:read"})
    with pytest.raises(ScopeDenied):
        reader.carriers.issue_waybills(world.account_id, [world.order_ids[PAID]])
    with pytest.raises(ScopeDenied):
        reader.orders.cancel(world.order_ids[PAID], reason="x")
    with pytest.raises(ScopeDenied):
        reader.logistics.create_shipment(
            world.order_ids[PAID], carrier_code="SF", waybill_no="SF123456789012"
        )
    with pytest.raises(ScopeDenied):
        contract.client({"orders:read"}).carriers.accounts()
    assert reader.carriers.waybills(order_id=world.order_ids[PAID]) == []


def test_unknown_account_and_waybill_are_not_found(contract: Contract) -> None:
    client, world = contract.client(), contract.world
    with pytest.raises(ResourceNotFound):
        client.carriers.issue_waybills(90_001, [world.order_ids[PAID]])
    with pytest.raises(ResourceNotFound):
        client.carriers.cancel_waybill(90_001)
