"""Decision hooks take part in the kernel's own requests: product checks and order prices."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from core.plugins.installations import enable_plugin
from tests.conftest import Factory
from tests.plugins_host.sample_plugins import recorder

ORDER = {
    "lines": [],
    "recipient_name": "Li",
    "recipient_phone": "13800138000",
    "province_code": "33",
    "address": "1 Wensan Road",
}


def _enable(app: FastAPI, shop_id: int) -> None:
    with Session(app.state.engine) as session:
        enable_plugin(
            session,
            host=app.state.runtime.host,
            shop_id=shop_id,
            plugin_id="recorder",
            granted_scopes=["products:read"],
        )
        session.commit()


def _product_body(category_id: int, title: str) -> dict:
    return {
        "category_id": category_id,
        "title": title,
        "skus": [{"code": "A", "price_fen": 1000, "stock": 5}],
    }


def test_product_validate_refuses_with_field_path_only_where_enabled(
    app_with_recorder: FastAPI, factory: Factory
) -> None:
    client = TestClient(app_with_recorder)
    owner = factory.account()
    with_plugin = factory.shop(owner)
    category = factory.category()
    _enable(app_with_recorder, with_plugin.id)

    refused = client.post(
        f"/api/v1/shops/{with_plugin.id}/products",
        json=_product_body(category.id, "a box"),
        headers=factory.headers(owner),
    )
    assert refused.status_code == 422, refused.text
    assert refused.json()["code"] == "product_rejected"
    assert refused.json()["errors"] == [{"field": "body.title", "message": "no 'x' allowed"}]
    listed = client.get(f"/api/v1/shops/{with_plugin.id}/products", headers=factory.headers(owner))
    assert listed.json()["items"] == []  # nothing was kept

    accepted = client.post(
        f"/api/v1/shops/{with_plugin.id}/products",
        json=_product_body(category.id, "a cup"),
        headers=factory.headers(owner),
    )
    assert accepted.status_code == 201

    owner_b = factory.account()
    shop_b = factory.shop(owner_b)
    fine = client.post(
        f"/api/v1/shops/{shop_b.id}/products",
        json=_product_body(category.id, "a box"),
        headers=factory.headers(owner_b),
    )
    assert fine.status_code == 201  # the plugin is not enabled there


def test_order_adjustments_change_the_total(app_with_recorder: FastAPI, factory: Factory) -> None:
    client = TestClient(app_with_recorder)
    shop, plain_shop = factory.shop(), factory.shop()
    _, sku = factory.product(shop, price_fen=1000)
    _, plain_sku = factory.product(plain_shop, price_fen=1000)
    _enable(app_with_recorder, shop.id)
    buyer = factory.headers(factory.account())

    def place(shop_id: int, sku_id: int, key: str) -> dict:
        body = {**ORDER, "lines": [{"sku_id": sku_id, "quantity": 2}]}
        response = client.post(
            f"/api/v1/storefront/shops/{shop_id}/orders",
            json=body,
            headers={**buyer, "Idempotency-Key": key},
        )
        assert response.status_code == 201, response.text
        return response.json()

    adjusted = place(shop.id, sku.id, "k1")
    assert (adjusted["subtotal_fen"], adjusted["adjustments_fen"], adjusted["total_fen"]) == (
        2000,
        -100,
        1900,
    )
    plain = place(plain_shop.id, plain_sku.id, "k2")
    assert (plain["adjustments_fen"], plain["total_fen"]) == (0, 2000)
    drafts = [args for name, args in recorder.CALLS if name == "order_adjustments"]
    assert len(drafts) == 1 and drafts[0].subtotal_fen == 2000


def test_registered_carriers_ship_only_where_enabled(
    app_with_recorder: FastAPI, factory: Factory
) -> None:
    import core.models as m

    client = TestClient(app_with_recorder)
    owner = factory.account()
    shop, plain = factory.shop(owner), factory.shop(owner)
    _enable(app_with_recorder, shop.id)
    headers = factory.headers(owner)

    codes = [
        c["code"] for c in client.get(f"/api/v1/shops/{shop.id}/carriers", headers=headers).json()
    ]
    assert "RECORDER_EXPRESS" in codes and "SF" in codes
    plain_codes = [
        c["code"] for c in client.get(f"/api/v1/shops/{plain.id}/carriers", headers=headers).json()
    ]
    assert "RECORDER_EXPRESS" not in plain_codes

    def paid_order(s: m.Shop) -> int:
        order, _ = factory.order(s, owner)
        return order.id

    body = {"carrier_code": "recorder_express", "waybill_no": "RE123456789"}
    shipped = client.post(
        f"/api/v1/shops/{shop.id}/orders/{paid_order(shop)}/shipments", json=body, headers=headers
    )
    assert shipped.status_code == 201, shipped.text
    refused = client.post(
        f"/api/v1/shops/{plain.id}/orders/{paid_order(plain)}/shipments", json=body, headers=headers
    )
    assert refused.status_code == 422
    assert refused.json()["code"] == "unknown_carrier"


def test_shipping_quote_comes_from_the_shops_service_or_the_kernel(
    app_with_recorder: FastAPI, factory: Factory
) -> None:
    from core.plugins.kernel import FLAT_SHIPPING_FEN

    client = TestClient(app_with_recorder)
    shop, plain = factory.shop(), factory.shop()
    _, sku = factory.product(shop)
    _, plain_sku = factory.product(plain)
    _enable(app_with_recorder, shop.id)

    def quote(shop_id: int, sku_id: int) -> dict:
        body = {"province_code": "33", "lines": [{"sku_id": sku_id, "quantity": 1}]}
        response = client.post(f"/api/v1/storefront/shops/{shop_id}/shipping-quote", json=body)
        assert response.status_code == 200, response.text
        return response.json()

    assert quote(shop.id, sku.id)["carrier_code"] == "recorder"
    assert quote(plain.id, plain_sku.id)["amount_fen"] == FLAT_SHIPPING_FEN
    bad = client.post(
        f"/api/v1/storefront/shops/{shop.id}/shipping-quote",
        json={"province_code": "99", "lines": [{"sku_id": sku.id, "quantity": 1}]},
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "body.province_code"


def test_the_batch_route_asks_the_services_about_each_item(
    app_with_recorder: FastAPI, factory: Factory
) -> None:
    client = TestClient(app_with_recorder)
    owner = factory.account()
    shop = factory.shop(owner)
    category = factory.category()
    _enable(app_with_recorder, shop.id)
    url = f"/api/v1/shops/{shop.id}/products/batch"

    def item(ref: str, title: str, price_fen: int = 1000) -> dict:
        sku = {"code": f"{ref}-1", "price_fen": price_fen, "stock": 5}
        return {"external_ref": ref, "category_id": category.id, "title": title, "skus": [sku]}

    first = client.post(
        url,
        json={"items": [item("cup", "a cup"), item("box", "a box"), item("mug", "a mug")]},
        headers=factory.headers(owner),
    )
    assert first.status_code == 200, first.text
    body = first.json()
    assert [r["status"] for r in body["items"]] == ["created", "failed", "created"]
    assert body["items"][1]["problems"] == [
        {"field": "title", "message": "no 'x' allowed", "code": "product_rejected"}
    ]
    assert body["counts"] == {"created": 2, "updated": 0, "unchanged": 0, "failed": 1}
    drafts = [p for name, p in recorder.CALLS if name == "product_validate"]
    assert [(d.id, d.title, [(s.code, s.price_fen) for s in d.skus]) for d in drafts] == [
        (None, "a cup", [("cup-1", 1000)]),
        (None, "a box", [("box-1", 1000)]),
        (None, "a mug", [("mug-1", 1000)]),
    ]

    recorder.CALLS.clear()
    second = client.post(
        url,
        json={
            "items": [{"external_ref": "cup", "title": "a xylophone"}, item("mug", "a mug", 900)]
        },
        headers=factory.headers(owner),
    )
    assert [r["status"] for r in second.json()["items"]] == ["failed", "updated"]
    assert second.json()["items"][0]["problems"][0]["code"] == "product_rejected"
    cup_draft = next(p for name, p in recorder.CALLS if name == "product_validate")
    # the service saw the stored product with the change applied, its SKU included
    assert (cup_draft.title, [s.code for s in cup_draft.skus]) == ("a xylophone", ["cup-1"])
    assert cup_draft.id == first.json()["items"][0]["product_id"]
    listed = client.get(f"/api/v1/shops/{shop.id}/products", headers=factory.headers(owner))
    titles = sorted(p["title"] for p in listed.json()["items"])
    assert titles == ["a cup", "a mug"]  # the refused change was not written

    owner_b = factory.account()
    shop_b = factory.shop(owner_b)
    elsewhere = client.post(
        f"/api/v1/shops/{shop_b.id}/products/batch",
        json={"items": [item("box", "a box")]},
        headers=factory.headers(owner_b),
    )
    assert elsewhere.json()["items"][0]["status"] == "created"  # not enabled there
