"""Shipping insurance (运费险) end to end: orders placed and paid through the API, events
delivered by the real dispatcher, policies and claims kept through ``client.records`` and
read back by the merchant through the open API."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

import core.models as m
from core.errors import InvalidInput
from core.plugins.client import ScopedClient
from core.plugins.delivery import deliver
from core.plugins.installations import enable_plugin
from core.plugins.manager import InstallationRef, PluginHost
from core.settings import Settings
from plugins.shipping_insurance import manifest
from plugins.shipping_insurance.settings import InsuranceSettings
from sdk.errors import InvalidRequest, ScopeDenied
from tests.conftest import Factory
from tests.plugins_host.conftest import enable, run_all

ROOT = Path(__file__).resolve().parents[2]
PLUGIN = "shipping_insurance"
TERMS = {
    "premium_rate_bp": 100,
    "min_premium_fen": 50,
    "max_premium_fen": 500,
    "claim_amount_fen": 1200,
}
_keys = itertools.count(1)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The host's own plugins.toml, whatever directory pytest runs from."""
    return settings.model_copy(update={"plugins_file": ROOT / "plugins.toml"})


@pytest.fixture
def host(app: FastAPI) -> PluginHost:
    host: PluginHost = app.state.plugins
    assert host.plugins[PLUGIN].status.value == "active", host.plugins[PLUGIN].reason
    return host


class Shop:
    """A shop with one product, its owner's headers and a buyer's."""

    def __init__(self, factory: Factory, *, price_fen: int = 12_345) -> None:
        self.owner = factory.account()
        self.shop = factory.shop(self.owner)
        self.product, self.sku = factory.product(self.shop, price_fen=price_fen, stock=50)
        self.owner_h = factory.headers(self.owner)
        self.buyer_h = factory.headers(factory.account())
        self.api = f"/api/v1/shops/{self.shop.id}"

    @property
    def id(self) -> int:
        assert self.shop.id is not None
        return self.shop.id


def paid_order(client: TestClient, s: Shop, quantity: int = 2) -> dict[str, Any]:
    """Place an order through the storefront and pay it; returns the paid order."""
    body = {
        "lines": [{"sku_id": s.sku.id, "quantity": quantity}],
        "recipient_name": "Li Lei",
        "recipient_phone": "13800000000",
        "province_code": "31",
        "address": "1 Nanjing Road",
    }
    headers = {**s.buyer_h, "Idempotency-Key": f"insured-{next(_keys)}"}
    placed = client.post(f"/api/v1/storefront/shops/{s.id}/orders", json=body, headers=headers)
    assert placed.status_code == 201, placed.text
    paid = client.post(f"/api/v1/me/orders/{placed.json()['id']}/pay", headers=s.buyer_h)
    assert paid.status_code == 200, paid.text
    return paid.json()


def aftersale(
    client: TestClient, s: Shop, order: dict[str, Any], kind: str, amount_fen: int
) -> dict[str, Any]:
    made = client.post(
        f"/api/v1/me/orders/{order['id']}/aftersales",
        json={"kind": kind, "amount_fen": amount_fen, "reason": "Not as described"},
        headers=s.buyer_h,
    )
    assert made.status_code == 201, made.text
    accepted = client.post(f"{s.api}/aftersales/{made.json()['id']}/accept", headers=s.owner_h)
    assert accepted.status_code == 200, accepted.text
    return accepted.json()


def refunded_return(client: TestClient, s: Shop, order: dict[str, Any]) -> dict[str, Any]:
    """Return and refund: requested, accepted, parcel sent back, completed (refunded)."""
    request = aftersale(client, s, order, "return_and_refund", order["total_fen"])
    parcel = client.post(
        f"/api/v1/me/orders/{order['id']}/aftersales/{request['id']}/return-shipment",
        json={"carrier_code": "SF", "waybill_no": "SF1234567890123"},
        headers=s.buyer_h,
    )
    assert parcel.status_code == 200, parcel.text
    done = client.post(f"{s.api}/aftersales/{request['id']}/complete", headers=s.owner_h)
    assert done.status_code == 200, done.text
    assert done.json()["outcome"] == "refunded"
    return done.json()


