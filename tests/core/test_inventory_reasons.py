"""Stock changes carry a reason (and a note) through the API as through the console, and
:func:`core.services.inventory.inventory_history` reads them back, newest first."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

from core.services.inventory import inventory_history
from tests.conftest import Factory


def test_the_api_takes_a_reason_and_refuses_an_unknown_one(
    client: TestClient, engine: Engine, factory: Factory
) -> None:
    owner = factory.account()
    shop = factory.shop(owner)
    headers = factory.headers(owner)
    _, sku = factory.product(shop, stock=4)
    other_shop = factory.shop()
    _, other_sku = factory.product(other_shop, stock=9)
    url = f"/api/v1/shops/{shop.id}/skus/{sku.id}/inventory"

    sent = client.post(
        url, json={"delta": 6, "reason": "restock", "note": "Crate 7"}, headers=headers
    )
    assert sent.status_code == 200 and sent.json()["stock"] == 10
    assert client.post(url, json={"set": 8}, headers=headers).status_code == 200  # "manual"
    refused = client.post(url, json={"delta": 1, "reason": "stolen"}, headers=headers)
    assert refused.status_code == 422
    assert refused.json()["code"] == "unknown_reason"
    assert refused.json()["errors"][0]["field"] == "body.reason"
    other_owner = factory.fetch(type(owner), other_shop.owner_id)
    headers_other = factory.headers(other_owner)
    client.post(
        f"/api/v1/shops/{other_shop.id}/skus/{other_sku.id}/inventory",
        json={"delta": 1, "reason": "returned"},
        headers=headers_other,
    )

    with Session(engine) as session:
        history = inventory_history(session, shop_id=shop.id, sku_ids=[sku.id, other_sku.id])
    assert [(h.delta, h.stock, h.reason, h.note) for h in history] == [
        (-2, 8, "manual", None),
        (6, 10, "restock", "Crate 7"),
    ]
    assert history[0].sku_code == "default" and history[0].order_id is None
