"""The orders desk in the console: filters, the order page's ship / cancel / pickup forms,
pickup stores and an exchange's replacement, each through the kernel services and the
member's permissions (no button without the area, 403 on a post)."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session, select

import core.models as m
from core.models.base import utcnow
from tests.conftest import Factory
from tests.marketplace.console_helpers import settings, signed_in  # noqa: F401
from tests.webtools import HTML, csrf_from

ZH = {**HTML, "Accept-Language": "zh-CN"}


def _post(client: TestClient, page: str, url: str, data: dict[str, str], headers=HTML) -> object:
    token = csrf_from(client.get(page, headers=headers).text)
    return client.post(
        url, data={**data, "csrf_token": token}, headers=headers, follow_redirects=False
    )


def _set(factory: Factory, row: object, **values: object) -> None:
    with Session(factory.engine) as session:
        fresh = session.get(type(row), row.id)  # type: ignore[attr-defined]
        for key, value in values.items():
            setattr(fresh, key, value)
        session.add(fresh)
        session.commit()


def test_orders_filter_by_status_dates_and_phone(client: TestClient, factory: Factory) -> None:
    owner = factory.account()
    shop = factory.shop(owner)
    old, _ = factory.order(shop)
    new, _ = factory.order(shop, status=m.OrderStatus.shipped)
    _set(factory, old, created_at=utcnow() - timedelta(days=10), recipient_phone="139 0000 1111")
    signed_in(client, owner)
    base = f"/console/shops/{shop.id}/orders"
    today = utcnow().date().isoformat()
    recent = client.get(f"{base}?from={today}&to={today}", headers=HTML).text
    assert f"#{new.id}</a>" in recent and f"#{old.id}</a>" not in recent
    by_phone = client.get(f"{base}?phone=13900001111", headers=HTML).text
    assert f"#{old.id}</a>" in by_phone and f"#{new.id}</a>" not in by_phone
    shipped = client.get(f"{base}?status=shipped", headers=HTML).text
    assert f"#{new.id}</a>" in shipped and f"#{old.id}</a>" not in shipped
    bad = client.get(f"{base}?from=yesterday", headers=HTML)
    assert bad.status_code == 400
    assert "Enter a date like 2026-12-01." in bad.text
    backwards = client.get(f"{base}?from={today}&to=2020-01-01", headers=ZH)
    assert backwards.status_code == 400 and "结束日期早于开始日期" in backwards.text

    # the API filters the same way
    api = client.get(
        f"/api/v1/shops/{shop.id}/orders",
        params={"recipient_phone": "139-0000-1111"},
        headers=factory.headers(owner),
    ).json()
    assert [o["id"] for o in api["items"]] == [old.id]


def test_ship_two_parcels_by_line_then_tracking_shows(client: TestClient, factory: Factory) -> None:
    owner = factory.account()
    shop = factory.shop(owner)
    order, lines = factory.order(shop, lines=((3, 1000), (1, 500)))
    signed_in(client, owner)
    page = f"/console/shops/{shop.id}/orders/{order.id}"
    ship = page + "/ship"
    form = client.get(page, headers=HTML).text
    assert 'name="waybill_no"' in form and f'name="qty_{lines[0].id}"' in form
    assert "¥35.00" in form  # the total
    # too many items of a line: the form comes back with the message by the line
    too_many = _post(
        client,
        page,
        ship,
        {"carrier_code": "SF", "waybill_no": "SF123456789012", f"qty_{lines[0].id}": "4"},
    )
    assert too_many.status_code == 400
    assert "At most 3 of these items are left to ship." in too_many.text
    bad_waybill = _post(
        client,
        page,
        ship,
        {"carrier_code": "SF", "waybill_no": "nope", f"qty_{lines[0].id}": "1"},
        headers=ZH,
    )
    assert bad_waybill.status_code == 400 and 'value="nope"' in bad_waybill.text
    first = _post(
        client,
        page,
        ship,
        {
            "carrier_code": "SF",
            "waybill_no": "SF123456789012",
            f"qty_{lines[0].id}": "2",
            f"qty_{lines[1].id}": "0",
        },
    )
    assert first.status_code == 303, getattr(first, "text", "")
    assert factory.fetch(m.Order, order.id).status == m.OrderStatus.shipped
    after = client.get(page, headers=HTML).text
    assert "2 of 3" in after and "0 of 1" in after
    dup = _post(
        client,
        page,
        ship,
        {"carrier_code": "SF", "waybill_no": "SF123456789012", f"qty_{lines[1].id}": "1"},
    )
    assert dup.status_code == 400
    assert "already used by another parcel" in dup.text
    second = _post(
        client,
        page,
        ship,
        {
            "carrier_code": "ZTO",
            "waybill_no": "773012345678",
            f"qty_{lines[0].id}": "1",
            f"qty_{lines[1].id}": "1",
        },
    )
    assert second.status_code == 303
    with Session(factory.engine) as session:
        parcels = list(session.exec(select(m.Shipment).where(m.Shipment.order_id == order.id)))
        assert sorted(p.waybill_no for p in parcels) == ["773012345678", "SF123456789012"]
        assert {p.waybill_no: p.quantities for p in parcels}["SF123456789012"] == {
            str(lines[0].id): 2
        }
        sf = next(p for p in parcels if p.carrier_code == "SF")
    tracking = _post(
        client,
        f"/console/shops/{shop.id}/shipments",
        f"/console/shops/{shop.id}/shipments/{sf.id}/tracking",
        {"status": "picked_up", "location": "Shanghai hub", "description": ""},
    )
    assert tracking.status_code == 303
    done = client.get(page, headers=HTML).text
    assert "Shanghai hub" in done and "773012345678" in done
    assert 'name="waybill_no"' not in done  # everything is in a parcel: no ship form


def test_cancel_needs_a_reason_and_refunds_a_paid_order(
    client: TestClient, factory: Factory
) -> None:
    owner = factory.account()
    shop = factory.shop(owner)
    order, _ = factory.order(shop)
    signed_in(client, owner)
    page = f"/console/shops/{shop.id}/orders/{order.id}"
    empty = _post(client, page, page + "/cancel", {"reason": "  "}, headers=ZH)
    assert empty.status_code == 400 and "请告诉买家取消订单的原因" in empty.text
    done = _post(client, page, page + "/cancel", {"reason": "Out of stock, sorry"})
    assert done.status_code == 303
    cancelled = factory.fetch(m.Order, order.id)
    assert cancelled.status == m.OrderStatus.cancelled
    assert cancelled.cancel_reason == "Out of stock, sorry"
    assert cancelled.cancelled_by == "merchant"
    shown = client.get(page, headers=HTML).text
    assert "Out of stock, sorry" in shown and 'action="' + page + '/cancel"' not in shown


def test_members_without_the_area_see_no_buttons_and_get_403(
    client: TestClient, factory: Factory
) -> None:
    owner = factory.account()
    shop = factory.shop(owner)
    order, _ = factory.order(shop)
    reader = factory.member(shop, areas=["orders"])  # orders, but not logistics
    signed_in(client, reader)
    page = f"/console/shops/{shop.id}/orders/{order.id}"
    html = client.get(page, headers=HTML).text
    assert page + "/ship" not in html and page + "/cancel" in html
    refused = _post(
        client, page, page + "/ship", {"carrier_code": "SF", "waybill_no": "SF123456789012"}
    )
    assert refused.status_code == 403
    stores = f"/console/shops/{shop.id}/pickup-stores"
    assert client.get(stores, headers=HTML).status_code == 403
    packer = factory.member(shop, areas=["logistics"])
    signed_in(client, packer)
    assert client.get(page, headers=HTML).status_code == 403
    assert "Add a pickup store" in client.get(stores, headers=HTML).text
    refused_cancel = _post(client, stores, page + "/cancel", {"reason": "x"})
    assert refused_cancel.status_code == 403
    assert factory.fetch(m.Order, order.id).status == m.OrderStatus.paid


def test_pickup_stores_and_completing_an_order_by_code(
    client: TestClient, factory: Factory
) -> None:
    owner = factory.account()
    shop = factory.shop(owner)
    signed_in(client, owner)
    stores = f"/console/shops/{shop.id}/pickup-stores"
    assert "No pickup stores yet." in client.get(stores, headers=HTML).text
    bad = _post(client, stores, stores, {"name": "Counter", "province_code": "", "address": "x"})
    assert bad.status_code == 400
    assert "Choose the province." in bad.text and "Enter the opening hours" in bad.text
    added = _post(
        client,
        stores,
        stores,
        {"name": "Counter", "province_code": "31", "address": "8 Huaihai Road", "hours": "9-21"},
    )
    assert added.status_code == 303
    listing = client.get(stores, headers=ZH).text
    assert "8 Huaihai Road" in listing and "上海市" in listing
    with Session(factory.engine) as session:
        store = session.exec(select(m.PickupStore).where(m.PickupStore.shop_id == shop.id)).one()
    edited = _post(
        client,
        stores,
        f"{stores}/{store.id}",
        {"name": "Front desk", "province_code": "31", "address": "8 Huaihai Road", "hours": "9-21"},
    )
    assert edited.status_code == 303
    assert factory.fetch(m.PickupStore, store.id).name == "Front desk"

    order, _ = factory.order(shop, self_pickup=True)
    with Session(factory.engine) as session:
        session.add(
            m.OrderPickup(order_id=order.id, shop_id=shop.id, store_id=store.id, code="12345678")
        )
        session.commit()
    page = f"/console/shops/{shop.id}/orders/{order.id}"
    html = client.get(page, headers=HTML).text
    assert "Front desk" in html and "12345678" not in html and 'name="code"' in html
    wrong = _post(client, page, page + "/pickup", {"code": "87654321"})
    assert wrong.status_code == 400 and "4 tries left" in wrong.text
    in_use = _post(client, stores, f"{stores}/{store.id}/delete", {})
    assert in_use.status_code == 303
    assert factory.fetch(m.PickupStore, store.id).name == "Front desk"  # still there
    right = _post(client, page, page + "/pickup", {"code": "12345678"})
    assert right.status_code == 303
    assert factory.fetch(m.Order, order.id).status == m.OrderStatus.completed


def test_exchange_replacement_from_the_aftersales_page(
    client: TestClient, factory: Factory
) -> None:
    owner = factory.account()
    shop = factory.shop(owner)
    order, _ = factory.order(shop, status=m.OrderStatus.shipped)
    row = m.AfterSale(
        shop_id=shop.id,
        order_id=order.id,
        kind=m.AfterSaleKind.exchange,
        status=m.AfterSaleStatus.accepted,
        reason="Wrong size",
        return_carrier_code="ZTO",
        return_waybill="773000000001",
        return_shipped_at=utcnow(),
    )
    factory._save(row)
    signed_in(client, owner)
    page = f"/console/shops/{shop.id}/aftersales"
    html = client.get(page, headers=HTML).text
    assert "773000000001" in html and "Send replacement" in html
    sent = _post(
        client,
        page,
        f"{page}/{row.id}/replacement",
        {"carrier_code": "SF", "waybill_no": "SF123456789055"},
    )
    assert sent.status_code == 303
    done = factory.fetch(m.AfterSale, row.id)
    assert done.status == m.AfterSaleStatus.completed and done.outcome == "exchanged"
    assert done.replacement_waybill == "SF123456789055"
    shown = client.get(f"/console/shops/{shop.id}/orders/{order.id}", headers=HTML).text
    assert "SF123456789055" in shown and "773000000001" in shown