def records(engine: Engine, *, shop_id: int, collection: str | None = None) -> list[Any]:
    with Session(engine) as session:
        query = select(m.PluginRecord).where(m.PluginRecord.shop_id == shop_id)
        if collection is not None:
            query = query.where(m.PluginRecord.collection == collection)
        return list(session.exec(query.order_by(col(m.PluginRecord.id))))


def insured_shop(engine: Engine, host: PluginHost, factory: Factory, **kw: Any) -> Shop:
    s = Shop(factory)
    enable(engine, host, s.shop, PLUGIN, settings=TERMS, **kw)
    run_all(engine, host)  # installation_created
    return s


# -- the settings model ---------------------------------------------------------------------


def test_premium_rule_rounds_and_clamps() -> None:
    terms = InsuranceSettings(**TERMS)
    assert terms.premium_fen(24_690) == 247  # 246.9 rounds half up
    assert terms.premium_fen(1_000) == 50  # the minimum
    assert terms.premium_fen(10_000_000) == 500  # the maximum
    assert InsuranceSettings().premium_rate_bp == 100  # defaults validate


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"min_premium_fen": 600, "max_premium_fen": 500}, "max_premium_fen"),
        ({"premium_rate_bp": 1001}, "premium_rate_bp"),
        ({"premium_rate_bp": -1}, "premium_rate_bp"),
        ({"min_premium_fen": -5}, "min_premium_fen"),
        ({"claim_amount_fen": "lots"}, "claim_amount_fen"),
        ({"surprise": 1}, "surprise"),
    ],
)
def test_enabling_with_invalid_settings_is_refused_with_the_field_path(
    engine: Engine, host: PluginHost, factory: Factory, bad: dict[str, Any], field: str
) -> None:
    shop = factory.shop()
    with Session(engine) as session, pytest.raises(InvalidInput) as caught:
        enable_plugin(session, host=host, shop_id=shop.id, plugin_id=PLUGIN, settings=bad)
    assert caught.value.field == f"body.settings.{field}"
    with Session(engine) as session:
        assert session.exec(select(m.Installation)).first() is None


# -- policies ---------------------------------------------------------------------------------


def test_a_paid_order_gets_one_policy_priced_by_the_rule(
    client: TestClient, engine: Engine, host: PluginHost, factory: Factory
) -> None:
    s = insured_shop(engine, host, factory)
    (terms,) = records(engine, shop_id=s.id, collection="terms")
    assert terms.data == TERMS
    order = paid_order(client, s)  # 2 x 123.45 = 246.90 yuan
    results = run_all(engine, host)
    assert {r.status for r in results} == {"delivered"}, [r.error for r in results]
    (policy,) = records(engine, shop_id=s.id, collection="policies")
    assert policy.key == str(order["id"])
    assert policy.data["status"] == "active"
    assert policy.data["insured_total_fen"] == 24_690 == order["total_fen"]
    assert policy.data["premium_fen"] == 247
    assert policy.data["claim_amount_fen"] == 1200


def test_a_redelivered_order_paid_leaves_one_policy(
    client: TestClient, engine: Engine, host: PluginHost, factory: Factory
) -> None:
    s = insured_shop(engine, host, factory)
    paid_order(client, s)
    run_all(engine, host)
    (first,) = records(engine, shop_id=s.id, collection="policies")
    with Session(engine) as session:  # the worker died after the hook, before recording it
        delivery = session.exec(
            select(m.Delivery).where(m.Delivery.hook == "order_paid", m.Delivery.shop_id == s.id)
        ).one()
        delivery.status = m.DeliveryStatus.pending
        session.add(delivery)
        session.commit()
        delivery_id = delivery.id
    again = deliver(engine, host, delivery_id or 0)
    assert again.status == "delivered", again.error
    (policy,) = records(engine, shop_id=s.id, collection="policies")
    assert policy.id == first.id
    assert policy.data == first.data  # the first delivery's event id, untouched


def test_a_shop_without_the_plugin_gets_no_records(
    client: TestClient, engine: Engine, host: PluginHost, factory: Factory
) -> None:
    insured = insured_shop(engine, host, factory)
    plain = Shop(factory)
    paid_order(client, plain)
    paid_order(client, insured)
    run_all(engine, host)
    assert records(engine, shop_id=plain.id) == []
    assert len(records(engine, shop_id=insured.id, collection="policies")) == 1


