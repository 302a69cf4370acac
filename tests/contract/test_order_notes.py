"""Contract: the merchant's note and coloured flag on an order (``orders.annotate``).
Runs on every backend (in-process, HTTP, FakeShop)."""

from __future__ import annotations

import pytest

from sdk.errors import InvalidRequest, ScopeDenied
from tests.contract.conftest import Contract


def test_a_note_and_a_flag_are_set_kept_and_removed(contract: Contract) -> None:
    client, order_id = contract.client(), contract.world.order_ids[0]
    assert client.orders.get(order_id).merchant_flag is None
    marked = client.orders.annotate(order_id, note="  先打电话再发货 ", flag="red")
    assert (marked.merchant_note, marked.merchant_flag) == ("先打电话再发货", "red")
    again = client.orders.get(order_id)
    assert (again.merchant_note, again.merchant_flag) == ("先打电话再发货", "red")
    recoloured = client.orders.annotate(order_id, flag="green")  # the note stays
    assert (recoloured.merchant_note, recoloured.merchant_flag) == ("先打电话再发货", "green")
    cleared = client.orders.annotate(order_id, note="", flag="none")
    assert (cleared.merchant_note, cleared.merchant_flag) == ("", None)
    listed = {o.id: o for o in client.orders.list()}
    assert listed[order_id].merchant_flag is None


def test_bad_marks_are_refused_and_change_nothing(contract: Contract) -> None:
    client, order_id = contract.client(), contract.world.order_ids[1]
    client.orders.annotate(order_id, note="keep", flag="blue")
    with pytest.raises(InvalidRequest):
        client.orders.annotate(order_id, flag="pink")
    with pytest.raises(InvalidRequest):
        client.orders.annotate(order_id, note="x" * 501)
    kept = client.orders.get(order_id)
    assert (kept.merchant_note, kept.merchant_flag) == ("keep", "blue")


def test_marking_needs_orders_write(contract: Contract) -> None:
    reader = contract.client({"orders:read"})
    with pytest.raises(ScopeDenied):
        reader.orders.annotate(contract.world.order_ids[0], flag="red")
    assert reader.orders.get(contract.world.order_ids[0]).merchant_flag is None
