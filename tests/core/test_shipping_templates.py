"""Shipping fee templates: the routes and their guard, and the fee in the order total."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

import core.models as m
from tests.conftest import Factory
from tests.core.test_orders import order_body, place

TEMPLATE: dict[str, Any] = {
    "name": "Standard",
    "first_weight_g": 1000,
    "first_fee_fen": 800,
    "additional_weight_g": 1000,
    "additional_fee_fen": 500,
    "province_fees": [{"province_code": "54", "first_fee_fen": 2000, "additional_fee_fen": 1500}],
}


class Shop:
    """An open shop, its owner's headers and a 700 g product on a template."""

    def __init__(self, client: TestClient, factory: Factory) -> None:
        self.owner = factory.account()
        self.shop = factory.shop(self.owner)
        self.headers = factory.headers(self.owner)
        self.url = f"/api/v1/shops/{self.shop.id}/shipping-templates"
        created = client.post(self.url, json=TEMPLATE, headers=self.headers)
        assert created.status_code == 201, created.text
        self.template = created.json()
        self.product, self.sku = factory.product(self.shop, stock=50, price_fen=1000)
        patched = client.patch(
            f"/api/v1/shops/{self.shop.id}/products/{self.product.id}",
            json={"shipping_template_id": self.template["id"], "weight_g": 700},
            headers=self.headers,
        )
        assert patched.status_code == 200, patched.text
        assert patched.json()["weight_g"] == 700


def test_the_fee_is_a_line_of_the_order_and_in_its_total(
    client: TestClient, factory: Factory
) -> None:
    s = Shop(client, factory)
    buyer = factory.headers(factory.account())

    # 3 x 700 g = 2100 g to Shanghai: 800 for the first kg, 2 more kg begun at 500
    to_shanghai = place(client, s.shop.id, buyer, order_body(s.sku.id, 3), key="sh")
    assert to_shanghai.status_code == 201, to_shanghai.text
    body = to_shanghai.json()
    assert (body["subtotal_fen"], body["shipping_fen"], body["total_fen"]) == (3000, 1800, 4800)
    assert factory.fetch(m.Order, body["id"]).shipping_fen == 1800

    # Tibet has its own fees
    to_tibet = place(
        client, s.shop.id, buyer, order_body(s.sku.id, 3, province_code="54"), key="xz"
    )
    assert to_tibet.json()["shipping_fen"] == 2000 + 2 * 1500
    assert to_tibet.json()["total_fen"] == 3000 + 5000

    # within the first weight: only the first fee
    light = place(client, s.shop.id, buyer, order_body(s.sku.id, 1), key="one")
    assert light.json()["shipping_fen"] == 800

    # a product without a template ships free
    _, free_sku = factory.product(s.shop, stock=5, price_fen=300)
    free = place(client, s.shop.id, buyer, order_body(free_sku.id, 2), key="free")
    assert (free.json()["shipping_fen"], free.json()["total_fen"]) == (0, 600)


def test_self_pickup_pays_no_shipping(client: TestClient, factory: Factory) -> None:
    s = Shop(client, factory)
    client.patch(
        f"/api/v1/shops/{s.shop.id}/products/{s.product.id}",
        json={"self_pickup": True},
        headers=s.headers,
    )
    store = {"name": "Desk", "province_code": "31", "address": "1 Tea Street", "hours": "9-5"}
    made = client.post(f"/api/v1/shops/{s.shop.id}/pickup-stores", json=store, headers=s.headers)
    assert made.status_code == 201, made.text  # no self pickup without a pickup store
    buyer = factory.headers(factory.account())
    body = order_body(s.sku.id, 4, self_pickup=True, address="")
    placed = place(client, s.shop.id, buyer, body, key="pickup")
    assert placed.status_code == 201, placed.text
    assert (placed.json()["shipping_fen"], placed.json()["total_fen"]) == (0, 4000)


def test_templates_are_the_shops_own(client: TestClient, factory: Factory) -> None:
    s = Shop(client, factory)
    other = Shop(client, factory)
    item = f"{s.url}/{s.template['id']}"
    assert client.get(item, headers=s.headers).json()["province_fees"] == TEMPLATE["province_fees"]
    assert [t["id"] for t in client.get(s.url, headers=s.headers).json()] == [s.template["id"]]

    # another shop's owner reaches neither this shop's routes nor, through its own, the template
    assert client.get(s.url, headers=other.headers).status_code in (403, 404)
    assert client.get(item, headers=other.headers).status_code in (403, 404)
    assert client.get(f"{other.url}/{s.template['id']}", headers=other.headers).status_code == 404
    assert client.delete(f"{other.url}/{s.template['id']}", headers=other.headers).status_code == (
        404
    )
    foreign = client.patch(
        f"/api/v1/shops/{other.shop.id}/products/{other.product.id}",
        json={"shipping_template_id": s.template["id"]},
        headers=other.headers,
    )
    assert foreign.status_code == 422
    assert foreign.json()["code"] == "unknown_shipping_template"


def test_templates_are_validated_replaced_and_deleted_when_unused(
    client: TestClient, factory: Factory
) -> None:
    s = Shop(client, factory)
    bad_province = {
        **TEMPLATE,
        "province_fees": [{**TEMPLATE["province_fees"][0], "province_code": "99"}],
    }
    refused = client.post(s.url, json=bad_province, headers=s.headers)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "body.province_fees[0].province_code"
    twice = {**TEMPLATE, "province_fees": TEMPLATE["province_fees"] * 2}
    assert client.post(s.url, json=twice, headers=s.headers).json()["code"] == "duplicate_province"
    zero_step = client.post(s.url, json={**TEMPLATE, "additional_weight_g": 0}, headers=s.headers)
    assert zero_step.status_code == 422

    item = f"{s.url}/{s.template['id']}"
    replaced = client.put(item, json={**TEMPLATE, "first_fee_fen": 1000}, headers=s.headers)
    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["first_fee_fen"] == 1000

    in_use = client.delete(item, headers=s.headers)
    assert in_use.status_code == 409
    assert in_use.json()["code"] == "template_in_use"
    client.patch(
        f"/api/v1/shops/{s.shop.id}/products/{s.product.id}",
        json={"shipping_template_id": None},
        headers=s.headers,
    )
    assert client.delete(item, headers=s.headers).status_code == 204
    assert client.get(item, headers=s.headers).status_code == 404