def test_a_cancelled_order_voids_its_policy(
    client: TestClient, engine: Engine, host: PluginHost, factory: Factory
) -> None:
    s = insured_shop(engine, host, factory)
    order = paid_order(client, s)
    run_all(engine, host)
    cancelled = client.post(
        f"{s.api}/orders/{order['id']}/cancel", json={"reason": "out of stock"}, headers=s.owner_h
    )
    assert cancelled.status_code == 200, cancelled.text
    run_all(engine, host)
    (policy,) = records(engine, shop_id=s.id, collection="policies")
    assert policy.data["status"] == "void"


# -- claims -----------------------------------------------------------------------------------


def test_a_refunded_return_files_one_claim(
    client: TestClient, engine: Engine, host: PluginHost, factory: Factory
) -> None:
    s = insured_shop(engine, host, factory)
    order = paid_order(client, s)
    run_all(engine, host)
    request = refunded_return(client, s, order)
    results = run_all(engine, host)
    assert {r.status for r in results} == {"delivered"}, [r.error for r in results]
    (claim,) = records(engine, shop_id=s.id, collection="claims")
    assert claim.key == str(order["id"])
    assert claim.data["aftersale_id"] == request["id"]
    assert claim.data["amount_fen"] == 1200
    assert claim.data["reason"] == "return_shipping"
    (policy,) = records(engine, shop_id=s.id, collection="policies")
    assert policy.data["status"] == "claimed"


def test_a_refund_only_files_no_claim(
    client: TestClient, engine: Engine, host: PluginHost, factory: Factory
) -> None:
    s = insured_shop(engine, host, factory)
    order = paid_order(client, s)
    run_all(engine, host)
    resolved = aftersale(client, s, order, "refund_only", 500)
    assert resolved["outcome"] == "refunded"
    assert {r.status for r in run_all(engine, host)} == {"delivered"}
    assert records(engine, shop_id=s.id, collection="claims") == []
    (policy,) = records(engine, shop_id=s.id, collection="policies")
    assert policy.data["status"] == "active"


def test_no_policy_no_claim(
    client: TestClient, engine: Engine, host: PluginHost, factory: Factory
) -> None:
    s = Shop(factory)
    order = paid_order(client, s)  # paid before the plugin was installed
    run_all(engine, host)
    enable(engine, host, s.shop, PLUGIN, settings=TERMS)
    refunded_return(client, s, order)
    assert {r.status for r in run_all(engine, host)} == {"delivered"}
    assert records(engine, shop_id=s.id, collection="claims") == []


# -- scopes ----------------------------------------------------------------------------------


def test_without_orders_read_the_hook_is_denied_and_writes_nothing(
    client: TestClient, engine: Engine, host: PluginHost, factory: Factory
) -> None:
    s = insured_shop(engine, host, factory, granted_scopes=["aftersales:read"])
    paid_order(client, s)
    (result,) = run_all(engine, host)
    assert result.status == "failed"
    assert "ScopeDenied" in result.error and "orders:read" in result.error
    assert records(engine, shop_id=s.id, collection="policies") == []


def test_removing_aftersales_read_later_stops_claims(
    client: TestClient, engine: Engine, host: PluginHost, factory: Factory
) -> None:
    s = insured_shop(engine, host, factory)
    order = paid_order(client, s)
    run_all(engine, host)
    enable(engine, host, s.shop, PLUGIN, settings=TERMS, granted_scopes=["orders:read"])
    refunded_return(client, s, order)
    failed = [r for r in run_all(engine, host) if r.status != "delivered"]
    assert len(failed) == 1 and "aftersales:read" in failed[0].error
    assert records(engine, shop_id=s.id, collection="claims") == []


# -- the merchant's view ---------------------------------------------------------------------


