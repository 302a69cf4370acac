"""Parcels by line: how many items of each line go in which parcel, never more than the
earlier parcels left."""

from __future__ import annotations

from fastapi.testclient import TestClient

import core.models as m
from tests.conftest import Factory


def test_parcels_split_a_line_and_never_hold_more_than_is_left(
    client: TestClient, factory: Factory
) -> None:
    owner = factory.account()
    shop = factory.shop(owner)
    order, lines = factory.order(shop, lines=((3, 1000), (1, 500)))
    h = factory.headers(owner)
    url = f"/api/v1/shops/{shop.id}/orders/{order.id}/shipments"
    first = client.post(
        url,
        json={
            "carrier_code": "SF",
            "waybill_no": "SF123456789012",
            "lines": [{"line_id": lines[0].id, "quantity": 2}],
        },
        headers=h,
    )
    assert first.status_code == 201, first.text
    assert first.json()["line_ids"] == [lines[0].id]
    assert first.json()["quantities"] == {str(lines[0].id): 2}
    too_many = client.post(
        url,
        json={
            "carrier_code": "ZTO",
            "waybill_no": "773012345678",
            "lines": [
                {"line_id": lines[1].id, "quantity": 1},
                {"line_id": lines[0].id, "quantity": 2},
            ],
        },
        headers=h,
    )
    assert too_many.status_code == 422
    body = too_many.json()
    assert body["code"] == "too_many_items"
    assert body["errors"][0]["field"] == "body.lines[1].quantity"
    assert body["unshipped"] == 1
    other_line = client.post(
        url,
        json={
            "carrier_code": "ZTO",
            "waybill_no": "773012345678",
            "lines": [{"line_id": 999999, "quantity": 1}],
        },
        headers=h,
    )
    assert other_line.status_code == 422
    assert other_line.json()["errors"][0]["field"] == "body.line_ids[0]"
    rest = client.post(
        url,
        json={
            "carrier_code": "ZTO",
            "waybill_no": "773012345678",
            "lines": [
                {"line_id": lines[0].id, "quantity": 1},
                {"line_id": lines[1].id, "quantity": 1},
            ],
        },
        headers=h,
    )
    assert rest.status_code == 201, rest.text
    assert factory.fetch(m.Order, order.id).status == m.OrderStatus.shipped
