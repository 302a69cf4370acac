"""The merchant's note and flag on an order over the open API: set and removed by the
shop, refused with a field path when bad, never in the buyer's view or in events."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from tests.conftest import Factory
from tests.core.test_orders import events, order_body, place


def test_the_shop_notes_and_flags_an_order_the_buyer_never_sees_it(
    client: TestClient, engine: Engine, factory: Factory
) -> None:
    owner = factory.account()
    shop = factory.shop(owner)
    _, sku = factory.product(shop)
    buyer = factory.headers(factory.account())
    order = place(client, shop.id, buyer, order_body(sku.id)).json()
    url = f"/api/v1/shops/{shop.id}/orders/{order['id']}"
    merchant = factory.headers(owner)
    marked = client.post(url + "/note", json={"note": "易碎品", "flag": "purple"}, headers=merchant)
    assert marked.status_code == 200, marked.text
    assert (marked.json()["merchant_note"], marked.json()["merchant_flag"]) == ("易碎品", "purple")
    listed = client.get(f"/api/v1/shops/{shop.id}/orders", headers=merchant).json()["items"]
    assert listed[0]["merchant_flag"] == "purple"

    mine = client.get(f"/api/v1/me/orders/{order['id']}", headers=buyer).json()
    assert mine["merchant_note"] is None and mine["merchant_flag"] is None
    assert "易碎品" not in client.get("/api/v1/me/orders", headers=buyer).text
    assert all(
        e.payload["order"].get("merchant_note") is None for e in events(engine, "order_created")
    )

    bad = client.post(url + "/note", json={"flag": "pink"}, headers=merchant)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "body.flag"
    long = client.post(url + "/note", json={"note": "x" * 501}, headers=merchant)
    assert long.status_code == 422 and long.json()["errors"][0]["field"] == "body.note"
    cleared = client.post(url + "/note", json={"flag": "none"}, headers=merchant).json()
    assert (cleared["merchant_note"], cleared["merchant_flag"]) == ("易碎品", None)
    assert client.post(url + "/note", json={"note": ""}, headers=buyer).status_code in (403, 404)