def test_the_merchant_sees_installations_policies_and_claims(
    client: TestClient, engine: Engine, host: PluginHost, factory: Factory
) -> None:
    s = insured_shop(engine, host, factory)
    order = paid_order(client, s)
    run_all(engine, host)
    refunded_return(client, s, order)
    run_all(engine, host)

    listed = client.get(f"{s.api}/installations", headers=s.owner_h)
    assert listed.status_code == 200, listed.text
    (inst,) = listed.json()["items"]
    assert inst["plugin_id"] == PLUGIN and inst["name"] == manifest.name
    assert inst["settings"] == TERMS
    assert inst["granted_scopes"] == ["aftersales:read", "orders:read"]

    policies = client.get(f"{s.api}/installations/{PLUGIN}/records/policies", headers=s.owner_h)
    assert policies.status_code == 200, policies.text
    (policy,) = policies.json()["items"]
    assert policy["key"] == str(order["id"])
    assert policy["data"]["premium_fen"] == 247
    assert policy["data"]["status"] == "claimed"
    claims = client.get(f"{s.api}/installations/{PLUGIN}/records/claims", headers=s.owner_h)
    assert [c["data"]["amount_fen"] for c in claims.json()["items"]] == [1200]

    outsider = factory.headers(factory.account())
    hidden = client.get(f"{s.api}/installations/{PLUGIN}/records/policies", headers=outsider)
    assert hidden.status_code == 404
    missing = client.get(f"{s.api}/installations/recorder/records/policies", headers=s.owner_h)
    assert missing.status_code == 404


def test_records_are_paginated(
    client: TestClient, engine: Engine, host: PluginHost, factory: Factory
) -> None:
    s = insured_shop(engine, host, factory)
    for _ in range(3):
        paid_order(client, s, quantity=1)
    run_all(engine, host)
    url = f"{s.api}/installations/{PLUGIN}/records/policies"
    first = client.get(url, params={"limit": 2}, headers=s.owner_h).json()
    assert len(first["items"]) == 2 and first["next_cursor"]
    rest = client.get(
        url, params={"limit": 2, "cursor": first["next_cursor"]}, headers=s.owner_h
    ).json()
    assert len(rest["items"]) == 1 and rest["next_cursor"] is None


def test_invalid_settings_are_a_422_with_the_field_path(
    client: TestClient, engine: Engine, host: PluginHost, factory: Factory
) -> None:
    s = insured_shop(engine, host, factory)
    url = f"{s.api}/installations/{PLUGIN}/settings"
    bad = client.put(url, json={"settings": {**TERMS, "min_premium_fen": 900}}, headers=s.owner_h)
    assert bad.status_code == 422, bad.text
    assert bad.headers["content-type"] == "application/problem+json"
    assert bad.json()["errors"][0]["field"] == "body.settings.max_premium_fen"
    rate = client.put(url, json={"settings": {"premium_rate_bp": 5000}}, headers=s.owner_h)
    assert rate.status_code == 422
    assert rate.json()["errors"][0]["field"] == "body.settings.premium_rate_bp"
    stored = client.get(f"{s.api}/installations/{PLUGIN}", headers=s.owner_h).json()
    assert stored["settings"] == TERMS  # unchanged

    good = client.put(url, json={"settings": {"premium_rate_bp": 200}}, headers=s.owner_h)
    assert good.status_code == 200, good.text
    assert good.json()["settings"]["premium_rate_bp"] == 200
    assert good.json()["settings"]["max_premium_fen"] == 500  # defaults filled in
    paid_order(client, s)  # 246.90 yuan at 2% = 4.94
    run_all(engine, host)
    (policy,) = records(engine, shop_id=s.id, collection="policies")
    assert policy.data["premium_fen"] == 494


def test_configuring_needs_the_marketplace_permission(
    client: TestClient, engine: Engine, host: PluginHost, factory: Factory
) -> None:
    s = insured_shop(engine, host, factory)
    url = f"{s.api}/installations/{PLUGIN}/settings"
    clerk = factory.headers(factory.member(s.shop, areas=["data"]))
    refused = client.put(url, json={"settings": TERMS}, headers=clerk)
    assert refused.status_code == 403
    assert refused.json()["missing_permission"] == "marketplace"
    seller = factory.headers(factory.member(s.shop, areas=["data", "marketplace"]))
    assert client.put(url, json={"settings": TERMS}, headers=seller).status_code == 200


# -- the client the plugin gets --------------------------------------------------------------


