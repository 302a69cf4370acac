"""The buyer page ``/s/{shop_id}``: browse, order, pay in the sandbox, follow the order and
its parcels, ask for a refund; a buyer's orders stay theirs; services get real events."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

import core.models as m
from tests.conftest import Factory
from tests.webtools import HTML, csrf_from, sign_in


def _signed_in(client: TestClient, factory: Factory) -> m.Account:
    buyer = factory.account()
    sign_in(client, buyer.email, "secret-pass")
    return buyer


def _order_form(client: TestClient, shop: m.Shop, product: m.Product) -> dict[str, str]:
    page = client.get(f"/s/{shop.id}/p/{product.id}", headers=HTML)
    assert page.status_code == 200
    key = re.search(r'name="order_key" value="([^"]+)"', page.text)
    assert key
    return {"csrf_token": csrf_from(page.text), "order_key": key.group(1)}


def _place(
    client: TestClient, shop: m.Shop, product: m.Product, sku: m.Sku, **fields: str
) -> object:
    data = {
        **_order_form(client, shop, product),
        "sku_id": str(sku.id),
        "quantity": "2",
        "recipient_name": "李买家",
        "recipient_phone": "13800138000",
        "province_code": "33",
        "address": "文三路 1 号",
        **fields,
    }
    return client.post(
        f"/s/{shop.id}/p/{product.id}/order", data=data, headers=HTML, follow_redirects=False
    )


def test_anyone_browses_searches_and_filters(client: TestClient, factory: Factory) -> None:
    shop = factory.shop(name="Tea stall")
    tea = factory.category(name="Tea")
    cups = factory.category(name="Cups")
    leaf, _ = factory.product(shop, category=tea, price_fen=1990)
    cup, _ = factory.product(shop, category=cups)
    hidden, _ = factory.product(shop, listed=False)
    page = client.get(f"/s/{shop.id}", headers=HTML)
    assert page.status_code == 200
    assert "Tea stall" in page.text
    assert f"/s/{shop.id}/p/{leaf.id}" in page.text and f"/s/{shop.id}/p/{cup.id}" in page.text
    assert f'/p/{hidden.id}"' not in page.text
    assert "¥19.90" in page.text
    filtered = client.get(f"/s/{shop.id}?category={tea.id}", headers=HTML)
    assert f'/p/{leaf.id}"' in filtered.text and f'/p/{cup.id}"' not in filtered.text
    searched = client.get(f"/s/{shop.id}", params={"q": cup.title}, headers=HTML)
    assert f'/p/{cup.id}"' in searched.text and f'/p/{leaf.id}"' not in searched.text
    product = client.get(f"/s/{shop.id}/p/{leaf.id}", headers=HTML)
    assert "Sign in to order" in product.text
    assert client.get(f"/s/{shop.id}/p/{hidden.id}", headers=HTML).status_code == 404
    assert client.get(f"/s/{factory.shop(open=False).id}", headers=HTML).status_code == 404


def test_the_page_speaks_chinese(client: TestClient, factory: Factory) -> None:
    shop = factory.shop()
    product, _ = factory.product(shop)
    page = client.get(f"/s/{shop.id}/p/{product.id}", headers={**HTML, "accept-language": "zh-CN"})
    assert 'lang="zh-CN"' in page.text
    assert "登录后下单" in page.text


def test_a_buyer_orders_pays_follows_and_asks_for_a_refund(
    client: TestClient, factory: Factory
) -> None:
    shop = factory.shop()
    product, sku = factory.product(shop, price_fen=1500, stock=5)
    buyer = _signed_in(client, factory)
    placed = _place(client, shop, product, sku)
    assert placed.status_code == 303, placed.text
    path = placed.headers["location"]
    order_id = int(path.rsplit("/", 1)[1])
    order = factory.fetch(m.Order, order_id)
    assert (order.buyer_id, order.total_fen, order.status) == (
        buyer.id,
        3000,
        m.OrderStatus.pending_payment,
    )
    assert factory.fetch(m.Sku, sku.id).stock == 3
    page = client.get(path, headers=HTML)
    assert "Awaiting payment" in page.text and "¥30.00" in page.text
    paid = client.post(f"{path}/pay", data={"csrf_token": csrf_from(page.text)}, headers=HTML)
    assert paid.status_code == 200
    assert factory.fetch(m.Order, order_id).status == m.OrderStatus.paid
    assert [e.name for e in factory.events("order", order_id)][:2] == [
        "order_created",
        "order_paid",
    ]
    with Session(factory.engine) as session:
        shipment = m.Shipment(
            shop_id=shop.id,
            order_id=order_id,
            carrier_code="sf",
            waybill_no="SF998877665544",
            line_ids=[],
        )
        session.add(shipment)
        session.flush()
        session.add(
            m.TrackingEvent(
                shipment_id=shipment.id, status="in_transit", description="Hangzhou hub"
            )
        )
        order_row = session.get(m.Order, order_id)
        assert order_row is not None
        order_row.status = m.OrderStatus.shipped
        session.commit()
    followed = client.get(path, headers=HTML)
    assert "SF998877665544" in followed.text and "Hangzhou hub" in followed.text
    asked = client.post(
        f"{path}/aftersales",
        data={
            "csrf_token": csrf_from(followed.text),
            "kind": "refund_only",
            "amount": "12.50",
            "reason": "One cup arrived broken",
        },
        headers=HTML,
    )
    assert asked.status_code == 200, asked.text
    assert "Waiting for the shop" in asked.text
    with Session(factory.engine) as session:
        request = session.exec(select(m.AfterSale).where(m.AfterSale.order_id == order_id)).one()
    assert (request.amount_fen, request.kind, request.buyer_id) == (
        1250,
        m.AfterSaleKind.refund_only,
        buyer.id,
    )
    assert "aftersale_requested" in [e.name for e in factory.events("aftersale", request.id)]
    listing = client.get(f"/s/{shop.id}/orders", headers=HTML)
    assert f"/s/{shop.id}/orders/{order_id}" in listing.text
    console = client.get("/console", headers=HTML)  # how a buyer finds the shop again
    assert f'href="/s/{shop.id}"' in console.text


def test_a_resubmitted_order_form_places_one_order(client: TestClient, factory: Factory) -> None:
    shop = factory.shop()
    product, sku = factory.product(shop)
    _signed_in(client, factory)
    form = _order_form(client, shop, product)
    fields = {
        "sku_id": str(sku.id),
        "quantity": "1",
        "recipient_name": "Li",
        "province_code": "31",
        "recipient_phone": "13800138000",
        "address": "1 Road",
    }
    first = client.post(
        f"/s/{shop.id}/p/{product.id}/order",
        data={**form, **fields},
        headers=HTML,
        follow_redirects=False,
    )
    again = client.post(
        f"/s/{shop.id}/p/{product.id}/order",
        data={**form, **fields},
        headers=HTML,
        follow_redirects=False,
    )
    assert first.headers["location"] == again.headers["location"]


def test_bad_order_input_comes_back_with_clear_messages(
    client: TestClient, factory: Factory
) -> None:
    shop = factory.shop()
    product, sku = factory.product(shop, stock=1)
    _signed_in(client, factory)
    no_phone = _place(client, shop, product, sku, recipient_phone="", quantity="1")
    assert no_phone.status_code == 400
    assert "Enter a phone number" in no_phone.text
    too_many = _place(client, shop, product, sku, quantity="2")
    assert too_many.status_code == 400
    assert "Not enough stock" in too_many.text
    no_address = _place(client, shop, product, sku, address="", quantity="1")
    assert no_address.status_code == 400
    assert "Enter the address" in no_address.text
    with Session(factory.engine) as session:
        assert session.exec(select(m.Order)).all() == []


def test_a_buyer_sees_only_their_own_orders(client: TestClient, factory: Factory) -> None:
    shop = factory.shop()
    someone, _ = factory.order(shop, factory.account())
    buyer = _signed_in(client, factory)
    assert client.get(f"/s/{shop.id}/orders/{someone.id}", headers=HTML).status_code == 404
    assert f'/orders/{someone.id}"' not in client.get(f"/s/{shop.id}/orders", headers=HTML).text
    page = client.get(f"/s/{shop.id}", headers=HTML)
    refused = client.post(
        f"/s/{shop.id}/orders/{someone.id}/pay",
        data={"csrf_token": csrf_from(page.text)},
        headers=HTML,
    )
    assert refused.status_code == 404
    refund = client.post(
        f"/s/{shop.id}/orders/{someone.id}/aftersales",
        data={
            "csrf_token": csrf_from(page.text),
            "kind": "refund_only",
            "amount": "1.00",
            "reason": "mine?",
        },
        headers=HTML,
    )
    assert refund.status_code == 404
    mine, _ = factory.order(shop, buyer)
    assert client.get(f"/s/{shop.id}/orders/{mine.id}", headers=HTML).status_code == 200
    other_shop = factory.shop()
    assert client.get(f"/s/{other_shop.id}/orders/{mine.id}", headers=HTML).status_code == 404


def test_ordering_needs_a_signed_in_person_and_a_csrf_token(
    client: TestClient, factory: Factory
) -> None:
    shop = factory.shop()
    product, sku = factory.product(shop)
    anonymous = _place(client, shop, product, sku)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"].startswith("/signin")
    _signed_in(client, factory)
    forged = client.post(
        f"/s/{shop.id}/p/{product.id}/order",
        data={"order_key": "k", "sku_id": str(sku.id)},
        headers=HTML,
    )
    assert forged.status_code == 403
    assert client.get(f"/s/{shop.id}/orders", headers=HTML).status_code == 200


def test_a_suspended_shop_shows_but_sells_nothing(client: TestClient, factory: Factory) -> None:
    from core.models.base import utcnow

    shop = factory.shop(suspended_at=utcnow(), suspension_reason="checks")
    product, _ = factory.product(shop)
    page = client.get(f"/s/{shop.id}", headers=HTML)
    assert page.status_code == 200
    assert "not taking orders" in page.text
    assert f'/p/{product.id}"' not in page.text


def test_the_order_page_shows_a_pickup_code_when_the_order_view_carries_one(
    client: TestClient, factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    from core.schemas.orders import OrderPublic
    from core.services import order_views

    class WithPickupCode(OrderPublic):
        pickup_code: str | None = None

    original = order_views.order_public

    def with_code(*args: Any, **kwargs: Any) -> OrderPublic:
        view = original(*args, **kwargs)
        return WithPickupCode(**view.model_dump(), pickup_code="483920")

    shop = factory.shop()
    buyer = _signed_in(client, factory)
    order, _ = factory.order(shop, buyer, self_pickup=True)
    page = client.get(f"/s/{shop.id}/orders/{order.id}", headers=HTML)
    assert 'id="pickup-code"' not in page.text  # today's order view has no code
    monkeypatch.setattr(order_views, "order_public", with_code)
    page = client.get(f"/s/{shop.id}/orders/{order.id}", headers=HTML)
    assert 'id="pickup-code"' in page.text and "483920" in page.text


def test_the_demo_buyer_orders_on_the_demo_shop_and_its_service_hears_of_it(
    client: TestClient, engine: Any, settings: Any
) -> None:
    from core.db import session_scope
    from core.demo import DEMO_ORDERS_TO_SHIP, demo_shop_ids, load_demo
    from core.models import PluginRecord
    from core.plugins.delivery import deliver
    from core.plugins.fanout import dispatch_all
    from core.plugins.manager import create_plugin_host

    with session_scope(engine) as session:
        load_demo(session, settings=settings)
        shop_id = demo_shop_ids(session)[0]
    sign_in(client, "buyer@demo.tanzi", "demo-buyer")
    assert f'href="/s/{shop_id}"' in client.get("/console", headers=HTML).text
    browse = client.get(f"/s/{shop_id}", headers=HTML)
    product_id = int(re.findall(rf'href="/s/{shop_id}/p/(\d+)"', browse.text)[0])
    product = client.get(f"/s/{shop_id}/p/{product_id}", headers=HTML)
    sku_id = re.findall(r'name="sku_id" value="(\d+)"', product.text)[0]
    assert 'value="13800138000"' in product.text  # filled in from the buyer's last order
    key = re.search(r'name="order_key" value="([^"]+)"', product.text)
    assert key
    placed = client.post(
        f"/s/{shop_id}/p/{product_id}/order",
        data={
            "csrf_token": csrf_from(product.text),
            "order_key": key.group(1),
            "sku_id": sku_id,
            "quantity": "1",
            "recipient_name": "李买家",
            "recipient_phone": "13800138000",
            "province_code": "33",
            "address": "文三路 1 号",
        },
        headers=HTML,
        follow_redirects=False,
    )
    assert placed.status_code == 303, placed.text
    order_page = client.get(placed.headers["location"], headers=HTML)
    client.post(
        f"{placed.headers['location']}/pay",
        data={"csrf_token": csrf_from(order_page.text)},
        headers=HTML,
    )
    host = create_plugin_host(settings)
    for delivery_id in dispatch_all(engine, host):
        deliver(engine, host, delivery_id)
    with Session(engine) as session:
        policies = session.exec(
            select(PluginRecord).where(PluginRecord.collection == "policies")
        ).all()
    order_id = placed.headers["location"].rstrip("/").split("/")[-1]
    assert order_id in {policy.key for policy in policies}
    # the two paid demo orders, the ones waiting for their labels, and this one
    assert len(policies) == 3 + DEMO_ORDERS_TO_SHIP


def test_the_shop_page_pages_with_more_products(client: TestClient, factory: Factory) -> None:
    from marketplace.web.storefront_browse import PAGE_SIZE

    shop = factory.shop()
    made = [factory.product(shop)[0].id for _ in range(PAGE_SIZE + 2)]
    first = client.get(f"/s/{shop.id}", headers=HTML)
    shown = [int(i) for i in re.findall(rf'href="/s/{shop.id}/p/(\d+)"', first.text)]
    assert shown == made[:PAGE_SIZE]
    more = re.search(r'rel="next" href="([^"]+)"', first.text)
    assert more
    second = client.get(more.group(1).replace("&amp;", "&"), headers=HTML)
    shown = [int(i) for i in re.findall(rf'href="/s/{shop.id}/p/(\d+)"', second.text)]
    assert shown == made[PAGE_SIZE:]
    assert 'rel="next"' not in second.text


def test_a_suspended_shop_takes_no_payment_but_its_buyers_may_still_cancel(
    client: TestClient, factory: Factory
) -> None:
    from core.models.base import utcnow

    shop = factory.shop()
    buyer = _signed_in(client, factory)
    unpaid, _ = factory.order(shop, buyer, status=m.OrderStatus.pending_payment)
    with Session(factory.engine) as session:
        row = session.get(m.Shop, shop.id)
        assert row is not None
        row.suspended_at = utcnow()
        session.commit()
    page = client.get(f"/s/{shop.id}/orders/{unpaid.id}", headers=HTML)
    assert page.status_code == 200
    token = {"csrf_token": csrf_from(page.text)}
    refused = client.post(f"/s/{shop.id}/orders/{unpaid.id}/pay", data=token, headers=HTML)
    assert "That did not work" in refused.text
    assert factory.fetch(m.Order, unpaid.id).status == m.OrderStatus.pending_payment
    client.post(f"/s/{shop.id}/orders/{unpaid.id}/cancel", data=token, headers=HTML)
    assert factory.fetch(m.Order, unpaid.id).status == m.OrderStatus.cancelled
