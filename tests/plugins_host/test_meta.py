"""Meta-tests: every hook spec is documented, tested and called by the kernel; none is
historic."""

from __future__ import annotations

import inspect
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from core.plugins import delivery, fanout
from core.plugins.installations import enable_plugin, remove_installation
from core.plugins.loading import HOOK_NAMES
from sdk import hookspecs
from tests.conftest import Factory
from tests.plugins_host.sample_plugins import recorder
from tests.webtools import HTML, sign_in

TESTS = Path(__file__).parents[1]


@pytest.mark.parametrize("name", sorted(HOOK_NAMES))
def test_spec_docstring(name: str) -> None:
    fn = getattr(hookspecs, name)
    doc = inspect.getdoc(fn) or ""
    assert doc.splitlines()[0].strip(), "one-line summary"
    for arg in inspect.signature(fn).parameters:
        assert f":param {arg}:" in doc, f"{name}: no :param {arg}:"
    for line in ("Runs:", "Scopes:", "Returns:"):
        assert re.search(rf"^{line} \S", doc, re.M), f"{name}: no {line} line"
    assert not fn.tanzi_spec.get("historic"), f"{name} must not be historic"


def test_every_hook_has_a_test() -> None:
    source = "\n".join(p.read_text() for p in TESTS.rglob("test_*.py"))
    missing = [n for n in sorted(HOOK_NAMES) if f"def test_hook_{n}(" not in source]
    assert not missing, f"no test_hook_<name> for: {missing}"


# -- the kernel calls every hook -------------------------------------------------------------

SHOP_API = "/api/v1/shops/{shop}"
ORDER_BODY = {
    "recipient_name": "Li",
    "recipient_phone": "13800138000",
    "province_code": "33",
    "address": "1 Wensan Road",
}


def _ok(response: Any) -> Any:
    assert response.status_code < 300, response.text
    return response.json() if response.content else None


def test_the_kernel_calls_every_hook(app_with_recorder: FastAPI, factory: Factory) -> None:
    """Drive the kernel's own features (open API, storefront, installs, the worker's
    delivery) with a recording plugin enabled; every spec in ``sdk.hookspecs`` must reach it.

    A spec nothing in the host calls fails here, whatever its ``test_hook_<name>`` does.
    """
    app = app_with_recorder
    runtime = app.state.runtime
    host, engine = runtime.host, runtime.engine
    client = TestClient(app)
    owner, buyer = factory.account(), factory.account()
    shop = factory.shop(owner)
    merchant, person = factory.headers(owner), factory.headers(buyer)
    api = SHOP_API.format(shop=shop.id)

    def deliver_all() -> None:  # what `tanzi worker` runs: fan out, then each delivery
        for delivery_id in fanout.dispatch_outbox(engine, host):
            delivery.deliver(engine, host, delivery_id)

    with Session(engine) as session:
        enable_plugin(
            session,
            host=host,
            shop_id=shop.id,
            plugin_id="recorder",
            granted_scopes=["products:read"],
        )
        session.commit()

    category = factory.category()
    product = _ok(
        client.post(
            f"{api}/products",
            json={
                "category_id": category.id,
                "title": "Tea",
                "skus": [{"code": "A", "price_fen": 1000, "stock": 50}],
            },
            headers=merchant,
        )
    )
    sku_id = product["skus"][0]["id"]
    _ok(
        client.patch(
            f"{api}/products/{product['id']}", json={"title": "Green tea"}, headers=merchant
        )
    )
    _ok(client.post(f"{api}/products/{product['id']}/list", headers=merchant))
    _ok(client.post(f"{api}/skus/{sku_id}/inventory", json={"delta": 5}, headers=merchant))
    line = {"sku_id": sku_id, "quantity": 1}
    _ok(
        client.post(
            f"/api/v1/storefront/shops/{shop.id}/shipping-quote",
            json={"province_code": "33", "lines": [line]},
        )
    )

    def place(key: str) -> dict[str, Any]:
        return _ok(
            client.post(
                f"/api/v1/storefront/shops/{shop.id}/orders",
                json={**ORDER_BODY, "lines": [line]},
                headers={**person, "Idempotency-Key": key},
            )
        )

    cancelled = place("meta-1")
    _ok(client.post(f"/api/v1/me/orders/{cancelled['id']}/cancel", json={}, headers=person))
    order = place("meta-2")
    _ok(client.post(f"/api/v1/me/orders/{order['id']}/pay", headers=person))
    shipment = _ok(
        client.post(
            f"{api}/orders/{order['id']}/shipments",
            json={"carrier_code": "SF", "waybill_no": "SF1234567890123"},
            headers=merchant,
        )
    )
    _ok(
        client.post(
            f"{api}/shipments/{shipment['id']}/tracking",
            json={"status": "in_transit"},
            headers=merchant,
        )
    )
    _ok(client.post(f"{api}/orders/{order['id']}/mark-delivered", headers=merchant))
    _ok(client.post(f"/api/v1/me/orders/{order['id']}/confirm-receipt", headers=person))
    aftersale = _ok(
        client.post(
            f"/api/v1/me/orders/{order['id']}/aftersales",
            json={"kind": "refund_only", "amount_fen": 100, "reason": "dented tin"},
            headers=person,
        )
    )
    _ok(client.post(f"{api}/aftersales/{aftersale['id']}/accept", headers=merchant))
    _ok(client.get(f"{api}/carriers", headers=merchant))
    _ok(client.get(f"{api}/import-formats", headers=merchant))
    _ok(
        client.post(f"{api}/jobs", json={"plugin_id": "recorder", "code": "noop"}, headers=merchant)
    )
    browser = TestClient(app)  # the console and plugin pages, signed in as the owner
    sign_in(browser, owner.email, "secret-pass")
    assert browser.get(f"/console/shops/{shop.id}/orders", headers=HTML).status_code == 200
    assert browser.get(f"/apps/recorder/shops/{shop.id}/hello", headers=HTML).status_code == 200
    _ok(client.delete(f"{api}/products/{product['id']}", headers=merchant))
    deliver_all()
    with Session(engine) as session:
        remove_installation(session, shop_id=shop.id, plugin_id="recorder")
        session.commit()
    deliver_all()

    seen = {name for name, _ in recorder.CALLS}
    assert sorted(HOOK_NAMES - seen) == [], "hook specs the kernel never called"