def _client(engine: Engine, installation_id: int, scopes: list[str]) -> ScopedClient:
    """The installation's client after the merchant granted it exactly ``scopes`` (the
    client checks the grant as stored, so the grant is saved, not only handed over)."""
    with Session(engine, expire_on_commit=False) as session:
        row = session.get(m.Installation, installation_id)
        assert row is not None
        row.granted_scopes = scopes
        session.commit()
        return ScopedClient(engine, InstallationRef.of(row))


def test_records_are_private_to_their_installation(
    engine: Engine, host: PluginHost, factory: Factory
) -> None:
    shop = factory.shop()
    mine = _client(engine, enable(engine, host, shop, PLUGIN), [])
    other_shop = factory.shop()
    theirs = _client(engine, enable(engine, host, other_shop, PLUGIN), [])

    created = mine.records.put("notes", "a", {"n": 1})
    assert created.data == {"n": 1}
    assert mine.records.put("notes", "a", {"n": 2}, if_absent=True).data == {"n": 1}
    assert mine.records.put("notes", "a", {"n": 3}).data == {"n": 3}
    mine.records.put("notes", "b", {"n": 4})
    mine.records.put("other", "a", {})
    assert [r.key for r in mine.records.list("notes")] == ["a", "b"]
    assert [r.key for r in mine.records.list("notes", after_key="a")] == ["b"]
    assert [r.key for r in mine.records.list("notes", limit=1)] == ["a"]
    assert theirs.records.get("notes", "a") is None
    assert theirs.records.list("notes") == []
    assert theirs.records.delete("notes", "a") is False
    assert mine.records.delete("notes", "a") is True
    assert mine.records.get("notes", "a") is None

    for bad in (
        lambda: mine.records.put("Bad Name", "a", {}),
        lambda: mine.records.put("notes", "", {}),
        lambda: mine.records.put("notes", "a", {"x": object()}),
        lambda: mine.records.put("notes", "a", {"x": "y" * 70_000}),
        lambda: mine.records.put("notes", "a", ["not", "a", "dict"]),  # type: ignore[arg-type]
    ):
        with pytest.raises(InvalidRequest):
            bad()


def test_orders_get_shows_the_buyer_only_with_orders_pii(
    client: TestClient, engine: Engine, host: PluginHost, factory: Factory
) -> None:
    s = Shop(factory)
    order = paid_order(client, s)
    installation_id = enable(engine, host, s.shop, PLUGIN)
    plain = _client(engine, installation_id, ["orders:read"]).orders.get(order["id"])
    assert plain.total_fen == order["total_fen"] and plain.lines[0].quantity == 2
    assert (plain.recipient_name, plain.recipient_phone, plain.address) == (None, None, None)
    pii = _client(engine, installation_id, ["orders:read", "orders:pii"]).orders.get(order["id"])
    assert pii.recipient_name == "Li Lei" and pii.address == "1 Nanjing Road"
    with pytest.raises(ScopeDenied) as denied:
        _client(engine, installation_id, []).orders.get(order["id"])
    assert denied.value.scope == "orders:read"


def test_aftersale_decisions_need_aftersales_write_and_write_nothing_when_denied(
    client: TestClient, engine: Engine, host: PluginHost, factory: Factory
) -> None:
    s = Shop(factory)
    order = paid_order(client, s)
    made = client.post(
        f"/api/v1/me/orders/{order['id']}/aftersales",
        json={"kind": "refund_only", "amount_fen": 100, "reason": "Changed my mind"},
        headers=s.buyer_h,
    ).json()
    installation_id = enable(engine, host, s.shop, PLUGIN)
    reader = _client(engine, installation_id, ["aftersales:read"])
    assert [a.id for a in reader.aftersales.list(order_id=order["id"])] == [made["id"]]
    with pytest.raises(ScopeDenied) as denied:
        reader.aftersales.accept(made["id"])
    assert denied.value.scope == "aftersales:write"
    assert reader.aftersales.get(made["id"]).status == "requested"
    writer = _client(engine, installation_id, ["aftersales:read", "aftersales:write"])
    accepted = writer.aftersales.accept(made["id"])
    assert (accepted.status, accepted.outcome, accepted.refunded_fen) == (
        "completed",
        "refunded",
        100,
    )
