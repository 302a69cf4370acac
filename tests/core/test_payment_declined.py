"""A declined payment is a 402 problem (``payment_failed``) and changes nothing."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

import core.models as m
from core.services.payments import PaymentFailed, PaymentResult
from tests.conftest import Factory
from tests.core.test_orders import order_body, place


class DecliningPayment:
    """A provider whose every charge is declined."""

    name = "declining"

    def charge(
        self, *, order_id: int, amount_fen: int, currency: str, idempotency_key: str
    ) -> PaymentResult:
        raise PaymentFailed("Card declined by the issuer.", code="card_declined")

    def refund(self, *, payment_ref: str, amount_fen: int, currency: str) -> str:
        raise PaymentFailed("No refunds today.")


def test_a_declined_payment_is_a_402_problem_and_the_order_stays_pending(
    app: FastAPI, client: TestClient, engine: Engine, factory: Factory
) -> None:
    shop = factory.shop()
    _, sku = factory.product(shop)
    buyer = factory.headers(factory.account())
    order = place(client, shop.id, buyer, order_body(sku.id)).json()
    app.state.payment_provider = DecliningPayment()

    declined = client.post(f"/api/v1/me/orders/{order['id']}/pay", headers=buyer)
    assert declined.status_code == 402, declined.text
    assert declined.headers["content-type"].startswith("application/problem+json")
    assert declined.json()["code"] == "card_declined"
    assert "declined" in declined.json()["detail"]
    with Session(engine) as session:
        row = session.get(m.Order, order["id"])
        assert row is not None and row.status == m.OrderStatus.pending_payment
        assert not row.payment_ref
